//! Analytics: hand-computed figures on small logs, and properties over generated ones.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// The scenario driver of the core's tests: the deals here are driven through the engine the same way.
#[path = "../../ltc-pipeline/tests/common/mod.rs"]
mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{grade, invoice, pay, start, World};
use ltc_analytics::{
    deal_due, deal_figures, deal_light, Due, DueKind, Elapsed, Filter, HappeningKind, Light,
    Report, Settings, Snapshot, Subject, What, FUNNEL_STAGES,
};
use ltc_pipeline::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const DAY: i64 = 86_400;

/// The standard process with a short forced-closure period and reminders, so tests stay small.
fn process() -> Process {
    let mut d = ProcessDefinition::standard();
    d.forced_closure_after_days = 100;
    d.closure_reminder_days = vec![30, 60, 90];
    Process::new(d).unwrap()
}

fn world(id: &str) -> World {
    let mut w = World::with(process());
    w.deal = Deal::new(DealId::new(id));
    w
}

fn day(n: i64) -> DateTime<Utc> {
    start() + Duration::days(n)
}

fn days(n: i64) -> Elapsed {
    Elapsed::from_seconds(n * DAY)
}

const SR_PANEL: &[(&str, &str)] = &[("mia", "manager"), ("dan", "director")];
const EVE: &[(&str, &str)] = &[("eve", "executive")];

/// Won after a solution review sent back for rework; invoice paid four days late.
///
/// captured 0-2, graded 2-3, awaiting_approval 3-6, solution_work 6-21 (review: rework on day 12,
/// approved on day 21), bid 21-26, negotiation 26-36, awaiting_contract_decision 36-39,
/// signed 39-50, fulfilment 50-55, invoicing 55-56, collection 56-90, closing 90-96, won on 96.
fn deal_a() -> Vec<Event> {
    let mut w = world("A");
    let capture = Command::CaptureLead {
        customer: "Northwind".into(),
        source: "fair".into(),
        estimate: Some(Money::eur(100_000)),
    };
    w.now = day(0);
    w.given("ops", capture);
    w.now = day(2);
    w.given("ana", grade(4, 4, 3));
    w.now = day(3);
    w.given("ana", Command::QualifyLead {});
    w.join("ana", Role::ar());
    w.join("sam", Role::sr());
    w.now = day(5);
    w.convene(GateKind::OpportunityApproval, EVE);
    w.now = day(6);
    w.votes(&[("eve", Vote::Approve)]);
    w.decide(vec![]);
    w.now = day(10);
    w.convene(GateKind::SolutionReview, SR_PANEL);
    w.now = day(12);
    w.votes(&[("mia", Vote::Rework)]);
    w.decide(vec![]);
    w.now = day(20);
    w.convene(GateKind::SolutionReview, SR_PANEL);
    w.now = day(21);
    w.votes(&[("mia", Vote::Approve), ("dan", Vote::Approve)]);
    w.decide(vec![]);
    w.join("fred", Role::fr());
    w.now = day(25);
    w.convene(GateKind::BidDecision, SR_PANEL);
    w.now = day(26);
    w.votes(&[("mia", Vote::Approve), ("dan", Vote::Approve)]);
    w.decide(vec![]);
    w.now = day(36);
    w.given(
        "ana",
        Command::RequestContractDecision {
            terms: Money::eur(90_000),
        },
    );
    w.now = day(38);
    w.convene(GateKind::ContractDecision, EVE);
    w.now = day(39);
    w.votes(&[("eve", Vote::Approve)]);
    w.decide(vec![]);
    w.now = day(40);
    w.given(
        "fred",
        Command::AddMilestone {
            id: "M-1".into(),
            title: "installation".into(),
        },
    );
    w.now = day(50);
    w.given("fred", Command::DeliverMilestone { id: "M-1".into() });
    w.now = day(55);
    w.given("fred", Command::AcceptMilestone { id: "M-1".into() });
    w.now = day(56);
    w.given(
        "ana",
        Command::IssueInvoice {
            id: "INV-1".into(),
            amount: Money::eur(90_000),
            due: Some(day(86)),
        },
    );
    w.now = day(90);
    w.given("ana", pay("PAY-1", "INV-1", 90_000));
    w.now = day(95);
    w.convene(GateKind::ClosureDecision, EVE);
    w.now = day(96);
    w.votes(&[("eve", Vote::Approve)]);
    w.decide(vec![]);
    assert_eq!(w.stage(), StageKind::Won);
    w.log
}

/// Opened on day 30, skipped the solution review, lost at the bid with the bid decision convened.
///
/// captured 30-31, graded 31-32, awaiting_approval 32-34, solution_work 34-36, bid 36-42.
fn deal_b() -> Vec<Event> {
    let mut w = world("B");
    w.now = day(30);
    w.given(
        "ops",
        Command::CaptureLead {
            customer: "Contoso".into(),
            source: "web".into(),
            estimate: Some(Money::eur(40_000)),
        },
    );
    w.now = day(31);
    w.given("bob", grade(3, 3, 3));
    w.now = day(32);
    w.given("bob", Command::QualifyLead {});
    w.join("bob", Role::ar());
    w.join("sue", Role::sr());
    w.now = day(33);
    w.convene(GateKind::OpportunityApproval, EVE);
    w.now = day(34);
    w.votes(&[("eve", Vote::Approve)]);
    w.decide(vec![]);
    w.now = day(36);
    w.given("ops", Command::SkipSolutionReview {});
    w.now = day(38);
    w.join("fred", Role::fr());
    w.now = day(40);
    w.convene(GateKind::BidDecision, SR_PANEL);
    w.now = day(42);
    w.given(
        "bob",
        Command::Lose {
            reason: "a competitor won".into(),
        },
    );
    w.log
}

/// Signed on day 0 (everything before in the same instant), a milestone added on day 10, the AR
/// leaves on day 20 without a recommendation, closed by force on day 130.
fn deal_c() -> Vec<Event> {
    let mut w = world("C");
    w.signed(200_000);
    w.now = day(10);
    w.given(
        "fred",
        Command::AddMilestone {
            id: "M-1".into(),
            title: "rollout".into(),
        },
    );
    w.now = day(20);
    w.given(
        "ops",
        Command::RemoveMember {
            person: "ana".into(),
            role: Role::ar(),
            closure_recommendation: None,
        },
    );
    w.now = day(130);
    w.given(
        "ops",
        Command::ForceClose {
            recommendation: "dormant since day 20".into(),
        },
    );
    w.log
}

