//! The first interview of `ui_scenario.rs` typed into the real binary in a 100x30
//! pseudo-terminal, with the shortest path of the key table (a whole date and « F » moving
//! on by themselves, a digit per theme, a letter per obstacle theme and a digit per
//! situation, partners' names typed in part, Ctrl+A / Ctrl+R from any pane, Ctrl+N for the
//! next action, the report opened by `h`, the démarche's themes ticked from its words), its
//! keys counted, then the store read back through `parcours export`.

#![cfg(unix)]

use harness::{password_file, run_cli, Tui, LOGIN, PASSWORD};
use serde_json::Value;

mod support;
use support::pty as harness;

const F10: &str = "\x1b[21~";
const CTRL_N: &str = "\x0e";
const CTRL_A: &str = "\x01";
const CTRL_R: &str = "\x12";
const CTRL_C: &str = "\x03";

/// The interview's keystrokes sent to the binary, sorted as `ui_scenario.rs` counts them:
/// characters typed into fields apart from keys (commands and moves between fields).
struct Typist<'a> {
    tui: &'a mut Tui,
    typed: usize,
    keys: usize,
}

impl Typist<'_> {
    /// Text typed into a field (or a new line in a report: a typed character too).
    fn text(&mut self, s: &str) {
        self.typed += s.chars().count();
        self.tui.send(s);
    }

    /// Keys, one per character (`\r`, `\t`, a digit, a letter outside a field), or one
    /// escape sequence (F10, Ctrl+N).
    fn keys(&mut self, s: &str) {
        self.keys += if s.starts_with('\x1b') {
            1
        } else {
            s.chars().count()
        };
        self.tui.send(s);
    }
}

#[test]
fn first_interview_at_100x30_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let db = dir.path().join("parcours.db");
    let mut tui = Tui::start(&db, &config, 100, 30);
    tui.create_first_account();
    tui.wait_for("Bienvenue");
    let mut t = Typist {
        tui: &mut tui,
        typed: 0,
        keys: 0,
    };

    // The person (the clock says Sunday 22/11/2026 10h00): identity, prescripteur, then
    // F10 keeps the pre-filled dispositif, référente and orientation date.
    t.keys("n");
    t.tui.wait_for("Nouvelle personne");
    for (field, then) in [
        ("Durand", "\r"),
        ("Léa", "\r"),
        ("14/03/1991", ""), // whole: on to the sexe by itself
        ("F", ""),          // Femme, the only choice with that initial: on to the phone
        ("06 12 34 56 78", "\r"),
        ("lea.durand@example.org", "\r"),
        ("Vénissieux", "\r"),
        ("france tr", ""), // France Travail, the only name it starts: F10 takes it
    ] {
        t.text(field);
        t.keys(then);
    }
    t.keys(F10);
    t.tui.wait_for("DURAND Léa ·");

    // Diagnostic: one digit per theme.
    t.keys("321321124112");
    t.tui
        .wait_for("Isolement / lien social : Vigilance — enregistré");

    // Obstacles: a letter jumps to a theme, a digit ticks its n-th situation.
    t.keys("\t14l2d46");
    t.tui
        .wait_for("Obstacle coché : Besoin d'aide alimentaire — enregistré");

    // Plan: three actions from the referential (Ctrl+A from the obstacles), Ctrl+N
    // opening the next one's form.
    t.keys(CTRL_A);
    t.tui.wait_for("Nouvelle action");
    for (label, partner, due, then) in [
        ("cv", "france tr", "15/12", CTRL_N),
        ("bourse", "auto-école", "", CTRL_N),
        ("logement soc", "bailleur", "", F10),
    ] {
        t.text(label);
        t.keys("\t");
        t.text(partner);
        if !due.is_empty() {
            t.keys("\t");
            t.text(due);
        }
        t.keys(then);
        if then == CTRL_N {
            t.tui.wait_for("Nouvelle action — enregistré");
        }
    }
    t.tui.wait_for("Plan d'action · 3 actions");
    // At 100 columns the plan shows each action's partner.
    t.tui.wait_for("· Bailleur");

    // Appointment today 9h, honoured: its report opens; two lines and one démarche on
    // two themes.
    t.keys(CTRL_R);
    t.tui.wait_for("Nouveau rendez-vous");
    t.text("22/11 9h");
    t.keys(F10);
    t.tui.wait_for("dim 22/11 09h00");
    t.keys("h");
    t.tui.wait_for("Rendez-vous : Honoré — enregistré");
    t.tui.wait_for("Compte rendu —");
    // Alt+Entrée would leave the field too; Entrée is a new line in the report.
    t.text("Premier entretien : situation faite.\rDossier CAF à compléter.");
    t.keys("\t");
    t.text("Point budget et mobilité");
    // Its words name Mobilité and Finances: ticked, and said so beside the boxes.
    t.tui.wait_for("Thèmes suggérés [x] Mobilité");
    t.keys(F10);
    t.tui.wait_for("Rendez-vous · 1 honoré / 1 passé");
    let (typed, keys) = (t.typed, t.keys);
    eprintln!("first interview through the binary: {keys} keys, {typed} typed characters");
    assert_eq!(typed, 220, "the text of ui_scenario.rs");
    // The budget of ui_scenario.rs (commands and moves between fields together).
    assert!(keys <= 40, "{keys} keys (budget: 40)");
    // The obstacles pane, left, shows the five ticked situations.
    tui.wait_for("Obstacles · 5 actifs / 5 · cochés seuls");
    for label in [
        "Permis / code en cours",
        "Hébergé chez un tiers",
        "Gestion du budget",
        "Besoin d'aide alimenta",
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
            "fin_aide_alimentaire",
            "fin_gestion_budget",
            "log_heberge_tiers",
            "mob_aucun_transport",
            "mob_permis_en_cours",
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
