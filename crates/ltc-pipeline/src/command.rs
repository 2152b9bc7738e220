//! Commands: what a person asks the deal to do.

use crate::serde_strict::objects_only;
use crate::{
    CommandId, ConditionId, ConditionSpec, GateKind, InvoiceId, MilestoneId, Money, PaymentId,
    PersonId, Role, Seat, Vote,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A request to change a deal. [`decide`](crate::decide) turns it into events or refuses it.
///
/// Serialized internally tagged: `{"type": "issue_invoice", "id": "INV-1", ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    deny_unknown_fields,
    tag = "type",
    rename_all = "snake_case"
)]
pub enum Command {
    /// Open the deal with a lead.
    CaptureLead {
        /// The customer.
        customer: crate::Text,
        /// Where the lead came from (marketing, a contact, an event).
        source: crate::Text,
        /// An estimate of the deal's value, if known.
        #[serde(default)]
        estimate: Option<Money>,
    },
    /// Grade the lead by the process's scorecard (again, when it is reviewed).
    GradeLead {
        /// A score for every criterion.
        #[serde(deserialize_with = "crate::serde_strict::unique_keys")]
        scores: BTreeMap<String, u32>,
    },
    /// Turn the graded lead into an opportunity awaiting approval.
    QualifyLead {},
    /// End a lead as not worth an opportunity.
    Disqualify {
        /// Why.
        reason: crate::Text,
    },
    /// Set or revise the estimated deal value.
    SetEstimate {
        /// The estimate.
        value: Money,
    },
    /// Add a person to the team in a role (again, after leaving: a new stint).
    AddMember {
        /// Who.
        person: PersonId,
        /// Which role.
        role: Role,
        /// How fully they take part, in (0, 1].
        #[serde(with = "crate::serde_strict::decimal")]
        involvement: Decimal,
    },
    /// A person leaves a role; their history stays.
    RemoveMember {
        /// Who.
        person: PersonId,
        /// Which role.
        role: Role,
        /// The closure recommendation a leaving owner writes.
        #[serde(default)]
        closure_recommendation: Option<crate::Text>,
    },
    /// Convene a gate: the panel, the chair and the materials presented.
    ConveneGate {
        /// The gate.
        gate: GateKind,
        /// The panel.
        panel: std::sync::Arc<[Seat]>,
        /// The chair (required for single-decider gates).
        #[serde(default)]
        chair: Option<PersonId>,
        /// The materials presented.
        #[serde(default)]
        materials: std::sync::Arc<[String]>,
    },
    /// The acting reviewer hands their vote to a substitute of at least the same level.
    DelegateVote {
        /// The substitute's seat.
        substitute: Seat,
    },
    /// The acting reviewer (or substitute) votes.
    CastVote {
        /// The vote.
        vote: Vote,
        /// A comment for the minutes.
        #[serde(default)]
        comment: Option<crate::Text>,
    },
    /// The convener withdraws the convened gate before it is decided.
    WithdrawGate {
        /// Why.
        reason: crate::Text,
    },
    /// The convener records the decision the rule draws from the votes, with minutes.
    RecordDecision {
        /// The minutes.
        minutes: crate::Text,
        /// Conditions attached to an approval.
        #[serde(default)]
        conditions: Vec<ConditionSpec>,
    },
    /// Close a follow-up condition.
    CloseCondition {
        /// The condition.
        id: ConditionId,
        /// What was done.
        note: crate::Text,
    },
    /// Skip the solution review for a deal below the process's threshold.
    SkipSolutionReview {},
    /// Put the negotiated terms to the contract decision.
    RequestContractDecision {
        /// The contract value agreed.
        terms: Money,
    },
    /// Add a delivery milestone to the contract.
    AddMilestone {
        /// Its id.
        id: MilestoneId,
        /// What is delivered.
        title: crate::Text,
    },
    /// Record delivery of a milestone.
    DeliverMilestone {
        /// The milestone.
        id: MilestoneId,
    },
    /// Record the customer's acceptance of a delivered milestone.
    AcceptMilestone {
        /// The milestone.
        id: MilestoneId,
    },
    /// Issue an invoice.
    IssueInvoice {
        /// Its id.
        id: InvoiceId,
        /// The amount.
        amount: Money,
        /// When payment is due.
        #[serde(
            default,
            deserialize_with = "crate::serde_strict::instant::option::deserialize"
        )]
        due: Option<DateTime<Utc>>,
    },
    /// Record a payment against an invoice.
    RecordPayment {
        /// The payment's id.
        id: PaymentId,
        /// The invoice.
        invoice: InvoiceId,
        /// The amount.
        amount: Money,
    },
    /// Refund part of what was collected on an invoice.
    Refund {
        /// The refund's id.
        id: PaymentId,
        /// The invoice.
        invoice: InvoiceId,
        /// The amount.
        amount: Money,
    },
    /// Reverse a payment or refund (bounced, booked in error).
    ReverseCash {
        /// The payment or refund.
        id: PaymentId,
    },
    /// Propose an amendment of the contract value, for the change decision.
    ProposeAmendment {
        /// The value asked for.
        new_value: Money,
        /// Why.
        reason: crate::Text,
    },
    /// Close the contract by force after long inactivity.
    ForceClose {
        /// The closure recommendation.
        recommendation: crate::Text,
    },
    /// Move the deal to another version of its process. Decided against that version (the
    /// process given to [`decide`](crate::decide) must be it): refused with
    /// [`Error::MigrationBlocked`](crate::Error::MigrationBlocked) when the deal's state is not
    /// valid there.
    MigrateProcess {
        /// The target version of the deal's process.
        version: u32,
    },
    /// End the deal as lost (a competitor won, the customer cancelled).
    Lose {
        /// Why.
        reason: crate::Text,
    },
    /// End the opportunity: we do not go on.
    Withdraw {
        /// Why.
        reason: crate::Text,
    },
}

