//! The report page as a string: every user string escaped, nothing fetched, every chart with a
//! text alternative, lights never by colour alone. (`crates/ltc-cli/tests/browser.rs` checks the
//! page as a browser renders it.)
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
use ltc_pipeline::*;
use proptest::prelude::*;

/// A deal opened by `actor` for `customer` from `source`, staffed with `person` as AR, left to
/// wait in `awaiting_approval` with its opportunity approval convened on day 1.
fn waiting(customer: &str, source: &str, person: &str) -> Vec<Event> {
    let mut w = World::new();
    w.given(
        "ops",
        Command::CaptureLead {
            customer: customer.into(),
            source: source.into(),
            estimate: Some(Money::eur(80_000)),
        },
    );
    w.given("ops", common::grade(4, 4, 4));
    w.given("ops", Command::QualifyLead {});
    w.join(person, Role::ar());
    w.join("sam", Role::sr());
    w.now = start() + Duration::days(1);
    w.convene(GateKind::OpportunityApproval, &[("eve", "executive")]);
    w.log
}

fn page(logs: &[Vec<Event>], now: DateTime<Utc>, process: &str) -> String {
    let snapshot = Snapshot::new(logs, &Process::standard(), now).unwrap();
    let report = Report::new(&snapshot, process, &Settings::default(), &Filter::default()).unwrap();
    html::render(&report)
}

#[test]
fn the_page_is_self_contained_and_every_chart_has_a_text_alternative() {
    let now = start() + Duration::days(12);
    let html = page(&[waiting("ACME", "web", "ana")], now, "standard");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(
        html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
    );
    assert!(html.contains("@media print"));
    for banned in [
        "http://", "https://", "<script", "<link", "<img", "@import", "url(",
    ] {
        assert!(!html.contains(banned), "the page contains `{banned}`");
    }
    // Three charts, each an image with a title and a description it names.
    let svgs: Vec<&str> = html.split("<svg viewBox=\"0 0 860").skip(1).collect();
    assert_eq!(svgs.len(), 3);
    for svg in svgs {
        let head = &svg[..svg.find('>').unwrap()];
        assert!(head.contains(r#"role="img""#), "{head}");
        let ids = head.split("aria-labelledby=\"").nth(1).unwrap();
        let ids = &ids[..ids.find('"').unwrap()];
        for id in ids.split(' ') {
            assert!(svg.contains(&format!("id=\"{id}\">")), "no element #{id}");
        }
        assert!(svg.contains("<title id=") && svg.contains("<desc id="));
    }
    // Each chart has a table beside it.
    for table in ["funnel-table", "stages-table", "gates-table"] {
        assert!(html.contains(&format!("<table id=\"{table}\">")), "{table}");
    }
    // Red, with its name and its shape, never by colour alone: day 12 is past the gate's 5 days.
    assert!(html.contains(
        r#"<span class="light red" data-light="red"><span aria-hidden="true">▲</span> Red</span>"#
    ));
    assert!(html.contains(r#"<polygon class="pt red""#));
    assert!(html.contains("Red: past it") && html.contains("Green: within the service level"));
    // The same report, the same bytes.
    assert_eq!(
        html,
        page(&[waiting("ACME", "web", "ana")], now, "standard")
    );
}

#[test]
fn an_empty_set_still_renders() {
    let html = page(&[], start(), "standard");
    assert!(html.contains("No deal won yet."));
    assert!(html.contains("Every open deal is green."));
    assert!(html.contains("<span data-deals=\"0\">0 deals</span>"));
    assert!(html.contains("Nobody is on the team of a selected deal."));
    assert!(html.contains("the day 2026-01-05 (UTC)"));
}

#[test]
fn a_crowded_stage_is_drawn_as_a_box() {
    let process = Process::standard();
    let logs: Vec<Vec<Event>> = (0..401)
        .map(|i| {
            let mut deal = Deal::new(DealId::new(format!("D-{i}")));
            let capture = Command::CaptureLead {
                customer: "ACME".into(),
                source: "web".into(),
                estimate: None,
            };
            let at = start() + Duration::hours(i);
            deal.execute(&process, &capture, &"ops".into(), at).unwrap()
        })
        .collect();
    let now = start() + Duration::days(30);
    let html = page(&logs, now, "standard");
    // No mark per deal: a box over the quartiles (nearest rank: the 101st and the 301st).
    assert!(!html.contains("data-days="));
    let q = |hours: i64| {
        ltc_analytics::Elapsed::from_seconds(
            (Duration::days(30) - Duration::hours(hours)).num_seconds(),
        )
        .days
    };
    assert!(
        html.contains(&format!(
            r#"<g class="box" data-q1="{}" data-q3="{}">"#,
            q(300),
            q(100)
        )),
        "{}",
        &html[html.find("class=\"box\"").unwrap_or(0)..][..200]
    );
    assert!(html.contains(r#"data-stage="captured" data-count="401""#));
    // One fewer and every deal has its mark again.
    let html = page(&logs[..400], now, "standard");
    assert_eq!(html.matches("data-days=").count(), 400);
    assert!(!html.contains(r#"<g class="box""#));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A page with hostile strings is the page with harmless ones, where each hostile string is
    /// written escaped: no string from the logs reaches the markup as markup.
    #[test]
    fn every_string_from_the_logs_is_escaped(
        customer in "[<>&\"' a-z/=]{1,12}",
        source in "[<>&\"' a-z/=]{1,12}",
        person in "[<>&\"'a-z/=]{1,8}",
        process in "[<>&\"' a-z]{1,8}",
    ) {
        let hostile = [
            format!("Zq1{customer}"),
            format!("Zq2{source}"),
            format!("Zq3{person}"),
            format!("Zq4{process}"),
        ];
        let tokens = ["TOKENCUSTOMERX", "TOKENSOURCEX", "TOKENPERSONX", "TOKENPROCESSX"];
        let now = start() + Duration::days(12);
        let bad = page(&[waiting(&hostile[0], &hostile[1], &hostile[2])], now, &hostile[3]);
        let good = page(&[waiting(tokens[0], tokens[1], tokens[2])], now, tokens[3]);
        prop_assert!(good.contains(tokens[0]) && good.contains(tokens[2]) && good.contains(tokens[3]));
        let mut back = bad;
        for (h, t) in hostile.iter().zip(tokens) {
            back = back.replace(&html::escape(h), t);
        }
        // Every occurrence was the escaped form: nothing of the hostile strings is left.
        prop_assert!(!back.contains("Zq"));
        prop_assert_eq!(back, good);
    }
}
