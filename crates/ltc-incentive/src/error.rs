//! The one error type of the crate.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Everything the crate refuses to do, with the values that made it refuse.
///
/// Every variant has a stable, `snake_case` [`code`](Error::code) for
/// programs (a CLI, an API) and a `Display` message for people.
///
/// # Examples
///
/// ```
/// use ltc_incentive::{allocate, Error};
/// use rust_decimal_macros::dec;
///
/// let err = allocate(dec!(10.005), &[dec!(1), dec!(1)], 2).unwrap_err();
/// assert_eq!(err, Error::AmountFinerThanMinorUnit { amount: dec!(10.005), scale: 2 });
/// assert_eq!(err.code(), "amount_finer_than_minor_unit");
/// assert_eq!(err.to_string(), "amount 10.005 is finer than the minor unit at scale 2 (0.01)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `allocate` was given no weights at all.
    #[error("nothing to split into: no weights were given")]
    NoWeights,
    /// A weight passed to `allocate` is negative.
    #[error("weight #{index} is negative: {weight}")]
    NegativeWeight {
        /// Position of the weight in the input.
        index: usize,
        /// The weight.
        weight: Decimal,
    },
    /// Every weight passed to `allocate` is zero, so no share is defined.
    #[error("all {count} weights are zero, so no share is defined")]
    AllWeightsZero {
        /// How many weights were given.
        count: usize,
    },
    /// The amount to allocate is not a whole number of minor units.
    #[error("amount {amount} is finer than the minor unit at scale {scale} ({})", minor_unit(*.scale))]
    AmountFinerThanMinorUnit {
        /// The amount.
        amount: Decimal,
        /// The scale (number of decimal places of the minor unit).
        scale: u32,
    },
    /// The scale is larger than a `Decimal` can carry (28).
    #[error("scale {scale} is out of range: at most 28 decimal places are supported")]
    ScaleOutOfRange {
        /// The scale.
        scale: u32,
    },
    /// A number grew beyond what can be computed or represented exactly.
    #[error("arithmetic overflow while computing {what}")]
    Overflow {
        /// What was being computed.
        what: &'static str,
    },
    /// The exact result of an addition, subtraction or multiplication has more significant
    /// digits than a `Decimal` holds (28 to 29), so it could only be had rounded: refused
    /// instead. A result too large in magnitude is [`Error::Overflow`].
    #[error(
        "{what} cannot be computed exactly: {left} {op} {right} has more significant digits \
         than a decimal holds (28-29)"
    )]
    Inexact {
        /// What was being computed.
        what: &'static str,
        /// The left operand.
        left: Decimal,
        /// The operation: `+`, `-` or `x`.
        op: char,
        /// The right operand.
        right: Decimal,
    },
    /// The pool of a split is negative.
    #[error("the pool is negative: {pool}")]
    NegativePool {
        /// The pool.
        pool: Decimal,
    },
    /// The pool of a split is not a whole number of minor units.
    #[error("the pool {pool} is finer than the minor unit at scale {scale} ({})", minor_unit(*.scale))]
    PoolFinerThanMinorUnit {
        /// The pool.
        pool: Decimal,
        /// The scale.
        scale: u32,
    },
    /// A role weight is negative.
    #[error("role {} has a negative weight: {weight}", esc(.role))]
    NegativeRoleWeight {
        /// The role.
        role: String,
        /// Its weight.
        weight: Decimal,
    },
    /// A member names a role that is not in `roles`.
    #[error("member {} has role {}, which is not one of the listed roles", esc(.member), esc(.role))]
    UnknownRole {
        /// The member id.
        member: String,
        /// The role it names.
        role: String,
    },
    /// The same member appears twice in the same role.
    #[error("member {} appears more than once in role {}", esc(.member), esc(.role))]
    DuplicateMember {
        /// The member id.
        member: String,
        /// The role.
        role: String,
    },
    /// A member's contribution is negative.
    #[error(
        "member {} in role {} has a negative contribution: {contribution}",
        esc(.member),
        esc(.role)
    )]
    NegativeContribution {
        /// The member id.
        member: String,
        /// The role.
        role: String,
        /// The contribution.
        contribution: Decimal,
    },
    /// A member's involvement is outside `[0, 1]`.
    #[error(
        "member {} in role {} has involvement {involvement}, outside [0, 1]",
        esc(.member),
        esc(.role)
    )]
    InvolvementOutOfRange {
        /// The member id.
        member: String,
        /// The role.
        role: String,
        /// The involvement.
        involvement: Decimal,
    },
    /// A member left before they joined.
    #[error(
        "member {} in role {} left on {left}, before joining on {joined}",
        esc(.member),
        esc(.role)
    )]
    LeftBeforeJoined {
        /// The member id.
        member: String,
        /// The role.
        role: String,
        /// The day they joined.
        joined: NaiveDate,
        /// The day they left.
        left: NaiveDate,
    },
    /// The window has no days: its end is not after its start.
    #[error("the window [{start}, {end}) is empty: it must span at least one day")]
    EmptyWindow {
        /// First day of the window.
        start: NaiveDate,
        /// First day after the window.
        end: NaiveDate,
    },
    /// The holdback fraction is outside `[0, 1]`.
    #[error("holdback {holdback} is outside [0, 1]")]
    HoldbackOutOfRange {
        /// The holdback fraction.
        holdback: Decimal,
    },
    /// No member has a positive weight, so nobody can receive anything.
    #[error("no member has a positive weight (contribution x involvement x participation)")]
    NoPositiveWeight,
    /// Members have positive weights, but only in roles whose weight is zero.
    #[error("no role is active: every member with a positive weight is in a role of weight zero")]
    NoActiveRole,
    /// A contract value is negative.
    #[error("the contract value is negative: {value}")]
    NegativeContractValue {
        /// The contract value.
        value: Decimal,
    },
    /// A pool rate is negative.
    #[error("the pool rate is negative: {rate}")]
    NegativeRate {
        /// The rate.
        rate: Decimal,
    },
    /// Refunds exceed the cash collected so far.
    #[error("cash collected would become negative: {collected}")]
    NegativeCollected {
        /// The cumulative cash collected.
        collected: Decimal,
    },
    /// The deal has no signed contract, so there is no result to pay from.
    #[error(
        "deal {} has no signed contract (it is in stage {}): no result, no pool",
        esc(.deal),
        esc(.stage)
    )]
    NoResult {
        /// The deal.
        deal: String,
        /// Its stage.
        stage: String,
    },
    /// A ledger operation names a person the ledger does not know.
    #[error("person {} has no account in the ledger", esc(.id))]
    UnknownPerson {
        /// The person id.
        id: String,
    },
    /// A forfeiture was asked for a person with no holdback outstanding.
    #[error(
        "person {} has no holdback outstanding to forfeit (outstanding: {outstanding})",
        esc(.id)
    )]
    NothingToForfeit {
        /// The person id.
        id: String,
        /// Their outstanding holdback.
        outstanding: Decimal,
    },
    /// A deal's payout asked under another process than the one the deal runs under.
    #[error(
        "deal {} runs under process {}, not {}",
        esc(.deal),
        esc(.runs_under),
        esc(.given)
    )]
    ProcessMismatch {
        /// The deal.
        deal: String,
        /// The process (`name@version`) it runs under.
        runs_under: String,
        /// The process given.
        given: String,
    },
    /// A deal's terms weigh a role its process does not define (a misspelt `ar` for `AR`).
    #[error("the terms weigh role {}, which process {} does not define", esc(.role), esc(.process))]
    RoleNotInProcess {
        /// The role named in the terms.
        role: String,
        /// The process (`name@version`).
        process: String,
    },
    /// The minor units of a deal's currency are unknown to its process.
    #[error("the minor units of currency {} are unknown", esc(.currency))]
    UnknownCurrency {
        /// The currency code.
        currency: String,
    },
    /// A tranche in another currency than the ledger's.
    #[error("a tranche in {} cannot be recorded in a ledger in {}", esc(.found), esc(.expected))]
    CurrencyMismatch {
        /// The ledger's currency.
        expected: String,
        /// The tranche's currency.
        found: String,
    },
    /// Another error, at a path inside the document that was read (`versions[1].rate_table[0].rate`):
    /// every refusal of a plan, a deal or a statement request names where it is.
    #[error("at `{path}`: {error}")]
    At {
        /// Where, as `field.list[index].field`.
        path: String,
        /// What is wrong there.
        error: Box<Error>,
    },
    /// A JSON document that does not read: not JSON, or a value of the wrong shape. Inside a
    /// document it comes [`At`](Error::At) the path of the bad value. Returned by the
    /// `from_json` readers ([`StatementRequest::from_json`](crate::StatementRequest::from_json),
    /// ...).
    #[error("malformed JSON: {}", esc(.message))]
    MalformedJson {
        /// What was wrong, with the line and column where the reader saw it.
        message: String,
    },
    /// A value that must be positive is zero or negative.
    #[error("{what} must be positive: {value}")]
    NotPositive {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: Decimal,
    },
    /// A value that must not be negative is.
    #[error("{what} is negative: {value}")]
    NegativeValue {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: Decimal,
    },
    /// A value outside the range it must lie in.
    #[error("{what} {value} is outside {range}")]
    ValueOutOfRange {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: Decimal,
        /// The range, as written in the documentation (`[0, 1]`).
        range: &'static str,
    },
    /// An amount of money that is not a whole number of minor units.
    #[error("{what} {value} is finer than the minor unit at scale {scale} ({})", minor_unit(*.scale))]
    FinerThanMinorUnit {
        /// What the amount is.
        what: &'static str,
        /// The amount.
        value: Decimal,
        /// The scale.
        scale: u32,
    },
    /// A list that must have at least one entry has none.
    #[error("{what} is empty")]
    Empty {
        /// What the list is.
        what: &'static str,
    },
    /// The tiers of a rate table do not start at strictly increasing attainments.
    #[error("a tier starts at attainment {from}, not above the previous tier's {previous}")]
    TiersOutOfOrder {
        /// Where this tier starts.
        from: Decimal,
        /// Where the previous one starts.
        previous: Decimal,
    },
    /// The first tier of a rate table does not start at attainment 0.
    #[error("the first tier starts at attainment {from}: it must start at 0")]
    FirstTierNotAtZero {
        /// Where it starts.
        from: Decimal,
    },
    /// Two entries share an id (or a version number) but differ. The same entry given twice
    /// counts once.
    #[error("id {} is given twice with different contents", esc(.id))]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// A reference to something the document does not have.
    #[error("{what} {} does not exist", esc(.id))]
    UnknownReference {
        /// What is referred to.
        what: &'static str,
        /// The id referred to.
        id: String,
    },
    /// The revenue splits of a deal do not total exactly 100%.
    #[error("the revenue splits total {total}, not exactly 1 (100%)")]
    RevenueSplitNotWhole {
        /// Their total.
        total: Decimal,
    },
    /// Two fields that exclude each other, or a field that needs another one.
    #[error("{what}")]
    Inconsistent {
        /// What does not fit together.
        what: &'static str,
    },
    /// Reversals (refunds, credit notes) of a credit exceed the credit.
    #[error("the reversals of {} total {reversed}, more than its {amount}", esc(.source_id))]
    OverReversal {
        /// The credit reversed: `signature` or a receipt id.
        source_id: String,
        /// Its amount.
        amount: Decimal,
        /// What the reversals total.
        reversed: Decimal,
    },
    /// The periods do not follow each other without gap or overlap.
    #[error("this period starts on {found}, not on {expected}, the end of the one before")]
    PeriodsNotContiguous {
        /// The end of the period before.
        expected: NaiveDate,
        /// This period's start.
        found: NaiveDate,
    },
    /// Periods are closed out of order: a closed period after an open one, or closed before
    /// the period before it was.
    #[error("this period is closed on {closed}, but the period before it {before}")]
    CloseOutOfOrder {
        /// When this period was closed.
        closed: NaiveDate,
        /// What the period before was: `is open`, or `was closed on ...`.
        before: String,
    },
    /// A fact is recorded before the day it happened, or a period is closed before it starts.
    #[error("recorded on {recorded}, before {date}")]
    RecordedBeforeDate {
        /// The day it happened.
        date: NaiveDate,
        /// The day it was recorded.
        recorded: NaiveDate,
    },
    /// A receipt is dated before its deal was signed.
    #[error("dated {date}, before the deal was signed on {signed}")]
    BeforeSigned {
        /// The receipt's date.
        date: NaiveDate,
        /// The deal's signature.
        signed: NaiveDate,
    },
    /// A deal's receipts, net of their reversals, exceed its value.
    #[error(
        "the receipts so far total {received} net of their reversals, more than the deal's {value}"
    )]
    OverReceipt {
        /// The deal's value.
        value: Decimal,
        /// What its receipts total, net of their reversals, up to this one.
        received: Decimal,
    },
    /// A credit is dated outside every period of the request, so no statement would count it.
    #[error("dated {date}, outside the periods [{start}, {end})")]
    OutsidePeriods {
        /// The credit's date.
        date: NaiveDate,
        /// The first period's start.
        start: NaiveDate,
        /// The last period's end.
        end: NaiveDate,
    },
    /// A fact dated on or before the last close carries no `recorded` day: the default (its
    /// own date) would count it as known when the period closed, and rewrite that period.
    #[error(
        "dated {date}, on or before the close of period {} on {closed}: say when it was \
         recorded",
        esc(.period)
    )]
    RecordedRequired {
        /// The fact's own date (a deal's `signed`, a receipt's or reversal's `date`).
        date: NaiveDate,
        /// The last closed period.
        period: String,
        /// Its close.
        closed: NaiveDate,
    },
    /// A closed period computes, for a person, to another payable than the one frozen when it
    /// was closed.
    #[error(
        "period {} was closed with {frozen} payable to {}, but its facts now give {now}",
        esc(.period),
        esc(.person)
    )]
    ClosedPeriodChanged {
        /// The period.
        period: String,
        /// The person.
        person: String,
        /// The payable frozen at its close.
        frozen: Decimal,
        /// The payable its facts give now.
        now: Decimal,
    },
}

