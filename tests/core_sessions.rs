//! Collective sessions in the store: round-trip through the single write path, version
//! check, undo by the inverse change, audit, the participants' files touched, erasure of
//! one participant (the session stays), JSON export and the person's document.

use chrono::NaiveDateTime;
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::{Store, StoreError};
use parcours::{document, export};

const NOW: &str = "2026-11-22 10:00:00";

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db"), Clock::fixed(dt(NOW))).unwrap();
    store.set_actor("cfontaine");
    (dir, store)
}

fn person(store: &mut Store, nom: &str) -> Id {
    store
        .apply(&Change::Upsert(Record::Person(Person::new(nom, "Test"))))
        .unwrap()
        .id
}

fn session(participants: &[Id]) -> Session {
    Session {
        title: "Atelier CV".into(),
        kind: "atelier".into(),
        start: Some(dt("2026-11-20 14:00:00")),
        duration_min: 120,
        place: "Salle 2, 12 rue des Écoles".into(),
        partner: "plie".into(),
        capacity: 10,
        themes: "numerique savoir_etre".into(),
        animateur: "Claire Fontaine".into(),
        report: "Chacun·e est reparti·e avec un CV à jour".into(),
        participants: participants
            .iter()
            .map(|p| Participation {
                person_id: *p,
                status: codes::APPT_PLANNED.into(),
                note: String::new(),
            })
            .collect(),
        ..Default::default()
    }
}

fn load(store: &Store, id: Id) -> Session {
    match store.load(RecordKind::Session, id).unwrap() {
        Some(Record::Session(s)) => s,
        other => panic!("no session {id}: {other:?}"),
    }
}

#[test]
fn a_session_round_trips_with_its_participants_and_undoes() {
    let (_dir, mut store) = temp_store();
    let a = person(&mut store, "Alpha");
    let b = person(&mut store, "Beta");
    let written = session(&[a, b]);
    let applied = store
        .apply(&Change::Upsert(Record::Session(written.clone())))
        .unwrap();
    assert_eq!(
        applied.inverse,
        Some(Change::Delete(RecordKind::Session, applied.id))
    );
    let read = load(&store, applied.id);
    assert_eq!(
        read,
        Session {
            id: applied.id,
            ..written.clone()
        }
    );
    assert_eq!(store.sessions().unwrap(), vec![read.clone()]);

    // Attendance: an update at the version read, undone by its inverse.
    let mut marked = read.clone();
    marked.set_status(a, codes::APPT_HONOURED, dt(NOW)).unwrap();
    marked.participants[0].note = "CV terminé".into();
    let upd = store
        .apply(&Change::Upsert(Record::Session(marked.clone())))
        .unwrap();
    let after = load(&store, applied.id);
    assert_eq!(after.version, 1);
    assert_eq!(after.participants[0].status, codes::APPT_HONOURED);
    // A write on the old version is refused, nothing written.
    assert!(matches!(
        store.apply(&Change::Upsert(Record::Session(read.clone()))),
        Err(StoreError::Conflict)
    ));
    store.apply(&upd.inverse.unwrap()).unwrap();
    let undone = load(&store, applied.id);
    assert_eq!(undone.participants, read.participants);

    // Delete, then undo of the delete puts it back under its id, participants included.
    let del = store
        .apply(&Change::Delete(RecordKind::Session, applied.id))
        .unwrap();
    assert!(store.sessions().unwrap().is_empty());
    assert!(store.person_sessions(a).unwrap().is_empty());
    store.apply(&del.inverse.unwrap()).unwrap();
    let back = load(&store, applied.id);
    assert_eq!(back.participants, read.participants);
    assert_eq!(back.title, "Atelier CV");
}

#[test]
fn enrolment_touches_the_participants_files_only_and_is_audited() {
    let (_dir, mut store) = temp_store();
    let a = person(&mut store, "Alpha");
    let b = person(&mut store, "Beta");
    let v = |store: &Store, id| store.person_version(id).unwrap().unwrap();
    let (va, vb) = (v(&store, a), v(&store, b));
    let id = store
        .apply(&Change::Upsert(Record::Session(session(&[a]))))
        .unwrap()
        .id;
    assert_eq!(v(&store, a), va + 1, "the participant's file changed");
    assert_eq!(v(&store, b), vb, "not enrolled: untouched");

    let entries = store.audit_entries(None, None, 10).unwrap();
    let last = &entries[0];
    assert_eq!(last.record_kind.as_deref(), Some("sessions"));
    assert_eq!(last.record_id, Some(id));

    // The same person twice is refused by the schema too (the domain refuses it first).
    let mut twice = load(&store, id);
    twice.participants.push(twice.participants[0].clone());
    assert!(twice.check().is_err());
    assert!(store
        .apply(&Change::Upsert(Record::Session(twice)))
        .is_err());
    // A capacity of 0 never reaches the table.
    let mut zero = load(&store, id);
    zero.capacity = 0;
    assert!(zero.check().is_err());
    assert!(store.apply(&Change::Upsert(Record::Session(zero))).is_err());
    assert_eq!(load(&store, id).participants.len(), 1);
}

#[test]
fn erasing_one_participant_keeps_the_session_without_them() {
    let (_dir, mut store) = temp_store();
    let a = person(&mut store, "Alpha");
    let b = person(&mut store, "Qzverase");
    let mut s = session(&[a, b]);
    s.participants[1].note = "Qzvnote à effacer".into();
    let id = store.apply(&Change::Upsert(Record::Session(s))).unwrap().id;
    store.erase_person(b).unwrap();
    let kept = load(&store, id);
    assert_eq!(kept.participants.len(), 1);
    assert_eq!(kept.participants[0].person_id, a);
    assert_eq!(kept.capacity_label(), "1 / 10 inscrits");
    assert!(store.person_sessions(b).unwrap().is_empty());
}

#[test]
fn the_persons_export_and_document_list_their_sessions_only() {
    let (_dir, mut store) = temp_store();
    let a = person(&mut store, "Alpha");
    let b = person(&mut store, "Beta");
    let mut s = session(&[a, b]);
    s.participants[0].status = codes::APPT_HONOURED.into();
    s.participants[0].note = "Qzvmine".into();
    s.participants[1].note = "Qzvother".into();
    store.apply(&Change::Upsert(Record::Session(s))).unwrap();

    let mut out = Vec::new();
    export::write_json(&store, Some(&[a]), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mine = &json["persons"][0]["sessions"];
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["title"], "Atelier CV");
    assert_eq!(mine[0]["status"], "honore");
    assert_eq!(mine[0]["note"], "Qzvmine");
    assert_eq!(mine[0]["enrolled"], 2);
    assert!(
        !text.contains("Qzvother"),
        "another participant's note leaked"
    );
    assert!(
        json.get("sessions").is_none(),
        "one person: no base-wide list"
    );

    // The whole base: the sessions themselves, every participant.
    let mut out = Vec::new();
    export::write_json(&store, None, &mut out).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let all = json["sessions"].as_array().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["participants"].as_array().unwrap().len(), 2);

    let rf = Referential::embedded();
    let mut html = Vec::new();
    document::write_document(&store, &rf, a, &mut html).unwrap();
    let html = String::from_utf8(html).unwrap();
    let section = html.find("<h2>Actions collectives</h2>").expect("section");
    assert!(section < html.find("<h2>Journal</h2>").unwrap());
    assert!(html.contains("Atelier — Atelier CV"));
    assert!(html.contains("Qzvmine"));
    assert!(html.contains("Honoré"));
    assert!(!html.contains("Qzvother"));
}
