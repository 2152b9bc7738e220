//! The deal: its typed stage, team, gates and contract, folded from events.

use crate::decide::Decided;
use crate::gate::{Condition, GateDecision, GateRecord, Meeting};
use crate::serde_strict::objects_only;
use crate::{
    Amendment, CashKind, CashMovement, Change, Closing, ConditionId, Contract, Currency, DealId,
    EndKind, Error, Event, GateKind, Invoice, Milestone, Money, Outcome, PersonId, Process,
    ProcessRef, Processes, ProposedAmendment, Records, StageKind, Stint, Team,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A lead's temperature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Temperature {
    /// Below the warm threshold.
    Cold,
    /// From the warm threshold.
    Warm,
    /// From the hot threshold.
    Hot,
}

/// A lead's grade: the scores given, their weighted total, and the temperature it maps to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Grade {
    /// The score of every criterion.
    #[serde(deserialize_with = "crate::serde_strict::unique_keys")]
    pub scores: BTreeMap<String, u32>,
    /// Sum of weight x score.
    pub total: u64,
    /// The temperature.
    pub temperature: Temperature,
}

objects_only!(Grade);

/// How the deal got past the solution review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    deny_unknown_fields,
    tag = "type",
    rename_all = "snake_case"
)]
pub enum SolutionPassage {
    /// The review approved it.
    Reviewed {
        /// The decision.
        decision: Arc<GateDecision>,
    },
    /// A small deal skipped it.
    Skipped {
        /// The deal amount.
        #[serde(with = "crate::serde_strict::decimal")]
        amount: Decimal,
        /// The threshold it was below.
        #[serde(with = "crate::serde_strict::decimal")]
        below: Decimal,
    },
}

objects_only!(SolutionPassage);

/// A signed contract under execution, with the decision that signed it.
///
/// It keeps running totals of the contract (invoiced, collected, milestones delivered and
/// accepted), so that what a command needs to know of the contract costs the same however many
/// invoices, payments and milestones it has. They are not written: reading an `Execution` back
/// computes them from the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Execution {
    /// The contract decision.
    pub decision: Arc<GateDecision>,
    /// The contract.
    pub contract: Contract,
    #[serde(skip)]
    totals: Totals,
}

objects_only!(Execution => Execution::recounted);

/// The running totals of a contract under execution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Totals {
    invoiced: Decimal,
    collected: Decimal,
    delivered: usize,
    accepted: usize,
}

impl Execution {
    fn new(decision: Arc<GateDecision>, contract: Contract) -> Self {
        Self {
            decision,
            contract,
            totals: Totals::default(),
        }
        .recounted()
    }

    /// The totals counted from the contract (after reading it back).
    fn recounted(mut self) -> Self {
        let c = &self.contract;
        // The engine keeps every total within the contract value; saturating keeps a forged,
        // deserialized state from panicking.
        self.totals = Totals {
            invoiced: c.invoiced(),
            collected: c.collected(),
            delivered: c
                .milestones
                .values()
                .filter(|m| m.delivered_at.is_some())
                .count(),
            accepted: c
                .milestones
                .values()
                .filter(|m| m.accepted_at.is_some())
                .count(),
        };
        self
    }

    /// The total invoiced, as [`Contract::invoiced`] but kept as a running total.
    ///
    /// ```
    /// # #[cfg(feature = "proptest")] {
    /// use ltc_pipeline::{strategies, Deal, DealId, Process, Stage};
    /// let process = Process::standard();
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// for step in strategies::lead_to_cash().iter().take(30) {
    ///     deal.execute(&process, &step.command, &step.actor, step.at)?;
    /// }
    /// let Stage::Execution(e) = deal.stage() else { panic!("signed") };
    /// assert_eq!(e.invoiced(), e.contract.invoiced());
    /// assert_eq!(e.collected(), e.contract.collected());
    /// # }
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn invoiced(&self) -> Decimal {
        self.totals.invoiced
    }

    /// The net cash collected, as [`Contract::collected`] but kept as a running total.
    pub fn collected(&self) -> Decimal {
        self.totals.collected
    }

    /// Whether every milestone is accepted (and there is at least one), as
    /// [`Contract::delivered`] but from running counts.
    pub fn delivered(&self) -> bool {
        let milestones = self.contract.milestones.len();
        milestones > 0 && self.totals.accepted == milestones
    }

    /// Delivered, fully invoiced and fully paid, as [`Contract::is_complete`].
    pub fn is_complete(&self) -> bool {
        let invoiced = self.invoiced();
        self.delivered() && invoiced == self.contract.value.amount && self.collected() == invoiced
    }

    /// The execution stage, as [`Contract::phase`] but from running totals: the same whatever
    /// the contract's history.
    pub fn phase(&self) -> StageKind {
        let delivered = self.delivered();
        let invoiced = self.invoiced();
        if delivered && invoiced == self.contract.value.amount {
            if self.collected() == invoiced {
                StageKind::Closing
            } else {
                StageKind::Collection
            }
        } else if delivered {
            StageKind::Invoicing
        } else if self.totals.delivered > 0 {
            StageKind::Fulfilment
        } else {
            StageKind::Signed
        }
    }