fn set() -> Vec<Vec<Event>> {
    vec![deal_a(), deal_b(), deal_c()]
}

fn seconds_of(figures: &ltc_analytics::DealFigures) -> Vec<(StageKind, u32, i64)> {
    figures
        .stages
        .iter()
        .map(|s| (s.stage, s.visits, s.elapsed.seconds / DAY))
        .collect()
}

// ----- per deal -----

#[test]
fn days_in_stage_of_the_reworked_deal() {
    let f = deal_figures(&deal_a(), &process(), day(200)).unwrap();
    use StageKind::*;
    assert_eq!(
        seconds_of(&f),
        vec![
            (Captured, 1, 2),
            (Graded, 1, 1),
            (AwaitingApproval, 1, 3),
            (SolutionWork, 1, 15),
            (Bid, 1, 5),
            (Negotiation, 1, 10),
            (AwaitingContractDecision, 1, 3),
            (Signed, 1, 11),
            (Fulfilment, 1, 5),
            (Invoicing, 1, 1),
            (Collection, 1, 34),
            (Closing, 1, 6),
        ]
    );
    assert!(f.stages.iter().all(|s| s.elapsed.seconds % DAY == 0));
    assert_eq!(f.cycle, days(96));
    assert_eq!(f.cycle.days, dec!(96.00));
    assert_eq!(f.stage, Won);
    assert_eq!(f.age_in_stage, None);
    let end = f.ended.unwrap();
    assert_eq!(
        (end.kind, end.at, end.from),
        (EndKind::Won, day(96), Closing)
    );
    assert_eq!(f.contract_value, Some(Money::eur(90_000)));
    assert_eq!(f.amount, Some(Money::eur(90_000)));
    assert_eq!(f.collected, Some(Money::eur(90_000)));
    assert_eq!(f.visits.len(), 12);
    assert_eq!(f.visits[3].entered, day(6));
    assert_eq!(f.visits[3].left, Some(day(21)));
}

#[test]
fn days_in_stage_of_the_deal_lost_at_the_bid() {
    let f = deal_figures(&deal_b(), &process(), day(200)).unwrap();
    use StageKind::*;
    assert_eq!(
        seconds_of(&f),
        vec![
            (Captured, 1, 1),
            (Graded, 1, 1),
            (AwaitingApproval, 1, 2),
            (SolutionWork, 1, 2),
            (Bid, 1, 6),
        ]
    );
    assert_eq!(f.cycle, days(12));
    assert_eq!(f.opened_at, day(30));
    let end = f.ended.unwrap();
    assert_eq!((end.kind, end.from), (EndKind::Lost, Bid));
    assert_eq!(f.contract_value, None);
    assert_eq!(f.amount, Some(Money::eur(40_000)));
}

#[test]
fn days_in_stage_of_the_deal_forced_to_close() {
    let f = deal_figures(&deal_c(), &process(), day(200)).unwrap();
    use StageKind::*;
    assert_eq!(
        seconds_of(&f),
        vec![
            (Captured, 1, 0),
            (Graded, 1, 0),
            (AwaitingApproval, 1, 0),
            (SolutionWork, 1, 0),
            (Bid, 1, 0),
            (Negotiation, 1, 0),
            (AwaitingContractDecision, 1, 0),
            (Signed, 1, 130),
        ]
    );
    assert_eq!(f.cycle, days(130));
    assert_eq!(f.ended.unwrap().kind, EndKind::ForceClosed);
    assert_eq!(f.collected, Some(Money::eur(0)));
}

#[test]
fn a_deal_that_came_back_to_a_stage_counts_both_visits() {
    let mut w = world("F");
    w.signed(10_000);
    w.now = day(1);
    w.given(
        "fred",
        Command::AddMilestone {
            id: "M-1".into(),
            title: "all".into(),
        },
    );
    w.given("fred", Command::DeliverMilestone { id: "M-1".into() });
    w.now = day(2);
    w.given("fred", Command::AcceptMilestone { id: "M-1".into() });
    w.now = day(3);
    w.given("ana", invoice("INV-1", 10_000));
    w.now = day(5);
    w.given("ana", pay("PAY-1", "INV-1", 10_000));
    w.now = day(6);
    w.given(
        "ana",
        Command::Refund {
            id: "R-1".into(),
            invoice: "INV-1".into(),
            amount: Money::eur(2_000),
        },
    );
    w.now = day(9);
    w.given("ana", pay("PAY-2", "INV-1", 2_000));
    let f = deal_figures(&w.log, &process(), day(10)).unwrap();
    use StageKind::*;
    let tail: Vec<_> = seconds_of(&f).into_iter().skip(7).collect();
    assert_eq!(
        tail,
        vec![
            (Signed, 1, 1),
            (Fulfilment, 1, 1),
            (Invoicing, 1, 1),
            (Collection, 2, 5),
            (Closing, 2, 2),
        ]
    );
    assert_eq!(f.cycle, days(10));
    assert_eq!(f.age_in_stage, Some(days(1)));
    assert_eq!(f.stage_since, day(9));
    assert_eq!(f.collected, Some(Money::eur(10_000)));
}

