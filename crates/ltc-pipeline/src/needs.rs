//! What the gate a deal waits for needs: the panel (named reviewers, seats by level, the level
//! the amount escalates to), the rule, the materials, the roles to staff, four-eyes, and what
//! stands in the way now. Read from the policy, the amount at stake and the team the engine's
//! rules judge (the convened meeting's own policy once it is convened), so that what a host
//! shows before a command and what [`decide`](crate::decide) refuses never disagree.

use crate::deal::Stage;
use crate::{
    ConditionId, Currency, Deal, DecisionRule, Error, Escalation, GateKind, GatePolicy, LevelSeats,
    PersonId, Process, Role, Tally, Vote,
};
use rust_decimal::Decimal;
use serde::Serialize;

/// What the gate a deal waits for needs, from [`Deal::gate_needs`].
///
/// Before the gate is convened: what `convene_gate` must bring (the panel, a chair under
/// `single_decider`, the materials) and what must hold on the deal (conditions closed, roles
/// staffed, an amount when the gate escalates on it). Once convened: the same requirements, under
/// the policy the meeting was convened with, and the votes the rule still needs before the
/// convener records the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateNeeds {
    /// The gate.
    pub gate: GateKind,
    /// Whether it is convened (a meeting is open).
    pub convened: bool,
    /// How votes become a decision.
    pub rule: DecisionRule,
    /// Approvals that pass the gate: `k` under `k_of_n`; under `majority` (more than half) and
    /// `unanimous` (every seat), from the panel's size once it is seated; `None` when one vote
    /// decides (`single_decider`: the chair's; `first_response`: the first cast) or the panel is
    /// not seated yet.
    pub approvals: Option<u32>,
    /// Whether a chair must be named on convening (`single_decider`).
    pub chair_required: bool,
    /// Reviewers who must sit on every panel of this gate.
    pub named: Vec<PersonId>,
    /// Seats that must be held by reviewers of at least a level.
    pub seats: Vec<LevelSeats>,
    /// The amount the gate's authority is judged on (for the change decision, the larger of the
    /// contract value and the proposed one), when the deal has one.
    #[serde(with = "crate::serde_strict::decimal::option")]
    pub amount: Option<Decimal>,
    /// The deal's currency, once an amount is set.
    pub currency: Option<Currency>,
    /// The policy's escalation thresholds, each with whether the amount is above it.
    pub escalation: Vec<EscalationNeed>,
    /// The level the panel must include because of the amount: the highest of the thresholds it
    /// is above (`None` when none applies).
    pub escalated_to: Option<String>,
    /// Materials that must be presented when it is convened.
    pub materials: Vec<String>,
    /// Roles that must be staffed, each with whether it is now.
    pub roles: Vec<RoleNeed>,
    /// Whether members of the deal's team are barred from the panel.
    pub four_eyes: bool,
    /// Under four-eyes, who is barred: everyone who is or was on the team, in joining order.
    pub barred: Vec<PersonId>,
    /// Days the gate may stay undecided once convened before it is flagged.
    pub service_level_days: Option<u32>,
    /// For the solution review of a deal below the process's threshold: the threshold, as the
    /// deal may skip the review instead (`skip_solution_review`).
    #[serde(with = "crate::serde_strict::decimal::option")]
    pub skip_below: Option<Decimal>,
    /// Once convened: the votes so far and the verdict the rule has reached, if any.
    pub votes: Option<Votes>,
    /// What stands in the way of the gate's next step (convening it, or once convened recording
    /// its decision), in the order the rules check it: each is the refusal the step would get.
    /// Empty when nothing on the deal's side does; the panel and materials are the convener's
    /// to bring.
    pub blockers: Vec<Blocker>,
}

/// One escalation threshold and whether the amount at stake is above it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationNeed {
    /// Amounts strictly above this escalate.
    #[serde(with = "crate::serde_strict::decimal")]
    pub above: Decimal,
    /// The level the panel must then include.
    pub level: String,
    /// Whether the amount is above the threshold; `None` while the deal has no amount.
    pub applies: Option<bool>,
}

/// A role the gate requires, and whether someone holds it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleNeed {
    /// The role.
    pub role: Role,
    /// Whether at least one person holds it now.
    pub staffed: bool,
}

/// The votes of a convened gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Votes {
    /// The votes counted against the panel.
    pub tally: Tally,
    /// The verdict the rule has reached, if it has: the convener records it.
    pub verdict: Option<Vote>,
    /// Who convened it, and alone records its decision or withdraws it.
    pub convener: PersonId,
}

