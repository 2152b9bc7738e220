//! The floor for deciding and replaying: a hand-written, minimal enum state machine of the same
//! stages as the standard process, with the same money checks, and nothing else.
//!
//! It is what a developer would write for this one process with no configuration, no audit trail
//! and no error detail: people and record ids are interned to small integers up front, events are
//! small `Copy` values, refusals are a bare [`Refused`], and the standard process's policies are
//! hard-coded. What it does check, as the engine does: the stage of every command, time never
//! going backwards, staffed roles, panel size and level, materials (as a bit mask), escalation,
//! four-eyes, one vote per seat, the decision rule, open conditions, and every money rule
//! (positive amounts, one currency, invoices within the contract value, payments within what is
//! invoiced, closure only when delivered, fully invoiced and fully paid).

use chrono::{DateTime, Utc};
use ltc_pipeline::strategies::Step;
use ltc_pipeline::{Command, GateKind, Money, Process, Role};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// An interned person.
pub type Person = u32;
/// An interned record id (condition, milestone, invoice, payment).
pub type Key = u32;

/// The gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Opportunity approval.
    Opportunity,
    /// Solution review.
    Solution,
    /// Bid decision.
    Bid,
    /// Contract decision.
    Contract,
    /// Change decision.
    Change,
    /// Closure decision.
    Closure,
}

/// An amount and its currency code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cash {
    /// The amount.
    pub amount: Decimal,
    /// The currency code.
    pub currency: [u8; 3],
}

/// A vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote {
    /// Go on.
    Approve,
    /// Rework.
    Rework,
    /// Stop.
    Reject,
}

/// A panel seat: the reviewer and their level (0 manager, 1 director, 2 executive).
pub type Seat = (Person, u8);

/// A command of the floor machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    /// Open the deal.
    Capture {
        /// The estimate.
        estimate: Option<Cash>,
    },
    /// Grade the lead: budget, decision chain, urgency.
    Grade {
        /// The scores.
        scores: [u32; 3],
    },
    /// Qualify the graded lead.
    Qualify,
    /// Add a member in a role (0 AR, 1 SR, 2 FR).
    AddMember {
        /// Who.
        person: Person,
        /// The role.
        role: u8,
    },
    /// Remove a member from a role.
    RemoveMember {
        /// Who.
        person: Person,
        /// The role.
        role: u8,
    },
    /// Convene a gate.
    Convene {
        /// The gate.
        gate: Gate,
        /// The panel (up to three seats).
        panel: [Seat; 3],
        /// Seats used.
        seats: u8,
        /// The chair.
        chair: Option<Person>,
        /// Bit `i` set when the gate's `i`-th required material is presented.
        materials: u8,
    },
    /// The actor votes.
    Vote {
        /// The vote.
        vote: Vote,
    },
    /// The convener records the decision, with at most one condition.
    Decide {
        /// The condition attached.
        condition: Option<Key>,
    },
    /// Close a condition.
    CloseCondition {
        /// The condition.
        id: Key,
    },
    /// Put the terms to the contract decision.
    RequestContract {
        /// The terms.
        terms: Cash,
    },
    /// Add a milestone.
    AddMilestone {
        /// Its id.
        id: Key,
    },
    /// Deliver a milestone.
    Deliver {
        /// The milestone.
        id: Key,
    },
    /// Accept a milestone.
    Accept {
        /// The milestone.
        id: Key,
    },
    /// Issue an invoice.
    Invoice {
        /// Its id.
        id: Key,
        /// The amount.
        amount: Cash,
    },
    /// Record a payment.
    Pay {
        /// Its id.
        id: Key,
        /// The invoice.
        invoice: Key,
        /// The amount.
        amount: Cash,
    },
    /// End the deal as lost.
    Lose,
}

/// The outcome of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Passed.
    Approved,
    /// Sent back.
    Rework,
    /// Stopped.
    Rejected,
}