#[test]
fn figures_are_as_of_now_and_bad_logs_are_refused() {
    // On day 15.5 deal A is in solution work, since day 6 (the rework did not move it).
    let f = deal_figures(&deal_a(), &process(), day(15) + Duration::hours(12)).unwrap();
    assert_eq!(f.stage, StageKind::SolutionWork);
    assert_eq!(f.age_in_stage.unwrap().days, dec!(9.50));
    assert_eq!(f.cycle.days, dec!(15.50));
    assert_eq!(f.ended, None);
    // Before the first event the deal does not exist yet.
    let err = deal_figures(&deal_a(), &process(), day(-1)).unwrap_err();
    assert_eq!(err.code(), "not_opened");
    assert_eq!(
        deal_figures(&[], &process(), day(0)).unwrap_err().code(),
        "not_opened"
    );
    // An event dated before the one it follows.
    let mut log = deal_a();
    log[3].at = day(-5);
    let err = deal_figures(&log, &process(), day(200)).unwrap_err();
    assert_eq!(err.code(), "invalid_event");
    assert!(err.to_string().contains("time_went_backwards"), "{err}");
    // A gap in the versions.
    let mut log = deal_a();
    log.remove(4);
    assert_eq!(
        deal_figures(&log, &process(), day(200)).unwrap_err().code(),
        "invalid_event"
    );
    // Two logs of the same deal.
    let logs = vec![deal_a(), deal_a()];
    assert_eq!(
        Snapshot::new(&logs, &process(), day(200))
            .unwrap_err()
            .code(),
        "duplicate_id"
    );
}

// ----- gates -----

#[test]
fn gate_table() {
    let logs = set();
    let gates = Snapshot::new(&logs, &process(), day(200))
        .unwrap()
        .gates(&Filter::default())
        .unwrap();
    assert_eq!(
        gates.iter().map(|g| g.gate).collect::<Vec<_>>(),
        GateKind::ALL.to_vec()
    );
    let row = |gate: GateKind| gates.iter().find(|g| g.gate == gate).unwrap();

    // Opportunity approval: A (1 day), B (1 day), C (same instant); all passed first time.
    let oa = row(GateKind::OpportunityApproval);
    assert_eq!(
        (oa.convened, oa.outcomes.approved, oa.withdrawn, oa.open),
        (3, 3, 0, 0)
    );
    assert_eq!(oa.first_attempt_pass_rate, Some(dec!(1)));
    let t = oa.decision_time.unwrap();
    assert_eq!(
        (t.count, t.mean.seconds, t.median.seconds, t.max.seconds),
        (3, 2 * DAY / 3, DAY, DAY)
    );
    assert_eq!(t.mean.days, dec!(0.67));

    // Solution review: A rework (2 days) then approved (1 day), C approved (0); B skipped it.
    let sr = row(GateKind::SolutionReview);
    assert_eq!(sr.convened, 3);
    assert_eq!((sr.outcomes.approved, sr.outcomes.rework), (2, 1));
    assert_eq!(
        (sr.first_attempts_decided, sr.first_attempts_passed),
        (2, 1)
    );
    assert_eq!(sr.first_attempt_pass_rate, Some(dec!(0.5)));
    let t = sr.decision_time.unwrap();
    assert_eq!(
        (t.mean.seconds, t.median.seconds, t.max.seconds),
        (DAY, DAY, 2 * DAY)
    );

    // Bid decision: A (1 day), C (0) approved; B's meeting withdrawn when the deal was lost.
    let bd = row(GateKind::BidDecision);
    assert_eq!((bd.convened, bd.outcomes.approved, bd.withdrawn), (3, 2, 1));
    assert_eq!(
        (bd.first_attempts_decided, bd.first_attempts_passed),
        (2, 2)
    );
    let t = bd.decision_time.unwrap();
    assert_eq!(
        (t.count, t.mean.seconds, t.median.seconds),
        (2, DAY / 2, DAY / 2)
    );

    let cd = row(GateKind::ContractDecision);
    assert_eq!((cd.convened, cd.outcomes.approved), (2, 2));

    let change = row(GateKind::ChangeDecision);
    assert_eq!(change.convened, 0);
    assert_eq!(change.first_attempt_pass_rate, None);
    assert_eq!(change.decision_time, None);

    let closure = row(GateKind::ClosureDecision);
    assert_eq!((closure.convened, closure.outcomes.approved), (1, 1));
    assert_eq!(closure.decision_time.unwrap().mean, days(1));

    // As of day 11, A's first solution review is still open.
    let logs = vec![deal_a()];
    let gates = Snapshot::new(&logs, &process(), day(11))
        .unwrap()
        .gates(&Filter::default())
        .unwrap();
    let sr = &gates[1];
    assert_eq!((sr.convened, sr.open, sr.first_attempts_decided), (1, 1, 0));
    assert_eq!(sr.first_attempt_pass_rate, None);
}

// ----- funnel -----

#[test]
fn funnel_win_rate_and_deal_size() {
    let logs = set();
    let funnel = Snapshot::new(&logs, &process(), day(200))
        .unwrap()
        .funnel(&Filter::default())
        .unwrap();
    assert_eq!(funnel.deals, 3);
    let reached: Vec<u32> = funnel.rows.iter().map(|r| r.reached).collect();
    // A won; B got to the bid; C got to signed (a forced closure is not a win).
    assert_eq!(reached, vec![3, 3, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1]);
    assert_eq!(
        funnel.rows.iter().map(|r| r.stage).collect::<Vec<_>>(),
        FUNNEL_STAGES.to_vec()
    );
    let conversion: Vec<Option<Decimal>> = funnel.rows.iter().map(|r| r.conversion).collect();
    let one = Some(dec!(1));
    assert_eq!(
        conversion,
        vec![
            one,
            one,
            one,
            one,
            Some(dec!(0.6667)),
            one,
            one,
            Some(dec!(0.5)),
            one,
            one,
            one,
            one,
            None
        ]
    );
    let ended: Vec<(StageKind, u32)> = funnel
        .rows
        .iter()
        .filter(|r| r.ended > 0)
        .map(|r| (r.stage, r.ended))
        .collect();
    assert_eq!(ended, vec![(StageKind::Bid, 1), (StageKind::Signed, 1)]);
    assert!(funnel.rows.iter().all(|r| r.open == 0));
    assert_eq!((funnel.won, funnel.ended), (1, 3));
    assert_eq!(funnel.win_rate, Some(dec!(0.3333)));
    assert_eq!(funnel.won_sizes.len(), 1);
    let size = &funnel.won_sizes[0];
    assert_eq!(size.currency.as_str(), "EUR");
    assert_eq!(
        (size.deals, size.total, size.average, size.median),
        (1, dec!(90000), dec!(90000), dec!(90000))
    );

    // On day 40, A (signed on day 39) and C are signed; B is in the bid.
    let funnel = Snapshot::new(&logs, &process(), day(40))
        .unwrap()
        .funnel(&Filter::default())
        .unwrap();
    let open: Vec<(StageKind, u32)> = funnel
        .rows
        .iter()
        .filter(|r| r.open > 0)
        .map(|r| (r.stage, r.open))
        .collect();
    assert_eq!(open, vec![(StageKind::Bid, 1), (StageKind::Signed, 2)]);
    assert_eq!(funnel.win_rate, None);
}

