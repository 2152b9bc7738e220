//! The daily digest, grouped: a person's own happenings one by one, the others summed up per deal
//! and kind; hand-checked on small deals, and linear in the size of the team.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../ltc-pipeline/tests/common/mod.rs"]
mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{grade, start, World};
use ltc_analytics::{html, Digest, Filter, HappeningKind, Report, Settings, Snapshot};
use ltc_pipeline::*;

fn at(day: i64, hour: i64, minute: i64) -> DateTime<Utc> {
    // `start()` is 09:00 on 2026-01-05.
    start() + Duration::days(day) + Duration::hours(hour - 9) + Duration::minutes(minute)
}

/// A lead captured by ops and graded and qualified by `grader`, at `when`.
fn qualified(id: &str, customer: &str, grader: &str, when: DateTime<Utc>) -> World {
    let mut w = World::new();
    w.deal = Deal::new(DealId::new(id));
    w.now = when;
    w.given(
        "ops",
        Command::CaptureLead {
            customer: customer.into(),
            source: "web".into(),
            estimate: Some(Money::eur(100_000)),
        },
    );
    w.given(grader, grade(4, 4, 3));
    w.given(grader, Command::QualifyLead {});
    w
}

/// T: qualified on day 0; on day 1 ops staffs it (ana AR 09:00, bob SR 09:30, f1 to f5 FR from
/// 10:00 every ten minutes) and f5 leaves at 15:00.
fn deal_t() -> Vec<Event> {
    let mut w = qualified("T", "Tailspin", "ana", at(0, 9, 0));
    let joins = [
        ("ana", Role::ar(), at(1, 9, 0)),
        ("bob", Role::sr(), at(1, 9, 30)),
        ("f1", Role::fr(), at(1, 10, 0)),
        ("f2", Role::fr(), at(1, 10, 10)),
        ("f3", Role::fr(), at(1, 10, 20)),
        ("f4", Role::fr(), at(1, 10, 30)),
        ("f5", Role::fr(), at(1, 10, 40)),
    ];
    for (person, role, when) in joins {
        w.now = when;
        w.join(person, role);
    }
    w.now = at(1, 15, 0);
    w.given(
        "ops",
        Command::RemoveMember {
            person: "f5".into(),
            role: Role::fr(),
            closure_recommendation: None,
        },
    );
    w.log
}

/// U: captured by ops at 08:00 on day 1 (graded and qualified by gus), f1 joins at 11:00.
fn deal_u() -> Vec<Event> {
    let mut w = qualified("U", "Umbrella", "gus", at(1, 8, 0));
    w.now = at(1, 11, 0);
    w.join("f1", Role::fr());
    w.log
}

fn report_day() -> NaiveDate {
    at(1, 0, 0).date_naive()
}

fn snapshot() -> Snapshot {
    Snapshot::new(&[deal_t(), deal_u()], &Process::standard(), at(1, 18, 0)).unwrap()
}

fn digest(person: &str) -> Digest {
    snapshot()
        .digest(&Settings::default(), &person.into(), report_day())
        .unwrap()
}

#[test]
fn a_member_sees_their_own_joining_and_the_others_summed_up() {
    let d = digest("f3");
    assert_eq!(
        d.render(),
        "Digest for f3 on 2026-01-06\n\
         Happened (3):\n  \
           09:00-10:40 T 6 members joined: ana joined as AR; bob joined as SR; f1 joined as FR; and 3 more\n  \
           10:20 T f3 joined as FR (by ops)\n  \
           15:00 T f5 left FR (by ops)\n\
         Amber or red (0):\n\
         Due (0):\n"
    );
    let group = &d.happened[0];
    assert_eq!(
        (group.kind, group.own, group.count),
        (HappeningKind::MemberJoined, false, 6)
    );
    assert_eq!(
        (group.first_at, group.last_at),
        (at(1, 9, 0), at(1, 10, 40))
    );
    assert_eq!(group.sample.len(), Digest::SAMPLE);
    assert!(d.happened[1].own);
    // A group of one reads as the happening itself, and is not theirs.
    assert!(!d.happened[2].own && d.happened[2].count == 1);
    // Every happening of the day on T is counted once: 7 joined, 1 left.
    assert_eq!(d.happenings(), 8);
}

