//! Migration: moving a running deal to another version of its process, and previewing it.

use crate::deal::{SolutionPassage, Stage};
use crate::decide::{Decided, Decider};
use crate::{
    Command, Deal, DealId, EndKind, Error, Event, GateKind, Money, PersonId, Process, ProcessRef,
    Processes, StageKind,
};
use rust_decimal::Decimal;

impl Decider<'_> {
    /// Decides `migrate_process`: `self.process` is the target version. The deal's state must be
    /// one the target's rules allow as it stands (see `docs/pipeline.md`, "Process versions").
    pub(crate) fn migrate(&self, version: u32) -> Result<Decided<'static>, Error> {
        let Some(current) = &self.deal.process else {
            return Err(Error::NotOpened);
        };
        if current.version == version {
            return Err(Error::AlreadyDone {
                kind: "process version",
                id: current.to_string(),
                state: "in force",
            });
        }
        self.fits_target()
            .map_err(|problem| Error::MigrationBlocked {
                to: self.process.reference().clone(),
                problem: Box::new(problem),
            })?;
        Ok(Decided::Migrated {
            from: current.version,
        })
    }

    /// The rules of the target (`self.process`) the deal's state would break, the first found.
    fn fits_target(&self) -> Result<(), Error> {
        let deal = self.deal;
        deal.stage.kind().ok_or(Error::NotOpened)?;
        // Every amount the deal holds is in a currency the target knows, in its minor units.
        if let Some(currency) = deal.currency {
            for amount in amounts(deal) {
                self.money(&Money { amount, currency })?;
            }
        }
        // Every current member holds a role the target defines.
        for stint in deal.team.current() {
            if !self.process.has_role(&stint.role) {
                return Err(Error::UnknownRole {
                    role: stint.role.clone(),
                    path: "team".to_owned(),
                });
            }
        }
        // Everything the deal waits on must still be decidable: each gate it waits for has a
        // policy in the target.
        if let Some(gate) = awaited(deal).find(|gate| self.process.policy(*gate).is_none()) {
            return Err(Error::GateNotConfigured { gate });
        }
        // An open meeting keeps the policy and panel it was convened with; the target must know
        // the levels the panel sits at, and find the panel's authority sufficient by the kept
        // policy.
        if let Some(meeting) = &deal.meeting {
            self.authority("migrate_process", &meeting.policy, &meeting.panel)?;
        }
        match &deal.stage {
            // The lead is graded again on the target's scorecard.
            Stage::Graded { grade } => {
                self.grading(&grade.scores)?;
            }
            // Without a solution review in the target, the deal can only skip it.
            Stage::SolutionWork { .. }
                if self.process.policy(GateKind::SolutionReview).is_none() =>
            {
                self.small_enough_to_skip("migrate_process")?;
            }
            // A deal that skipped the review as small must be small by the target's threshold.
            Stage::Bid {
                solution: SolutionPassage::Skipped { .. },
                ..
            } => {
                self.small_enough_to_skip("migrate_process")?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// The gates a deal waits for, each of which a version it moves to must have a policy for,
/// first found first:
///
/// - the gate convened, if any (its meeting is decided under the policy it was convened with,
///   but only a gate the process has can be voted on and recorded);
/// - the change decision while an amendment waits for it: only that decision takes the amendment
///   in or drops it, and until then it blocks the closure (without a pending amendment the change
///   decision is optional);
/// - the gate of the stage the deal is in: the next step of its way to an end. The solution
///   review is left out: a deal in `solution_work` may skip it instead, which
///   [`Decider::fits_target`] judges by the target's threshold.
///
/// Open conditions wait on no gate: `close_condition` closes them under any version.
fn awaited(deal: &Deal) -> impl Iterator<Item = GateKind> + '_ {
    let amendment = deal
        .contract()
        .is_some_and(|c| c.proposed_amendment.is_some());
    let convened = deal.meeting.as_ref().map(|m| m.gate);
    let stage = deal
        .stage
        .gates()
        .iter()
        .copied()
        .filter(move |gate| match gate {
            GateKind::SolutionReview => false,
            GateKind::ChangeDecision => amendment,
            _ => true,
        });
    convened.into_iter().chain(stage)
}

/// Every amount a deal's state holds, in its currency.
fn amounts(deal: &Deal) -> Vec<Decimal> {
    let mut out: Vec<Decimal> = deal.estimate.into_iter().collect();
    if let Stage::AwaitingContractDecision { terms, .. } = &deal.stage {
        out.push(terms.amount);
    }
    if let Some(c) = deal.contract() {
        out.push(c.value.amount);
        out.extend(c.invoices.values().map(|i| i.amount));
        out.extend(c.cash.values().map(|m| m.amount));
        out.extend(c.proposed_amendment.iter().map(|p| p.new_value));
        out.extend(c.amendments.iter().flat_map(|a| [a.from, a.to]));
    }
    out
}

/// What a migration to a candidate version would do to one deal: see [`preview`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The deal.
    pub deal: DealId,
    /// Its version (events in its log).
    pub version: u64,
    /// Its stage, once its log replays.
    pub stage: Option<StageKind>,
    /// The process version it runs under now, once its log replays.
    pub process: Option<ProcessRef>,
    /// The candidate version.
    pub target: ProcessRef,
    /// The verdict.
    pub verdict: Verdict,
}

/// Whether a deal would migrate, and if not, what stops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `migrate_process` would be accepted.
    Migrates,
    /// The deal already runs under the candidate version.
    Current,
    /// The deal has ended: there is nothing to migrate.
    Ended(EndKind),
    /// A rule of the candidate the deal's state would break (the problem inside
    /// [`Error::MigrationBlocked`]), or another refusal of the command (another process's name).
    Blocked(Error),
    /// The log does not replay under the versions given: the first event that fails, and why.
    LogRefused {
        /// The event's version (its position in the log, from 1).
        version: u64,
        /// Why it fails.
        error: Error,
    },
}

