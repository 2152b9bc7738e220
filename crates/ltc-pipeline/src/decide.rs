//! `decide`: the pure function that turns a command into events or a refusal.

use crate::command::CommandRef;
use crate::deal::{Execution, Grade, SolutionPassage, Stage, Temperature};
use crate::{
    CashKind, Change, Command, Contract, Deal, DecisionRule, EndKind, Envelope, Error, Event, Fact,
    GateKind, GatePolicy, Meeting, Money, Outcome, PersonId, Phase, Process, Seat, StageKind, Vote,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

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
        version: deal.version.checked_add(1).ok_or(Error::Overflow)?,
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

fn ended(kind: EndKind, reason: &str) -> Change {
    Change::Ended {
        kind,
        reason: reason.to_owned(),
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
    /// use ltc_pipeline::{Command, Deal, DealId, Envelope, Process};
    /// use chrono::{TimeZone, Utc};
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// let envelope = Envelope {
    ///     actor: "ops".into(),
    ///     at: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ///     expected_version: Some(0),
    ///     command: Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None },
    /// };
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
        let amount = self.deal.amount().ok_or(Error::AmountUnknown { command })?;
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

    /// The amount a gate's authority is judged on: for the change decision the larger of the
    /// contract value and the proposed one, otherwise the deal's amount.
    fn amount_at_stake(&self, gate: GateKind) -> Option<rust_decimal::Decimal> {
        let amount = self.deal.amount();
        if gate != GateKind::ChangeDecision {
            return amount;
        }
        let proposed = self
            .deal
            .contract()
            .and_then(|c| c.proposed_amendment.as_ref())
            .map(|p| p.new_value);
        match (amount, proposed) {
            (Some(a), Some(p)) => Some(a.max(p)),
            (a, p) => a.or(p),
        }
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
        self.process
            .policy(gate)
            .ok_or(Error::GateNotConfigured { gate })
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
        self.deal.meeting.as_ref().ok_or(Error::NoMeeting)
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
        let phase = stage.phase();
        if let Some(fact) = self.fact_changed(command) {
            self.unlocked(fact)?;
        }
        match command {
            CommandRef::CaptureLead { .. } => Err(Error::AlreadyOpened),
            CommandRef::MigrateProcess { version } => self.migrate(*version),
            CommandRef::GradeLead { scores } => {
                if phase != Phase::Lead {
                    return Err(self.wrong_stage(command));
                }
                let (total, temperature) = self.grading(scores)?;
                Ok(Decided::Graded { total, temperature })
            }
            CommandRef::QualifyLead {} => match stage {
                StageKind::Graded => Ok(Decided::AsCommanded),
                _ => Err(self.wrong_stage(command)),
            },
            CommandRef::Disqualify { reason }
            | CommandRef::Lose { reason }
            | CommandRef::Withdraw { reason } => {
                let kind = match command {
                    CommandRef::Disqualify { .. } => EndKind::Disqualified,
                    CommandRef::Lose { .. } => EndKind::Lost,
                    _ => EndKind::Withdrawn,
                };
                if !kind.ends_by_command_from(phase) {
                    return Err(self.wrong_stage(command));
                }
                text(reason, "reason")?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::SetEstimate { value } => {
                if !(phase == Phase::Lead || stage < StageKind::AwaitingContractDecision) {
                    return Err(self.wrong_stage(command));
                }
                self.money(value)?;
                // A deal that skipped the solution review as small stays small until its bid.
                if let Stage::Bid {
                    solution: SolutionPassage::Skipped { below, .. },
                    ..
                } = &self.deal.stage
                {
                    if value.amount >= *below {
                        return Err(Error::SkipNotAllowed {
                            amount: value.amount,
                            below: Some(*below),
                        });
                    }
                }
                Ok(Decided::AsCommanded)
            }
            CommandRef::AddMember {
                person,
                role,
                involvement,
            } => {
                if !self.process.has_role(role) {
                    return Err(Error::UnknownRole {
                        role: role.clone(),
                        path: "add_member.role".to_owned(),
                    });
                }
                if *involvement <= Decimal::ZERO || *involvement > Decimal::ONE {
                    return Err(Error::InvalidInvolvement {
                        involvement: *involvement,
                    });
                }
                identifier(person.as_str(), "person")?;
                if self.deal.team.current_stint(person, role).is_some() {
                    return Err(Error::AlreadyOnTeam {
                        person: person.clone(),
                        role: role.clone(),
                    });
                }
                // Four-eyes: a reviewer of the convened gate cannot join the team it judges.
                if let Some(meeting) = &self.deal.meeting {
                    if meeting.involves(person) && meeting.policy.four_eyes {
                        return Err(Error::FourEyes {
                            gate: meeting.gate,
                            person: person.clone(),
                        });
                    }
                }
                Ok(Decided::AsCommanded)
            }
            CommandRef::RemoveMember {
                person,
                role,
                closure_recommendation,
            } => {
                if self.deal.team.current_stint(person, role).is_none() {
                    return Err(Error::NotOnTeam {
                        person: person.clone(),
                        role: role.clone(),
                    });
                }
                if let Some(r) = closure_recommendation {
                    text(r, "closure_recommendation")?;
                }
                Ok(Decided::AsCommanded)
            }
            CommandRef::ConveneGate {
                gate,
                panel,
                chair,
                materials,
            } => self.convene(stage, *gate, panel, chair.as_ref(), materials),
            CommandRef::DelegateVote { substitute } => {
                let meeting = self.meeting()?;
                let policy = &meeting.policy;
                let Some(seat) = meeting.panel.iter().find(|s| &s.person == self.actor) else {
                    return Err(Error::NotOnPanel {
                        gate: meeting.gate,
                        person: self.actor.clone(),
                    });
                };
                if policy.panel.named.contains(self.actor) {
                    return Err(Error::NamedSeat {
                        gate: meeting.gate,
                        person: self.actor.clone(),
                    });
                }
                identifier(substitute.person.as_str(), "substitute.person")?;
                if meeting.substitutes.contains_key(self.actor) {
                    return Err(Error::AlreadyDone {
                        kind: "seat",
                        id: self.actor.to_string(),
                        state: "delegated",
                    });
                }
                if meeting.ballot(self.actor).is_some() {
                    return Err(Error::AlreadyVoted {
                        gate: meeting.gate,
                        seat: self.actor.clone(),
                    });
                }
                Self::open_for_votes(meeting, policy)?;
                let seat_rank = self.level(&seat.level, "panel")?;
                let sub_rank = self.level(&substitute.level, "delegate_vote.substitute.level")?;
                if sub_rank < seat_rank {
                    return Err(Error::SubstituteLevelTooLow {
                        seat_level: seat.level.clone(),
                        substitute_level: substitute.level.clone(),
                    });
                }
                if meeting.involves(&substitute.person) {
                    return Err(Error::DuplicateSeat {
                        person: substitute.person.clone(),
                    });
                }
                self.four_eyes(policy, &substitute.person)?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::CastVote { .. } => {
                let meeting = self.meeting()?;
                let Some(seat) = meeting.seat_for(self.actor) else {
                    return Err(Error::NotOnPanel {
                        gate: meeting.gate,
                        person: self.actor.clone(),
                    });
                };
                if meeting.ballot(seat).is_some() {
                    return Err(Error::AlreadyVoted {
                        gate: meeting.gate,
                        seat: seat.clone(),
                    });
                }
                let policy = &meeting.policy;
                Self::open_for_votes(meeting, policy)?;
                self.four_eyes(policy, self.actor)?;
                Ok(Decided::Cast { seat })
            }
            CommandRef::WithdrawGate { reason } => {
                let meeting = self.meeting()?;
                self.convener(meeting)?;
                text(reason, "reason")?;
                // A verdict the rule has reached is recorded, not thrown away for another panel.
                if let Some(verdict) = meeting.verdict(&meeting.policy.rule) {
                    return Err(Error::VerdictReached {
                        gate: meeting.gate,
                        verdict,
                    });
                }
                Ok(Decided::Withdrawn { gate: meeting.gate })
            }
            CommandRef::RecordDecision {
                minutes,
                conditions,
            } => self.record_decision(minutes, conditions),
            CommandRef::CloseCondition { id, note } => {
                let Some(condition) = self.deal.conditions.get(id) else {
                    return Err(Error::UnknownId {
                        kind: "condition",
                        id: id.to_string(),
                    });
                };
                if condition.closed.is_some() {
                    return Err(Error::AlreadyDone {
                        kind: "condition",
                        id: id.to_string(),
                        state: "closed",
                    });
                }
                text(note, "note")?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::SkipSolutionReview {} => {
                if stage != StageKind::SolutionWork {
                    return Err(self.wrong_stage(command));
                }
                if let Some(m) = &self.deal.meeting {
                    return Err(Error::MeetingOpen { gate: m.gate });
                }
                let (amount, below) = self.small_enough_to_skip(command.name())?;
                Ok(Decided::Skipped { amount, below })
            }
            CommandRef::RequestContractDecision { terms } => {
                if !matches!(
                    stage,
                    StageKind::Negotiation | StageKind::AwaitingContractDecision
                ) {
                    return Err(self.wrong_stage(command));
                }
                self.money(terms)?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::AddMilestone { id, title } => {
                let contract = self.contract(command)?;
                if contract.milestones.contains_key(id) {
                    return Err(Error::DuplicateId {
                        kind: "milestone",
                        id: id.to_string(),
                    });
                }
                identifier(id.as_str(), "id")?;
                text(title, "title")?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::DeliverMilestone { id } | CommandRef::AcceptMilestone { id } => {
                let contract = self.contract(command)?;
                let Some(m) = contract.milestones.get(id) else {
                    return Err(Error::UnknownId {
                        kind: "milestone",
                        id: id.to_string(),
                    });
                };
                let already = |state| Error::AlreadyDone {
                    kind: "milestone",
                    id: id.to_string(),
                    state,
                };
                if let CommandRef::DeliverMilestone { .. } = command {
                    if m.delivered_at.is_some() {
                        return Err(already("delivered"));
                    }
                    Ok(Decided::AsCommanded)
                } else {
                    if m.delivered_at.is_none() {
                        return Err(Error::NotDelivered { id: id.to_string() });
                    }
                    if m.accepted_at.is_some() {
                        return Err(already("accepted"));
                    }
                    Ok(Decided::AsCommanded)
                }
            }
            CommandRef::IssueInvoice { id, amount, .. } => {
                let execution = self.execution(command)?;
                if execution.contract.invoices.contains_key(id) {
                    return Err(Error::DuplicateId {
                        kind: "invoice",
                        id: id.to_string(),
                    });
                }
                identifier(id.as_str(), "id")?;
                self.money(amount)?;
                execution.invoice_fits(amount.amount)?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::RecordPayment {
                id,
                invoice,
                amount,
            }
            | CommandRef::Refund {
                id,
                invoice,
                amount,
            } => {
                let contract = self.contract(command)?;
                if contract.cash.contains_key(id) {
                    return Err(Error::DuplicateId {
                        kind: "payment",
                        id: id.to_string(),
                    });
                }
                identifier(id.as_str(), "id")?;
                self.money(amount)?;
                let refund = matches!(command, CommandRef::Refund { .. });
                let kind = if refund {
                    CashKind::Refund
                } else {
                    CashKind::Payment
                };
                let delta = kind.signed(amount.amount);
                // Check the bounds exactly as `apply` will book them.
                contract.booked(invoice, delta)?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::ReverseCash { id } => {
                let contract = self.contract(command)?;
                let Some(cash) = contract.cash.get(id) else {
                    return Err(Error::UnknownId {
                        kind: "payment",
                        id: id.to_string(),
                    });
                };
                if cash.reversed_at.is_some() {
                    return Err(Error::AlreadyDone {
                        kind: "payment",
                        id: id.to_string(),
                        state: "reversed",
                    });
                }
                contract.booked(&cash.invoice, -cash.kind.signed(cash.amount))?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::ProposeAmendment { new_value, reason } => {
                let execution = self.execution(command)?;
                // Only a change decision takes an amendment in or drops it: without one, a
                // proposal would wait forever and block the closure.
                if self.process.policy(GateKind::ChangeDecision).is_none() {
                    return Err(Error::GateNotConfigured {
                        gate: GateKind::ChangeDecision,
                    });
                }
                let contract = &execution.contract;
                if contract.proposed_amendment.is_some() {
                    return Err(Error::AmendmentPending);
                }
                self.money(new_value)?;
                text(reason, "reason")?;
                if new_value.amount == contract.value.amount {
                    return Err(Error::InvalidAmendment {
                        new_value: new_value.amount,
                        value: contract.value.amount,
                        invoiced: execution.invoiced(),
                    });
                }
                execution.amendment_fits(new_value.amount)?;
                Ok(Decided::AsCommanded)
            }
            CommandRef::ForceClose { recommendation } => {
                if !EndKind::ForceClosed.ends_by_command_from(phase) {
                    return Err(self.wrong_stage(command));
                }
                text(recommendation, "recommendation")?;
                let last = self.deal.last_event_at.unwrap_or(self.at);
                let inactive_days = (self.at - last).num_days();
                let required_days = self.process.definition().forced_closure_after_days;
                if inactive_days < i64::from(required_days) {
                    return Err(Error::TooEarlyToForceClose {
                        inactive_days,
                        required_days,
                    });
                }
                Ok(Decided::AsCommanded)
            }
        }
    }

    pub(crate) fn grading(
        &self,
        scores: &std::collections::BTreeMap<String, u32>,
    ) -> Result<(u64, Temperature), Error> {
        let card = &self.process.definition().scorecard;
        if let Some(unknown) = scores
            .keys()
            .find(|k| !card.criteria.iter().any(|c| &c.name == *k))
        {
            return Err(Error::UnknownCriterion {
                criterion: unknown.clone(),
            });
        }
        let mut total: u64 = 0;
        for criterion in &card.criteria {
            let Some(score) = scores.get(&criterion.name) else {
                return Err(Error::MissingScore {
                    criterion: criterion.name.clone(),
                });
            };
            if *score > criterion.max {
                return Err(Error::ScoreAboveMax {
                    criterion: criterion.name.clone(),
                    score: *score,
                    max: criterion.max,
                });
            }
            // Bounded by the maximum total, which `Process::new` checked fits in a u64.
            total += u64::from(criterion.weight) * u64::from(*score);
        }
        let temperature = if total >= u64::from(card.hot_from) {
            Temperature::Hot
        } else if total >= u64::from(card.warm_from) {
            Temperature::Warm
        } else {
            Temperature::Cold
        };
        Ok((total, temperature))
    }

    fn convener(&self, meeting: &Meeting) -> Result<(), Error> {
        if &meeting.convened_by == self.actor {
            Ok(())
        } else {
            Err(Error::NotConvener {
                gate: meeting.gate,
                person: self.actor.clone(),
                convener: meeting.convened_by.clone(),
            })
        }
    }

    fn convene(
        &self,
        stage: StageKind,
        gate: GateKind,
        panel: &[Seat],
        chair: Option<&PersonId>,
        materials: &[String],
    ) -> Result<Decided<'a>, Error> {
        if !self.deal.stage.gates().contains(&gate) {
            return Err(Error::WrongGate { gate, stage });
        }
        let policy = self.policy(gate)?;
        if let Some(m) = &self.deal.meeting {
            return Err(Error::MeetingOpen { gate: m.gate });
        }
        if self.deal.has_open_conditions() {
            return Err(Error::OpenConditions {
                gate,
                open: self
                    .deal
                    .open_conditions()
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
            });
        }
        match gate {
            GateKind::ChangeDecision
                if self
                    .deal
                    .contract()
                    .is_none_or(|c| c.proposed_amendment.is_none()) =>
            {
                return Err(Error::NoAmendmentProposed);
            }
            GateKind::ClosureDecision => self.ready_to_close()?,
            _ => {}
        }
        for material in &policy.materials {
            if !materials.contains(material) {
                return Err(Error::MissingMaterial {
                    gate,
                    material: material.clone(),
                });
            }
        }
        if panel.is_empty() {
            return Err(Error::EmptyPanel { gate });
        }
        let mut seen = BTreeSet::new();
        for seat in panel {
            identifier(seat.person.as_str(), "panel.person")?;
            if !seen.insert(&seat.person) {
                return Err(Error::DuplicateSeat {
                    person: seat.person.clone(),
                });
            }
        }
        self.authority("convene_gate", policy, panel)?;
        for seat in panel {
            self.four_eyes(policy, &seat.person)?;
        }
        if let Some(chair) = chair {
            if !seen.contains(chair) {
                return Err(Error::ChairNotOnPanel {
                    person: chair.clone(),
                });
            }
        }
        match policy.rule {
            DecisionRule::KOfN { k } if k as usize > panel.len() => {
                return Err(Error::RuleUnsatisfiable {
                    gate,
                    needed: k,
                    seats: panel.len() as u32,
                })
            }
            DecisionRule::SingleDecider if chair.is_none() => {
                return Err(Error::ChairRequired { gate })
            }
            _ => {}
        }
        Ok(Decided::AsCommanded)
    }

    /// The authority a gate needs, checked when it is convened and again when its decision is
    /// recorded, so that no order of commands gets around it: the roles it requires are staffed,
    /// the panel seats the named reviewers and the levels the policy asks for, and a reviewer of
    /// the escalation level when the amount at stake is above a threshold.
    pub(crate) fn authority(
        &self,
        command: &'static str,
        policy: &GatePolicy,
        panel: &[Seat],
    ) -> Result<(), Error> {
        let gate = policy.gate;
        for role in &policy.required_roles {
            if !self.deal.team.is_staffed(role) {
                return Err(Error::RoleNotStaffed {
                    gate,
                    role: role.clone(),
                });
            }
        }
        let mut ranks = Vec::with_capacity(panel.len());
        for seat in panel {
            let rank = self.process.level_rank(&seat.level);
            ranks.push(rank.ok_or_else(|| Error::UnknownLevel {
                level: seat.level.clone(),
                path: format!("{command}.panel"),
            })?);
        }
        for named in &policy.panel.named {
            if !panel.iter().any(|s| &s.person == named) {
                return Err(Error::NamedReviewerMissing {
                    gate,
                    person: named.clone(),
                });
            }
        }
        for need in &policy.panel.levels {
            let rank = self.level(&need.level, "policy")?;
            let found = ranks.iter().filter(|r| **r >= rank).count() as u32;
            if found < need.count {
                return Err(Error::PanelShort {
                    gate,
                    level: need.level.clone(),
                    needed: need.count,
                    found,
                });
            }
        }
        for escalation in &policy.escalation {
            let amount = self
                .amount_at_stake(gate)
                .ok_or(Error::AmountUnknown { command })?;
            let rank = self.level(&escalation.level, "policy")?;
            if amount > escalation.above && !ranks.iter().any(|r| *r >= rank) {
                return Err(Error::EscalationRequired {
                    gate,
                    amount,
                    above: escalation.above,
                    level: escalation.level.clone(),
                });
            }
        }
        Ok(())
    }

    /// Refuses a vote or delegation once the votes cast settle the outcome under the rule.
    fn open_for_votes(meeting: &Meeting, policy: &GatePolicy) -> Result<(), Error> {
        match meeting.verdict(&policy.rule) {
            Some(verdict) => Err(Error::VotingClosed {
                gate: meeting.gate,
                verdict,
            }),
            None => Ok(()),
        }
    }

    fn ready_to_close(&self) -> Result<(), Error> {
        match self.deal.execution_ref() {
            Some(e) if e.contract.proposed_amendment.is_some() => Err(Error::AmendmentPending),
            Some(e) if e.is_complete() => Ok(()),
            Some(e) => Err(Error::NotReadyToClose {
                delivered: e.delivered(),
                invoiced: e.invoiced(),
                collected: e.collected(),
                value: e.contract.value.amount,
            }),
            None => Err(Error::WrongGate {
                gate: GateKind::ClosureDecision,
                stage: self.deal.stage.kind().unwrap_or(StageKind::Captured),
            }),
        }
    }

    fn record_decision(
        &self,
        minutes: &str,
        conditions: &[crate::ConditionSpec],
    ) -> Result<Decided<'a>, Error> {
        let meeting = self.meeting()?;
        self.convener(meeting)?;
        let policy = &meeting.policy;
        text(minutes, "minutes")?;
        self.authority("record_decision", policy, &meeting.panel)?;
        let Some(verdict) = meeting.verdict(&policy.rule) else {
            let tally = meeting.tally();
            return Err(Error::Undecided {
                gate: meeting.gate,
                approvals: tally.approvals,
                pending: tally.pending,
            });
        };
        let outcome = match verdict {
            Vote::Approve if conditions.is_empty() => Outcome::Approved,
            // Its approval ends the deal: there is no next gate for a condition to block.
            Vote::Approve if meeting.gate == GateKind::ClosureDecision => {
                return Err(Error::ConditionsOnClosure)
            }
            Vote::Approve => Outcome::ApprovedWithConditions,
            Vote::Rework | Vote::Reject if !conditions.is_empty() => {
                return Err(Error::ConditionsWithoutApproval {
                    gate: meeting.gate,
                    verdict: if verdict == Vote::Rework {
                        "rework"
                    } else {
                        "rejected"
                    },
                })
            }
            Vote::Rework => Outcome::Rework,
            Vote::Reject => Outcome::Rejected,
        };
        let mut ids = BTreeSet::new();
        for spec in conditions {
            identifier(spec.id.as_str(), "condition.id")?;
            text(&spec.text, "condition.text")?;
            if self.deal.conditions.contains_key(&spec.id) || !ids.insert(&spec.id) {
                return Err(Error::DuplicateId {
                    kind: "condition",
                    id: spec.id.to_string(),
                });
            }
        }
        if outcome.is_pass() {
            match meeting.gate {
                GateKind::ClosureDecision => self.ready_to_close()?,
                GateKind::ChangeDecision => {
                    if let Some(e) = self.deal.execution_ref() {
                        match &e.contract.proposed_amendment {
                            Some(p) => e.amendment_fits(p.new_value)?,
                            None => return Err(Error::NoAmendmentProposed),
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(Decided::Drawn {
            gate: meeting.gate,
            outcome,
        })
    }
}
