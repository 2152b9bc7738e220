//! The process definition (data) and the validated [`Process`] built from it.

use crate::serde_strict::objects_only;
use crate::{Currency, EndKind, Error, GateKind, PersonId, Role, StageKind};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, EdgeRef, Reversed};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

/// A process's name and version: what a deal records, in its first event, as the rules it was
/// opened under. Displayed as `name@version`.
///
/// ```
/// use ltc_pipeline::ProcessRef;
/// let standard = ProcessRef::new("standard", 1);
/// assert_eq!(standard.to_string(), "standard@1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ProcessRef {
    /// The process's name.
    pub name: String,
    /// Its version.
    pub version: u32,
}

objects_only!(ProcessRef);

impl ProcessRef {
    /// The reference to version `version` of the process named `name`.
    pub fn new(name: impl Into<String>, version: u32) -> Self {
        Self {
            name: name.into(),
            version,
        }
    }

    /// The same process at another version.
    pub fn at(&self, version: u32) -> Self {
        Self {
            name: self.name.clone(),
            version,
        }
    }
}

impl std::fmt::Display for ProcessRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", crate::error::Esc(&self.name), self.version)
    }
}

/// Where a deal's rules come from when its log is replayed: the process versions a host keeps,
/// looked up by name and version.
///
/// A single [`Process`] is a catalog of itself; a slice, an array or a `Vec` of processes holds
/// several versions (a deal migrated from one to another needs both).
///
/// ```
/// use ltc_pipeline::{Process, ProcessRef, Processes};
/// let standard = Process::standard();
/// assert!(standard.find(&ProcessRef::new("standard", 1)).is_some());
/// assert!(standard.find(&ProcessRef::new("standard", 2)).is_none());
/// ```
pub trait Processes {
    /// The process with this name and version, if the catalog holds it.
    fn find(&self, reference: &ProcessRef) -> Option<&Process>;

    /// The process with this name and version.
    ///
    /// # Errors
    /// [`Error::UnknownProcess`] when the catalog does not hold it.
    fn get(&self, reference: &ProcessRef) -> Result<&Process, Error> {
        self.find(reference).ok_or_else(|| Error::UnknownProcess {
            process: reference.clone(),
        })
    }
}

impl Processes for Process {
    fn find(&self, reference: &ProcessRef) -> Option<&Process> {
        (&self.reference == reference).then_some(self)
    }
}

impl Processes for [Process] {
    fn find(&self, reference: &ProcessRef) -> Option<&Process> {
        self.iter().find(|p| &p.reference == reference)
    }
}

impl<const N: usize> Processes for [Process; N] {
    fn find(&self, reference: &ProcessRef) -> Option<&Process> {
        self.as_slice().find(reference)
    }
}

impl Processes for Vec<Process> {
    fn find(&self, reference: &ProcessRef) -> Option<&Process> {
        self.as_slice().find(reference)
    }
}

impl Processes for BTreeMap<ProcessRef, Process> {
    fn find(&self, reference: &ProcessRef) -> Option<&Process> {
        BTreeMap::get(self, reference)
    }
}

impl<P: Processes + ?Sized> Processes for &P {
    fn find(&self, reference: &ProcessRef) -> Option<&Process> {
        (**self).find(reference)
    }
}

/// How a gate's votes turn into a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    deny_unknown_fields,
    tag = "type",
    rename_all = "snake_case"
)]
pub enum DecisionRule {
    /// Every seat must approve.
    Unanimous,
    /// More than half of the seats must approve.
    Majority,
    /// At least `k` seats must approve.
    KOfN {
        /// Approvals needed (at least 1, at most the panel's size).
        k: u32,
    },
    /// The chair named when the gate is convened decides alone; the others advise.
    SingleDecider,
    /// The first vote of any seated reviewer (or their substitute) decides.
    FirstResponse,
}

objects_only!(DecisionRule);

/// A number of seats that must be held by reviewers of at least a given authority level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct LevelSeats {
    /// The authority level (one of the process's `levels`).
    pub level: String,
    /// How many seats, at least 1.
    pub count: u32,
}

objects_only!(LevelSeats);

/// Who must sit on a gate's panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct PanelSpec {
    /// Reviewers who must sit on every panel of this gate.
    #[serde(default)]
    pub named: Vec<PersonId>,
    /// Seats that must be held by reviewers of at least a level.
    #[serde(default)]
    pub levels: Vec<LevelSeats>,
}

