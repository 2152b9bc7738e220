//! Proptest strategies for integrators: valid processes, teams, and command sequences.
//!
//! Enabled by the `proptest` feature. Commands draw their people, ids and amounts from small
//! pools so that random sequences often hit the same records.
//!
//! Every strategy has two forms: one for the standard process ([`process`], [`command`],
//! [`steps`], [`team`], [`lead_to_cash`], ...) and one for a process of your own, drawing its
//! roles, levels, gates, materials and scorecard from it ([`process_from`], [`command_in`],
//! [`steps_in`], [`team_in`], [`lead_to_cash_in`], ...). Processes of many shapes come from
//! [`any_definition`] and [`any_process`].
//!
//! The command sequences take deals to every stage of the process they are made for, each stage
//! in a fair share of the cases, so that a property is checked where deals stand, not only
//! where they start. [`steps_in`] walks the process's stage graph: each step is a command the
//! engine accepts in the state the steps before left (on towards cash, a side path, or the end
//! the case is fated to), or an arbitrary command of [`command_in`].
//! [`noisy_lead_to_cash_in`] interleaves arbitrary commands, pauses and in some cases an end
//! with the valid script of [`lead_to_cash_in`]. The crate's `tests/reach.rs` prints the share
//! of cases reaching each stage under the standard process, the sample definition, its
//! variants and generated processes, and fails when one falls below 2 in 100.
//!
//! ```
//! use ltc_pipeline::strategies;
//! use ltc_pipeline::{Deal, DealId};
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//!
//! let mut runner = TestRunner::default();
//! runner.run(&(strategies::process(), strategies::steps(60)), |(process, steps)| {
//!     let mut deal = Deal::new(DealId::new("D-1"));
//!     for step in &steps {
//!         let before = deal.clone();
//!         if deal.execute(&process, &step.command, &step.actor, step.at).is_err() {
//!             prop_assert_eq!(&deal, &before);
//!         }
//!     }
//!     Ok(())
//! }).unwrap();
//! ```
//!
//! With a process of your own (here the standard one with a `legal` role and other levels):
//!
//! ```
//! use ltc_pipeline::{strategies, Deal, DealId, Process, ProcessDefinition, Role, StageKind};
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//!
//! let mut definition = ProcessDefinition::standard();
//! definition.roles.push(Role::new("legal"));
//! let process = Process::new(definition.clone())?;
//!
//! // A valid script from lead to cash under it: it staffs `legal` too.
//! let mut deal = Deal::new(DealId::new("D-1"));
//! for step in strategies::lead_to_cash_in(&process)? {
//!     deal.execute(&process, &step.command, &step.actor, step.at)?;
//! }
//! assert_eq!(deal.stage_kind(), Some(StageKind::Won));
//!
//! // Walks through its stages with arbitrary commands over its roles, levels and gates, sent
//! // under variants of its rules.
//! let mut runner = TestRunner::default();
//! let strategy = (strategies::process_from(definition)?, strategies::steps_in(&process, 60));
//! runner.run(&strategy, |(variant, steps)| {
//!     let mut deal = Deal::new(DealId::new("D-1"));
//!     for step in &steps {
//!         let before = deal.clone();
//!         if deal.execute(&variant, &step.command, &step.actor, step.at).is_err() {
//!             prop_assert_eq!(&deal, &before);
//!         }
//!     }
//!     Ok(())
//! }).unwrap();
//! # Ok::<(), ltc_pipeline::Error>(())
//! ```

use crate::{
    Command, ConditionId, ConditionSpec, Criterion, Currency, Deal, DealId, DecisionRule, EndKind,
    Error, Escalation, GateKind, GatePolicy, GateSession, InvoiceId, LevelSeats, Meeting,
    MilestoneId, Money, PanelSpec, PaymentId, PersonId, Phase, Process, ProcessDefinition, Role,
    Scorecard, Seat, StageKind, Vote,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// One timed command of a script: who, when, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Who sends it.
    pub actor: PersonId,
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    pub command: Command,
}

const PEOPLE: [&str; 9] = [
    "ops", "ana", "sam", "sue", "fred", "eve", "mia", "dan", "zoe",
];
/// A level no process is expected to define, so that panels are sometimes refused for it.
const UNKNOWN_LEVEL: &str = "intern";
/// A role no process is expected to define.
const UNKNOWN_ROLE: &str = "QA";

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A person from a small pool (team members, reviewers, the convener).
pub fn person() -> impl Strategy<Value = PersonId> {
    select(PEOPLE.to_vec()).prop_map(PersonId::new)
}

/// An amount in whole or fractional euros, from tiny to above every escalation threshold.
pub fn money() -> impl Strategy<Value = Money> {
    prop_oneof![
        (1i64..2_000_000).prop_map(Money::eur),
        (1i64..100_000_000).prop_map(|c| Money::eur(Decimal::new(c, 2))),
        Just(Money::eur(Decimal::ZERO)),
        Just(Money::eur(-5)),
    ]
}

/// Valid processes: the standard one with varied rules, four-eyes, thresholds and skip.
pub fn process() -> impl Strategy<Value = Process> {
    variants(Process::standard())
}

/// Valid processes: `definition` with varied rules, four-eyes, skip threshold and forced-closure
/// period. Its roles, levels, gates, panels and scorecard stay as they are, so the strategies
/// `*_in` of the validated definition fit every variant. A variant the validation refuses is
/// replaced by the definition itself.
///
/// # Errors
/// The validation error of `definition` ([`Process::new`]).
pub fn process_from(
    definition: ProcessDefinition,
) -> Result<impl Strategy<Value = Process>, Error> {
    Process::new(definition).map(variants)
}

fn variants(base: Process) -> impl Strategy<Value = Process> {
    let rule = prop_oneof![
        Just(DecisionRule::Unanimous),
        Just(DecisionRule::Majority),
        (1u32..3).prop_map(|k| DecisionRule::KOfN { k }),
        Just(DecisionRule::SingleDecider),
    ];
    // Without a solution review the skip is the only way to the bid: keep a threshold.
    let needs_skip = base.policy(GateKind::SolutionReview).is_none();
    (
        vec(rule, base.definition().gates.len()),
        any::<bool>(),
        proptest::option::of(1i64..200_000),
        FORCED_CLOSURE_DAYS,
    )
        .prop_map(move |(rules, four_eyes, skip, forced)| {
            let mut definition = base.definition().clone();
            for (policy, rule) in definition.gates.iter_mut().zip(rules) {
                policy.rule = rule;
                policy.four_eyes = four_eyes;
            }
            definition.skip_solution_review_below = match skip {
                None if needs_skip => definition.skip_solution_review_below,
                skip => skip.map(Decimal::from),
            };
            definition.forced_closure_after_days = forced;
            Process::new(definition).unwrap_or_else(|_| base.clone())
        })
}

/// Valid process definitions of many shapes, as companies write their own: one to four levels
/// of their own names, the iron triangle and up to three more roles, a scorecard of one to four
/// criteria with their weights, maxima and thresholds; the opportunity approval, bid, contract
/// and closure decisions, with the solution review and the change decision in some (a process
/// without the review lets deals below a threshold skip it); each gate with a rule of any of the
/// five kinds, four-eyes or not, named reviewers, seats by level, escalation thresholds,
/// materials, required roles and a service level; stage service levels, a forced-closure
/// period, reminders, and in some whole euros only. Every definition is valid
/// ([`Process::new`] accepts it); [`any_process`] validates them.
///
/// ```
/// use ltc_pipeline::{strategies, Process};
/// use proptest::prelude::*;
/// use proptest::strategy::ValueTree;
/// use proptest::test_runner::TestRunner;
///
/// let mut runner = TestRunner::deterministic();
/// for _ in 0..20 {
///     let definition = strategies::any_definition().new_tree(&mut runner).unwrap().current();
///     assert!(Process::new(definition).is_ok());
/// }
/// ```
pub fn any_definition() -> impl Strategy<Value = ProcessDefinition> {
    let extra_roles: Vec<&'static str> = EXTRA_ROLES.to_vec();
    (
        1..=LEVEL_NAMES.len(),
        subsequence(extra_roles, 0..=EXTRA_ROLES.len()),
    )
        .prop_flat_map(|(levels, extra)| {
            let levels: Vec<String> = LEVEL_NAMES
                .iter()
                .take(levels)
                .map(|l| (*l).to_owned())
                .collect();
            let mut roles = vec![Role::ar(), Role::sr(), Role::fr()];
            roles.extend(extra.into_iter().map(Role::new));
            let gate = |gate| gate_policy(gate, levels.len(), roles.clone());
            let optional =
                |gate| proptest::option::of(gate_policy(gate, levels.len(), roles.clone()));
            let gates = (
                gate(GateKind::OpportunityApproval),
                optional(GateKind::SolutionReview),
                gate(GateKind::BidDecision),
                gate(GateKind::ContractDecision),
                optional(GateKind::ChangeDecision),
                gate(GateKind::ClosureDecision),
            );
            let stages: Vec<StageKind> =
                StageKind::ALL.into_iter().filter(|s| !s.is_end()).collect();
            let timing = (
                proptest::option::of(1_000i64..300_000),
                FORCED_CLOSURE_DAYS,
                vec(1u32..4000, 0..3),
                vec((select(stages), 1u32..90), 0..4),
                prop_oneof![3 => Just(false), 1 => Just(true)],
            );
            (Just(levels), Just(roles), scorecard(), gates, timing)
        })
        .prop_map(|(levels, roles, scorecard, gates, timing)| {
            let (approval, review, bid, contract, change, closure) = gates;
            let (skip, forced, reminders, service_levels, whole_euros) = timing;
            let gates: Vec<GatePolicy> = [
                Some(approval),
                review,
                Some(bid),
                Some(contract),
                change,
                Some(closure),
            ]
            .into_iter()
            .flatten()
            .collect();
            let reviewed = gates.iter().any(|p| p.gate == GateKind::SolutionReview);
            let skip = match skip {
                // Without a review, the skip is the only way to the bid.
                None if !reviewed => Some(Decimal::from(50_000)),
                skip => skip.map(Decimal::from),
            };
            let mut currencies = std::collections::BTreeMap::new();
            if whole_euros {
                currencies.insert(Currency::EUR, 0);
            }
            ProcessDefinition {
                name: "generated".to_owned(),
                version: 1,
                roles,
                levels,
                scorecard,
                gates,
                stage_service_levels: service_levels.into_iter().collect(),
                skip_solution_review_below: skip,
                forced_closure_after_days: forced,
                closure_reminder_days: reminders,
                currencies,
            }
        })
}