/// An event of the floor machine: the command as decided, with who and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ev {
    /// The version after it.
    pub version: u64,
    /// When (seconds).
    pub at: i64,
    /// Who.
    pub actor: Person,
    /// What.
    pub change: Change,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A command that needs no more than it carried.
    Done(Cmd),
    /// A vote for a seat.
    Voted {
        /// The seat.
        seat: Person,
        /// The vote.
        vote: Vote,
    },
    /// A decision.
    Decided {
        /// The outcome.
        outcome: Outcome,
        /// The condition attached.
        condition: Option<Key>,
    },
}

/// A refusal (no detail: the floor only needs to say no).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// Where the deal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Not opened.
    Unopened,
    /// Captured.
    Captured,
    /// Graded.
    Graded,
    /// Awaiting approval.
    AwaitingApproval,
    /// Solution work.
    SolutionWork,
    /// Bid.
    Bid,
    /// Negotiation.
    Negotiation,
    /// Awaiting the contract decision.
    AwaitingContractDecision,
    /// Contract under execution.
    Execution,
    /// Won.
    Won,
    /// Lost, withdrawn or disqualified.
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Meeting {
    gate: Gate,
    convener: Person,
    panel: [Seat; 3],
    seats: u8,
    chair: Option<Person>,
    votes: [Option<Vote>; 3],
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Contract {
    value: Decimal,
    /// (id, delivered, accepted)
    milestones: Vec<(Key, bool, bool)>,
    /// (id, amount, collected)
    invoices: Vec<(Key, Decimal, Decimal)>,
    payments: Vec<Key>,
}

impl Contract {
    fn invoiced(&self) -> Decimal {
        self.invoices.iter().map(|i| i.1).sum()
    }
    fn complete(&self) -> bool {
        let invoiced = self.invoiced();
        !self.milestones.is_empty()
            && self.milestones.iter().all(|m| m.2)
            && invoiced == self.value
            && self.invoices.iter().map(|i| i.2).sum::<Decimal>() == invoiced
    }
}

/// A deal of the floor machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloorDeal {
    version: u64,
    last_at: i64,
    stage: Stage,
    currency: Option<[u8; 3]>,
    amount: Option<Decimal>,
    /// (person, role, current)
    team: Vec<(Person, u8, bool)>,
    meeting: Option<Meeting>,
    /// (id, open)
    conditions: Vec<(Key, bool)>,
    contract: Contract,
}

impl Default for FloorDeal {
    fn default() -> Self {
        Self::new()
    }
}

/// The standard process's policy for a gate: (stage, seats, level, required roles as a bit mask,
/// materials count, escalation (above, level)).
fn policy(gate: Gate) -> (Stage, u8, u8, u8, u8, Option<(i64, u8)>) {
    match gate {
        Gate::Opportunity => (Stage::AwaitingApproval, 1, 0, 0b011, 1, None),
        Gate::Solution => (Stage::SolutionWork, 2, 0, 0b011, 2, None),
        Gate::Bid => (Stage::Bid, 2, 0, 0b111, 2, Some((500_000, 1))),
        Gate::Contract => (
            Stage::AwaitingContractDecision,
            1,
            1,
            0b111,
            3,
            Some((1_000_000, 2)),
        ),
        Gate::Change => (Stage::Execution, 1, 0, 0b001, 1, Some((1_000_000, 2))),
        Gate::Closure => (Stage::Execution, 1, 0, 0b001, 1, None),
    }
}

fn check(ok: bool) -> Result<(), Refused> {
    if ok {
        Ok(())
    } else {
        Err(Refused)
    }
}

impl FloorDeal {
    /// An unopened deal.
    pub fn new() -> Self {
        Self {
            version: 0,
            last_at: i64::MIN,
            stage: Stage::Unopened,
            currency: None,
            amount: None,
            team: Vec::new(),
            meeting: None,
            conditions: Vec::new(),
            contract: Contract::default(),
        }
    }

    /// The stage.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The version.
    pub fn version(&self) -> u64 {
        self.version
    }

    fn money(&self, cash: &Cash) -> Result<(), Refused> {
        check(cash.amount > Decimal::ZERO)?;
        check(self.currency.is_none_or(|c| c == cash.currency))
    }

    fn on_team(&self, person: Person) -> bool {
        self.team.iter().any(|t| t.0 == person)
    }

    fn current(&self, person: Person, role: u8) -> bool {
        self.team
            .iter()
            .any(|t| t.0 == person && t.1 == role && t.2)
    }

