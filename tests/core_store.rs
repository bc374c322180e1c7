//! The store on real SQLite files: round-trips of every aggregate through the single write
//! path, undo, migrations, PRAGMAs, n° de dossier, versions, export coverage, query plans.

use chrono::{NaiveDate, NaiveDateTime};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::export;
use parcours::store::{schema, Store, StoreError, CASELOAD_SQL};
use proptest::prelude::*;
use std::path::Path;

const NOW: &str = "2026-11-22 10:00:00";

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn clock() -> Clock {
    Clock::fixed(dt(NOW))
}

fn open(path: &Path) -> Store {
    Store::open(path, clock()).expect("open store")
}

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("parcours.db"));
    (dir, store)
}

fn upsert(store: &mut Store, r: Record) -> Id {
    store.apply(&Change::Upsert(r)).expect("apply").id
}

fn sample_person() -> Person {
    Person {
        nom: "N'Diaye".into(),
        prenom: "Aïcha".into(),
        nom_usage: "Le Gall".into(),
        birth_date: Some(d("1988-02-29")),
        sexe: "F".into(),
        phone: "06 12 34 56 78".into(),
        email: "aicha@exemple.fr".into(),
        commune: "Hénin-Beaumont".into(),
        ..Default::default()
    }
}

fn sample_suivi(pid: Id) -> Suivi {
    Suivi {
        person_id: pid,
        dispositif: "rsa".into(),
        referent: "Claire Fontaine".into(),
        prescripteur: "conseil_departemental".into(),
        date_orientation: Some(d("2026-01-05")),
        date_premier_contact: Some(d("2026-01-12")),
        date_entree: Some(d("2026-01-19")),
        contrat: "cer".into(),
        contrat_debut: Some(d("2026-01-19")),
        contrat_fin: Some(d("2027-01-18")),
        sortie_date: Some(d("2026-10-30")),
        sortie_categorie: Some("ed_cdi".into()),
        sortie_detail: "CDI d'agent·e d'entretien, « Propreté du Nord »".into(),
        ..Default::default()
    }
}

fn sample_diagnostic(pid: Id) -> Diagnostic {
    Diagnostic {
        person_id: pid,
        kind: "initial".into(),
        date: Some(d("2026-01-19")),
        niveau: "NV5".into(),
        diplomes: "CAP cuisine".into(),
        situation_pro: "sans emploi".into(),
        dernier_emploi: "commis de cuisine".into(),
        inactivite_mois: Some(14),
        ft_inscrit: true,
        ft_date: Some(d("2025-09-01")),
        projet: "Accéder à un emploi en restauration collective".into(),
        metiers_cibles: "commis de cuisine, agent·e de restauration".into(),
        competences: "cuisine pour de grands groupes".into(),
        envies: "horaires compatibles avec l'école".into(),
        // In theme-code order (the order the store gives them back).
        themes: vec![
            ThemeAssessment {
                theme: "logement".into(),
                level: "obstacle_majeur".into(),
                comment: "Hébergée chez sa sœur".into(),
            },
            ThemeAssessment {
                theme: "mobilite".into(),
                level: "obstacle".into(),
                comment: String::new(),
            },
            ThemeAssessment {
                theme: "sante".into(),
                level: "appui".into(),
                comment: "Suivi régulier".into(),
            },
        ],
        ..Default::default()
    }
}

fn sample_barrier(pid: Id) -> Barrier {
    Barrier {
        person_id: pid,
        theme: "mobilite".into(),
        situation: Some("mob_aucun_transport".into()),
        label: String::new(),
        status: "en_cours".into(),
        since: Some(d("2025-06-01")),
        resolved: None,
        note: "Bus toutes les 2 h".into(),
        ..Default::default()
    }
}

fn sample_objective(pid: Id) -> Objective {
    Objective {
        person_id: pid,
        theme: Some("mobilite".into()),
        label: "Se déplacer seule jusqu'au lieu de travail".into(),
        status: "en_cours".into(),
        ..Default::default()
    }
}

fn sample_action(pid: Id, objective: Option<Id>, barrier: Option<Id>) -> PlanAction {
    PlanAction {
        person_id: pid,
        objective_id: objective,
        barrier_id: barrier,
        label: "Bourse au permis".into(),
        action_type: Some("bourse_permis".into()),
        partner: "auto_ecole_sociale".into(),
        due: Some(d("2026-09-30")),
        status: "en_cours".into(),
        outcome: String::new(),
        ..Default::default()
    }
}

