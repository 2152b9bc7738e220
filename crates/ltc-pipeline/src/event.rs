//! Events: the facts a deal's state is folded from.

use crate::{
    ConditionId, ConditionSpec, DealId, EndKind, GateKind, Grade, InvoiceId, MilestoneId, Money,
    Outcome, PaymentId, PersonId, Role, Seat, Vote,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One fact in a deal's log: which deal, its version after the fact, when, who, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The deal.
    pub deal: DealId,
    /// The deal's version once this event is applied (the first event is version 1).
    pub version: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: PersonId,
    /// What happened.
    pub change: Change,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// The deal was opened with a lead.
    LeadCaptured {
        /// The customer.
        customer: String,
        /// The lead's source.
        source: String,
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
    LeadQualified,
    /// A person joined the team.
    MemberJoined {
        /// Who.
        person: PersonId,
        /// In which role.
        role: Role,
        /// Involvement in (0, 1].
        #[serde(with = "rust_decimal::serde::str")]
        involvement: Decimal,
    },
    /// A person left a role.
    MemberLeft {
        /// Who.
        person: PersonId,
        /// Which role.
        role: Role,
        /// Their closure recommendation.
        closure_recommendation: Option<String>,
    },
    /// A gate was convened.
    GateConvened {
        /// The gate.
        gate: GateKind,
        /// The panel.
        panel: Vec<Seat>,
        /// The chair.
        chair: Option<PersonId>,
        /// The materials presented.
        materials: Vec<String>,
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
        comment: Option<String>,
    },
    /// The convened gate was withdrawn.
    GateWithdrawn {
        /// The gate.
        gate: GateKind,
        /// Why.
        reason: String,
    },
    /// The convened gate was decided.
    GateDecided {
        /// The gate.
        gate: GateKind,
        /// The outcome.
        outcome: Outcome,
        /// The minutes.
        minutes: String,
        /// Conditions attached.
        conditions: Vec<ConditionSpec>,
    },
    /// A condition was closed.
    ConditionClosed {
        /// The condition.
        id: ConditionId,
        /// What was done.
        note: String,
    },
    /// The solution review was skipped for a small deal.
    SolutionReviewSkipped {
        /// The deal amount.
        #[serde(with = "rust_decimal::serde::str")]
        amount: Decimal,
        /// The threshold it was below.
        #[serde(with = "rust_decimal::serde::str")]
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
        title: String,
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
        reason: String,
    },
    /// The deal ended by a command (lost, withdrawn, disqualified, closed by force).
    Ended {
        /// How.
        kind: EndKind,
        /// Why (for a forced closure: the recommendation).
        reason: String,
    },
}
