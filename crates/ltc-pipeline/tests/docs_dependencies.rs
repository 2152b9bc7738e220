//! The README and the getting-started guide promise that a host needs no crate besides the
//! `ltc-*` ones (and proptest for its own property tests): what their Rust examples show must
//! compile in such a crate. The examples are compiled as doc tests of crates that do depend on
//! `chrono`, `serde_json` and others, where a stray `use chrono::...` compiles; this test reads
//! the examples a reader sees and refuses a path into a crate the reader would have to add.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

/// Crates the `ltc-*` crates depend on, which a host need not depend on itself.
const NOT_NEEDED: &[&str] = &["chrono", "rust_decimal", "serde_json", "serde", "indexmap"];

/// The lines a reader sees in the ```rust blocks of `page` (hidden `# ` lines left out), with
/// their line numbers.
fn shown_rust_lines(page: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut in_rust = false;
    for (n, line) in page.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(fence) = trimmed.strip_prefix("```") {
            in_rust = !in_rust && (fence.is_empty() || fence.starts_with("rust"));
            continue;
        }
        if in_rust && !(trimmed == "#" || trimmed.starts_with("# ")) {
            out.push((n + 1, line));
        }
    }
    out
}

/// The crates outside `ltc-*` a line names as the root of a path (`chrono::`, `use serde_json`).
fn foreign_roots(line: &str) -> Vec<&'static str> {
    let code = line.split("//").next().unwrap_or("");
    NOT_NEEDED
        .iter()
        .copied()
        .filter(|krate| {
            code.match_indices(krate).any(|(at, _)| {
                let before = code[..at].chars().next_back();
                let after = &code[at + krate.len()..];
                // A root: not a segment of a longer path or name (`ltc_pipeline::chrono::`).
                let rooted = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
                rooted
                    && (after.starts_with("::")
                        || code.trim_start().starts_with("use ")
                            && after.starts_with([';', ' ', ':']))
            })
        })
        .collect()
}

#[test]
fn the_readme_and_guide_examples_need_no_other_crate() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut found = Vec::new();
    for page in ["README.md", "docs/getting-started.md"] {
        let text = std::fs::read_to_string(format!("{root}/{page}")).unwrap();
        let lines = shown_rust_lines(&text);
        assert!(!lines.is_empty(), "{page} shows no Rust example");
        for (n, line) in lines {
            for krate in foreign_roots(line) {
                found.push(format!("{page}:{n}: `{krate}` in `{}`", line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "examples name crates a host need not add:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_is_for() {
    assert_eq!(foreign_roots("use chrono::{DateTime, Utc};"), ["chrono"]);
    assert_eq!(
        foreign_roots("let p: Process = serde_json::from_str(t)?;"),
        ["serde_json"]
    );
    assert_eq!(
        foreign_roots("use rust_decimal::Decimal;"),
        ["rust_decimal"]
    );
    assert!(foreign_roots("use ltc_pipeline::chrono::Datelike;").is_empty());
    assert!(foreign_roots("let x = 1; // serde_json::to_string(&x) would do").is_empty());
    assert!(foreign_roots("let chrono_days = 3;").is_empty());
    let page =
        "text\n```rust\n# use chrono::Utc;\nuse serde::Serialize;\n```\n```sh\nchrono::x\n```\n";
    assert_eq!(shown_rust_lines(page), [(4, "use serde::Serialize;")]);
}