#[test]
fn filters_select_deals() {
    let logs = set();
    let snapshot = Snapshot::new(&logs, &process(), day(200)).unwrap();
    let count = |f: Filter| snapshot.funnel(&f).unwrap().deals;
    assert_eq!(count(Filter::default().opened(day(29), day(31))), 1);
    assert_eq!(count(Filter::default().opened(day(0), day(30))), 2);
    assert_eq!(count(Filter::default().person("ana")), 2);
    assert_eq!(count(Filter::default().person("fred")), 3);
    assert_eq!(count(Filter::default().person("fred").role(Role::ar())), 0);
    assert_eq!(count(Filter::default().person("bob").role(Role::ar())), 1);
    assert_eq!(count(Filter::default().role(Role::new("QA"))), 0);
    assert_eq!(count(Filter::default().role(Role::fr())), 3);
    assert_eq!(count(Filter::default().opened(day(5), day(1))), 0);
    // The window is half-open: a lead captured exactly at `until` is out.
    assert_eq!(count(Filter::default().opened(day(0), day(30))), 2);
    assert_eq!(count(Filter::default().opened(day(30), day(30))), 0);
}

// ----- people and enablement -----

#[test]
fn per_person_figures() {
    let logs = set();
    let snapshot = Snapshot::new(&logs, &process(), day(200)).unwrap();
    let people = snapshot.people(&Filter::default()).unwrap();
    let names: Vec<&str> = people.iter().map(|p| p.person.as_str()).collect();
    assert_eq!(names, vec!["ana", "bob", "fred", "sam", "sue"]);
    let ana = &people[0];
    assert_eq!(ana.roles, vec![Role::ar()]);
    assert_eq!((ana.deals, ana.open, ana.won, ana.not_won), (2, 0, 1, 1));
    assert_eq!(ana.won_value.len(), 1);
    assert_eq!(ana.won_value[0].amount, dec!(90000));
    // A collected 90,000; C nothing.
    assert_eq!(ana.cash_collected[0].amount, dec!(90000));
    let bob = &people[1];
    assert_eq!((bob.deals, bob.won, bob.not_won), (1, 0, 1));
    assert!(bob.won_value.is_empty() && bob.cash_collected.is_empty());
    let fred = &people[2];
    assert_eq!((fred.deals, fred.won, fred.not_won), (3, 1, 2));

    let ars = snapshot
        .people(&Filter::default().role(Role::ar()))
        .unwrap();
    let names: Vec<&str> = ars.iter().map(|p| p.person.as_str()).collect();
    assert_eq!(names, vec!["ana", "bob"]);
    let one = snapshot.people(&Filter::default().person("sue")).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].roles, vec![Role::sr()]);
}

#[test]
fn enablement_figures() {
    let logs = set();
    let snapshot = Snapshot::new(&logs, &process(), day(200)).unwrap();
    let rows = snapshot.enablement(&Filter::default(), day(100)).unwrap();
    let ana = rows.iter().find(|r| r.person.as_str() == "ana").unwrap();
    // First joined deal C on day 0; first win: A on day 96.
    assert_eq!(ana.first_joined, day(0));
    assert_eq!(ana.first_win, Some(day(96)));
    assert_eq!(ana.time_to_first_win, Some(days(96)));
    assert_eq!(ana.before.won, 1);
    assert_eq!(ana.before.sizes[0].average, dec!(90000));
    assert_eq!(ana.before.cycle.unwrap().median, days(96));
    assert_eq!(ana.after.won, 0);
    assert_eq!(ana.after.cycle, None);
    let bob = rows.iter().find(|r| r.person.as_str() == "bob").unwrap();
    assert_eq!(bob.first_joined, day(32));
    assert_eq!((bob.first_win, bob.time_to_first_win), (None, None));
    // Split before A's win: it counts after.
    let rows = snapshot.enablement(&Filter::default(), day(96)).unwrap();
    let fred = rows.iter().find(|r| r.person.as_str() == "fred").unwrap();
    assert_eq!((fred.before.won, fred.after.won), (0, 1));
    assert_eq!(fred.first_joined, day(0));
}

// ----- traffic light -----

fn waiting_for_approval() -> Vec<Event> {
    // Qualified on day 0, opportunity approval convened on day 1 and never decided.
    let mut w = world("D");
    w.opportunity(80_000);
    w.now = day(1);
    w.convene(GateKind::OpportunityApproval, EVE);
    w.log
}

#[test]
fn traffic_light_against_stage_and_gate_service_levels() {
    let p = process();
    let s = Settings::default();
    let log = waiting_for_approval();
    let light = |now| deal_light(&log, &p, now, &s).unwrap().unwrap();
    // Gate: 5 days, amber after 4; stage awaiting_approval: 10 days, amber after 8.
    let l = light(day(5));
    assert_eq!(l.light, Light::Green);
    assert_eq!(l.readings.len(), 2);
    assert_eq!(
        l.readings[0].subject,
        Subject::Stage(StageKind::AwaitingApproval)
    );
    assert_eq!(l.readings[0].service_level_days, Some(10));
    assert_eq!(
        l.readings[1].subject,
        Subject::Gate(GateKind::OpportunityApproval)
    );
    assert_eq!(l.readings[1].elapsed, days(4));
    assert_eq!(light(day(5) + Duration::seconds(1)).light, Light::Amber);
    assert_eq!(light(day(6)).light, Light::Amber);
    let l = light(day(6) + Duration::seconds(1));
    assert_eq!(l.light, Light::Red);
    assert_eq!(l.readings[0].light, Light::Green);
    // A different amber share.
    let half = Settings {
        amber_share: dec!(0.5),
        ..Settings::default()
    };
    assert_eq!(
        deal_light(
            &log,
            &p,
            day(3) + Duration::hours(12) + Duration::seconds(1),
            &half
        )
        .unwrap()
        .unwrap()
        .light,
        Light::Amber
    );
    let bad = Settings {
        amber_share: dec!(0),
        ..Settings::default()
    };
    assert_eq!(
        deal_light(&log, &p, day(3), &bad).unwrap_err().code(),
        "invalid_amber_share"
    );
    // An ended deal has no light.
    assert_eq!(deal_light(&deal_b(), &p, day(200), &s).unwrap(), None);
    // The snapshot lists the worst first.
    let logs = vec![deal_a(), waiting_for_approval()];
    let lights = Snapshot::new(&logs, &process(), day(9))
        .unwrap()
        .lights(&s, &Filter::default())
        .unwrap();
    let got: Vec<(&str, Light)> = lights.iter().map(|l| (l.deal.as_str(), l.light)).collect();
    // A: solution_work since day 6 (3 of 30 days); D: gate 8 days of 5.
    assert_eq!(got, vec![("D", Light::Red), ("A", Light::Green)]);
}