objects_only!(Command);

/// A borrowed view of a command: what `decide` reads, taken from a [`Command`] or from a stored
/// [`Change`](crate::Change) without copying its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommandRef<'a> {
    CaptureLead {
        customer: &'a crate::Text,
        source: &'a crate::Text,
        estimate: &'a Option<Money>,
    },
    GradeLead {
        scores: &'a BTreeMap<String, u32>,
    },
    QualifyLead {},
    Disqualify {
        reason: &'a crate::Text,
    },
    SetEstimate {
        value: &'a Money,
    },
    AddMember {
        person: &'a PersonId,
        role: &'a Role,
        involvement: &'a Decimal,
    },
    RemoveMember {
        person: &'a PersonId,
        role: &'a Role,
        closure_recommendation: &'a Option<crate::Text>,
    },
    ConveneGate {
        gate: &'a GateKind,
        panel: &'a std::sync::Arc<[Seat]>,
        chair: &'a Option<PersonId>,
        materials: &'a std::sync::Arc<[String]>,
    },
    DelegateVote {
        substitute: &'a Seat,
    },
    CastVote {
        vote: &'a Vote,
        comment: &'a Option<crate::Text>,
    },
    WithdrawGate {
        reason: &'a crate::Text,
    },
    RecordDecision {
        minutes: &'a crate::Text,
        conditions: &'a Vec<ConditionSpec>,
    },
    CloseCondition {
        id: &'a ConditionId,
        note: &'a crate::Text,
    },
    SkipSolutionReview {},
    RequestContractDecision {
        terms: &'a Money,
    },
    AddMilestone {
        id: &'a MilestoneId,
        title: &'a crate::Text,
    },
    DeliverMilestone {
        id: &'a MilestoneId,
    },
    AcceptMilestone {
        id: &'a MilestoneId,
    },
    IssueInvoice {
        id: &'a InvoiceId,
        amount: &'a Money,
        due: &'a Option<DateTime<Utc>>,
    },
    RecordPayment {
        id: &'a PaymentId,
        invoice: &'a InvoiceId,
        amount: &'a Money,
    },
    Refund {
        id: &'a PaymentId,
        invoice: &'a InvoiceId,
        amount: &'a Money,
    },
    ReverseCash {
        id: &'a PaymentId,
    },
    ProposeAmendment {
        new_value: &'a Money,
        reason: &'a crate::Text,
    },
    ForceClose {
        recommendation: &'a crate::Text,
    },
    MigrateProcess {
        version: &'a u32,
    },
    Lose {
        reason: &'a crate::Text,
    },
    Withdraw {
        reason: &'a crate::Text,
    },
}

