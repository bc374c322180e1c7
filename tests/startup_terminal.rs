//! The terminal while the app starts (issue 9, point 11): a password typed before the login
//! screen appears is never echoed in clear and reaches the login form, Entrée included; the
//! terminal is given back on every exit, early errors included.
//!
//! To type "while the app starts" without racing it, the referential override of the config
//! folder is a named pipe: the app blocks reading it, after its first checks and before its
//! first frame, until the test writes it. The keys are typed during that wait.

#![cfg(unix)]

#[path = "support/pty.rs"]
mod harness;

use harness::Tui;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn run_cli(db: &Path, config: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(harness::BIN);
    cmd.arg("--db").arg(db).args(args);
    for k in harness::ENV_REMOVED {
        cmd.env_remove(k);
    }
    cmd.envs(harness::env_vars(config));
    let out = cmd.output().expect("run parcours");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(st.success(), "mkfifo {}", path.display());
}

fn echo_on(tui: &Tui) -> bool {
    tui.local_flags().iter().any(|f| f == "ECHO")
}

#[test]
fn password_typed_during_startup_is_not_echoed_and_logs_in() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = tmp.path().join("demo.db");
    let password = harness::demo_password(&run_cli(&db, &config, &["demo", "--persons", "3"]));

    let fifo = config.join("referentiel.toml");
    mkfifo(&fifo);
    let mut tui = Tui::start(&db, &config, 100, 30);
    // The app now waits on the pipe, before its first frame: the terminal must already be
    // in raw mode (no echo), or what is typed now shows in clear.
    let start = Instant::now();
    while echo_on(&tui) {
        assert!(
            start.elapsed() < harness::WAIT,
            "the terminal still echoes while the app starts: a password typed now would show in clear"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !tui.output().windows(8).any(|w| w == b"\x1b[?1049h"),
        "the screen is already drawn: the test did not type during startup"
    );
    tui.send(&format!("{password}\r"));
    // Let the app go on: an empty override (nothing to merge).
    std::fs::write(&fifo, "").unwrap();

    // The keys typed ahead went into the login form: the caseload opens.
    tui.wait_for("parcours · File active");
    let out = String::from_utf8_lossy(&tui.output()).into_owned();
    assert!(
        !out.contains(&password),
        "the password appeared in clear on the terminal"
    );
    tui.send("\x03");
    assert_eq!(tui.wait_exit(), 0);
    tui.assert_terminal_restored();
    assert!(!tui.screen().contains(&password), "{}", tui.screen());
}

#[test]
fn terminal_given_back_after_an_early_error() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    std::fs::create_dir(&config).unwrap();
    // Not a parcours database: refused before the screen is taken.
    let db = tmp.path().join("notes.db");
    std::fs::write(
        &db,
        b"not a database, just some text that is long enough to be read",
    )
    .unwrap();
    let mut tui = Tui::start(&db, &config, 100, 30);
    let code = tui.wait_exit();
    assert_ne!(code, 0);
    let flags = tui.local_flags();
    for f in ["ICANON", "ECHO", "ISIG"] {
        assert!(flags.iter().any(|x| x == f), "{f} not restored: {flags:?}");
    }
    assert!(tui.screen().contains("parcours : "), "{}", tui.screen());
}
