//! The contrat d'engagement (issue 12 §3): its fields on the suivi through the store and
//! back, the « signed within a month » warning in the suivi form, the objective tied to
//! the contract marked in the plan pane, and the printed page (`parcours document contrat`
//! and the file's key): sections present, no script, no external resource, A4 `@page`,
//! 0600, audited.
//!
//! Set `PARCOURS_KEEP_CONTRACT=/tmp/contrat.html` to keep a copy of the page written by
//! the binary (to look at it in a browser).

mod support;

use chrono::NaiveDate;
use parcours::domain::*;
use support::app::Ctx;

fn d(s: &str) -> Option<NaiveDate> {
    Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

const STRUCTURE_TOML: &str = "nom = \"Association Tremplin\"\n\
    adresse = \"12 rue des Lilas, 59000 Lille\"\n\
    telephone = \"03 20 00 00 00\"\n[capacites]\nrsa = 140\n";

/// A person with a contract on her suivi, two objectives (one tied to the contract) and
/// three actions. Returns (person id, n° de dossier).
fn person_with_contract(c: &mut Ctx) -> (Id, String) {
    let mut p = Person::new("Martin", "Sophie");
    p.birth_date = d("1988-04-12");
    p.commune = "Roubaix".into();
    p.phone = "06 12 34 56 78".into();
    let pid = c
        .store
        .apply(&Change::Upsert(Record::Person(p)))
        .unwrap()
        .id;
    let s = Suivi {
        person_id: pid,
        dispositif: "rsa".into(),
        referent: "Claire Fontaine".into(),
        date_orientation: d("2026-09-01"),
        date_entree: d("2026-09-10"),
        contrat: "ce".into(),
        contrat_debut: d("2026-09-15"),
        contrat_fin: d("2027-03-15"),
        contrat_signe_le: d("2026-09-15"),
        contrat_revision: d("2026-12-15"),
        contrat_intensite: Some(15),
        contrat_metiers: "Aide à domicile, agent·e d'entretien".into(),
        contrat_zone: "Roubaix, Tourcoing (bus)".into(),
        engagements_personne: "Venir aux rendez-vous.\nChercher 3 offres par semaine.".into(),
        engagements_structure: "Un rendez-vous par mois au moins.\nAide pour le CV.".into(),
        ..Default::default()
    };
    c.store.apply(&Change::Upsert(Record::Suivi(s))).unwrap();
    let objective = |label: &str, contrat: bool| Objective {
        person_id: pid,
        label: label.into(),
        status: codes::OBJECTIVE_OPEN.into(),
        contrat,
        ..Default::default()
    };
    let o1 = c
        .store
        .apply(&Change::Upsert(Record::Objective(objective(
            "Trouver un emploi d'aide à domicile",
            true,
        ))))
        .unwrap()
        .id;
    let o2 = c
        .store
        .apply(&Change::Upsert(Record::Objective(objective(
            "Objectif hors contrat",
            false,
        ))))
        .unwrap()
        .id;
    for (label, obj, due) in [
        ("Refaire le CV", o1, "2026-10-01"),
        ("Immersion en entreprise (PMSMP)", o1, "2026-11-15"),
        ("Action d'un autre objectif", o2, "2026-10-20"),
    ] {
        let a = PlanAction {
            person_id: pid,
            objective_id: Some(obj),
            label: label.into(),
            due: d(due),
            status: codes::ACTION_PLANNED.into(),
            ..Default::default()
        };
        c.store.apply(&Change::Upsert(Record::Action(a))).unwrap();
    }
    c.app.reload_caseload(&c.store).unwrap();
    let dossier = c.store.person_file(pid).unwrap().person.dossier;
    (pid, dossier)
}

#[test]
fn contract_fields_round_trip_through_the_store_and_the_json_export() {
    let mut c = Ctx::empty();
    let (pid, _) = person_with_contract(&mut c);
    let f = c.store.person_file(pid).unwrap();
    let s = &f.suivis[0];
    assert_eq!(s.contrat_signe_le, d("2026-09-15"));
    assert_eq!(s.contrat_revision, d("2026-12-15"));
    assert_eq!(s.contrat_intensite, Some(15));
    assert!(s.engagements_personne.contains("3 offres"));
    assert_eq!(f.objectives.iter().filter(|o| o.contrat).count(), 1);
    let mut json = Vec::new();
    parcours::export::write_json(&c.store, Some(&[pid]), &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    assert!(
        json.contains("\"contrat_intensite\":15") || json.contains("\"contrat_intensite\": 15")
    );
    assert!(json.contains("engagements_structure"));
    // The person's document (right of access) shows them too, with the structure's name.
    let rf = Referential::embedded();
    let doc = parcours::document::person_html_for(
        &f,
        &rf,
        support::app::now(),
        "Association Tremplin",
        false,
    );
    for needle in [
        "Association Tremplin · N° de dossier",
        "Contrat signé le",
        "15/09/2026",
        "15 h par semaine",
        "Roubaix, Tourcoing (bus)",
        "Chercher 3 offres par semaine.",
        "Au contrat d&#39;engagement",
    ] {
        assert!(
            doc.contains(needle),
            "« {needle} » missing from the document"
        );
    }
}

fn html_checks(html: &str) {
    for section in [
        "<h1>Contrat d&#39;engagement</h1>",
        "Article L5411-6 du code du travail",
        "La personne",
        "MARTIN Sophie",
        "La structure",
        "Association Tremplin",
        "Référent·e : Claire Fontaine",
        "<h2>Le contrat</h2>",
        "15 heures par semaine",
        "Aide à domicile, agent·e d&#39;entretien",
        "Roubaix, Tourcoing (bus)",
        "<h2>Le plan d'action</h2>",
        "Trouver un emploi d&#39;aide à domicile",
        "Refaire le CV",
        "01/10/2026",
        "<h2>Nos engagements</h2>",
        "Chercher 3 offres par semaine.",
        "Aide pour le CV.",
        "Fait le 15/09/2026",
        "class=\"boxes\"",
        "Pour la structure",
    ] {
        assert!(html.contains(section), "« {section} » missing:\n{html}");
    }
    // Only the objectives tied to the contract (there is one).
    assert!(!html.contains("Objectif hors contrat"));
    assert!(!html.contains("Action d&#39;un autre objectif"));
    assert!(!html.to_lowercase().contains("<script"));
    for external in ["http:", "https:", "src=", "<link", "@import", "url("] {
        assert!(!html.contains(external), "external resource {external}");
    }
    assert!(html.contains("@page { size: A4"));
    assert!(html.contains("font-size: 13pt"), "large print");
}

#[test]
fn the_printed_contract_from_the_command_line() {
    let mut c = Ctx::empty();
    let (pid, dossier) = person_with_contract(&mut c);
    let db = c.dir.path().join("parcours.db");
    let config = tempfile::tempdir().unwrap();
    std::fs::write(config.path().join("structure.toml"), STRUCTURE_TOML).unwrap();
    let out = c.dir.path().join("contrat.html");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_parcours-hooks"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("PARCOURS_NOW", "2026-11-22 10:00:00")
            .env("PARCOURS_CONFIG_DIR", config.path())
            .env_remove("PARCOURS_DB")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let o = run(&[
        "document",
        "contrat",
        "--person",
        &dossier,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).unwrap();
    html_checks(&html);
    if let Some(keep) = std::env::var_os("PARCOURS_KEEP_CONTRACT") {
        std::fs::write(keep, &html).unwrap();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // (A plain base like this one has no audit log: the encrypted case is the same
    // `audit_export` as `export --format document`.)
    drop(c.store);
    let _ = pid;
    // Unknown n° and a person without suivi: a French message, no file.
    let o = run(&["document", "contrat", "--person", "1999-99999"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("aucun dossier n° « 1999-99999 »"));
}

#[test]
fn a_person_without_suivi_has_no_contract() {
    let mut c = Ctx::empty();
    let pid = c
        .store
        .apply(&Change::Upsert(Record::Person(Person::new(
            "Sans", "Suivi",
        ))))
        .unwrap()
        .id;
    let file = c.store.person_file(pid).unwrap();
    let rf = Referential::embedded();
    let e =
        parcours::contract_doc::contract_html(&file, &rf, &Default::default(), support::app::now())
            .unwrap_err();
    assert!(e.to_string().contains("aucun suivi"), "{e}");
}

fn open_file(c: &mut Ctx, query: &str) {
    c.press(&format!("/{query}<Enter>"));
    assert_eq!(
        c.app.screen,
        parcours::app::Screen::File,
        "{}",
        c.render(80, 24)
    );
}

#[test]
fn the_file_key_writes_the_contract_and_the_plan_pane_marks_its_objectives() {
    let mut c = Ctx::empty();
    person_with_contract(&mut c);
    open_file(&mut c, "martin");
    // The objective of the contract carries the letters, the other does not.
    let s = c.render(120, 40);
    assert!(s.contains("◆ [CE] Trouver un emploi"), "{s}");
    assert!(s.contains("◆ Objectif hors contrat"), "{s}");
    let exports = c.dir.path().join("exports");
    c.app.export_dir = Some(exports.clone());
    c.press("C");
    assert!(
        c.status().starts_with("Contrat du dossier n°"),
        "{}",
        c.status()
    );
    let files: Vec<_> = std::fs::read_dir(&exports).unwrap().collect();
    assert_eq!(files.len(), 1);
    let path = files[0].as_ref().unwrap().path();
    assert!(path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("contrat-"));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("Trouver un emploi d&#39;aide à domicile"));
}

#[test]
fn a_contract_signed_more_than_a_month_after_the_orientation_is_questioned_once() {
    let mut c = Ctx::empty();
    person_with_contract(&mut c);
    open_file(&mut c, "martin");
    c.press("S");
    let form = c.form();
    let at = form
        .fields
        .iter()
        .position(|f| f.key == "contrat_signe_le")
        .unwrap();
    let focus = form.focus;
    let tabs = "<Tab>".repeat(at - focus);
    // Orientation 01/09/2026: due by 01/10/2026; signed 15/10/2026.
    c.press(&format!("{tabs}<C-u>15/10/2026<C-s>"));
    let form = c.form();
    let f = &form.fields[at];
    let msg = f.error.clone().unwrap_or_default();
    assert!(
        msg.contains("plus d'un mois après l'orientation du 01/09/2026"),
        "{msg}"
    );
    // Confirmed: stored.
    c.press("<C-s>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    let pid = c.person_id();
    assert_eq!(c.stored(pid).suivis[0].contrat_signe_le, d("2026-10-15"));
}