/// Version 2 of the standard process: a captured lead may wait 2 days, not 7, and an
/// opportunity approval 1 day, not 5.
fn faster() -> Process {
    let mut d = ProcessDefinition::standard();
    d.version = 2;
    d.stage_service_levels.insert(StageKind::Captured, 2);
    for policy in d.gates.iter_mut() {
        if policy.gate == GateKind::OpportunityApproval {
            policy.service_level_days = Some(1);
        }
    }
    Process::new(d).unwrap()
}

#[test]
fn each_deal_is_read_against_the_service_levels_of_its_own_version() {
    let (v1, v2) = (Process::standard(), faster());
    let capture = |id: &str, process: &Process| {
        let mut w = World::with(process.clone());
        w.deal = Deal::new(DealId::new(id));
        w.given(
            "ops",
            Command::CaptureLead {
                customer: "ACME".into(),
                source: "web".into(),
                estimate: None,
            },
        );
        w
    };
    let old = capture("OLD", &v1);
    let new = capture("NEW", &v2);
    // Opened under version 1, moved to version 2 on day 1.
    let mut moved = capture("MOVED", &v1);
    moved.now = day(1);
    moved.migrate(v2.clone()).unwrap();
    let logs = vec![old.log, new.log, moved.log];
    let catalog = [v1.clone(), v2.clone()];
    let s = Settings::default();
    // Day 3: 3 days captured is green against 7, red against 2.
    let snapshot = Snapshot::new(&logs, &catalog, day(3)).unwrap();
    let lights = snapshot.lights(&s, &Filter::default()).unwrap();
    let got: Vec<(&str, Light, Option<u32>)> = lights
        .iter()
        .map(|l| (l.deal.as_str(), l.light, l.readings[0].service_level_days))
        .collect();
    assert_eq!(
        got,
        vec![
            ("MOVED", Light::Red, Some(2)),
            ("NEW", Light::Red, Some(2)),
            ("OLD", Light::Green, Some(7)),
        ]
    );
    // The one-deal functions read the same version.
    for (log, sl) in logs.iter().zip([7, 2, 2]) {
        let light = deal_light(log, &catalog, day(3), &s).unwrap().unwrap();
        assert_eq!(light.readings[0].service_level_days, Some(sl));
    }
    // Whichever version is listed first.
    let reversed = [v2, v1];
    let again = Snapshot::new(&logs, &reversed, day(3))
        .unwrap()
        .lights(&s, &Filter::default())
        .unwrap();
    assert_eq!(again, lights);
}

// ----- days in stage as a distribution, and the report -----

#[test]
fn days_in_stage_per_stage_against_the_service_levels() {
    let snapshot = Snapshot::new(&set(), &process(), day(200)).unwrap();
    let s = Settings::default();
    let rows = snapshot.stage_days(&s, &Filter::default()).unwrap();
    let stages: Vec<StageKind> = rows.iter().map(|r| r.stage).collect();
    let expected: Vec<StageKind> = FUNNEL_STAGES
        .iter()
        .copied()
        .filter(|k| !k.is_end())
        .collect();
    assert_eq!(stages, expected);
    let row = |k: StageKind| rows.iter().find(|r| r.stage == k).unwrap();
    let points = |k: StageKind| -> Vec<(&str, i64, Light)> {
        row(k)
            .points
            .iter()
            .map(|p| (p.deal.as_str(), p.elapsed.seconds / DAY, p.light))
            .collect()
    };
    use StageKind::*;
    // The worked example's table, read down its columns.
    assert_eq!(
        points(Bid),
        vec![
            ("A", 5, Light::Green),
            ("B", 6, Light::Green),
            ("C", 0, Light::Green)
        ]
    );
    let bid = row(Bid);
    assert_eq!(bid.service_levels, vec![21]);
    let d = bid.days.unwrap();
    assert_eq!((d.count, d.median, d.max), (3, days(5), days(6)));
    assert_eq!((bid.over, bid.near), (0, 0));
    // C sat 130 days in `signed` (service level 30): red; A's 11 days: green.
    assert_eq!(
        points(Signed),
        vec![("A", 11, Light::Green), ("C", 130, Light::Red)]
    );
    assert_eq!(row(Signed).over, 1);
    assert_eq!(points(Closing), vec![("A", 6, Light::Green)]);
    assert!(points(Closing).iter().all(|p| p.0 == "A"));
    // Every point is a deal's summed visits: the points of a deal add up to its cycle.
    for (log, id) in set().iter().zip(["A", "B", "C"]) {
        let cycle = deal_figures(log, &process(), day(200))
            .unwrap()
            .cycle
            .seconds;
        let sum: i64 = rows
            .iter()
            .flat_map(|r| &r.points)
            .filter(|p| p.deal.as_str() == id)
            .map(|p| p.elapsed.seconds)
            .sum();
        assert_eq!(sum, cycle, "{id}");
    }
    // The amber share moves points between green and amber, never past red.
    let strict = Settings {
        amber_share: dec!(0.3),
        ..Settings::default()
    };
    let tight = snapshot.stage_days(&strict, &Filter::default()).unwrap();
    let signed = tight.iter().find(|r| r.stage == Signed).unwrap();
    assert_eq!((signed.near, signed.over), (1, 1)); // 11 days is past 30% of 30
                                                    // A deal still in a stage counts up to now, and says so.
    let open = Snapshot::new(&[waiting_for_approval()], &process(), day(9)).unwrap();
    let rows = open.stage_days(&strict, &Filter::default()).unwrap();
    let waiting = rows.iter().find(|r| r.stage == AwaitingApproval).unwrap();
    assert_eq!(waiting.points.len(), 1);
    assert!(waiting.points[0].current);
    assert_eq!(waiting.points[0].elapsed, days(9));
    assert!(rows
        .iter()
        .find(|r| r.stage == Captured)
        .is_some_and(|r| !r.points[0].current));
    // Bad settings are refused.
    let bad = Settings {
        amber_share: dec!(1.5),
        ..Settings::default()
    };
    assert_eq!(
        open.stage_days(&bad, &Filter::default())
            .unwrap_err()
            .code(),
        "invalid_amber_share"
    );
}

