//! Earned pools: result first. A pool exists only because of a result, a
//! signed contract or cash collected.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocate::{from_units, MAX_SCALE, MAX_UNITS};
use crate::bigint::{div_half_even, pow10, Big, Int};
use crate::Error;

/// What earns the pool.
///
/// Serialized as `"contract"` or `"cash"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The whole pool is earned when the contract is signed.
    Contract,
    /// The pool grows with the cash collected, in proportion to the contract
    /// value, capped at the whole pool; refunds shrink it again.
    Cash,
}

/// How a pool is earned from a deal: `contract_value x rate`, on a basis.
///
/// Serialized as `{"contract_value": "200000.00", "rate": "0.05", "basis": "cash"}`.
///
/// # Examples
///
/// ```
/// use ltc_incentive::{Basis, PoolRule};
/// use rust_decimal_macros::dec;
///
/// let rule = PoolRule::new(dec!(200000.00), dec!(0.05), Basis::Cash);
/// assert_eq!(rule.full_pool(2)?, dec!(10000.00));
/// assert_eq!(rule.earned(dec!(50000.00), 2)?, dec!(2500.00));
/// assert_eq!(rule.earned(dec!(250000.00), 2)?, dec!(10000.00)); // capped
///
/// let signed = PoolRule::new(dec!(200000.00), dec!(0.05), Basis::Contract);
/// assert_eq!(signed.earned(dec!(0), 2)?, dec!(10000.00));
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct PoolRule {
    /// The signed contract value, `>= 0`.
    #[serde(with = "crate::exact")]
    pub contract_value: Decimal,
    /// The share of the contract value that forms the pool, `>= 0`.
    #[serde(with = "crate::exact")]
    pub rate: Decimal,
    /// Contract or cash basis.
    pub basis: Basis,
}

impl PoolRule {
    /// A rule earning `contract_value x rate` on `basis`.
    #[must_use]
    pub fn new(contract_value: Decimal, rate: Decimal, basis: Basis) -> Self {
        Self {
            contract_value,
            rate,
            basis,
        }
    }

    /// The whole pool, `contract_value x rate` rounded half to even to the
    /// minor unit (`10^-scale`), computed exactly.
    ///
    /// # Errors
    ///
    /// [`Error::NegativeContractValue`], [`Error::NegativeRate`],
    /// [`Error::ScaleOutOfRange`], [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use ltc_incentive::{Basis, PoolRule};
    /// # use rust_decimal_macros::dec;
    /// // 1234.57 x 0.05 = 61.7285 -> 61.73
    /// let rule = PoolRule::new(dec!(1234.57), dec!(0.05), Basis::Contract);
    /// assert_eq!(rule.full_pool(2)?, dec!(61.73));
    /// # Ok::<(), ltc_incentive::Error>(())
    /// ```
    pub fn full_pool(&self, scale: u32) -> Result<Decimal, Error> {
        from_units(self.full_pool_units(scale)?, false, scale)
    }

    /// The pool earned once `collected` cash has come in.
    ///
    /// On the contract basis, the whole pool. On the cash basis,
    /// `floor(full_pool x min(collected, contract_value) / contract_value)`
    /// to the minor unit, exactly: it never pays ahead of the cash, only
    /// grows as cash grows, and is the whole pool once the contract value is
    /// collected.
    ///
    /// # Errors
    ///
    /// [`Error::NegativeCollected`], and those of [`full_pool`](Self::full_pool).
    pub fn earned(&self, collected: Decimal, scale: u32) -> Result<Decimal, Error> {
        if collected < Decimal::ZERO {
            return Err(Error::NegativeCollected { collected });
        }
        let full = self.full_pool_units(scale)?;
        let units = match self.basis {
            Basis::Contract => full,
            Basis::Cash if self.contract_value.is_zero() => 0,
            Basis::Cash if collected >= self.contract_value => full,
            Basis::Cash => {
                let common = collected.scale().max(self.contract_value.scale());
                let c = aligned(collected, common)?;
                let v = aligned(self.contract_value, common)?;
                let (q, _) = Int::div_rem(&(Big::from(full) * c), &v).ok_or(OVERFLOW)?;
                q.try_u128().ok_or(OVERFLOW)?
            }
        };
        from_units(units, false, scale)
    }

    fn full_pool_units(&self, scale: u32) -> Result<u128, Error> {
        if scale > MAX_SCALE {
            return Err(Error::ScaleOutOfRange { scale });
        }
        if self.contract_value < Decimal::ZERO {
            return Err(Error::NegativeContractValue {
                value: self.contract_value,
            });
        }
        if self.rate < Decimal::ZERO {
            return Err(Error::NegativeRate { rate: self.rate });
        }
        let product = aligned(self.contract_value, self.contract_value.scale())?
            * aligned(self.rate, self.rate.scale())?;
        let product_scale = self.contract_value.scale() + self.rate.scale();
        let units = if product_scale >= scale {
            let d: Big = pow10(product_scale - scale).ok_or(OVERFLOW)?;
            div_half_even(&product, &d).ok_or(OVERFLOW)?
        } else {
            let f: Big = pow10(scale - product_scale).ok_or(OVERFLOW)?;
            product * f
        };
        units.try_u128().filter(|&u| u <= MAX_UNITS).ok_or(OVERFLOW)
    }
}

const OVERFLOW: Error = Error::Overflow {
    what: "the earned pool",
};

/// `|d|` as an integer at `scale` (>= its own scale).
fn aligned(d: Decimal, scale: u32) -> Result<Big, Error> {
    let f: Big = pow10(scale - d.scale()).ok_or(OVERFLOW)?;
    Ok(Big::from(d.mantissa().unsigned_abs()) * f)
}

/// Cash received (positive) or paid back (negative) on a day.
///
/// Serialized as `{"date": "2026-03-01", "amount": "50000.00"}`.
///
/// # Examples
///
/// ```
/// # use chrono::NaiveDate;
/// use ltc_incentive::Payment;
/// use rust_decimal_macros::dec;
///
/// let refund = Payment::new(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(), dec!(-5000.00));
/// assert!(refund.amount.is_sign_negative());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Payment {
    /// The day the cash moved.
    pub date: NaiveDate,
    /// Received (positive) or refunded (negative).
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
}

crate::strict::objects_only!(PoolRule, Payment);

impl Payment {
    /// A payment (or, with a negative amount, a refund) on `date`.
    #[must_use]
    pub fn new(date: NaiveDate, amount: Decimal) -> Self {
        Self { date, amount }
    }
}
