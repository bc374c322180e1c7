//! Collective sessions through the real binary in a pseudo-terminal: from the caseload,
//! create a session, enrol three people with the enrolment search (one key each), set one
//! status, quit; the JSON export holds the session and its participants.

#![cfg(unix)]

use harness::{demo_password, password_file, run_cli, Tui};
use serde_json::Value;

mod support;
use support::pty as harness;

const F10: &str = "\x1b[21~";
const CTRL_C: &str = "\x03";

#[test]
fn create_enrol_and_mark_a_session_in_the_real_binary() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("demo.db");
    let out = run_cli(&db, &config, &["demo", "--persons", "20", "--seed", "3"]);
    let password = demo_password(&out);

    let mut tui = Tui::start(&db, &config, 100, 30);
    tui.log_in(&password);
    tui.wait_for("parcours · File active");
    tui.send("c");
    tui.wait_for("parcours · Actions collectives");
    tui.wait_for("Aucune séance");
    tui.send("n");
    tui.wait_for("Nouvelle séance collective");
    tui.send("Atelier numérique\r\rdemain 9h\r11h00");
    tui.wait_for("11h00");
    tui.send(F10);
    tui.wait_for("Séance créée");
    tui.wait_for("0 / 10 inscrits");
    tui.send("i");
    tui.wait_for("parcours · Inscription");
    tui.send("\t\t\t");
    tui.wait_for("3 cochées");
    tui.send("\r");
    tui.wait_for("3 personnes inscrites");
    tui.wait_for("parcours · Présences");
    // Tomorrow's session: « honoré » is refused, « excusé » is set.
    tui.send("h");
    tui.wait_for("n'a pas encore eu lieu");
    tui.send("e");
    tui.wait_for("Excusé — enregistré");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 0);

    let pw = password_file(&config, &password);
    let text = run_cli(
        &db,
        &config,
        &[
            "--compte",
            "demo",
            "--mot-de-passe-fichier",
            pw.to_str().unwrap(),
            "export",
            "--format",
            "json",
        ],
    );
    let json: Value = serde_json::from_str(&text).unwrap();
    let sessions = json["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["title"], "Atelier numérique");
    assert_eq!(sessions[0]["duration_min"], 120);
    let parts = sessions[0]["participants"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0]["status"], "excuse");
    // Each participant's file lists it.
    let with = json["persons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["sessions"].as_array().is_some_and(|s| s.len() == 1))
        .count();
    assert_eq!(with, 3);

    // The CSV table of sessions: one line per participant.
    let csv = run_cli(
        &db,
        &config,
        &[
            "--compte",
            "demo",
            "--mot-de-passe-fichier",
            pw.to_str().unwrap(),
            "export",
            "--format",
            "csv",
            "--quoi",
            "seances",
        ],
    );
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[0].starts_with("Date;Heure;Durée (heures);Séance;Type"),
        "{csv}"
    );
    assert!(lines[1].contains(";Atelier numérique;Atelier;"), "{csv}");
    assert!(lines[1].ends_with(";Excusé"), "{csv}");
}
