//! The NIR (and the other identity fields of issue 13) where they must and must not go, on
//! real SQLite files: never in the caseload, its search index, a CSV list or an ICS; masked
//! in the file and the person's document unless the advisor shows it (that file only);
//! gone from the file on disk after an erasure.

mod support;

use parcours::app::App;
use parcours::domain::*;
use parcours::export::selection::{Selection, Target, What};
use parcours::store::exports::ExportFilter;
use parcours::store::Store;
use support::app::{now, render, ME};
use support::protect::{companions, decrypted_dump, found_in_raw};

/// A valid NIR whose hidden part (« 62 987 013 » and the key) appears nowhere else.
fn the_nir() -> String {
    let body = "2900162987013";
    format!("{body}{:02}", nir::key(body).unwrap())
}

/// What must never show unless asked: the NIR past the month of birth, as stored and as
/// the card spaces it.
fn hidden_forms() -> Vec<String> {
    let n = the_nir();
    vec![
        n.clone(),
        n[5..].to_string(),
        nir::spaced(&n)[8..].to_string(),
    ]
}

fn assert_no_nir(what: &str, text: &str) {
    for h in hidden_forms() {
        assert!(
            !text.contains(&h),
            "{what}: NIR part « {h} » found in\n{text}"
        );
    }
}

fn day(y: i32, m: u32, d: u32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
}