/// Valid processes of many shapes: [`any_definition`], validated.
///
/// ```
/// use ltc_pipeline::{strategies, GateKind};
/// use proptest::prelude::*;
///
/// proptest!(|(process in strategies::any_process())| {
///     prop_assert!(process.policy(GateKind::OpportunityApproval).is_some());
///     prop_assert!(strategies::lead_to_cash_in(&process).is_ok());
/// });
/// ```
pub fn any_process() -> impl Strategy<Value = Process> {
    any_definition().prop_filter_map("a valid definition", |d| Process::new(d).ok())
}

/// The level names of [`any_definition`], lowest first.
const LEVEL_NAMES: [&str; 4] = ["associate", "lead", "head", "board"];
/// The roles [`any_definition`] adds to the iron triangle.
const EXTRA_ROLES: [&str; 3] = ["legal", "pmo", "quality"];

fn scorecard() -> impl Strategy<Value = Scorecard> {
    let names: Vec<&'static str> = vec!["budget", "fit", "timing", "authority"];
    (
        subsequence(names, 1..=4),
        vec((1u32..=5, 1u32..=10), 4),
        any::<Index>(),
        any::<Index>(),
    )
        .prop_map(|(names, sizes, warm, hot)| {
            let criteria: Vec<Criterion> = names
                .into_iter()
                .zip(sizes)
                .map(|(name, (weight, max))| Criterion {
                    name: name.to_owned(),
                    weight,
                    max,
                })
                .collect();
            let total: u32 = criteria.iter().map(|c| c.weight * c.max).sum();
            let warm_from = u32::try_from(warm.index(total as usize + 1)).unwrap_or(0);
            let hot_from =
                warm_from + u32::try_from(hot.index((total - warm_from) as usize + 1)).unwrap_or(0);
            Scorecard {
                criteria,
                warm_from,
                hot_from,
            }
        })
}

fn gate_policy(
    gate: GateKind,
    levels: usize,
    roles: Vec<Role>,
) -> impl Strategy<Value = GatePolicy> {
    let named: Vec<&'static str> = vec!["cfo", "counsel", "ceo"];
    let materials: Vec<&'static str> = vec!["brief", "pricing", "risk register", "contract draft"];
    let count = roles.len();
    let rule = prop_oneof![
        Just(DecisionRule::Unanimous),
        Just(DecisionRule::Majority),
        (1u32..=3).prop_map(|k| DecisionRule::KOfN { k }),
        Just(DecisionRule::SingleDecider),
        Just(DecisionRule::FirstResponse),
    ];
    (
        prop_oneof![3 => Just(Vec::new()), 1 => subsequence(named, 1..=2)],
        vec((0..levels, 1u32..=3), 0..=2),
        rule,
        prop_oneof![3 => Just(true), 1 => Just(false)],
        subsequence(materials, 0..=2),
        subsequence(roles, 0..=count),
        vec((0i64..2_000_000, 0..levels), 0..=2),
        proptest::option::of(1u32..30),
    )
        .prop_map(
            move |(named, seats, rule, four_eyes, materials, required_roles, escalation, days)| {
                let level = |i: usize| {
                    LEVEL_NAMES
                        .get(i)
                        .copied()
                        .unwrap_or("associate")
                        .to_owned()
                };
                GatePolicy {
                    gate,
                    panel: PanelSpec {
                        named: named.into_iter().map(PersonId::new).collect(),
                        levels: seats
                            .into_iter()
                            .map(|(l, count)| LevelSeats {
                                level: level(l),
                                count,
                            })
                            .collect(),
                    },
                    rule,
                    four_eyes,
                    materials: materials.into_iter().map(str::to_owned).collect(),
                    required_roles,
                    escalation: escalation
                        .into_iter()
                        .map(|(above, l)| Escalation {
                            above: Decimal::from(above),
                            level: level(l),
                        })
                        .collect(),
                    service_level_days: days,
                }
            },
        )
}

/// The roles of `process`, and with `unknown` a role it does not define.
fn roles(process: &Process, unknown: bool) -> Vec<Role> {
    let mut roles = process.definition().roles.clone();
    if unknown && !process.has_role(&Role::new(UNKNOWN_ROLE)) {
        roles.push(Role::new(UNKNOWN_ROLE));
    }
    roles
}

/// Team changes: people joining (with an involvement, sometimes invalid) and leaving, in the
/// standard roles and one the standard process lacks.
pub fn team_change() -> impl Strategy<Value = Command> {
    team_change_in(&Process::standard())
}

/// Team changes in the roles of `process` (and one it does not define).
pub fn team_change_in(process: &Process) -> impl Strategy<Value = Command> {
    let role = select(roles(process, true));
    prop_oneof![
        (person(), role.clone(), 0i64..=12).prop_map(|(person, role, tenths)| {
            Command::add_member(person, role, Decimal::new(tenths, 1))
        }),
        (person(), role, any::<bool>()).prop_map(|(person, role, note)| {
            Command::RemoveMember {
                person,
                role,
                closure_recommendation: note.then(|| "close when paid".into()),
            }
        }),
    ]
}

/// A team of several people per role, as `add_member` commands.
pub fn team() -> impl Strategy<Value = Vec<Command>> {
    team_in(&Process::standard())
}

/// A team of several people per role of `process`, as `add_member` commands.
pub fn team_in(process: &Process) -> impl Strategy<Value = Vec<Command>> {
    vec(
        (person(), select(roles(process, false)), 1i64..=10).prop_map(|(person, role, tenths)| {
            Command::add_member(person, role, Decimal::new(tenths, 1))
        }),
        1..8,
    )
}

/// The levels of `process` and one it does not define.
fn levels(process: &Process) -> Vec<String> {
    let mut levels = process.definition().levels.clone();
    if process.level_rank(UNKNOWN_LEVEL).is_none() {
        levels.push(UNKNOWN_LEVEL.to_owned());
    }
    levels
}

fn panel(levels: Vec<String>) -> impl Strategy<Value = Vec<Seat>> {
    vec(
        (person(), select(levels)).prop_map(|(p, l)| Seat::new(p, l)),
        0..4,
    )
}

/// Any command, valid or not, over small pools of ids so that records collide.
pub fn command() -> impl Strategy<Value = Command> {
    command_in(&Process::standard())
}

