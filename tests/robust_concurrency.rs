//! Two instances on one file (two staff on one PC, or the same person opening parcours
//! twice): both can write without "database is locked", and an app whose open file was
//! changed by the other instance notices it instead of silently overwriting.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use parcours::app::keys::Keymap;
use parcours::app::{App, Overlay, StatusKind};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};

fn clock() -> Clock {
    Clock::fixed(
        chrono::NaiveDateTime::parse_from_str("2026-11-23 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
    )
}

const THEMES: [&str; 12] = [
    "mobilite",
    "logement",
    "sante",
    "finances",
    "numerique",
    "savoir_etre",
    "langue",
    "droits",
    "famille",
    "justice",
    "violences",
    "isolement",
];

fn new_person(store: &mut Store, nom: &str) -> Id {
    let file = PersonFile {
        person: Person::new(nom, "Test"),
        suivis: vec![Suivi {
            dispositif: "rsa".into(),
            referent: "Claire Fontaine".into(),
            contrat: "aucun".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    store.insert_files(&[file]).unwrap()[0]
}

fn person(store: &Store, id: Id) -> Person {
    match store.load(RecordKind::Person, id).unwrap() {
        Some(Record::Person(p)) => p,
        other => panic!("person {id}: {other:?}"),
    }
}

fn diagnostic(pid: Id, tag: &str) -> Diagnostic {
    Diagnostic {
        person_id: pid,
        kind: "initial".into(),
        diplomes: tag.into(),
        themes: THEMES
            .iter()
            .map(|t| ThemeAssessment {
                theme: t.to_string(),
                level: "vigilance".into(),
                comment: tag.into(),
            })
            .collect(),
        ..Default::default()
    }
}

/// One instance's work: `n` edits mixing a shared person's journal, its own person's
/// identity and diagnostics with 12 themes. Every edit must succeed at the first try.
fn writer(path: PathBuf, name: &'static str, shared: Id, own: Id, n: usize, start: Arc<Barrier>) {
    let mut store = Store::open(&path, clock()).unwrap();
    start.wait();
    for i in 0..n {
        let change = match i % 3 {
            0 => Change::Upsert(Record::Note(Note {
                person_id: shared,
                author: name.into(),
                text: format!("{name}-{i}"),
                ..Default::default()
            })),
            1 => {
                let mut p = person(&store, own);
                p.commune = format!("{name}-{i}");
                Change::Upsert(Record::Person(p))
            }
            _ => Change::Upsert(Record::Diagnostic(diagnostic(own, &format!("{name}-{i}")))),
        };
        match store.apply(&change) {
            Ok(_) => {}
            Err(StoreError::Busy) => panic!("{name}: edit {i} got « base occupée »"),
            Err(e) => panic!("{name}: edit {i} failed: {e}"),
        }
    }
}

#[test]
fn two_instances_write_hundreds_of_edits_without_locking_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcours.db");
    let mut store = Store::open(&path, clock()).unwrap();
    let shared = new_person(&mut store, "PARTAGE");
    let a = new_person(&mut store, "POSTE-A");
    let b = new_person(&mut store, "POSTE-B");
    drop(store);
    const N: usize = 300;
    let start = Arc::new(Barrier::new(3));
    let handles: Vec<_> = [("A", a), ("B", b)]
        .into_iter()
        .map(|(name, own)| {
            let (path, start) = (path.clone(), start.clone());
            std::thread::spawn(move || writer(path, name, shared, own, N, start))
        })
        .collect();
    // A third instance only reads meanwhile: it never sees a half-written diagnostic.
    let reader = {
        let (path, start) = (path.clone(), start.clone());
        std::thread::spawn(move || {
            let store = Store::open(&path, clock()).unwrap();
            start.wait();
            let mut reads = 0;
            for _ in 0..200 {
                for id in [a, b] {
                    let f = store.person_file(id).unwrap();
                    for d in &f.diagnostics {
                        assert_eq!(d.themes.len(), 12, "reader saw a half-written diagnostic");
                        assert!(d.themes.iter().all(|t| t.comment == d.diplomes));
                    }
                    reads += 1;
                }
                store.caseload(&[]).unwrap();
            }
            reads
        })
    };
    for h in handles {
        h.join().expect("writer thread");
    }
    assert!(reader.join().expect("reader thread") > 0);

    let store = Store::open(&path, clock()).unwrap();
    let notes = store.person_file(shared).unwrap().notes;
    let mut texts: Vec<String> = notes.into_iter().map(|n| n.text).collect();
    texts.sort();
    let mut want: Vec<String> = ["A", "B"]
        .iter()
        .flat_map(|name| {
            (0..N)
                .filter(|i| i % 3 == 0)
                .map(move |i| format!("{name}-{i}"))
        })
        .collect();
    want.sort();
    assert_eq!(texts, want, "every note of both instances is there");
    for (id, name) in [(a, "A"), (b, "B")] {
        let f = store.person_file(id).unwrap();
        let last_identity = (0..N).filter(|i| i % 3 == 1).max().unwrap();
        assert_eq!(f.person.commune, format!("{name}-{last_identity}"));
        assert_eq!(f.diagnostics.len(), (0..N).filter(|i| i % 3 == 2).count());
        // Every edit of the file bumped its version once (1 at creation, +1 for the suivi).
        assert_eq!(f.person.version, 2 + (2 * N / 3) as i64);
    }
    assert!(store.integrity_problems().unwrap().is_empty());
}

#[test]
fn instances_started_together_on_a_new_file_all_open_it() {
    // Two staff double-click parcours at the same moment on a fresh installation: both
    // create the schema; neither may fail with "table already exists" or "occupée".
    for round in 0..50 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parcours.db");
        let start = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let mut store = Store::open(&path, clock())
                        .unwrap_or_else(|e| panic!("round {round}, instance {i}: {e}"));
                    new_person(&mut store, &format!("INSTANCE-{i}"));
                })
            })
            .collect();
        for h in handles {
            h.join().expect("instance thread");
        }
        let store = Store::open(&path, clock()).unwrap();
        assert_eq!(store.caseload(&[]).unwrap().len(), 4);
        assert_eq!(
            store.schema_version().unwrap(),
            parcours::store::schema::LATEST
        );
    }
}

