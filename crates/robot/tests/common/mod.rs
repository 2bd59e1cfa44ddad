//! Running the real `robot` binary on a temporary data directory, for the CLI tests.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `robot --data-dir DATA_DIR --no-semantic ARGS…`, isolated from the caller's environment.
pub fn robot(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_robot"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--no-semantic")
        .args(args)
        .env_remove("ROBOT_DATA_DIR")
        .env("ROBOT_LOG", "warn")
        .output()
        .expect("run robot")
}

/// What a run printed on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `robot`, insists that it succeeds, and returns its stdout.
pub fn ok(data_dir: &Path, args: &[&str]) -> String {
    let out = robot(data_dir, args);
    assert!(out.status.success(), "robot {args:?}: {out:?}");
    stdout(&out)
}
