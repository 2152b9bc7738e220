//! Tranches, holdback release and forfeiture, clawback: what has been paid,
//! and what to pay next, computed cumulatively.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{split, Error, Payment, PoolRule, Split, SplitRequest};

/// What has been allotted to one person so far, cumulatively.
///
/// `amount = held + payable`; of `held`, `released` has been paid out and
/// `forfeited` kept back for good; the rest is [`outstanding`](Self::outstanding).
///
/// Serialized as `{"amount": "...", "held": "...", "payable": "...",
/// "released": "...", "forfeited": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Account {
    /// Sum of the tranche amounts.
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
    /// Sum of the tranche holdbacks.
    #[serde(with = "crate::exact")]
    pub held: Decimal,
    /// Sum of the tranche payables (paid with each tranche).
    #[serde(with = "crate::exact")]
    pub payable: Decimal,
    /// Holdback paid out by [`Ledger::release`].
    #[serde(with = "crate::exact")]
    pub released: Decimal,
    /// Holdback kept back by [`Ledger::forfeit`].
    #[serde(with = "crate::exact")]
    pub forfeited: Decimal,
}

impl Account {
    /// Holdback neither released nor forfeited: `held - released - forfeited`.
    ///
    /// Negative when a clawback took back holdback that had already been
    /// released: the person owes it, and the next release settles it.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] or [`Error::Inexact`] if the balance cannot be represented exactly.
    pub fn outstanding(&self) -> Result<Decimal, Error> {
        sub(sub(self.held, self.released)?, self.forfeited)
    }
}

/// One person's part of a tranche: the change in their allotment.
///
/// Negative numbers are a clawback. Serialized as
/// `{"id": "ana", "amount": "...", "held": "...", "payable": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct TrancheLine {
    /// The person.
    pub id: String,
    /// Change of their amount: `held + payable`.
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
    /// Change of their holdback.
    #[serde(with = "crate::exact")]
    pub held: Decimal,
    /// To pay them now (or, if negative, to recover from them).
    #[serde(with = "crate::exact")]
    pub payable: Decimal,
}

/// A payout as a payment arrives: the split of the pool earned so far minus
/// what was already allotted, per person.
///
/// Serialized as `{"date": "2026-03-01", "currency": "EUR", "pool": "...",
/// "retained": "...", "people": [...]}`, people sorted by id; `pool` is the
/// cumulative earned pool after this tranche, the other numbers are changes.
/// `currency` is written only when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Tranche {
    /// The day of the tranche.
    pub date: NaiveDate,
    /// The currency code of every amount, when known: a deal's tranches
    /// (`DealPayout::tranches`, feature
    /// `pipeline`) carry the contract's; those of a ledger carry the ledger's
    /// ([`Ledger::in_currency`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The cumulative pool once this tranche is recorded.
    #[serde(with = "crate::exact")]
    pub pool: Decimal,
    /// Change of the retained amount.
    #[serde(with = "crate::exact")]
    pub retained: Decimal,
    /// Everyone whose allotment exists or changes, sorted by id.
    pub people: Vec<TrancheLine>,
}

impl Tranche {
    /// The line of person `id`, if any.
    #[must_use]
    pub fn person(&self, id: &str) -> Option<&TrancheLine> {
        self.people
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.people.get(i))
    }
}

/// Whether a holdback was paid out or kept back.
///
/// Serialized as `"release"` or `"forfeit"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldbackAction {
    /// Paid out to the person.
    Release,
    /// Kept back (e.g. after a violation).
    Forfeit,
}

/// A holdback released or forfeited.
///
/// Serialized as `{"id": "ana", "date": "2026-12-31", "action": "release", "amount": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct HoldbackMovement {
    /// The person.
    pub id: String,
    /// The day.
    pub date: NaiveDate,
    /// Released or forfeited.
    pub action: HoldbackAction,
    /// The amount moved (negative for a release that recovers a clawback).
    #[serde(with = "crate::exact")]
    pub amount: Decimal,
}

