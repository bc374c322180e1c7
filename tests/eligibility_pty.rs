//! The IAE eligibility view through the real binary in a pseudo-terminal: open a demo
//! file, open the view with its key, take what the file says, record; then the command
//! line prints the recorded diagnostic (`parcours document eligibilite`) and the JSON
//! export holds it.

#![cfg(unix)]

use harness::{demo_password, password_file, run_cli, Tui};
use serde_json::Value;

mod support;
use support::pty as harness;

const CTRL_C: &str = "\x03";

#[test]
fn record_an_eligibility_diagnostic_then_print_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("parcours.db");
    let out = run_cli(&db, &config, &["demo", "--persons", "40", "--seed", "7"]);
    let password = demo_password(&out);
    let pw = password_file(&config, &password);
    let cli = |args: &[&str]| {
        let mut all = vec![
            "--compte",
            "demo",
            "--mot-de-passe-fichier",
            pw.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        run_cli(&db, &config, &all)
    };

    let mut tui = Tui::start(&db, &config, 100, 30);
    tui.log_in(&password);
    tui.wait_for("parcours · File active");
    // The first person of the caseload.
    tui.send("\r");
    tui.wait_for("parcours · Dossier");
    tui.send("L");
    tui.wait_for("Éligibilité IAE — ACI");
    tui.wait_for("Aucun diagnostic enregistré");
    // Take what the file says, choose an AI, record.
    tui.send("r");
    tui.wait_for("repris du dossier");
    tui.send("ttt");
    tui.wait_for("Éligibilité IAE — AI");
    tui.send("s");
    tui.wait_for("— enregistré");
    tui.wait_for("valable jusqu'au 22/05/2027");
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 0);
    tui.assert_terminal_restored();

    // Stored: the export holds it, with the confirmed criteria.
    let json: Value = serde_json::from_str(&cli(&["export", "--format", "json"])).unwrap();
    let with: Vec<&Value> = json["persons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["eligibilities"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(with.len(), 1, "one file has a diagnostic");
    let person = with[0];
    let elig = person["eligibilities"].as_array().unwrap();
    assert_eq!(elig.len(), 1);
    assert_eq!(elig[0]["structure"], "AI");
    assert_eq!(elig[0]["date"], "2026-11-22");
    assert_eq!(elig[0]["expires"], "2027-05-22");
    assert!(!elig[0]["criteria"].as_array().unwrap().is_empty());

    // Printed from the command line: the recorded diagnostic, one private page.
    let dossier = person["person"]["dossier"].as_str().unwrap();
    let page = dir.path().join("elig.html");
    cli(&[
        "document",
        "eligibilite",
        "--person",
        dossier,
        "-o",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Diagnostic d'éligibilité IAE"));
    assert!(html.contains("Association intermédiaire (AI)"));
    assert!(html.contains("jusqu&#39;au 22/05/2027"), "{html}");
    assert!(!html.contains("Projet non enregistré"));
    assert!(!html.contains("<script"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&page).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
