//! Events: the facts a deal's state is folded from.

use crate::command::CommandRef;
use crate::serde_strict::objects_only;
use crate::{
    Command, ConditionId, ConditionSpec, DealId, EndKind, GateKind, Grade, InvoiceId, MilestoneId,
    Money, Outcome, PaymentId, PersonId, ProcessRef, Role, Seat, Vote,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One fact in a deal's log: which deal, its version after the fact, when, who, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Event {
    /// The deal.
    pub deal: DealId,
    /// The deal's version once this event is applied (the first event is version 1).
    pub version: u64,
    /// When it happened.
    #[serde(deserialize_with = "crate::serde_strict::instant::deserialize")]
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: PersonId,
    /// What happened.
    pub change: Change,
}

objects_only!(Event);

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    deny_unknown_fields,
    tag = "type",
    rename_all = "snake_case"
)]
pub enum Change {
    /// The deal was opened with a lead, under a process version it runs under from then on.
    LeadCaptured {
        /// The process (name and version) the deal was opened under.
        process: ProcessRef,
        /// The customer.
        customer: crate::Text,
        /// The lead's source.
        source: crate::Text,
        /// The estimated value.
        estimate: Option<Money>,
    },
    /// The lead was graded.
    LeadGraded {
        /// The grade.
        grade: Grade,
    },
    /// The estimate was set.
    EstimateSet {
        /// The estimate.
        value: Money,
    },
    /// The lead was qualified into an opportunity.
    LeadQualified {},
    /// A person joined the team.
    MemberJoined {
        /// Who.
        person: PersonId,
        /// In which role.
        role: Role,
        /// Involvement in (0, 1].
        #[serde(with = "crate::serde_strict::decimal")]
        involvement: Decimal,
    },
    /// A person left a role.
    MemberLeft {
        /// Who.
        person: PersonId,
        /// Which role.
        role: Role,
        /// Their closure recommendation.
        closure_recommendation: Option<crate::Text>,
    },
    /// A gate was convened.
    GateConvened {
        /// The gate.
        gate: GateKind,
        /// The panel.
        panel: std::sync::Arc<[Seat]>,
        /// The chair.
        chair: Option<PersonId>,
        /// The materials presented.
        materials: std::sync::Arc<[String]>,
    },
    /// A reviewer delegated their vote.
    VoteDelegated {
        /// The seat holder.
        seat: PersonId,
        /// The substitute.
        substitute: Seat,
    },
    /// A vote was cast for a seat (by the event's actor).
    VoteCast {
        /// The seat holder.
        seat: PersonId,
        /// The vote.
        vote: Vote,
        /// The comment.
        comment: Option<crate::Text>,
    },
    /// The convened gate was withdrawn.
    GateWithdrawn {
        /// The gate.
        gate: GateKind,
        /// Why.
        reason: crate::Text,
    },
    /// The convened gate was decided.
    GateDecided {
        /// The gate.
        gate: GateKind,
        /// The outcome.
        outcome: Outcome,
        /// The minutes.
        minutes: crate::Text,
        /// Conditions attached.
        conditions: Vec<ConditionSpec>,
    },
    /// A condition was closed.
    ConditionClosed {
        /// The condition.
        id: ConditionId,
        /// What was done.
        note: crate::Text,
    },
    /// The solution review was skipped for a small deal.
    SolutionReviewSkipped {
        /// The deal amount.
        #[serde(with = "crate::serde_strict::decimal")]
        amount: Decimal,
        /// The threshold it was below.
        #[serde(with = "crate::serde_strict::decimal")]
        below: Decimal,
    },
    /// The negotiated terms were put to the contract decision.
    ContractDecisionRequested {
        /// The contract value.
        terms: Money,
    },
    /// A milestone was added.
    MilestoneAdded {
        /// Its id.
        id: MilestoneId,
        /// What is delivered.
        title: crate::Text,
    },
    /// A milestone was delivered.
    MilestoneDelivered {
        /// The milestone.
        id: MilestoneId,
    },
    /// A milestone was accepted.
    MilestoneAccepted {
        /// The milestone.
        id: MilestoneId,
    },
    /// An invoice was issued.
    InvoiceIssued {
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
    /// A payment was received.
    PaymentReceived {
        /// Its id.
        id: PaymentId,
        /// The invoice.
        invoice: InvoiceId,
        /// The amount.
        amount: Money,
    },
    /// A refund was paid.
    RefundIssued {
        /// Its id.
        id: PaymentId,
        /// The invoice.
        invoice: InvoiceId,
        /// The amount.
        amount: Money,
    },
    /// A payment or refund was reversed.
    CashReversed {
        /// The payment or refund.
        id: PaymentId,
    },
    /// An amendment was proposed.
    AmendmentProposed {
        /// The value asked for.
        new_value: Money,
        /// Why.
        reason: crate::Text,
    },
    /// The deal moved to another version of its process: the rules from this event on.
    ProcessMigrated {
        /// The version it ran under.
        from: u32,
        /// The version it runs under now.
        to: u32,
    },
    /// The deal ended by a command (lost, withdrawn, disqualified, closed by force).
    Ended {
        /// How.
        kind: EndKind,
        /// Why (for a forced closure: the recommendation).
        reason: crate::Text,
    },
}

objects_only!(Change);

impl Change {
    /// The command whose decision records this change, given the event's actor and time; `None`
    /// for a change no command records directly (a deal is won only by its closure decision).
    ///
    /// Replay decides this command again on the state before the event and requires the same
    /// change back: that is how [`Deal::apply`](crate::Deal::apply) refuses a stored event the
    /// engine could not have written.
    ///
    /// ```
    /// use ltc_pipeline::{Change, Command, EndKind};
    /// let lost = Change::Ended { kind: EndKind::Lost, reason: "price".into() };
    /// assert_eq!(lost.command(), Some(Command::Lose { reason: "price".into() }));
    /// let won = Change::Ended { kind: EndKind::Won, reason: "done".into() };
    /// assert_eq!(won.command(), None);
    /// ```
    pub fn command(&self) -> Option<Command> {
        self.command_ref().map(CommandRef::to_command)
    }