#[test]
fn a_member_of_two_deals_sees_both_in_time_order() {
    let d = digest("f1");
    let lines: Vec<String> = d.happened.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            // Not theirs (ops captured it), alone of its kind: as it is.
            "08:00 U lead captured: Umbrella (web) (by ops)",
            "09:00-10:40 T 6 members joined: ana joined as AR; bob joined as SR; f2 joined as FR; and 3 more",
            "10:00 T f1 joined as FR (by ops)",
            "11:00 U f1 joined as FR (by ops)",
            "15:00 T f5 left FR (by ops)",
        ]
    );
    assert_eq!(d.happenings(), 8 + 2);
    // The one who left sees their joining and their leaving.
    let f5: Vec<String> = digest("f5")
        .happened
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        f5,
        [
            "09:00-10:30 T 6 members joined: ana joined as AR; bob joined as SR; f1 joined as FR; and 3 more",
            "10:40 T f5 joined as FR (by ops)",
            "15:00 T f5 left FR (by ops)",
        ]
    );
}

#[test]
fn whoever_did_it_sees_each_of_their_happenings() {
    // ops captured U and staffed both deals: ten happenings of their own, none grouped.
    let d = digest("ops");
    assert_eq!(d.happened.len(), 10);
    assert!(d.happened.iter().all(|h| h.own && h.count == 1));
    assert_eq!(
        d.happened[0].to_string(),
        "08:00 U lead captured: Umbrella (web) (by ops)"
    );
    // gus graded and qualified U: neither is a happening, and gus is not on its team.
    assert!(digest("gus").happened.is_empty());
    // Nobody's digest of another day holds these.
    let other_day = snapshot()
        .digest(
            &Settings::default(),
            &"f3".into(),
            report_day().succ_opt().unwrap(),
        )
        .unwrap();
    assert!(other_day.happened.is_empty());
}

#[test]
fn the_report_digests_are_the_single_digests_and_read_back() {
    let snapshot = snapshot();
    let report = Report::new(
        &snapshot,
        "standard",
        &Settings::default(),
        &Filter::default(),
    )
    .unwrap();
    let people: Vec<&str> = report.digests.iter().map(|d| d.person.as_str()).collect();
    assert_eq!(people, ["ana", "bob", "f1", "f2", "f3", "f4", "f5"]);
    for d in &report.digests {
        assert_eq!(
            d,
            &snapshot
                .digest(&Settings::default(), &d.person, report_day())
                .unwrap()
        );
    }
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), report);
    // The page shows one item per entry, a group with its count and the first few.
    let page = html::render(&report);
    assert!(page.contains(
        r#"<li data-kind="member_joined" data-count="6">09:00–10:40 <bdi>T</bdi> 6 members joined: <bdi>ana</bdi> joined as <bdi>AR</bdi>; <bdi>bob</bdi> joined as <bdi>SR</bdi>; <bdi>f1</bdi> joined as <bdi>FR</bdi>; and 3 more</li>"#
    ), "{page}");
}

/// S: signed on day 0 (ana AR, sam SR, fred FR), four more ARs join on day 1, and invoice I1 of
/// the whole value, due on day 5, is sent on day 1.
fn deal_s() -> Vec<Event> {
    let mut w = World::new();
    w.deal = Deal::new(DealId::new("S"));
    w.signed(100_000);
    w.now = at(1, 9, 0);
    for person in ["bob", "cy", "dee", "eli"] {
        w.join(person, Role::ar());
    }
    w.given(
        "fred",
        Command::AddMilestone {
            id: "M1".into(),
            title: "install".into(),
        },
    );
    w.given("fred", Command::DeliverMilestone { id: "M1".into() });
    w.given("fred", Command::AcceptMilestone { id: "M1".into() });
    w.given(
        "ana",
        Command::IssueInvoice {
            id: "I1".into(),
            amount: Money::eur(100_000),
            due: Some(at(5, 9, 0)),
        },
    );
    w.log
}