fn sample_appointment(pid: Id) -> Appointment {
    Appointment {
        person_id: pid,
        start: Some(dt("2026-11-03 14:30:00")),
        duration_min: 45,
        medium: "rdv".into(),
        status: "honore".into(),
        report: "Point sur le permis ; dossier FSL déposé.".into(),
        demarches: vec![
            Demarche {
                theme: "mobilite".into(),
                label: "Appel auto-école".into(),
            },
            Demarche {
                theme: "logement".into(),
                label: "Dossier FSL".into(),
            },
        ],
        ..Default::default()
    }
}

fn sample_note(pid: Id) -> Note {
    Note {
        person_id: pid,
        at: Some(dt("2026-11-04 12:15:00")),
        author: "Claire Fontaine".into(),
        private: false,
        text: "Courrier de la CAF reçu.\nTransmis à la personne.".into(),
        ..Default::default()
    }
}

/// A person with a row in every table, written through `Store::apply`. Returns the file as
/// written (ids filled in), in the order `person_file` gives it back.
fn full_file(store: &mut Store) -> PersonFile {
    let mut person = sample_person();
    person.id = upsert(store, Record::Person(person.clone()));
    let pid = person.id;
    let mut suivi = sample_suivi(pid);
    suivi.id = upsert(store, Record::Suivi(suivi.clone()));
    let mut diag = sample_diagnostic(pid);
    diag.id = upsert(store, Record::Diagnostic(diag.clone()));
    let mut barrier = sample_barrier(pid);
    barrier.id = upsert(store, Record::Barrier(barrier.clone()));
    let mut objective = sample_objective(pid);
    objective.id = upsert(store, Record::Objective(objective.clone()));
    let mut action = sample_action(pid, Some(objective.id), Some(barrier.id));
    action.id = upsert(store, Record::Action(action.clone()));
    let mut appt = sample_appointment(pid);
    appt.id = upsert(store, Record::Appointment(appt.clone()));
    let mut note = sample_note(pid);
    note.id = upsert(store, Record::Note(note.clone()));
    let mut etape = Etape {
        person_id: pid,
        kind: "cdd".into(),
        debut: NaiveDate::from_ymd_opt(2026, 10, 1),
        organisme: "Boulangerie".into(),
        ..Default::default()
    };
    etape.id = upsert(store, Record::Etape(etape.clone()));
    let mut saisine = Saisine {
        person_id: pid,
        suivi_id: suivi.id,
        date: NaiveDate::from_ymd_opt(2026, 10, 5),
        motif: "injoignable".into(),
        ..Default::default()
    };
    saisine.id = upsert(store, Record::Saisine(saisine.clone()));
    let mut veille = Veille {
        person_id: pid,
        suivi_id: suivi.id,
        date: NaiveDate::from_ymd_opt(2026, 11, 1),
        situation: "formation".into(),
        ..Default::default()
    };
    veille.id = upsert(store, Record::Veille(veille.clone()));
    // A collective session this person is enrolled in (its participation refers to them).
    upsert(
        store,
        Record::Session(Session {
            title: "Information collective PLIE".into(),
            kind: "info_co".into(),
            start: Some(dt("2026-11-20 09:30:00")),
            duration_min: 90,
            capacity: 12,
            participants: vec![Participation {
                person_id: pid,
                status: codes::APPT_HONOURED.into(),
                note: "Intéressée par le PLIE".into(),
            }],
            ..Default::default()
        }),
    );
    let mut eligibility = sample_eligibility(pid);
    eligibility.id = upsert(store, Record::Eligibility(eligibility.clone()));
    PersonFile {
        person,
        suivis: vec![suivi],
        diagnostics: vec![diag],
        barriers: vec![barrier],
        objectives: vec![objective],
        actions: vec![action],
        appointments: vec![appt],
        notes: vec![note],
        etapes: vec![etape],
        saisines: vec![saisine],
        veilles: vec![veille],
        eligibilities: vec![eligibility],
    }
}

fn sample_eligibility(pid: Id) -> Eligibility {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
    Eligibility {
        person_id: pid,
        date: Some(date),
        structure: "ETTI".into(),
        prescriber: true,
        author: "Claire Fontaine".into(),
        eligible: true,
        expires: Eligibility::expiry_of(date, true),
        criteria: vec![
            EligibilityCriterion {
                criterion: "niveau_infra_cap".into(),
                met: true,
                proof: "Déclaration sur l'honneur".into(),
                source: "Diagnostic : niveau de formation CAP / BEP (rempli)".into(),
            },
            EligibilityCriterion {
                criterion: "mobilite".into(),
                met: true,
                proof: String::new(),
                source: "Obstacle coché : Aucun moyen de transport (rempli)".into(),
            },
        ],
        ..Default::default()
    }
}

