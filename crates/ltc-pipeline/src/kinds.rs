//! The fixed vocabulary of the backbone: stage kinds, gate kinds and end kinds.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a deal stands, as a plain label (the [`Stage`](crate::Stage) enum carries the records).
///
/// The first two belong to the lead phase, the next five to the opportunity phase, the next five to
/// contract execution; the last five are the ends, which are absorbing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// A lead was captured.
    Captured,
    /// The lead was graded by the scorecard.
    Graded,
    /// Qualified into an opportunity, waiting for the opportunity approval gate.
    AwaitingApproval,
    /// The project is established; the team works on the solution.
    SolutionWork,
    /// The solution is reviewed (or the review skipped); the bid is being prepared.
    Bid,
    /// The bid is submitted; the terms are negotiated.
    Negotiation,
    /// Terms are agreed; waiting for the contract decision.
    AwaitingContractDecision,
    /// The contract is signed; nothing delivered yet.
    Signed,
    /// Delivery milestones are under way.
    Fulfilment,
    /// Everything is delivered and accepted; invoicing is not complete.
    Invoicing,
    /// The full value is invoiced; cash is being collected.
    Collection,
    /// Delivered, invoiced and paid: waiting for the closure decision.
    Closing,
    /// Cash collected and the contract closed: the one successful end.
    Won,
    /// A competitor won or the customer cancelled.
    Lost,
    /// We decided not to go on (including a rejection at a gate).
    Withdrawn,
    /// The lead was not worth an opportunity, or opportunity approval rejected it.
    Disqualified,
    /// The contract was closed by force after long inactivity.
    ForceClosed,
}

impl StageKind {
    /// Every stage kind, in backbone order.
    pub const ALL: [StageKind; 17] = [
        StageKind::Captured,
        StageKind::Graded,
        StageKind::AwaitingApproval,
        StageKind::SolutionWork,
        StageKind::Bid,
        StageKind::Negotiation,
        StageKind::AwaitingContractDecision,
        StageKind::Signed,
        StageKind::Fulfilment,
        StageKind::Invoicing,
        StageKind::Collection,
        StageKind::Closing,
        StageKind::Won,
        StageKind::Lost,
        StageKind::Withdrawn,
        StageKind::Disqualified,
        StageKind::ForceClosed,
    ];

    /// Whether this is an end (absorbing) stage.
    ///
    /// ```
    /// use ltc_pipeline::StageKind;
    /// assert!(StageKind::Won.is_end());
    /// assert!(!StageKind::Closing.is_end());
    /// ```
    pub fn is_end(self) -> bool {
        matches!(
            self,
            StageKind::Won
                | StageKind::Lost
                | StageKind::Withdrawn
                | StageKind::Disqualified
                | StageKind::ForceClosed
        )
    }

    /// The phase this stage belongs to.
    ///
    /// ```
    /// use ltc_pipeline::{Phase, StageKind};
    /// assert_eq!(StageKind::Bid.phase(), Phase::Opportunity);
    /// ```
    pub fn phase(self) -> Phase {
        match self {
            StageKind::Captured | StageKind::Graded => Phase::Lead,
            StageKind::AwaitingApproval
            | StageKind::SolutionWork
            | StageKind::Bid
            | StageKind::Negotiation
            | StageKind::AwaitingContractDecision => Phase::Opportunity,
            StageKind::Signed
            | StageKind::Fulfilment
            | StageKind::Invoicing
            | StageKind::Collection
            | StageKind::Closing => Phase::Execution,
            StageKind::Won
            | StageKind::Lost
            | StageKind::Withdrawn
            | StageKind::Disqualified
            | StageKind::ForceClosed => Phase::Ended,
        }
    }

    /// The snake_case name used in serde and in diagrams.
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Captured => "captured",
            StageKind::Graded => "graded",
            StageKind::AwaitingApproval => "awaiting_approval",
            StageKind::SolutionWork => "solution_work",
            StageKind::Bid => "bid",
            StageKind::Negotiation => "negotiation",
            StageKind::AwaitingContractDecision => "awaiting_contract_decision",
            StageKind::Signed => "signed",
            StageKind::Fulfilment => "fulfilment",
            StageKind::Invoicing => "invoicing",
            StageKind::Collection => "collection",
            StageKind::Closing => "closing",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
            StageKind::Withdrawn => "withdrawn",
            StageKind::Disqualified => "disqualified",
            StageKind::ForceClosed => "force_closed",
        }
    }
}

impl fmt::Display for StageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The three phases of lead to cash, and the ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Manage leads.
    Lead,
    /// Manage opportunities.
    Opportunity,
    /// Manage contract execution.
    Execution,
    /// The deal has ended.
    Ended,
}

/// A review gate: a decision meeting that guards a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateKind {
    /// Project initiation: is this worth a dedicated team?
    OpportunityApproval,
    /// Is the solution sound, deliverable and priced sensibly?
    SolutionReview,
    /// Do we bid, and on what terms?
    BidDecision,
    /// Do we sign?
    ContractDecision,
    /// Do we amend the signed contract?
    ChangeDecision,
    /// Do we close the contract?
    ClosureDecision,
}

