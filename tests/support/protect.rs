//! Shared by the `protect_*` tests: an encrypted database with an admin account, the app
//! driven by keys, marker strings typed through the app, and readers of the raw and the
//! decrypted files.

#![allow(dead_code)]

use chrono::NaiveDateTime;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use parcours::app::keys::Keymap;
use parcours::app::{App, Overlay, Pane, Screen};
use parcours::auth::DbKey;
use parcours::clock::Clock;
use parcours::domain::{Id, Referential};
use parcours::session::{self, Session};
use parcours::store::Store;
use std::path::{Path, PathBuf};

pub const NOW: &str = "2026-11-22 10:00:00";
pub const ADMIN: &str = "claire";
pub const ADMIN_PW: &str = "correct horse battery staple";

pub fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

pub fn clock() -> Clock {
    Clock::fixed(dt(NOW))
}

/// A new encrypted database with its first (admin) account, opened.
pub fn admin_session(path: &Path, clock: Clock) -> Session {
    session::create_first_account(path, clock, ADMIN, "Claire Fontaine", ADMIN_PW)
        .expect("first account")
}

pub fn new_app(store: &Store, clock: Clock) -> App {
    App::new(
        store,
        Referential::embedded(),
        Keymap::defaults(),
        clock,
        "Claire Fontaine".into(),
    )
    .expect("app")
}

pub fn key(app: &mut App, store: &mut Store, code: KeyCode) {
    app.handle_event(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)), store);
    app.settle();
}

pub fn ch(app: &mut App, store: &mut Store, c: char) {
    key(app, store, KeyCode::Char(c));
}

pub fn type_text(app: &mut App, store: &mut Store, text: &str) {
    for c in text.chars() {
        ch(app, store, c);
    }
}

/// Submits the open form and checks it closed (saved).
pub fn save(app: &mut App, store: &mut Store) {
    key(app, store, KeyCode::F(10));
    if let Some(Overlay::Form(f)) = &app.overlay {
        let errors: Vec<String> = f.fields.iter().filter_map(|f| f.error.clone()).collect();
        panic!(
            "form « {} » not saved: {:?} {:?} (status {:?})",
            f.title, f.error, errors, app.status
        );
    }
}

/// Strings typed through the app, one per place where a person's data is written.
pub struct Markers {
    pub nom: &'static str,
    pub prenom: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub commune: &'static str,
    pub note: &'static str,
    pub comment: &'static str,
    pub barrier: &'static str,
    pub barrier_note: &'static str,
    pub objective: &'static str,
    pub action: &'static str,
    pub report: &'static str,
}

pub const MARKERS: Markers = Markers {
    nom: "Qzvmarknom",
    prenom: "Élodïe-Qzvmarkprenom",
    phone: "06 98 17 42 53",
    email: "qzvmark.courriel@exemple.fr",
    commune: "Qzvmarkville-sur-Mer",
    note: "Qzvmark note : suivi psychiatrique, violences conjugales",
    comment: "Qzvmark commentaire santé",
    barrier: "Qzvmark obstacle casier",
    barrier_note: "Qzvmark note d'obstacle",
    objective: "Qzvmark objectif permis",
    action: "Qzvmark action atelier",
    report: "Qzvmark compte rendu d'entretien",
};

impl Markers {
    pub fn all(&self) -> Vec<&'static str> {
        vec![
            self.nom,
            self.prenom,
            self.phone,
            self.email,
            self.commune,
            self.note,
            self.comment,
            self.barrier,
            self.barrier_note,
            self.objective,
            self.action,
            self.report,
        ]
    }
}

