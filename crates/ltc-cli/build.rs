//! Finds the Chromium that `tests/browser.rs` checks the report page in: `LTC_CHROMIUM`, else
//! `/usr/bin/chromium`, `/usr/bin/chromium-browser`, else `chromium` or `chromium-browser` on the
//! `PATH`. Its path is given to the crate's targets as `LTC_CHROMIUM_FOUND`.
//!
//! Without one, the build sets `cfg(no_chromium)`, and the browser tests are ignored with the
//! reason, which `cargo test` prints beside the test and counts in its summary (`1 ignored`):
//! a skip is never reported as a pass. Under `CI=true` nothing is ignored: a browser test run
//! without Chromium fails.

use std::path::{Path, PathBuf};

/// The browser, if one is installed.
fn chromium() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os("LTC_CHROMIUM") {
        // A browser named explicitly is the only one looked for.
        let named = PathBuf::from(named);
        return named.is_file().then_some(named);
    }
    let fixed = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from);
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)));
    fixed.into_iter().chain(on_path).find(|p| p.is_file())
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_chromium)");
    println!("cargo::rerun-if-changed=build.rs");
    for var in ["CI", "LTC_CHROMIUM", "PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    // Installing or removing the browser changes the directory it goes to.
    if Path::new("/usr/bin").is_dir() {
        println!("cargo::rerun-if-changed=/usr/bin");
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    match chromium() {
        Some(path) => println!("cargo::rustc-env=LTC_CHROMIUM_FOUND={}", path.display()),
        None if ci => {}
        None => println!("cargo::rustc-cfg=no_chromium"),
    }
}
