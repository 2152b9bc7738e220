//! `ltc report` as text with hostile user text in the logs: bidi controls and line breaks in a
//! customer, a deal id or a person are shown as escapes, so every row stays one row and no
//! name reverses the figures after it; the page has no placeholder left unfilled.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod hostile;

use ltc_analytics::text::is_bidi_control;

#[test]
fn the_text_report_shows_bidi_controls_and_line_breaks_in_user_text_as_escapes() {
    let sample = hostile::sample();
    let plain = ltc_cli::report::run(&sample, false).unwrap();
    let report = ltc_cli::report::report(&sample).unwrap();
    // A red deal for the customer, another one for its id, a person something is due from.
    let customer_of = report.flagged[0].deal.to_string();
    let renamed = report.flagged[1].deal.to_string();
    let person = report.due[0].who[0].to_string();
    let input = hostile::sample_with(&hostile::Renames {
        customers: vec![(&customer_of, "\u{202E}evil\nD-999  red")],
        deals: vec![(&renamed, "\u{2067}D-\u{202B}2")],
        people: vec![(&person, "\u{202E}nimda")],
    });
    let text = ltc_cli::report::run(&input, false).unwrap();
    assert!(
        !text.chars().any(is_bidi_control),
        "a bidi control reached the terminal:\n{text}"
    );
    assert!(text.contains("\\u{202e}evil\\nD-999  red"), "{text}");
    assert!(text.contains("\\u{2067}D-\\u{202b}2"), "{text}");
    assert!(text.contains("\\u{202e}nimda"), "{text}");
    // No row more: the line break in the customer is not one.
    assert_eq!(text.lines().count(), plain.lines().count());
    // The row of the renamed customer goes on with its stage and figures, in order.
    let row = text.lines().find(|l| l.contains("evil")).unwrap();
    let stage = report.flagged[0].stage.as_str();
    assert!(
        row.find("evil") < row.find(stage),
        "the stage comes after the customer: {row}"
    );
}

#[test]
fn the_page_of_the_sample_set_has_no_placeholder_left_unfilled() {
    let page = ltc_cli::report::html(&hostile::sample()).unwrap();
    let holes: Vec<&str> = page
        .match_indices('{')
        .filter_map(|(at, _)| {
            let inner = &page[at + 1..];
            let name = &inner[..inner.find('}')?];
            (!name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .then_some(name)
        })
        .collect();
    assert_eq!(holes, Vec::<&str>::new(), "placeholders on the page");
}
