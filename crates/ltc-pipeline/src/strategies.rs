//! Proptest strategies for integrators: valid processes, teams, and command sequences.
//!
//! Enabled by the `proptest` feature. Commands draw their people, ids and amounts from small
//! pools so that random sequences often hit the same records and get deep into the pipeline.
//!
//! Every strategy has two forms: one for the standard process ([`process`], [`command`],
//! [`steps`], [`team`], [`lead_to_cash`], ...) and one for a process of your own, drawing its
//! roles, levels, gates, materials and scorecard from it ([`process_from`], [`command_in`],
//! [`steps_in`], [`team_in`], [`lead_to_cash_in`], ...).
//!
//! ```
//! use ltc_pipeline::strategies;
//! use ltc_pipeline::{Deal, DealId};
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//!
//! let mut runner = TestRunner::default();
//! runner.run(&(strategies::process(), strategies::steps(20)), |(process, steps)| {
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
//! // Arbitrary commands over its roles, levels and gates, under variants of its rules.
//! let mut runner = TestRunner::default();
//! let strategy = (strategies::process_from(definition)?, strategies::steps_in(&process, 20));
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
    Command, ConditionSpec, Deal, DealId, DecisionRule, Error, GateKind, GateSession, Money,
    PersonId, Process, ProcessDefinition, Role, Seat, Vote,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;

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
        1u32..4000,
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

/// Up to `max` timed steps of arbitrary commands, time moving forward (sometimes by years).
pub fn steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    steps_in(&Process::standard(), max)
}

/// Up to `max` timed steps of arbitrary commands for a deal under `process` ([`command_in`]).
pub fn steps_in(process: &Process, max: usize) -> impl Strategy<Value = Vec<Step>> {
    vec(
        (
            person(),
            command_in(process),
            prop_oneof![0i64..3, 0i64..60, 0i64..4000],
        ),
        0..max,
    )
    .prop_map(|raw| {
        let mut at = epoch();
        raw.into_iter()
            .map(|(actor, command, days)| {
                at += Duration::days(days);
                Step { actor, at, command }
            })
            .collect()
    })
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
    if let (false, Some(below)) = (review, process.definition().skip_solution_review_below) {
        // The largest whole amount strictly below the threshold (at least 1).
        amount = (below - Decimal::ONE).ceil().max(Decimal::ONE).min(amount);
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
/// `reviewer-2`, ..., never members of a team of [`lead_to_cash_in`].
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
        next += 1;
        panel.push(Seat::new(format!("reviewer-{next}"), level));
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

/// The [`lead_to_cash`] script with arbitrary commands interleaved: most will be refused, some
/// will take the deal elsewhere (a loss, an extra invoice).
pub fn noisy_lead_to_cash() -> impl Strategy<Value = Vec<Step>> {
    noisy(lead_to_cash(), command())
}

/// The [`lead_to_cash_in`] script of `process` with arbitrary commands of [`command_in`]
/// interleaved.
///
/// # Errors
/// As [`lead_to_cash_in`].
pub fn noisy_lead_to_cash_in(process: &Process) -> Result<impl Strategy<Value = Vec<Step>>, Error> {
    Ok(noisy(lead_to_cash_in(process)?, command_in(process)))
}

fn noisy(
    script: Vec<Step>,
    command: impl Strategy<Value = Command>,
) -> impl Strategy<Value = Vec<Step>> {
    let len = script.len();
    vec((0..=len, person(), command), 0..30).prop_map(move |noise| {
        let mut steps = script.clone();
        let mut noise = noise;
        noise.sort_by_key(|(i, _, _)| std::cmp::Reverse(*i));
        for (i, actor, command) in noise {
            let at = steps
                .get(i)
                .or_else(|| steps.last())
                .map_or_else(epoch, |s| s.at);
            steps.insert(i.min(steps.len()), Step { actor, at, command });
        }
        steps
    })
}