    fn invoice(&self, id: Key) -> Option<&(Key, Decimal, Decimal)> {
        self.contract.invoices.iter().find(|i| i.0 == id)
    }

    /// Decides a command: the event, or a refusal.
    ///
    /// # Errors
    /// [`Refused`] when any rule is broken.
    pub fn decide(&self, actor: Person, at: i64, cmd: &Cmd) -> Result<Ev, Refused> {
        check(at >= self.last_at)?;
        check(!matches!(self.stage, Stage::Won | Stage::Ended))?;
        let stage = self.stage;
        let change = match *cmd {
            Cmd::Capture { estimate } => {
                check(stage == Stage::Unopened)?;
                if let Some(e) = estimate {
                    check(e.amount > Decimal::ZERO)?;
                }
                Change::Done(*cmd)
            }
            _ if stage == Stage::Unopened => return Err(Refused),
            Cmd::Grade { scores } => {
                check(matches!(stage, Stage::Captured | Stage::Graded))?;
                check(scores.iter().all(|s| *s <= 5))?;
                Change::Done(*cmd)
            }
            Cmd::Qualify => {
                check(stage == Stage::Graded)?;
                Change::Done(*cmd)
            }
            Cmd::AddMember { person, role } => {
                check(role < 3 && !self.current(person, role))?;
                if let Some(m) = &self.meeting {
                    let seats = m.panel.get(..usize::from(m.seats)).unwrap_or(&[]);
                    check(!seats.iter().any(|s| s.0 == person))?;
                }
                Change::Done(*cmd)
            }
            Cmd::RemoveMember { person, role } => {
                check(self.current(person, role))?;
                Change::Done(*cmd)
            }
            Cmd::Convene {
                gate,
                panel,
                seats,
                chair,
                materials,
            } => {
                let (at_stage, need, level, roles, count, escalation) = policy(gate);
                let stage_fits = match gate {
                    Gate::Change | Gate::Closure => stage == Stage::Execution,
                    _ => stage == at_stage,
                };
                check(stage_fits && self.meeting.is_none())?;
                check(self.conditions.iter().all(|c| !c.1))?;
                match gate {
                    Gate::Closure => check(self.contract.complete())?,
                    Gate::Change => return Err(Refused),
                    _ => {}
                }
                for role in 0..3u8 {
                    if roles & (1 << role) != 0 {
                        check(self.team.iter().any(|t| t.1 == role && t.2))?;
                    }
                }
                check(materials == (1u8 << count) - 1)?;
                let seated = panel.get(..usize::from(seats)).ok_or(Refused)?;
                check(!seated.is_empty())?;
                for (i, seat) in seated.iter().enumerate() {
                    check(!seated.iter().skip(i + 1).any(|s| s.0 == seat.0))?;
                    check(!self.on_team(seat.0))?;
                }
                check(seated.iter().filter(|s| s.1 >= level).count() >= usize::from(need))?;
                if let Some((above, level)) = escalation {
                    let amount = self.amount.ok_or(Refused)?;
                    if amount > Decimal::from(above) {
                        check(seated.iter().any(|s| s.1 >= level))?;
                    }
                }
                if let Some(c) = chair {
                    check(seated.iter().any(|s| s.0 == c))?;
                }
                match gate {
                    Gate::Bid => check(seats >= 2)?,
                    Gate::Closure => check(chair.is_some())?,
                    _ => {}
                }
                Change::Done(*cmd)
            }
            Cmd::Vote { vote } => {
                let m = self.meeting.as_ref().ok_or(Refused)?;
                let i = m
                    .panel
                    .iter()
                    .take(usize::from(m.seats))
                    .position(|s| s.0 == actor)
                    .ok_or(Refused)?;
                check(m.votes.get(i).is_some_and(Option::is_none))?;
                check(!self.on_team(actor))?;
                Change::Voted { seat: actor, vote }
            }
            Cmd::Decide { condition } => {
                let m = self.meeting.as_ref().ok_or(Refused)?;
                check(m.convener == actor)?;
                let outcome = verdict(m).ok_or(Refused)?;
                if condition.is_some() {
                    check(outcome == Outcome::Approved)?;
                    check(!self.conditions.iter().any(|c| Some(c.0) == condition))?;
                }
                if m.gate == Gate::Closure && outcome == Outcome::Approved {
                    check(self.contract.complete())?;
                }
                Change::Decided { outcome, condition }
            }
            Cmd::CloseCondition { id } => {
                check(self.conditions.iter().any(|c| c.0 == id && c.1))?;
                Change::Done(*cmd)
            }
            Cmd::RequestContract { terms } => {
                check(matches!(
                    stage,
                    Stage::Negotiation | Stage::AwaitingContractDecision
                ))?;
                check(self.meeting.is_none())?;
                self.money(&terms)?;
                Change::Done(*cmd)
            }
            Cmd::AddMilestone { id } => {
                check(stage == Stage::Execution)?;
                check(!self.contract.milestones.iter().any(|m| m.0 == id))?;
                Change::Done(*cmd)
            }
            Cmd::Deliver { id } | Cmd::Accept { id } => {
                check(stage == Stage::Execution)?;
                let m = self
                    .contract
                    .milestones
                    .iter()
                    .find(|m| m.0 == id)
                    .ok_or(Refused)?;
                if matches!(cmd, Cmd::Deliver { .. }) {
                    check(!m.1)?;
                } else {
                    check(m.1 && !m.2)?;
                }
                Change::Done(*cmd)
            }
            Cmd::Invoice { id, amount } => {
                check(stage == Stage::Execution)?;
                check(self.invoice(id).is_none())?;
                self.money(&amount)?;
                let total = self
                    .contract
                    .invoiced()
                    .checked_add(amount.amount)
                    .ok_or(Refused)?;
                check(total <= self.contract.value)?;
                Change::Done(*cmd)
            }
            Cmd::Pay {
                id,
                invoice,
                amount,
            } => {
                check(stage == Stage::Execution)?;
                check(!self.contract.payments.contains(&id))?;
                self.money(&amount)?;
                let inv = self.invoice(invoice).ok_or(Refused)?;
                let next = inv.2.checked_add(amount.amount).ok_or(Refused)?;
                check(next <= inv.1)?;
                Change::Done(*cmd)
            }
            Cmd::Lose => {
                check(stage >= Stage::AwaitingApproval)?;
                Change::Done(*cmd)
            }
        };
        Ok(Ev {
            version: self.version + 1,
            at,
            actor,
            change,
        })
    }

