//! Proptest strategies for integrators: valid processes, teams, and command sequences.
//!
//! Enabled by the `proptest` feature. Commands draw their people, ids and amounts from small
//! pools so that random sequences often hit the same records and get deep into the pipeline.
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

use crate::{
    Command, ConditionSpec, DecisionRule, GateKind, Money, PersonId, Process, ProcessDefinition,
    Role, Seat, Vote,
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
const LEVELS: [&str; 4] = ["manager", "director", "executive", "intern"];

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn eur(amount: Decimal) -> Money {
    Money {
        amount,
        currency: crate::Currency::new("EUR").unwrap_or_else(|_| unreachable_currency()),
    }
}

#[cold]
fn unreachable_currency() -> crate::Currency {
    // "EUR" is a valid code; this is never reached.
    #[allow(clippy::panic)]
    {
        panic!("EUR is a valid currency code")
    }
}

/// A person from a small pool (team members, reviewers, the convener).
pub fn person() -> impl Strategy<Value = PersonId> {
    select(PEOPLE.to_vec()).prop_map(PersonId::new)
}

/// An amount in whole or fractional euros, from tiny to above every escalation threshold.
pub fn money() -> impl Strategy<Value = Money> {
    prop_oneof![
        (1i64..2_000_000).prop_map(|a| eur(Decimal::from(a))),
        (1i64..100_000_000).prop_map(|c| eur(Decimal::new(c, 2))),
        Just(eur(Decimal::ZERO)),
        Just(eur(Decimal::from(-5))),
    ]
}

/// Valid processes: the standard one with varied rules, four-eyes, thresholds and skip.
pub fn process() -> impl Strategy<Value = Process> {
    let rule = prop_oneof![
        Just(DecisionRule::Unanimous),
        Just(DecisionRule::Majority),
        (1u32..3).prop_map(|k| DecisionRule::KOfN { k }),
        Just(DecisionRule::SingleDecider),
    ];
    (
        vec(rule, GateKind::ALL.len()),
        any::<bool>(),
        proptest::option::of(1i64..200_000),
        1u32..4000,
    )
        .prop_map(|(rules, four_eyes, skip, forced)| {
            let mut definition = ProcessDefinition::standard();
            for (policy, rule) in definition.gates.iter_mut().zip(rules) {
                policy.rule = rule;
                policy.four_eyes = four_eyes;
            }
            definition.skip_solution_review_below = skip.map(Decimal::from);
            definition.forced_closure_after_days = forced;
            Process::new(definition).unwrap_or_else(|_| Process::standard())
        })
}

/// Team changes: people joining (with an involvement, sometimes invalid) and leaving.
pub fn team_change() -> impl Strategy<Value = Command> {
    let role = select(vec![Role::ar(), Role::sr(), Role::fr(), Role::new("QA")]);
    prop_oneof![
        (person(), role.clone(), 0i64..=12).prop_map(|(person, role, tenths)| {
            Command::AddMember {
                person,
                role,
                involvement: Decimal::new(tenths, 1),
            }
        }),
        (person(), role, any::<bool>()).prop_map(|(person, role, note)| {
            Command::RemoveMember {
                person,
                role,
                closure_recommendation: note.then(|| "close when paid".to_owned()),
            }
        }),
    ]
}

/// A team of several people per role, as `add_member` commands.
pub fn team() -> impl Strategy<Value = Vec<Command>> {
    vec(
        (
            person(),
            select(vec![Role::ar(), Role::sr(), Role::fr()]),
            1i64..=10,
        )
            .prop_map(|(person, role, tenths)| Command::AddMember {
                person,
                role,
                involvement: Decimal::new(tenths, 1),
            }),
        1..8,
    )
}

fn panel() -> impl Strategy<Value = Vec<Seat>> {
    vec(
        (person(), select(LEVELS.to_vec())).prop_map(|(p, l)| Seat::new(p, l)),
        0..4,
    )
}

/// Any command, valid or not, over small pools of ids so that records collide.
pub fn command() -> impl Strategy<Value = Command> {
    let id = || select(vec!["1", "2", "3"]);
    let text = || select(vec!["", "reason", "minutes"]).prop_map(str::to_owned);
    let gate = select(GateKind::ALL.to_vec());
    let vote = select(vec![Vote::Approve, Vote::Rework, Vote::Reject]);
    let materials = gate.clone().prop_map(|g| {
        Process::standard()
            .policy(g)
            .map(|p| p.materials.clone())
            .unwrap_or_default()
    });
    prop_oneof![
        proptest::option::of(money()).prop_map(|estimate| Command::CaptureLead {
            customer: "ACME".into(),
            source: "web".into(),
            estimate,
        }),
        (0u32..7, 0u32..7, 0u32..7).prop_map(|(b, d, u)| Command::GradeLead {
            scores: [("budget", b), ("decision_chain", d), ("urgency", u)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        }),
        Just(Command::QualifyLead {}),
        text().prop_map(|reason| Command::Disqualify { reason }),
        money().prop_map(|value| Command::SetEstimate { value }),
        team_change(),
        team_change(),
        (gate, panel(), proptest::option::of(person()), materials).prop_map(
            |(gate, panel, chair, materials)| Command::ConveneGate {
                gate,
                chair: chair.or_else(|| panel.first().map(|s| s.person.clone())),
                panel,
                materials,
            }
        ),
        (person(), select(LEVELS.to_vec())).prop_map(|(p, l)| Command::DelegateVote {
            substitute: Seat::new(p, l)
        }),
        vote.clone().prop_map(|vote| Command::CastVote {
            vote,
            comment: None
        }),
        vote.prop_map(|vote| Command::CastVote {
            vote,
            comment: None
        }),
        text().prop_map(|reason| Command::WithdrawGate { reason }),
        (text(), vec(id(), 0..2)).prop_map(|(minutes, ids)| Command::RecordDecision {
            minutes,
            conditions: ids
                .into_iter()
                .map(|i| ConditionSpec {
                    id: i.into(),
                    text: "follow up".into(),
                    due: None,
                })
                .collect(),
        }),
        (id(), text()).prop_map(|(i, note)| Command::CloseCondition { id: i.into(), note }),
        Just(Command::SkipSolutionReview {}),
        money().prop_map(|terms| Command::RequestContractDecision { terms }),
        id().prop_map(|i| Command::AddMilestone {
            id: i.into(),
            title: "deliver".into()
        }),
        id().prop_map(|i| Command::DeliverMilestone { id: i.into() }),
        id().prop_map(|i| Command::AcceptMilestone { id: i.into() }),
        (id(), money()).prop_map(|(i, amount)| Command::IssueInvoice {
            id: i.into(),
            amount,
            due: None
        }),
        (id(), id(), money()).prop_map(|(p, i, amount)| Command::RecordPayment {
            id: p.into(),
            invoice: i.into(),
            amount
        }),
        (id(), id(), money()).prop_map(|(p, i, amount)| Command::Refund {
            id: format!("R{p}").into(),
            invoice: i.into(),
            amount
        }),
        id().prop_map(|p| Command::ReverseCash { id: p.into() }),
        (money(), text())
            .prop_map(|(new_value, reason)| Command::ProposeAmendment { new_value, reason }),
        text().prop_map(|recommendation| Command::ForceClose { recommendation }),
        text().prop_map(|reason| Command::Lose { reason }),
        text().prop_map(|reason| Command::Withdraw { reason }),
    ]
}

/// Up to `max` timed steps of arbitrary commands, time moving forward (sometimes by years).
pub fn steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    vec(
        (
            person(),
            command(),
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
    let mut script = Script {
        at: epoch(),
        steps: Vec::new(),
    };
    let s = &mut script;
    let d = |n: i64| Duration::days(n);
    let amount = |n: i64| eur(Decimal::from(n));
    s.push(
        "ops",
        d(0),
        Command::CaptureLead {
            customer: "Northwind".into(),
            source: "trade fair".into(),
            estimate: Some(amount(240_000)),
        },
    );
    s.push(
        "ana",
        d(2),
        Command::GradeLead {
            scores: [("budget", 4), ("decision_chain", 3), ("urgency", 4)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        },
    );
    s.push("ana", d(1), Command::QualifyLead {});
    s.member("ana", Role::ar());
    s.member("sam", Role::sr());
    s.gate(
        GateKind::OpportunityApproval,
        &[("eve", "director")],
        Vote::Approve,
        None,
    );
    s.member("sue", Role::sr());
    s.gate(
        GateKind::SolutionReview,
        &[("mia", "manager"), ("dan", "director")],
        Vote::Rework,
        None,
    );
    s.gate(
        GateKind::SolutionReview,
        &[("mia", "manager"), ("dan", "director")],
        Vote::Approve,
        Some("C-1"),
    );
    s.push(
        "sam",
        d(3),
        Command::CloseCondition {
            id: "C-1".into(),
            note: "delivery risk reviewed with FR".into(),
        },
    );
    s.member("fred", Role::fr());
    s.push(
        "ops",
        d(1),
        Command::RemoveMember {
            person: "sam".into(),
            role: Role::sr(),
            closure_recommendation: None,
        },
    );
    s.gate(
        GateKind::BidDecision,
        &[("mia", "manager"), ("dan", "director"), ("zoe", "manager")],
        Vote::Approve,
        None,
    );
    s.push(
        "ana",
        d(30),
        Command::RequestContractDecision {
            terms: amount(200_000),
        },
    );
    s.gate(
        GateKind::ContractDecision,
        &[("eve", "director")],
        Vote::Approve,
        None,
    );
    for (id, title) in [("M-1", "installation"), ("M-2", "go-live")] {
        s.push(
            "fred",
            d(1),
            Command::AddMilestone {
                id: id.into(),
                title: title.into(),
            },
        );
    }
    s.push(
        "fred",
        d(30),
        Command::DeliverMilestone { id: "M-1".into() },
    );
    s.push("fred", d(5), Command::AcceptMilestone { id: "M-1".into() });
    s.push(
        "ana",
        d(1),
        Command::IssueInvoice {
            id: "INV-1".into(),
            amount: amount(120_000),
            due: None,
        },
    );
    s.push(
        "fred",
        d(30),
        Command::DeliverMilestone { id: "M-2".into() },
    );
    s.push("fred", d(5), Command::AcceptMilestone { id: "M-2".into() });
    s.push(
        "ana",
        d(1),
        Command::IssueInvoice {
            id: "INV-2".into(),
            amount: amount(80_000),
            due: None,
        },
    );
    for (pid, inv, amt) in [
        ("PAY-1", "INV-1", 60_000),
        ("PAY-2", "INV-1", 60_000),
        ("PAY-3", "INV-2", 80_000),
    ] {
        s.push(
            "ana",
            d(20),
            Command::RecordPayment {
                id: pid.into(),
                invoice: inv.into(),
                amount: amount(amt),
            },
        );
    }
    s.gate(
        GateKind::ClosureDecision,
        &[("mia", "manager")],
        Vote::Approve,
        None,
    );
    script.steps
}

struct Script {
    at: DateTime<Utc>,
    steps: Vec<Step>,
}

impl Script {
    fn push(&mut self, actor: &str, after: Duration, command: Command) {
        self.at += after;
        self.steps.push(Step {
            actor: PersonId::new(actor),
            at: self.at,
            command,
        });
    }

    fn member(&mut self, person: &str, role: Role) {
        self.push(
            "ops",
            Duration::days(1),
            Command::AddMember {
                person: person.into(),
                role,
                involvement: Decimal::ONE,
            },
        );
    }

    fn gate(
        &mut self,
        gate: GateKind,
        panel: &[(&str, &str)],
        vote: Vote,
        condition: Option<&str>,
    ) {
        let standard = Process::standard();
        let Some(policy) = standard.shared_policy(gate).cloned() else {
            return;
        };
        let materials = policy.materials.clone();
        self.push(
            "ops",
            Duration::days(2),
            Command::ConveneGate {
                gate,
                panel: panel.iter().map(|(p, l)| Seat::new(*p, *l)).collect(),
                chair: panel.first().map(|(p, _)| PersonId::new(*p)),
                materials,
            },
        );
        // Seats vote in turn until the rule has decided (later votes would be refused): the
        // count is found by playing the votes on a meeting of this panel.
        let rule = policy.rule.clone();
        let mut meeting = crate::Meeting {
            gate,
            policy,
            attempt: 1,
            convened_at: self.at,
            convened_by: PersonId::new("ops"),
            panel: panel.iter().map(|(p, l)| Seat::new(*p, *l)).collect(),
            chair: panel.first().map(|(p, _)| PersonId::new(*p)),
            materials: Vec::new(),
            substitutes: Default::default(),
            ballots: Vec::new(),
        };
        let mut voters = Vec::new();
        for (reviewer, _) in panel {
            if meeting.verdict(&rule).is_some() {
                break;
            }
            meeting.ballots.push(crate::Ballot {
                seat: PersonId::new(*reviewer),
                by: PersonId::new(*reviewer),
                vote,
                comment: None,
                at: self.at,
            });
            voters.push(*reviewer);
        }
        for reviewer in voters {
            self.push(
                reviewer,
                Duration::hours(4),
                Command::CastVote {
                    vote,
                    comment: None,
                },
            );
        }
        self.push(
            "ops",
            Duration::days(1),
            Command::RecordDecision {
                minutes: format!("{gate}: {vote:?}"),
                conditions: condition
                    .map(|id| ConditionSpec {
                        id: id.into(),
                        text: "review delivery risk with FR".into(),
                        due: None,
                    })
                    .into_iter()
                    .collect(),
            },
        );
    }
}

/// The [`lead_to_cash`] script with arbitrary commands interleaved: most will be refused, some
/// will take the deal elsewhere (a loss, an extra invoice).
pub fn noisy_lead_to_cash() -> impl Strategy<Value = Vec<Step>> {
    let script = lead_to_cash();
    let len = script.len();
    vec((0..=len, person(), command()), 0..30).prop_map(move |noise| {
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