    /// Whether a new invoice of `amount` keeps the total invoiced within the contract value.
    pub(crate) fn invoice_fits(&self, amount: Decimal) -> Result<(), Error> {
        let invoiced = self.invoiced();
        if crate::money::add(invoiced, amount)? > self.contract.value.amount {
            return Err(Error::AboveContractValue {
                amount,
                invoiced,
                value: self.contract.value.amount,
            });
        }
        Ok(())
    }

    /// Whether the contract value may become `new_value`: never below what is invoiced.
    pub(crate) fn amendment_fits(&self, new_value: Decimal) -> Result<(), Error> {
        let invoiced = self.invoiced();
        if new_value < invoiced {
            return Err(Error::InvalidAmendment {
                new_value,
                value: self.contract.value.amount,
                invoiced,
            });
        }
        Ok(())
    }

    /// Books cash against an invoice: positive in, negative out. Keeps 0 <= collected <= amount.
    pub(crate) fn book(&mut self, invoice: &crate::InvoiceId, delta: Decimal) -> Result<(), Error> {
        let collected = crate::money::add(self.totals.collected, delta)?;
        let Some(inv) = self.contract.invoices.get_mut(invoice) else {
            return Err(Error::UnknownId {
                kind: "invoice",
                id: invoice.to_string(),
            });
        };
        inv.collected = Contract::booked_on(invoice, inv, delta)?;
        self.totals.collected = collected;
        Ok(())
    }

    fn issue(&mut self, id: &crate::InvoiceId, invoice: Invoice) -> Result<(), Error> {
        self.invoice_fits(invoice.amount)?;
        let invoiced = crate::money::add(self.totals.invoiced, invoice.amount)?;
        match self.contract.invoices.entry(id.clone()) {
            indexmap::map::Entry::Occupied(_) => Err(Error::DuplicateId {
                kind: "invoice",
                id: id.to_string(),
            }),
            indexmap::map::Entry::Vacant(slot) => {
                slot.insert(invoice);
                self.totals.invoiced = invoiced;
                Ok(())
            }
        }
    }

    fn add_milestone(&mut self, id: &crate::MilestoneId, title: &crate::Text) -> Result<(), Error> {
        let milestone = Milestone {
            title: title.clone(),
            delivered_at: None,
            accepted_at: None,
        };
        if self.contract.milestones.insert_new(id.clone(), milestone) {
            Ok(())
        } else {
            Err(Error::DuplicateId {
                kind: "milestone",
                id: id.to_string(),
            })
        }
    }

    /// Marks a milestone delivered (`accepted` false) or accepted, once.
    fn mark(
        &mut self,
        id: &crate::MilestoneId,
        accepted: bool,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        let m = self
            .contract
            .milestones
            .get_mut(id)
            .ok_or_else(|| format!("unknown milestone `{id}`"))?;
        let (slot, count) = if accepted {
            (&mut m.accepted_at, &mut self.totals.accepted)
        } else {
            (&mut m.delivered_at, &mut self.totals.delivered)
        };
        if slot.is_some() {
            return Err(format!("milestone `{id}` is already marked"));
        }
        *slot = Some(at);
        *count += 1;
        Ok(())
    }
}

/// How a deal ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Ending {
    /// The kind of end.
    pub kind: EndKind,
    /// Why.
    pub reason: crate::Text,
    /// When.
    pub at: DateTime<Utc>,
    /// Who ended it.
    pub by: PersonId,
    /// The stage it ended from.
    pub from: StageKind,
    /// The contract, if the deal was signed: kept with its invoices, cash and amendments.
    pub contract: Option<Contract>,
}

objects_only!(Ending);

/// Where a deal stands. Each stage holds the records that prove how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    deny_unknown_fields,
    tag = "stage",
    rename_all = "snake_case"
)]
pub enum Stage {
    /// Before the lead is captured (a deal at version 0).
    Unopened,
    /// The lead is captured.
    Captured,
    /// The lead is graded.
    Graded {
        /// The latest grade.
        grade: Grade,
    },
    /// Qualified; waiting for opportunity approval.
    AwaitingApproval {
        /// The grade it was qualified on.
        grade: Grade,
    },
    /// Approved as a project; the solution is worked on.
    SolutionWork {
        /// The opportunity approval.
        approval: Arc<GateDecision>,
    },
    /// The bid is being prepared.
    Bid {
        /// The opportunity approval.
        approval: Arc<GateDecision>,
        /// The solution review, or its skip.
        solution: SolutionPassage,
    },
    /// The bid is submitted; terms are negotiated.
    Negotiation {
        /// The bid decision.
        bid: Arc<GateDecision>,
    },
    /// Terms agreed; waiting for the contract decision.
    AwaitingContractDecision {
        /// The bid decision.
        bid: Arc<GateDecision>,
        /// The terms put to the decision.
        terms: Money,
    },
    /// Signed; the contract is executed.
    Execution(Box<Execution>),
    /// Ended.
    Ended(Box<Ending>),
}

objects_only!(Stage);