impl Error {
    /// A stable, `snake_case` identifier of the kind of error.
    ///
    /// # Examples
    ///
    /// ```
    /// use ltc_incentive::Error;
    ///
    /// assert_eq!(Error::NoWeights.code(), "no_weights");
    /// assert_eq!(Error::NoActiveRole.code(), "no_active_role");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::NoWeights => "no_weights",
            Error::NegativeWeight { .. } => "negative_weight",
            Error::AllWeightsZero { .. } => "all_weights_zero",
            Error::AmountFinerThanMinorUnit { .. } => "amount_finer_than_minor_unit",
            Error::ScaleOutOfRange { .. } => "scale_out_of_range",
            Error::Overflow { .. } => "overflow",
            Error::Inexact { .. } => "inexact",
            Error::NegativePool { .. } => "negative_pool",
            Error::PoolFinerThanMinorUnit { .. } => "pool_finer_than_minor_unit",
            Error::NegativeRoleWeight { .. } => "negative_role_weight",
            Error::UnknownRole { .. } => "unknown_role",
            Error::DuplicateMember { .. } => "duplicate_member",
            Error::NegativeContribution { .. } => "negative_contribution",
            Error::InvolvementOutOfRange { .. } => "involvement_out_of_range",
            Error::LeftBeforeJoined { .. } => "left_before_joined",
            Error::EmptyWindow { .. } => "empty_window",
            Error::HoldbackOutOfRange { .. } => "holdback_out_of_range",
            Error::NoPositiveWeight => "no_positive_weight",
            Error::NoActiveRole => "no_active_role",
            Error::NegativeContractValue { .. } => "negative_contract_value",
            Error::NegativeRate { .. } => "negative_rate",
            Error::NegativeCollected { .. } => "negative_collected",
            Error::NoResult { .. } => "no_result",
            Error::UnknownPerson { .. } => "unknown_person",
            Error::NothingToForfeit { .. } => "nothing_to_forfeit",
            Error::ProcessMismatch { .. } => "process_mismatch",
            Error::RoleNotInProcess { .. } => "role_not_in_process",
            Error::UnknownCurrency { .. } => "unknown_currency",
            Error::CurrencyMismatch { .. } => "currency_mismatch",
            Error::At { error, .. } => error.code(),
            Error::MalformedJson { .. } => "malformed_json",
            Error::NotPositive { .. } => "not_positive",
            Error::NegativeValue { .. } => "negative_value",
            Error::ValueOutOfRange { .. } => "value_out_of_range",
            Error::FinerThanMinorUnit { .. } => "finer_than_minor_unit",
            Error::Empty { .. } => "empty",
            Error::TiersOutOfOrder { .. } => "tiers_out_of_order",
            Error::FirstTierNotAtZero { .. } => "first_tier_not_at_zero",
            Error::DuplicateId { .. } => "duplicate_id",
            Error::UnknownReference { .. } => "unknown_reference",
            Error::RevenueSplitNotWhole { .. } => "revenue_split_not_100",
            Error::Inconsistent { .. } => "inconsistent",
            Error::OverReversal { .. } => "over_reversal",
            Error::PeriodsNotContiguous { .. } => "periods_not_contiguous",
            Error::CloseOutOfOrder { .. } => "close_out_of_order",
            Error::RecordedBeforeDate { .. } => "recorded_before_date",
            Error::BeforeSigned { .. } => "before_signed",
            Error::OverReceipt { .. } => "over_receipt",
            Error::OutsidePeriods { .. } => "outside_periods",
            Error::RecordedRequired { .. } => "recorded_required",
            Error::ClosedPeriodChanged { .. } => "closed_period_changed",
        }
    }
}