// ----- the app notices changes made by the other instance -----

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn special(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn status(app: &App) -> (String, bool) {
    app.status
        .as_ref()
        .map(|s| (s.text.clone(), s.kind == StatusKind::Error))
        .unwrap_or_default()
}

/// A file with one person, an app over it (instance 1, person open) and a second store
/// (instance 2) on the same file.
fn two_instances() -> (tempfile::TempDir, Store, App, Store, Id) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcours.db");
    let mut mine = Store::open(&path, clock()).unwrap();
    let pid = new_person(&mut mine, "DURAND");
    mine.apply(&Change::Upsert(Record::Diagnostic(diagnostic(
        pid, "départ",
    ))))
    .unwrap();
    let mut app = App::new(
        &mine,
        Referential::embedded(),
        Keymap::defaults(),
        clock(),
        "Claire Fontaine".into(),
    )
    .unwrap();
    app.open_person(pid, &mine);
    assert!(app.file.is_some());
    let other = Store::open(&path, clock()).unwrap();
    (dir, mine, app, other, pid)
}

fn other_edits_identity(other: &mut Store, pid: Id, commune: &str) {
    let mut p = person(other, pid);
    p.commune = commune.into();
    other.apply(&Change::Upsert(Record::Person(p))).unwrap();
}

#[test]
fn an_edit_on_a_file_changed_elsewhere_is_refused_and_the_new_data_shown() {
    let (_dir, mut mine, mut app, mut other, pid) = two_instances();
    // Instance 2 rewrites the diagnostic instance 1 shows (another theme's comment).
    let mut d = mine.person_file(pid).unwrap().diagnostics[0].clone();
    d.assessment_mut("logement").comment = "vu par l'autre poste".into();
    other
        .apply(&Change::Upsert(Record::Diagnostic(d.clone())))
        .unwrap();
    let before = mine.person_file(pid).unwrap();
    // Instance 1 sets a level on the first theme (key 3 = obstacle) of its stale copy.
    app.handle_key(key('3'), &mut mine);
    let (text, error) = status(&app);
    assert!(error, "an error is shown: {text}");
    assert!(text.contains("modifié sur un autre poste"), "{text}");
    let after = mine.person_file(pid).unwrap();
    assert_eq!(after.diagnostics, before.diagnostics, "nothing overwritten");
    let shown = &app.file.as_ref().unwrap().data;
    assert_eq!(
        shown.diagnostics, after.diagnostics,
        "the new data is shown"
    );
    assert_eq!(shown.person.version, after.person.version);
    // Now up to date: the same key works, and keeps the other instance's comment.
    app.handle_key(key('3'), &mut mine);
    assert!(!status(&app).1, "{:?}", status(&app));
    let d = &mine.person_file(pid).unwrap().diagnostics[0];
    assert_eq!(d.level_of("mobilite"), "obstacle", "{d:?}");
    let comment = |d: &Diagnostic| {
        d.themes
            .iter()
            .find(|t| t.theme == "logement")
            .map(|t| t.comment.clone())
    };
    assert_eq!(comment(d).as_deref(), Some("vu par l'autre poste"));
    // A change elsewhere in another record of the file (the identity) does not refuse an
    // edit of the diagnostic: each record has its own version (issue 10).
    other_edits_identity(&mut other, pid, "Roubaix");
    // Back to the first theme: a level moves on to the next one.
    app.handle_key(key('k'), &mut mine);
    app.handle_key(key('2'), &mut mine);
    assert!(!status(&app).1, "{:?}", status(&app));
    let after = mine.person_file(pid).unwrap();
    assert_eq!(after.diagnostics[0].level_of("mobilite"), "vigilance");
    assert_eq!(after.person.commune, "Roubaix");
    assert_eq!(app.file.as_ref().unwrap().data.person.commune, "Roubaix");
}