impl Command {
    /// The command as a borrowed view.
    pub(crate) fn view(&self) -> CommandRef<'_> {
        match self {
            Command::CaptureLead {
                customer,
                source,
                estimate,
            } => CommandRef::CaptureLead {
                customer,
                source,
                estimate,
            },
            Command::GradeLead { scores } => CommandRef::GradeLead { scores },
            Command::QualifyLead {} => CommandRef::QualifyLead {},
            Command::Disqualify { reason } => CommandRef::Disqualify { reason },
            Command::SetEstimate { value } => CommandRef::SetEstimate { value },
            Command::AddMember {
                person,
                role,
                involvement,
            } => CommandRef::AddMember {
                person,
                role,
                involvement,
            },
            Command::RemoveMember {
                person,
                role,
                closure_recommendation,
            } => CommandRef::RemoveMember {
                person,
                role,
                closure_recommendation,
            },
            Command::ConveneGate {
                gate,
                panel,
                chair,
                materials,
            } => CommandRef::ConveneGate {
                gate,
                panel,
                chair,
                materials,
            },
            Command::DelegateVote { substitute } => CommandRef::DelegateVote { substitute },
            Command::CastVote { vote, comment } => CommandRef::CastVote { vote, comment },
            Command::WithdrawGate { reason } => CommandRef::WithdrawGate { reason },
            Command::RecordDecision {
                minutes,
                conditions,
            } => CommandRef::RecordDecision {
                minutes,
                conditions,
            },
            Command::CloseCondition { id, note } => CommandRef::CloseCondition { id, note },
            Command::SkipSolutionReview {} => CommandRef::SkipSolutionReview {},
            Command::RequestContractDecision { terms } => {
                CommandRef::RequestContractDecision { terms }
            }
            Command::AddMilestone { id, title } => CommandRef::AddMilestone { id, title },
            Command::DeliverMilestone { id } => CommandRef::DeliverMilestone { id },
            Command::AcceptMilestone { id } => CommandRef::AcceptMilestone { id },
            Command::IssueInvoice { id, amount, due } => {
                CommandRef::IssueInvoice { id, amount, due }
            }
            Command::RecordPayment {
                id,
                invoice,
                amount,
            } => CommandRef::RecordPayment {
                id,
                invoice,
                amount,
            },
            Command::Refund {
                id,
                invoice,
                amount,
            } => CommandRef::Refund {
                id,
                invoice,
                amount,
            },
            Command::ReverseCash { id } => CommandRef::ReverseCash { id },
            Command::ProposeAmendment { new_value, reason } => {
                CommandRef::ProposeAmendment { new_value, reason }
            }
            Command::ForceClose { recommendation } => CommandRef::ForceClose { recommendation },
            Command::MigrateProcess { version } => CommandRef::MigrateProcess { version },
            Command::Lose { reason } => CommandRef::Lose { reason },
            Command::Withdraw { reason } => CommandRef::Withdraw { reason },
        }
    }
}