objects_only!(PanelSpec);

/// Above `above` (in the deal's currency) the panel must include a reviewer of at least `level`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Escalation {
    /// The threshold: amounts strictly above it escalate.
    #[serde(with = "crate::serde_strict::decimal")]
    pub above: Decimal,
    /// The level the panel must then include.
    pub level: String,
}

objects_only!(Escalation);

fn yes() -> bool {
    true
}

/// The policy of one gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct GatePolicy {
    /// The gate this policy governs.
    pub gate: GateKind,
    /// Who must sit on the panel.
    #[serde(default)]
    pub panel: PanelSpec,
    /// How votes become a decision.
    pub rule: DecisionRule,
    /// Whether members of the deal's own team are barred from the panel (default `true`).
    #[serde(default = "yes")]
    pub four_eyes: bool,
    /// Materials that must be presented when the gate is convened.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Roles that must be staffed when the gate is convened.
    #[serde(default)]
    pub required_roles: Vec<Role>,
    /// Escalation thresholds on the deal amount.
    #[serde(default)]
    pub escalation: Vec<Escalation>,
    /// Days a convened gate may stay undecided before it is flagged.
    #[serde(default)]
    pub service_level_days: Option<u32>,
}

objects_only!(GatePolicy);

/// One criterion of the lead scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Criterion {
    /// Its name, e.g. `budget`.
    pub name: String,
    /// Its weight in the total.
    pub weight: u32,
    /// The highest score it can be given (scores run from 0 to `max`).
    pub max: u32,
}

objects_only!(Criterion);

/// The lead scorecard: total = sum of weight x score; the total sets the grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Scorecard {
    /// The criteria; every one must be scored.
    pub criteria: Vec<Criterion>,
    /// Totals from here up are warm.
    pub warm_from: u32,
    /// Totals from here up are hot.
    pub hot_from: u32,
}

objects_only!(Scorecard);

/// A process definition: everything that varies between companies, as data.
///
/// Validate it into a [`Process`] with [`Process::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct ProcessDefinition {
    /// The process's name: the same across its versions.
    pub name: String,
    /// The version of this definition, from 1. A version, once deals run under it, must never
    /// change: publish an edited process as a new version and migrate deals to it explicitly.
    pub version: u32,
    /// The team roles; must include `AR`, `SR` and `FR`.
    pub roles: Vec<Role>,
    /// Authority levels, lowest first.
    pub levels: Vec<String>,
    /// The lead scorecard.
    pub scorecard: Scorecard,
    /// One policy per gate in use.
    pub gates: Vec<GatePolicy>,
    /// Days a deal may stay in a stage before it is flagged.
    #[serde(default, deserialize_with = "crate::serde_strict::unique_keys")]
    pub stage_service_levels: BTreeMap<StageKind, u32>,
    /// Deals whose amount is strictly below this may skip the solution review.
    #[serde(default, with = "crate::serde_strict::decimal::option")]
    pub skip_solution_review_below: Option<Decimal>,
    /// Days of inactivity after which a signed contract may be closed by force.
    pub forced_closure_after_days: u32,
    /// Ages (days since signature) at which a closure reminder is due.
    #[serde(default)]
    pub closure_reminder_days: Vec<u32>,
    /// Minor units (decimal places) of currencies the built-in ISO 4217 table does not know, or
    /// overrides of it: `{"XTS": 2}`. At most 28.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "crate::serde_strict::unique_keys"
    )]
    pub currencies: BTreeMap<Currency, u32>,
}

objects_only!(ProcessDefinition);

/// What lets a deal take a backbone transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Guard {
    /// A command, with no gate.
    Command {
        /// The command's name.
        name: &'static str,
    },
    /// A decision of a gate.
    Gate {
        /// The gate.
        gate: GateKind,
        /// Whether this is the transition the gate's rejection takes.
        rejected: bool,
    },
    /// The small-deal skip of the solution review.
    Skip,
}

impl Guard {
    fn label(&self) -> String {
        match self {
            Guard::Command { name } => (*name).to_owned(),
            Guard::Gate {
                gate,
                rejected: false,
            } => format!("{gate} approved"),
            Guard::Gate {
                gate,
                rejected: true,
            } => format!("{gate} rejected"),
            Guard::Skip => "skip_solution_review".to_owned(),
        }
    }
}