impl Stage {
    /// The stage's label; `None` before the lead is captured. Execution stages are derived from
    /// the contract's obligations (see [`Contract::phase`]).
    ///
    /// ```
    /// use ltc_pipeline::Stage;
    /// assert_eq!(Stage::Captured.kind(), Some(ltc_pipeline::StageKind::Captured));
    /// assert_eq!(Stage::Unopened.kind(), None);
    /// ```
    pub fn kind(&self) -> Option<StageKind> {
        Some(match self {
            Stage::Unopened => return None,
            Stage::Captured => StageKind::Captured,
            Stage::Graded { .. } => StageKind::Graded,
            Stage::AwaitingApproval { .. } => StageKind::AwaitingApproval,
            Stage::SolutionWork { .. } => StageKind::SolutionWork,
            Stage::Bid { .. } => StageKind::Bid,
            Stage::Negotiation { .. } => StageKind::Negotiation,
            Stage::AwaitingContractDecision { .. } => StageKind::AwaitingContractDecision,
            Stage::Execution(e) => e.phase(),
            Stage::Ended(e) => e.kind.stage(),
        })
    }

    /// The gates that may be convened in this stage.
    pub fn gates(&self) -> &'static [GateKind] {
        match self {
            Stage::AwaitingApproval { .. } => &[GateKind::OpportunityApproval],
            Stage::SolutionWork { .. } => &[GateKind::SolutionReview],
            Stage::Bid { .. } => &[GateKind::BidDecision],
            Stage::AwaitingContractDecision { .. } => &[GateKind::ContractDecision],
            Stage::Execution(_) => &[GateKind::ChangeDecision, GateKind::ClosureDecision],
            _ => &[],
        }
    }
}

/// A deal: the lead, the opportunity and the contract it becomes. Only ever a fold of its events.
///
/// ```
/// use ltc_pipeline::{Command, Deal, DealId, Process, StageKind};
/// use chrono::{TimeZone, Utc};
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let capture = Command::CaptureLead { customer: "ACME".into(), source: "fair".into(), estimate: None };
/// let events = deal.execute(&process, &capture, &"ana".into(), at)?;
/// assert_eq!(deal.stage_kind(), Some(StageKind::Captured));
/// assert_eq!(Deal::replay(DealId::new("D-1"), &process, &events)?, deal);
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Deal {
    pub(crate) id: DealId,
    pub(crate) version: u64,
    pub(crate) process: Option<ProcessRef>,
    pub(crate) customer: crate::Text,
    pub(crate) source: crate::Text,
    pub(crate) currency: Option<Currency>,
    pub(crate) estimate: Option<Decimal>,
    pub(crate) stage: Stage,
    pub(crate) opened_at: Option<DateTime<Utc>>,
    pub(crate) stage_since: Option<DateTime<Utc>>,
    pub(crate) last_event_at: Option<DateTime<Utc>>,
    pub(crate) team: Team,
    pub(crate) meeting: Option<Meeting>,
    pub(crate) gate_log: Vec<GateRecord>,
    pub(crate) conditions: Records<ConditionId, Condition>,
    #[serde(skip)]
    counts: Counts,
}

objects_only!(Deal => Deal::recounted);

/// Counts a command asks for, kept as events are folded (not written: reading a deal back
/// counts them again), so that they cost the same whatever the deal's history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    /// How many times each gate was convened, by its place in [`GateKind::ALL`].
    convened: [u32; GateKind::ALL.len()],
    /// How many conditions are open.
    open_conditions: usize,
}

fn slot(gate: GateKind) -> usize {
    GateKind::ALL
        .iter()
        .position(|g| *g == gate)
        .unwrap_or_default()
}

/// Says how a stored change differs from the one the rules record.
fn mismatch(expected: &Change, stored: &Change) -> String {
    match (expected, stored) {
        (
            Change::GateDecided {
                gate,
                outcome: rule,
                ..
            },
            Change::GateDecided {
                outcome: recorded, ..
            },
        ) if rule != recorded => format!(
            "the votes decide gate `{gate}` {} under its rule, not {}",
            outcome_name(*rule),
            outcome_name(*recorded)
        ),
        _ => format!(
            "the rules record a different `{}` change on this state",
            change_name(expected)
        ),
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Approved => "`approved`",
        Outcome::ApprovedWithConditions => "`approved_with_conditions`",
        Outcome::Rework => "`rework`",
        Outcome::Rejected => "`rejected`",
    }
}

fn change_name(change: &Change) -> &'static str {
    change.command().map_or("ended", |c| c.name())
}

/// The version of the deal's process (`current`) a command is decided under: a migration's
/// target, otherwise the version in force.
pub(crate) fn version_for(current: &ProcessRef, command: crate::command::CommandRef<'_>) -> u32 {
    match command {
        crate::command::CommandRef::MigrateProcess { version } => *version,
        _ => current.version,
    }
}

fn bad(event: &Event, problem: impl Into<String>) -> Error {
    Error::InvalidEvent {
        deal: event.deal.clone(),
        version: event.version,
        problem: problem.into(),
    }
}

impl Deal {
    /// An unopened deal (version 0); its first event must be `lead_captured`.
    pub fn new(id: DealId) -> Self {
        Self {
            id,
            version: 0,
            process: None,
            customer: crate::Text::default(),
            source: crate::Text::default(),
            currency: None,
            estimate: None,
            stage: Stage::Unopened,
            opened_at: None,
            stage_since: None,
            last_event_at: None,
            team: Team::default(),
            meeting: None,
            gate_log: Vec::new(),
            conditions: Records::new(),
            counts: Counts::default(),
        }
    }