/// Creates a person through the app and fills every pane with a marker, as an advisor
/// would, key by key. Returns the person's id; the file is left open.
pub fn write_markers_through_the_app(app: &mut App, store: &mut Store) -> Id {
    let m = &MARKERS;
    assert_eq!(app.screen, Screen::Caseload);
    // Identity: nom, prénom, naissance, sexe, téléphone, e-mail, commune...
    ch(app, store, 'n');
    type_text(app, store, m.nom);
    key(app, store, KeyCode::Tab);
    type_text(app, store, m.prenom);
    for _ in 0..3 {
        key(app, store, KeyCode::Tab);
    }
    type_text(app, store, m.phone);
    key(app, store, KeyCode::Tab);
    type_text(app, store, m.email);
    key(app, store, KeyCode::Tab);
    type_text(app, store, m.commune);
    save(app, store);
    assert_eq!(app.screen, Screen::File, "{:?}", app.status);
    let id = app.file.as_ref().unwrap().data.person.id;

    // Diagnostic: a comment on the first theme.
    key(app, store, KeyCode::F(5));
    ch(app, store, 'c');
    type_text(app, store, m.comment);
    save(app, store);

    // Obstacles: a free one, with a note.
    key(app, store, KeyCode::F(6));
    ch(app, store, 'a');
    type_text(app, store, m.barrier);
    for _ in 0..3 {
        key(app, store, KeyCode::Tab);
    }
    type_text(app, store, m.barrier_note);
    save(app, store);

    // Plan: an objective and an action.
    key(app, store, KeyCode::F(7));
    ch(app, store, 'o');
    type_text(app, store, m.objective);
    save(app, store);
    ch(app, store, 'a');
    type_text(app, store, m.action);
    save(app, store);

    // Rendez-vous: yesterday's, with its report.
    key(app, store, KeyCode::F(8));
    ch(app, store, 'a');
    type_text(app, store, "21/11 10h");
    save(app, store);
    ch(app, store, 'r');
    type_text(app, store, m.report);
    save(app, store);

    // Journal: a private note.
    ch(app, store, 'J');
    ch(app, store, 'a');
    type_text(app, store, m.note);
    save(app, store);
    key(app, store, KeyCode::Esc);
    assert_eq!(app.file.as_ref().unwrap().focus, Pane::Appointments);

    // Everything reached the database.
    let f = store.person_file(id).unwrap();
    assert_eq!(f.person.nom, m.nom);
    assert_eq!(f.person.commune, m.commune);
    assert!(f.diagnostics[0]
        .themes
        .iter()
        .any(|t| t.comment == m.comment));
    assert_eq!(f.barriers[0].label, m.barrier);
    assert_eq!(f.barriers[0].note, m.barrier_note);
    assert_eq!(f.objectives[0].label, m.objective);
    assert_eq!(f.actions[0].label, m.action);
    assert_eq!(f.appointments[0].report, m.report);
    assert_eq!(f.notes[0].text, m.note);
    assert!(f.notes[0].private);
    id
}

/// The database file and its companions (WAL, shared memory).
pub fn companions(db: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|ext| PathBuf::from(format!("{}{ext}", db.display())))
        .filter(|p| p.exists())
        .collect()
}

pub fn bytes_contain(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty() && hay.windows(n.len()).any(|w| w == n)
}

/// Markers found in the raw bytes of `files`, as "marker in file".
pub fn found_in_raw(files: &[PathBuf], markers: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).unwrap();
        for m in markers {
            if bytes_contain(&bytes, m) {
                found.push(format!("« {m} » dans {}", f.display()));
            }
        }
    }
    found
}

/// Every value of every table of the decrypted database, as text (one line per row).
pub fn decrypted_dump(db: &Path, key: Option<&DbKey>) -> String {
    let conn = super::connect(db, key);
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tables.len() >= 11, "{tables:?}");
    let mut out = String::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            out.push_str(&t);
            for i in 0..n {
                out.push('|');
                match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        out.push_str(&String::from_utf8_lossy(b))
                    }
                    rusqlite::types::ValueRef::Integer(v) => out.push_str(&v.to_string()),
                    rusqlite::types::ValueRef::Real(v) => out.push_str(&v.to_string()),
                    rusqlite::types::ValueRef::Null => {}
                }
            }
            out.push('\n');
        }
    }
    out
}