const fn cmd(name: &'static str) -> Guard {
    Guard::Command { name }
}
const fn pass(gate: GateKind) -> Guard {
    Guard::Gate {
        gate,
        rejected: false,
    }
}
const fn fail(gate: GateKind) -> Guard {
    Guard::Gate {
        gate,
        rejected: true,
    }
}

use GateKind as G;
use StageKind as S;

/// The backbone: every transition between stages the engine can make, and what guards it. The
/// ends a command reaches (disqualify, withdraw, lose, force close) come from
/// [`EndKind::ends_by_command_from`], so the graph and the engine share one rule.
const BACKBONE: &[(StageKind, StageKind, Guard)] = &[
    (S::Captured, S::Graded, cmd("grade_lead")),
    (S::Graded, S::AwaitingApproval, cmd("qualify_lead")),
    (
        S::AwaitingApproval,
        S::SolutionWork,
        pass(G::OpportunityApproval),
    ),
    (
        S::AwaitingApproval,
        S::Disqualified,
        fail(G::OpportunityApproval),
    ),
    (S::SolutionWork, S::Bid, pass(G::SolutionReview)),
    (S::SolutionWork, S::Bid, Guard::Skip),
    (S::SolutionWork, S::Withdrawn, fail(G::SolutionReview)),
    (S::Bid, S::Negotiation, pass(G::BidDecision)),
    (S::Bid, S::Withdrawn, fail(G::BidDecision)),
    (
        S::Negotiation,
        S::AwaitingContractDecision,
        cmd("request_contract_decision"),
    ),
    (
        S::AwaitingContractDecision,
        S::Signed,
        pass(G::ContractDecision),
    ),
    (
        S::AwaitingContractDecision,
        S::Withdrawn,
        fail(G::ContractDecision),
    ),
    (S::Signed, S::Fulfilment, cmd("deliver_milestone")),
    // The execution stages are derived from the contract's obligations, so every command that
    // meets or reopens one moves the deal between them.
    (S::Fulfilment, S::Invoicing, cmd("accept_milestone")),
    (S::Fulfilment, S::Collection, cmd("accept_milestone")),
    (S::Fulfilment, S::Closing, cmd("accept_milestone")),
    (S::Invoicing, S::Fulfilment, cmd("add_milestone")),
    (S::Collection, S::Fulfilment, cmd("add_milestone")),
    (S::Closing, S::Fulfilment, cmd("add_milestone")),
    (S::Invoicing, S::Collection, cmd("issue_invoice")),
    (S::Collection, S::Closing, cmd("record_payment")),
    (S::Collection, S::Closing, cmd("reverse_cash")),
    (S::Closing, S::Collection, cmd("refund")),
    (S::Closing, S::Collection, cmd("reverse_cash")),
    (S::Collection, S::Invoicing, pass(G::ChangeDecision)),
    (S::Closing, S::Invoicing, pass(G::ChangeDecision)),
    (S::Invoicing, S::Collection, pass(G::ChangeDecision)),
    (S::Invoicing, S::Closing, pass(G::ChangeDecision)),
    (S::Collection, S::Closing, pass(G::ChangeDecision)),
    (S::Closing, S::Won, pass(G::ClosureDecision)),
];

/// A validated process: the definition plus the indexes and the stage graph built from it.
///
/// Serializes as its [`ProcessDefinition`]; deserializing validates again.
///
/// ```
/// use ltc_pipeline::{GateKind, Process};
/// let process = Process::standard();
/// assert!(process.policy(GateKind::BidDecision).is_some());
/// assert!(process.to_mermaid().starts_with("stateDiagram-v2"));
/// ```
#[derive(Debug, Clone)]
pub struct Process {
    definition: ProcessDefinition,
    graph: DiGraph<StageKind, Guard>,
    policies: BTreeMap<GateKind, Arc<GatePolicy>>,
    reference: ProcessRef,
}

impl PartialEq for Process {
    fn eq(&self, other: &Self) -> bool {
        self.definition == other.definition
    }
}

impl Serialize for Process {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.definition.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Process {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let definition = ProcessDefinition::deserialize(deserializer)?;
        Process::new(definition).map_err(serde::de::Error::custom)
    }
}

