//! Identifiers are never reused (issue 10): after the latest person (or the latest record of
//! any kind) is deleted or erased, the next one gets a new internal id, so it inherits no
//! audit history, and a new n° de dossier, even after reopening the file.

use chrono::NaiveDateTime;
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::Store;
use std::path::Path;

fn clock() -> Clock {
    Clock::fixed(NaiveDateTime::parse_from_str("2026-11-24 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap())
}

fn add_person(store: &mut Store, nom: &str) -> (Id, String) {
    let id = store
        .apply(&Change::Upsert(Record::Person(Person::new(nom, "Test"))))
        .unwrap()
        .id;
    (id, store.person_file(id).unwrap().person.dossier)
}

/// Audit entries naming the person `id`.
fn history(store: &Store, id: Id) -> usize {
    store
        .audit_entries(None, None, 10_000)
        .unwrap()
        .iter()
        .filter(|e| {
            e.person_id == Some(id)
                || (e.record_kind.as_deref() == Some("persons") && e.record_id == Some(id))
        })
        .count()
}

fn open(path: &Path) -> Store {
    let mut store = Store::open(path, clock()).unwrap();
    store.set_actor("claire");
    store
}

#[test]
fn the_latest_person_deleted_or_erased_leaves_its_id_and_dossier_unused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcours.db");
    let mut store = open(&path);
    add_person(&mut store, "PREMIER");
    let (deleted, deleted_dossier) = add_person(&mut store, "SUPPRIME");
    store
        .audit(parcours::store::audit::actions::OPEN_FILE, Some(deleted))
        .unwrap();
    store
        .apply(&Change::Delete(RecordKind::Person, deleted))
        .unwrap();

    let (after_delete, dossier) = add_person(&mut store, "NOUVEAU");
    assert!(after_delete > deleted, "id {after_delete} after {deleted}");
    assert_ne!(dossier, deleted_dossier);
    assert!(
        dossier > deleted_dossier,
        "{dossier} after {deleted_dossier}"
    );
    assert_eq!(history(&store, after_delete), 1, "only its own creation");

    // Erasure (right to erasure), then a new file in a reopened base.
    store.erase_person(after_delete).unwrap();
    drop(store);
    let mut store = open(&path);
    let (after_erase, dossier2) = add_person(&mut store, "ENCORE");
    assert!(after_erase > after_delete);
    assert!(dossier2 > dossier, "{dossier2} after {dossier}");
    assert_eq!(history(&store, after_erase), 1, "only its own creation");
    assert_eq!(
        [deleted_dossier, dossier, dossier2],
        ["2026-00002", "2026-00003", "2026-00004"]
    );
}

#[test]
fn records_of_every_kind_get_new_ids_after_a_delete() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("parcours.db"));
    let (pid, _) = add_person(&mut store, "DURAND");
    let records = [
        Record::Suivi(Suivi {
            person_id: pid,
            dispositif: "rsa".into(),
            contrat: "aucun".into(),
            ..Default::default()
        }),
        Record::Diagnostic(Diagnostic {
            person_id: pid,
            kind: "initial".into(),
            ..Default::default()
        }),
        Record::Barrier(Barrier {
            person_id: pid,
            theme: "mobilite".into(),
            status: "identifie".into(),
            ..Default::default()
        }),
        Record::Objective(Objective {
            person_id: pid,
            label: "Permis".into(),
            status: "en_cours".into(),
            ..Default::default()
        }),
        Record::Action(PlanAction {
            person_id: pid,
            label: "Code".into(),
            status: "en_cours".into(),
            ..Default::default()
        }),
        Record::Appointment(Appointment {
            person_id: pid,
            medium: "physique".into(),
            status: "a_venir".into(),
            ..Default::default()
        }),
        Record::Note(Note {
            person_id: pid,
            text: "note".into(),
            ..Default::default()
        }),
    ];
    for r in records {
        let first = store.apply(&Change::Upsert(r.clone())).unwrap().id;
        store.apply(&Change::Delete(r.kind(), first)).unwrap();
        let second = store.apply(&Change::Upsert(r.clone())).unwrap().id;
        assert!(second > first, "{:?}: id {second} after {first}", r.kind());
    }
}