    /// Applies an event.
    ///
    /// # Errors
    /// [`Refused`] for an event out of sequence or that does not fit.
    pub fn apply(&mut self, ev: &Ev) -> Result<(), Refused> {
        check(ev.version == self.version + 1)?;
        match ev.change {
            Change::Done(cmd) => match cmd {
                Cmd::Capture { estimate } => {
                    self.currency = estimate.map(|e| e.currency);
                    self.amount = estimate.map(|e| e.amount);
                    self.stage = Stage::Captured;
                }
                Cmd::Grade { .. } => self.stage = Stage::Graded,
                Cmd::Qualify => self.stage = Stage::AwaitingApproval,
                Cmd::AddMember { person, role } => self.team.push((person, role, true)),
                Cmd::RemoveMember { person, role } => {
                    let t = self
                        .team
                        .iter_mut()
                        .find(|t| t.0 == person && t.1 == role && t.2)
                        .ok_or(Refused)?;
                    t.2 = false;
                }
                Cmd::Convene {
                    gate,
                    panel,
                    seats,
                    chair,
                    ..
                } => {
                    check(self.meeting.is_none())?;
                    self.meeting = Some(Meeting {
                        gate,
                        convener: ev.actor,
                        panel,
                        seats,
                        chair,
                        votes: [None; 3],
                    });
                }
                Cmd::CloseCondition { id } => {
                    let c = self
                        .conditions
                        .iter_mut()
                        .find(|c| c.0 == id)
                        .ok_or(Refused)?;
                    c.1 = false;
                }
                Cmd::RequestContract { terms } => {
                    self.currency = Some(terms.currency);
                    self.amount = Some(terms.amount);
                    self.stage = Stage::AwaitingContractDecision;
                }
                Cmd::AddMilestone { id } => self.contract.milestones.push((id, false, false)),
                Cmd::Deliver { id } | Cmd::Accept { id } => {
                    let deliver = matches!(cmd, Cmd::Deliver { .. });
                    let m = self
                        .contract
                        .milestones
                        .iter_mut()
                        .find(|m| m.0 == id)
                        .ok_or(Refused)?;
                    if deliver {
                        m.1 = true;
                    } else {
                        m.2 = true;
                    }
                }
                Cmd::Invoice { id, amount } => {
                    self.contract
                        .invoices
                        .push((id, amount.amount, Decimal::ZERO));
                }
                Cmd::Pay {
                    id,
                    invoice,
                    amount,
                } => {
                    let inv = self
                        .contract
                        .invoices
                        .iter_mut()
                        .find(|i| i.0 == invoice)
                        .ok_or(Refused)?;
                    inv.2 = inv.2.checked_add(amount.amount).ok_or(Refused)?;
                    check(inv.2 <= inv.1)?;
                    self.contract.payments.push(id);
                }
                Cmd::Lose => self.stage = Stage::Ended,
                Cmd::Vote { .. } | Cmd::Decide { .. } => return Err(Refused),
            },
            Change::Voted { seat, vote } => {
                let m = self.meeting.as_mut().ok_or(Refused)?;
                let i = m
                    .panel
                    .iter()
                    .take(usize::from(m.seats))
                    .position(|s| s.0 == seat)
                    .ok_or(Refused)?;
                let slot = m.votes.get_mut(i).ok_or(Refused)?;
                *slot = Some(vote);
            }
            Change::Decided { outcome, condition } => {
                let m = self.meeting.take().ok_or(Refused)?;
                if let Some(c) = condition {
                    self.conditions.push((c, true));
                }
                match outcome {
                    Outcome::Rework => {}
                    Outcome::Rejected => {
                        if !matches!(m.gate, Gate::Change | Gate::Closure) {
                            self.stage = Stage::Ended;
                        }
                    }
                    Outcome::Approved => {
                        self.stage = match m.gate {
                            Gate::Opportunity => Stage::SolutionWork,
                            Gate::Solution => Stage::Bid,
                            Gate::Bid => Stage::Negotiation,
                            Gate::Contract => {
                                self.contract.value = self.amount.ok_or(Refused)?;
                                Stage::Execution
                            }
                            Gate::Change => Stage::Execution,
                            Gate::Closure => Stage::Won,
                        }
                    }
                }
            }
        }
        self.version = ev.version;
        self.last_at = ev.at;
        Ok(())
    }