/// What has been allotted to whom: the state tranches are computed against.
///
/// Pure and serializable: [`tranche`](Self::tranche) decides, and
/// [`record`](Self::record) applies. Each tranche is the split of the pool
/// earned so far minus what is already recorded, per person, so after any
/// sequence of tranches every account equals the split of the latest pool,
/// cent for cent, whatever the path (payments, refunds, team changes).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use ltc_incentive::{Ledger, Member, SplitRequest, Window};
/// use rust_decimal_macros::dec;
///
/// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
/// let team = SplitRequest::new(dec!(0), Window::new(d(1, 1), d(7, 1)))
///     .role("AR", dec!(1))
///     .holdback(dec!(0.10))
///     .member(Member::new("ana", "AR", dec!(1)))
///     .member(Member::new("bo", "AR", dec!(1)));
///
/// let mut ledger = Ledger::new();
/// let first = ledger.pay(d(2,1), &team.clone().pool(dec!(100.00)).split()?)?;
/// assert_eq!(first.person("ana").unwrap().payable, dec!(45.00));
///
/// // cy joins; the pool grows to 300.00: the next tranche tops everyone up
/// // to their share of the new split.
/// let grown = team.member(Member::new("cy", "AR", dec!(1))).pool(dec!(300.00));
/// let second = ledger.pay(d(3, 1), &grown.split()?)?;
/// assert_eq!(second.person("ana").unwrap().amount, dec!(50.00));
/// assert_eq!(second.person("cy").unwrap().amount, dec!(100.00));
///
/// // At year end the holdback is released.
/// let released = ledger.release("ana", d(12, 31))?;
/// assert_eq!(released.amount, dec!(10.00));
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Ledger {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    currency: Option<String>,
    #[serde(with = "crate::exact")]
    pool: Decimal,
    #[serde(with = "crate::exact")]
    retained: Decimal,
    #[serde(deserialize_with = "crate::strict::unique_keys")]
    accounts: BTreeMap<String, Account>,
}

crate::strict::objects_only!(Account, TrancheLine, Tranche, HoldbackMovement, Ledger);

impl Ledger {
    /// An empty ledger: nothing allotted yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty ledger in a currency: its tranches carry it, and a tranche in
    /// another currency is refused ([`Error::CurrencyMismatch`]).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use ltc_incentive::{Ledger, Tranche};
    /// let mut ledger = Ledger::in_currency("EUR");
    /// let date = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
    /// let usd = Tranche { date, currency: Some("USD".into()), pool: 0.into(), retained: 0.into(), people: vec![] };
    /// assert_eq!(ledger.record(&usd).unwrap_err().code(), "currency_mismatch");
    /// ```
    #[must_use]
    pub fn in_currency(currency: impl Into<String>) -> Self {
        Self {
            currency: Some(currency.into()),
            ..Self::default()
        }
    }

