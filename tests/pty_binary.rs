//! End-to-end tests of the real `parcours` binary in a pseudo-terminal.
//!
//! The binary runs in a PTY exactly as an advisor would run it; a reader thread feeds
//! everything it writes into a `vt100` terminal emulator, the tests type bytes on the PTY
//! master and wait (polling, with a generous deadline) until the emulated screen shows
//! the expected text. Nothing is asserted on timing: every step waits for what the screen
//! must show before typing the next keys, so a slow, loaded machine only makes the test
//! slower. On a failure the message carries the whole emulated screen.
//!
//! Each test owns a temporary directory (database + empty config directory, so a
//! developer's `touches.toml` or `referentiel.toml` never leaks in) and a fixed clock.
//! A new database starts on the first-account screen; a demo database on the login screen.

#![cfg(unix)]

use harness::{demo_password, password_file, run_cli, Tui, LOGIN, PASSWORD};
use serde_json::Value;
use std::path::Path;

mod support;
use support::pty as harness;

const F10: &str = "\x1b[21~";
const CTRL_C: &str = "\x03";

/// `parcours export` as `login`, the password read from a file.
fn export(db: &Path, config_dir: &Path, login: &str, password: &str) -> Value {
    let pw = password_file(config_dir, password);
    let text = run_cli(
        db,
        config_dir,
        &[
            "--compte",
            login,
            "--mot-de-passe-fichier",
            pw.to_str().unwrap(),
            "export",
            "--format",
            "json",
        ],
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("export is not JSON ({e}): {text}"))
}

/// The "N / M personnes" counter of the caseload: (shown, total).
fn caseload_count(screen: &str) -> Option<(usize, usize)> {
    screen.match_indices(" personnes").find_map(|(end, _)| {
        let (shown, total) = screen[..end].rsplit_once(" / ")?;
        let total = total.trim().parse().ok()?;
        let shown = shown
            .rsplit(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()?;
        Some((shown, total))
    })
}

/// The first caseload row under the column headers.
fn first_row(tui: &Tui) -> Option<String> {
    let lines = tui.lines();
    let header = lines.iter().position(|l| l.contains("N° dossier"))?;
    lines.get(header + 1).cloned()
}

#[test]
fn create_person_set_level_quit_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("parcours.db");

    let mut tui = Tui::start(&db, &config, 100, 30);
    // The newcomer path: first account, then the empty caseload's welcome.
    tui.create_first_account();
    tui.wait_for("Bienvenue");
    // The program owns the terminal: raw mode (no line editing, no echo).
    let flags = tui.local_flags();
    assert!(
        !flags.iter().any(|f| f == "ICANON" || f == "ECHO"),
        "not in raw mode: {flags:?}"
    );
    assert!(tui.alternate_screen());

    tui.send("n");
    tui.wait_for("Nouvelle personne");
    tui.send("Dupont\rHélène");
    tui.wait_for("Hélène");
    tui.send(F10);
    tui.wait_for("DUPONT Hélène ·");
    tui.wait_for("Mobilité");

    // The selected theme is the first one, Mobilité: level 3 = obstacle.
    tui.send("3");
    tui.wait_for("Obstacle — enregistré");

    tui.esc();
    tui.wait_for("File active");
    tui.wait_until("la ligne DUPONT Hélène dans la file active", |t| {
        first_row(t).is_some_and(|r| r.contains("DUPONT Hélène"))
    });

    tui.send("q");
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();

    let json = export(&db, &config, LOGIN, PASSWORD);
    let persons = json["persons"].as_array().expect("persons");
    assert_eq!(persons.len(), 1, "{json}");
    let p = &persons[0];
    assert_eq!(p["person"]["nom"], "Dupont");
    assert_eq!(p["person"]["prenom"], "Hélène");
    let themes: Vec<&Value> = p["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .flat_map(|d| d["themes"].as_array().into_iter().flatten())
        .filter(|t| t["theme"] == "mobilite")
        .collect();
    assert_eq!(themes.len(), 1, "{p}");
    assert_eq!(themes[0]["level"], "obstacle", "{p}");
}

#[test]
fn search_demo_caseload_open_file_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("demo.db");
    let out = run_cli(&db, &config, &["demo", "--persons", "30", "--seed", "7"]);
    let password = demo_password(&out);

    // A person still followed (shown by the default "en cours" filter) whose surname is
    // shared with nobody: typing it must bring that person to the top.
    let json = export(&db, &config, "demo", &password);
    let persons = json["persons"].as_array().expect("persons");
    assert_eq!(persons.len(), 30);
    let nom_of = |p: &Value| p["person"]["nom"].as_str().unwrap().to_string();
    let target = persons
        .iter()
        .filter(|p| {
            let nom = nom_of(p);
            nom.len() >= 4
                && nom.chars().all(|c| c.is_ascii_alphabetic())
                && persons.iter().filter(|q| nom_of(q) == nom).count() == 1
                && p["suivis"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty() && s.iter().all(|s| s["sortie_date"].is_null()))
        })
        .max_by_key(|p| nom_of(p).len())
        .expect("a person to search for in the demo caseload");
    let nom = nom_of(target);
    let prenom = target["person"]["prenom"].as_str().unwrap();
    let dossier = target["person"]["dossier"].as_str().unwrap();
    let shown_name = format!("{} {prenom}", nom.to_uppercase());

    let mut tui = Tui::start(&db, &config, 100, 30);
    // The only account ("demo") is filled in: its password opens the caseload.
    tui.log_in(&password);
    tui.wait_for("parcours · File active");
    tui.wait_until("le compteur de la file active", |t| {
        caseload_count(&t.screen()).is_some_and(|(shown, total)| shown > 1 && total == 30)
    });
    let (before, _) = caseload_count(&tui.screen()).unwrap();

    tui.send("/");
    tui.send(&nom.to_lowercase());
    tui.wait_for(&format!("Recherche : {}", nom.to_lowercase()));
    tui.wait_until(
        &format!("{shown_name} en tête d'une liste réduite"),
        |t| {
            caseload_count(&t.screen()).is_some_and(|(shown, _)| shown >= 1 && shown < before)
                && first_row(t).is_some_and(|r| r.contains(&shown_name) && r.contains(dossier))
        },
    );

    tui.send("\r");
    tui.wait_for(&format!("{shown_name} · n° {dossier}"));
    tui.wait_for("Diagnostic");

    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();
}

#[test]
fn too_small_then_resized() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("parcours.db");

    let mut tui = Tui::start(&db, &config, 20, 5);
    tui.wait_for("Fenêtre trop petite");

    tui.resize(100, 30);
    tui.wait_for("parcours · Premier compte");
    tui.create_first_account();
    tui.wait_for("Bienvenue");
    assert!(
        !tui.screen().contains("trop petite"),
        "message still shown:\n{}",
        tui.screen()
    );

    tui.send("q");
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();
}