    /// Decides and applies.
    ///
    /// # Errors
    /// As [`decide`](Self::decide).
    pub fn execute(&mut self, actor: Person, at: i64, cmd: &Cmd) -> Result<Ev, Refused> {
        let ev = self.decide(actor, at, cmd)?;
        self.apply(&ev)?;
        Ok(ev)
    }

    /// Rebuilds a deal from its events.
    ///
    /// # Errors
    /// As [`apply`](Self::apply).
    pub fn replay(events: &[Ev]) -> Result<Self, Refused> {
        let mut deal = Self::new();
        for ev in events {
            deal.apply(ev)?;
        }
        Ok(deal)
    }
}

fn verdict(m: &Meeting) -> Option<Outcome> {
    let votes = m.votes.get(..usize::from(m.seats))?;
    let n = votes.len();
    let count = |v: Vote| votes.iter().filter(|x| **x == Some(v)).count();
    let (a, rw, rj) = (
        count(Vote::Approve),
        count(Vote::Rework),
        count(Vote::Reject),
    );
    let pending = n - a - rw - rj;
    let (passed, impossible) = match m.gate {
        Gate::Opportunity | Gate::Solution | Gate::Change => (2 * a > n, 2 * (a + pending) <= n),
        Gate::Bid => (a >= 2, a + pending < 2),
        Gate::Contract => (a == n, rw + rj > 0),
        Gate::Closure => {
            let chair = m.chair?;
            let i = m.panel.iter().position(|s| s.0 == chair)?;
            return match votes.get(i).copied().flatten()? {
                Vote::Approve => Some(Outcome::Approved),
                Vote::Rework => Some(Outcome::Rework),
                Vote::Reject => Some(Outcome::Rejected),
            };
        }
    };
    if passed {
        Some(Outcome::Approved)
    } else if impossible {
        Some(if rj > rw {
            Outcome::Rejected
        } else {
            Outcome::Rework
        })
    } else {
        None
    }
}