/// The person with a NIR, a suivi (exited), an appointment and an action; plus another.
fn with_nir_file() -> PersonFile {
    PersonFile {
        person: Person {
            birth_date: day(1990, 1, 15),
            sexe: "F".into(),
            commune: "Lens".into(),
            nir: the_nir(),
            nom_naissance: "Qzvnaissance".into(),
            adresse: "qzvadresse rue Haute".into(),
            code_postal: "62300".into(),
            caf_numero: "qzvcaf77".into(),
            id_departement: "qzviddep".into(),
            id_france_travail: "qzvidft".into(),
            rsa_statut: codes::BENEFIT_OPEN.into(),
            ..Person::new("Nirtest", "Léa")
        },
        suivis: vec![
            Suivi {
                dispositif: "rsa".into(),
                referent: ME.into(),
                date_orientation: day(2025, 1, 5),
                date_entree: day(2025, 1, 12),
                contrat: codes::CONTRACT_NONE.into(),
                sortie_date: day(2025, 10, 1),
                sortie_categorie: Some("ed_cdi".into()),
                ..Default::default()
            },
            // Back, and followed now (so the caseload shows the person).
            Suivi {
                dispositif: "rsa".into(),
                referent: ME.into(),
                date_orientation: day(2026, 1, 5),
                date_entree: day(2026, 1, 12),
                contrat: codes::CONTRACT_NONE.into(),
                ..Default::default()
            },
        ],
        appointments: vec![Appointment {
            start: chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
                .unwrap()
                .and_hms_opt(9, 0, 0),
            duration_min: 45,
            medium: codes::MEDIUM_DEFAULT.into(),
            status: codes::APPT_PLANNED.into(),
            ..Default::default()
        }],
        actions: vec![PlanAction {
            label: "Dossier CAF".into(),
            due: day(2026, 12, 1),
            status: codes::ACTION_PLANNED.into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn new_base(dir: &std::path::Path) -> (Store, Id) {
    let clock = parcours::clock::Clock::fixed(now());
    let mut store = Store::open(&dir.join("parcours.db"), clock).unwrap();
    let ids = store
        .insert_files(&[
            with_nir_file(),
            PersonFile {
                person: Person::new("Autre", "Personne"),
                ..Default::default()
            },
        ])
        .unwrap();
    (store, ids[0])
}

fn new_app(store: &Store) -> App {
    support::protect::new_app(store, parcours::clock::Clock::fixed(now()))
}

#[test]
fn the_nir_is_never_in_the_caseload_nor_its_search_index() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = new_base(dir.path());
    let rows = store.caseload(&[]).unwrap();
    assert!(rows.iter().any(|r| r.person_id == id));
    assert_no_nir("caseload rows", &format!("{rows:?}"));

    let mut app = new_app(&store);
    let index = &app.caseload.index;
    assert_eq!(index.len(), 2);
    let entries: Vec<String> = (0..index.len())
        .map(|i| format!("{:?}", index.entry(i)))
        .collect();
    assert!(entries.iter().any(|e| e.contains("Léa")));
    assert_no_nir("search index", &entries.join("\n"));
    // Typing the NIR in the search finds no one (nor by its hidden part); the name does.
    let search = |app: &mut App, store: &mut Store, typed: &str| -> Vec<Id> {
        support::app::press(app, store, &format!("/{typed}"));
        app.settle();
        let found = app
            .caseload
            .visible
            .iter()
            .map(|i| app.caseload.rows[*i].person_id)
            .collect();
        support::app::press(app, store, "<Esc>");
        found
    };
    assert_eq!(search(&mut app, &mut store, "nirtest"), vec![id]);
    for typed in [the_nir(), the_nir()[5..13].to_string()] {
        assert!(
            !search(&mut app, &mut store, &typed).contains(&id),
            "found by « {typed} »"
        );
    }
    for (w, h) in [(80, 24), (120, 40)] {
        assert_no_nir("caseload screen", &render(&app, w, h));
    }
}

#[test]
fn the_nir_is_never_in_a_csv_list_nor_an_ics() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = new_base(dir.path());
    let rf = Referential::embedded();
    let run = |target: Target, what: What, with_names: bool| -> String {
        let sel = Selection {
            target,
            what,
            filter: ExportFilter::default(),
            with_names,
        };
        let mut out = Vec::new();
        let n = parcours::export::write_selection(&store, &rf, &sel, &mut out).unwrap();
        assert!(n >= 1, "{what:?}: the person with a NIR is in the export");
        String::from_utf8(out).unwrap()
    };
    for what in [
        What::Personnes,
        What::RendezVous,
        What::Actions,
        What::Sorties,
    ] {
        let csv = run(Target::Csv, what, false);
        assert!(csv.contains("Nirtest") || csv.contains("NIRTEST"), "{csv}");
        assert_no_nir(&format!("CSV {what:?}"), &csv);
    }
    for with_names in [false, true] {
        let ics = run(Target::Ics, What::RendezVous, with_names);
        assert!(ics.contains("BEGIN:VEVENT"), "{ics}");
        assert_no_nir("ICS", &ics);
    }
    // The caseload list the app writes (key of the caseload).
    let rows = store.caseload(&[]).unwrap();
    let mut out = Vec::new();
    parcours::export::spreadsheet::write_caseload(&rf, rows.iter(), &mut out).unwrap();
    let csv = String::from_utf8(out).unwrap();
    assert!(csv.contains("Nirtest") || csv.contains("NIRTEST"), "{csv}");
    assert_no_nir("caseload CSV", &csv);
    // The JSON export (right of access, portability) is the one place it is given whole.
    let mut out = Vec::new();
    parcours::export::write_json(&store, Some(&[id]), &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains(&the_nir()));
}

#[test]
fn the_file_shows_the_nir_masked_until_the_advisor_asks_for_that_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = new_base(dir.path());
    let mut app = new_app(&store);
    app.open_person(id, &store);
    let masked = format!("NIR {}", nir::masked(&the_nir()));
    assert_eq!(masked, "NIR 2 90 01 •• ••• ••• ••");
    let screen = render(&app, 120, 40);
    assert!(screen.contains(&masked), "{screen}");
    assert_no_nir("file header", &screen);
    // The RSA right in the header.
    assert!(screen.contains("RSA : droit ouvert"), "{screen}");
    // The identity form masks it too, and saving it untouched keeps the NIR.
    support::app::press(&mut app, &mut store, "I");
    assert_no_nir("identity form", &render(&app, 120, 40));
    support::app::press(&mut app, &mut store, "<F10>");
    assert!(app.overlay.is_none());
    assert_eq!(store.person_file(id).unwrap().person.nir, the_nir());

    // The key of the table shows it, spaced as on the card, in the header and the form.
    support::app::press(&mut app, &mut store, "N");
    let screen = render(&app, 120, 40);
    assert!(screen.contains(&nir::spaced(&the_nir())), "{screen}");
    support::app::press(&mut app, &mut store, "I");
    assert!(render(&app, 120, 40).contains(&nir::spaced(&the_nir())));
    support::app::press(&mut app, &mut store, "<Esc>");
    // Again: masked.
    support::app::press(&mut app, &mut store, "N");
    assert_no_nir(
        "file header after the second toggle",
        &render(&app, 120, 40),
    );

    // Shown, then the file closed and reopened: masked again (never stored).
    support::app::press(&mut app, &mut store, "N");
    support::app::press(&mut app, &mut store, "<Esc>");
    app.open_person(id, &store);
    assert_no_nir("reopened file", &render(&app, 120, 40));
}

#[test]
fn the_document_masks_the_nir_and_shows_the_new_fields() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = new_base(dir.path());
    let rf = Referential::embedded();
    let file = store.person_file(id).unwrap();
    let html = parcours::document::person_html(&file, &rf, now());
    assert_no_nir("document", &html);
    assert!(html.contains("2 90 01 •• ••• ••• •• (masqué)"), "{html}");
    for text in [
        "Nom de naissance",
        "Qzvnaissance",
        "qzvadresse rue Haute",
        "62300",
        "qzviddep",
        "qzvidft",
        "Droits et situation administrative",
        "Droit ouvert",
    ] {
        assert!(html.contains(text), "« {text} » missing from the document");
    }
    // Unknown flags are left out, never written « non ».
    assert!(!html.contains("Résident·e QPV"), "unknown QPV shown");
    let shown = parcours::document::person_html_for(&file, &rf, now(), "", true);
    assert!(shown.contains(&nir::spaced(&the_nir())));
}

#[test]
fn erasure_takes_the_new_identity_fields_off_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, id) = new_base(dir.path());
    let db = store.path().to_path_buf();
    let nir = the_nir();
    let markers: Vec<&str> = vec![
        &nir,
        "Qzvnaissance",
        "qzvadresse",
        "qzvcaf77",
        "qzviddep",
        "qzvidft",
    ];
    store.compact().unwrap();
    assert_eq!(
        found_in_raw(&companions(&db), &markers).len(),
        markers.len(),
        "on disk before"
    );
    let erased = store.erase_person(id).unwrap();
    assert!(erased.compacted);
    let found = found_in_raw(&companions(&db), &markers);
    assert!(found.is_empty(), "left on disk: {found:?}");
    let dump = decrypted_dump(&db, None);
    for m in &markers {
        assert!(!dump.contains(m), "« {m} » left in the database");
    }
    // The other person stays.
    assert_eq!(store.caseload(&[]).unwrap().len(), 1);
}