impl CommandRef<'_> {
    /// The command this view shows, owned.
    pub(crate) fn to_command(self) -> Command {
        match self {
            CommandRef::CaptureLead {
                customer,
                source,
                estimate,
            } => Command::CaptureLead {
                customer: customer.clone(),
                source: source.clone(),
                estimate: *estimate,
            },
            CommandRef::GradeLead { scores } => Command::GradeLead {
                scores: scores.clone(),
            },
            CommandRef::QualifyLead {} => Command::QualifyLead {},
            CommandRef::Disqualify { reason } => Command::Disqualify {
                reason: reason.clone(),
            },
            CommandRef::SetEstimate { value } => Command::SetEstimate { value: *value },
            CommandRef::AddMember {
                person,
                role,
                involvement,
            } => Command::AddMember {
                person: person.clone(),
                role: role.clone(),
                involvement: *involvement,
            },
            CommandRef::RemoveMember {
                person,
                role,
                closure_recommendation,
            } => Command::RemoveMember {
                person: person.clone(),
                role: role.clone(),
                closure_recommendation: closure_recommendation.clone(),
            },
            CommandRef::ConveneGate {
                gate,
                panel,
                chair,
                materials,
            } => Command::ConveneGate {
                gate: *gate,
                panel: panel.clone(),
                chair: chair.clone(),
                materials: materials.clone(),
            },
            CommandRef::DelegateVote { substitute } => Command::DelegateVote {
                substitute: substitute.clone(),
            },
            CommandRef::CastVote { vote, comment } => Command::CastVote {
                vote: *vote,
                comment: comment.clone(),
            },
            CommandRef::WithdrawGate { reason } => Command::WithdrawGate {
                reason: reason.clone(),
            },
            CommandRef::RecordDecision {
                minutes,
                conditions,
            } => Command::RecordDecision {
                minutes: minutes.clone(),
                conditions: conditions.clone(),
            },
            CommandRef::CloseCondition { id, note } => Command::CloseCondition {
                id: id.clone(),
                note: note.clone(),
            },
            CommandRef::SkipSolutionReview {} => Command::SkipSolutionReview {},
            CommandRef::RequestContractDecision { terms } => {
                Command::RequestContractDecision { terms: *terms }
            }
            CommandRef::AddMilestone { id, title } => Command::AddMilestone {
                id: id.clone(),
                title: title.clone(),
            },
            CommandRef::DeliverMilestone { id } => Command::DeliverMilestone { id: id.clone() },
            CommandRef::AcceptMilestone { id } => Command::AcceptMilestone { id: id.clone() },
            CommandRef::IssueInvoice { id, amount, due } => Command::IssueInvoice {
                id: id.clone(),
                amount: *amount,
                due: *due,
            },
            CommandRef::RecordPayment {
                id,
                invoice,
                amount,
            } => Command::RecordPayment {
                id: id.clone(),
                invoice: invoice.clone(),
                amount: *amount,
            },
            CommandRef::Refund {
                id,
                invoice,
                amount,
            } => Command::Refund {
                id: id.clone(),
                invoice: invoice.clone(),
                amount: *amount,
            },
            CommandRef::ReverseCash { id } => Command::ReverseCash { id: id.clone() },
            CommandRef::ProposeAmendment { new_value, reason } => Command::ProposeAmendment {
                new_value: *new_value,
                reason: reason.clone(),
            },
            CommandRef::ForceClose { recommendation } => Command::ForceClose {
                recommendation: recommendation.clone(),
            },
            CommandRef::MigrateProcess { version } => Command::MigrateProcess { version: *version },
            CommandRef::Lose { reason } => Command::Lose {
                reason: reason.clone(),
            },
            CommandRef::Withdraw { reason } => Command::Withdraw {
                reason: reason.clone(),
            },
        }
    }

    /// The command's snake_case name, as serialized.
    pub(crate) fn name(self) -> &'static str {
        match self {
            CommandRef::CaptureLead { .. } => "capture_lead",
            CommandRef::GradeLead { .. } => "grade_lead",
            CommandRef::QualifyLead { .. } => "qualify_lead",
            CommandRef::Disqualify { .. } => "disqualify",
            CommandRef::SetEstimate { .. } => "set_estimate",
            CommandRef::AddMember { .. } => "add_member",
            CommandRef::RemoveMember { .. } => "remove_member",
            CommandRef::ConveneGate { .. } => "convene_gate",
            CommandRef::DelegateVote { .. } => "delegate_vote",
            CommandRef::CastVote { .. } => "cast_vote",
            CommandRef::WithdrawGate { .. } => "withdraw_gate",
            CommandRef::RecordDecision { .. } => "record_decision",
            CommandRef::CloseCondition { .. } => "close_condition",
            CommandRef::SkipSolutionReview { .. } => "skip_solution_review",
            CommandRef::RequestContractDecision { .. } => "request_contract_decision",
            CommandRef::AddMilestone { .. } => "add_milestone",
            CommandRef::DeliverMilestone { .. } => "deliver_milestone",
            CommandRef::AcceptMilestone { .. } => "accept_milestone",
            CommandRef::IssueInvoice { .. } => "issue_invoice",
            CommandRef::RecordPayment { .. } => "record_payment",
            CommandRef::Refund { .. } => "refund",
            CommandRef::ReverseCash { .. } => "reverse_cash",
            CommandRef::ProposeAmendment { .. } => "propose_amendment",
            CommandRef::ForceClose { .. } => "force_close",
            CommandRef::MigrateProcess { .. } => "migrate_process",
            CommandRef::Lose { .. } => "lose",
            CommandRef::Withdraw { .. } => "withdraw",
        }
    }
}