    /// The counts taken again from the records (after reading a deal back).
    fn recounted(mut self) -> Self {
        let mut counts = Counts::default();
        let meetings = self
            .gate_log
            .iter()
            .map(|r| match r {
                GateRecord::Decided(d) => &d.meeting,
                GateRecord::Withdrawn { meeting, .. } => meeting,
            })
            .chain(self.meeting.as_ref());
        for meeting in meetings {
            if let Some(n) = counts.convened.get_mut(slot(meeting.gate)) {
                *n = n.saturating_add(1);
            }
        }
        counts.open_conditions = self
            .conditions
            .values()
            .filter(|c| c.closed.is_none())
            .count();
        self.counts = counts;
        self
    }

    /// Rebuilds a deal from its stored log, each event under the process version in force when
    /// it happened (see [`apply`](Self::apply)): `processes` is one [`Process`] for a deal that
    /// never migrated, or every version its log names.
    ///
    /// # Errors
    /// [`Error::InvalidEvent`] for the first event out of sequence, of another deal, or that the
    /// engine could not have written; [`Error::UnknownProcess`] for a version `processes` lacks.
    pub fn replay<'a, P: Processes + ?Sized>(
        id: DealId,
        processes: &P,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Self, Error> {
        let mut deal = Self::new(id);
        for event in events {
            deal.apply(processes, event)?;
        }
        Ok(deal)
    }