    /// The command behind this change as a borrowed view (`None` for a deal won by its closure
    /// decision): what replay decides again, without copying the payload.
    pub(crate) fn command_ref(&self) -> Option<CommandRef<'_>> {
        Some(match self {
            Change::LeadCaptured {
                customer,
                source,
                estimate,
                ..
            } => CommandRef::CaptureLead {
                customer,
                source,
                estimate,
            },
            Change::LeadGraded { grade } => CommandRef::GradeLead {
                scores: &grade.scores,
            },
            Change::EstimateSet { value } => CommandRef::SetEstimate { value },
            Change::LeadQualified {} => CommandRef::QualifyLead {},
            Change::MemberJoined {
                person,
                role,
                involvement,
            } => CommandRef::AddMember {
                person,
                role,
                involvement,
            },
            Change::MemberLeft {
                person,
                role,
                closure_recommendation,
            } => CommandRef::RemoveMember {
                person,
                role,
                closure_recommendation,
            },
            Change::GateConvened {
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
            Change::VoteDelegated { substitute, .. } => CommandRef::DelegateVote { substitute },
            Change::VoteCast { vote, comment, .. } => CommandRef::CastVote { vote, comment },
            Change::GateWithdrawn { reason, .. } => CommandRef::WithdrawGate { reason },
            Change::GateDecided {
                minutes,
                conditions,
                ..
            } => CommandRef::RecordDecision {
                minutes,
                conditions,
            },
            Change::ConditionClosed { id, note } => CommandRef::CloseCondition { id, note },
            Change::SolutionReviewSkipped { .. } => CommandRef::SkipSolutionReview {},
            Change::ContractDecisionRequested { terms } => {
                CommandRef::RequestContractDecision { terms }
            }
            Change::MilestoneAdded { id, title } => CommandRef::AddMilestone { id, title },
            Change::MilestoneDelivered { id } => CommandRef::DeliverMilestone { id },
            Change::MilestoneAccepted { id } => CommandRef::AcceptMilestone { id },
            Change::InvoiceIssued { id, amount, due } => {
                CommandRef::IssueInvoice { id, amount, due }
            }
            Change::PaymentReceived {
                id,
                invoice,
                amount,
            } => CommandRef::RecordPayment {
                id,
                invoice,
                amount,
            },
            Change::RefundIssued {
                id,
                invoice,
                amount,
            } => CommandRef::Refund {
                id,
                invoice,
                amount,
            },
            Change::CashReversed { id } => CommandRef::ReverseCash { id },
            Change::AmendmentProposed { new_value, reason } => {
                CommandRef::ProposeAmendment { new_value, reason }
            }
            Change::ProcessMigrated { to, .. } => CommandRef::MigrateProcess { version: to },
            Change::Ended { kind, reason } => match kind {
                EndKind::Lost => CommandRef::Lose { reason },
                EndKind::Withdrawn => CommandRef::Withdraw { reason },
                EndKind::Disqualified => CommandRef::Disqualify { reason },
                EndKind::ForceClosed => CommandRef::ForceClose {
                    recommendation: reason,
                },
                EndKind::Won => return None,
            },
        })
    }
}