/// Clears the fields the store generates (dossier, timestamps, version).
fn without_generated(mut p: Person) -> Person {
    p.dossier.clear();
    p.created_at = None;
    p.updated_at = None;
    p.version = 0;
    p
}

#[test]
fn every_aggregate_round_trips_through_apply_and_person_file() {
    let (_dir, mut store) = temp_store();
    let written = full_file(&mut store);
    let read = store.person_file(written.person.id).unwrap();

    assert_eq!(
        without_generated(read.person.clone()),
        without_generated(written.person.clone())
    );
    assert_eq!(read.suivis, written.suivis);
    assert_eq!(read.diagnostics, written.diagnostics);
    assert_eq!(read.barriers, written.barriers);
    assert_eq!(read.objectives, written.objectives);
    assert_eq!(read.actions, written.actions);
    assert_eq!(read.appointments, written.appointments);
    assert_eq!(read.notes, written.notes);

    // Same through `load`, one record at a time, and after reopening the file.
    let path = store.path().to_path_buf();
    drop(store);
    let store = open(&path);
    let records = [
        Record::Suivi(written.suivis[0].clone()),
        Record::Diagnostic(written.diagnostics[0].clone()),
        Record::Barrier(written.barriers[0].clone()),
        Record::Objective(written.objectives[0].clone()),
        Record::Action(written.actions[0].clone()),
        Record::Appointment(written.appointments[0].clone()),
        Record::Note(written.notes[0].clone()),
    ];
    for r in records {
        let loaded = store.load(r.kind(), r.id()).unwrap();
        assert_eq!(loaded.as_ref(), Some(&r), "{:?}", r.kind());
    }
    let Some(Record::Person(p)) = store.load(RecordKind::Person, written.person.id).unwrap() else {
        panic!("person not loaded");
    };
    assert_eq!(without_generated(p), without_generated(written.person));
}

#[test]
fn generated_person_fields_are_filled() {
    let (_dir, mut store) = temp_store();
    let id = upsert(&mut store, Record::Person(sample_person()));
    let p = store.person_file(id).unwrap().person;
    assert_eq!(p.dossier, "2026-00001");
    assert_eq!(p.created_at, Some(dt(NOW)));
    assert_eq!(p.updated_at, Some(dt(NOW)));
    assert_eq!(p.version, 1);
}

#[test]
fn diagnostic_themes_come_back_in_code_order() {
    let (_dir, mut store) = temp_store();
    let pid = upsert(&mut store, Record::Person(sample_person()));
    let mut diag = sample_diagnostic(pid);
    diag.themes.reverse();
    let id = upsert(&mut store, Record::Diagnostic(diag.clone()));
    let Some(Record::Diagnostic(back)) = store.load(RecordKind::Diagnostic, id).unwrap() else {
        panic!("diagnostic not loaded");
    };
    let codes: Vec<&str> = back.themes.iter().map(|t| t.theme.as_str()).collect();
    assert_eq!(codes, ["logement", "mobilite", "sante"]);
}

#[test]
fn unknown_codes_survive_a_round_trip() {
    let (_dir, mut store) = temp_store();
    let rf = Referential::embedded();
    let pid = upsert(&mut store, Record::Person(sample_person()));
    let barrier = Barrier {
        person_id: pid,
        theme: "theme_retire".into(),
        situation: Some("situation_retiree".into()),
        label: String::new(),
        status: "statut_inconnu".into(),
        ..Default::default()
    };
    let bid = upsert(&mut store, Record::Barrier(barrier.clone()));
    let mut diag = sample_diagnostic(pid);
    diag.themes = vec![ThemeAssessment {
        theme: "theme_retire".into(),
        level: "niveau_inconnu".into(),
        comment: String::new(),
    }];
    let did = upsert(&mut store, Record::Diagnostic(diag.clone()));

    let file = store.person_file(pid).unwrap();
    assert_eq!(file.barriers, vec![Barrier { id: bid, ..barrier }]);
    assert_eq!(file.diagnostics, vec![Diagnostic { id: did, ..diag }]);

    // Shown raw, never dropped.
    use parcours::domain::referential::label_in;
    assert_eq!(label_in(&rf.themes, "theme_retire"), "theme_retire");
    assert_eq!(label_in(&rf.levels, "niveau_inconnu"), "niveau_inconnu");
    assert_eq!(label_in(&rf.themes, "mobilite"), "Mobilité");
    assert_eq!(rf.barrier_label(&file.barriers[0]), "situation_retiree");
    assert_eq!(rf.level_rank("niveau_inconnu"), 0);
    assert!(!rf.knows("themes", "theme_retire"));
}