    /// The currency of the amounts recorded: the one the ledger was made in,
    /// or else that of the first tranche recorded that carried one.
    #[must_use]
    pub fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }

    /// The cumulative pool recorded so far.
    #[must_use]
    pub fn pool(&self) -> Decimal {
        self.pool
    }

    /// The cumulative retained amount recorded so far.
    #[must_use]
    pub fn retained(&self) -> Decimal {
        self.retained
    }

    /// Every account, by person id.
    #[must_use]
    pub fn accounts(&self) -> &BTreeMap<String, Account> {
        &self.accounts
    }

    /// The account of person `id`, if any.
    #[must_use]
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// The tranche that brings every account to `target`: per person,
    /// `target - recorded` for amount, held and payable. People in the ledger
    /// but not in `target` are clawed back to zero; people new in `target`
    /// get their whole share. Does not change the ledger: see
    /// [`record`](Self::record) and [`pay`](Self::pay).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] or [`Error::Inexact`] if a difference cannot be represented exactly.
    pub fn tranche(&self, date: NaiveDate, target: &Split) -> Result<Tranche, Error> {
        let mut people: BTreeMap<&str, TrancheLine> = BTreeMap::new();
        let zero = Account::default();
        for p in &target.people {
            let had = self.accounts.get(&*p.id).unwrap_or(&zero);
            people.insert(
                &p.id,
                TrancheLine {
                    id: p.id.to_string(),
                    amount: sub(p.amount, had.amount)?,
                    held: sub(p.held, had.held)?,
                    payable: sub(p.payable, had.payable)?,
                },
            );
        }
        for (id, had) in &self.accounts {
            if !people.contains_key(id.as_str()) {
                people.insert(
                    id.as_str(),
                    TrancheLine {
                        id: id.clone(),
                        amount: sub(Decimal::ZERO, had.amount)?,
                        held: sub(Decimal::ZERO, had.held)?,
                        payable: sub(Decimal::ZERO, had.payable)?,
                    },
                );
            }
        }
        Ok(Tranche {
            date,
            currency: self.currency.clone(),
            pool: target.pool,
            retained: sub(target.retained, self.retained)?,
            people: people.into_values().collect(),
        })
    }

    /// Records a tranche: adds its changes to the accounts. Either the whole
    /// tranche is recorded or, on error, nothing. A tranche in another
    /// currency than the ledger's is refused; the first tranche with a
    /// currency sets that of a ledger that had none.
    ///
    /// When a clawback takes back more holdback than is outstanding, the part
    /// that had been forfeited is taken from `forfeited` (the person never got
    /// it, so they owe nothing for it); only the rest, already released to
    /// them, is recovered by their next release.
    ///
    /// # Errors
    ///
    /// [`Error::CurrencyMismatch`]; [`Error::Overflow`] or [`Error::Inexact`] if a sum cannot
    /// be represented exactly.
    pub fn record(&mut self, tranche: &Tranche) -> Result<(), Error> {
        if let (Some(expected), Some(found)) = (&self.currency, &tranche.currency) {
            if expected != found {
                return Err(Error::CurrencyMismatch {
                    expected: expected.clone(),
                    found: found.clone(),
                });
            }
        }
        let mut accounts = self.accounts.clone();
        for line in &tranche.people {
            let a = accounts.entry(line.id.clone()).or_default();
            a.amount = add(a.amount, line.amount)?;
            a.held = add(a.held, line.held)?;
            a.payable = add(a.payable, line.payable)?;
            // A clawback of holdback the person never received: what was forfeited absorbs it
            // (the company keeps less) before anything is recovered from what was released.
            let short = a.outstanding()?;
            if short < Decimal::ZERO && a.forfeited > Decimal::ZERO {
                let absorbed = a.forfeited.min(-short);
                a.forfeited = sub(a.forfeited, absorbed)?;
            }
        }
        self.retained = add(self.retained, tranche.retained)?;
        if self.currency.is_none() {
            self.currency.clone_from(&tranche.currency);
        }
        self.accounts = accounts;
        self.pool = tranche.pool;
        Ok(())
    }

    /// Computes the tranche towards `target` and records it.
    ///
    /// # Errors
    ///
    /// As [`tranche`](Self::tranche) and [`record`](Self::record).
    pub fn pay(&mut self, date: NaiveDate, target: &Split) -> Result<Tranche, Error> {
        let tranche = self.tranche(date, target)?;
        self.record(&tranche)?;
        Ok(tranche)
    }

    /// Releases person `id`'s outstanding holdback: pays it out (or, if a
    /// clawback made it negative, recovers it).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPerson`], [`Error::Overflow`], [`Error::Inexact`].
    pub fn release(&mut self, id: &str, date: NaiveDate) -> Result<HoldbackMovement, Error> {
        let account = self.account_mut(id)?;
        let amount = account.outstanding()?;
        account.released = add(account.released, amount)?;
        Ok(HoldbackMovement {
            id: id.to_owned(),
            date,
            action: HoldbackAction::Release,
            amount,
        })
    }

    /// Releases everyone's outstanding holdback (e.g. at year end), skipping
    /// people with nothing outstanding; movements sorted by id.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`], [`Error::Inexact`].
    pub fn release_all(&mut self, date: NaiveDate) -> Result<Vec<HoldbackMovement>, Error> {
        let mut ids = Vec::new();
        for (id, a) in &self.accounts {
            if !a.outstanding()?.is_zero() {
                ids.push(id.clone());
            }
        }
        ids.iter().map(|id| self.release(id, date)).collect()
    }

    /// Forfeits person `id`'s outstanding holdback (e.g. on a violation): it
    /// is kept back for good. Holdback from later tranches accrues anew.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownPerson`], [`Error::NothingToForfeit`] when nothing
    /// positive is outstanding, [`Error::Overflow`], [`Error::Inexact`].
    pub fn forfeit(&mut self, id: &str, date: NaiveDate) -> Result<HoldbackMovement, Error> {
        let account = self.account_mut(id)?;
        let amount = account.outstanding()?;
        if amount <= Decimal::ZERO {
            return Err(Error::NothingToForfeit {
                id: id.to_owned(),
                outstanding: amount,
            });
        }
        account.forfeited = add(account.forfeited, amount)?;
        Ok(HoldbackMovement {
            id: id.to_owned(),
            date,
            action: HoldbackAction::Forfeit,
            amount,
        })
    }

    fn account_mut(&mut self, id: &str) -> Result<&mut Account, Error> {
        self.accounts
            .get_mut(id)
            .ok_or_else(|| Error::UnknownPerson { id: id.to_owned() })
    }
}