/// Any command, valid or not, for a deal under `process`: its gates (with the materials their
/// policies require), its levels and roles (and one of each it does not define), scores for its
/// criteria (up to one above the maximum), over small pools of people and ids.
pub fn command_in(process: &Process) -> impl Strategy<Value = Command> {
    let id = || select(vec!["1", "2", "3"]);
    let text = || select(vec!["", "reason", "minutes"]).prop_map(str::to_owned);
    let gates: Vec<(GateKind, Vec<String>)> = GateKind::ALL
        .iter()
        .map(|g| {
            let materials = process
                .policy(*g)
                .map(|p| p.materials.clone())
                .unwrap_or_default();
            (*g, materials)
        })
        .collect();
    let vote = select(vec![Vote::Approve, Vote::Rework, Vote::Reject]);
    let levels = levels(process);
    let criteria: Vec<(String, u32)> = process
        .definition()
        .scorecard
        .criteria
        .iter()
        .map(|c| (c.name.clone(), c.max.saturating_add(1)))
        .collect();
    let scores = criteria
        .into_iter()
        .map(|(name, top)| (0..=top).prop_map(move |score| (name.clone(), score)))
        .collect::<Vec<_>>();
    prop_oneof![
        proptest::option::of(money())
            .prop_map(|estimate| Command::capture_lead("ACME", "web", estimate)),
        scores.prop_map(Command::grade_lead),
        Just(Command::QualifyLead {}),
        text().prop_map(|reason| Command::Disqualify {
            reason: reason.into()
        }),
        money().prop_map(|value| Command::SetEstimate { value }),
        team_change_in(process),
        team_change_in(process),
        (
            select(gates),
            panel(levels.clone()),
            proptest::option::of(person())
        )
            .prop_map(|((gate, materials), panel, chair)| Command::ConveneGate {
                gate,
                chair: chair.or_else(|| panel.first().map(|s| s.person.clone())),
                panel: panel.into(),
                materials: materials.into(),
            }),
        (person(), select(levels)).prop_map(|(p, l)| Command::DelegateVote {
            substitute: Seat::new(p, l)
        }),
        vote.clone().prop_map(Command::cast_vote),
        vote.prop_map(Command::cast_vote),
        text().prop_map(|reason| Command::WithdrawGate {
            reason: reason.into()
        }),
        (text(), vec(id(), 0..2)).prop_map(|(minutes, ids)| Command::RecordDecision {
            minutes: minutes.into(),
            conditions: ids
                .into_iter()
                .map(|i| ConditionSpec::new(i, "follow up"))
                .collect(),
        }),
        (id(), text()).prop_map(|(i, note)| Command::close_condition(i, note)),
        Just(Command::SkipSolutionReview {}),
        money().prop_map(Command::request_contract_decision),
        id().prop_map(|i| Command::add_milestone(i, "deliver")),
        id().prop_map(Command::deliver_milestone),
        id().prop_map(Command::accept_milestone),
        (id(), money()).prop_map(|(i, amount)| Command::issue_invoice(i, amount)),
        (id(), id(), money()).prop_map(|(p, i, amount)| Command::record_payment(p, i, amount)),
        (id(), id(), money()).prop_map(|(p, i, amount)| Command::refund(
            format!("R{p}"),
            i,
            amount
        )),
        id().prop_map(|p| Command::ReverseCash { id: p.into() }),
        (money(), text())
            .prop_map(|(new_value, reason)| Command::propose_amendment(new_value, reason)),
        text().prop_map(|recommendation| Command::ForceClose {
            recommendation: recommendation.into()
        }),
        text().prop_map(|reason| Command::Lose {
            reason: reason.into()
        }),
        text().prop_map(|reason| Command::Withdraw {
            reason: reason.into()
        }),
    ]
}

/// Up to `max` timed steps under the standard process: a walk through its stages with arbitrary
/// commands interleaved ([`steps_in`]).
pub fn steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    steps_in(&Process::standard(), max)
}

/// Up to `max` timed steps for a deal under `process`: a walk through its stage graph with
/// arbitrary commands of [`command_in`] interleaved, time moving forward (sometimes by years).
///
/// The walk runs its steps on the engine as it draws them, so that each step is read against
/// the deal the steps before it left. A step is one of three kinds:
///
/// - **on** (75 in 100): the first command towards cash the engine accepts: capture, grade,
///   qualify; staff the roles the next gate requires, give the estimate its escalation needs,
///   convene it with a panel that meets its policy (as [`panel_for`] seats it, with only the
///   escalation seats the amount calls for), a vote from every seat, the decision recorded by
///   the convener; close open conditions; skip the solution review where the process has none;
///   request the contract decision; add, deliver and accept a milestone, invoice the rest,
///   collect it; the closure decision;
/// - **aside** (15 in 100): one of the commands the engine accepts that take a side path:
///   another member joins or one leaves, a regrade, another estimate or other terms, a gate
///   sent back for rework or approved with a condition, a vote delegated, a gate withdrawn, the
///   small-deal skip, another milestone, part of the rest invoiced or of an invoice paid, a
///   refund, a reversal, an amendment proposed, the closure sent back;
/// - **noise** (10 in 100): the next of up to `max / 4` arbitrary commands of [`command_in`],
///   by anyone, most of them refused, some after a pause of years.
///
/// Six cases in ten are fated to an end other than won, each of disqualified, withdrawn, lost
/// and closed by force in one in four of them, at a stage drawn among those the process lets
/// the deal end that way from. There, the walk's next step on ends the deal: by the end's
/// command (a forced closure after the inactivity it needs) or by the stage's gate convened to
/// reject it. The other cases go on as far as their steps take them. A step of a kind of which
/// the engine accepts nothing goes on; once nothing goes on (the deal has ended) steps are
/// noise, and without noise the walk stops. Two cases in three have all `max` steps.
///
/// So every stage of a process is reached by a fair share of the cases. A walk from lead to
/// won takes about 30 steps under the standard process (more under a process with more roles
/// to staff or larger panels): with `max` of 60, about one case in five is won and each other
/// end by one in ten or more (the crate's `tests/reach.rs` prints the shares under
/// the standard process, the sample definition, its variants and generated processes). A stage
/// no command sequence can reach stays unreached: no gate convenes in a process without levels,
/// no deal skips the review below a threshold of less than the euro's minor unit, and no forced
/// closure comes after the year 9999.
///
/// The steps are walked under `process` and stay meaningful under a variant of it from
/// [`process_from`]: every seat votes even after the rule has decided (the votes past the
/// verdict are refused), panels have at least two seats and a chair, reviewers are never
/// members of the team, and a forced closure waits as long as any variant asks. A variant that
/// refuses a step the walk took (the skip, above its own threshold) leaves its deal behind.
///
/// Shrinking drops the fate, removes steps and arbitrary commands and simplifies the rest
/// towards going on: a failing case shrinks towards the walk up to the command that breaks the
/// property.
///
/// ```
/// use ltc_pipeline::{strategies, Deal, DealId, Process};
/// use proptest::prelude::*;
/// use proptest::strategy::ValueTree;
/// use proptest::test_runner::TestRunner;
///
/// let process = Process::standard();
/// let mut runner = TestRunner::deterministic();
/// let mut signed = 0;
/// for _ in 0..50 {
///     let steps = strategies::steps_in(&process, 60).new_tree(&mut runner).unwrap().current();
///     let mut deal = Deal::new(DealId::new("D-1"));
///     for step in &steps {
///         let _ = deal.execute(&process, &step.command, &step.actor, step.at);
///     }
///     signed += usize::from(deal.contract().is_some());
/// }
/// assert!(signed >= 10, "{signed} of 50 cases signed a contract");
/// ```
pub fn steps_in(process: &Process, max: usize) -> impl Strategy<Value = Vec<Step>> {
    let walked = process.clone();
    (
        proptest::option::weighted(FATED, (any::<Index>(), any::<Index>())),
        vec(draw(), 0..=max.saturating_mul(3)),
        vec(noise(process), 0..=max.div_ceil(4)),
    )
        .prop_map(move |(fate, draws, noise)| Walker::new(&walked, fate).walk(&draws, &noise, max))
}

/// The share of cases fated to end otherwise than won.
const FATED: f64 = 0.6;

/// One step of a walk as drawn: its kind, which of the commands of that kind, the parameters
/// of that command, and the days since the step before.
#[derive(Debug, Clone)]
struct Draw {
    /// 0 to 99, read by [`Kind::of`].
    kind: u8,
    /// Which of the accepted commands of the kind.
    pick: Index,
    /// The command's parameters (an amount, a person, a role, scores).
    choice: Index,
    /// Days since the step before, at most [`PACE_DAYS`].
    days: i64,
}

fn draw() -> impl Strategy<Value = Draw> {
    (0u8..100, any::<Index>(), any::<Index>(), 0i64..=PACE_DAYS).prop_map(
        |(kind, pick, choice, days)| Draw {
            kind,
            pick,
            choice,
            days,
        },
    )
}

/// An arbitrary command of a walk: who sends it, what, and how many days after the step before
/// (sometimes years).
type Noise = (PersonId, Command, i64);

fn noise(process: &Process) -> impl Strategy<Value = Noise> {
    (
        person(),
        command_in(process),
        prop_oneof![0i64..3, 0i64..60, 0i64..4000],
    )
}

/// The kinds of step a walk draws; see [`steps_in`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    On,
    Aside,
    Noise,
}

impl Kind {
    /// Out of 100: on below 75, aside below 90, noise above. Shrinking goes towards on.
    fn of(roll: u8) -> Self {
        match roll {
            0..75 => Kind::On,
            75..90 => Kind::Aside,
            _ => Kind::Noise,
        }
    }
}

