//! `decide`: the pure function that turns a command into events or a refusal.

use crate::command::CommandRef;
use crate::deal::{Execution, Grade, SolutionPassage, Stage, Temperature};
use crate::{
    CashKind, Change, Command, Contract, Deal, DecisionRule, EndKind, Envelope, Error, Event, Fact,
    GateKind, GatePolicy, Meeting, Money, Outcome, PersonId, Phase, Process, Seat, StageKind, Vote,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

mod contract;
mod gate;
mod lead;
pub(crate) mod migration;
mod team;

/// Decides a command against a deal: the events it produces, or why it is refused.
///
/// Pure: it reads the deal, the process, the command, the actor and the time given, and nothing
/// else. A refusal leaves the deal as it was (the deal is only read). Apply the events with
/// [`Deal::apply`], or use [`Deal::execute`] for both steps.
///
/// # Errors
/// One [`Error`] variant per rule broken; see the error codes in `docs/pipeline.md`.
///
/// # Examples
/// ```
/// use ltc_pipeline::{decide, Command, Deal, DealId, Process};
/// use chrono::{TimeZone, Utc};
/// let deal = Deal::new(DealId::new("D-1"));
/// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let err = decide(&deal, &Process::standard(), &Command::QualifyLead {}, &"ana".into(), at).unwrap_err();
/// assert_eq!(err.code(), "not_opened");
/// ```
pub fn decide(
    deal: &Deal,
    process: &Process,
    command: &Command,
    actor: &PersonId,
    at: DateTime<Utc>,
) -> Result<Vec<Event>, Error> {
    let view = command.view();
    let decided = judge(deal, process, view, actor, at)?;
    Ok(vec![Event {
        deal: deal.id.clone(),
        version: match deal.version.checked_add(1) {
            Some(next) => next,
            None => return Err(Error::Overflow),
        },
        at,
        actor: actor.clone(),
        change: decided.record(view, actor, process),
    }])
}

/// Decides a command (a borrowed view) against a deal: what the rules add to it to record it,
/// or why it is refused. Shared by [`decide`] and replay, which compares the result with the
/// stored change instead of building a change of its own.
pub(crate) fn judge<'a>(
    deal: &'a Deal,
    process: &'a Process,
    command: CommandRef<'_>,
    actor: &'a PersonId,
    at: DateTime<Utc>,
) -> Result<Decided<'a>, Error> {
    if let Some(current) = &deal.process {
        let version = crate::deal::version_for(current, command);
        let given = process.reference();
        if given.version != version || given.name != current.name {
            return Err(Error::ProcessMismatch {
                expected: current.at(version),
                given: given.clone(),
            });
        }
    }
    if let Some(last) = deal.last_event_at {
        if at < last {
            return Err(Error::TimeWentBackwards { at, last });
        }
    }
    // RFC 3339, the stored format's timestamps, writes the years 0000 to 9999 only.
    if !(1..=9999).contains(&chrono::Datelike::year(&at)) {
        return Err(Error::InstantOutOfRange { at });
    }
    if deal.version.checked_add(1).is_none() {
        return Err(Error::Overflow);
    }
    Decider {
        deal,
        process,
        actor,
        at,
    }
    .decide(command)
}

/// What the rules add to a command to record it: the parts of its change the command does not
/// carry (the process a lead is opened under, a grade's total, the seat a vote counts for, the
/// outcome the votes draw, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decided<'a> {
    /// The change carries the command's fields and nothing else (for `delegate_vote`, the seat
    /// is the actor's).
    AsCommanded,
    /// `lead_captured`, under the process decided with.
    Captured,
    /// `lead_graded`: the weighted total and its temperature.
    Graded {
        total: u64,
        temperature: Temperature,
    },
    /// `vote_cast` for this seat (the actor's own, or the one they substitute for).
    Cast { seat: &'a PersonId },
    /// `gate_withdrawn`: the convened gate.
    Withdrawn { gate: GateKind },
    /// `gate_decided`: the convened gate and the outcome its votes draw.
    Drawn { gate: GateKind, outcome: Outcome },
    /// `solution_review_skipped`: the deal's amount and the threshold it is below.
    Skipped { amount: Decimal, below: Decimal },
    /// `process_migrated` from this version (to the command's).
    Migrated { from: u32 },
}