impl Command {
    /// The command's snake_case name, as serialized.
    ///
    /// ```
    /// use ltc_pipeline::Command;
    /// assert_eq!(Command::QualifyLead {}.name(), "qualify_lead");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Command::CaptureLead { .. } => "capture_lead",
            Command::GradeLead { .. } => "grade_lead",
            Command::QualifyLead {} => "qualify_lead",
            Command::Disqualify { .. } => "disqualify",
            Command::SetEstimate { .. } => "set_estimate",
            Command::AddMember { .. } => "add_member",
            Command::RemoveMember { .. } => "remove_member",
            Command::ConveneGate { .. } => "convene_gate",
            Command::DelegateVote { .. } => "delegate_vote",
            Command::CastVote { .. } => "cast_vote",
            Command::WithdrawGate { .. } => "withdraw_gate",
            Command::RecordDecision { .. } => "record_decision",
            Command::CloseCondition { .. } => "close_condition",
            Command::SkipSolutionReview {} => "skip_solution_review",
            Command::RequestContractDecision { .. } => "request_contract_decision",
            Command::AddMilestone { .. } => "add_milestone",
            Command::DeliverMilestone { .. } => "deliver_milestone",
            Command::AcceptMilestone { .. } => "accept_milestone",
            Command::IssueInvoice { .. } => "issue_invoice",
            Command::RecordPayment { .. } => "record_payment",
            Command::Refund { .. } => "refund",
            Command::ReverseCash { .. } => "reverse_cash",
            Command::ProposeAmendment { .. } => "propose_amendment",
            Command::ForceClose { .. } => "force_close",
            Command::MigrateProcess { .. } => "migrate_process",
            Command::Lose { .. } => "lose",
            Command::Withdraw { .. } => "withdraw",
        }
    }
}

/// Constructors for the commands whose literals are long: each takes what a caller has at hand
/// (`&str` for ids and text, a [`Role`] or its name) and leaves the optional parts empty.
///
/// ```
/// use ltc_pipeline::{Command, Decimal, Money, Role};
/// let capture = Command::capture_lead("ACME", "web", Some(Money::eur(80_000)));
/// let grade = Command::grade_lead([("budget", 4), ("decision_chain", 3), ("urgency", 5)]);
/// let join = Command::add_member("ana", Role::ar(), Decimal::ONE);
/// assert_eq!(join, Command::add_member("ana", "AR", Decimal::ONE));
/// // The same commands as JSON reads them:
/// let json = r#"{"type": "grade_lead", "scores": {"budget": 4, "decision_chain": 3, "urgency": 5}}"#;
/// assert_eq!(serde_json::from_str::<Command>(json)?, grade);
/// # Ok::<(), serde_json::Error>(())
/// ```
impl Command {
    /// `capture_lead`: open the deal with a lead.
    pub fn capture_lead(
        customer: impl Into<crate::Text>,
        source: impl Into<crate::Text>,
        estimate: Option<Money>,
    ) -> Self {
        Command::CaptureLead {
            customer: customer.into(),
            source: source.into(),
            estimate,
        }
    }

