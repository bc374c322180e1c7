//! The first interview of `ui_scenario.rs` typed into the real binary in a 100x30
//! pseudo-terminal, with the shortest path of the key table (a digit per theme, a letter
//! per obstacle theme and a digit per situation, completions, the démarche grid's letters),
//! then the store read back through `parcours export`.

#![cfg(unix)]

use harness::{password_file, run_cli, Tui, LOGIN, PASSWORD};
use serde_json::Value;

mod support;
use support::pty as harness;

const F10: &str = "\x1b[21~";
const CTRL_C: &str = "\x03";

#[test]
fn first_interview_at_100x30_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("parcours.db");
    let mut tui = Tui::start(&db, &config, 100, 30);
    tui.create_first_account();
    tui.wait_for("Bienvenue");

    // The person (the clock says Sunday 22/11/2026 10h00).
    tui.send("n");
    tui.wait_for("Nouvelle personne");
    tui.send("Durand\rLéa\r\r14/03/1991\rF\r06 12 34 56 78\rlea.durand@example.org\rVénissieux\r\r\rfrance tr\t\r");
    tui.wait_for("DURAND Léa ·");

    // Diagnostic: one digit per theme.
    tui.send("321321124112");
    tui.wait_for("Isolement / lien social : Vigilance — enregistré");

    // Obstacles: a letter jumps to a theme, a digit ticks its n-th situation.
    tui.send("\t14l2d4n3");
    tui.wait_for("Obstacle coché : Pas d'adresse e-mail — enregistré");

    // Plan: three actions from the referential.
    tui.send("\tacv\tfrance tr\t15/12");
    tui.send(F10);
    tui.send("abourse\tauto-école\t");
    tui.send(F10);
    tui.send("alogement soc\tbailleur\t");
    tui.send(F10);
    tui.wait_for("Plan d'action · 3 actions");
    // At 100 columns the plan shows each action's partner.
    tui.wait_for("· Bailleur");

    // Appointment today 9h, honoured, its report and one démarche on two themes.
    tui.send("\ta22/11 9h");
    tui.send(F10);
    tui.wait_for("dim 22/11 09h00");
    tui.send("h");
    tui.wait_for("Rendez-vous : Honoré — enregistré");
    tui.send("\r");
    tui.wait_for("Compte rendu —");
    // Alt+Entrée would leave the field too; Entrée is a new line in the report.
    tui.send("Premier entretien : situation faite.\rDossier CAF à compléter.");
    tui.send("\t f \tPoint budget et mobilité");
    tui.send(F10);
    tui.wait_for("Rendez-vous · 1 honoré / 1 passé");
    // The obstacles pane, left, shows the five ticked situations.
    tui.wait_for("Obstacles · 5 actifs / 5 · cochés seuls");
    for label in [
        "Permis / code en cours",
        "Hébergé chez un tiers",
        "Gestion du budget",
        "Pas d'adresse e-mail",
    ] {
        tui.wait_for(label);
    }
    tui.send(CTRL_C);
    assert_eq!(tui.wait_exit(), 0);

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
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let persons = json["persons"].as_array().expect("persons");
    assert_eq!(persons.len(), 1);
    let p = &persons[0];
    assert_eq!(p["person"]["nom"], "Durand");
    assert_eq!(p["person"]["commune"], "Vénissieux");
    assert_eq!(p["suivis"][0]["prescripteur"], "france_travail");
    let themes = p["diagnostics"][0]["themes"].as_array().expect("themes");
    assert_eq!(themes.len(), 12, "{p}");
    let mut situations: Vec<&str> = p["barriers"]
        .as_array()
        .expect("barriers")
        .iter()
        .map(|b| b["situation"].as_str().unwrap_or(""))
        .collect();
    situations.sort();
    assert_eq!(
        situations,
        [
            "fin_gestion_budget",
            "log_heberge_tiers",
            "mob_aucun_transport",
            "mob_permis_en_cours",
            "num_pas_email"
        ]
    );
    let actions: Vec<(&str, &str)> = p["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| (a["label"].as_str().unwrap(), a["partner"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("CV", "france_travail"),
            ("Bourse au permis", "auto_ecole_sociale"),
            ("Demande de logement social", "bailleur_social"),
        ]
    );
    assert_eq!(p["actions"][0]["due"], "2026-12-15");
    let a = &p["appointments"][0];
    assert_eq!(a["status"], "honore");
    assert_eq!(
        a["report"],
        "Premier entretien : situation faite.\nDossier CAF à compléter."
    );
    let mut dem: Vec<&str> = a["demarches"]
        .as_array()
        .expect("demarches")
        .iter()
        .map(|d| d["theme"].as_str().unwrap())
        .collect();
    dem.sort();
    assert_eq!(dem, ["finances", "mobilite"], "{a}");
}
