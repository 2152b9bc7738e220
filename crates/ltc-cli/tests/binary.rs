//! The `ltc` binary as a user meets it: help, version, usage errors, files and stdin.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::Output;

fn ltc(args: &[&str], stdin: &str) -> Output {
    common::ltc(None, None, args, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn sample(name: &str) -> String {
    common::sample_path(name)
}

/// Every subcommand `ltc --help` lists.
const SUBCOMMANDS: [&str; 9] = [
    "allocate",
    "split",
    "payout",
    "statement",
    "run",
    "graph",
    "report",
    "verify",
    "migrate",
];

#[test]
fn help_is_on_stdout_with_success() {
    for args in [&["--help"][..], &["-h"], &["help"]] {
        let out = ltc(args, "");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let stdout = text(&out.stdout);
        for sub in SUBCOMMANDS {
            assert!(stdout.contains(sub), "{args:?} does not list `{sub}`");
        }
        assert!(out.stderr.is_empty());
    }
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in SUBCOMMANDS {
        let out = ltc(&[sub, "--help"], "");
        assert_eq!(out.status.code(), Some(0), "{sub}");
        let stdout = text(&out.stdout);
        assert!(stdout.contains(&format!("Usage: ltc {sub}")), "{stdout}");
        assert!(
            stdout.contains("Example"),
            "`ltc {sub} --help` has no example"
        );
    }
}

#[test]
fn version_is_the_package_version() {
    let out = ltc(&["--version"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout).trim(),
        format!("ltc {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_are_one_line_with_status_2() {
    for (args, says) in [
        (&["splt"][..], "a similar subcommand exists: 'split'"),
        (&["graph", "--foo"], "unexpected argument '--foo'"),
        (&[], "a subcommand is required"),
        (&["migrate", "x.json"], "not provided: --preview"),
        (
            &["split", "a.json", "b.json"],
            "unexpected argument 'b.json'",
        ),
    ] {
        let out = ltc(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: usage: "), "{stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(stderr.contains("--help`"), "{stderr}");
    }
}

#[test]
fn a_file_stdin_and_dash_give_the_same_document() {
    let path = sample("allocate.json");
    let input = std::fs::read_to_string(&path).unwrap();
    let from_file = ltc(&["allocate", &path], "");
    let from_stdin = ltc(&["allocate"], &input);
    let from_dash = ltc(&["allocate", "-"], &input);
    assert_eq!(from_file.status.code(), Some(0));
    assert_eq!(from_file.stdout, from_stdin.stdout);
    assert_eq!(from_file.stdout, from_dash.stdout);
    let parsed: serde_json::Value = serde_json::from_slice(&from_file.stdout).unwrap();
    assert!(parsed["parts"].is_array());
}

#[test]
fn bad_input_is_one_line_with_status_1_and_nothing_on_stdout() {
    let out = ltc(&["allocate"], "{\"amount\": \"1\"");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.starts_with("error: malformed_json: "), "{stderr}");

    let out = ltc(&["split", "/nonexistent/split.json"], "");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: io: cannot read `/nonexistent/split.json`: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn flags_change_the_output_as_documented() {
    let graph = sample("graph.json");
    let dot = text(&ltc(&["graph", &graph], "").stdout);
    let mermaid = text(&ltc(&["graph", "--mermaid", &graph], "").stdout);
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(
        mermaid.starts_with("stateDiagram") || mermaid.starts_with("flowchart"),
        "{mermaid}"
    );

    let deals = sample("deals.json");
    let json = ltc(&["report", "--json", &deals], "");
    assert_eq!(json.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(report["funnel"].is_object());
    let table = text(&ltc(&["report", &deals], "").stdout);
    assert!(serde_json::from_str::<serde_json::Value>(&table).is_err());

    let statement = sample("statement.json");
    let json = ltc(&["statement", &statement], "");
    assert_eq!(json.status.code(), Some(0));
    let statements: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(statements["statements"][0]["payable"], "3180.00");
    let table = text(&ltc(&["statement", "--table", &statement], "").stdout);
    assert!(table.starts_with("ana · 2026-03"), "{table}");
    assert!(serde_json::from_str::<serde_json::Value>(&table).is_err());
}

#[test]
fn report_html_writes_the_page_to_a_file_or_stdout() {
    let deals = sample("deals.json");
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let file = dir.join("report.html");
    let out = ltc(&["report", "--html", file.to_str().unwrap(), &deals], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    // `-` is stdout, and the input may come from stdin: the same page.
    let input = std::fs::read_to_string(&deals).unwrap();
    let piped = ltc(&["report", "--html", "-"], &input);
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(text(&piped.stdout), page);
    // A file that cannot be written: one line, nothing on stdout, status 1.
    let missing = dir.join("no such dir").join("report.html");
    let out = ltc(&["report", "--html", missing.to_str().unwrap(), &deals], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.starts_with("error: io: cannot write `"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // Bad input: the library's code, no file written.
    let bad = dir.join("bad.html");
    let out = ltc(
        &["report", "--html", bad.to_str().unwrap()],
        r#"{"now": "x"}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("error: malformed_json: "));
    assert!(!bad.exists());
    // --html and --json do not go together.
    let out = ltc(&["report", "--json", "--html", "-", &deals], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(text(&out.stderr).lines().count(), 1);
}
