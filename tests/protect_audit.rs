//! The audit log: exactly one entry per audited action (create, update, delete of a record,
//! export, erasure), who / when / which record and never the content; tampering is refused
//! by the triggers; the 12-month purge deletes only old entries. The admin view lists it
//! newest first with filters by account and by action.

mod support;
use support::protect as protect_support;

use chrono::Duration;
use crossterm::event::KeyCode;
use parcours::app::Screen;
use parcours::clock::Clock;
use parcours::domain::{Change, Note, Person, Record, RecordKind};
use parcours::store::audit::{actions, AuditEntry};
use parcours::store::Store;
use protect_support::*;

fn all(store: &Store) -> Vec<AuditEntry> {
    store.audit_entries(None, None, 100_000).unwrap()
}

/// Runs `f` and returns the audit entries it added (exactly one expected).
fn one_entry(store: &mut Store, f: impl FnOnce(&mut Store)) -> AuditEntry {
    let before = all(store).len();
    f(store);
    let after = all(store);
    assert_eq!(
        after.len(),
        before + 1,
        "{:#?}",
        &after[..3.min(after.len())]
    );
    after[0].clone()
}

#[test]
fn exactly_one_entry_per_audited_action_and_no_content() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let s = admin_session(&db, clock());
    let key_ = s.key.duplicate();
    let mut store = s.store;

    let mut pid = 0;
    let e = one_entry(&mut store, |st| {
        pid = st
            .apply(&Change::Upsert(Record::Person(Person::new(
                "Qzvmarknom",
                "Prénom",
            ))))
            .unwrap()
            .id;
    });
    assert_eq!(
        (
            e.action.as_str(),
            e.record_kind.as_deref(),
            e.record_id,
            e.person_id
        ),
        (actions::CREATE, Some("persons"), Some(pid), Some(pid))
    );
    assert_eq!(e.actor, ADMIN);
    assert_eq!(e.at, clock().now());

    let e = one_entry(&mut store, |st| {
        let mut p = st.person_file(pid).unwrap().person;
        p.commune = "Qzvmarkville".into();
        st.apply(&Change::Upsert(Record::Person(p))).unwrap();
    });
    assert_eq!(
        (e.action.as_str(), e.record_id),
        (actions::UPDATE, Some(pid))
    );

    let mut nid = 0;
    let e = one_entry(&mut store, |st| {
        nid = st
            .apply(&Change::Upsert(Record::Note(Note {
                person_id: pid,
                text: "Qzvmark note".into(),
                private: true,
                ..Default::default()
            })))
            .unwrap()
            .id;
    });
    assert_eq!(
        (
            e.action.as_str(),
            e.record_kind.as_deref(),
            e.record_id,
            e.person_id
        ),
        (actions::CREATE, Some("notes"), Some(nid), Some(pid))
    );

    let e = one_entry(&mut store, |st| {
        st.apply(&Change::Delete(RecordKind::Note, nid)).unwrap();
    });
    assert_eq!(
        (
            e.action.as_str(),
            e.record_kind.as_deref(),
            e.record_id,
            e.person_id
        ),
        (actions::DELETE, Some("notes"), Some(nid), Some(pid))
    );

    // Export of the readable document, from the file screen (E).
    let mut app = new_app(&store, clock());
    app.set_export_dir(dir.path().join("exports"));
    app.open_person(pid, &store);
    let e = one_entry(&mut store, |st| ch(&mut app, st, 'E'));
    assert_eq!(
        (e.action.as_str(), e.record_kind.as_deref(), e.person_id),
        (actions::EXPORT, Some("persons"), Some(pid))
    );
    let written: Vec<_> = std::fs::read_dir(dir.path().join("exports"))
        .unwrap()
        .collect();
    assert_eq!(written.len(), 1);
    assert!(app.status.clone().unwrap().text.contains("exports"));

    // Erasure: one tombstone, without identity.
    let e = one_entry(&mut store, |st| {
        st.erase_person(pid).unwrap();
    });
    assert_eq!(
        (
            e.action.as_str(),
            e.record_kind.as_deref(),
            e.record_id,
            e.person_id
        ),
        (actions::ERASE, Some("persons"), None, None)
    );

    // No content in the log, ever: only codes, ids, dates and account names.
    let dump = decrypted_dump(&db, Some(&key_));
    let audit_lines: Vec<&str> = dump.lines().filter(|l| l.starts_with("audit|")).collect();
    assert!(audit_lines.len() >= 7);
    for l in audit_lines {
        assert!(!l.to_lowercase().contains("qzvmark"), "{l}");
        assert!(!l.contains("Prénom"), "{l}");
    }
}