impl Decided<'_> {
    /// The change that records `command` as decided.
    pub(crate) fn record(
        self,
        command: CommandRef<'_>,
        actor: &PersonId,
        process: &Process,
    ) -> Change {
        match (self, command) {
            (
                Decided::Captured,
                CommandRef::CaptureLead {
                    customer,
                    source,
                    estimate,
                },
            ) => Change::LeadCaptured {
                process: process.reference().clone(),
                customer: customer.clone(),
                source: source.clone(),
                estimate: *estimate,
            },
            (Decided::Graded { total, temperature }, CommandRef::GradeLead { scores }) => {
                Change::LeadGraded {
                    grade: Grade {
                        scores: scores.clone(),
                        total,
                        temperature,
                    },
                }
            }
            (Decided::Cast { seat }, CommandRef::CastVote { vote, comment }) => Change::VoteCast {
                seat: seat.clone(),
                vote: *vote,
                comment: comment.clone(),
            },
            (Decided::Withdrawn { gate }, CommandRef::WithdrawGate { reason }) => {
                Change::GateWithdrawn {
                    gate,
                    reason: reason.clone(),
                }
            }
            (
                Decided::Drawn { gate, outcome },
                CommandRef::RecordDecision {
                    minutes,
                    conditions,
                },
            ) => Change::GateDecided {
                gate,
                outcome,
                minutes: minutes.clone(),
                conditions: conditions.clone(),
            },
            (Decided::Skipped { amount, below }, _) => {
                Change::SolutionReviewSkipped { amount, below }
            }
            (Decided::Migrated { from }, CommandRef::MigrateProcess { version }) => {
                Change::ProcessMigrated { from, to: *version }
            }
            (_, command) => as_commanded(command, actor),
        }
    }

    /// Whether `stored` records `command` (the view taken from it) exactly as decided: the
    /// command's own fields are the stored change's by construction, so only what the rules add
    /// is compared.
    pub(crate) fn agrees(self, stored: &Change, actor: &PersonId, process: &Process) -> bool {
        match (self, stored) {
            (Decided::AsCommanded, Change::VoteDelegated { seat, .. }) => seat == actor,
            (Decided::AsCommanded, change) => !matches!(
                change,
                Change::LeadCaptured { .. }
                    | Change::LeadGraded { .. }
                    | Change::VoteCast { .. }
                    | Change::GateWithdrawn { .. }
                    | Change::GateDecided { .. }
                    | Change::SolutionReviewSkipped { .. }
                    | Change::ProcessMigrated { .. }
            ),
            (Decided::Captured, Change::LeadCaptured { process: p, .. }) => {
                p == process.reference()
            }
            (Decided::Graded { total, temperature }, Change::LeadGraded { grade }) => {
                grade.total == total && grade.temperature == temperature
            }
            (Decided::Cast { seat }, Change::VoteCast { seat: stored, .. }) => seat == stored,
            (Decided::Withdrawn { gate }, Change::GateWithdrawn { gate: stored, .. }) => {
                gate == *stored
            }
            (
                Decided::Drawn { gate, outcome },
                Change::GateDecided {
                    gate: g,
                    outcome: o,
                    ..
                },
            ) => gate == *g && outcome == *o,
            (
                Decided::Skipped { amount, below },
                Change::SolutionReviewSkipped {
                    amount: a,
                    below: b,
                },
            ) => amount == *a && below == *b,
            (Decided::Migrated { from }, Change::ProcessMigrated { from: f, .. }) => from == *f,
            _ => false,
        }
    }
}