    /// `grade_lead` from (criterion, score) pairs, such as `[("budget", 4), ("urgency", 3)]`.
    /// A criterion given twice keeps its last score (JSON input refuses it instead).
    pub fn grade_lead<K: Into<String>>(scores: impl IntoIterator<Item = (K, u32)>) -> Self {
        Command::GradeLead {
            scores: scores.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }

    /// `add_member`: `person` joins in `role` with an involvement in (0, 1].
    pub fn add_member(
        person: impl Into<PersonId>,
        role: impl Into<Role>,
        involvement: Decimal,
    ) -> Self {
        Command::AddMember {
            person: person.into(),
            role: role.into(),
            involvement,
        }
    }

    /// `remove_member` without a closure recommendation.
    pub fn remove_member(person: impl Into<PersonId>, role: impl Into<Role>) -> Self {
        Command::RemoveMember {
            person: person.into(),
            role: role.into(),
            closure_recommendation: None,
        }
    }

    /// `cast_vote` without a comment.
    pub fn cast_vote(vote: Vote) -> Self {
        Command::CastVote {
            vote,
            comment: None,
        }
    }

    /// `record_decision` with minutes and no conditions.
    pub fn record_decision(minutes: impl Into<crate::Text>) -> Self {
        Command::RecordDecision {
            minutes: minutes.into(),
            conditions: Vec::new(),
        }
    }

    /// `close_condition` with the note of what was done.
    pub fn close_condition(id: impl Into<ConditionId>, note: impl Into<crate::Text>) -> Self {
        Command::CloseCondition {
            id: id.into(),
            note: note.into(),
        }
    }

    /// `request_contract_decision` on the negotiated terms.
    pub fn request_contract_decision(terms: Money) -> Self {
        Command::RequestContractDecision { terms }
    }

    /// `add_milestone`.
    pub fn add_milestone(id: impl Into<MilestoneId>, title: impl Into<crate::Text>) -> Self {
        Command::AddMilestone {
            id: id.into(),
            title: title.into(),
        }
    }

    /// `deliver_milestone`.
    pub fn deliver_milestone(id: impl Into<MilestoneId>) -> Self {
        Command::DeliverMilestone { id: id.into() }
    }

    /// `accept_milestone`.
    pub fn accept_milestone(id: impl Into<MilestoneId>) -> Self {
        Command::AcceptMilestone { id: id.into() }
    }

    /// `issue_invoice` with no due date.
    pub fn issue_invoice(id: impl Into<InvoiceId>, amount: Money) -> Self {
        Command::IssueInvoice {
            id: id.into(),
            amount,
            due: None,
        }
    }

    /// `record_payment` of `amount` against `invoice`.
    pub fn record_payment(
        id: impl Into<PaymentId>,
        invoice: impl Into<InvoiceId>,
        amount: Money,
    ) -> Self {
        Command::RecordPayment {
            id: id.into(),
            invoice: invoice.into(),
            amount,
        }
    }

    /// `refund` of `amount` collected on `invoice`.
    pub fn refund(id: impl Into<PaymentId>, invoice: impl Into<InvoiceId>, amount: Money) -> Self {
        Command::Refund {
            id: id.into(),
            invoice: invoice.into(),
            amount,
        }
    }

    /// `propose_amendment` of the contract value.
    pub fn propose_amendment(new_value: Money, reason: impl Into<crate::Text>) -> Self {
        Command::ProposeAmendment {
            new_value,
            reason: reason.into(),
        }
    }
}

/// A command with who sends it, when, and (optionally) the deal version it expects and the id
/// its sender gave it.
///
/// This is what a host stores or ships; [`Envelope::decide`] checks the version, then decides.
///
/// ```
/// use ltc_pipeline::{Command, DealId, Deal, Envelope, Process, TimeZone, Utc};
/// let deal = Deal::new(DealId::new("D-1"));
/// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let envelope = Envelope::new("ops", at, Command::QualifyLead {}).expecting(3);
/// let err = envelope.decide(&deal, &Process::standard()).unwrap_err();
/// assert_eq!(err.code(), "version_conflict");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Envelope {
    /// Who sends the command.
    pub actor: PersonId,
    /// When (the host's clock, passed in).
    #[serde(deserialize_with = "crate::serde_strict::instant::deserialize")]
    pub at: DateTime<Utc>,
    /// The version the sender saw; a different current version is a conflict.
    #[serde(default)]
    pub expected_version: Option<u64>,
    /// The id the sender gave the command, so that sending it again does it once: a store keeps
    /// it with the command's events ([`StoredEvent::command_id`](crate::StoredEvent::command_id))
    /// and answers a resent envelope with the first outcome. Deciding does not read it. Written
    /// only when there is one, so an envelope without it reads and writes as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_id: Option<CommandId>,
    /// The command.
    pub command: Command,
}