#[test]
fn what_is_due_names_the_first_few_others_who_should_act() {
    let snapshot = Snapshot::new(&[deal_s()], &Process::standard(), at(10, 9, 0)).unwrap();
    let s = Settings::default();
    let day = at(10, 0, 0).date_naive();
    let ana = snapshot.digest(&s, &"ana".into(), day).unwrap();
    assert_eq!(ana.due.len(), 1);
    assert_eq!(ana.due[0].others, 4);
    let with: Vec<&str> = ana.due[0].with.iter().map(|p| p.as_str()).collect();
    assert_eq!(with, ["bob", "cy", "dee"]);
    assert!(ana.render().ends_with(
        "Due (1):\n  S since 2026-01-10: invoice I1 unpaid past its due date: \
         100000 EUR outstanding (with bob, cy, dee and 1 more)\n"
    ));
    let eli = snapshot.digest(&s, &"eli".into(), day).unwrap();
    let with: Vec<&str> = eli.due[0].with.iter().map(|p| p.as_str()).collect();
    assert_eq!((eli.due[0].others, with), (4, vec!["ana", "bob", "cy"]));
    // The solution responsible is not an owner: nothing is due with him.
    assert!(snapshot
        .digest(&s, &"sam".into(), day)
        .unwrap()
        .due
        .is_empty());
    // The report's own list keeps everyone.
    let report = Report::new(&snapshot, "standard", &s, &Filter::default()).unwrap();
    assert_eq!(report.due[0].who.len(), 5);
}

// ----- size -----

/// One deal whose `n` members all join on the report's day, one a second from 09:00, and, when
/// `leave`, all leave again from 15:00.
fn big_team(n: usize, leave: bool) -> Vec<Event> {
    let mut w = qualified("BIG", "Contoso", "ana", at(0, 9, 0));
    let name = |i: usize| format!("p{i:05}");
    for i in 0..n {
        w.now = at(1, 9, 0) + Duration::seconds(i as i64);
        w.join(&name(i), Role::fr());
    }
    if leave {
        for i in 0..n {
            w.now = at(1, 15, 0) + Duration::seconds(i as i64);
            w.given(
                "ops",
                Command::RemoveMember {
                    person: name(i).into(),
                    role: Role::fr(),
                    closure_recommendation: None,
                },
            );
        }
    }
    w.log
}

/// The report's JSON (as `ltc report --json` prints it) and its page, in bytes.
fn sizes(n: usize, leave: bool) -> (usize, usize) {
    let logs = [big_team(n, leave)];
    let snapshot = Snapshot::new(&logs, &Process::standard(), at(1, 18, 0)).unwrap();
    let report = Report::new(
        &snapshot,
        "standard",
        &Settings::default(),
        &Filter::default(),
    )
    .unwrap();
    assert_eq!(report.digests.len(), n);
    let last = &report.digests[n - 1];
    // Their own joining (and leaving), and the others grouped: at most four entries.
    assert_eq!(last.happened.len(), if leave { 4 } else { 2 });
    assert_eq!(last.happenings(), if leave { 2 * n } else { n } as u64);
    (
        serde_json::to_string_pretty(&report).unwrap().len(),
        html::render(&report).len(),
    )
}

#[test]
fn the_report_grows_linearly_with_the_team() {
    for leave in [false, true] {
        let (j50, h50) = sizes(50, leave);
        let (j500, h500) = sizes(500, leave);
        let (j2000, h2000) = sizes(2_000, leave);
        // What each member beyond the first 50 adds, then beyond 500: the same, not growing.
        for (small, middle, large) in [(j50, j500, j2000), (h50, h500, h2000)] {
            let early = (middle - small) as f64 / 450.0;
            let late = (large - middle) as f64 / 1_500.0;
            assert!(
                late <= early * 1.05 && early <= late * 1.05,
                "bytes per member: {early:.0}, then {late:.0} (leave: {leave})"
            );
            // A member costs a few kilobytes at most: their digest and their share of the rest.
            assert!(
                late < 4_000.0,
                "{late:.0} bytes per member (leave: {leave})"
            );
        }
    }
}
