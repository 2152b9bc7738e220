//! The one error type of the crate.

use crate::{
    Currency, DealId, EndKind, Fact, GateKind, InvoiceId, PersonId, ProcessRef, Role, StageKind,
    Vote,
};
use rust_decimal::Decimal;

/// Everything that can be refused, each variant with the values that explain it.
///
/// Every variant has a stable snake_case [`code`](Error::code) for hosts and logs. A refused command
/// leaves the deal untouched.
///
/// ```
/// use ltc_pipeline::{Error, StageKind};
/// let err = Error::WrongStage { command: "issue_invoice", stage: StageKind::Bid };
/// assert_eq!(err.code(), "wrong_stage");
/// assert_eq!(err.to_string(), "`issue_invoice` is not allowed in stage `bid`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A currency code that is not three ASCII capital letters.
    #[error("invalid currency code `{code_}`: expected three capital letters such as `EUR`", code_ = esc(.code))]
    InvalidCurrency {
        /// The code given.
        code: String,
    },
    /// An amount in another currency than the deal's.
    #[error("currency mismatch: the deal is in {expected}, the amount is in {found}")]
    CurrencyMismatch {
        /// The deal's currency.
        expected: Currency,
        /// The amount's currency.
        found: Currency,
    },
    /// Arithmetic on amounts would overflow.
    #[error("amount arithmetic would overflow")]
    Overflow,
    /// A JSON document that does not read: not JSON, or a value of the wrong shape at `path`
    /// (`"."` for the document itself). Returned by the `from_json` readers
    /// ([`ProcessDefinition::from_json`](crate::ProcessDefinition::from_json), ...).
    #[error("malformed JSON at `{path_}`: {message_}", path_ = esc(.path), message_ = esc(.message))]
    MalformedJson {
        /// Where in the document (`commands[2].at`), `"."` for the document itself.
        path: String,
        /// What was wrong, with the line and column where the reader saw it.
        message: String,
    },
    /// A process definition that cannot be used.
    #[error("invalid process definition at `{path_}`: {problem_}", path_ = esc(.path), problem_ = esc(.problem))]
    InvalidDefinition {
        /// Where in the definition.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// A reference to an authority level the process does not define.
    #[error("unknown authority level `{level_}` at `{path_}`", level_ = esc(.level), path_ = esc(.path))]
    UnknownLevel {
        /// The level named.
        level: String,
        /// Where it was named.
        path: String,
    },
    /// A reference to a role the process does not define.
    #[error("unknown role `{role_}` at `{path_}`", role_ = esc(.role), path_ = esc(.path))]
    UnknownRole {
        /// The role named.
        role: Role,
        /// Where it was named.
        path: String,
    },
    /// A stage no transition of the process leads to.
    #[error("stage `{stage}` cannot be reached from `captured`{}", missing_gate_hint(.missing_gates))]
    UnreachableStage {
        /// The stage.
        stage: StageKind,
        /// Gates that would guard a transition into it but have no policy.
        missing_gates: Vec<GateKind>,
    },
    /// A non-end stage from which no end can be reached.
    #[error("no end can be reached from stage `{stage}`")]
    NoPathToEnd {
        /// The stage.
        stage: StageKind,
    },
    /// The command expected another version of the deal (optimistic concurrency).
    #[error("version conflict: the command expects version {expected}, the deal is at {actual}")]
    VersionConflict {
        /// The version the command expected.
        expected: u64,
        /// The deal's version.
        actual: u64,
    },
    /// A command before the lead was captured.
    #[error("the deal has not been opened: capture the lead first")]
    NotOpened,
    /// `capture_lead` on a deal that exists.
    #[error("the deal is already open")]
    AlreadyOpened,
    /// A command that does not apply in the deal's stage.
    #[error("`{command}` is not allowed in stage `{stage}`")]
    WrongStage {
        /// The command.
        command: &'static str,
        /// The deal's stage.
        stage: StageKind,
    },
    /// Any command on an ended deal.
    #[error("the deal has ended ({end}); nothing leaves an end stage")]
    DealEnded {
        /// How it ended.
        end: EndKind,
    },
    /// A command dated before the deal's last event.
    #[error("the command is dated {at}, before the deal's last event at {last}")]
    TimeWentBackwards {
        /// The command's time.
        at: chrono::DateTime<chrono::Utc>,
        /// The last event's time.
        last: chrono::DateTime<chrono::Utc>,
    },
    /// An instant outside the years 0001 to 9999, which RFC 3339 (the stored format's
    /// timestamps) cannot write.
    #[error("the instant {at} is outside the years 0001 to 9999")]
    InstantOutOfRange {
        /// The instant.
        at: chrono::DateTime<chrono::Utc>,
    },
    /// An identifier (a deal, a person, an invoice, a milestone, a payment, a condition) with a
    /// control character or space around it: ids are keys hosts store and print. A blank one is
    /// [`Error::EmptyText`].
    #[error(
        "`{field}` `{value_}` is not a usable id: an id is not empty and has no control characters \
         and no space around it",
        value_ = esc(.value)
    )]
    InvalidId {
        /// The field.
        field: &'static str,
        /// The id given.
        value: String,
    },
    /// An identifier longer than its field allows (a command id: 200 bytes). The message shows
    /// the id's start.
    #[error(
        "`{field}` `{start_}...` is {len} bytes long: it is at most {max} bytes",
        start_ = esc(&.value.chars().take(40).collect::<String>()),
        len = .value.len()
    )]
    IdTooLong {
        /// The field.
        field: &'static str,
        /// The id given.
        value: String,
        /// The most bytes the field allows.
        max: usize,
    },
    /// A reason, minutes, name or note that must not be empty.
    #[error("`{field}` must not be empty")]
    EmptyText {
        /// The field.
        field: &'static str,
    },
    /// An amount that must be positive.
    #[error("the amount must be positive, not {amount}")]
    NonPositiveAmount {
        /// The amount given.
        amount: Decimal,
    },
    /// A scorecard criterion the process does not define.
    #[error("unknown scorecard criterion `{criterion_}`", criterion_ = esc(.criterion))]
    UnknownCriterion {
        /// The criterion named.
        criterion: String,
    },
    /// A scorecard criterion left unscored.
    #[error("scorecard criterion `{criterion_}` has no score", criterion_ = esc(.criterion))]
    MissingScore {
        /// The criterion.
        criterion: String,
    },
    /// A score above the criterion's maximum.
    #[error("score {score} for `{criterion_}` is above its maximum {max}", criterion_ = esc(.criterion))]
    ScoreAboveMax {
        /// The criterion.
        criterion: String,
        /// The score given.
        score: u32,
        /// The maximum.
        max: u32,
    },
    /// An involvement outside (0, 1].
    #[error("involvement must be above 0 and at most 1, not {involvement}")]
    InvalidInvolvement {
        /// The value given.
        involvement: Decimal,
    },
    /// The person already holds the role.
    #[error("`{person_}` already holds role `{role_}`", person_ = esc(.person), role_ = esc(.role))]
    AlreadyOnTeam {
        /// The person.
        person: PersonId,
        /// The role.
        role: Role,
    },
    /// The person does not hold the role.
    #[error("`{person_}` does not hold role `{role_}`", person_ = esc(.person), role_ = esc(.role))]
    NotOnTeam {
        /// The person.
        person: PersonId,
        /// The role.
        role: Role,
    },
    /// The process has no policy for the gate.
    #[error("the process has no policy for gate `{gate}`")]
    GateNotConfigured {
        /// The gate.
        gate: GateKind,
    },
    /// A gate that does not guard the deal's current stage.
    #[error("gate `{gate}` cannot be convened in stage `{stage}`")]
    WrongGate {
        /// The gate.
        gate: GateKind,
        /// The deal's stage.
        stage: StageKind,
    },
    /// A gate is already convened.
    #[error("gate `{gate}` is convened and not yet decided")]
    MeetingOpen {
        /// The open gate.
        gate: GateKind,
    },
    /// A vote, delegation, decision or withdrawal with no gate convened.
    #[error("no gate is convened")]
    NoMeeting,
    /// Conditions from an earlier approval are still open.
    #[error("gate `{gate}` cannot be convened while conditions are open: {}", join(.open))]
    OpenConditions {
        /// The gate.
        gate: GateKind,
        /// The open conditions.
        open: Vec<String>,
    },
    /// A required role has nobody in it.
    #[error("gate `{gate}` requires role `{role_}` to be staffed", role_ = esc(.role))]
    RoleNotStaffed {
        /// The gate.
        gate: GateKind,
        /// The role.
        role: Role,
    },
    /// A required material was not presented.
    #[error("gate `{gate}` requires the material `{material_}`", material_ = esc(.material))]
    MissingMaterial {
        /// The gate.
        gate: GateKind,
        /// The material.
        material: String,
    },
    /// A panel with no seats.
    #[error("the panel of gate `{gate}` is empty")]
    EmptyPanel {
        /// The gate.
        gate: GateKind,
    },
    /// A person seated twice.
    #[error("`{person_}` already has a seat on the panel", person_ = esc(.person))]
    DuplicateSeat {
        /// The person.
        person: PersonId,
    },
    /// A reviewer the policy names is not on the panel.
    #[error("gate `{gate}` requires `{person_}` on the panel", person_ = esc(.person))]
    NamedReviewerMissing {
        /// The gate.
        gate: GateKind,
        /// The reviewer.
        person: PersonId,
    },
    /// Too few seats of a level.
    #[error(
        "gate `{gate}` needs {needed} seat(s) of level `{level_}` or higher, the panel has {found}"
    , level_ = esc(.level))]
    PanelShort {
        /// The gate.
        gate: GateKind,
        /// The level.
        level: String,
        /// Seats needed.
        needed: u32,
        /// Seats found.
        found: u32,
    },
    /// The deal amount requires a higher-level reviewer.
    #[error("gate `{gate}`: the amount {amount} is above {above}, so the panel needs a reviewer of level `{level_}` or higher", level_ = esc(.level))]
    EscalationRequired {
        /// The gate.
        gate: GateKind,
        /// The deal amount.
        amount: Decimal,
        /// The threshold.
        above: Decimal,
        /// The level required.
        level: String,
    },
    /// A threshold applies but the deal has no amount yet.
    #[error("`{command}` needs the deal amount, and none is known: set an estimate first")]
    AmountUnknown {
        /// The command.
        command: &'static str,
    },
    /// A member of the deal's own team on its panel.
    #[error("four-eyes: `{person_}` is on the deal's team and may not sit on gate `{gate}`", person_ = esc(.person))]
    FourEyes {
        /// The gate.
        gate: GateKind,
        /// The person.
        person: PersonId,
    },
    /// The rule cannot be met by the panel.
    #[error("gate `{gate}`: the rule needs {needed} approvals but the panel has {seats} seat(s)")]
    RuleUnsatisfiable {
        /// The gate.
        gate: GateKind,
        /// Approvals needed.
        needed: u32,
        /// Seats.
        seats: u32,
    },
    /// A single-decider gate convened without a chair.
    #[error("gate `{gate}` is decided by a single decider: name a chair")]
    ChairRequired {
        /// The gate.
        gate: GateKind,
    },
    /// A chair who does not sit on the panel.
    #[error("the chair `{person_}` is not on the panel", person_ = esc(.person))]
    ChairNotOnPanel {
        /// The chair.
        person: PersonId,
    },
    /// A vote or delegation from someone not on the panel.
    #[error("`{person_}` is not on the panel of gate `{gate}`", person_ = esc(.person))]
    NotOnPanel {
        /// The gate.
        gate: GateKind,
        /// The person.
        person: PersonId,
    },
    /// A second vote for a seat.
    #[error("the seat of `{seat_}` on gate `{gate}` has already voted", seat_ = esc(.seat))]
    AlreadyVoted {
        /// The gate.
        gate: GateKind,
        /// The seat.
        seat: PersonId,
    },
    /// A substitute below the delegating reviewer's level.
    #[error("substitute level `{substitute_level_}` is below the seat's level `{seat_level_}`", substitute_level_ = esc(.substitute_level), seat_level_ = esc(.seat_level))]
    SubstituteLevelTooLow {
        /// The seat's level.
        seat_level: String,
        /// The substitute's level.
        substitute_level: String,
    },
    /// Only the convener records the decision or withdraws the gate.
    #[error("only the convener `{convener_}` may do this for gate `{gate}`, not `{person_}`", convener_ = esc(.convener), person_ = esc(.person))]
    NotConvener {
        /// The gate.
        gate: GateKind,
        /// Who tried.
        person: PersonId,
        /// The convener.
        convener: PersonId,
    },
    /// The rule cannot decide yet.
    #[error(
        "gate `{gate}` is undecided: {approvals} approval(s), {pending} seat(s) still to vote"
    )]
    Undecided {
        /// The gate.
        gate: GateKind,
        /// Approvals so far.
        approvals: u32,
        /// Seats still to vote.
        pending: u32,
    },
    /// Conditions attached to a decision that is not an approval.
    #[error(
        "conditions can only be attached to an approval; gate `{gate}` is decided `{verdict}`"
    )]
    ConditionsWithoutApproval {
        /// The gate.
        gate: GateKind,
        /// The verdict of the votes.
        verdict: &'static str,
    },
    /// An id that is already used.
    #[error("{kind} `{id_}` already exists", id_ = esc(.id))]
    DuplicateId {
        /// What kind of record.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// An id that does not exist.
    #[error("unknown {kind} `{id_}`", id_ = esc(.id))]
    UnknownId {
        /// What kind of record.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// A record that is already in the state the command would put it in.
    #[error("{kind} `{id_}` is already {state}", id_ = esc(.id))]
    AlreadyDone {
        /// What kind of record.
        kind: &'static str,
        /// The id.
        id: String,
        /// Its state.
        state: &'static str,
    },
    /// A milestone accepted before it was delivered.
    #[error("milestone `{id_}` has not been delivered", id_ = esc(.id))]
    NotDelivered {
        /// The milestone.
        id: String,
    },
    /// The solution review cannot be skipped for this deal.
    #[error("the solution review can be skipped only below {}; the deal amount is {amount}", below.map_or("a threshold the process does not set".to_owned(), |b| b.to_string()))]
    SkipNotAllowed {
        /// The deal amount.
        amount: Decimal,
        /// The threshold, if the process sets one.
        below: Option<Decimal>,
    },
    /// Invoicing beyond the (amended) contract value.
    #[error("invoicing {amount} would bring the total to more than the contract value {value} ({invoiced} already invoiced)")]
    AboveContractValue {
        /// The invoice amount.
        amount: Decimal,
        /// Already invoiced.
        invoiced: Decimal,
        /// The contract value.
        value: Decimal,
    },
    /// Collecting more than was invoiced.
    #[error("{amount} is more than the {outstanding} outstanding on invoice `{invoice_}`", invoice_ = esc(.invoice))]
    AboveInvoiced {
        /// The invoice.
        invoice: InvoiceId,
        /// The amount.
        amount: Decimal,
        /// What is outstanding.
        outstanding: Decimal,
    },
    /// Refunding more than was collected.
    #[error("{amount} is more than the {collected} collected on invoice `{invoice_}`", invoice_ = esc(.invoice))]
    AboveCollected {
        /// The invoice.
        invoice: InvoiceId,
        /// The amount.
        amount: Decimal,
        /// What was collected.
        collected: Decimal,
    },
    /// A second amendment while one waits for its decision.
    #[error("an amendment is already waiting for the change decision")]
    AmendmentPending,
    /// A change decision without a proposed amendment.
    #[error("no amendment has been proposed")]
    NoAmendmentProposed,
    /// An amendment below what is already invoiced, or equal to the current value.
    #[error("the amended value {new_value} must differ from the value {value} and not be below the {invoiced} invoiced")]
    InvalidAmendment {
        /// The value asked for.
        new_value: Decimal,
        /// The current value.
        value: Decimal,
        /// Already invoiced.
        invoiced: Decimal,
    },
    /// Closure before everything is delivered, invoiced and paid.
    #[error("the contract is not ready to close: delivered {delivered}, invoiced {invoiced} and collected {collected} of {value}")]
    NotReadyToClose {
        /// Whether every milestone is accepted.
        delivered: bool,
        /// Invoiced.
        invoiced: Decimal,
        /// Collected.
        collected: Decimal,
        /// The contract value.
        value: Decimal,
    },
    /// Forced closure before the inactivity period.
    #[error("forced closure needs {required_days} days without activity; the deal has been inactive for {inactive_days}")]
    TooEarlyToForceClose {
        /// Days since the last event.
        inactive_days: i64,
        /// Days the process requires.
        required_days: u32,
    },
    /// A stored event that does not fit the deal it is applied to.
    #[error("event {version} of deal `{deal_}` cannot be applied: {problem_}", deal_ = esc(.deal), problem_ = esc(.problem))]
    InvalidEvent {
        /// The deal the event is of.
        deal: DealId,
        /// The event's version.
        version: u64,
        /// Why.
        problem: String,
    },
    /// A currency whose minor units neither the built-in ISO 4217 table nor the process knows.
    #[error("currency {currency} has no known minor unit: add it to the process's `currencies`")]
    UnknownCurrency {
        /// The currency.
        currency: Currency,
    },
    /// An amount that is not a whole number of its currency's minor units.
    #[error("{amount} {currency} is not a whole number of minor units ({currency} has {minor_units} decimal place(s))")]
    NotInMinorUnits {
        /// The amount given.
        amount: Decimal,
        /// Its currency.
        currency: Currency,
        /// The currency's decimal places.
        minor_units: u32,
    },
    /// A money sum a decimal cannot hold exactly (it would be rounded).
    #[error("{left} {op} {right} cannot be computed exactly: the result needs more digits than a decimal holds")]
    Inexact {
        /// The left operand.
        left: Decimal,
        /// `+` or `-`.
        op: char,
        /// The right operand.
        right: Decimal,
    },
    /// A withdrawal of a gate whose rule has already reached its verdict.
    #[error("gate `{gate}` has reached its verdict `{verdict}`: record the decision; it can no longer be withdrawn")]
    VerdictReached {
        /// The gate.
        gate: GateKind,
        /// The verdict.
        verdict: Vote,
    },
    /// A delegation by a reviewer the gate's policy names: the named person must judge.
    #[error("`{person_}` is named by the policy of gate `{gate}` and cannot delegate the seat", person_ = esc(.person))]
    NamedSeat {
        /// The gate.
        gate: GateKind,
        /// The named reviewer.
        person: PersonId,
    },
    /// Conditions attached to the closure decision, whose approval ends the deal.
    #[error("the closure decision ends the deal: its approval cannot carry conditions")]
    ConditionsOnClosure,
    /// A command that would change a fact the convened gate is judging.
    #[error("gate `{gate}` is convened and locks {fact}: decide or withdraw it first")]
    GateLocked {
        /// The convened gate.
        gate: GateKind,
        /// What it locks.
        fact: Fact,
    },
    /// A vote or delegation after the gate's rule has already decided.
    #[error(
        "gate `{gate}` has already decided `{verdict}` under its rule; no more votes are taken"
    )]
    VotingClosed {
        /// The gate.
        gate: GateKind,
        /// The outcome the rule reached.
        verdict: Vote,
    },
    /// A command decided, or an event replayed, under another process than the deal's own.
    #[error("the deal's command is decided under process `{expected}`, not `{given}`")]
    ProcessMismatch {
        /// The process the command must be decided under: the deal's own (the one it was opened
        /// under or last migrated to), or the target of a migration.
        expected: ProcessRef,
        /// The process given.
        given: ProcessRef,
    },
    /// A process version a log names that the catalog given does not hold.
    #[error("process `{process}` is not among the process versions given")]
    UnknownProcess {
        /// The process and version named.
        process: ProcessRef,
    },
    /// A migration the deal's state does not allow under the target version.
    #[error("the deal cannot move to process `{to}`: {problem}")]
    MigrationBlocked {
        /// The target.
        to: ProcessRef,
        /// The rule of the target the deal's state would break.
        problem: Box<Error>,
    },
    /// A stored log whose chain of hashes does not hold: an event was edited, dropped, inserted
    /// or moved (or the log is not the one whose head the host kept).
    #[error("the log of deal `{deal_}` fails at event {position} (version {version}): {problem_}", deal_ = esc(.deal), problem_ = esc(.problem))]
    Tampered {
        /// The deal the event names.
        deal: DealId,
        /// The event's position in the log, from 1.
        position: u64,
        /// The version the event carries.
        version: u64,
        /// What does not hold.
        problem: String,
    },
    /// A stored record written in a format this version of the library does not read.
    #[error("stored format {found} is not read by this library, which reads formats 1 to {reads}")]
    UnsupportedFormat {
        /// The record's format.
        found: u64,
        /// The newest format this library reads and writes.
        reads: u32,
    },
    /// A stored record of a format that does not have one of its fields (a format-1 record with
    /// a `command_id`, a field of format 2): no writer of that format wrote it.
    #[error(
        "a stored record of format {format} has no field `{field}`: it is a field of format \
         {since} and later"
    )]
    FieldNotInFormat {
        /// The field.
        field: &'static str,
        /// The record's format.
        format: u64,
        /// The first format with the field.
        since: u32,
    },
}