#[test]
fn undo_of_an_update_restores_the_previous_state() {
    let (_dir, mut store) = temp_store();
    let file = full_file(&mut store);

    // A child record (with its sub-rows).
    let before = file.diagnostics[0].clone();
    let mut edited = before.clone();
    edited.niveau = "NV4".into();
    edited.themes.retain(|t| t.theme != "logement");
    edited.themes[0].level = "vigilance".into();
    let applied = store
        .apply(&Change::Upsert(Record::Diagnostic(edited.clone())))
        .unwrap();
    // Each write bumps the record's version (issue 10): the content is the edited one.
    assert_eq!(
        store.load(RecordKind::Diagnostic, before.id).unwrap(),
        Some(Record::Diagnostic(Diagnostic {
            version: before.version + 1,
            ..edited
        }))
    );
    let inverse = applied.inverse.expect("an update can be undone");
    store.apply(&inverse).unwrap();
    assert_eq!(
        store.load(RecordKind::Diagnostic, before.id).unwrap(),
        Some(Record::Diagnostic(Diagnostic {
            version: before.version + 2,
            ..before
        }))
    );
    // The inverse was for the version it followed: applied twice, it is stale.
    assert!(matches!(store.apply(&inverse), Err(StoreError::Conflict)));

    // An appointment's démarches.
    let before = file.appointments[0].clone();
    let mut edited = before.clone();
    edited.status = "absent".into();
    edited.demarches.clear();
    let inverse = store
        .apply(&Change::Upsert(Record::Appointment(edited)))
        .unwrap()
        .inverse
        .unwrap();
    store.apply(&inverse).unwrap();
    assert_eq!(
        store.load(RecordKind::Appointment, before.id).unwrap(),
        Some(Record::Appointment(Appointment {
            version: before.version + 2,
            ..before
        }))
    );

    // The person itself (the inverse carries the current version, so it is not a conflict).
    let pid = file.person.id;
    let current = store.person_file(pid).unwrap().person;
    let mut edited = current.clone();
    edited.commune = "Lens".into();
    edited.phone.clear();
    let inverse = store
        .apply(&Change::Upsert(Record::Person(edited)))
        .unwrap()
        .inverse
        .unwrap();
    assert_eq!(store.person_file(pid).unwrap().person.commune, "Lens");
    store.apply(&inverse).unwrap();
    let restored = store.person_file(pid).unwrap().person;
    assert_eq!(without_generated(restored), without_generated(current));
}

#[test]
fn undo_of_an_insert_deletes_it() {
    let (_dir, mut store) = temp_store();
    let file = full_file(&mut store);
    let pid = file.person.id;
    let before = store.person_file(pid).unwrap();

    let applied = store
        .apply(&Change::Upsert(Record::Appointment(sample_appointment(
            pid,
        ))))
        .unwrap();
    assert_eq!(
        applied.inverse,
        Some(Change::Delete(RecordKind::Appointment, applied.id))
    );
    store.apply(&applied.inverse.unwrap()).unwrap();
    let after = store.person_file(pid).unwrap();
    assert_eq!(after.appointments, before.appointments);
    assert_eq!(
        store.load(RecordKind::Appointment, applied.id).unwrap(),
        None
    );
}

#[test]
fn undo_of_a_child_delete_restores_it_with_its_sub_rows() {
    let (_dir, mut store) = temp_store();
    let file = full_file(&mut store);
    let pid = file.person.id;

    let cases = [
        Record::Diagnostic(file.diagnostics[0].clone()),
        Record::Appointment(file.appointments[0].clone()),
        Record::Note(file.notes[0].clone()),
        Record::Suivi(file.suivis[0].clone()),
        Record::Action(file.actions[0].clone()),
    ];
    for record in cases {
        let applied = store
            .apply(&Change::Delete(record.kind(), record.id()))
            .unwrap();
        assert_eq!(store.load(record.kind(), record.id()).unwrap(), None);
        let inverse = applied.inverse.expect("a child delete can be undone");
        let restored = store.apply(&inverse).unwrap();
        assert_eq!(restored.id, record.id(), "same id after undo");
        assert_eq!(
            store.load(record.kind(), record.id()).unwrap().as_ref(),
            Some(&record)
        );
    }
    let after = store.person_file(pid).unwrap();
    assert_eq!(after.diagnostics, file.diagnostics);
    assert_eq!(after.appointments, file.appointments);
    assert_eq!(after.notes, file.notes);
    assert_eq!(after.suivis, file.suivis);
    assert_eq!(after.actions, file.actions);
    assert!(store.integrity_problems().unwrap().is_empty());
}