impl Verdict {
    /// A stable word for the verdict: `migrates`, `current`, `ended`, `blocked`, `log_refused`.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Migrates => "migrates",
            Verdict::Current => "current",
            Verdict::Ended(_) => "ended",
            Verdict::Blocked(_) => "blocked",
            Verdict::LogRefused { .. } => "log_refused",
        }
    }
}

/// Previews moving a deal to `candidate`, a version of its process: replays its log under the
/// versions in `processes` (checking every event as [`Deal::apply`] does), then decides
/// [`Command::MigrateProcess`] against the candidate on the state reached. Pure: nothing is
/// written; the host migrates a deal by executing the command itself.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ltc_pipeline::{preview, Command, Deal, DealId, GateKind, Process, ProcessDefinition, Verdict};
/// let v1 = Process::standard();
/// let mut definition = ProcessDefinition::standard();
/// definition.version = 2;
/// definition.gates.retain(|p| p.gate != GateKind::SolutionReview);
/// let v2 = Process::new(definition)?;
///
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
/// let log = deal.execute(&v1, &capture, &"ops".into(), at)?;
/// let preview = preview(DealId::new("D-1"), &v1, &log, &v2);
/// assert_eq!(preview.verdict, Verdict::Migrates);
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
pub fn preview<P: Processes + ?Sized>(
    id: DealId,
    processes: &P,
    events: &[Event],
    candidate: &Process,
) -> Preview {
    let mut deal = Deal::new(id);
    let target = candidate.reference().clone();
    let mut failed = None;
    for event in events {
        if let Err(error) = deal.apply(processes, event) {
            failed = Some(Verdict::LogRefused {
                version: event.version,
                error,
            });
            break;
        }
    }
    let verdict = match failed {
        Some(verdict) => verdict,
        None => judge(&deal, candidate),
    };
    Preview {
        deal: deal.id.clone(),
        version: deal.version,
        stage: deal.stage_kind(),
        process: deal.process.clone(),
        target,
        verdict,
    }
}

fn judge(deal: &Deal, candidate: &Process) -> Verdict {
    if let Stage::Ended(ending) = &deal.stage {
        return Verdict::Ended(ending.kind);
    }
    if deal.process.as_ref() == Some(candidate.reference()) {
        return Verdict::Current;
    }
    let command = Command::MigrateProcess {
        version: candidate.reference().version,
    };
    // Decided at the deal's last event, so no time rule stands in the way.
    let at = deal.last_event_at.unwrap_or_default();
    match crate::decide(deal, candidate, &command, &PersonId::new("preview"), at) {
        Ok(_) => Verdict::Migrates,
        Err(Error::MigrationBlocked { problem, .. }) => Verdict::Blocked(*problem),
        Err(error) => Verdict::Blocked(error),
    }
}
