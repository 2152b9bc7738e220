//! Exact money: a `rust_decimal` amount with an ISO 4217-style currency code.

use crate::Error;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A currency code: three ASCII capital letters, such as `EUR`.
///
/// ```
/// use ltc_pipeline::Currency;
/// assert_eq!(Currency::new("EUR")?.as_str(), "EUR");
/// assert!(Currency::new("euro").is_err());
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a currency code.
    ///
    /// # Errors
    /// [`Error::InvalidCurrency`] unless the code is exactly three ASCII capital letters.
    pub fn new(code: &str) -> Result<Self, Error> {
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(Error::InvalidCurrency {
                code: code.to_owned(),
            }),
        }
    }

    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        // Only ASCII capitals are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Error> {
        Self::new(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.as_str().to_owned()
    }
}

/// An exact amount in a currency. Amounts serialize as strings (`"1250.00"`).
///
/// ```
/// use ltc_pipeline::Money;
/// use rust_decimal::Decimal;
/// let m = Money::new(Decimal::new(125000, 2), "EUR")?;
/// assert_eq!(m.to_string(), "1250.00 EUR");
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount, exact.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// Builds an amount in the currency with the given code.
    ///
    /// # Errors
    /// [`Error::InvalidCurrency`] for a malformed code.
    pub fn new(amount: Decimal, currency: &str) -> Result<Self, Error> {
        Ok(Self {
            amount,
            currency: Currency::new(currency)?,
        })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Checks an amount given to a deal: positive, and in the deal's currency if it has one.
pub(crate) fn check(currency: Option<Currency>, money: &Money) -> Result<(), Error> {
    if money.amount <= Decimal::ZERO {
        return Err(Error::NonPositiveAmount {
            amount: money.amount,
        });
    }
    match currency {
        Some(expected) if expected != money.currency => Err(Error::CurrencyMismatch {
            expected,
            found: money.currency,
        }),
        _ => Ok(()),
    }
}

/// Adds two amounts, reporting overflow as an error rather than panicking.
pub(crate) fn add(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    a.checked_add(b).ok_or(Error::Overflow)
}

/// Subtracts two amounts, reporting overflow as an error rather than panicking.
pub(crate) fn sub(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    a.checked_sub(b).ok_or(Error::Overflow)
}