#[test]
fn the_report_gathers_every_figure_as_of_now() {
    let logs = vec![deal_a(), deal_b(), deal_c(), waiting_for_approval()];
    let snapshot = Snapshot::new(&logs, &process(), day(9)).unwrap();
    let s = Settings::default();
    let filter = Filter::default();
    let report = Report::new(&snapshot, "standard", &s, &filter).unwrap();
    assert_eq!(report.now, day(9));
    assert_eq!(report.process, "standard");
    assert_eq!(report.funnel, snapshot.funnel(&filter).unwrap());
    assert_eq!(report.gates, snapshot.gates(&filter).unwrap());
    assert_eq!(report.stages, snapshot.stage_days(&s, &filter).unwrap());
    assert_eq!(report.due, snapshot.due(&s, &filter).unwrap());
    // Only red and amber deals, worst first, each with its age since capture.
    let lights = snapshot.lights(&s, &filter).unwrap();
    assert!(lights.iter().any(|l| l.light == Light::Green));
    assert_eq!(
        report.flagged,
        lights
            .into_iter()
            .filter(|l| l.light > Light::Green)
            .collect::<Vec<_>>()
    );
    let d = report
        .flagged
        .iter()
        .find(|l| l.deal.as_str() == "D")
        .unwrap();
    assert_eq!((d.opened_at, d.age), (day(0), days(9)));
    // One digest per person on a selected deal, by person, for the day of now.
    let people: Vec<String> = snapshot
        .people(&filter)
        .unwrap()
        .into_iter()
        .map(|p| p.person.to_string())
        .collect();
    let digests: Vec<String> = report
        .digests
        .iter()
        .map(|d| d.person.to_string())
        .collect();
    assert_eq!(digests, people);
    assert!(report.digests.iter().all(|d| d.day == day(9).date_naive()));
    let ana = report
        .digests
        .iter()
        .find(|d| d.person.as_str() == "ana")
        .unwrap();
    assert_eq!(
        ana,
        &snapshot
            .digest(&s, &"ana".into(), day(9).date_naive())
            .unwrap()
    );
    // The filter narrows every figure and is reported.
    let only_b = Filter::default().opened(day(30), day(31));
    let narrow = Report::new(&snapshot, "standard", &s, &only_b).unwrap();
    assert_eq!(narrow.filter, only_b);
    assert_eq!(narrow.funnel.deals, 0); // B is not opened by day 9
    assert!(narrow.flagged.is_empty() && narrow.digests.is_empty());
    // It reads back as it was written.
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), report);
}

// ----- due -----

#[test]
fn due_on_the_deal_forced_to_close() {
    let p = process();
    let s = Settings::default();
    let log = deal_c();
    let kinds = |now| -> Vec<(String, DateTime<Utc>, Vec<String>)> {
        deal_due(&log, &p, now, &s)
            .unwrap()
            .into_iter()
            .map(|d| {
                (
                    d.kind.name().to_owned(),
                    d.since,
                    d.who.iter().map(|w| w.to_string()).collect(),
                )
            })
            .collect()
    };
    let v = |xs: &[&str]| xs.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    // Day 25: ana left the signed contract without a recommendation.
    assert_eq!(
        kinds(day(25)),
        vec![("recommendation_owed".into(), day(20), v(&["ana"]))]
    );
    // Day 100: the 90-day reminder (the latest reached); no AR left, so the whole team is told.
    assert_eq!(
        kinds(day(100)),
        vec![
            ("recommendation_owed".into(), day(20), v(&["ana"])),
            ("closure_reminder".into(), day(90), v(&["fred", "sam"])),
        ]
    );
    // Day 120: 100 days without activity since day 20: may be closed by force.
    assert_eq!(kinds(day(120)).len(), 3);
    assert_eq!(kinds(day(120))[2].0, "forced_closure");
    assert_eq!(kinds(day(120))[2].1, day(120));
    assert_eq!(kinds(day(120) - Duration::seconds(1)).len(), 2);
    // After the forced closure nothing is due.
    assert!(kinds(day(130)).is_empty());

    // `forced_closure` is due exactly when the engine accepts the command.
    let mut deal = Deal::replay(DealId::new("C"), &process(), &log[..log.len() - 1]).unwrap();
    let force = Command::ForceClose {
        recommendation: "dormant".into(),
    };
    let early = day(120) - Duration::seconds(1);
    assert!(decide(&deal, &p, &force, &"ops".into(), early).is_err());
    assert!(deal.execute(&p, &force, &"ops".into(), day(120)).is_ok());
}

fn overdue_contract() -> Vec<Event> {
    // Signed on day 0 with a condition due on day 10, invoiced on day 1 (due day 30), part paid
    // on day 35.
    let mut w = world("E");
    w.opportunity(100_000);
    w.pass(GateKind::OpportunityApproval);
    w.pass(GateKind::SolutionReview);
    w.join("fred", Role::fr());
    w.pass(GateKind::BidDecision);
    w.given(
        "ana",
        Command::RequestContractDecision {
            terms: Money::eur(100_000),
        },
    );
    w.convene(GateKind::ContractDecision, EVE);
    w.votes(&[("eve", Vote::Approve)]);
    w.decide(vec![ConditionSpec {
        id: "C-9".into(),
        text: "parent company guarantee".into(),
        due: Some(day(10)),
    }]);
    w.now = day(1);
    w.given(
        "fred",
        Command::AddMilestone {
            id: "M-1".into(),
            title: "all".into(),
        },
    );
    w.given("fred", Command::DeliverMilestone { id: "M-1".into() });
    w.given("fred", Command::AcceptMilestone { id: "M-1".into() });
    w.given(
        "ana",
        Command::IssueInvoice {
            id: "INV-1".into(),
            amount: Money::eur(100_000),
            due: Some(day(30)),
        },
    );
    w.now = day(35);
    w.given("ana", pay("PAY-1", "INV-1", 40_000));
    w.log
}

