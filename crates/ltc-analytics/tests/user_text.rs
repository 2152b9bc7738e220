//! User text among the figures: on the report page every piece of it is set in an isolate and
//! balanced there, so no bidi control in a name reorders the page's own text; in the digest's
//! text rendering bidi controls are shown as escapes. (`crates/ltc-cli/tests/browser.rs` checks
//! the page as a browser lays it out.)
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
use ltc_analytics::text::{is_balanced, is_bidi_control};
use ltc_analytics::{html, Filter, Report, Settings, Snapshot};
use ltc_pipeline::*;
use proptest::prelude::*;

/// Deal `id`, opened for `customer` from `source`, staffed with `person` as AR, left waiting in
/// `awaiting_approval` with its opportunity approval convened on day 1.
fn waiting(id: &str, customer: &str, source: &str, person: &str) -> Vec<Event> {
    let mut w = World::new();
    w.deal = Deal::new(DealId::new(id));
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

fn report(logs: &[Vec<Event>], now: DateTime<Utc>, process: &str) -> Report {
    let snapshot = Snapshot::new(logs, &Process::standard(), now).unwrap();
    Report::new(&snapshot, process, &Settings::default(), &Filter::default()).unwrap()
}

/// Checks that every bidi control on `page` is set in an isolate and balanced there: in the
/// text of a `<bdi>` (balanced as a whole), between U+2068 and U+2069 (a balanced run of text),
/// or in an attribute value (never laid out). The number of controls seen.
fn isolated(page: &str) -> Result<usize, String> {
    let mut seen = 0;
    let mut rest = page;
    let mut bdi: Option<String> = None;
    while !rest.is_empty() {
        if let Some(tag) = rest.strip_prefix('<') {
            let end = tag.find('>').ok_or("a tag is not closed")?;
            let (tag, after) = (&tag[..end], &tag[end + 1..]);
            rest = after;
            // In a tag, only inside a quoted attribute value.
            let mut quoted = false;
            for c in tag.chars() {
                if c == '"' {
                    quoted = !quoted;
                } else if is_bidi_control(c) {
                    seen += 1;
                    if !quoted {
                        return Err(format!("{c:?} in the tag <{tag}>"));
                    }
                }
            }
            match tag.split_whitespace().next().unwrap_or("") {
                "bdi" if bdi.is_some() => return Err("a <bdi> in a <bdi>".into()),
                "bdi" => bdi = Some(String::new()),
                "/bdi" => {
                    let text = bdi.take().ok_or("</bdi> without <bdi>")?;
                    if !is_balanced(&text) {
                        return Err(format!("<bdi>{text:?}</bdi> is not balanced"));
                    }
                }
                _ if bdi.is_some() => return Err(format!("<{tag}> in a <bdi>")),
                _ => {}
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let (run, after) = rest.split_at(end);
            rest = after;
            seen += run.chars().filter(|c| is_bidi_control(*c)).count();
            if let Some(text) = &mut bdi {
                text.push_str(run);
                continue;
            }
            let mut depth = 0_usize;
            for c in run.chars() {
                match c {
                    '\u{2066}'..='\u{2068}' => depth += 1,
                    '\u{2069}' => depth = depth.saturating_sub(1),
                    c if depth == 0 && is_bidi_control(c) => {
                        return Err(format!("{c:?} outside an isolate in {run:?}"));
                    }
                    _ => {}
                }
            }
            if !is_balanced(run) {
                return Err(format!("{run:?} is not balanced"));
            }
        }
    }
    match bdi {
        Some(_) => Err("a <bdi> is not closed".into()),
        None => Ok(seen),
    }
}

#[test]
fn the_check_finds_user_text_left_out_of_an_isolate() {
    assert_eq!(isolated("<p>ACME</p>"), Ok(0));
    assert_eq!(
        isolated("<td><bdi class=\"long\">\u{202E}D\u{202C}</bdi></td>"),
        Ok(2)
    );
    assert_eq!(
        isolated("<li><bdi>\u{202E}evil\u{202C}</bdi>, 49.00 days old</li>"),
        Ok(2)
    );
    assert_eq!(
        isolated("<title>\u{2068}\u{202E}D\u{202C}\u{2069}: 3 days</title>"),
        Ok(4)
    );
    assert_eq!(isolated("<tr data-deal=\"\u{202E}D\">"), Ok(1));
    assert!(isolated("<li>\u{202E}evil, 49.00 days old</li>").is_err());
    assert!(isolated("<li><bdi>\u{202E}evil</bdi>, 49.00 days old</li>").is_err());
    // An isolate's terminator closes the override inside it, as the bidi algorithm has it.
    assert_eq!(
        isolated("<title>\u{2068}\u{202E}D\u{2069}: 3</title>"),
        Ok(3)
    );
    assert!(isolated("<title>\u{2068}D\u{2069}\u{202E}: 3 days</title>").is_err());
    assert!(isolated("<title>\u{2068}D: 3 days</title>").is_err());
}

#[test]
fn an_override_in_any_user_text_stays_in_its_isolate() {
    let rlo = '\u{202E}';
    let now = start() + Duration::days(12);
    let long = format!("{rlo}{}", "D".repeat(60));
    let logs = [
        waiting(&long, "Initech", "web", "bob"),
        waiting(
            &format!("{rlo}D-1"),
            &format!("{rlo}evil"),
            &format!("{rlo}web"),
            &format!("{rlo}ana"),
        ),
    ];
    let page = html::render(&report(&logs, now, &format!("{rlo}standard")));
    let seen = isolated(&page).unwrap();
    // The deal id (in a mark's title, the tables, a digest), the customer, the person, the
    // process at least.
    assert!(seen >= 8, "{seen} overrides on the page");
    // The customer's override ends with it, inside its isolate, before the page's own words.
    assert!(
        page.contains("(<bdi>\u{202E}evil\u{202C}</bdi>), Awaiting approval, 12.00 days old"),
        "{}",
        &page[page.find("evil").unwrap() - 200..][..400]
    );
    // The data attributes keep the ids for a program, balanced.
    assert!(page.contains("data-deal=\"\u{202E}D-1\u{202C}\""));
    // A long id may wrap in its column; an ordinary one stays on one line.
    assert!(page.contains(&format!(
        "<td class=\"id\"><bdi class=\"long\">{long}\u{202C}</bdi>"
    )));
    assert!(page.contains("<td class=\"id\"><bdi>\u{202E}D-1\u{202C}</bdi>"));
}

#[test]
fn no_placeholder_is_left_unfilled_on_the_page() {
    let now = start() + Duration::days(12);
    for page in [
        html::render(&report(&[], start(), "standard")),
        html::render(&report(
            &[waiting("D-1", "ACME", "web", "ana")],
            now,
            "standard",
        )),
    ] {
        let holes: Vec<&str> = page
            .match_indices('{')
            .filter_map(|(at, _)| {
                let inner = &page[at + 1..];
                let end = inner.find('}')?;
                let name = &inner[..end];
                (!name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                .then_some(name)
            })
            .collect();
        assert_eq!(holes, Vec::<&str>::new(), "placeholders on the page");
        assert!(page.contains("a stage with more than 400 deals shows a box"));
    }
}

#[test]
fn the_digest_for_a_terminal_shows_bidi_controls_as_escapes() {
    let logs = [waiting("D-1", "\u{202E}evil", "web\u{2067}", "ana")];
    let now = start() + Duration::days(1) + Duration::hours(2);
    let snapshot = Snapshot::new(&logs, &Process::standard(), now).unwrap();
    let digest = snapshot
        .digest(&Settings::default(), &"ana".into(), start().date_naive())
        .unwrap();
    let text = digest.render();
    assert!(!text.chars().any(is_bidi_control), "{text}");
    assert!(
        text.contains("lead captured: \\u{202e}evil (web\\u{2067})"),
        "{text}"
    );
    // Escaped, not dropped: the text still says what the log holds.
    assert_eq!(text.lines().count(), digest.to_string().lines().count());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever bidi controls user text holds, balanced or not, each stays in its isolate.
    #[test]
    fn any_bidi_controls_in_user_text_stay_in_their_isolates(
        id in "[\u{202A}-\u{202E}\u{2066}-\u{2069}\u{200E}\u{200F}\u{061C}D1<&-]{0,10}D",
        customer in "[\u{202A}-\u{202E}\u{2066}-\u{2069}\u{200E}\u{200F}\u{061C}a\u{5D0}<& ]{0,12}a",
        source in "[\u{202A}-\u{202E}\u{2066}-\u{2069}a\n]{0,8}a",
        person in "[\u{202A}-\u{202E}\u{2066}-\u{2069}\u{200F}p]{0,8}p",
        process in "[\u{202A}-\u{202E}\u{2066}-\u{2069}s]{0,8}s",
    ) {
        let now = start() + Duration::days(12);
        let page = html::render(&report(&[waiting(&id, &customer, &source, &person)], now, &process));
        prop_assert!(isolated(&page).is_ok(), "{:?}", isolated(&page));
    }
}
