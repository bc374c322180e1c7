//! An étape de parcours entered through the real binary in a pseudo-terminal: from the
//! person's file, `P` opens the parcours list, `a` the étape form; the étape is then in the
//! JSON export. Every step waits for what the screen must show (see `pty_binary.rs`).

#![cfg(unix)]

use harness::{password_file, run_cli, Tui, LOGIN, PASSWORD};
use serde_json::Value;

mod support;
use support::pty as harness;

const F10: &str = "\x1b[21~";
const RIGHT: &str = "\x1b[C";

#[test]
fn an_etape_is_entered_from_the_file_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("parcours.db");

    let mut tui = Tui::start(&db, &config, 100, 30);
    tui.create_first_account();
    tui.wait_for("Bienvenue");
    tui.send("n");
    tui.wait_for("Nouvelle personne");
    tui.send("Dupont\rHélène");
    tui.wait_for("Hélène");
    tui.send(F10);
    tui.wait_for("DUPONT Hélène ·");

    tui.send("P");
    tui.wait_for("Parcours — étapes, saisines, veille à 6 mois");
    tui.wait_for("Rien d'enregistré");
    tui.send("a");
    tui.wait_for("Nouvelle étape de parcours");
    // Second type (CDDI), start, planned end, employer.
    tui.send(RIGHT);
    tui.wait_for("◂ CDDI ▸");
    tui.send("\t02/11/2026\t31/05/2027\tRégie de quartier");
    tui.wait_for("Régie de quartier");
    tui.send(F10);
    tui.wait_for("02/11/2026 → 31/05/2027 · Étape · CDDI · Régie de quartier");

    tui.esc();
    tui.wait_for("Diagnostic");
    tui.esc();
    tui.wait_for("File active");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0, "exit code");
    tui.assert_terminal_restored();

    let pw = password_file(&config, PASSWORD);
    let text = run_cli(
        &db,
        &config,
        &[
            "--compte",
            LOGIN,
            "--mot-de-passe-fichier",
            pw.to_str().unwrap(),
            "export",
            "--format",
            "json",
        ],
    );
    let json: Value = serde_json::from_str(&text).unwrap();
    let etapes = json["persons"][0]["etapes"].as_array().expect("etapes");
    assert_eq!(etapes.len(), 1, "{json}");
    assert_eq!(etapes[0]["kind"], "cddi");
    assert_eq!(etapes[0]["debut"], "2026-11-02");
    assert_eq!(etapes[0]["fin"], "2027-05-31");
    assert_eq!(etapes[0]["organisme"], "Régie de quartier");
}