/// The ends a walk may be fated to, with the stages of `process` it may reach each from: by a
/// command ([`EndKind::ends_by_command_from`]) or by a gate's rejection.
fn fates(process: &Process) -> Vec<(EndKind, Vec<StageKind>)> {
    let rejected = |stage: StageKind| match gate_of(stage) {
        Some(GateKind::OpportunityApproval) => Some(EndKind::Disqualified),
        Some(gate) if process.policy(gate).is_some() => Some(EndKind::Withdrawn),
        _ => None,
    };
    ENDS.into_iter()
        .map(|end| {
            let stages = StageKind::ALL
                .into_iter()
                .filter(|s| !s.is_end())
                .filter(|s| end.ends_by_command_from(s.phase()) || rejected(*s) == Some(end))
                .collect();
            (end, stages)
        })
        .collect()
}

/// The most days a step of the walk waits after the one before (noise may wait years).
const PACE_DAYS: i64 = 30;
/// The forced-closure periods [`process_from`] gives its variants: a forced closure of the walk
/// waits for the longest.
const FORCED_CLOSURE_DAYS: std::ops::Range<u32> = 1..4000;
/// The most seats a walk's panel has; a policy that asks for more is not convened by the walk.
const PANEL_CAP: usize = 64;

/// `at` moved on by `by`, or `at` itself where the calendar ends.
fn later(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    at.checked_add_signed(by).unwrap_or(at)
}

/// The first id of `1`, `2`, `3`, ... that `taken` does not hold: the ids arbitrary commands
/// use too, so that they hit the walk's records.
fn fresh(taken: impl Fn(&str) -> bool) -> String {
    (1u64..)
        .map(|n| n.to_string())
        .find(|id| !taken(id))
        .unwrap_or_default()
}

/// The smallest amount of euros `process` accepts: a cent, or its own minor unit of the euro.
fn euro_unit(process: &Process) -> Decimal {
    let places = process.minor_units(Currency::EUR).unwrap_or(2).min(28);
    Decimal::new(1, places)
}

/// The largest amount of euros `process` accepts that is below its skip threshold, if any.
fn small_enough_to_skip(process: &Process) -> Option<Decimal> {
    let unit = euro_unit(process);
    let below = process.definition().skip_solution_review_below?;
    below
        .checked_div(unit)?
        .ceil()
        .checked_mul(unit)?
        .checked_sub(unit)
        .filter(|a| *a > Decimal::ZERO)
}

/// `amount` rounded down to a whole number of `unit`s.
fn floor_to(amount: Decimal, unit: Decimal) -> Option<Decimal> {
    amount.checked_div(unit)?.floor().checked_mul(unit)
}

/// About half of `amount`, in whole `unit`s, when that is a part of it (neither none nor all).
fn half(amount: Decimal, unit: Decimal) -> Option<Decimal> {
    floor_to(amount.checked_div(Decimal::TWO)?, unit).filter(|h| *h > Decimal::ZERO && *h < amount)
}

/// How a convened gate of the walk is to go: every seat votes `vote`; an approval is recorded
/// with `conditions`.
#[derive(Debug, Clone)]
struct Plan {
    vote: Vote,
    conditions: Vec<ConditionSpec>,
}

impl Plan {
    fn vote(vote: Vote) -> Self {
        Self {
            vote,
            conditions: Vec::new(),
        }
    }
}

/// The meeting the deal holds, as the walk holds it: how it is to go and the seats whose vote
/// the walk has sent (counted or, once the rule has decided, refused).
#[derive(Debug, Clone)]
struct Session {
    gate: GateKind,
    attempt: u32,
    convened_at: DateTime<Utc>,
    plan: Plan,
    sent: Vec<PersonId>,
}

/// A command the walk may send.
#[derive(Debug, Clone)]
struct Move {
    actor: PersonId,
    command: Command,
    /// Days of inactivity before it, on top of the pace (a forced closure waits).
    wait: u32,
    /// For a convening: how the meeting is to go.
    plan: Option<Plan>,
    /// For a vote: the seat it is cast for. Sent whether the engine counts it or not, so that
    /// every seat votes whatever the rule of the process it is run under.
    seat: Option<PersonId>,
}

impl Move {
    fn new(actor: impl Into<PersonId>, command: Command) -> Self {
        Self {
            actor: actor.into(),
            command,
            wait: 0,
            plan: None,
            seat: None,
        }
    }

    fn planned(mut self, plan: Plan) -> Self {
        self.plan = Some(plan);
        self
    }
}

/// The gate that lets a deal out of `stage` on the way to cash.
fn gate_of(stage: StageKind) -> Option<GateKind> {
    match stage {
        StageKind::AwaitingApproval => Some(GateKind::OpportunityApproval),
        StageKind::SolutionWork => Some(GateKind::SolutionReview),
        StageKind::Bid => Some(GateKind::BidDecision),
        StageKind::AwaitingContractDecision => Some(GateKind::ContractDecision),
        _ => None,
    }
}

/// A walk through a process's stages: the deal the steps so far made, and the meeting it holds.
struct Walker<'p> {
    process: &'p Process,
    deal: Deal,
    at: DateTime<Utc>,
    session: Option<Session>,
    /// Reviewers the process names: never staffed on the team.
    named: BTreeSet<PersonId>,
    /// Who else may join the team.
    people: Vec<PersonId>,
    /// Estimates and terms: usual ones, either side of every escalation threshold, below the
    /// skip threshold.
    amounts: Vec<Decimal>,
    /// The largest amount below the skip threshold, if there is one.
    small: Option<Decimal>,
    /// The smallest amount of euros the process accepts.
    unit: Decimal,
    /// The end the walk takes at the first step on in the stage, if it is fated to one.
    fate: Option<(EndKind, StageKind)>,
}

impl<'p> Walker<'p> {
    fn new(process: &'p Process, fate: Option<(Index, Index)>) -> Self {
        let named: BTreeSet<PersonId> = process
            .policies()
            .flat_map(|p| p.panel.named.iter().cloned())
            .collect();
        let people = PEOPLE
            .iter()
            .filter(|p| **p != "ops")
            .map(|p| PersonId::new(*p))
            .filter(|p| !named.contains(p))
            .collect();
        let unit = euro_unit(process);
        let small = small_enough_to_skip(process);
        let mut amounts: Vec<Decimal> = [240_000, 40_000, 1_500_000]
            .into_iter()
            .map(Decimal::from)
            .collect();
        for escalation in process.policies().flat_map(|p| &p.escalation) {
            if let Some(at) = floor_to(escalation.above, unit) {
                amounts.push(at);
                amounts.extend(at.checked_add(unit));
            }
        }
        amounts.extend(small);
        let mut seen = BTreeSet::new();
        amounts.retain(|a| *a > Decimal::ZERO && seen.insert(*a));
        let fate = fate.and_then(|(end, stage)| {
            let fates = fates(process);
            let (end, stages) = fates.get(end.index(fates.len()))?;
            let stage = stages.get(stage.index(stages.len().max(1)))?;
            Some((*end, *stage))
        });
        Self {
            process,
            deal: Deal::new(DealId::new("D-1")),
            at: epoch(),
            session: None,
            named,
            people,
            amounts,
            small,
            unit,
            fate,
        }
    }

    /// A step for each draw, up to `max`: the walk's command, or the next of the arbitrary
    /// ones (round again when they run out). Without arbitrary commands, a noise draw goes on,
    /// and the walk stops where nothing goes on.
    fn walk(mut self, draws: &[Draw], noise: &[Noise], max: usize) -> Vec<Step> {
        let mut noise = noise.iter().cycle();
        let mut steps = Vec::new();
        for draw in draws.iter().take(max) {
            let pace = Duration::days(draw.days);
            let next = later(self.at, pace);
            let chosen = match Kind::of(draw.kind) {
                Kind::Noise => None,
                kind => self.choose(kind, draw, next),
            };
            let step = match chosen {
                Some(chosen) => self.play(chosen, pace),
                None => match noise.next() {
                    Some((actor, command, days)) => {
                        let arbitrary = Move::new(actor.clone(), command.clone());
                        self.play(arbitrary, Duration::days(*days))
                    }
                    None => match self.choose(Kind::On, draw, next) {
                        Some(chosen) => self.play(chosen, pace),
                        None => break,
                    },
                },
            };
            steps.push(step);
        }
        steps
    }

    /// The command of `kind` the draw picks among those the engine accepts at `at`; on when
    /// there is none of its kind.
    fn choose(&self, kind: Kind, draw: &Draw, at: DateTime<Utc>) -> Option<Move> {
        let sendable = |m: &Move| m.seat.is_some() || self.accepts(m, at);
        let first = |moves: Vec<Move>| moves.into_iter().find(|m| sendable(m));
        let any = |moves: Vec<Move>| {
            let accepted: Vec<Move> = moves.into_iter().filter(|m| sendable(m)).collect();
            match accepted.len() {
                0 => None,
                n => accepted.into_iter().nth(draw.pick.index(n)),
            }
        };
        let choice = draw.choice.index(1 << 20);
        let fated = self
            .fate
            .filter(|(_, at)| self.deal.stage_kind() == Some(*at) && self.deal.meeting().is_none())
            .map(|(end, _)| end);
        match (kind, fated) {
            (Kind::On, Some(end)) => any(self.end(end)).or_else(|| first(self.on(choice))),
            (Kind::On, None) => first(self.on(choice)),
            (Kind::Aside, _) => any(self.aside(choice)).or_else(|| first(self.on(choice))),
            (Kind::Noise, _) => None,
        }
    }