#[test]
fn deleting_a_person_removes_the_whole_file() {
    let (_dir, mut store) = temp_store();
    let file = full_file(&mut store);
    let applied = store
        .apply(&Change::Delete(RecordKind::Person, file.person.id))
        .unwrap();
    assert_eq!(applied.inverse, None, "no undo for a whole file");
    for (table, n) in store.table_counts().unwrap() {
        // The audit log outlives the records it names (ids only, no content), and the
        // n° de dossier counters the files they numbered (a year and a number); a
        // collective session stays for its other participants (this person's
        // participation goes: `session_participants` is checked like the rest).
        if table != "audit" && table != "dossier_counters" && table != "sessions" {
            assert_eq!(n, 0, "{table} still has rows");
        }
    }
    assert!(matches!(
        store.apply(&Change::Delete(RecordKind::Note, file.notes[0].id)),
        Err(StoreError::NotFound)
    ));
}

#[test]
fn migrations_from_empty_then_reopen_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcours.db");
    let store = open(&path);
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    assert_eq!(schema::LATEST, schema::MIGRATIONS.len() as i64);
    let tables: Vec<String> = store
        .table_counts()
        .unwrap()
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    for t in [
        "persons",
        "suivis",
        "diagnostics",
        "diagnostic_themes",
        "barriers",
        "objectives",
        "actions",
        "appointments",
        "demarches",
        "notes",
    ] {
        assert!(tables.iter().any(|x| x == t), "missing table {t}");
    }
    drop(store);

    let before = schema_of(&path);
    let mut store = open(&path);
    let pid = upsert(&mut store, Record::Person(sample_person()));
    drop(store);
    let store = open(&path);
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    assert_eq!(schema_of(&path), before, "reopening changed the schema");
    assert_eq!(store.person_ids().unwrap(), vec![pid], "data kept");
    assert!(store.integrity_problems().unwrap().is_empty());
}

/// Every schema object with its SQL, and user_version, read with a plain connection.
fn schema_of(path: &Path) -> (Vec<(String, String, Option<String>)>, i64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    let objects = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let version = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    (objects, version)
}

#[test]
fn pragmas_after_open() {
    let (_dir, store) = temp_store();
    assert_eq!(store.pragma_string("journal_mode").unwrap(), "wal");
    assert_eq!(store.pragma_i64("synchronous").unwrap(), 2, "FULL");
    assert_eq!(store.pragma_i64("foreign_keys").unwrap(), 1);
    assert!(store.pragma_i64("busy_timeout").unwrap() > 0);
}

#[test]
fn dossier_numbers_are_generated_unique_and_per_year() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcours.db");
    let mut store = open(&path);
    let rf = Referential::embedded();
    let files = parcours::demo::generate(&rf, 300, 11, dt(NOW));
    let ids = store.insert_files(&files).unwrap();
    let mut ids2 = Vec::new();
    for _ in 0..3 {
        ids2.push(upsert(&mut store, Record::Person(sample_person())));
    }
    let mut seen = std::collections::HashSet::new();
    for id in ids.iter().chain(&ids2) {
        let dossier = store.person_file(*id).unwrap().person.dossier;
        let ok = dossier.len() == 10
            && dossier.as_bytes()[4] == b'-'
            && dossier[..4].bytes().all(|b| b.is_ascii_digit())
            && dossier[5..].bytes().all(|b| b.is_ascii_digit());
        assert!(ok, "bad n° de dossier {dossier:?}");
        assert!(dossier.starts_with("2026-"));
        assert!(seen.insert(dossier.clone()), "duplicate {dossier}");
        assert_eq!(store.person_id_by_dossier(&dossier).unwrap(), Some(*id));
    }
    assert_eq!(seen.len(), 303);
    assert!(seen.contains("2026-00001") && seen.contains("2026-00303"));
    drop(store);

    // A new year starts a new series.
    let mut store = Store::open(&path, Clock::fixed(dt("2027-01-02 09:00:00"))).unwrap();
    let id = upsert(&mut store, Record::Person(sample_person()));
    assert_eq!(store.person_file(id).unwrap().person.dossier, "2027-00001");
    // Lookups tolerate surrounding blanks (copy-paste).
    assert_eq!(
        store.person_id_by_dossier(" 2027-00001 ").unwrap(),
        Some(id)
    );
    assert_eq!(store.person_id_by_dossier("2027-99999").unwrap(), None);
}