/// What stands in the way of a gate's next step: the refusal the step would get now. Serialized
/// with its error code as `code`: `{"code": "role_not_staffed", "role": "FR"}`. More kinds may
/// come: a host matching on it keeps a fallback (its [`code`](Self::code) says what it is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Blocker {
    /// Conditions of an earlier approval are open: close them first.
    OpenConditions {
        /// The open conditions.
        open: Vec<ConditionId>,
    },
    /// A role the gate requires has nobody in it.
    RoleNotStaffed {
        /// The role.
        role: Role,
    },
    /// The gate escalates on the amount, and the deal has none yet: set an estimate.
    AmountUnknown,
    /// The rule has not decided yet: votes are needed.
    Undecided {
        /// Approvals so far.
        approvals: u32,
        /// Seats that have not voted.
        pending: u32,
    },
}

impl Blocker {
    /// The code of the refusal this stands for (as [`Error::code`]).
    ///
    /// ```
    /// use ltc_pipeline::Blocker;
    /// assert_eq!(Blocker::AmountUnknown.code(), "amount_unknown");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Blocker::OpenConditions { .. } => "open_conditions",
            Blocker::RoleNotStaffed { .. } => "role_not_staffed",
            Blocker::AmountUnknown => "amount_unknown",
            Blocker::Undecided { .. } => "undecided",
        }
    }
}

impl Escalation {
    /// Whether `amount` escalates: strictly above the threshold. The rule
    /// [`decide`](crate::decide) judges a panel's authority by.
    ///
    /// ```
    /// use ltc_pipeline::{Decimal, Escalation};
    /// let e = Escalation { above: Decimal::from(500_000), level: "director".into() };
    /// assert!(e.applies_to(Decimal::from(500_001)));
    /// assert!(!e.applies_to(Decimal::from(500_000)));
    /// ```
    pub fn applies_to(&self, amount: Decimal) -> bool {
        amount > self.above
    }
}