fn invalid(path: impl Into<String>, problem: impl Into<String>) -> Error {
    Error::InvalidDefinition {
        path: path.into(),
        problem: problem.into(),
    }
}

fn unique<'a, T: Ord + std::fmt::Display + 'a>(
    items: impl IntoIterator<Item = &'a T>,
    path: &str,
) -> Result<(), Error> {
    let mut seen = BTreeSet::new();
    for item in items {
        if !seen.insert(item) {
            return Err(invalid(path, format!("`{item}` is listed twice")));
        }
    }
    Ok(())
}

impl Process {
    /// Reads a process definition from its JSON document and validates it: what a host does
    /// once at start-up with the definition its configuration holds.
    ///
    /// # Errors
    /// [`Error::MalformedJson`] when the document does not read (naming the path of the bad
    /// value), or any error of [`Process::new`] when the definition it holds is not valid.
    ///
    /// # Examples
    /// ```
    /// use ltc_pipeline::Process;
    /// let text = serde_json::to_string(Process::standard().definition()).unwrap();
    /// let process = Process::from_json(&text)?;
    /// assert_eq!(process.definition(), Process::standard().definition());
    ///
    /// let zero = text.replacen(r#""version":1"#, r#""version":0"#, 1);
    /// assert_eq!(Process::from_json(&zero).unwrap_err().code(), "invalid_definition");
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self, Error> {
        Process::new(ProcessDefinition::from_json(text)?)
    }