#[test]
fn due_conditions_invoices_and_gates() {
    // The standard process: no closure reminder before two years.
    let p = Process::standard();
    let s = Settings::default();
    let log = overdue_contract();
    assert!(deal_due(&log, &p, day(10), &s).unwrap().is_empty());
    let due = deal_due(&log, &p, day(31), &s).unwrap();
    assert_eq!(
        due,
        vec![
            Due {
                deal: DealId::new("E"),
                kind: DueKind::ConditionOverdue {
                    condition: "C-9".into(),
                    gate: GateKind::ContractDecision
                },
                since: day(10),
                who: vec!["ana".into()],
            },
            Due {
                deal: DealId::new("E"),
                kind: DueKind::InvoiceOverdue {
                    invoice: "INV-1".into(),
                    outstanding: Money::eur(100_000)
                },
                since: day(30),
                who: vec!["ana".into()],
            },
        ]
    );
    let due = deal_due(&log, &p, day(36), &s).unwrap();
    assert_eq!(
        due[1].kind,
        DueKind::InvoiceOverdue {
            invoice: "INV-1".into(),
            outstanding: Money::eur(60_000)
        }
    );
    // A gate past its service level is for the convener to escalate.
    let log = waiting_for_approval();
    assert!(deal_due(&log, &p, day(6), &s).unwrap().is_empty());
    let due = deal_due(&log, &p, day(6) + Duration::seconds(1), &s).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].since, day(6));
    assert_eq!(due[0].who, vec![PersonId::new("ops")]);
    assert!(matches!(
        due[0].kind,
        DueKind::GateOverdue {
            gate: GateKind::OpportunityApproval,
            attempt: 1,
            service_level_days: 5,
            ..
        }
    ));
    // A paid-up, won deal owes nothing, even though its invoice was paid late.
    assert!(deal_due(&deal_a(), &p, day(200), &s).unwrap().is_empty());
    // While A was collecting, its invoice was overdue from day 86 until paid on day 90.
    let due = deal_due(&deal_a(), &p, day(87), &s).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].since, day(86));
}

// ----- digest -----

#[test]
fn daily_digest() {
    let s = Settings::default();
    let logs = vec![waiting_for_approval(), overdue_contract()];
    let now = day(35) + Duration::hours(8);
    // Read under the standard process (the same rules, no closure reminder before two years), so
    // that E's 30-day reminder of `process()` is not due.
    let snapshot = Snapshot::new(&logs, &Process::standard(), now).unwrap();
    let ana = PersonId::new("ana");
    let today = NaiveDate::from_ymd_opt(2026, 2, 9).unwrap();
    assert_eq!(today, day(35).date_naive());
    let digest = snapshot.digest(&s, &ana, today).unwrap();
    assert_eq!(digest.happened.len(), 1);
    let entry = &digest.happened[0];
    assert_eq!(entry.deal.as_str(), "E");
    // She collected it: her own happening, an entry of its own.
    assert!(entry.own && entry.count == 1 && entry.sample.len() == 1);
    assert!(
        matches!(&entry.sample[0].what, What::CashCollected { amount, .. } if *amount == Money::eur(40_000))
    );
    // D is red (gate 34 days of 5); E is collecting for 34 days of 60: green.
    assert_eq!(digest.flagged.len(), 1);
    assert_eq!(digest.flagged[0].deal.as_str(), "D");
    assert_eq!(digest.flagged[0].light, Light::Red);
    // The overdue gate is for ops; the condition and the invoice are for ana.
    let kinds: Vec<&str> = digest.due.iter().map(|d| d.kind.name()).collect();
    assert_eq!(kinds, vec!["condition_overdue", "invoice_overdue"]);
    let text = digest.render();
    assert_eq!(
        text,
        "Digest for ana on 2026-02-09\n\
         Happened (1):\n  \
           09:00 E cash collected: 40000 EUR (PAY-1) (by ana)\n\
         Amber or red (1):\n  \
           D red (ACME): awaiting_approval 35.33 of 10 days opportunity_approval 34.33 of 5 days\n\
         Due (2):\n  \
           E since 2026-01-15: condition C-9 of contract_decision past its due date\n  \
           E since 2026-02-04: invoice INV-1 unpaid past its due date: 60000 EUR outstanding\n"
    );
    // Day 0 for ops: D's and E's leads, gates convened and decided, E's contract signed.
    let digest = snapshot
        .digest(&s, &"ops".into(), day(0).date_naive())
        .unwrap();
    assert!(digest
        .happened
        .iter()
        .flat_map(|h| &h.sample)
        .any(|h| matches!(h.what, What::ContractSigned { value } if value == Money::eur(100_000))));
    assert_eq!(
        digest
            .happened
            .iter()
            .filter(|h| h.kind == HappeningKind::LeadCaptured)
            .map(|h| h.count)
            .sum::<u32>(),
        2
    );
    assert_eq!(digest.due.len(), 1, "the overdue gate is for ops");
    // Round trip through JSON.
    let json = serde_json::to_string(&digest).unwrap();
    let back: ltc_analytics::Digest = serde_json::from_str(&json).unwrap();
    assert_eq!(back, digest);
}

// ----- properties -----

mod properties {
    use super::*;
    use ltc_pipeline::strategies::{self, Step};
    use proptest::prelude::*;

