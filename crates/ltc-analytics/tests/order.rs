//! A report does not depend on the order of the logs it is given: every list is in a stated
//! order (deals by id), so `ltc report --stored` is the report of a document holding the same logs
//! in any order, to the byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../ltc-pipeline/tests/common/mod.rs"]
mod common;

use chrono::{DateTime, Duration, Utc};
use common::{start, World};
use ltc_analytics::{html, Filter, Report, Settings, Snapshot};
use ltc_pipeline::strategies::{self, Step};
use ltc_pipeline::*;
use proptest::prelude::*;

/// The report over `logs` as `ltc report --json` prints it, and its page.
fn report(logs: &[Vec<Event>], now: DateTime<Utc>, filter: &Filter) -> (String, String) {
    let snapshot = Snapshot::new(logs, &Process::standard(), now).unwrap();
    let report = Report::new(&snapshot, "standard", &Settings::default(), filter).unwrap();
    (
        serde_json::to_string_pretty(&report).unwrap(),
        html::render(&report),
    )
}

/// Three deals stuck early, each in `captured` and `graded` for its own time, given out of order.
#[test]
fn days_in_stage_lists_the_deals_by_id_whatever_the_order_of_the_logs() {
    let deal = |id: &str, graded_after: i64| {
        let mut w = World::new();
        w.deal = Deal::new(DealId::new(id));
        w.lead(Some(50_000));
        w.now += Duration::days(graded_after);
        w.given("ana", Command::QualifyLead {});
        w.log
    };
    let logs = vec![deal("B", 2), deal("C", 1), deal("A", 3)];
    let now = start() + Duration::days(10);
    let snapshot = Snapshot::new(&logs, &Process::standard(), now).unwrap();
    let stages = snapshot
        .stage_days(&Settings::default(), &Filter::default())
        .unwrap();
    for row in stages.iter().filter(|r| !r.points.is_empty()) {
        let deals: Vec<&str> = row.points.iter().map(|p| p.deal.as_str()).collect();
        assert_eq!(deals, ["A", "B", "C"], "{}", row.stage);
    }
    let figures: Vec<String> = snapshot
        .deals(&Filter::default())
        .unwrap()
        .into_iter()
        .map(|f| f.deal.to_string())
        .collect();
    assert_eq!(figures, ["A", "B", "C"]);
    let mut sorted = logs.clone();
    sorted.sort_by(|a, b| a[0].deal.cmp(&b[0].deal));
    assert_eq!(
        report(&logs, now, &Filter::default()),
        report(&sorted, now, &Filter::default())
    );
}

fn run(id: &str, steps: &[Step]) -> Vec<Event> {
    let process = Process::standard();
    let mut deal = Deal::new(DealId::new(id));
    let mut log = Vec::new();
    for step in steps {
        if let Ok(events) = deal.execute(&process, &step.command, &step.actor, step.at) {
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

/// Up to six scripts, and an order to give their logs in.
fn shuffled() -> impl Strategy<Value = (Vec<Vec<Step>>, Vec<usize>)> {
    (1usize..7).prop_flat_map(|n| {
        (
            proptest::collection::vec(scripts(), n),
            Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::cases(64), ..ProptestConfig::default() })]

    #[test]
    fn the_report_of_shuffled_logs_is_the_report_of_sorted_ones(
        (scripts, order) in shuffled(),
        pick in any::<prop::sample::Index>(),
        hours in 0i64..48,
        filter in prop_oneof![
            Just(Filter::default()),
            Just(Filter::default().role(Role::ar())),
            strategies::person().prop_map(|p| Filter::default().person(p)),
        ],
    ) {
        let sorted: Vec<Vec<Event>> = scripts
            .iter()
            .enumerate()
            .map(|(i, s)| run(&format!("D-{i}"), s))
            .collect();
        let given: Vec<Vec<Event>> = order.iter().map(|i| sorted[*i].clone()).collect();
        // A day with something on it: hours after one log's last event.
        let last = pick.get(&sorted).last().map_or_else(start, |e| e.at);
        let now = last + Duration::hours(hours);
        let (json, page) = report(&sorted, now, &filter);
        let (shuffled_json, shuffled_page) = report(&given, now, &filter);
        prop_assert_eq!(json, shuffled_json);
        prop_assert_eq!(page, shuffled_page);
    }
}