    /// The deal's id.
    pub fn id(&self) -> &DealId {
        &self.id
    }
    /// The number of events applied.
    pub fn version(&self) -> u64 {
        self.version
    }
    /// The process version the deal runs under: the one it was opened under, or the last it
    /// migrated to (`None` before the lead is captured).
    pub fn process(&self) -> Option<&ProcessRef> {
        self.process.as_ref()
    }
    /// The process version a command is decided under, looked up in `processes`: the deal's own,
    /// or for [`Command::MigrateProcess`](crate::Command::MigrateProcess) the target version.
    /// `None` before the lead is captured, when the host chooses the process to open it under.
    ///
    /// # Errors
    /// [`Error::UnknownProcess`] when `processes` does not hold that version.
    ///
    /// ```
    /// use ltc_pipeline::{Command, Deal, DealId, Process};
    /// let deal = Deal::new(DealId::new("D-1"));
    /// let standard = Process::standard();
    /// assert!(deal.process_for(&standard, &Command::QualifyLead {})?.is_none());
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn process_for<'p, P: Processes + ?Sized>(
        &self,
        processes: &'p P,
        command: &crate::Command,
    ) -> Result<Option<&'p Process>, Error> {
        self.process_in_force(processes, command.view())
    }

    fn process_in_force<'p, P: Processes + ?Sized>(
        &self,
        processes: &'p P,
        command: crate::command::CommandRef<'_>,
    ) -> Result<Option<&'p Process>, Error> {
        let Some(current) = &self.process else {
            return Ok(None);
        };
        let version = version_for(current, command);
        let found = if version == current.version {
            processes.get(current)
        } else {
            processes.get(&current.at(version))
        };
        found.map(Some)
    }
    /// The customer.
    pub fn customer(&self) -> &str {
        &self.customer
    }
    /// The lead's source.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// The deal's currency, fixed by the first amount given.
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }
    /// The typed stage.
    pub fn stage(&self) -> &Stage {
        &self.stage
    }
    /// The stage label (`None` before the lead is captured).
    pub fn stage_kind(&self) -> Option<StageKind> {
        self.stage.kind()
    }
    /// When the lead was captured.
    pub fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.opened_at
    }
    /// When the deal entered its current stage.
    pub fn stage_since(&self) -> Option<DateTime<Utc>> {
        self.stage_since
    }
    /// When the last event happened.
    pub fn last_event_at(&self) -> Option<DateTime<Utc>> {
        self.last_event_at
    }
    /// The team and its history.
    pub fn team(&self) -> &Team {
        &self.team
    }
    /// The convened, undecided gate, if any.
    pub fn meeting(&self) -> Option<&Meeting> {
        self.meeting.as_ref()
    }
    /// Every decided or withdrawn gate meeting, oldest first: the audit trail.
    pub fn gate_log(&self) -> &[GateRecord] {
        &self.gate_log
    }
    /// Every condition, open or closed.
    pub fn conditions(&self) -> &Records<ConditionId, Condition> {
        &self.conditions
    }
    /// The ids of the open conditions.
    pub fn open_conditions(&self) -> Vec<&ConditionId> {
        self.conditions
            .iter()
            .filter(|(_, c)| c.closed.is_none())
            .map(|(id, _)| id)
            .collect()
    }
    /// The contract, once signed (and after the deal ended, if it was signed).
    pub fn contract(&self) -> Option<&Contract> {
        match &self.stage {
            Stage::Execution(e) => Some(&e.contract),
            Stage::Ended(e) => e.contract.as_ref(),
            _ => None,
        }
    }
    /// The contract under execution with its running totals, while the deal is signed and not
    /// ended.
    pub(crate) fn execution_ref(&self) -> Option<&Execution> {
        match &self.stage {
            Stage::Execution(e) => Some(e),
            _ => None,
        }
    }
    /// The deal's amount: the contract value once signed (also after it ended), the terms under
    /// contract decision, otherwise the estimate.
    pub fn amount(&self) -> Option<Decimal> {
        if let Some(contract) = self.contract() {
            return Some(contract.value.amount);
        }
        match &self.stage {
            Stage::AwaitingContractDecision { terms, .. } => Some(terms.amount),
            _ => self.estimate,
        }
    }
    /// How many times a gate has been convened on this deal.
    pub fn attempts(&self, gate: GateKind) -> u32 {
        self.counts
            .convened
            .get(slot(gate))
            .copied()
            .unwrap_or_default()
    }
    /// Whether any condition is open (a count kept as conditions open and close).
    ///
    /// ```
    /// use ltc_pipeline::{Deal, DealId};
    /// assert!(!Deal::new(DealId::new("D-1")).has_open_conditions());
    /// ```
    pub fn has_open_conditions(&self) -> bool {
        self.counts.open_conditions > 0
    }

    /// Applies one stored event (the `evolve` of the aggregate), refusing an event the engine
    /// could not have written.
    ///
    /// The event is decided again under the process version in force for it, looked up in
    /// `processes`: the one its `lead_captured` names, the deal's own after that, the target
    /// version for a `process_migrated`. It must be of this deal, carry the next version, and be
    /// exactly what [`decide`] records on this state for the command behind it
    /// ([`Change::command`]) sent by the event's actor at the event's time: every rule `decide`
    /// enforces (time order, currencies and minor units, exact money, panels, levels and
    /// escalation, four-eyes, locks, votes after the rule decided, the outcome the votes draw, how
    /// ends are reached, which process a deal runs under) holds on replay too. A refused event
    /// leaves the deal unchanged.
    ///
    /// # Errors
    /// [`Error::InvalidEvent`] naming the event's version and what is wrong with it;
    /// [`Error::UnknownProcess`] when `processes` lacks the version the event is judged under.
    ///
    /// # Examples
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ltc_pipeline::{Change, Command, Deal, DealId, EndKind, Process};
    /// let process = Process::standard();
    /// let mut deal = Deal::new(DealId::new("D-1"));
    /// let at = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let capture = Command::CaptureLead { customer: "ACME".into(), source: "web".into(), estimate: None };
    /// let mut log = deal.execute(&process, &capture, &"ops".into(), at)?;
    /// // A forged event: a lead cannot be won.
    /// let mut forged = log[0].clone();
    /// forged.version = 2;
    /// forged.change = Change::Ended { kind: EndKind::Won, reason: "forged".into() };
    /// log.push(forged);
    /// let err = Deal::replay(DealId::new("D-1"), &process, &log).unwrap_err();
    /// assert_eq!(err.code(), "invalid_event");
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    ///
    /// [`decide`]: crate::decide
    pub fn apply<P: Processes + ?Sized>(
        &mut self,
        processes: &P,
        event: &Event,
    ) -> Result<(), Error> {
        if event.deal != self.id {
            return Err(bad(
                event,
                format!("it belongs to deal `{}`, not `{}`", event.deal, self.id),
            ));
        }
        let Some(next) = self.version.checked_add(1) else {
            return Err(Error::Overflow);
        };
        if event.version != next {
            return Err(bad(event, format!("expected version {next}")));
        }
        let Some(command) = event.change.command_ref() else {
            return Err(bad(
                event,
                "no command records it: a deal is won only by its closure decision",
            ));
        };
        // The version in force: the one a `lead_captured` names, else the deal's own (for a
        // `process_migrated`, the target its command names).
        let process = match &event.change {
            Change::LeadCaptured { process, .. } => processes.get(process)?,
            _ => self.process_in_force(processes, command)?.ok_or_else(|| {
                bad(
                    event,
                    "the rules refuse it: not_opened (the first event opens the deal)",
                )
            })?,
        };
        // Decided again on a view of the stored change (nothing copied); the command's own
        // fields are the stored change's, so only what the rules add to them is compared.
        let decided = crate::decide::judge(self, process, command, &event.actor, event.at)
            .map_err(|e| bad(event, format!("the rules refuse it: {} ({e})", e.code())))?;
        if !decided.agrees(&event.change, &event.actor, process) {
            let expected = decided.record(command, &event.actor, process);
            return Err(bad(event, mismatch(&expected, &event.change)));
        }
        match decided {
            // A value the rules derive is folded as decided, not as stored, so the state is
            // exactly what the engine builds, down to a decimal's written scale.
            Decided::Skipped { .. } => {
                let expected = Event {
                    change: decided.record(command, &event.actor, process),
                    ..event.clone()
                };
                self.fold(process, &expected)
            }
            _ => self.fold(process, event),
        }
    }

    /// Folds in an event the rules accept on this state: one `decide` has just produced, or a
    /// stored one `apply` has decided again. Either is placed (this deal, the next version, a deal
    /// not ended, `lead_captured` first and only first), so only the fit to the state is checked
    /// here, before anything mutates.
    pub(crate) fn fold(&mut self, process: &Process, event: &Event) -> Result<(), Error> {
        // Events about the team, a meeting, a condition, the estimate or a proposed amendment
        // leave the stage as it is; only the others need the (derived) stage compared.
        let moves = !matches!(
            event.change,
            Change::MemberJoined { .. }
                | Change::MemberLeft { .. }
                | Change::GateConvened { .. }
                | Change::VoteDelegated { .. }
                | Change::VoteCast { .. }
                | Change::GateWithdrawn { .. }
                | Change::ConditionClosed { .. }
                | Change::EstimateSet { .. }
                | Change::AmendmentProposed { .. }
                | Change::ProcessMigrated { .. }
        );
        let before = if moves { self.stage.kind() } else { None };
        self.apply_change(process, event)?;
        self.version = event.version;
        self.last_event_at = Some(event.at);
        if moves && self.stage.kind() != before {
            self.stage_since = Some(event.at);
        }
        Ok(())
    }

    fn execution(&mut self, event: &Event) -> Result<&mut Execution, Error> {
        match &mut self.stage {
            Stage::Execution(e) => Ok(e),
            _ => Err(bad(event, "the contract is not signed")),
        }
    }

    fn apply_change(&mut self, process: &Process, event: &Event) -> Result<(), Error> {
        let at = event.at;
        match &event.change {
            Change::LeadCaptured {
                process,
                customer,
                source,
                estimate,
            } => {
                self.process = Some(process.clone());
                if let Some(e) = estimate {
                    self.currency = Some(e.currency);
                    self.estimate = Some(e.amount);
                }
                self.customer.clone_from(customer);
                self.source.clone_from(source);
                self.opened_at = Some(at);
                self.stage = Stage::Captured;
            }
            Change::LeadGraded { grade } => match self.stage {
                Stage::Captured | Stage::Graded { .. } => {
                    self.stage = Stage::Graded {
                        grade: grade.clone(),
                    }
                }
                _ => return Err(bad(event, "only a captured or graded lead is graded")),
            },
            Change::EstimateSet { value } => {
                self.currency = Some(value.currency);
                self.estimate = Some(value.amount);
            }
            Change::LeadQualified {} => match std::mem::replace(&mut self.stage, Stage::Unopened) {
                Stage::Graded { grade } => self.stage = Stage::AwaitingApproval { grade },
                other => {
                    self.stage = other;
                    return Err(bad(event, "only a graded lead is qualified"));
                }
            },
            Change::MemberJoined {
                person,
                role,
                involvement,
            } => self.team.join(Stint {
                person: person.clone(),
                role: role.clone(),
                involvement: *involvement,
                joined: at,
                left: None,
                closure_recommendation: None,
            }),
            Change::MemberLeft {
                person,
                role,
                closure_recommendation,
            } => {
                if !self
                    .team
                    .leave(person, role, at, closure_recommendation.clone())
                {
                    return Err(bad(
                        event,
                        format!("`{person}` does not hold role `{role}`"),
                    ));
                }
            }
            Change::GateConvened {
                gate,
                panel,
                chair,
                materials,
            } => {
                if self.meeting.is_some() {
                    return Err(bad(event, "a gate is already convened"));
                }
                let attempt = self.attempts(*gate).saturating_add(1);
                let policy = process
                    .shared_policy(*gate)
                    .ok_or_else(|| bad(event, format!("gate `{gate}` has no policy")))?;
                self.meeting = Some(Meeting {
                    gate: *gate,
                    policy: Arc::clone(policy),
                    attempt,
                    convened_at: at,
                    convened_by: event.actor.clone(),
                    panel: panel.clone(),
                    chair: chair.clone(),
                    materials: materials.clone(),
                    substitutes: BTreeMap::new(),
                    ballots: Vec::new(),
                });
                if let Some(n) = self.counts.convened.get_mut(slot(*gate)) {
                    *n = attempt;
                }
            }
            Change::VoteDelegated { seat, substitute } => {
                let meeting = self
                    .meeting
                    .as_mut()
                    .ok_or_else(|| bad(event, "no gate is convened"))?;
                meeting.substitutes.insert(seat.clone(), substitute.clone());
            }
            Change::VoteCast {
                seat,
                vote,
                comment,
            } => {
                let meeting = self
                    .meeting
                    .as_mut()
                    .ok_or_else(|| bad(event, "no gate is convened"))?;
                meeting.ballots.push(crate::Ballot {
                    seat: seat.clone(),
                    by: event.actor.clone(),
                    vote: *vote,
                    comment: comment.clone(),
                    at,
                });
            }
            Change::GateWithdrawn { gate, reason } => {
                let meeting = self.take_meeting(event, *gate)?;
                self.gate_log.push(GateRecord::Withdrawn {
                    meeting: Box::new(meeting),
                    at,
                    reason: reason.clone(),
                });
            }
            Change::GateDecided {
                gate,
                outcome,
                minutes,
                conditions,
            } => self.apply_decision(event, *gate, *outcome, minutes, conditions)?,
            Change::ConditionClosed { id, note } => {
                let condition = self
                    .conditions
                    .get_mut(id)
                    .ok_or_else(|| bad(event, format!("unknown condition `{id}`")))?;
                if condition.closed.is_some() {
                    return Err(bad(event, format!("condition `{id}` is already closed")));
                }
                condition.closed = Some(Closing {
                    at,
                    by: event.actor.clone(),
                    note: note.clone(),
                });
                self.counts.open_conditions = self.counts.open_conditions.saturating_sub(1);
            }
            Change::SolutionReviewSkipped { amount, below } => {
                let stage = std::mem::replace(&mut self.stage, Stage::Unopened);
                match stage {
                    Stage::SolutionWork { approval } => {
                        self.stage = Stage::Bid {
                            approval,
                            solution: SolutionPassage::Skipped {
                                amount: *amount,
                                below: *below,
                            },
                        }
                    }
                    other => {
                        self.stage = other;
                        return Err(bad(event, "only solution work skips the solution review"));
                    }
                }
            }
            Change::ContractDecisionRequested { terms } => {
                let from_negotiation = |stage: &Stage| {
                    matches!(
                        stage,
                        Stage::Negotiation { .. } | Stage::AwaitingContractDecision { .. }
                    )
                };
                if !from_negotiation(&self.stage) {
                    return Err(bad(event, "terms are requested from negotiation"));
                }
                self.currency = Some(terms.currency);
                // The bid decision moves on to the new stage.
                let stage = std::mem::replace(&mut self.stage, Stage::Unopened);
                self.stage = match stage {
                    Stage::Negotiation { bid } | Stage::AwaitingContractDecision { bid, .. } => {
                        Stage::AwaitingContractDecision { bid, terms: *terms }
                    }
                    other => other,
                };
            }
            Change::MilestoneAdded { id, title } => self
                .execution(event)?
                .add_milestone(id, title)
                .map_err(|e| bad(event, e.to_string()))?,
            Change::MilestoneDelivered { id } | Change::MilestoneAccepted { id } => {
                let accepted = matches!(event.change, Change::MilestoneAccepted { .. });
                self.execution(event)?
                    .mark(id, accepted, at)
                    .map_err(|e| bad(event, e))?;
            }
            Change::InvoiceIssued { id, amount, due } => self
                .execution(event)?
                .issue(
                    id,
                    Invoice {
                        amount: amount.amount,
                        issued_at: at,
                        due: *due,
                        collected: Decimal::ZERO,
                    },
                )
                .map_err(|e| bad(event, e.to_string()))?,
            Change::PaymentReceived {
                id,
                invoice,
                amount,
            }
            | Change::RefundIssued {
                id,
                invoice,
                amount,
            } => {
                let kind = match event.change {
                    Change::PaymentReceived { .. } => CashKind::Payment,
                    _ => CashKind::Refund,
                };
                let execution = self.execution(event)?;
                let indexmap::map::Entry::Vacant(slot) = execution.contract.cash.entry(id.clone())
                else {
                    return Err(bad(event, format!("payment `{id}` already exists")));
                };
                let booked = execution
                    .contract
                    .invoices
                    .get_mut(invoice)
                    .ok_or_else(|| bad(event, format!("unknown invoice `{invoice}`")))
                    .and_then(|inv| {
                        Contract::booked_on(invoice, inv, kind.signed(amount.amount))
                            .map(|next| (inv, next))
                            .map_err(|e| bad(event, e.to_string()))
                    });
                let (inv, next) = booked?;
                let collected =
                    crate::money::add(execution.totals.collected, kind.signed(amount.amount))?;
                inv.collected = next;
                execution.totals.collected = collected;
                slot.insert(CashMovement {
                    kind,
                    invoice: invoice.clone(),
                    amount: amount.amount,
                    at,
                    reversed_at: None,
                });
            }
            Change::CashReversed { id } => {
                let execution = self.execution(event)?;
                let (invoice, delta) = match execution.contract.cash.get(id) {
                    Some(c) if c.reversed_at.is_none() => {
                        (c.invoice.clone(), -c.kind.signed(c.amount))
                    }
                    _ => return Err(bad(event, format!("no unreversed payment `{id}`"))),
                };
                execution.book(&invoice, delta)?;
                if let Some(c) = execution.contract.cash.get_mut(id) {
                    c.reversed_at = Some(at);
                }
            }
            Change::AmendmentProposed { new_value, reason } => {
                let contract = &mut self.execution(event)?.contract;
                contract.proposed_amendment = Some(ProposedAmendment {
                    new_value: new_value.amount,
                    reason: reason.clone(),
                    proposed_at: at,
                });
            }
            Change::ProcessMigrated { to, .. } => {
                if let Some(current) = &mut self.process {
                    current.version = *to;
                }
            }
            Change::Ended { kind, reason } => self.end(event, *kind, reason.clone()),
        }
        Ok(())
    }

    fn take_meeting(&mut self, event: &Event, gate: GateKind) -> Result<Meeting, Error> {
        match self.meeting.take() {
            Some(m) if m.gate == gate => Ok(m),
            other => {
                self.meeting = other;
                Err(bad(event, format!("gate `{gate}` is not convened")))
            }
        }
    }

    fn end(&mut self, event: &Event, kind: EndKind, reason: crate::Text) {
        if let Some(meeting) = self.meeting.take() {
            self.gate_log.push(GateRecord::Withdrawn {
                meeting: Box::new(meeting),
                at: event.at,
                reason: format!("the deal ended ({kind})").into(),
            });
        }
        let from = self.stage.kind().unwrap_or(StageKind::Captured);
        let contract = match std::mem::replace(&mut self.stage, Stage::Unopened) {
            Stage::Execution(e) => Some(e.contract),
            _ => None,
        };
        self.stage = Stage::Ended(Box::new(Ending {
            kind,
            reason,
            at: event.at,
            by: event.actor.clone(),
            from,
            contract,
        }));
    }

    fn apply_decision(
        &mut self,
        event: &Event,
        gate: GateKind,
        outcome: Outcome,
        minutes: &crate::Text,
        conditions: &[crate::ConditionSpec],
    ) -> Result<(), Error> {
        // Check that the stage fits before anything is taken out of the deal.
        let fits = self.stage.gates().contains(&gate);
        if !fits || self.meeting.as_ref().is_none_or(|m| m.gate != gate) {
            return Err(bad(
                event,
                format!("gate `{gate}` is not convened in this stage"),
            ));
        }
        if gate == GateKind::ChangeDecision && outcome.is_pass() {
            let amendment = self.execution_ref().and_then(|e| {
                let proposed = e.contract.proposed_amendment.as_ref()?;
                Some(e.amendment_fits(proposed.new_value))
            });
            match amendment {
                Some(fits) => fits.map_err(|e| bad(event, e.to_string()))?,
                None => return Err(bad(event, "no amendment is proposed")),
            }
        }
        let mut ids = crate::records::IdSet::default();
        if let Some(spec) = conditions
            .iter()
            .find(|c| self.conditions.contains_key(&c.id) || !ids.insert(&c.id))
        {
            return Err(bad(
                event,
                format!("condition `{}` already exists", spec.id),
            ));
        }
        let meeting = self.take_meeting(event, gate)?;
        let decision = GateDecision {
            meeting,
            outcome,
            decided_at: event.at,
            decided_by: event.actor.clone(),
            minutes: minutes.clone(),
            conditions: conditions.iter().map(|c| c.id.clone()).collect(),
        };
        for spec in conditions {
            self.counts.open_conditions += 1;
            self.conditions.insert_new(
                spec.id.clone(),
                Condition {
                    spec: spec.clone(),
                    gate,
                    opened_at: event.at,
                    closed: None,
                },
            );
        }
        // The decision goes to the gate log, and is shared with the stage it lets the deal into.
        let stage_keeps = outcome.is_pass()
            && matches!(
                (gate, &self.stage),
                (
                    GateKind::OpportunityApproval,
                    Stage::AwaitingApproval { .. }
                ) | (GateKind::SolutionReview, Stage::SolutionWork { .. })
                    | (GateKind::BidDecision, Stage::Bid { .. })
                    | (
                        GateKind::ContractDecision,
                        Stage::AwaitingContractDecision { .. }
                    )
            );
        let decision = Arc::new(decision);
        let kept = stage_keeps.then(|| Arc::clone(&decision));
        self.gate_log.push(GateRecord::Decided(decision));
        let rejection = |gate: GateKind| {
            let kind = if gate == GateKind::OpportunityApproval {
                EndKind::Disqualified
            } else {
                EndKind::Withdrawn
            };
            (kind, format!("rejected at {gate}: {minutes}"))
        };
        match outcome {
            Outcome::Rework => {}
            Outcome::Rejected => match gate {
                GateKind::ChangeDecision => {
                    if let Stage::Execution(e) = &mut self.stage {
                        e.contract.proposed_amendment = None;
                    }
                }
                GateKind::ClosureDecision => {}
                _ => {
                    let (kind, reason) = rejection(gate);
                    self.end(event, kind, reason.into());
                }
            },
            Outcome::Approved | Outcome::ApprovedWithConditions => {
                let stage = std::mem::replace(&mut self.stage, Stage::Unopened);
                self.stage = match (gate, stage, kept) {
                    (
                        GateKind::OpportunityApproval,
                        Stage::AwaitingApproval { .. },
                        Some(decision),
                    ) => Stage::SolutionWork { approval: decision },
                    (
                        GateKind::SolutionReview,
                        Stage::SolutionWork { approval },
                        Some(decision),
                    ) => Stage::Bid {
                        approval,
                        solution: SolutionPassage::Reviewed { decision },
                    },
                    (GateKind::BidDecision, Stage::Bid { .. }, Some(decision)) => {
                        Stage::Negotiation { bid: decision }
                    }
                    (
                        GateKind::ContractDecision,
                        Stage::AwaitingContractDecision { terms, .. },
                        Some(decision),
                    ) => Stage::Execution(Box::new(Execution::new(
                        decision,
                        Contract::new(terms, event.at),
                    ))),
                    (GateKind::ChangeDecision, Stage::Execution(mut e), _) => {
                        if let Some(p) = e.contract.proposed_amendment.take() {
                            e.contract.amendments.push(Amendment {
                                from: e.contract.value.amount,
                                to: p.new_value,
                                reason: p.reason,
                                approved_at: event.at,
                            });
                            e.contract.value.amount = p.new_value;
                        }
                        Stage::Execution(e)
                    }
                    (GateKind::ClosureDecision, stage @ Stage::Execution(_), _) => {
                        self.stage = stage;
                        self.end(event, EndKind::Won, minutes.clone());
                        return Ok(());
                    }
                    (_, other, _) => other,
                };
            }
        }
        Ok(())
    }
}