impl Error {
    /// This error at `path` inside a document: `Error::At { path, .. }`. A path already there is
    /// appended, so that errors can be placed from the inside out (`rate_table[1]`, then
    /// `versions[0]`, then `plan`: `plan.versions[0].rate_table[1]`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ltc_incentive::Error;
    ///
    /// let err = Error::Empty { what: "the rate table" }.at("rate_table").at("versions[0]");
    /// assert_eq!(err.code(), "empty");
    /// assert_eq!(err.to_string(), "at `versions[0].rate_table`: the rate table is empty");
    /// ```
    #[must_use]
    pub fn at(self, path: impl Into<String>) -> Self {
        let mut path = path.into();
        match self {
            Error::At { path: inner, error } => {
                if !inner.starts_with('[') {
                    path.push('.');
                }
                path.push_str(&inner);
                Error::At { path, error }
            }
            error => Error::At {
                path,
                error: Box::new(error),
            },
        }
    }

    /// The path of an [`Error::At`], if any.
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::At { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// `text` for a one-line message: control characters, line breaks and backslashes appear as
/// escapes (`\n`, `\u{1b}`, `\\`), as `str::escape_debug` writes them, but quotes stay as they
/// are and nothing is added around it.
pub(crate) struct Esc<'a>(pub(crate) &'a str);

impl std::fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['\'', '"']) {
            let Some((before, quote_and_after)) = rest.split_at_checked(at) else {
                break;
            };
            let mut chars = quote_and_after.chars();
            let quote = chars.next().unwrap_or('"');
            write!(f, "{}{quote}", before.escape_debug())?;
            rest = chars.as_str();
        }
        write!(f, "{}", rest.escape_debug())
    }
}

/// [`Esc`] for the error messages.
fn esc(text: &str) -> Esc<'_> {
    Esc(text)
}

/// The minor unit at `scale`, for messages (`0.01` at scale 2).
fn minor_unit(scale: u32) -> Decimal {
    Decimal::try_from_i128_with_scale(1, scale).unwrap_or(Decimal::ZERO)
}