    /// Validates a definition and builds the process.
    ///
    /// Checks: no duplicate role, level, gate or criterion; `AR`, `SR` and `FR` among the roles;
    /// every level and role a policy names is defined; rules are satisfiable; the scorecard's
    /// thresholds are ordered; and, on the stage graph the configured gates allow, every stage is
    /// reachable from `captured`, every non-end stage can reach an end, and every gate guards a
    /// reachable transition.
    ///
    /// # Errors
    /// [`Error::InvalidDefinition`] naming the field and the problem, [`Error::UnreachableStage`]
    /// or [`Error::NoPathToEnd`] naming the stage.
    ///
    /// # Examples
    /// ```
    /// use ltc_pipeline::{GateKind, Process};
    /// let mut definition = Process::standard().definition().clone();
    /// definition.gates.retain(|p| p.gate != GateKind::BidDecision);
    /// let err = Process::new(definition).unwrap_err();
    /// assert_eq!(err.code(), "unreachable_stage");
    /// ```
    pub fn new(definition: ProcessDefinition) -> Result<Self, Error> {
        let d = &definition;
        if d.name.trim().is_empty() {
            return Err(invalid("name", "is empty"));
        }
        if crate::decide::identifier(&d.name, "name").is_err() || d.name.contains('@') {
            // `name@version` is how a process is named in logs, stores and on the command line.
            return Err(invalid(
                "name",
                "has a control character, space around it, or `@`",
            ));
        }
        if d.version == 0 {
            return Err(invalid("version", "is zero: versions count from 1"));
        }
        unique(&d.roles, "roles")?;
        unique(&d.levels, "levels")?;
        unique(d.gates.iter().map(|p| &p.gate), "gates")?;
        unique(
            d.scorecard.criteria.iter().map(|c| &c.name),
            "scorecard.criteria",
        )?;
        for role in [Role::ar(), Role::sr(), Role::fr()] {
            if !d.roles.contains(&role) {
                return Err(invalid(
                    "roles",
                    format!("the iron-triangle role `{role}` is missing"),
                ));
            }
        }
        let known_level = |level: &str, path: String| -> Result<(), Error> {
            if d.levels.iter().any(|l| l == level) {
                Ok(())
            } else {
                Err(Error::UnknownLevel {
                    level: level.to_owned(),
                    path,
                })
            }
        };
        let mut policies = BTreeMap::new();
        for policy in &d.gates {
            let at = format!("gates.{}", policy.gate);
            for (i, seat) in policy.panel.levels.iter().enumerate() {
                known_level(&seat.level, format!("{at}.panel.levels[{i}]"))?;
                if seat.count == 0 {
                    return Err(invalid(format!("{at}.panel.levels[{i}].count"), "is zero"));
                }
            }
            unique(&policy.panel.named, &format!("{at}.panel.named"))?;
            for (i, e) in policy.escalation.iter().enumerate() {
                known_level(&e.level, format!("{at}.escalation[{i}]"))?;
                if e.above.is_sign_negative() {
                    return Err(invalid(
                        format!("{at}.escalation[{i}].above"),
                        format!("is negative ({})", e.above),
                    ));
                }
            }
            for role in &policy.required_roles {
                if !d.roles.contains(role) {
                    return Err(Error::UnknownRole {
                        role: role.clone(),
                        path: format!("{at}.required_roles"),
                    });
                }
            }
            unique(&policy.materials, &format!("{at}.materials"))?;
            if let DecisionRule::KOfN { k: 0 } = policy.rule {
                return Err(invalid(format!("{at}.rule.k"), "must be at least 1"));
            }
            if policy.service_level_days == Some(0) {
                return Err(invalid(format!("{at}.service_level_days"), "is zero"));
            }
            policies.insert(policy.gate, Arc::new(policy.clone()));
        }
        let sc = &d.scorecard;
        if sc.criteria.is_empty() {
            return Err(invalid("scorecard.criteria", "is empty"));
        }
        let max_total = sc
            .criteria
            .iter()
            .try_fold(0u64, |acc, c| {
                acc.checked_add(u64::from(c.weight) * u64::from(c.max))
            })
            .ok_or_else(|| invalid("scorecard.criteria", "the maximum total overflows"))?;
        if sc.warm_from > sc.hot_from || u64::from(sc.hot_from) > max_total {
            return Err(invalid(
                "scorecard",
                format!(
                    "thresholds must satisfy warm_from <= hot_from <= the maximum total {max_total} \
                     (warm_from {}, hot_from {})",
                    sc.warm_from, sc.hot_from
                ),
            ));
        }
        for (stage, days) in &d.stage_service_levels {
            if *days == 0 {
                return Err(invalid(format!("stage_service_levels.{stage}"), "is zero"));
            }
            if stage.is_end() {
                return Err(invalid(
                    format!("stage_service_levels.{stage}"),
                    "an end stage has no service level",
                ));
            }
        }
        if let Some(below) = d.skip_solution_review_below {
            if below <= Decimal::ZERO {
                return Err(invalid(
                    "skip_solution_review_below",
                    format!("must be positive, not {below}"),
                ));
            }
        }
        for (currency, units) in &d.currencies {
            if *units > 28 {
                return Err(invalid(
                    format!("currencies.{currency}"),
                    format!("{units} decimal places: a decimal holds at most 28"),
                ));
            }
        }
        if d.forced_closure_after_days == 0 {
            return Err(invalid("forced_closure_after_days", "is zero"));
        }
        let graph = build_graph(&policies, d.skip_solution_review_below.is_some());
        check_graph(&graph, &policies)?;
        let reference = ProcessRef {
            name: definition.name.clone(),
            version: definition.version,
        };
        Ok(Self {
            definition,
            graph,
            policies,
            reference,
        })
    }

    /// The built-in standard LTC process: the iron triangle, levels `manager` < `director` <
    /// `executive`, all six gates, solution review skippable below 50,000, forced closure after
    /// five years of inactivity with reminders at two, three and four years.
    ///
    /// ```
    /// use ltc_pipeline::{GateKind, Process};
    /// assert_eq!(Process::standard().policies().count(), GateKind::ALL.len());
    /// ```
    pub fn standard() -> Self {
        // The standard definition is a constant of this crate and is covered by its tests.
        match Self::new(ProcessDefinition::standard()) {
            Ok(process) => process,
            Err(_) => unreachable_standard(),
        }
    }

    /// The definition this process was built from.
    pub fn definition(&self) -> &ProcessDefinition {
        &self.definition
    }

    /// The process's name and version, as a deal records it.
    ///
    /// ```
    /// use ltc_pipeline::Process;
    /// assert_eq!(Process::standard().reference().to_string(), "standard@1");
    /// ```
    pub fn reference(&self) -> &ProcessRef {
        &self.reference
    }

    /// The policy of a gate, if the process uses it.
    pub fn policy(&self, gate: GateKind) -> Option<&GatePolicy> {
        self.policies.get(&gate).map(|p| &**p)
    }

    /// The policy of a gate, shared: a convened meeting keeps the one it was convened with.
    pub(crate) fn shared_policy(&self, gate: GateKind) -> Option<&Arc<GatePolicy>> {
        self.policies.get(&gate)
    }

