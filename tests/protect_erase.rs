//! Right to erasure: an admin erases a person from the app (typing the n° de dossier to
//! confirm); afterwards no marker typed for that person is left in the decrypted database,
//! in the raw file or its WAL, or in the caseload search. The audit log keeps a tombstone
//! without identity. Advisors are refused.

mod support;
use support::protect as protect_support;

use crossterm::event::KeyCode;
use parcours::app::{Overlay, Screen};
use parcours::auth::{Account, Keyring, Role};
use parcours::domain::{Change, Person, Record};
use parcours::session;
use parcours::store::audit::actions;
use parcours::store::Store;
use protect_support::*;

/// Searches the caseload like a user: "/" then the text; the names shown.
fn search(app: &mut parcours::app::App, store: &mut Store, text: &str) -> Vec<String> {
    key(app, store, KeyCode::Esc);
    ch(app, store, '/');
    type_text(app, store, text);
    let names = app
        .caseload
        .visible
        .iter()
        .map(|i| app.caseload.rows[*i].display_name())
        .collect();
    key(app, store, KeyCode::Esc);
    names
}

#[test]
fn an_admin_erases_a_person_everywhere_from_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let s = admin_session(&db, clock());
    let key_ = s.key.duplicate();
    let mut store = s.store;
    // Someone else, who must stay.
    store
        .apply(&Change::Upsert(Record::Person(Person::new(
            "Autre", "Personne",
        ))))
        .unwrap();
    let mut app = new_app(&store, clock());
    let id = write_markers_through_the_app(&mut app, &mut store);
    let dossier = store.person_file(id).unwrap().person.dossier;
    key(&mut app, &mut store, KeyCode::Esc);
    assert_eq!(search(&mut app, &mut store, "qzvmarknom").len(), 1);
    let dump = decrypted_dump(&db, Some(&key_));
    assert!(dump.contains(MARKERS.nom));

    // Back in the file: X asks for the n° de dossier; a wrong one erases nothing.
    app.open_person(id, &store);
    ch(&mut app, &mut store, 'X');
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("no confirmation: {:?}", app.status)
    };
    assert!(form.hint.as_deref().unwrap().contains(&dossier));
    type_text(&mut app, &mut store, "2026-99999");
    key(&mut app, &mut store, KeyCode::Enter);
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("the form should stay open")
    };
    assert!(form.fields[0]
        .error
        .as_deref()
        .unwrap()
        .contains("rien n'a été effacé"));
    assert!(store.person_file(id).is_ok());

    // The right n°.
    key(&mut app, &mut store, KeyCode::Esc);
    ch(&mut app, &mut store, 'X');
    let before = store.audit_entries(None, None, 10_000).unwrap().len();
    type_text(&mut app, &mut store, &dossier);
    key(&mut app, &mut store, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert_eq!(app.screen, Screen::Caseload);
    assert!(app.file.is_none());
    let status = app.status.clone().unwrap().text;
    assert!(status.contains("effacé"), "{status}");

    // Gone from the tables (every table that referred to the person) ...
    assert!(store.person_file(id).is_err());
    assert_eq!(store.person_id_by_dossier(&dossier).unwrap(), None);
    let dump = decrypted_dump(&db, Some(&key_));
    for m in MARKERS.all() {
        assert!(!dump.contains(m), "« {m} » left in the decrypted database");
    }
    assert!(dump.contains("Autre"), "the other person was erased too");
    // ... from the raw file and its WAL (which the erasure emptied) ...
    let files = companions(&db);
    assert!(found_in_raw(&files, &MARKERS.all()).is_empty());
    let wal = std::fs::metadata(format!("{}-wal", db.display()))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(wal, 0, "the WAL was not truncated");
    // ... and from the search: the index was rebuilt, the typed search cleared.
    assert!(search(&mut app, &mut store, "qzvmark").is_empty());
    assert!(search(&mut app, &mut store, &dossier).is_empty());
    assert!(app.caseload.index.entries().iter().all(|e| !e
        .display
        .to_lowercase()
        .contains("qzvmark")
        && !e.extra.contains(&dossier)));
    assert_eq!(search(&mut app, &mut store, "autre").len(), 1);

    // One audit entry: the tombstone, without identity.
    let entries = store.audit_entries(None, None, 10_000).unwrap();
    assert_eq!(entries.len(), before + 1);
    let t = &entries[0];
    assert_eq!(t.action, actions::ERASE);
    assert_eq!(t.actor, ADMIN);
    assert_eq!(t.record_kind.as_deref(), Some("persons"));
    assert_eq!((t.record_id, t.person_id), (None, None));
    assert_eq!(store.integrity_problems().unwrap(), Vec::<String>::new());
}