    fn accepts(&self, m: &Move, at: DateTime<Utc>) -> bool {
        let at = later(at, Duration::days(i64::from(m.wait)));
        crate::decide(&self.deal, self.process, &m.command, &m.actor, at).is_ok()
    }

    fn play(&mut self, chosen: Move, pace: Duration) -> Step {
        self.at = later(later(self.at, pace), Duration::days(i64::from(chosen.wait)));
        let accepted = self
            .deal
            .execute(self.process, &chosen.command, &chosen.actor, self.at)
            .is_ok();
        self.sync();
        if let Some(session) = &mut self.session {
            if let (true, Some(plan)) = (accepted, chosen.plan) {
                session.plan = plan;
            }
            if let Some(seat) = chosen.seat {
                session.sent.push(seat);
            }
        }
        Step {
            actor: chosen.actor,
            at: self.at,
            command: chosen.command,
        }
    }

    /// Holds the deal's meeting, whoever convened it: a meeting the walk did not convene is to
    /// be approved.
    fn sync(&mut self) {
        let Some(meeting) = self.deal.meeting() else {
            self.session = None;
            return;
        };
        let holds = self.session.as_ref().is_some_and(|s| {
            s.gate == meeting.gate
                && s.attempt == meeting.attempt
                && s.convened_at == meeting.convened_at
        });
        if !holds {
            self.session = Some(Session {
                gate: meeting.gate,
                attempt: meeting.attempt,
                convened_at: meeting.convened_at,
                plan: Plan::vote(Vote::Approve),
                sent: Vec::new(),
            });
        }
    }

    /// The next commands towards cash, the first accepted one to be sent.
    fn on(&self, choice: usize) -> Vec<Move> {
        let Some(stage) = self.deal.stage_kind() else {
            return vec![self.capture(choice)];
        };
        if stage.is_end() {
            return Vec::new();
        }
        if let Some(meeting) = self.deal.meeting() {
            return self.hold(meeting);
        }
        if let Some(id) = self.deal.open_conditions().first() {
            return vec![Move::new(
                "ops",
                Command::close_condition((*id).clone(), "done"),
            )];
        }
        let approve = Plan::vote(Vote::Approve);
        match stage {
            StageKind::Captured => vec![self.grade(None)],
            StageKind::Graded => vec![Move::new("ana", Command::QualifyLead {})],
            StageKind::SolutionWork if self.process.policy(GateKind::SolutionReview).is_none() => {
                let mut moves = vec![Move::new("ops", Command::SkipSolutionReview {})];
                if let Some(small) = self.small {
                    moves.push(self.estimate(small));
                }
                moves
            }
            StageKind::Negotiation => {
                let terms = self.deal.amount().unwrap_or(Decimal::from(240_000));
                vec![Move::new(
                    "ana",
                    Command::request_contract_decision(Money::eur(terms)),
                )]
            }
            stage => match gate_of(stage) {
                Some(gate) => self.towards(gate, approve),
                None => self.fulfil(),
            },
        }
    }

    /// Commands that take a side path, one of the accepted ones to be sent.
    fn aside(&self, choice: usize) -> Vec<Move> {
        let Some(stage) = self.deal.stage_kind().filter(|s| !s.is_end()) else {
            return Vec::new();
        };
        let mut moves: Vec<Move> = self.join(choice).into_iter().collect();
        moves.extend(self.leave(choice));
        if let Some(meeting) = self.deal.meeting() {
            moves.extend(self.delegate(meeting));
            moves.push(Move::new(
                meeting.convened_by.clone(),
                Command::WithdrawGate {
                    reason: "the panel asks for more".into(),
                },
            ));
            return moves;
        }
        let amount = self.amount(choice);
        match stage.phase() {
            Phase::Lead => {
                moves.push(self.grade(Some(choice)));
                moves.push(self.estimate(amount));
            }
            Phase::Opportunity => {
                moves.push(self.estimate(amount));
                if let Some(gate) = gate_of(stage) {
                    moves.extend(self.convene(gate, Plan::vote(Vote::Rework)));
                    let condition =
                        fresh(|id| self.deal.conditions().contains_key(&ConditionId::new(id)));
                    let with_condition = Plan {
                        vote: Vote::Approve,
                        conditions: vec![ConditionSpec::new(condition, "follow up")],
                    };
                    moves.extend(self.convene(gate, with_condition));
                }
                match stage {
                    StageKind::SolutionWork => {
                        moves.push(Move::new("ops", Command::SkipSolutionReview {}));
                    }
                    StageKind::AwaitingContractDecision => moves.push(Move::new(
                        "ana",
                        Command::request_contract_decision(Money::eur(amount)),
                    )),
                    _ => {}
                }
            }
            Phase::Execution => moves.extend(self.execution_aside(choice)),
            Phase::Ended => {}
        }
        moves
    }

    /// Commands that end the deal as `end`, one of the accepted ones to be sent: the command
    /// of that end (a forced closure after the inactivity any variant of the process asks for),
    /// or a gate convened to reject the deal.
    fn end(&self, end: EndKind) -> Vec<Move> {
        let forced = self.process.definition().forced_closure_after_days;
        let (command, wait) = ending(end, forced.max(FORCED_CLOSURE_DAYS.end - 1));
        let mut ending = Move::new("ana", command);
        ending.wait = wait;
        let mut moves = vec![ending];
        let rejects = |gate| match gate {
            GateKind::OpportunityApproval => EndKind::Disqualified,
            _ => EndKind::Withdrawn,
        };
        let gate = self.deal.stage_kind().and_then(gate_of);
        if let Some(gate) = gate.filter(|g| rejects(*g) == end) {
            moves.extend(self.convene(gate, Plan::vote(Vote::Reject)));
        }
        moves
    }

    fn capture(&self, choice: usize) -> Move {
        let estimate = self.amounts.get(choice % (self.amounts.len() + 1));
        Move::new(
            "ops",
            Command::capture_lead("ACME", "web", estimate.map(|a| Money::eur(*a))),
        )
    }

    /// Scores for every criterion: the maximum, or drawn from `choice`.
    fn grade(&self, choice: Option<usize>) -> Move {
        let mut seed = choice.unwrap_or_default() as u64;
        let scores = self
            .process
            .definition()
            .scorecard
            .criteria
            .iter()
            .map(|c| {
                let score = match choice {
                    None => c.max,
                    Some(_) => {
                        seed = seed
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        let score = (seed >> 33) % (u64::from(c.max) + 1);
                        u32::try_from(score).unwrap_or(c.max)
                    }
                };
                (c.name.clone(), score)
            });
        Move::new("ana", Command::grade_lead(scores))
    }

    fn amount(&self, choice: usize) -> Decimal {
        match self.amounts.len() {
            0 => Decimal::from(240_000),
            n => self
                .amounts
                .get(choice % n)
                .copied()
                .unwrap_or(Decimal::from(240_000)),
        }
    }

    fn estimate(&self, amount: Decimal) -> Move {
        Move::new(
            "ana",
            Command::SetEstimate {
                value: Money::eur(amount),
            },
        )
    }

    /// Staffs the first unstaffed role `gate` requires, gives an estimate its escalation needs,
    /// and convenes it.
    fn towards(&self, gate: GateKind, plan: Plan) -> Vec<Move> {
        let Some(policy) = self.process.policy(gate) else {
            return Vec::new();
        };
        let team = self.deal.team();
        let mut moves: Vec<Move> = policy
            .required_roles
            .iter()
            .find(|role| !team.is_staffed(role))
            .and_then(|role| self.staff(role))
            .into_iter()
            .collect();
        if !policy.escalation.is_empty() && self.stake(gate).is_none() {
            moves.push(self.estimate(Decimal::from(240_000)));
        }
        moves.extend(self.convene(gate, plan));
        moves
    }

    /// Someone to hold `role`: its usual holder, else someone of the pool, else `member-{role}`.
    fn staff(&self, role: &Role) -> Option<Move> {
        let team = self.deal.team();
        std::iter::once(PersonId::new(team_member(role)))
            .chain(self.people.iter().cloned())
            .chain(std::iter::once(PersonId::new(format!("member-{role}"))))
            .find(|p| !self.named.contains(p) && team.current_stint(p, role).is_none())
            .map(|p| Move::new("ops", Command::add_member(p, role.clone(), Decimal::ONE)))
    }

    /// Someone of the pool joins a role of the process, with an involvement of a tenth to all.
    fn join(&self, choice: usize) -> Option<Move> {
        let roles = &self.process.definition().roles;
        let role = roles.get(choice % roles.len().max(1))?;
        let person = self
            .people
            .get((choice / 7) % self.people.len().max(1))?
            .clone();
        let tenths = 1 + (choice / 101 % 10) as i64;
        let command = Command::add_member(person, role.clone(), Decimal::new(tenths, 1));
        Some(Move::new("ops", command))
    }