    /// Every gate policy, in backbone order.
    pub fn policies(&self) -> impl Iterator<Item = &GatePolicy> {
        self.policies.values().map(|p| &**p)
    }

    /// The rank of an authority level (0 is the lowest), if defined.
    ///
    /// ```
    /// use ltc_pipeline::Process;
    /// let p = Process::standard();
    /// assert!(p.level_rank("director") > p.level_rank("manager"));
    /// assert_eq!(p.level_rank("pope"), None);
    /// ```
    pub fn level_rank(&self, level: &str) -> Option<usize> {
        // The definition's levels, lowest first: a rank is a position (few levels, so a scan).
        self.definition.levels.iter().position(|l| l == level)
    }

    /// The minor units (decimal places) of a currency: the definition's `currencies`, else the
    /// built-in ISO 4217 table; `None` for a currency neither knows.
    ///
    /// ```
    /// use ltc_pipeline::{Currency, Process, ProcessDefinition};
    /// let mut definition = ProcessDefinition::standard();
    /// definition.currencies.insert(Currency::new("XTS")?, 3);
    /// let process = Process::new(definition)?;
    /// assert_eq!(process.minor_units(Currency::new("XTS")?), Some(3));
    /// assert_eq!(process.minor_units(Currency::new("JPY")?), Some(0));
    /// assert_eq!(Process::standard().minor_units(Currency::new("XTS")?), None);
    /// # Ok::<(), ltc_pipeline::Error>(())
    /// ```
    pub fn minor_units(&self, currency: Currency) -> Option<u32> {
        self.definition
            .currencies
            .get(&currency)
            .copied()
            .or_else(|| currency.iso_minor_units())
    }

    /// Whether a role is defined by this process.
    pub fn has_role(&self, role: &Role) -> bool {
        self.definition.roles.contains(role)
    }

    /// The service level of a stage, in days.
    pub fn stage_service_level(&self, stage: StageKind) -> Option<u32> {
        self.definition.stage_service_levels.get(&stage).copied()
    }

    /// The transitions of the stage graph: (from, to, guard), in definition order.
    pub fn transitions(&self) -> impl Iterator<Item = (StageKind, StageKind, Guard)> + '_ {
        self.graph.edge_references().filter_map(|e| {
            Some((
                *self.graph.node_weight(e.source())?,
                *self.graph.node_weight(e.target())?,
                *e.weight(),
            ))
        })
    }

    /// Renders the stage graph as Graphviz DOT.
    ///
    /// ```
    /// use ltc_pipeline::Process;
    /// let dot = Process::standard().to_dot();
    /// assert!(dot.contains("captured -> graded"));
    /// ```
    pub fn to_dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph \"{}\" {{", dot_escape(&self.definition.name));
        let _ = writeln!(out, "  rankdir=LR;\n  node [shape=box, style=rounded];");
        for stage in self.graph.node_weights() {
            if stage.is_end() {
                let _ = writeln!(out, "  {stage} [shape=doublecircle];");
            }
        }
        for (from, to, guard) in self.transitions() {
            let style = match guard {
                Guard::Gate { .. } => ", style=bold",
                _ => "",
            };
            let _ = writeln!(
                out,
                "  {from} -> {to} [label=\"{}\"{style}];",
                guard.label()
            );
        }
        out.push_str("}\n");
        out
    }

    /// Renders the stage graph as a Mermaid state diagram.
    ///
    /// ```
    /// use ltc_pipeline::Process;
    /// let mermaid = Process::standard().to_mermaid();
    /// assert!(mermaid.contains("[*] --> captured"));
    /// ```
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("stateDiagram-v2\n    [*] --> captured\n");
        for (from, to, guard) in self.transitions() {
            let _ = writeln!(out, "    {from} --> {to}: {}", guard.label());
        }
        for stage in self.graph.node_weights() {
            if stage.is_end() {
                let _ = writeln!(out, "    {stage} --> [*]");
            }
        }
        out
    }
}

/// Escapes text for a DOT quoted string: backslashes and quotes escaped, line breaks as `\n`,
/// other control characters dropped, so any name renders as valid DOT.
fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cold]
fn unreachable_standard() -> ! {
    // The standard definition is validated by this crate's tests; reaching here is a bug in it.
    #[allow(clippy::panic)]
    {
        panic!("the built-in standard process definition is invalid")
    }
}