    /// The number of cases: `default`, or `PROPTEST_CASES` when set (the long run).
    fn cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    }

    fn run(process: &Process, id: &str, steps: &[Step]) -> Vec<Event> {
        let mut deal = Deal::new(DealId::new(id));
        let mut log = Vec::new();
        for step in steps {
            if let Ok(events) = deal.execute(process, &step.command, &step.actor, step.at) {
                log.extend(events);
            }
        }
        log
    }

    fn scripts() -> impl Strategy<Value = Vec<Step>> {
        prop_oneof![
            strategies::steps(60),
            strategies::noisy_lead_to_cash(),
            Just(strategies::lead_to_cash()),
        ]
    }

    fn last_at(log: &[Event]) -> DateTime<Utc> {
        log.last().map_or_else(start, |e| e.at)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(128), ..ProptestConfig::default() })]

        #[test]
        fn days_in_stages_add_up_to_the_cycle(
            process in strategies::process(),
            steps in scripts(),
            back in 0i64..400,
            ahead in 0i64..4000,
        ) {
            let log = run(&process, "D-1", &steps);
            for now in [last_at(&log) - Duration::days(back), last_at(&log) + Duration::hours(ahead)] {
                let Ok(f) = deal_figures(&log, &process, now) else {
                    prop_assert!(log.is_empty() || log[0].at > now);
                    continue;
                };
                let stages: i64 = f.stages.iter().map(|s| s.elapsed.seconds).sum();
                let visits: i64 = f.visits.iter().map(|v| v.elapsed.seconds).sum();
                prop_assert_eq!(stages, f.cycle.seconds);
                prop_assert_eq!(visits, f.cycle.seconds);
                let n = f.stages.len() as i64;
                let days: Decimal = f.stages.iter().map(|s| s.elapsed.days).sum();
                // Rounded days add up to the rounded cycle within half a hundredth per stage.
                prop_assert!((days - f.cycle.days).abs() <= Decimal::new(5, 3) * Decimal::from(n + 1));
            }
        }

        #[test]
        fn the_funnel_never_grows(
            process in strategies::process(),
            scripts in proptest::collection::vec(scripts(), 1..6),
            ahead in 0i64..2000,
        ) {
            let logs: Vec<Vec<Event>> = scripts
                .iter()
                .enumerate()
                .map(|(i, s)| run(&process, &format!("D-{i}"), s))
                .collect();
            let now = logs.iter().map(|l| last_at(l)).max().unwrap_or_else(start) + Duration::days(ahead);
            let snapshot = Snapshot::new(&logs, &process, now).unwrap();
            let funnel = snapshot.funnel(&Filter::default()).unwrap();
            for pair in funnel.rows.windows(2) {
                prop_assert!(pair[1].reached <= pair[0].reached, "{:?}", funnel.rows);
            }
            prop_assert_eq!(funnel.rows[0].reached, funnel.deals);
            prop_assert!(funnel.won <= funnel.ended && funnel.ended <= funnel.deals);
            for rate in funnel.rows.iter().filter_map(|r| r.conversion) {
                prop_assert!(rate >= Decimal::ZERO && rate <= Decimal::ONE);
            }
            // The other set figures never fail on valid logs.
            let s = Settings::default();
            snapshot.gates(&Filter::default()).unwrap();
            snapshot.people(&Filter::default()).unwrap();
            snapshot.lights(&s, &Filter::default()).unwrap();
            snapshot.due(&s, &Filter::default()).unwrap();
            snapshot.enablement(&Filter::default(), now).unwrap();
            snapshot.digest(&s, &"ana".into(), now.date_naive()).unwrap();
        }

        #[test]
        fn the_light_only_worsens_until_the_deal_moves(
            process in strategies::process(),
            steps in scripts(),
            first in 0i64..(200 * 24),
            more in 0i64..(400 * 24),
            share in 1i64..=100,
        ) {
            let log = run(&process, "D-1", &steps);
            prop_assume!(!log.is_empty());
            let settings = Settings { amber_share: Decimal::new(share, 2), ..Settings::default() };
            let t1 = last_at(&log) + Duration::hours(first);
            let t2 = t1 + Duration::hours(more);
            let l1 = deal_light(&log, &process, t1, &settings).unwrap();
            let l2 = deal_light(&log, &process, t2, &settings).unwrap();
            match (l1, l2) {
                (Some(a), Some(b)) => {
                    prop_assert!(b.light >= a.light);
                    prop_assert_eq!(a.readings.len(), b.readings.len());
                    for (x, y) in a.readings.iter().zip(&b.readings) {
                        prop_assert_eq!(x.subject, y.subject);
                        prop_assert!(y.light >= x.light);
                    }
                }
                (None, None) => {}
                other => prop_assert!(false, "the deal changed without an event: {:?}", other),
            }
        }

        #[test]
        fn nothing_is_due_on_an_ended_deal(
            process in strategies::process(),
            steps in scripts(),
            ahead in 0i64..4000,
        ) {
            let log = run(&process, "D-1", &steps);
            prop_assume!(!log.is_empty());
            let now = last_at(&log) + Duration::days(ahead);
            let figures = deal_figures(&log, &process, now).unwrap();
            let due = deal_due(&log, &process, now, &Settings::default()).unwrap();
            if figures.stage.is_end() {
                prop_assert!(due.is_empty(), "{:?}", due);
                prop_assert!(deal_light(&log, &process, now, &Settings::default()).unwrap().is_none());
            }
            for d in &due {
                prop_assert!(d.since <= now);
            }
        }

        #[test]
        fn analytics_never_panic_on_any_log(
            steps in strategies::steps(30),
            cut in 0usize..40,
            shift in -3000i64..3000,
            now_days in -100i64..5000,
        ) {
            let process = Process::standard();
            let mut log = run(&process, "D-1", &steps);
            // Damage the log: drop an event and move another in time.
            if cut < log.len() {
                log.remove(cut);
            }
            if let Some(e) = log.get_mut(cut / 2) {
                e.at += Duration::hours(shift);
            }
            let now = start() + Duration::days(now_days);
            let _ = deal_figures(&log, &process, now);
            let _ = deal_light(&log, &process, now, &Settings::default());
            let _ = deal_due(&log, &process, now, &Settings::default());
            let logs = vec![log];
            if let Ok(snapshot) = Snapshot::new(&logs, &process, now) {
                let _ = snapshot.funnel(&Filter::default());
            }
        }
    }
}