#[test]
fn a_form_on_a_file_changed_elsewhere_keeps_what_was_typed() {
    let (_dir, mut mine, mut app, mut other, pid) = two_instances();
    // Identity form (I), commune is the last field: type into it.
    app.handle_key(
        KeyEvent::new(KeyCode::Char('I'), KeyModifiers::SHIFT),
        &mut mine,
    );
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("identity form open")
    };
    let commune = form.fields.iter().position(|f| f.key == "commune").unwrap();
    for _ in 0..commune {
        app.handle_key(special(KeyCode::Tab), &mut mine);
    }
    for c in "Lens".chars() {
        app.handle_key(key(c), &mut mine);
    }
    other_edits_identity(&mut other, pid, "Roubaix");
    app.handle_key(special(KeyCode::F(10)), &mut mine);
    let Some(Overlay::Form(form)) = &app.overlay else {
        panic!("the form stays open")
    };
    assert_eq!(form.field("commune").unwrap().input.text(), "Lens");
    let err = form.error.clone().unwrap_or_default();
    assert!(err.contains("modifié sur un autre poste"), "{err}");
    assert_eq!(mine.person_file(pid).unwrap().person.commune, "Roubaix");
    assert_eq!(app.file.as_ref().unwrap().data.person.commune, "Roubaix");
    // Confirming again now writes (the file was reloaded underneath the form).
    app.handle_key(special(KeyCode::F(10)), &mut mine);
    assert!(app.overlay.is_none(), "form closed after saving");
    assert_eq!(mine.person_file(pid).unwrap().person.commune, "Lens");
}

#[test]
fn undo_does_not_overwrite_a_change_made_elsewhere() {
    let (_dir, mut mine, mut app, mut other, pid) = two_instances();
    app.handle_key(key('3'), &mut mine); // level of the first theme: obstacle
    assert!(!status(&app).1, "{:?}", status(&app));
    // Instance 2 rewrites the same diagnostic.
    let mut d = mine.person_file(pid).unwrap().diagnostics[0].clone();
    for t in &mut d.themes {
        t.comment = "vu par l'autre poste".into();
    }
    other
        .apply(&Change::Upsert(Record::Diagnostic(d.clone())))
        .unwrap();
    d.version += 1; // as stored: the write bumped it
                    // Undo in instance 1 would put back its old copy of the diagnostic over that.
    app.handle_key(key('u'), &mut mine);
    let (text, error) = status(&app);
    assert!(error, "{text}");
    assert!(text.contains("modifié sur un autre poste"), "{text}");
    assert_eq!(mine.person_file(pid).unwrap().diagnostics[0], d);
    assert_eq!(app.file.as_ref().unwrap().data.diagnostics[0], d);
}

#[test]
fn external_change_refreshes_the_open_file_and_the_caseload() {
    let (_dir, mut mine, mut app, mut other, pid) = two_instances();
    let v0 = mine.pragma_i64("data_version").unwrap();
    other_edits_identity(&mut other, pid, "Arras");
    // What the terminal loop watches every 2 s.
    assert_ne!(mine.pragma_i64("data_version").unwrap(), v0);
    app.external_change(&mine);
    assert_eq!(app.file.as_ref().unwrap().data.person.commune, "Arras");
    assert!(status(&app).0.contains("modifié sur un autre poste"));
    // Back on the list, a person created elsewhere appears.
    app.handle_key(special(KeyCode::Esc), &mut mine);
    let n = app.caseload.rows.len();
    new_person(&mut other, "NOUVEAU");
    app.external_change(&mine);
    assert_eq!(app.caseload.rows.len(), n + 1);
    assert!(app.caseload.rows.iter().any(|r| r.nom == "NOUVEAU"));
    // The open file deleted elsewhere: back to the list with a message.
    app.open_person(pid, &mine);
    other
        .apply(&Change::Delete(RecordKind::Person, pid))
        .unwrap();
    app.external_change(&mine);
    assert!(app.file.is_none());
    assert!(status(&app).0.contains("supprimé sur un autre poste"));
    let _ = Path::new("");
}

#[test]
fn two_undos_in_a_row_on_one_record_restore_it() {
    // Each record has its own version (issue 10): the second undo of the same diagnostic
    // must not be taken for a change made elsewhere.
    let (_dir, mut mine, mut app, mut other, pid) = two_instances();
    let start = mine.person_file(pid).unwrap().diagnostics[0].clone();
    app.handle_key(key('3'), &mut mine);
    app.handle_key(key('2'), &mut mine);
    app.handle_key(key('u'), &mut mine);
    app.handle_key(key('u'), &mut mine);
    let (text, error) = status(&app);
    assert!(!error && text.starts_with("Annulé"), "{text}");
    let d = mine.person_file(pid).unwrap().diagnostics[0].clone();
    assert_eq!(d.themes, start.themes, "back to the first state");
    // Two edits again; the other instance writes in the file; undo is refused.
    app.handle_key(key('3'), &mut mine);
    app.handle_key(key('2'), &mut mine);
    other_edits_identity(&mut other, pid, "Béthune");
    app.handle_key(key('u'), &mut mine);
    let (text, error) = status(&app);
    assert!(
        error && text.contains("modifié sur un autre poste"),
        "{text}"
    );
    assert_eq!(mine.person_file(pid).unwrap().person.commune, "Béthune");
}