fn build_graph(
    policies: &BTreeMap<GateKind, Arc<GatePolicy>>,
    skippable: bool,
) -> DiGraph<StageKind, Guard> {
    let mut graph = DiGraph::new();
    let nodes: BTreeMap<StageKind, NodeIndex> = StageKind::ALL
        .iter()
        .map(|s| (*s, graph.add_node(*s)))
        .collect();
    for (from, to, guard) in BACKBONE {
        let present = match guard {
            Guard::Command { .. } => true,
            Guard::Gate { gate, .. } => policies.contains_key(gate),
            Guard::Skip => skippable,
        };
        if let (true, Some(a), Some(b)) = (present, nodes.get(from), nodes.get(to)) {
            graph.add_edge(*a, *b, *guard);
        }
    }
    let ends = [
        (EndKind::Disqualified, "disqualify"),
        (EndKind::Withdrawn, "withdraw"),
        (EndKind::Lost, "lose"),
        (EndKind::ForceClosed, "force_close"),
    ];
    for from in StageKind::ALL.iter().filter(|s| !s.is_end()) {
        for (end, name) in ends {
            if !end.ends_by_command_from(from.phase()) {
                continue;
            }
            if let (Some(a), Some(b)) = (nodes.get(from), nodes.get(&end.stage())) {
                graph.add_edge(*a, *b, cmd(name));
            }
        }
    }
    graph
}

fn check_graph(
    graph: &DiGraph<StageKind, Guard>,
    policies: &BTreeMap<GateKind, Arc<GatePolicy>>,
) -> Result<(), Error> {
    let start = graph
        .node_indices()
        .find(|n| graph.node_weight(*n) == Some(&StageKind::Captured));
    let Some(start) = start else {
        return Err(invalid("stages", "the start stage is missing"));
    };
    let mut reachable = BTreeSet::new();
    let mut dfs = Dfs::new(graph, start);
    while let Some(n) = dfs.next(graph) {
        reachable.insert(n);
    }
    for n in graph.node_indices() {
        if !reachable.contains(&n) {
            let stage = graph.node_weight(n).copied().unwrap_or(StageKind::Captured);
            let missing_gates: Vec<GateKind> = BACKBONE
                .iter()
                .filter_map(|(_, to, guard)| match guard {
                    Guard::Gate { gate, .. } if *to == stage && !policies.contains_key(gate) => {
                        Some(*gate)
                    }
                    _ => None,
                })
                .collect();
            return Err(Error::UnreachableStage {
                stage,
                missing_gates,
            });
        }
    }
    // Every non-end stage can reach an end: search backwards from the ends.
    let reversed = Reversed(graph);
    let mut reaches_end = BTreeSet::new();
    for end in graph
        .node_indices()
        .filter(|n| graph.node_weight(*n).is_some_and(|s| s.is_end()))
    {
        let mut dfs = Dfs::new(reversed, end);
        while let Some(n) = dfs.next(reversed) {
            reaches_end.insert(n);
        }
    }
    for n in graph.node_indices() {
        if !reaches_end.contains(&n) {
            let stage = graph.node_weight(n).copied().unwrap_or(StageKind::Captured);
            return Err(Error::NoPathToEnd { stage });
        }
    }
    for gate in policies.keys() {
        let guards = graph.edge_references().any(|e| {
            matches!(e.weight(), Guard::Gate { gate: g, .. } if g == gate)
                && reachable.contains(&e.source())
        });
        if !guards {
            return Err(invalid(
                format!("gates.{gate}"),
                "the gate guards no reachable transition",
            ));
        }
    }
    Ok(())
}

impl ProcessDefinition {
    /// Reads a definition from its JSON document (configuration, a file), strictly: an
    /// unknown field at any depth, a key given twice or a value of the wrong shape is refused
    /// with its path. A leading UTF-8 byte-order mark is skipped. The definition is not yet
    /// validated: [`Process::new`] does that, or [`Process::from_json`] reads and validates in
    /// one step.
    ///
    /// # Errors
    /// [`Error::MalformedJson`] naming the path of the bad value and what was wrong.
    ///
    /// # Examples
    /// ```
    /// use ltc_pipeline::ProcessDefinition;
    /// let text = r#"{"name": "ours", "version": 1, "colour": "blue"}"#;
    /// let err = ProcessDefinition::from_json(text).unwrap_err();
    /// assert_eq!(err.code(), "malformed_json");
    /// assert!(err.to_string().contains("colour"), "{err}");
    /// ```
    pub fn from_json(text: &str) -> Result<Self, Error> {
        crate::json::from_json(text)
    }