#[test]
fn tampering_with_the_audit_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let s = admin_session(&db, clock());
    let key_ = s.key.duplicate();
    let store = s.store;
    store.audit(actions::EXPORT, Some(1)).unwrap();
    let n = all(&store).len();

    // Another connection with the key (as a tool would), bypassing the app.
    let conn = support::connect(&db, Some(&key_));
    let err = conn
        .execute("UPDATE audit SET actor = 'quelqu''un d''autre'", [])
        .unwrap_err()
        .to_string();
    assert!(err.contains("modification interdite"), "{err}");
    let err = conn
        .execute(
            "UPDATE audit SET person_id = NULL WHERE action = 'export'",
            [],
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("modification interdite"), "{err}");
    let err = conn
        .execute("DELETE FROM audit WHERE action = 'export'", [])
        .unwrap_err()
        .to_string();
    assert!(err.contains("12 mois"), "{err}");
    let err = conn
        .execute("DELETE FROM audit", [])
        .unwrap_err()
        .to_string();
    assert!(err.contains("12 mois"), "{err}");
    drop(conn);
    let after = all(&store);
    assert_eq!(after.len(), n);
    assert!(after.iter().all(|e| e.actor == ADMIN));
}

#[test]
fn the_purge_deletes_only_entries_older_than_twelve_months() {
    // The triggers compare with the real date: this test runs on the real calendar.
    use chrono::Timelike;
    let now = chrono::Local::now()
        .naive_local()
        .with_nanosecond(0)
        .unwrap();
    let clock = Clock::fixed(now - Duration::days(400));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let s = admin_session(&db, clock.clone());
    let store = s.store;
    for _ in 0..3 {
        store.audit(actions::OPEN_FILE, Some(7)).unwrap();
    }
    clock.advance(Duration::days(30)); // 370 days ago: still over 12 months
    store.audit(actions::EXPORT, Some(7)).unwrap();
    clock.advance(Duration::days(340)); // 30 days ago
    for _ in 0..2 {
        store.audit(actions::OPEN_FILE, Some(8)).unwrap();
    }
    clock.advance(Duration::days(30));
    let before = all(&store);
    let cutoff = now - chrono::Months::new(12);
    let old = before.iter().filter(|e| e.at < cutoff).count();
    assert_eq!(old, 5, "login + 3 consultations + 1 export");
    assert_eq!(store.purge_audit().unwrap(), old);
    let after = all(&store);
    assert_eq!(after.len(), before.len() - old);
    assert!(after.iter().all(|e| e.at >= cutoff));
    assert_eq!(
        after
            .iter()
            .filter(|e| e.action == actions::OPEN_FILE)
            .count(),
        2
    );
    // Nothing more to purge.
    assert_eq!(store.purge_audit().unwrap(), 0);
}

#[test]
fn the_admin_view_lists_entries_newest_first_with_filters() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let clock = clock();
    let s = admin_session(&db, clock.clone());
    let mut store = s.store;
    let pid = store
        .apply(&Change::Upsert(Record::Person(Person::new(
            "Qzvmarknom",
            "P",
        ))))
        .unwrap()
        .id;
    clock.advance(Duration::minutes(5));
    let mut app = new_app(&store, clock.clone());
    app.open_person(pid, &store);
    clock.advance(Duration::minutes(5));
    store.audit(actions::EXPORT, Some(pid)).unwrap();
    let n = all(&store).len();
    // F4 from the file: the log, newest first.
    key(&mut app, &mut store, KeyCode::F(4));
    assert_eq!(app.screen, Screen::Audit);
    let list = &app.audit.entries;
    assert!(n >= 3, "{list:#?}");
    assert_eq!(list.len(), n);
    assert_eq!(list[0].action, actions::EXPORT);
    assert_eq!(list[n - 1].action, actions::LOGIN);
    assert!(list.windows(2).all(|w| w[0].at >= w[1].at));

    // Filter by action: cycles through the actions present, then back to all.
    ch(&mut app, &mut store, 'a');
    let first = app.audit.action.clone().unwrap();
    assert!(app.audit.entries.iter().all(|e| e.action == first));
    for _ in 0..app.audit.actions.len() {
        ch(&mut app, &mut store, 'a');
    }
    assert_eq!(app.audit.action, None);
    assert_eq!(app.audit.entries.len(), n);
    // Filter by account.
    ch(&mut app, &mut store, 'c');
    assert_eq!(app.audit.actor.as_deref(), Some(ADMIN));
    assert_eq!(app.audit.entries.len(), n);

    // The screen: French labels, ids, never content.
    let backend = ratatui::backend::TestBackend::new(120, 30);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    terminal.draw(|f| parcours::ui::draw(f, &app)).unwrap();
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains("Journal d'audit"), "{screen}");
    assert!(screen.contains("Export"), "{screen}");
    assert!(screen.contains("Création"), "{screen}");
    assert!(screen.contains(&format!("personne #{pid}")), "{screen}");
    assert!(!screen.to_lowercase().contains("qzvmark"), "{screen}");
    // The smallest window the app accepts keeps the record and its number.
    let mut small = ratatui::Terminal::new(ratatui::backend::TestBackend::new(60, 16)).unwrap();
    small.draw(|f| parcours::ui::draw(f, &app)).unwrap();
    let screen: String = small
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(screen.contains(&format!("personne #{pid}")), "{screen}");

    // Échap: back to the file it was opened from.
    key(&mut app, &mut store, KeyCode::Esc);
    assert_eq!(app.screen, Screen::File);
    assert!(app.overlay.is_none());
}
