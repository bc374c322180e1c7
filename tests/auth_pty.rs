//! The login screen of the real binary in a pseudo-terminal, with its standard error sent to
//! a file: a wrong password gives a French message in place, leaves the database files
//! byte-identical and writes nothing to stderr, even when SQLCipher itself meets a key that
//! does not fit (its log is silenced).

#![cfg(unix)]

use harness::{demo_password, run_cli, Tui};
use std::path::{Path, PathBuf};

mod support;
use support::pty as harness;

const CTRL_C: &str = "\x03";

/// Every file of the database (main file, WAL, shared memory, backups...) with its bytes;
/// the accounts file is left out (it records failed attempts, by design).
fn db_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("demo.db") && !n.contains(".comptes"))
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect();
    v.sort();
    v
}

struct Setup {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    config: PathBuf,
    db: PathBuf,
    password: String,
}

fn demo_base() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("base");
    let config = tmp.path().join("config");
    std::fs::create_dir(&dir).unwrap();
    std::fs::create_dir(&config).unwrap();
    let db = dir.join("demo.db");
    let out = run_cli(&db, &config, &["demo", "--persons", "5"]);
    Setup {
        password: demo_password(&out),
        _dir: tmp,
        dir,
        config,
        db,
    }
}

fn assert_empty_stderr(path: &Path) {
    let err = std::fs::read(path).expect("stderr file");
    assert!(
        err.is_empty(),
        "written to stderr: {:?}",
        String::from_utf8_lossy(&err)
    );
}

#[test]
fn wrong_password_french_message_same_bytes_nothing_on_stderr() {
    let s = demo_base();
    let before = db_files(&s.dir);
    assert!(!before.is_empty());
    let stderr = s.dir.join("..").join("stderr.txt");

    let mut tui = Tui::start_with_stderr(&s.db, &s.config, 100, 30, &stderr);
    tui.wait_for("parcours · Connexion");
    tui.send("mauvais mot de passe\r");
    tui.wait_for("Identifiant ou mot de passe incorrect.");
    assert!(
        !tui.screen().contains("mauvais"),
        "password shown:\n{}",
        tui.screen()
    );
    assert_eq!(db_files(&s.dir), before, "database files changed");

    // The right password still opens (nothing was damaged), then quit.
    tui.send(&format!("{}\r", s.password));
    tui.wait_for("parcours · File active");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();
    assert_empty_stderr(&stderr);
}

#[test]
fn key_of_another_database_is_refused_quietly() {
    let s = demo_base();
    // The accounts file of another database: the password opens its slot, but the key it
    // holds does not fit this file. SQLCipher would log a page HMAC error on stderr.
    let other = demo_base();
    std::fs::copy(
        other.dir.join("demo.db.comptes"),
        s.dir.join("demo.db.comptes"),
    )
    .unwrap();
    let before = db_files(&s.dir);
    let stderr = s.dir.join("..").join("stderr.txt");

    let mut tui = Tui::start_with_stderr(&s.db, &s.config, 100, 30, &stderr);
    tui.log_in(&other.password);
    tui.wait_for("La clé de chiffrement ne correspond pas");
    assert!(tui.screen().contains("parcours · Connexion"));
    assert_eq!(db_files(&s.dir), before, "database files changed");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();
    assert_empty_stderr(&stderr);
    assert_eq!(db_files(&s.dir), before, "database files changed");
}