#[test]
fn erasure_makes_the_data_leave_a_plain_file_too() {
    // Without encryption the raw bytes are readable: this shows that the rows really leave
    // the file (secure_delete, checkpoint, VACUUM), not only that they are encrypted.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clair.db");
    let mut store = Store::open(&db, clock()).unwrap();
    let mut app = new_app(&store, clock());
    let id = write_markers_through_the_app(&mut app, &mut store);
    // Every marker is on disk before (in the file or the WAL).
    assert_eq!(
        found_in_raw(&companions(&db), &MARKERS.all()).len(),
        MARKERS.all().len()
    );
    // Also folded into the main file, so the erasure must clean the file itself.
    store.compact().unwrap();
    let only_db = [db.clone()];
    assert_eq!(
        found_in_raw(&only_db, &MARKERS.all()).len(),
        MARKERS.all().len()
    );

    let erased = store.erase_person(id).unwrap();
    assert!(erased.compacted);
    let found = found_in_raw(&companions(&db), &MARKERS.all());
    assert!(found.is_empty(), "left on disk: {found:?}");
    let dump = decrypted_dump(&db, None);
    for m in MARKERS.all() {
        assert!(!dump.contains(m), "« {m} » left in the database");
    }
    drop(app);
    drop(store);
    let found = found_in_raw(&companions(&db), &MARKERS.all());
    assert!(found.is_empty(), "left on disk after closing: {found:?}");
}

#[test]
fn an_advisor_cannot_erase_and_is_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let admin = admin_session(&db, clock());
    let mut ring = Keyring::load(&db).unwrap();
    ring.add_account(
        &admin.account,
        &admin.key,
        Account {
            login: "yanis".into(),
            display_name: "Yanis Benali".into(),
            role: Role::Conseiller,
        },
        "un autre mot de passe solide",
        clock().now(),
    )
    .unwrap();
    drop(admin);
    let s = session::login(&db, clock(), "yanis", "un autre mot de passe solide").unwrap();
    let mut store = s.store;
    let mut app = new_app(&store, clock());
    let id = write_markers_through_the_app(&mut app, &mut store);
    ch(&mut app, &mut store, 'X');
    assert!(app.overlay.is_none());
    let status = app.status.clone().unwrap();
    assert!(
        status.text.contains("réservé aux administrateur"),
        "{status:?}"
    );
    assert!(store.person_file(id).is_ok());
    // Nor the retention view, nor the audit log.
    key(&mut app, &mut store, KeyCode::Esc);
    ch(&mut app, &mut store, 'r');
    assert_eq!(app.screen, Screen::Caseload);
    assert!(app
        .status
        .clone()
        .unwrap()
        .text
        .contains("réservée aux administrateur"));
    key(&mut app, &mut store, KeyCode::F(4));
    assert_eq!(app.screen, Screen::Caseload);
    assert!(app
        .status
        .clone()
        .unwrap()
        .text
        .contains("réservé aux administrateur"));
}

#[test]
fn the_app_names_the_copies_made_before_an_erasure() {
    // Issue 9 point 8: a backup made before the erasure still holds the person; the app says
    // so with the number of such copies and where they are, not a vague « antérieures ».
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let s = admin_session(&db, clock());
    let mut store = s.store;
    let id = store
        .apply(&Change::Upsert(Record::Person(Person::new(
            "Copie", "Avant",
        ))))
        .unwrap()
        .id;
    store.backup(None, 10).unwrap();
    store.backup(None, 10).unwrap();
    let dossier = store.person_file(id).unwrap().person.dossier;
    let mut app = new_app(&store, clock());
    app.open_person(id, &store);
    ch(&mut app, &mut store, 'X');
    type_text(&mut app, &mut store, &dossier);
    key(&mut app, &mut store, KeyCode::Enter);
    assert!(store.person_file(id).is_err(), "not erased");
    let status = app.status.clone().unwrap().text;
    assert!(
        status.contains("2 copie(s) de la base faite(s) avant cet effacement"),
        "{status}"
    );
    assert!(status.contains("sauvegardes"), "{status}");
}
