//! The crate's modules are layered: each uses only modules of earlier layers, so there is no
//! import circle. A new module must be placed in a layer here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

/// The layers, first to last; modules in one layer do not use each other.
const LAYERS: &[&[&str]] = &[
    &["error", "text"],
    &["elapsed", "happening", "levels"],
    &["replay"],
    &["deal", "filter"],
    &["figures", "service"],
    &["stages", "digest"],
    &["snapshot"],
    &["report"],
    &["html"],
];

/// The modules `source` names as `crate::module`, outside comments.
fn uses(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            // `crate::Type` (a re-export at the root) has no module name.
            if !name.is_empty() && rest[name.len()..].starts_with("::") {
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn every_module_uses_only_earlier_layers() {
    let layer: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, names)| names.iter().map(move |n| (*n, i)))
        .collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut seen = 0;
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if name == "lib" {
            continue;
        }
        let mine = *layer
            .get(name.as_str())
            .unwrap_or_else(|| panic!("module `{name}` is in no layer of this test"));
        seen += 1;
        for used in uses(&std::fs::read_to_string(&path).unwrap()) {
            let theirs = *layer
                .get(used.as_str())
                .unwrap_or_else(|| panic!("`{name}` uses `{used}`, which is in no layer"));
            assert!(
                theirs < mine,
                "`{name}` (layer {mine}) uses `{used}` (layer {theirs}): an import against the layers"
            );
        }
    }
    assert_eq!(seen, layer.len(), "a layered module has no source file");
}

#[test]
fn the_check_sees_a_use() {
    let found =
        uses("use crate::replay::Replayed;\n// use crate::html::x;\nfn f() -> crate::Light {}");
    assert_eq!(found, vec!["replay".to_owned()]);
}