/// Interns the engine's string ids to the floor's integers, and translates commands.
#[derive(Debug, Default)]
pub struct Translator {
    names: HashMap<String, u32>,
}

impl Translator {
    fn key(&mut self, name: &str) -> u32 {
        let next = self.names.len() as u32;
        *self.names.entry(name.to_owned()).or_insert(next)
    }

    fn cash(money: &Money) -> Cash {
        let mut currency = [0u8; 3];
        currency.copy_from_slice(
            money
                .currency
                .as_str()
                .as_bytes()
                .get(..3)
                .unwrap_or(b"???"),
        );
        Cash {
            amount: money.amount,
            currency,
        }
    }

    fn role(role: &Role) -> u8 {
        match role.as_str() {
            "AR" => 0,
            "SR" => 1,
            "FR" => 2,
            _ => u8::MAX,
        }
    }

    fn gate(gate: GateKind) -> Gate {
        match gate {
            GateKind::OpportunityApproval => Gate::Opportunity,
            GateKind::SolutionReview => Gate::Solution,
            GateKind::BidDecision => Gate::Bid,
            GateKind::ContractDecision => Gate::Contract,
            GateKind::ChangeDecision => Gate::Change,
            GateKind::ClosureDecision => Gate::Closure,
        }
    }

    /// The floor's version of one timed engine command: (actor, seconds, command).
    ///
    /// # Errors
    /// [`Refused`] for a command the floor does not model.
    pub fn step(
        &mut self,
        process: &Process,
        actor: &str,
        at: DateTime<Utc>,
        command: &Command,
    ) -> Result<(Person, i64, Cmd), Refused> {
        let cmd = match command {
            Command::CaptureLead { estimate, .. } => Cmd::Capture {
                estimate: estimate.as_ref().map(Self::cash),
            },
            Command::GradeLead { scores } => {
                let score = |k: &str| scores.get(k).copied().unwrap_or(u32::MAX);
                Cmd::Grade {
                    scores: [score("budget"), score("decision_chain"), score("urgency")],
                }
            }
            Command::QualifyLead {} => Cmd::Qualify,
            Command::AddMember { person, role, .. } => Cmd::AddMember {
                person: self.key(person.as_str()),
                role: Self::role(role),
            },
            Command::RemoveMember { person, role, .. } => Cmd::RemoveMember {
                person: self.key(person.as_str()),
                role: Self::role(role),
            },
            Command::ConveneGate {
                gate,
                panel,
                chair,
                materials,
            } => {
                let mut seats = [(0, 0); 3];
                for (slot, seat) in seats.iter_mut().zip(panel.iter()) {
                    let level = match seat.level.as_str() {
                        "manager" => 0,
                        "director" => 1,
                        "executive" => 2,
                        _ => return Err(Refused),
                    };
                    *slot = (self.key(seat.person.as_str()), level);
                }
                let required = process
                    .policy(*gate)
                    .map(|p| p.materials.clone())
                    .unwrap_or_default();
                let mask = required
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| materials.contains(m))
                    .fold(0u8, |acc, (i, _)| acc | (1 << i));
                Cmd::Convene {
                    gate: Self::gate(*gate),
                    panel: seats,
                    seats: u8::try_from(panel.len().min(3)).unwrap_or(3),
                    chair: chair.as_ref().map(|c| self.key(c.as_str())),
                    materials: mask,
                }
            }
            Command::CastVote { vote, .. } => Cmd::Vote {
                vote: match vote {
                    ltc_pipeline::Vote::Approve => Vote::Approve,
                    ltc_pipeline::Vote::Rework => Vote::Rework,
                    ltc_pipeline::Vote::Reject => Vote::Reject,
                },
            },
            Command::RecordDecision { conditions, .. } => Cmd::Decide {
                condition: conditions.first().map(|c| self.key(c.id.as_str())),
            },
            Command::CloseCondition { id, .. } => Cmd::CloseCondition {
                id: self.key(id.as_str()),
            },
            Command::RequestContractDecision { terms } => Cmd::RequestContract {
                terms: Self::cash(terms),
            },
            Command::AddMilestone { id, .. } => Cmd::AddMilestone {
                id: self.key(id.as_str()),
            },
            Command::DeliverMilestone { id } => Cmd::Deliver {
                id: self.key(id.as_str()),
            },
            Command::AcceptMilestone { id } => Cmd::Accept {
                id: self.key(id.as_str()),
            },
            Command::IssueInvoice { id, amount, .. } => Cmd::Invoice {
                id: self.key(id.as_str()),
                amount: Self::cash(amount),
            },
            Command::RecordPayment {
                id,
                invoice,
                amount,
            } => Cmd::Pay {
                id: self.key(id.as_str()),
                invoice: self.key(invoice.as_str()),
                amount: Self::cash(amount),
            },
            Command::Lose { .. } => Cmd::Lose,
            _ => return Err(Refused),
        };
        Ok((self.key(actor), at.timestamp(), cmd))
    }
}