    /// A current member leaves one of their roles.
    fn leave(&self, choice: usize) -> Option<Move> {
        let current: Vec<_> = self.deal.team().current().collect();
        let stint = current.get(choice % current.len().max(1))?;
        Some(Move::new(
            "ops",
            Command::RemoveMember {
                person: stint.person.clone(),
                role: stint.role.clone(),
                closure_recommendation: choice.is_multiple_of(2).then(|| "hand over".into()),
            },
        ))
    }

    /// The amount a gate's authority is judged on, as the engine judges it.
    fn stake(&self, gate: GateKind) -> Option<Decimal> {
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

    fn convene(&self, gate: GateKind, plan: Plan) -> Option<Move> {
        let policy = self.process.policy(gate)?;
        let panel = self.panel(policy)?;
        let chair = panel.first().map(|s| s.person.clone());
        let command = Command::ConveneGate {
            gate,
            panel: panel.into(),
            chair,
            materials: policy.materials.clone().into(),
        };
        Some(Move::new("ops", command).planned(plan))
    }

    /// A panel that meets `policy` for the amount at stake: the named reviewers at the highest
    /// level, the seats of each level it asks for, a seat at each escalation level the amount
    /// is above, and seats at the lowest level up to what a `k_of_n` rule needs and at least two
    /// (so that any rule of a variant can be met). Reviewers are `reviewer-1`, `reviewer-2`, ...,
    /// never on the team.
    fn panel(&self, policy: &GatePolicy) -> Option<Vec<Seat>> {
        let levels = &self.process.definition().levels;
        let (lowest, highest) = (levels.first()?, levels.last()?);
        let mut panel: Vec<Seat> = policy
            .panel
            .named
            .iter()
            .map(|p| Seat::new(p.clone(), highest.clone()))
            .collect();
        let mut wanted: Vec<&str> = Vec::new();
        for need in &policy.panel.levels {
            let count = usize::try_from(need.count).unwrap_or(usize::MAX);
            if count > PANEL_CAP {
                return None;
            }
            wanted.extend(std::iter::repeat_n(need.level.as_str(), count));
        }
        let stake = self.stake(policy.gate);
        for escalation in &policy.escalation {
            if stake.is_none_or(|a| a > escalation.above) {
                wanted.push(&escalation.level);
            }
        }
        let k = match policy.rule {
            DecisionRule::KOfN { k } => usize::try_from(k).unwrap_or(usize::MAX),
            _ => 1,
        };
        if k > PANEL_CAP || panel.len() + wanted.len() > PANEL_CAP {
            return None;
        }
        while panel.len() + wanted.len() < k.max(2) {
            wanted.push(lowest);
        }
        let team = self.deal.team();
        let mut next = 0;
        for level in wanted {
            let person = loop {
                next += 1;
                let person = PersonId::new(format!("reviewer-{next}"));
                if !team.has_member(&person) && !panel.iter().any(|s| s.person == person) {
                    break person;
                }
            };
            panel.push(Seat::new(person, level));
        }
        Some(panel)
    }

    /// The next vote of the meeting, or its decision once every seat has voted.
    fn hold(&self, meeting: &Meeting) -> Vec<Move> {
        let plan = self
            .session
            .as_ref()
            .map_or_else(|| Plan::vote(Vote::Approve), |s| s.plan.clone());
        if let Some(seat) = self.next_seat(meeting) {
            let voter = meeting
                .substitutes
                .get(&seat.person)
                .map_or_else(|| seat.person.clone(), |s| s.person.clone());
            let mut vote = Move::new(voter, Command::cast_vote(plan.vote));
            vote.seat = Some(seat.person.clone());
            return vec![vote];
        }
        let convener = meeting.convened_by.clone();
        let minutes = format!("{}: {:?}", meeting.gate, plan.vote);
        let mut moves = Vec::new();
        if !plan.conditions.is_empty() {
            moves.push(Move::new(
                convener.clone(),
                Command::RecordDecision {
                    minutes: minutes.clone().into(),
                    conditions: plan.conditions,
                },
            ));
        }
        moves.push(Move::new(
            convener.clone(),
            Command::record_decision(minutes),
        ));
        moves.push(Move::new(
            convener,
            Command::WithdrawGate {
                reason: "undecided".into(),
            },
        ));
        moves
    }

    /// The first seat of the meeting that has not voted and whose vote the walk has not sent.
    fn next_seat<'m>(&self, meeting: &'m Meeting) -> Option<&'m Seat> {
        let sent = |p: &PersonId| self.session.as_ref().is_some_and(|s| s.sent.contains(p));
        meeting
            .panel
            .iter()
            .find(|s| meeting.ballot(&s.person).is_none() && !sent(&s.person))
    }

    /// The next seat to vote hands its vote to a substitute of its level.
    fn delegate(&self, meeting: &Meeting) -> Option<Move> {
        let seat = self.next_seat(meeting)?;
        if meeting.substitutes.contains_key(&seat.person) {
            return None;
        }
        let team = self.deal.team();
        let substitute = (1u64..)
            .map(|n| PersonId::new(format!("substitute-{n}")))
            .find(|p| !meeting.involves(p) && !team.has_member(p))?;
        Some(Move::new(
            seat.person.clone(),
            Command::DelegateVote {
                substitute: Seat::new(substitute, seat.level.clone()),
            },
        ))
    }

    /// The next obligation of the contract: the change decision on a proposed amendment, a
    /// milestone added, delivered and accepted, the rest invoiced, an invoice paid in full, the
    /// closure decision.
    fn fulfil(&self) -> Vec<Move> {
        let Some(execution) = self.deal.execution_ref() else {
            return Vec::new();
        };
        let contract = &execution.contract;
        if contract.proposed_amendment.is_some() {
            return self.towards(GateKind::ChangeDecision, Plan::vote(Vote::Approve));
        }
        if contract.milestones.is_empty() {
            return vec![self.milestone()];
        }
        let milestones = || contract.milestones.iter();
        if let Some((id, _)) = milestones().find(|(_, m)| m.delivered_at.is_none()) {
            return vec![Move::new("fred", Command::deliver_milestone(id.clone()))];
        }
        if let Some((id, _)) = milestones().find(|(_, m)| m.accepted_at.is_none()) {
            return vec![Move::new("fred", Command::accept_milestone(id.clone()))];
        }
        let rest = contract.value.amount.checked_sub(execution.invoiced());
        if let Some(rest) = rest.filter(|r| *r > Decimal::ZERO) {
            return vec![self.invoice(rest)];
        }
        let unpaid = contract
            .invoices
            .iter()
            .find(|(_, i)| i.collected < i.amount);
        if let Some((id, invoice)) = unpaid {
            if let Some(due) = invoice.amount.checked_sub(invoice.collected) {
                return vec![self.pay(id, due)];
            }
        }
        self.towards(GateKind::ClosureDecision, Plan::vote(Vote::Approve))
    }

    /// Side paths of a signed contract: another milestone, part of the rest invoiced, part of
    /// an invoice paid, a refund, a reversal, an amendment proposed, the closure sent back.
    fn execution_aside(&self, choice: usize) -> Vec<Move> {
        let Some(execution) = self.deal.execution_ref() else {
            return Vec::new();
        };
        let contract = &execution.contract;
        let value = contract.value.amount;
        let mut moves = vec![self.milestone()];
        let part = value
            .checked_sub(execution.invoiced())
            .and_then(|rest| half(rest, self.unit));
        moves.extend(part.map(|part| self.invoice(part)));
        let invoices: Vec<_> = contract.invoices.iter().collect();
        if let Some((id, invoice)) = invoices.get(choice % invoices.len().max(1)) {
            let due = invoice.amount.checked_sub(invoice.collected);
            if let Some(part) = due.and_then(|d| half(d, self.unit).or(Some(d))) {
                moves.push(self.pay(id, part));
            }
            let back = half(invoice.collected, self.unit).unwrap_or(invoice.collected);
            let refund = fresh(|id| contract.cash.contains_key(&PaymentId::new(id)));
            moves.push(Move::new(
                "ana",
                Command::refund(refund, (*id).clone(), Money::eur(back)),
            ));
        }
        let cash: Vec<_> = contract
            .cash
            .iter()
            .filter(|(_, c)| c.reversed_at.is_none())
            .collect();
        if let Some((id, _)) = cash.get(choice % cash.len().max(1)) {
            moves.push(Move::new("ana", Command::ReverseCash { id: (*id).clone() }));
        }
        let amended = match choice % 2 {
            0 => half(value, self.unit).and_then(|h| value.checked_add(h)),
            _ => half(value, self.unit).map(|h| h.max(execution.invoiced())),
        };
        if let Some(new_value) = amended {
            moves.push(Move::new(
                "ana",
                Command::propose_amendment(Money::eur(new_value), "scope changed"),
            ));
        }
        if execution.is_complete() {
            moves.extend(self.convene(GateKind::ClosureDecision, Plan::vote(Vote::Rework)));
        }
        moves
    }

    fn milestone(&self) -> Move {
        let contract = self.deal.contract();
        let id =
            fresh(|id| contract.is_some_and(|c| c.milestones.contains_key(&MilestoneId::new(id))));
        Move::new("fred", Command::add_milestone(id, "delivery"))
    }

    fn invoice(&self, amount: Decimal) -> Move {
        let contract = self.deal.contract();
        let id = fresh(|id| contract.is_some_and(|c| c.invoices.contains_key(&InvoiceId::new(id))));
        Move::new("ana", Command::issue_invoice(id, Money::eur(amount)))
    }

    fn pay(&self, invoice: &InvoiceId, amount: Decimal) -> Move {
        let contract = self.deal.contract();
        let id = fresh(|id| contract.is_some_and(|c| c.cash.contains_key(&PaymentId::new(id))));
        Move::new(
            "ana",
            Command::record_payment(id, invoice.clone(), Money::eur(amount)),
        )
    }
}