    /// The standard definition behind [`Process::standard`], to start a custom one from.
    ///
    /// ```
    /// use ltc_pipeline::{Process, ProcessDefinition};
    /// let mut definition = ProcessDefinition::standard();
    /// definition.name = "ours".into();
    /// assert!(Process::new(definition).is_ok());
    /// ```
    pub fn standard() -> Self {
        let seats = |level: &str, count: u32| PanelSpec {
            named: Vec::new(),
            levels: vec![LevelSeats {
                level: level.to_owned(),
                count,
            }],
        };
        let strings = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let escalate = |above: i64, level: &str| Escalation {
            above: Decimal::from(above),
            level: level.to_owned(),
        };
        let triangle = vec![Role::ar(), Role::sr(), Role::fr()];
        let policy =
            |gate, panel, rule, materials: Vec<String>, roles: Vec<Role>, days| GatePolicy {
                gate,
                panel,
                rule,
                four_eyes: true,
                materials,
                required_roles: roles,
                escalation: Vec::new(),
                service_level_days: Some(days),
            };
        let mut gates = vec![
            policy(
                G::OpportunityApproval,
                seats("manager", 1),
                DecisionRule::Majority,
                strings(&["opportunity brief"]),
                vec![Role::ar(), Role::sr()],
                5,
            ),
            policy(
                G::SolutionReview,
                seats("manager", 2),
                DecisionRule::Majority,
                strings(&["solution document", "pricing"]),
                vec![Role::ar(), Role::sr()],
                10,
            ),
            policy(
                G::BidDecision,
                seats("manager", 2),
                DecisionRule::KOfN { k: 2 },
                strings(&["pricing", "risk assessment"]),
                triangle.clone(),
                5,
            ),
            policy(
                G::ContractDecision,
                seats("director", 1),
                DecisionRule::Unanimous,
                strings(&["contract draft", "risk assessment", "cash flow plan"]),
                triangle.clone(),
                5,
            ),
            policy(
                G::ChangeDecision,
                seats("manager", 1),
                DecisionRule::Majority,
                strings(&["change request"]),
                vec![Role::ar()],
                10,
            ),
            policy(
                G::ClosureDecision,
                seats("manager", 1),
                DecisionRule::SingleDecider,
                strings(&["closure report"]),
                vec![Role::ar()],
                10,
            ),
        ];
        for p in &mut gates {
            match p.gate {
                G::BidDecision => p.escalation = vec![escalate(500_000, "director")],
                G::ContractDecision | G::ChangeDecision => {
                    p.escalation = vec![escalate(1_000_000, "executive")]
                }
                _ => {}
            }
        }
        let criterion = |name: &str, weight| Criterion {
            name: name.to_owned(),
            weight,
            max: 5,
        };
        Self {
            name: "standard".to_owned(),
            version: 1,
            roles: triangle,
            levels: strings(&["manager", "director", "executive"]),
            scorecard: Scorecard {
                criteria: vec![
                    criterion("budget", 2),
                    criterion("decision_chain", 2),
                    criterion("urgency", 1),
                ],
                warm_from: 10,
                hot_from: 18,
            },
            gates,
            stage_service_levels: [
                (S::Captured, 7),
                (S::Graded, 14),
                (S::AwaitingApproval, 10),
                (S::SolutionWork, 30),
                (S::Bid, 21),
                (S::Negotiation, 45),
                (S::AwaitingContractDecision, 10),
                (S::Signed, 30),
                (S::Fulfilment, 180),
                (S::Invoicing, 30),
                (S::Collection, 60),
                (S::Closing, 30),
            ]
            .into_iter()
            .collect(),
            skip_solution_review_below: Some(Decimal::from(50_000)),
            forced_closure_after_days: 5 * 365 + 1,
            closure_reminder_days: vec![2 * 365, 3 * 365, 4 * 365 + 1],
            currencies: BTreeMap::new(),
        }
    }
}