#[test]
fn dossier_numbering_skips_imported_shapes_and_goes_past_99999() {
    let (_dir, mut store) = temp_store();
    let with_dossier = |d: &str| Person {
        dossier: d.into(),
        ..sample_person()
    };
    let dossier_of = |store: &Store, id: Id| store.person_file(id).unwrap().person.dossier;
    // Imported numbers of other shapes in the same year do not disturb the series.
    for d in ["2026-ABCDE", "2026-123", "2026-0042x", "2025-00077"] {
        upsert(&mut store, Record::Person(with_dossier(d)));
    }
    let id = upsert(&mut store, Record::Person(sample_person()));
    assert_eq!(dossier_of(&store, id), "2026-00001");
    upsert(&mut store, Record::Person(with_dossier("2026-00500")));
    let id = upsert(&mut store, Record::Person(sample_person()));
    assert_eq!(dossier_of(&store, id), "2026-00501");
    // A structure with more than 99999 people in a year gets longer numbers, still unique.
    upsert(&mut store, Record::Person(with_dossier("2026-99999")));
    let a = upsert(&mut store, Record::Person(sample_person()));
    let b = upsert(&mut store, Record::Person(sample_person()));
    assert_eq!(dossier_of(&store, a), "2026-100000");
    assert_eq!(dossier_of(&store, b), "2026-100001");
    // An explicit duplicate is refused by the unique index, nothing written.
    let before = store.person_ids().unwrap().len();
    assert!(store
        .apply(&Change::Upsert(Record::Person(with_dossier("2026-00501"))))
        .is_err());
    assert_eq!(store.person_ids().unwrap().len(), before);
}

#[test]
fn person_version_bumps_on_every_change_in_the_file() {
    let (_dir, mut store) = temp_store();
    let pid = upsert(&mut store, Record::Person(sample_person()));
    let mut version = store.person_version(pid).unwrap().unwrap();
    assert_eq!(version, 1);
    let mut bumped = |store: &Store, what: &str| {
        let v = store.person_version(pid).unwrap().unwrap();
        assert_eq!(v, version + 1, "version not bumped by {what}");
        version = v;
    };

    let sid = upsert(&mut store, Record::Suivi(sample_suivi(pid)));
    bumped(&store, "suivi insert");
    let did = upsert(&mut store, Record::Diagnostic(sample_diagnostic(pid)));
    bumped(&store, "diagnostic insert");
    let bid = upsert(&mut store, Record::Barrier(sample_barrier(pid)));
    bumped(&store, "barrier insert");
    let oid = upsert(&mut store, Record::Objective(sample_objective(pid)));
    bumped(&store, "objective insert");
    let aid = upsert(
        &mut store,
        Record::Action(sample_action(pid, Some(oid), None)),
    );
    bumped(&store, "action insert");
    let rid = upsert(&mut store, Record::Appointment(sample_appointment(pid)));
    bumped(&store, "appointment insert");
    let nid = upsert(&mut store, Record::Note(sample_note(pid)));
    bumped(&store, "note insert");

    let mut b = sample_barrier(pid);
    b.id = bid;
    b.status = "leve".into();
    b.resolved = Some(d("2026-11-20"));
    upsert(&mut store, Record::Barrier(b));
    bumped(&store, "barrier update");
    let mut a = sample_appointment(pid);
    a.id = rid;
    a.demarches.pop();
    upsert(&mut store, Record::Appointment(a));
    bumped(&store, "appointment update");

    let mut p = store.person_file(pid).unwrap().person;
    p.commune = "Douai".into();
    upsert(&mut store, Record::Person(p));
    bumped(&store, "person update");

    for (kind, id) in [
        (RecordKind::Note, nid),
        (RecordKind::Action, aid),
        (RecordKind::Objective, oid),
        (RecordKind::Barrier, bid),
        (RecordKind::Diagnostic, did),
        (RecordKind::Suivi, sid),
    ] {
        store.apply(&Change::Delete(kind, id)).unwrap();
        bumped(&store, &format!("{kind:?} delete"));
    }
}