/// A valid script from lead to cash under the standard process: a team that changes, all four
/// gates (one sent back for rework, one approved with a condition that is then closed), a
/// contract, two invoices, partial payments, and the closure decision. About forty commands.
///
/// ```
/// use ltc_pipeline::{strategies, Deal, DealId, Process, StageKind};
/// let process = Process::standard();
/// let mut deal = Deal::new(DealId::new("D-1"));
/// for step in strategies::lead_to_cash() {
///     deal.execute(&process, &step.command, &step.actor, step.at).unwrap();
/// }
/// assert_eq!(deal.stage_kind(), Some(StageKind::Won));
/// ```
pub fn lead_to_cash() -> Vec<Step> {
    let standard = Process::standard();
    let mut s = Script::new(&standard);
    let d = Duration::days;
    s.push(
        "ops",
        d(0),
        Command::capture_lead("Northwind", "trade fair", Some(Money::eur(240_000))),
    );
    s.push(
        "ana",
        d(2),
        Command::grade_lead([("budget", 4), ("decision_chain", 3), ("urgency", 4)]),
    );
    s.push("ana", d(1), Command::QualifyLead {});
    s.member("ana", Role::ar());
    s.member("sam", Role::sr());
    let (mia, dan) = (("mia", "manager"), ("dan", "director"));
    s.gate(
        GateKind::OpportunityApproval,
        &[("eve", "director")],
        Vote::Approve,
        None,
    );
    s.member("sue", Role::sr());
    s.gate(GateKind::SolutionReview, &[mia, dan], Vote::Rework, None);
    s.gate(
        GateKind::SolutionReview,
        &[mia, dan],
        Vote::Approve,
        Some("C-1"),
    );
    s.push(
        "sam",
        d(3),
        Command::close_condition("C-1", "delivery risk reviewed with FR"),
    );
    s.member("fred", Role::fr());
    s.push("ops", d(1), Command::remove_member("sam", Role::sr()));
    s.gate(
        GateKind::BidDecision,
        &[mia, dan, ("zoe", "manager")],
        Vote::Approve,
        None,
    );
    s.push(
        "ana",
        d(30),
        Command::request_contract_decision(Money::eur(200_000)),
    );
    s.gate(
        GateKind::ContractDecision,
        &[("eve", "director")],
        Vote::Approve,
        None,
    );
    for (id, title) in [("M-1", "installation"), ("M-2", "go-live")] {
        s.push("fred", d(1), Command::add_milestone(id, title));
    }
    s.push("fred", d(30), Command::deliver_milestone("M-1"));
    s.push("fred", d(5), Command::accept_milestone("M-1"));
    s.push(
        "ana",
        d(1),
        Command::issue_invoice("INV-1", Money::eur(120_000)),
    );
    s.push("fred", d(30), Command::deliver_milestone("M-2"));
    s.push("fred", d(5), Command::accept_milestone("M-2"));
    s.push(
        "ana",
        d(1),
        Command::issue_invoice("INV-2", Money::eur(80_000)),
    );
    for (pid, inv, amt) in [
        ("PAY-1", "INV-1", 60_000),
        ("PAY-2", "INV-1", 60_000),
        ("PAY-3", "INV-2", 80_000),
    ] {
        s.push(
            "ana",
            d(20),
            Command::record_payment(pid, inv, Money::eur(amt)),
        );
    }
    s.gate(
        GateKind::ClosureDecision,
        &[("mia", "manager")],
        Vote::Approve,
        None,
    );
    s.steps
}

/// A valid script from lead to cash under `process`: the lead captured with an estimate (below
/// the skip threshold when the process has no solution review), scored the maximum on every
/// criterion and qualified; one member in every role of the process; each gate on the way
/// convened with a panel that meets its policy ([`panel_for`]) and approved by every seat;
/// the contract signed at the estimate, one milestone delivered and accepted, invoiced and paid
/// in full; the closure decision. The script is checked against the engine before it is
/// returned.
///
/// # Errors
/// [`Error::EmptyPanel`] when the process defines no level to seat a reviewer at, or the
/// engine's refusal of the first command of the script it does not accept (for example a
/// named reviewer who is also a team member, under four-eyes).
pub fn lead_to_cash_in(process: &Process) -> Result<Vec<Step>, Error> {
    let d = Duration::days;
    let review = process.policy(GateKind::SolutionReview).is_some();
    let mut amount = Decimal::from(240_000);
    if let (false, Some(small)) = (review, small_enough_to_skip(process)) {
        amount = small.min(amount);
    }
    let money = Money::eur(amount);
    let mut s = Script::new(process);
    s.push(
        "ops",
        d(0),
        Command::capture_lead("ACME", "web", Some(money)),
    );
    let scores = process
        .definition()
        .scorecard
        .criteria
        .iter()
        .map(|c| (c.name.clone(), c.max));
    s.push("ana", d(1), Command::grade_lead(scores));
    s.push("ana", d(1), Command::QualifyLead {});
    for role in &process.definition().roles {
        s.member(&team_member(role), role.clone());
    }
    let pass = |s: &mut Script, gate| -> Result<(), Error> {
        let panel = panel_for(process, gate)?;
        let panel: Vec<(&str, &str)> = panel
            .iter()
            .map(|seat| (seat.person.as_str(), seat.level.as_str()))
            .collect();
        s.gate(gate, &panel, Vote::Approve, None);
        Ok(())
    };
    pass(&mut s, GateKind::OpportunityApproval)?;
    if review {
        pass(&mut s, GateKind::SolutionReview)?;
    } else {
        s.push("ops", d(1), Command::SkipSolutionReview {});
    }
    pass(&mut s, GateKind::BidDecision)?;
    s.push("ana", d(5), Command::request_contract_decision(money));
    pass(&mut s, GateKind::ContractDecision)?;
    s.push("fred", d(1), Command::add_milestone("M-1", "delivery"));
    s.push("fred", d(10), Command::deliver_milestone("M-1"));
    s.push("fred", d(2), Command::accept_milestone("M-1"));
    s.push("ana", d(1), Command::issue_invoice("INV-1", money));
    s.push(
        "ana",
        d(20),
        Command::record_payment("PAY-1", "INV-1", money),
    );
    pass(&mut s, GateKind::ClosureDecision)?;
    // The script must be one the engine accepts, step by step.
    let mut deal = Deal::new(DealId::new("D-1"));
    for step in &s.steps {
        deal.execute(process, &step.command, &step.actor, step.at)?;
    }
    Ok(s.steps)
}

/// Who holds `role` in [`lead_to_cash_in`]: the triangle's usual names, `member-{role}` else.
fn team_member(role: &Role) -> String {
    match role.as_str() {
        "AR" => "ana".to_owned(),
        "SR" => "sam".to_owned(),
        "FR" => "fred".to_owned(),
        other => format!("member-{other}"),
    }
}