/// The change of a command the rules add nothing to.
fn as_commanded(command: CommandRef<'_>, actor: &PersonId) -> Change {
    match command {
        CommandRef::QualifyLead {} => Change::LeadQualified {},
        CommandRef::Disqualify { reason } => ended(EndKind::Disqualified, reason),
        CommandRef::Lose { reason } => ended(EndKind::Lost, reason),
        CommandRef::Withdraw { reason } => ended(EndKind::Withdrawn, reason),
        CommandRef::ForceClose { recommendation } => ended(EndKind::ForceClosed, recommendation),
        CommandRef::SetEstimate { value } => Change::EstimateSet { value: *value },
        CommandRef::AddMember {
            person,
            role,
            involvement,
        } => Change::MemberJoined {
            person: person.clone(),
            role: role.clone(),
            involvement: *involvement,
        },
        CommandRef::RemoveMember {
            person,
            role,
            closure_recommendation,
        } => Change::MemberLeft {
            person: person.clone(),
            role: role.clone(),
            closure_recommendation: closure_recommendation.clone(),
        },
        CommandRef::ConveneGate {
            gate,
            panel,
            chair,
            materials,
        } => Change::GateConvened {
            gate: *gate,
            panel: panel.clone(),
            chair: chair.clone(),
            materials: materials.clone(),
        },
        CommandRef::DelegateVote { substitute } => Change::VoteDelegated {
            seat: actor.clone(),
            substitute: substitute.clone(),
        },
        CommandRef::CloseCondition { id, note } => Change::ConditionClosed {
            id: id.clone(),
            note: note.clone(),
        },
        CommandRef::RequestContractDecision { terms } => {
            Change::ContractDecisionRequested { terms: *terms }
        }
        CommandRef::AddMilestone { id, title } => Change::MilestoneAdded {
            id: id.clone(),
            title: title.clone(),
        },
        CommandRef::DeliverMilestone { id } => Change::MilestoneDelivered { id: id.clone() },
        CommandRef::AcceptMilestone { id } => Change::MilestoneAccepted { id: id.clone() },
        CommandRef::IssueInvoice { id, amount, due } => Change::InvoiceIssued {
            id: id.clone(),
            amount: *amount,
            due: *due,
        },
        CommandRef::RecordPayment {
            id,
            invoice,
            amount,
        } => Change::PaymentReceived {
            id: id.clone(),
            invoice: invoice.clone(),
            amount: *amount,
        },
        CommandRef::Refund {
            id,
            invoice,
            amount,
        } => Change::RefundIssued {
            id: id.clone(),
            invoice: invoice.clone(),
            amount: *amount,
        },
        CommandRef::ReverseCash { id } => Change::CashReversed { id: id.clone() },
        CommandRef::ProposeAmendment { new_value, reason } => Change::AmendmentProposed {
            new_value: *new_value,
            reason: reason.clone(),
        },
        // The rules add to these; `record` builds them. A mismatch of command and decision is
        // never produced by `judge`; recorded as a qualification would be refused on replay.
        CommandRef::CaptureLead { .. }
        | CommandRef::GradeLead { .. }
        | CommandRef::CastVote { .. }
        | CommandRef::WithdrawGate { .. }
        | CommandRef::RecordDecision { .. }
        | CommandRef::SkipSolutionReview {}
        | CommandRef::MigrateProcess { .. } => Change::LeadQualified {},
    }
}

fn ended(kind: EndKind, reason: &crate::Text) -> Change {
    Change::Ended {
        kind,
        reason: reason.clone(),
    }
}

impl Envelope {
    /// Checks the expected version (if any), then [`decide`]s.
    ///
    /// # Errors
    /// [`Error::VersionConflict`] when the deal is at another version; otherwise as [`decide`].
    pub fn decide(&self, deal: &Deal, process: &Process) -> Result<Vec<Event>, Error> {
        self.check_version(deal)?;
        decide(deal, process, &self.command, &self.actor, self.at)
    }

    /// Checks the expected version (if any), decides, and applies the events to `deal`: the deal
    /// moves on, or is left as it was.
    ///
    /// # Errors
    /// As [`Envelope::decide`].
    ///
    /// # Examples
    /// ```
    /// use ltc_pipeline::{Command, Deal, DealId, Envelope, Process, TimeZone, Utc};
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let capture = Command::capture_lead("ACME", "web", None);
    /// let envelope = Envelope::new("ops", at, capture).expecting(0);
    /// let events = envelope.execute(&mut deal, &Process::standard())?;
    /// assert_eq!((events.len(), deal.version()), (1, 1));
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn execute(&self, deal: &mut Deal, process: &Process) -> Result<Vec<Event>, Error> {
        self.check_version(deal)?;
        deal.execute(process, &self.command, &self.actor, self.at)
    }

    fn check_version(&self, deal: &Deal) -> Result<(), Error> {
        match self.expected_version {
            Some(expected) if expected != deal.version => Err(Error::VersionConflict {
                expected,
                actual: deal.version,
            }),
            _ => Ok(()),
        }
    }
}

