//! The binary a user runs ignores the test hooks (issue 9, point 4).
//!
//! `PARCOURS_NOW` once let anyone fix the clock of the release binary (no delay after 20
//! wrong passwords, backdated audit entries). The hooks are now read only by the test twin
//! `parcours-hooks` (`src/bin/parcours-hooks.rs`, feature `test-hooks`, built for tests and
//! benchmarks only). The shipped `parcours` is built here from the same `src/main.rs` as by
//! `cargo build --release`: that file has no feature-dependent code, and its `main` passes
//! "no hooks", so what these tests see is what a user gets. Each test first shows that the
//! twin does honour the variable under the same conditions, so the test cannot pass for an
//! unrelated reason (a variable misspelt, a command that fails).

#[path = "support/pty.rs"]
mod harness;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A clock no real run can show: a date in 2091.
const FAR_FUTURE: &str = "2091-03-04 10:00:00";

fn run(bin: &str, db: &Path, config: &Path, args: &[&str], input: &str) -> Output {
    let mut c = Command::new(bin);
    c.arg("--db")
        .arg(db)
        .args(args)
        .env("PARCOURS_NOW", FAR_FUTURE)
        .env("PARCOURS_CONFIG_DIR", config)
        .env_remove("PARCOURS_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run parcours");
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().expect("run parcours");
    assert!(
        out.status.success(),
        "{bin} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `demo` on a new base, then the JSON export of that base, with `PARCOURS_NOW` set.
fn demo_export(bin: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let db = dir.path().join("base.db");
    let made = run(bin, &db, config.path(), &["demo", "--persons", "5"], "");
    let password = harness::demo_password(&String::from_utf8_lossy(&made.stdout));
    let out = run(
        bin,
        &db,
        config.path(),
        &["export", "--format", "json"],
        &format!("{password}\n"),
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn shipped_binary_ignores_parcours_now() {
    // The twin: the demo caseload is dated around the fixed clock.
    let hooked = demo_export(harness::BIN);
    assert!(
        hooked.contains("\"2091-"),
        "the test twin should date the demo around PARCOURS_NOW: {}",
        &hooked[..hooked.len().min(2000)]
    );
    // The shipped binary: dated around the real clock, the variable ignored.
    let shipped = demo_export(harness::SHIPPED_BIN);
    assert!(shipped.contains("\"dossier\""), "{shipped}");
    assert!(
        !shipped.contains("2091-"),
        "the shipped binary honoured PARCOURS_NOW: {}",
        &shipped[..shipped.len().min(2000)]
    );
    let year = chrono::Local::now().format("\"%Y-").to_string();
    assert!(shipped.contains(&year), "no date of this year: {shipped}");
}

/// Whether `bin`, started in a terminal on a new base with `PARCOURS_EXIT_AFTER_FIRST_FRAME`,
/// is still running a while after its first screen is drawn.
fn still_running_after_first_frame(bin: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let db = dir.path().join("base.db");
    let mut tui = harness::Tui::start_bin(
        bin,
        &db,
        config.path(),
        (100, 30),
        &[("PARCOURS_EXIT_AFTER_FIRST_FRAME", "1")],
    );
    // The first frame (the first-account screen) has been drawn once this is in the output.
    let start = Instant::now();
    while !String::from_utf8_lossy(&tui.output()).contains("premier") {
        assert!(
            start.elapsed() < harness::WAIT,
            "{bin}: no first frame\n{}",
            tui.screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Leave the twin time to exit (it quits right after drawing).
    let start = Instant::now();
    while tui.running() && start.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(20));
    }
    tui.running()
}

#[test]
fn shipped_binary_ignores_exit_after_first_frame() {
    assert!(
        !still_running_after_first_frame(harness::BIN),
        "the test twin should quit after its first frame"
    );
    assert!(
        still_running_after_first_frame(harness::SHIPPED_BIN),
        "the shipped binary honoured PARCOURS_EXIT_AFTER_FIRST_FRAME"
    );
}