objects_only!(Envelope);

impl Envelope {
    /// `command` sent by `actor` at `at`, expecting no particular version of the deal, without
    /// a command id.
    ///
    /// ```
    /// use ltc_pipeline::{Command, Envelope, TimeZone, Utc};
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let envelope = Envelope::new("ana", at, Command::QualifyLead {});
    /// assert_eq!((envelope.expected_version, envelope.command_id), (None, None));
    /// assert_eq!(envelope.actor.as_str(), "ana");
    /// ```
    #[must_use]
    pub fn new(actor: impl Into<PersonId>, at: DateTime<Utc>, command: Command) -> Self {
        Self {
            actor: actor.into(),
            at,
            expected_version: None,
            command_id: None,
            command,
        }
    }

    /// The same envelope, sent by someone who saw the deal at `version`: deciding it on
    /// another version is a conflict (optimistic concurrency).
    ///
    /// ```
    /// use ltc_pipeline::{Command, Envelope, TimeZone, Utc};
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let envelope = Envelope::new("ana", at, Command::QualifyLead {}).expecting(2);
    /// assert_eq!(envelope.expected_version, Some(2));
    /// ```
    #[must_use]
    pub fn expecting(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// The same envelope under the command id `id`, chosen by its sender: a store that has done
    /// a command under that id for the deal answers with that outcome instead of doing it again.
    ///
    /// ```
    /// use ltc_pipeline::{Command, CommandId, Envelope, TimeZone, Utc};
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let id = CommandId::new("req-1")?;
    /// let envelope = Envelope::new("ana", at, Command::QualifyLead {}).with_command_id(id.clone());
    /// assert_eq!(envelope.command_id, Some(id));
    /// let json = serde_json::to_string(&envelope).unwrap();
    /// assert!(json.contains(r#""command_id":"req-1""#), "{json}");
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    #[must_use]
    pub fn with_command_id(mut self, id: impl Into<CommandId>) -> Self {
        self.command_id = Some(id.into());
        self
    }

    /// Reads an envelope from its JSON document (a request body, a line of a file), strictly,
    /// naming the path of a bad value. A leading UTF-8 byte-order mark is skipped.
    ///
    /// # Errors
    /// [`Error::MalformedJson`](crate::Error::MalformedJson) with the path and what was wrong.
    ///
    /// # Examples
    /// ```
    /// use ltc_pipeline::Envelope;
    /// let envelope = Envelope::from_json(
    ///     r#"{"actor": "ana", "at": "2026-01-05T09:00:00Z", "command": {"type": "qualify_lead"}}"#,
    /// )?;
    /// assert_eq!(envelope.actor.as_str(), "ana");
    ///
    /// let err = Envelope::from_json(r#"{"actor": "ana", "at": 5}"#).unwrap_err();
    /// assert_eq!(err.code(), "malformed_json");
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        crate::json::from_json(text)
    }
}