#[test]
fn stale_person_update_is_a_conflict() {
    let (_dir, mut store) = temp_store();
    let pid = upsert(&mut store, Record::Person(sample_person()));
    // Two windows load the same file.
    let mine = store.person_file(pid).unwrap().person;
    let mut theirs = mine.clone();
    theirs.phone = "07 00 00 00 00".into();
    upsert(&mut store, Record::Person(theirs));

    let mut stale = mine.clone();
    stale.commune = "Arras".into();
    let err = store
        .apply(&Change::Upsert(Record::Person(stale.clone())))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    assert!(err.to_string().contains("modifiée entre-temps"));
    // Nothing was written.
    let now = store.person_file(pid).unwrap().person;
    assert_eq!(now.commune, mine.commune);
    assert_eq!(now.phone, "07 00 00 00 00");

    // A change elsewhere in the file also makes a loaded person stale.
    let fresh = store.person_file(pid).unwrap().person;
    upsert(&mut store, Record::Note(sample_note(pid)));
    let err = store
        .apply(&Change::Upsert(Record::Person(fresh)))
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict));
}

#[test]
fn a_failed_change_in_apply_all_writes_nothing() {
    let (_dir, mut store) = temp_store();
    let pid = upsert(&mut store, Record::Person(sample_person()));
    let version = store.person_version(pid).unwrap();
    let changes = [
        Change::Upsert(Record::Note(sample_note(pid))),
        // A child of a person that does not exist.
        Change::Upsert(Record::Note(sample_note(pid + 1000))),
    ];
    assert!(store.apply_all(&changes).is_err());
    assert!(store.person_file(pid).unwrap().notes.is_empty());
    assert_eq!(store.person_version(pid).unwrap(), version);
}

/// Follows a key path such as "diagnostics[].themes" in one person's exported file and
/// tells whether some value at that path is non-empty.
fn non_empty_at(value: &serde_json::Value, path: &str) -> bool {
    let mut current = vec![value];
    for part in path.split('.') {
        let (key, each) = match part.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (part, false),
        };
        let mut next = Vec::new();
        for v in current {
            match v.get(key) {
                Some(serde_json::Value::Array(items)) if each => next.extend(items.iter()),
                Some(x) if !each => next.push(x),
                _ => {}
            }
        }
        current = next;
    }
    current.iter().any(|v| match v {
        serde_json::Value::Array(a) => !a.is_empty(),
        serde_json::Value::Object(o) => !o.is_empty(),
        serde_json::Value::Null => false,
        _ => true,
    })
}

#[test]
fn export_of_one_person_covers_every_table_that_refers_to_persons() {
    let (_dir, mut store) = temp_store();
    // Another person, who must not appear in the export.
    upsert(&mut store, Record::Person(Person::new("Autre", "Personne")));
    let file = full_file(&mut store);

    let tables = store.tables_referring_to_persons().unwrap();
    assert!(tables.len() >= 10, "{tables:?}");
    for (table, n) in store.table_counts().unwrap() {
        if tables.contains(&table) {
            assert!(n > 0, "the test person has no row in {table}");
        }
    }

    let mut out = Vec::new();
    let count = export::write_json(&store, Some(&[file.person.id]), &mut out).unwrap();
    assert_eq!(count, 1);
    let json: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(json["format"], export::FORMAT);
    assert_eq!(json["format_version"], export::FORMAT_VERSION);
    assert_eq!(json["schema_version"], schema::LATEST);
    assert_eq!(json["exported_at"], "2026-11-22T10:00:00");
    let persons = json["persons"].as_array().unwrap();
    assert_eq!(persons.len(), 1);
    let one = &persons[0];
    let dossier = store.person_file(file.person.id).unwrap().person.dossier;
    assert_eq!(one["person"]["dossier"], dossier.as_str());

    for table in &tables {
        let key = export::TABLE_KEYS
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, k)| *k)
            .unwrap_or_else(|| panic!("table {table} refers to persons but is not exported"));
        assert!(
            non_empty_at(one, key),
            "nothing exported at {key} ({table})"
        );
    }

    // The export reads back as the very same file.
    let back: PersonFile = serde_json::from_value(one.clone()).unwrap();
    assert_eq!(back, store.person_file(file.person.id).unwrap());
}

#[test]
fn export_of_everything_lists_every_person() {
    let (_dir, mut store) = temp_store();
    let rf = Referential::embedded();
    let files = parcours::demo::generate(&rf, 25, 5, dt(NOW));
    store.insert_files(&files).unwrap();
    let mut out = Vec::new();
    assert_eq!(export::write_json(&store, None, &mut out).unwrap(), 25);
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["persons"].as_array().unwrap().len(), 25);
}