/// A panel that meets the policy of `gate` under `process` whatever the amount at stake: the
/// named reviewers, then for each level the policy asks for that many seats at that level, a
/// seat at each escalation level, and seats of the lowest level until a `k_of_n` rule can be
/// met (or the panel has a seat). Reviewers other than the named ones are `reviewer-1`,
/// `reviewer-2`, ... (passing over a name the policy names), never members of a team of
/// [`lead_to_cash_in`].
///
/// ```
/// use ltc_pipeline::{strategies, GateKind, Process};
/// let panel = strategies::panel_for(&Process::standard(), GateKind::BidDecision)?;
/// let levels: Vec<&str> = panel.iter().map(|s| s.level.as_str()).collect();
/// assert_eq!(levels, ["manager", "manager", "director"]);
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
///
/// # Errors
/// [`Error::GateNotConfigured`] when the process has no policy for the gate, [`Error::EmptyPanel`]
/// when it defines no level at all.
pub fn panel_for(process: &Process, gate: GateKind) -> Result<Vec<Seat>, Error> {
    let policy = process
        .policy(gate)
        .ok_or(Error::GateNotConfigured { gate })?;
    let levels = &process.definition().levels;
    let (Some(lowest), Some(highest)) = (levels.first(), levels.last()) else {
        return Err(Error::EmptyPanel { gate });
    };
    let mut panel: Vec<Seat> = policy
        .panel
        .named
        .iter()
        .map(|p| Seat::new(p.clone(), highest.clone()))
        .collect();
    let mut next = 0;
    let mut seat = |panel: &mut Vec<Seat>, level: &str| {
        let person = loop {
            next += 1;
            let person = PersonId::new(format!("reviewer-{next}"));
            if !panel.iter().any(|s| s.person == person) {
                break person;
            }
        };
        panel.push(Seat::new(person, level));
    };
    for need in &policy.panel.levels {
        for _ in 0..need.count {
            seat(&mut panel, &need.level);
        }
    }
    for escalation in &policy.escalation {
        seat(&mut panel, &escalation.level);
    }
    let k = match policy.rule {
        DecisionRule::KOfN { k } => k as usize,
        _ => 1,
    };
    while panel.len() < k {
        seat(&mut panel, lowest);
    }
    Ok(panel)
}

/// A script being written: steps at increasing times, gates held through [`GateSession`].
struct Script<'a> {
    process: &'a Process,
    at: DateTime<Utc>,
    steps: Vec<Step>,
}

impl<'a> Script<'a> {
    fn new(process: &'a Process) -> Self {
        Self {
            process,
            at: epoch(),
            steps: Vec::new(),
        }
    }

    fn push(&mut self, actor: impl Into<PersonId>, after: Duration, command: Command) {
        self.at += after;
        self.steps.push(Step {
            actor: actor.into(),
            at: self.at,
            command,
        });
    }

    fn member(&mut self, person: &str, role: Role) {
        self.push(
            "ops",
            Duration::days(1),
            Command::add_member(person, role, Decimal::ONE),
        );
    }

    /// Convened two days on, the votes four hours apart, the decision a day later.
    fn gate(
        &mut self,
        gate: GateKind,
        panel: &[(&str, &str)],
        vote: Vote,
        condition: Option<&str>,
    ) {
        let mut session = GateSession::new(gate, "ops")
            .panel(panel.iter().copied())
            .vote(vote)
            .minutes(format!("{gate}: {vote:?}"));
        if let Some(id) = condition {
            session = session.condition(ConditionSpec::new(id, "review delivery risk with FR"));
        }
        let Ok(steps) = session.steps(self.process) else {
            return;
        };
        let last = steps.len().saturating_sub(1);
        for (i, (actor, command)) in steps.into_iter().enumerate() {
            let after = match i {
                0 => Duration::days(2),
                i if i == last => Duration::days(1),
                _ => Duration::hours(4),
            };
            self.push(actor, after, command);
        }
    }
}

/// The [`lead_to_cash`] script with arbitrary commands interleaved, as
/// [`noisy_lead_to_cash_in`] makes it under the standard process.
pub fn noisy_lead_to_cash() -> impl Strategy<Value = Vec<Step>> {
    noisy(&Process::standard(), lead_to_cash(), command())
}

/// The [`lead_to_cash_in`] script of `process` with arbitrary commands of [`command_in`]
/// interleaved: most are refused, some take the deal elsewhere (an extra invoice, a loss). Some
/// come after a pause of days or years, which moves the rest of the script on by as much. In
/// about one case in four an end is taken on the way, at a step where the script's deal may
/// take it: disqualified, withdrawn, lost, or closed by force after the process's inactivity
/// period; the script's later steps are then refused.
///
/// ```
/// use ltc_pipeline::{strategies, Deal, DealId, Process, StageKind};
/// use proptest::prelude::*;
/// use proptest::strategy::ValueTree;
/// use proptest::test_runner::TestRunner;
///
/// let process = Process::standard();
/// let noisy = strategies::noisy_lead_to_cash_in(&process)?;
/// let mut runner = TestRunner::deterministic();
/// let (mut won, mut ended) = (0, 0);
/// for _ in 0..40 {
///     let mut deal = Deal::new(DealId::new("D-1"));
///     for step in noisy.new_tree(&mut runner).unwrap().current() {
///         let _ = deal.execute(&process, &step.command, &step.actor, step.at);
///     }
///     match deal.stage_kind() {
///         Some(StageKind::Won) => won += 1,
///         Some(stage) if stage.is_end() => ended += 1,
///         _ => {}
///     }
/// }
/// assert!(won > 0 && ended > 0, "{won} won, {ended} ended otherwise");
/// # Ok::<(), ltc_pipeline::Error>(())
/// ```
///
/// # Errors
/// As [`lead_to_cash_in`].
pub fn noisy_lead_to_cash_in(process: &Process) -> Result<impl Strategy<Value = Vec<Step>>, Error> {
    Ok(noisy(
        process,
        lead_to_cash_in(process)?,
        command_in(process),
    ))
}

/// The share of noisy scripts that take an end on the way.
const NOISY_ENDS: f64 = 0.25;

fn noisy(
    process: &Process,
    script: Vec<Step>,
    command: impl Strategy<Value = Command>,
) -> impl Strategy<Value = Vec<Step>> {
    // The stage the script leaves its deal in after each of its prefixes, and so the positions
    // at which each end may be taken by a command.
    let mut deal = Deal::new(DealId::new("D-1"));
    let mut stages = vec![None];
    for step in &script {
        let _ = deal.execute(process, &step.command, &step.actor, step.at);
        stages.push(deal.stage_kind());
    }
    let forced = process.definition().forced_closure_after_days;
    let ends: Vec<(Command, u32, Vec<usize>)> = ENDS
        .into_iter()
        .map(|end| {
            let positions = stages
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.is_some_and(|s| !s.is_end() && end.ends_by_command_from(s.phase()))
                })
                .map(|(i, _)| i)
                .collect();
            let (command, wait) = ending(end, forced);
            (command, wait, positions)
        })
        .collect();
    let len = script.len();
    let pause = prop_oneof![3 => Just(0i64), 1 => 0i64..60, 1 => 0i64..4000];
    (
        vec((0..=len, person(), command, pause), 0..30),
        proptest::option::weighted(NOISY_ENDS, (any::<Index>(), any::<Index>())),
    )
        .prop_map(move |(noise, end)| {
            let mut inserts = noise;
            let end = end.and_then(|(which, at)| {
                let (command, wait, positions) = ends.get(which.index(ends.len()))?;
                let i = positions.get(at.index(positions.len().max(1)))?;
                Some((*i, PersonId::new("ana"), command.clone(), i64::from(*wait)))
            });
            inserts.extend(end);
            // Stable: at one position, the noise in the order drawn, then the end.
            inserts.sort_by_key(|(i, ..)| *i);
            interleave(&script, inserts)
        })
}

/// The ends a command can take a deal to.
const ENDS: [EndKind; 4] = [
    EndKind::Disqualified,
    EndKind::Withdrawn,
    EndKind::Lost,
    EndKind::ForceClosed,
];

/// The command that ends a deal as `end`, with the days of inactivity it waits for (a forced
/// closure waits `forced` days).
fn ending(end: EndKind, forced: u32) -> (Command, u32) {
    match end {
        EndKind::Disqualified => (
            Command::Disqualify {
                reason: "no budget".into(),
            },
            0,
        ),
        EndKind::Withdrawn => (
            Command::Withdraw {
                reason: "no bid".into(),
            },
            0,
        ),
        EndKind::Lost => (
            Command::Lose {
                reason: "a competitor won".into(),
            },
            0,
        ),
        EndKind::ForceClosed | EndKind::Won => (
            Command::ForceClose {
                recommendation: "no activity".into(),
            },
            forced,
        ),
    }
}

/// The script's steps with `inserts` (position, actor, command, days of pause) before the
/// step at their position: an insert comes its pause after the step before it, and moves the
/// rest of the script on by its pause.
fn interleave(script: &[Step], inserts: Vec<(usize, PersonId, Command, i64)>) -> Vec<Step> {
    let mut steps = Vec::with_capacity(script.len() + inserts.len());
    let mut inserts = inserts.into_iter().peekable();
    let mut shift = Duration::zero();
    let mut last = epoch();
    for i in 0..=script.len() {
        while let Some((_, actor, command, days)) = inserts.next_if(|(j, ..)| *j == i) {
            let pause = Duration::days(days);
            shift = shift.checked_add(&pause).unwrap_or(shift);
            last = later(last, pause);
            steps.push(Step {
                actor,
                at: last,
                command,
            });
        }
        if let Some(step) = script.get(i) {
            last = later(step.at, shift).max(last);
            steps.push(Step {
                actor: step.actor.clone(),
                at: last,
                command: step.command.clone(),
            });
        }
    }
    steps
}