impl Deal {
    /// Decides a command and applies its events: the deal moves on, or is left as it was.
    ///
    /// # Errors
    /// As [`decide`].
    ///
    /// # Examples
    /// ```
    /// use ltc_pipeline::{Command, Deal, DealId, Process};
    /// use chrono::{TimeZone, Utc};
    /// let process = Process::standard();
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let qualify = deal.execute(&process, &Command::QualifyLead {}, &"ana".into(), at);
    /// assert!(qualify.is_err());
    /// assert_eq!(deal, Deal::new(DealId::new("D-1")));
    /// ```
    pub fn execute(
        &mut self,
        process: &Process,
        command: &Command,
        actor: &PersonId,
        at: DateTime<Utc>,
    ) -> Result<Vec<Event>, Error> {
        let events = decide(self, process, command, actor, at)?;
        // The events were just decided on this state, so they are folded in without deciding
        // them again; each command yields one event, and the fold checks before it mutates.
        for event in &events {
            self.fold(process, event)?;
        }
        Ok(events)
    }
}

pub(crate) struct Decider<'a> {
    pub(crate) deal: &'a Deal,
    pub(crate) process: &'a Process,
    pub(crate) actor: &'a PersonId,
    pub(crate) at: DateTime<Utc>,
}

/// An identifier: not blank (`empty_text`), and no control characters (nor Unicode line
/// separators) and no space around it (`invalid_id`).
pub(crate) fn identifier(value: &str, field: &'static str) -> Result<(), Error> {
    let bytes = value.as_bytes();
    // Most ids are printable ASCII that starts and ends visibly: one pass over the bytes.
    let plain = bytes.first().is_some_and(u8::is_ascii_graphic)
        && bytes.last().is_some_and(u8::is_ascii_graphic)
        && bytes.iter().all(|b| (0x20..0x7f).contains(b));
    if !plain && value.trim().is_empty() {
        return Err(Error::EmptyText { field });
    }
    if plain
        || (value.trim() == value
            && !value
                .chars()
                .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')))
    {
        Ok(())
    } else {
        Err(Error::InvalidId {
            field,
            value: value.to_owned(),
        })
    }
}

fn text(value: &str, field: &'static str) -> Result<(), Error> {
    // Most text starts with a visible ASCII character: no need to trim it.
    let visible = value.as_bytes().first().is_some_and(u8::is_ascii_graphic);
    if !visible && value.trim().is_empty() {
        Err(Error::EmptyText { field })
    } else {
        Ok(())
    }
}

impl<'a> Decider<'a> {
    fn stage_kind(&self) -> Result<StageKind, Error> {
        match self.deal.stage.kind() {
            Some(kind) => Ok(kind),
            None => Err(Error::NotOpened),
        }
    }

    fn wrong_stage(&self, command: CommandRef<'_>) -> Error {
        match self.deal.stage.kind() {
            Some(stage) => Error::WrongStage {
                command: command.name(),
                stage,
            },
            None => Error::NotOpened,
        }
    }

    /// The deal's amount and the process's skip threshold, when the amount is below it: the
    /// deal may skip the solution review.
    pub(crate) fn small_enough_to_skip(
        &self,
        command: &'static str,
    ) -> Result<(Decimal, Decimal), Error> {
        let Some(amount) = self.deal.amount() else {
            return Err(Error::AmountUnknown { command });
        };
        match self.process.definition().skip_solution_review_below {
            Some(below) if amount < below => Ok((amount, below)),
            below => Err(Error::SkipNotAllowed { amount, below }),
        }
    }

    pub(crate) fn money(&self, money: &Money) -> Result<(), Error> {
        crate::money::check(self.process, self.deal.currency, money)
    }

    /// Refuses a command that would change `fact` while a convened gate locks it.
    fn unlocked(&self, fact: Fact) -> Result<(), Error> {
        match &self.deal.meeting {
            Some(m) if m.gate.locks().contains(&fact) => {
                Err(Error::GateLocked { gate: m.gate, fact })
            }
            _ => Ok(()),
        }
    }

    /// The fact a command would change, if a gate can lock it. Removing a member changes the
    /// staffing only when they are the last current holder of a role the convened gate requires.
    fn fact_changed(&self, command: CommandRef<'_>) -> Option<Fact> {
        match command {
            CommandRef::SetEstimate { .. } => Some(Fact::Estimate),
            CommandRef::RequestContractDecision { .. } => Some(Fact::Terms),
            CommandRef::ProposeAmendment { .. } => Some(Fact::Amendment),
            CommandRef::AddMilestone { .. }
            | CommandRef::DeliverMilestone { .. }
            | CommandRef::AcceptMilestone { .. }
            | CommandRef::IssueInvoice { .. }
            | CommandRef::RecordPayment { .. }
            | CommandRef::Refund { .. }
            | CommandRef::ReverseCash { .. } => Some(Fact::Execution),
            CommandRef::RemoveMember { person, role, .. } => {
                let meeting = self.deal.meeting.as_ref()?;
                let required = meeting.policy.required_roles.contains(role);
                let team = &self.deal.team;
                let last = team.holders(role) == 0
                    || (team.holders(role) == 1 && team.current_stint(person, role).is_some());
                (required && last).then_some(Fact::Staffing)
            }
            _ => None,
        }
    }

    /// The amount a gate's authority is judged on (the one `Deal::gate_needs` shows).
    fn amount_at_stake(&self, gate: GateKind) -> Option<rust_decimal::Decimal> {
        self.deal.amount_at_stake(gate)
    }

    fn contract(&self, command: CommandRef<'_>) -> Result<&Contract, Error> {
        self.execution(command).map(|e| &e.contract)
    }

    fn execution(&self, command: CommandRef<'_>) -> Result<&Execution, Error> {
        self.deal
            .execution_ref()
            .ok_or_else(|| self.wrong_stage(command))
    }

    fn policy(&self, gate: GateKind) -> Result<&GatePolicy, Error> {
        match self.process.policy(gate) {
            Some(policy) => Ok(policy),
            None => Err(Error::GateNotConfigured { gate }),
        }
    }

    fn level(&self, level: &str, path: &str) -> Result<usize, Error> {
        self.process
            .level_rank(level)
            .ok_or_else(|| Error::UnknownLevel {
                level: level.to_owned(),
                path: path.to_owned(),
            })
    }

    fn meeting(&self) -> Result<&'a Meeting, Error> {
        match &self.deal.meeting {
            Some(meeting) => Ok(meeting),
            None => Err(Error::NoMeeting),
        }
    }

    fn four_eyes(&self, policy: &GatePolicy, person: &PersonId) -> Result<(), Error> {
        if policy.four_eyes && self.deal.team.has_member(person) {
            Err(Error::FourEyes {
                gate: policy.gate,
                person: person.clone(),
            })
        } else {
            Ok(())
        }
    }

    pub(crate) fn decide(&self, command: CommandRef<'_>) -> Result<Decided<'a>, Error> {
        if let Stage::Ended(ending) = &self.deal.stage {
            return Err(Error::DealEnded { end: ending.kind });
        }
        identifier(self.actor.as_str(), "actor")?;
        if let CommandRef::MigrateProcess { version } = command {
            return self.migrate(*version);
        }
        if let CommandRef::CaptureLead {
            customer,
            source,
            estimate,
        } = command
        {
            if !matches!(self.deal.stage, Stage::Unopened) {
                return Err(Error::AlreadyOpened);
            }
            identifier(self.deal.id.as_str(), "deal")?;
            text(customer, "customer")?;
            text(source, "source")?;
            if let Some(e) = estimate {
                crate::money::check(self.process, None, e)?;
            }
            return Ok(Decided::Captured);
        }
        let stage = self.stage_kind()?;
        if let Some(fact) = self.fact_changed(command) {
            self.unlocked(fact)?;
        }
        match command {
            CommandRef::CaptureLead { .. } => Err(Error::AlreadyOpened),
            CommandRef::MigrateProcess { version } => self.migrate(*version),
            CommandRef::GradeLead { .. }
            | CommandRef::QualifyLead {}
            | CommandRef::Disqualify { .. }
            | CommandRef::Lose { .. }
            | CommandRef::Withdraw { .. }
            | CommandRef::SetEstimate { .. } => self.lead(command, stage),
            CommandRef::AddMember { .. } | CommandRef::RemoveMember { .. } => self.team(command),
            CommandRef::ConveneGate { .. }
            | CommandRef::DelegateVote { .. }
            | CommandRef::CastVote { .. }
            | CommandRef::WithdrawGate { .. }
            | CommandRef::RecordDecision { .. }
            | CommandRef::CloseCondition { .. }
            | CommandRef::SkipSolutionReview {}
            | CommandRef::RequestContractDecision { .. } => self.gate(command, stage),
            CommandRef::AddMilestone { .. }
            | CommandRef::DeliverMilestone { .. }
            | CommandRef::AcceptMilestone { .. }
            | CommandRef::IssueInvoice { .. }
            | CommandRef::RecordPayment { .. }
            | CommandRef::Refund { .. }
            | CommandRef::ReverseCash { .. }
            | CommandRef::ProposeAmendment { .. }
            | CommandRef::ForceClose { .. } => self.contract_rules(command, stage),
        }
    }
}