#[test]
fn caseload_query_uses_the_indexes() {
    let (_dir, mut store) = temp_store();
    let rf = Referential::embedded();
    store
        .insert_files(&parcours::demo::generate(&rf, 40, 2, dt(NOW)))
        .unwrap();
    let sql = CASELOAD_SQL
        .replace("?1", "'2026-11-22 10:00:00'")
        .replace("?2", "'2026-11-22'")
        .replace("?3", "'[\"en_projet\",\"en_cours\",\"en_attente\"]'");
    let plan = store.explain(&sql).unwrap();
    eprintln!("{}", plan.join("\n"));
    let text = plan.join("\n");
    for line in &plan {
        let l = line.trim();
        assert!(
            !(l.starts_with("SCAN a") || l.starts_with("SCAN x") || l.starts_with("SCAN s")),
            "full scan in the caseload query: {l}\n{text}"
        );
    }
    assert!(
        text.contains("USING INDEX appointments_by_person_status")
            || text.contains("USING COVERING INDEX appointments_by_person_status"),
        "{text}"
    );
    assert!(text.contains("INDEX actions_by_person_due"), "{text}");
    assert!(text.contains("INDEX suivis_by_person"), "{text}");

    // And the query itself runs and gives one row per person.
    let open: Vec<String> = rf
        .action_statuses
        .iter()
        .filter(|s| s.open)
        .map(|s| s.code.clone())
        .collect();
    assert_eq!(store.caseload(&open).unwrap().len(), 40);
}

#[test]
fn insert_files_links_actions_to_their_objective_and_barrier() {
    let (_dir, mut store) = temp_store();
    let rf = Referential::embedded();
    let files = parcours::demo::generate(&rf, 60, 9, dt(NOW));
    let ids = store.insert_files(&files).unwrap();
    let mut linked = 0;
    for (f, id) in files.iter().zip(ids) {
        let stored = store.person_file(id).unwrap();
        assert_eq!(stored.actions.len(), f.actions.len());
        for (a, s) in f.actions.iter().zip(&stored.actions) {
            if let Some(pos) = a.barrier_id {
                let b = &stored.barriers[pos as usize - 1];
                assert_eq!(s.barrier_id, Some(b.id));
                linked += 1;
            }
            if let Some(pos) = a.objective_id {
                assert_eq!(s.objective_id, Some(stored.objectives[pos as usize - 1].id));
            }
        }
    }
    assert!(linked > 0);
    assert!(store.integrity_problems().unwrap().is_empty());
}

#[test]
fn foreign_sqlite_file_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("autre.db");
    // A SQLite database of another application: its own tables, user_version 0.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE clients (id INTEGER PRIMARY KEY, nom TEXT);
             INSERT INTO clients (nom) VALUES ('Dupont');",
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path, clock()).err().expect("refused");
    assert!(err.to_string().contains("pas une base parcours"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn too_new_database_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("futur.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE persons (id INTEGER PRIMARY KEY); PRAGMA user_version = {};",
            schema::LATEST + 1
        ))
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path, clock()).err().expect("refused");
    assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
    assert!(err.to_string().contains("plus récente"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn garbage_file_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path, clock()).err().expect("refused");
    assert!(matches!(err, StoreError::NotADatabase(_)), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no -wal / -shm left behind");
}

#[test]
fn missing_directory_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent").join("parcours.db");
    let err = Store::open(&path, clock()).err().expect("refused");
    assert!(matches!(err, StoreError::MissingDirectory(_)), "{err:?}");
    assert!(!dir.path().join("absent").exists());
}

fn text() -> impl Strategy<Value = String> {
    // Accents, quotes, emoji, control characters and SQL-looking text.
    prop_oneof![
        "[a-zA-Zéèàçœ'’ \"-]{0,30}",
        any::<String>(),
        Just("'); DROP TABLE persons; --".to_string()),
        Just("l'œil de « Zoé » 👩‍👧\n\ttab".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn free_text_round_trips(nom in text(), commune in text(), note in text(), label in text()) {
        let (_dir, mut store) = temp_store();
        let mut p = sample_person();
        p.nom = nom;
        p.commune = commune;
        let pid = upsert(&mut store, Record::Person(p.clone()));
        let mut n = sample_note(pid);
        n.text = note;
        n.id = upsert(&mut store, Record::Note(n.clone()));
        let mut b = sample_barrier(pid);
        b.situation = None;
        b.label = label;
        b.id = upsert(&mut store, Record::Barrier(b.clone()));
        let file = store.person_file(pid).unwrap();
        prop_assert_eq!(without_generated(file.person), without_generated(Person { id: pid, ..p }));
        prop_assert_eq!(file.notes, vec![n]);
        prop_assert_eq!(file.barriers, vec![b]);
    }
}