impl Deal {
    /// What the gate this deal waits for needs, under `process` (the version the deal runs
    /// under): the convened gate, else the gate of its stage (`opportunity_approval` when it
    /// awaits approval, `solution_review`, `bid_decision`, `contract_decision`; once signed, the
    /// `change_decision` of a proposed amendment, or the `closure_decision` when the contract is
    /// delivered, invoiced and paid). `None` when it waits for no gate (a lead, a deal in
    /// negotiation or being fulfilled, an ended deal) or the process has no policy for it.
    ///
    /// # Errors
    /// [`Error::ProcessMismatch`] when `process` is not the version the deal runs under.
    ///
    /// # Examples
    /// ```
    /// use ltc_pipeline::{Blocker, Command, Deal, DealId, GateKind, Money, Process, Role};
    /// use ltc_pipeline::{Decimal, TimeZone, Utc};
    /// let process = Process::standard();
    /// let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// for (actor, command) in [
    ///     ("ops", Command::capture_lead("ACME", "web", Some(Money::eur(80_000)))),
    ///     ("ana", Command::grade_lead([("budget", 4), ("decision_chain", 3), ("urgency", 5)])),
    ///     ("ana", Command::QualifyLead {}),
    ///     ("ops", Command::add_member("ana", Role::ar(), Decimal::ONE)),
    /// ] {
    ///     deal.execute(&process, &command, &actor.into(), at)?;
    /// }
    /// let needs = deal.gate_needs(&process)?.expect("it awaits approval");
    /// assert_eq!(needs.gate, GateKind::OpportunityApproval);
    /// assert_eq!(needs.materials, ["opportunity brief"]);
    /// assert_eq!(needs.seats[0].level, "manager");
    /// // The approval needs an SR too: convening now would be refused for it.
    /// assert_eq!(needs.blockers, [Blocker::RoleNotStaffed { role: Role::sr() }]);
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn gate_needs(&self, process: &Process) -> Result<Option<GateNeeds>, Error> {
        if let Some(current) = &self.process {
            if process.reference() != current {
                return Err(Error::ProcessMismatch {
                    expected: current.clone(),
                    given: process.reference().clone(),
                });
            }
        }
        let Some(gate) = self.waiting_gate() else {
            return Ok(None);
        };
        // A convened gate is judged under the policy it was convened with, to the end.
        let policy: &GatePolicy = match &self.meeting {
            Some(meeting) => &meeting.policy,
            None => match process.policy(gate) {
                Some(policy) => policy,
                None => return Ok(None),
            },
        };
        let amount = self.amount_at_stake(gate);
        let escalation: Vec<EscalationNeed> = policy
            .escalation
            .iter()
            .map(|e| EscalationNeed {
                above: e.above,
                level: e.level.clone(),
                applies: amount.map(|a| e.applies_to(a)),
            })
            .collect();
        let escalated_to = escalation
            .iter()
            .filter(|e| e.applies == Some(true))
            .max_by_key(|e| process.level_rank(&e.level))
            .map(|e| e.level.clone());
        let roles: Vec<RoleNeed> = policy
            .required_roles
            .iter()
            .map(|role| RoleNeed {
                role: role.clone(),
                staffed: self.team.is_staffed(role),
            })
            .collect();
        let mut barred: Vec<PersonId> = Vec::new();
        if policy.four_eyes {
            for stint in self.team.stints() {
                if !barred.contains(&stint.person) {
                    barred.push(stint.person.clone());
                }
            }
        }
        let mut blockers = Vec::new();
        let votes = match &self.meeting {
            Some(meeting) => {
                let tally = meeting.tally();
                let verdict = meeting.verdict(&policy.rule);
                Some(Votes {
                    tally,
                    verdict,
                    convener: meeting.convened_by.clone(),
                })
            }
            None => {
                if self.has_open_conditions() {
                    blockers.push(Blocker::OpenConditions {
                        open: self.open_conditions().into_iter().cloned().collect(),
                    });
                }
                None
            }
        };
        // The authority checked on convening and again on recording the decision.
        for need in &roles {
            if !need.staffed {
                blockers.push(Blocker::RoleNotStaffed {
                    role: need.role.clone(),
                });
            }
        }
        if amount.is_none() && !policy.escalation.is_empty() {
            blockers.push(Blocker::AmountUnknown);
        }
        if let Some(Votes {
            tally,
            verdict: None,
            ..
        }) = &votes
        {
            blockers.push(Blocker::Undecided {
                approvals: tally.approvals,
                pending: tally.pending,
            });
        }
        let seated = self.meeting.as_ref().map(|m| m.panel.len());
        let skip_below = match (gate, self.amount(), &self.meeting) {
            (GateKind::SolutionReview, Some(amount), None) => process
                .definition()
                .skip_solution_review_below
                .filter(|below| amount < *below),
            _ => None,
        };
        Ok(Some(GateNeeds {
            gate,
            convened: self.meeting.is_some(),
            rule: policy.rule.clone(),
            approvals: approvals(&policy.rule, seated),
            chair_required: policy.rule == DecisionRule::SingleDecider,
            named: policy.panel.named.clone(),
            seats: policy.panel.levels.clone(),
            amount,
            currency: amount.and(self.currency),
            escalation,
            escalated_to,
            materials: policy.materials.clone(),
            roles,
            four_eyes: policy.four_eyes,
            barred,
            service_level_days: policy.service_level_days,
            skip_below,
            votes,
            blockers,
        }))
    }

    /// The gate the deal waits for: the convened one, else its stage's next gate.
    fn waiting_gate(&self) -> Option<GateKind> {
        if let Some(meeting) = &self.meeting {
            return Some(meeting.gate);
        }
        match &self.stage {
            Stage::Execution(e) if e.contract.proposed_amendment.is_some() => {
                Some(GateKind::ChangeDecision)
            }
            Stage::Execution(e) if e.is_complete() => Some(GateKind::ClosureDecision),
            Stage::Execution(_) => None,
            stage => stage.gates().first().copied(),
        }
    }

    /// The amount a gate's authority is judged on: for the change decision the larger of the
    /// contract value and the proposed one, otherwise the deal's amount.
    pub(crate) fn amount_at_stake(&self, gate: GateKind) -> Option<Decimal> {
        let amount = self.amount();
        if gate != GateKind::ChangeDecision {
            return amount;
        }
        let proposed = self
            .contract()
            .and_then(|c| c.proposed_amendment.as_ref())
            .map(|p| p.new_value);
        match (amount, proposed) {
            (Some(a), Some(p)) => Some(a.max(p)),
            (a, p) => a.or(p),
        }
    }
}

/// Approvals that pass under `rule` with `seats` seated (when known): what
/// [`Meeting::verdict`](crate::Meeting::verdict) passes on.
fn approvals(rule: &DecisionRule, seats: Option<usize>) -> Option<u32> {
    let seats = seats.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    match rule {
        DecisionRule::Unanimous => seats,
        DecisionRule::Majority => seats.map(|n| n / 2 + 1),
        DecisionRule::KOfN { k } => Some(*k),
        DecisionRule::SingleDecider | DecisionRule::FirstResponse => None,
    }
}
