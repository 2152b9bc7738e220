//! Running the `ltc` binary as a user does, for the tests that drive it as a process.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `ltc ARGS` with `stdin`, in `dir` when given, with `LTC_STORE` set to `store` or unset.
pub fn ltc(dir: Option<&Path>, store: Option<&str>, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ltc"));
    command
        .args(args)
        .env_remove("LTC_STORE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    if let Some(store) = store {
        command.env("LTC_STORE", store);
    }
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The path of a sample input under `examples/data/`.
pub fn sample_path(name: &str) -> String {
    format!("{}/../../examples/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A sample input under `examples/data/`.
pub fn sample(name: &str) -> String {
    std::fs::read_to_string(sample_path(name)).unwrap()
}
