//! Right of access: the readable document of one person's file holds data from every table
//! that refers to a person (read from the schema, so a future table cannot be forgotten),
//! with referential labels, dd/mm/yyyy dates and private notes marked; and the command line
//! writes it (`export --format document`) and erases (`effacer`).

mod support;
use support::protect as protect_support;

use chrono::NaiveDate;
use parcours::document::{self, TABLE_SECTIONS};
use parcours::domain::*;
use parcours::store::audit::actions;
use parcours::store::Store;
use protect_support::*;
use std::process::{Command, Stdio};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn up(store: &mut Store, r: Record) -> Id {
    store.apply(&Change::Upsert(r)).unwrap().id
}

/// A file with one marker per table that refers to a person.
fn file_with_a_marker_per_table(store: &mut Store) -> (Id, Vec<(&'static str, &'static str)>) {
    let pid = up(
        store,
        Record::Person(Person {
            nom: "Qzvpersons".into(),
            prenom: "Aïcha".into(),
            birth_date: Some(d("1988-02-29")),
            sexe: "F".into(),
            commune: "Hénin-Beaumont".into(),
            ..Default::default()
        }),
    );
    let sid = up(
        store,
        Record::Suivi(Suivi {
            person_id: pid,
            dispositif: "rsa".into(),
            referent: "Claire Fontaine".into(),
            prescripteur: "conseil_departemental".into(),
            date_orientation: Some(d("2026-01-05")),
            date_entree: Some(d("2026-01-19")),
            contrat: "cer".into(),
            sortie_date: Some(d("2026-10-30")),
            sortie_categorie: Some("ed_cdi".into()),
            sortie_detail: "Qzvsuivis CDI <propreté> & co".into(),
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Diagnostic(Diagnostic {
            person_id: pid,
            kind: "initial".into(),
            date: Some(d("2026-01-19")),
            niveau: "NV5".into(),
            projet: "Qzvdiagnostics restauration collective".into(),
            themes: vec![ThemeAssessment {
                theme: "logement".into(),
                level: "obstacle_majeur".into(),
                comment: "Qzvdiagnostic_themes hébergée chez sa sœur".into(),
            }],
            ..Default::default()
        }),
    );
    let bid = up(
        store,
        Record::Barrier(Barrier {
            person_id: pid,
            theme: "mobilite".into(),
            situation: None,
            label: "Pas de voiture".into(),
            status: "en_cours".into(),
            since: Some(d("2025-06-01")),
            note: "Qzvbarriers bus toutes les 2 h".into(),
            ..Default::default()
        }),
    );
    let oid = up(
        store,
        Record::Objective(Objective {
            person_id: pid,
            theme: Some("mobilite".into()),
            label: "Qzvobjectives passer le permis".into(),
            status: "en_cours".into(),
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Action(PlanAction {
            person_id: pid,
            objective_id: Some(oid),
            barrier_id: Some(bid),
            label: "Bourse au permis".into(),
            action_type: Some("bourse_permis".into()),
            partner: "conseil_departemental".into(),
            due: Some(d("2026-12-15")),
            status: "en_projet".into(),
            outcome: "Qzvactions dossier déposé".into(),
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Appointment(Appointment {
            person_id: pid,
            start: Some(dt("2026-11-02 14:30:00")),
            duration_min: 45,
            medium: "rdv".into(),
            status: "honore".into(),
            report: "Qzvappointments point sur le permis".into(),
            demarches: vec![Demarche {
                theme: "mobilite".into(),
                label: "Qzvdemarches appel à l'auto-école".into(),
            }],
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Note(Note {
            person_id: pid,
            at: Some(dt("2026-11-03 09:00:00")),
            author: "Claire Fontaine".into(),
            private: true,
            text: "Qzvnotes privée : suivi psychologique".into(),
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Note(Note {
            person_id: pid,
            at: Some(dt("2026-11-04 09:00:00")),
            author: "Claire Fontaine".into(),
            private: false,
            text: "Qzvshared note partagée".into(),
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Etape(Etape {
            person_id: pid,
            kind: "pmsmp".into(),
            debut: Some(d("2026-03-02")),
            organisme: "Qzvetapes cuisine centrale".into(),
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Saisine(Saisine {
            person_id: pid,
            suivi_id: sid,
            date: Some(d("2026-02-10")),
            motif: "absences".into(),
            detail: "Qzvsaisines trois absences".into(),
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Veille(Veille {
            person_id: pid,
            suivi_id: sid,
            date: Some(d("2026-11-20")),
            situation: "emploi_durable".into(),
            note: "Qzvveilles toujours en poste".into(),
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Session(Session {
            title: "Atelier CV".into(),
            kind: "atelier".into(),
            start: Some(dt("2026-11-05 14:00:00")),
            duration_min: 120,
            capacity: 8,
            participants: vec![Participation {
                person_id: pid,
                status: "honore".into(),
                note: "Qzvsession_participants CV terminé".into(),
            }],
            ..Default::default()
        }),
    );
    up(
        store,
        Record::Eligibility(Eligibility {
            person_id: pid,
            date: Some(d("2026-11-05")),
            structure: "ACI".into(),
            prescriber: true,
            author: "Qzveligibilities Claire".into(),
            eligible: true,
            expires: Some(d("2027-05-05")),
            criteria: vec![EligibilityCriterion {
                criterion: "rsa".into(),
                met: true,
                proof: "Qzveligibility_criteria attestation CAF".into(),
                source: "Suivi : dispositif RSA".into(),
            }],
            ..Default::default()
        }),
    );
    let markers = vec![
        ("etapes", "Qzvetapes"),
        ("saisines", "Qzvsaisines"),
        ("veilles", "Qzvveilles"),
        ("session_participants", "Qzvsession_participants"),
        ("persons", "Qzvpersons"),
        ("suivis", "Qzvsuivis CDI &lt;propreté&gt; &amp; co"),
        ("diagnostics", "Qzvdiagnostics"),
        ("diagnostic_themes", "Qzvdiagnostic_themes"),
        ("barriers", "Qzvbarriers"),
        ("objectives", "Qzvobjectives"),
        ("actions", "Qzvactions"),
        ("appointments", "Qzvappointments"),
        ("demarches", "Qzvdemarches"),
        ("notes", "Qzvnotes"),
        ("eligibilities", "Qzveligibilities"),
        ("eligibility_criteria", "Qzveligibility_criteria"),
    ];
    (pid, markers)
}

#[test]
fn the_document_holds_every_table_that_refers_to_the_person() {
    let dir = tempfile::tempdir().unwrap();
    let s = admin_session(&dir.path().join("parcours.db"), clock());
    let mut store = s.store;
    up(
        &mut store,
        Record::Person(Person::new("Qzvautre", "Personne")),
    );
    let (pid, markers) = file_with_a_marker_per_table(&mut store);

    let tables = store.tables_referring_to_persons().unwrap();
    assert!(tables.len() >= 10, "{tables:?}");
    let rf = Referential::embedded();
    let mut out = Vec::new();
    document::write_document(&store, &rf, pid, &mut out).unwrap();
    let html = String::from_utf8(out).unwrap();

    for table in &tables {
        let (_, section) = TABLE_SECTIONS
            .iter()
            .find(|(t, _)| t == table)
            .unwrap_or_else(|| panic!("table {table} refers to persons but has no section"));
        assert!(
            html.contains(&format!("<h2>{}</h2>", document::esc(section))),
            "section {section} missing"
        );
        let (_, marker) = markers
            .iter()
            .find(|(t, _)| t == table)
            .unwrap_or_else(|| panic!("the test writes nothing in {table}: add a marker"));
        assert!(html.contains(marker), "nothing from {table} ({marker})");
    }
    // Only this person.
    assert!(!html.contains("Qzvautre"));

    // Readable: labels from the referential, French dates, private notes marked.
    for label in [
        "RSA – référent unique",
        "Conseil départemental",
        "CDI",
        "CAP / BEP",
        "Obstacle majeur",
        "Bourse au permis",
        "Honoré",
        "Sur rendez-vous",
        "En projet",
    ] {
        assert!(
            html.contains(&document::esc(label)),
            "label « {label} » missing"
        );
    }
    assert!(html.contains("29/02/1988"));
    assert!(html.contains("19/01/2026"));
    assert!(html.contains("02/11/2026 14h30"));
    assert!(
        !html.contains("2026-01-19"),
        "ISO date left in the document"
    );
    assert!(!html.contains("conseil_departemental"), "raw code left");
    let private = html.find("Qzvnotes").unwrap();
    let shared = html.find("Qzvshared").unwrap();
    let head_private = &html[html[..private].rfind("<div class=\"note").unwrap()..private];
    let head_shared = &html[html[..shared].rfind("<div class=\"note").unwrap()..shared];
    assert!(
        head_private.contains(document::PRIVATE_NOTE),
        "{head_private}"
    );
    assert!(head_shared.contains(document::SHARED_NOTE), "{head_shared}");

    // Self-contained and printable: one page, nothing fetched from elsewhere, no script.
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("@page"));
    for outside in ["<script", "<link", "src=", "http:", "https:", "url("] {
        assert!(!html.contains(outside), "{outside}");
    }
    // No audit content: the log is not part of the person's file.
    assert!(!html.contains(actions::CREATE));
    assert!(!html.contains(ADMIN));
}

fn run(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_parcours-hooks"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("PARCOURS_NOW", NOW)
        .env("PARCOURS_CONFIG_DIR", db.parent().unwrap().join("config"))
        .env_remove("PARCOURS_DB")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_command_line_writes_the_document_and_erases() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = run(&db, &["demo", "--persons", "12", "--seed", "4"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let pw = stdout
        .split("mot de passe « ")
        .nth(1)
        .and_then(|s| s.split(" »").next())
        .expect("demo password printed");
    let pwfile = dir.path().join("mdp");
    std::fs::write(&pwfile, pw).unwrap();
    let auth = ["--mot-de-passe-fichier", pwfile.to_str().unwrap()];

    // The document of one person, to a file.
    let target = dir.path().join("dossier.html");
    let mut args = vec![
        "export",
        "--format",
        "document",
        "--person",
        "2026-00007",
        "-o",
    ];
    args.push(target.to_str().unwrap());
    args.extend(auth);
    let out = run(&db, &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("2026-00007"), "{err}");
    let html = std::fs::read_to_string(&target).unwrap();
    assert!(html.contains("Dossier d'accompagnement de"));
    assert!(html.contains("N° de dossier 2026-00007"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the document is readable by others: {mode:o}"
        );
    }
    // Without --person: a clear French message.
    let mut args = vec!["export", "--format", "document"];
    args.extend(auth);
    let out = run(&db, &args);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--person"));

    // Erasure without a terminal needs --oui; then the file is gone.
    let mut args = vec!["effacer", "2026-00007"];
    args.extend(auth);
    let out = run(&db, &args);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--oui"));
    args.push("--oui");
    let out = run(&db, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("effacé"));
    let mut args = vec!["export", "--format", "json", "--person", "2026-00007"];
    args.extend(auth);
    let out = run(&db, &args);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("aucun dossier"));
}
