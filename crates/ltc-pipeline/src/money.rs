//! Exact money: a `rust_decimal` amount with an ISO 4217-style currency code.

use crate::serde_strict::objects_only;
use crate::Error;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A currency code: three ASCII capital letters, such as `EUR`.
///
/// The common codes are constants ([`Currency::EUR`], [`Currency::USD`], ...); any other is
/// parsed with [`Currency::new`]. `Debug` shows the code: `Currency("EUR")`.
///
/// ```
/// use ltc_pipeline::Currency;
/// assert_eq!(Currency::new("EUR")?, Currency::EUR);
/// assert_eq!(Currency::EUR.as_str(), "EUR");
/// assert_eq!(format!("{:?}", Currency::EUR), r#"Currency("EUR")"#);
/// assert!(Currency::new("euro").is_err());
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Currency").field(&self.as_str()).finish()
    }
}

impl Currency {
    /// The euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// The US dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// The pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");
    /// The Swiss franc.
    pub const CHF: Currency = Currency(*b"CHF");
    /// The yen (no minor units).
    pub const JPY: Currency = Currency(*b"JPY");

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
/// use ltc_pipeline::{Currency, Decimal, Money};
/// let m = Money::new(Decimal::new(125000, 2), "EUR")?;
/// assert_eq!(m.to_string(), "1250.00 EUR");
/// // With a currency constant nothing can fail:
/// assert_eq!(Money::of(Decimal::new(125000, 2), Currency::EUR), m);
/// assert_eq!(Money::eur(240_000).to_string(), "240000 EUR");
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Money {
    /// The amount, exact.
    #[serde(with = "crate::serde_strict::decimal")]
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

objects_only!(Money);

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

    /// An amount in a currency already parsed (or a constant such as [`Currency::EUR`]).
    pub const fn of(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// An amount in euros: `Money::eur(240_000)`, `Money::eur(Decimal::new(1999, 2))`.
    pub fn eur(amount: impl Into<Decimal>) -> Self {
        Self::of(amount.into(), Currency::EUR)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// ISO 4217 minor units of the common currencies, sorted by code. A process definition may add
/// currencies or override these (`ProcessDefinition::currencies`).
const MINOR_UNITS: &[(&str, u32)] = &[
    ("AED", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("GNF", 0),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KMF", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("LYD", 3),
    ("MAD", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PEN", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("ZAR", 2),
];

impl Currency {
    /// The number of minor units (decimal places) ISO 4217 gives this currency, for the common
    /// currencies this crate knows; `None` for others (a process definition can add them).
    ///
    /// ```
    /// use ltc_pipeline::Currency;
    /// assert_eq!(Currency::new("EUR")?.iso_minor_units(), Some(2));
    /// assert_eq!(Currency::new("JPY")?.iso_minor_units(), Some(0));
    /// assert_eq!(Currency::new("KWD")?.iso_minor_units(), Some(3));
    /// assert_eq!(Currency::new("XYZ")?.iso_minor_units(), None);
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn iso_minor_units(&self) -> Option<u32> {
        // Codes compared as integers (their three letters, in order), not as byte strings.
        let packed = |code: &[u8]| match code {
            [a, b, c] => u32::from_be_bytes([0, *a, *b, *c]),
            _ => 0,
        };
        let key = packed(&self.0);
        MINOR_UNITS
            .binary_search_by(|(code, _)| packed(code.as_bytes()).cmp(&key))
            .ok()
            .and_then(|i| MINOR_UNITS.get(i))
            .map(|(_, units)| *units)
    }
}

/// Checks an amount given to a deal: positive, in the deal's currency if it has one, a currency
/// whose minor units the process knows, and a whole number of those minor units.
pub(crate) fn check(
    process: &crate::Process,
    currency: Option<Currency>,
    money: &Money,
) -> Result<(), Error> {
    if money.amount <= Decimal::ZERO {
        return Err(Error::NonPositiveAmount {
            amount: money.amount,
        });
    }
    if let Some(expected) = currency {
        if expected != money.currency {
            return Err(Error::CurrencyMismatch {
                expected,
                found: money.currency,
            });
        }
    }
    let Some(minor_units) = process.minor_units(money.currency) else {
        return Err(Error::UnknownCurrency {
            currency: money.currency,
        });
    };
    // Written with no more places than the minor units is whole; otherwise the trailing zeros
    // decide ("10.500" is 10.50).
    if money.amount.scale() > minor_units && money.amount.normalize().scale() > minor_units {
        return Err(Error::NotInMinorUnits {
            amount: money.amount,
            currency: money.currency,
            minor_units,
        });
    }
    Ok(())
}

/// The exact sum of two decimals, or `None` when a `Decimal` cannot hold it exactly (more
/// significant digits than it has, or out of range). `Decimal::checked_add` reports overflow but
/// rounds past 28 significant digits; this never rounds.
pub(crate) fn exact_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (a, b) = (a.normalize(), b.normalize());
    let scale = a.scale().max(b.scale());
    // Both mantissas at the common scale. If one does not fit an i128, the exact sum has more
    // significant digits than a Decimal holds: the other operand has a non-zero digit at `scale`
    // and is far smaller.
    let aligned = |d: Decimal| {
        10i128
            .checked_pow(scale - d.scale())
            .and_then(|f| d.mantissa().checked_mul(f))
    };
    let mut mantissa = aligned(a)?.checked_add(aligned(b)?)?;
    let mut scale = scale;
    loop {
        if let Ok(sum) = Decimal::try_from_i128_with_scale(mantissa, scale) {
            return Some(sum);
        }
        // Too many digits: drop trailing zeros only; a non-zero digit would be rounded away.
        if scale == 0 || mantissa % 10 != 0 {
            return None;
        }
        mantissa /= 10;
        scale -= 1;
    }
}

/// Adds two amounts exactly, or says why it cannot: where `Decimal` would round the sum to fit,
/// this refuses it. Exported as [`add_amounts`](crate::add_amounts).
///
/// # Errors
/// [`Error::Inexact`] when the exact sum has more digits than a `Decimal` holds.
///
/// ```
/// use ltc_pipeline::add_amounts;
/// use rust_decimal::Decimal;
/// assert_eq!(add_amounts(Decimal::new(1050, 2), Decimal::new(25, 1))?, Decimal::new(1300, 2));
/// assert_eq!(add_amounts(Decimal::MAX, Decimal::ONE).unwrap_err().code(), "inexact");
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    match exact_add(a, b) {
        Some(sum) => Ok(sum),
        None => Err(Error::Inexact {
            left: a,
            op: '+',
            right: b,
        }),
    }
}

/// Subtracts two amounts exactly, or says why it cannot.
pub(crate) fn sub(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    match exact_add(a, -b) {
        Some(sum) => Ok(sum),
        None => Err(Error::Inexact {
            left: a,
            op: '-',
            right: b,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn sums_that_would_round_are_refused() {
        assert_eq!(
            exact_add(d("200000"), d("0.0000000000000000000000000001")),
            None
        );
        assert_eq!(exact_add(Decimal::MAX, Decimal::ONE), None);
        assert_eq!(exact_add(d("0.5"), d("0.5")), Some(Decimal::ONE));
        // 28 digits then one more: exact once the trailing zero is dropped.
        let big = d("7922816251426433759354395033.5");
        assert_eq!(
            exact_add(big, d("0.5")),
            Some(d("7922816251426433759354395034"))
        );
        assert_eq!(exact_add(big, d("0.25")), None);
        assert_eq!(exact_add(d("1.000000"), d("-1")), Some(Decimal::ZERO));
    }

    fn decimal() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), any::<i64>(), 0u32..=28).prop_map(|(hi, lo, scale)| {
            let m = (i128::from(hi) << 32) ^ i128::from(lo);
            Decimal::try_from_i128_with_scale(m % (1i128 << 96), scale).unwrap_or_default()
        })
    }

    proptest! {
        /// The sum is exact whenever it is given: subtracting either operand back (as wide
        /// integers at the common scale) gives the other.
        #[test]
        fn exact_add_never_rounds(a in decimal(), b in decimal()) {
            if let Some(sum) = exact_add(a, b) {
                let scale = a.scale().max(b.scale()).max(sum.scale());
                let wide = |x: Decimal| -> Option<i128> {
                    10i128.checked_pow(scale - x.scale()).and_then(|f| x.mantissa().checked_mul(f))
                };
                if let (Some(s), Some(x), Some(y)) = (wide(sum), wide(a), wide(b)) {
                    prop_assert_eq!(s, x + y);
                }
                prop_assert_eq!(sum.checked_sub(a).map(|r| r == b), Some(true));
            }
        }
    }
}