fn join(items: &[String]) -> String {
    let escaped: Vec<String> = items.iter().map(|i| esc(i).to_string()).collect();
    escaped.join(", ")
}

/// User text as a message shows it: control characters (newlines, tabs, ...) and Unicode line
/// separators written as escapes, so that every message is exactly one line. Escaping is
/// idempotent: text already escaped passes unchanged.
///
/// ```
/// # // A private helper; its behaviour is pinned through a public error:
/// use ltc_pipeline::{Error, PersonId, Role};
/// let err = Error::NotOnTeam { person: PersonId::new("ana\nbo"), role: Role::ar() };
/// assert_eq!(err.to_string(), "`ana\\nbo` does not hold role `AR`");
/// ```
pub(crate) struct Esc<'a>(pub(crate) &'a str);

impl std::fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write as _;
        for c in self.0.chars() {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// Renders a value and escapes it as [`Esc`] does.
pub(crate) fn esc(value: &impl std::fmt::Display) -> String {
    Esc(&value.to_string()).to_string()
}

fn missing_gate_hint(gates: &[GateKind]) -> String {
    if gates.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = gates.iter().map(|g| g.as_str()).collect();
        format!(" (no policy for gate {})", names.join(", "))
    }
}

impl Error {
    /// A stable snake_case code for the variant.
    ///
    /// ```
    /// use ltc_pipeline::Error;
    /// assert_eq!(Error::NoMeeting.code(), "no_meeting");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidCurrency { .. } => "invalid_currency",
            Error::CurrencyMismatch { .. } => "currency_mismatch",
            Error::Overflow => "overflow",
            Error::MalformedJson { .. } => "malformed_json",
            Error::InvalidDefinition { .. } => "invalid_definition",
            Error::UnknownLevel { .. } => "unknown_level",
            Error::UnknownRole { .. } => "unknown_role",
            Error::UnreachableStage { .. } => "unreachable_stage",
            Error::NoPathToEnd { .. } => "no_path_to_end",
            Error::VersionConflict { .. } => "version_conflict",
            Error::NotOpened => "not_opened",
            Error::AlreadyOpened => "already_opened",
            Error::WrongStage { .. } => "wrong_stage",
            Error::DealEnded { .. } => "deal_ended",
            Error::TimeWentBackwards { .. } => "time_went_backwards",
            Error::EmptyText { .. } => "empty_text",
            Error::InstantOutOfRange { .. } => "instant_out_of_range",
            Error::InvalidId { .. } => "invalid_id",
            Error::IdTooLong { .. } => "id_too_long",
            Error::NonPositiveAmount { .. } => "non_positive_amount",
            Error::UnknownCriterion { .. } => "unknown_criterion",
            Error::MissingScore { .. } => "missing_score",
            Error::ScoreAboveMax { .. } => "score_above_max",
            Error::InvalidInvolvement { .. } => "invalid_involvement",
            Error::AlreadyOnTeam { .. } => "already_on_team",
            Error::NotOnTeam { .. } => "not_on_team",
            Error::GateNotConfigured { .. } => "gate_not_configured",
            Error::WrongGate { .. } => "wrong_gate",
            Error::MeetingOpen { .. } => "meeting_open",
            Error::NoMeeting => "no_meeting",
            Error::OpenConditions { .. } => "open_conditions",
            Error::RoleNotStaffed { .. } => "role_not_staffed",
            Error::MissingMaterial { .. } => "missing_material",
            Error::EmptyPanel { .. } => "empty_panel",
            Error::DuplicateSeat { .. } => "duplicate_seat",
            Error::NamedReviewerMissing { .. } => "named_reviewer_missing",
            Error::PanelShort { .. } => "panel_short",
            Error::EscalationRequired { .. } => "escalation_required",
            Error::AmountUnknown { .. } => "amount_unknown",
            Error::FourEyes { .. } => "four_eyes",
            Error::RuleUnsatisfiable { .. } => "rule_unsatisfiable",
            Error::ChairRequired { .. } => "chair_required",
            Error::ChairNotOnPanel { .. } => "chair_not_on_panel",
            Error::NotOnPanel { .. } => "not_on_panel",
            Error::AlreadyVoted { .. } => "already_voted",
            Error::SubstituteLevelTooLow { .. } => "substitute_level_too_low",
            Error::NotConvener { .. } => "not_convener",
            Error::Undecided { .. } => "undecided",
            Error::ConditionsWithoutApproval { .. } => "conditions_without_approval",
            Error::DuplicateId { .. } => "duplicate_id",
            Error::UnknownId { .. } => "unknown_id",
            Error::AlreadyDone { .. } => "already_done",
            Error::NotDelivered { .. } => "not_delivered",
            Error::SkipNotAllowed { .. } => "skip_not_allowed",
            Error::AboveContractValue { .. } => "above_contract_value",
            Error::AboveInvoiced { .. } => "above_invoiced",
            Error::AboveCollected { .. } => "above_collected",
            Error::AmendmentPending => "amendment_pending",
            Error::NoAmendmentProposed => "no_amendment_proposed",
            Error::InvalidAmendment { .. } => "invalid_amendment",
            Error::NotReadyToClose { .. } => "not_ready_to_close",
            Error::TooEarlyToForceClose { .. } => "too_early_to_force_close",
            Error::InvalidEvent { .. } => "invalid_event",
            Error::UnknownCurrency { .. } => "unknown_currency",
            Error::NotInMinorUnits { .. } => "not_in_minor_units",
            Error::Inexact { .. } => "inexact",
            Error::GateLocked { .. } => "gate_locked",
            Error::VotingClosed { .. } => "voting_closed",
            Error::VerdictReached { .. } => "verdict_reached",
            Error::NamedSeat { .. } => "named_seat",
            Error::ConditionsOnClosure => "conditions_on_closure",
            Error::ProcessMismatch { .. } => "process_mismatch",
            Error::UnknownProcess { .. } => "unknown_process",
            Error::MigrationBlocked { .. } => "migration_blocked",
            Error::Tampered { .. } => "tampered",
            Error::UnsupportedFormat { .. } => "unsupported_format",
            Error::FieldNotInFormat { .. } => "field_not_in_format",
        }
    }
}