/// The floor's version of a whole script.
///
/// # Errors
/// [`Refused`] for a command the floor does not model.
pub fn translate(process: &Process, steps: &[Step]) -> Result<Vec<(Person, i64, Cmd)>, Refused> {
    let mut t = Translator::default();
    steps
        .iter()
        .map(|s| t.step(process, s.actor.as_str(), s.at, &s.command))
        .collect()
}

/// Runs a translated script on a fresh deal: the deal and its events.
///
/// # Errors
/// The first refusal.
pub fn run(script: &[(Person, i64, Cmd)]) -> Result<(FloorDeal, Vec<Ev>), Refused> {
    let mut deal = FloorDeal::new();
    let mut events = Vec::with_capacity(script.len());
    for (actor, at, cmd) in script {
        events.push(deal.execute(*actor, *at, cmd)?);
    }
    Ok((deal, events))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::fixtures::script;

    #[test]
    fn the_floor_takes_the_script_to_cash() {
        let process = Process::standard();
        let script = translate(&process, &script()).unwrap();
        let (deal, events) = run(&script).unwrap();
        assert_eq!(deal.stage(), Stage::Won);
        assert_eq!(events.len(), script.len());
        assert_eq!(FloorDeal::replay(&events).unwrap(), deal);
    }

    #[test]
    fn the_floor_makes_the_same_money_checks() {
        let process = Process::standard();
        let steps = script();
        let script = translate(&process, &steps).unwrap();
        // Run up to the first payment, then try to pay more than the invoice.
        let first_pay = script
            .iter()
            .position(|(_, _, c)| matches!(c, Cmd::Pay { .. }))
            .unwrap();
        let (mut deal, _) = run(&script[..first_pay]).unwrap();
        let (
            actor,
            at,
            Cmd::Pay {
                id,
                invoice,
                amount,
            },
        ) = script[first_pay]
        else {
            unreachable!()
        };
        let too_much = Cash {
            amount: amount.amount * Decimal::from(3),
            ..amount
        };
        let over = Cmd::Pay {
            id,
            invoice,
            amount: too_much,
        };
        assert_eq!(deal.decide(actor, at, &over), Err(Refused));
        let usd = Cmd::Pay {
            id,
            invoice,
            amount: Cash {
                currency: *b"USD",
                ..amount
            },
        };
        assert_eq!(deal.decide(actor, at, &usd), Err(Refused));
        let before = script[first_pay - 1].1 - 1;
        assert_eq!(
            deal.decide(actor, before, &script[first_pay].2),
            Err(Refused)
        );
        assert!(deal.execute(actor, at, &script[first_pay].2).is_ok());
        // Closure is refused until everything is paid.
        let closure = script
            .iter()
            .rev()
            .find(|(_, _, c)| {
                matches!(
                    c,
                    Cmd::Convene {
                        gate: Gate::Closure,
                        ..
                    }
                )
            })
            .unwrap();
        assert_eq!(deal.decide(closure.0, closure.1, &closure.2), Err(Refused));
    }
}