impl GateKind {
    /// Every gate, in backbone order.
    pub const ALL: [GateKind; 6] = [
        GateKind::OpportunityApproval,
        GateKind::SolutionReview,
        GateKind::BidDecision,
        GateKind::ContractDecision,
        GateKind::ChangeDecision,
        GateKind::ClosureDecision,
    ];

    /// The snake_case name used in serde and in diagrams.
    ///
    /// ```
    /// use ltc_pipeline::GateKind;
    /// assert_eq!(GateKind::BidDecision.as_str(), "bid_decision");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            GateKind::OpportunityApproval => "opportunity_approval",
            GateKind::SolutionReview => "solution_review",
            GateKind::BidDecision => "bid_decision",
            GateKind::ContractDecision => "contract_decision",
            GateKind::ChangeDecision => "change_decision",
            GateKind::ClosureDecision => "closure_decision",
        }
    }
}

impl fmt::Display for GateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl GateKind {
    /// The facts this gate judges, and so locks from convening until its decision is recorded or
    /// it is withdrawn: a command that would change one is refused with `gate_locked`.
    ///
    /// | gate | locks |
    /// |---|---|
    /// | opportunity approval, solution review, bid decision | the estimate, the staffing of its required roles |
    /// | contract decision | the terms, the staffing of its required roles |
    /// | change decision | the proposed amendment, the staffing of its required roles |
    /// | closure decision | the contract's execution, the amendment, the staffing of its required roles |
    ///
    /// ```
    /// use ltc_pipeline::{Fact, GateKind};
    /// assert!(GateKind::BidDecision.locks().contains(&Fact::Estimate));
    /// assert!(GateKind::ClosureDecision.locks().contains(&Fact::Execution));
    /// ```
    pub fn locks(self) -> &'static [Fact] {
        match self {
            GateKind::OpportunityApproval | GateKind::SolutionReview | GateKind::BidDecision => {
                &[Fact::Estimate, Fact::Staffing]
            }
            GateKind::ContractDecision => &[Fact::Terms, Fact::Staffing],
            GateKind::ChangeDecision => &[Fact::Amendment, Fact::Staffing],
            GateKind::ClosureDecision => &[Fact::Execution, Fact::Amendment, Fact::Staffing],
        }
    }
}

/// A fact a convened gate judges, and so locks until it is decided or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// The estimated deal amount: what escalation and the skip threshold are judged on.
    Estimate,
    /// The terms put to the contract decision.
    Terms,
    /// The proposed amendment of the contract value.
    Amendment,
    /// The contract's execution: milestones, invoices, payments, refunds, reversals.
    Execution,
    /// The staffing of the roles the gate requires: their last holder cannot leave.
    Staffing,
}

impl Fact {
    /// The snake_case name used in serde and in messages.
    ///
    /// ```
    /// use ltc_pipeline::Fact;
    /// assert_eq!(Fact::Staffing.as_str(), "staffing");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Fact::Estimate => "estimate",
            Fact::Terms => "terms",
            Fact::Amendment => "amendment",
            Fact::Execution => "execution",
            Fact::Staffing => "staffing",
        }
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Fact::Estimate => "the estimate",
            Fact::Terms => "the contract terms",
            Fact::Amendment => "the amendment",
            Fact::Execution => "the contract's execution",
            Fact::Staffing => "the staffing of its required roles",
        })
    }
}

/// How a deal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndKind {
    /// Cash collected and the contract closed.
    Won,
    /// A competitor won or the customer cancelled.
    Lost,
    /// We decided not to go on.
    Withdrawn,
    /// Not worth pursuing.
    Disqualified,
    /// Closed by force after long inactivity, with a recommendation.
    ForceClosed,
}

impl EndKind {
    /// The stage kind of this end.
    ///
    /// ```
    /// use ltc_pipeline::{EndKind, StageKind};
    /// assert_eq!(EndKind::Lost.stage(), StageKind::Lost);
    /// ```
    pub fn stage(self) -> StageKind {
        match self {
            EndKind::Won => StageKind::Won,
            EndKind::Lost => StageKind::Lost,
            EndKind::Withdrawn => StageKind::Withdrawn,
            EndKind::Disqualified => StageKind::Disqualified,
            EndKind::ForceClosed => StageKind::ForceClosed,
        }
    }
}

impl EndKind {
    /// Whether a command can end a deal this way from a stage of `phase`: disqualified from the
    /// lead phase, withdrawn from the opportunity phase, lost from either of the opportunity and
    /// execution phases, closed by force from execution. Won never: only the closure decision
    /// wins a deal.
    ///
    /// ```
    /// use ltc_pipeline::{EndKind, Phase};
    /// assert!(EndKind::Lost.ends_by_command_from(Phase::Execution));
    /// assert!(!EndKind::Withdrawn.ends_by_command_from(Phase::Execution));
    /// assert!(!EndKind::Won.ends_by_command_from(Phase::Execution));
    /// ```
    pub fn ends_by_command_from(self, phase: Phase) -> bool {
        match self {
            EndKind::Disqualified => phase == Phase::Lead,
            EndKind::Withdrawn => phase == Phase::Opportunity,
            EndKind::Lost => matches!(phase, Phase::Opportunity | Phase::Execution),
            EndKind::ForceClosed => phase == Phase::Execution,
            EndKind::Won => false,
        }
    }
}

impl fmt::Display for EndKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.stage().as_str())
    }
}