/// The tranches of a deal paid in instalments: one per payment, each the
/// split of the pool earned by the cash collected so far (see
/// [`PoolRule::earned`]) minus what the earlier tranches allotted.
///
/// The pool of `request` is ignored: each tranche uses the earned pool. On
/// the contract basis the whole pool is earned at once, so it is paid with
/// the first tranche: pass a zero payment on the signing day to pay at
/// signing. No payments, no tranches. A
/// refund (negative payment) that shrinks the pool yields a negative
/// tranche, a clawback. Since every tranche is cumulative, the tranches sum
/// to the split of the final earned pool exactly, per person. For a team
/// that changes between payments, use [`Ledger::pay`] with one split per
/// payment.
///
/// # Errors
///
/// [`Error::NegativeCollected`] if refunds exceed the cash collected so
/// far, [`Error::Inexact`] if the cash collected cannot be summed exactly,
/// and any error of [`PoolRule::earned`] or [`split`](crate::split).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use ltc_incentive::{tranches, Basis, Member, Payment, PoolRule, SplitRequest, Window};
/// use rust_decimal_macros::dec;
///
/// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
/// let team = SplitRequest::new(dec!(0), Window::new(d(1, 1), d(7, 1)))
///     .role("AR", dec!(60))
///     .role("SR", dec!(40))
///     .member(Member::new("ana", "AR", dec!(1)))
///     .member(Member::new("bo", "SR", dec!(1)));
/// let rule = PoolRule::new(dec!(100000.00), dec!(0.10), Basis::Cash);
/// let payments = [
///     Payment::new(d(2, 1), dec!(30000.00)),
///     Payment::new(d(3, 1), dec!(-10000.00)), // refund: clawback
///     Payment::new(d(4, 1), dec!(90000.00)),  // over-collected: capped
/// ];
/// let t = tranches(&team, &rule, &payments)?;
/// let ana: Vec<_> = t.iter().map(|t| t.person("ana").unwrap().amount).collect();
/// assert_eq!(ana, [dec!(1800.00), dec!(-600.00), dec!(4800.00)]);
/// assert_eq!(t[2].pool, dec!(10000.00));
/// # Ok::<(), ltc_incentive::Error>(())
/// ```
pub fn tranches(
    request: &SplitRequest,
    rule: &PoolRule,
    payments: &[Payment],
) -> Result<Vec<Tranche>, Error> {
    let mut ledger = Ledger::new();
    let mut current = request.clone();
    let mut collected = Decimal::ZERO;
    let mut out = Vec::with_capacity(payments.len());
    for payment in payments {
        collected = crate::arith::add(collected, payment.amount, "the cash collected")?;
        current.pool = rule.earned(collected, request.scale)?;
        out.push(ledger.pay(payment.date, &split(&current)?)?);
    }
    Ok(out)
}

/// What the ledger's sums are, in errors.
const BALANCE: &str = "a ledger balance";

/// `a + b`, exactly.
fn add(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    crate::arith::add(a, b, BALANCE)
}

/// `a - b`, exactly.
fn sub(a: Decimal, b: Decimal) -> Result<Decimal, Error> {
    crate::arith::sub(a, b, BALANCE)
}
