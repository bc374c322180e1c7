//! Disk full: simulated with SQLite's `max_page_count` (the file cannot grow past it, exactly
//! as when the disk has no room left). The user sees the French message, what they typed
//! stays in the form, nothing half-written reaches the database, and once there is room
//! again the same confirmation works.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use parcours::app::keys::Keymap;
use parcours::app::{App, Overlay, StatusKind};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::{Store, StoreError};

fn clock() -> Clock {
    Clock::fixed(
        chrono::NaiveDateTime::parse_from_str("2026-11-23 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
    )
}

const DISK_FULL: &str = "Disque plein";

struct Ctx {
    _dir: tempfile::TempDir,
    store: Store,
    app: App,
    pid: Id,
}

fn ctx() -> Ctx {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("parcours.db"), clock()).unwrap();
    let rf = Referential::embedded();
    let files = parcours::demo::generate(&rf, 5, 7, clock().now());
    let ids = store.insert_files(&files).unwrap();
    let mut app = App::new(
        &store,
        rf,
        Keymap::defaults(),
        clock(),
        "Claire Fontaine".into(),
    )
    .unwrap();
    app.open_person(ids[0], &store);
    Ctx {
        _dir: dir,
        store,
        app,
        pid: ids[0],
    }
}

impl Ctx {
    fn keys(&mut self, keys: &[KeyEvent]) {
        for k in keys {
            self.app.handle_key(*k, &mut self.store);
        }
    }

    fn form(&self) -> &parcours::app::form::Form {
        match &self.app.overlay {
            Some(Overlay::Form(f)) => f,
            _ => panic!("no form open (status: {:?})", self.app.status),
        }
    }

    /// Everything stored, to compare before / after.
    fn state(&self) -> (Vec<(String, i64)>, Vec<PersonFile>) {
        let counts = self.store.table_counts().unwrap();
        let files = self
            .store
            .caseload(&[])
            .unwrap()
            .iter()
            .map(|r| self.store.person_file(r.person_id).unwrap())
            .collect();
        (counts, files)
    }

    /// Caps the file at its current size, then uses up the room left in the pages the
    /// next edit will need: each template is written, largest pieces first, until the disk
    /// is "full" for it.
    fn fill_disk(&mut self, templates: &[&dyn Fn(Id, usize) -> Change]) {
        let pages = self.store.pragma_i64("page_count").unwrap();
        self.store.set_max_page_count(pages).unwrap();
        for make in templates {
            for size in [4000usize, 1000, 300, 100, 30, 10, 1, 0] {
                loop {
                    match self.store.apply(&make(self.pid, size)) {
                        Ok(_) => {}
                        Err(StoreError::DiskFull) => break,
                        Err(e) => panic!("filling: {e}"),
                    }
                }
            }
        }
        // The app shows the file as it now is.
        self.app.external_change(&self.store);
    }

    fn stored(&self) -> PersonFile {
        self.store.person_file(self.pid).unwrap()
    }
}

fn appointment(pid: Id, size: usize) -> Change {
    Change::Upsert(Record::Appointment(Appointment {
        person_id: pid,
        start: Some(
            chrono::NaiveDateTime::parse_from_str("2026-11-25 14:30:00", "%Y-%m-%d %H:%M:%S")
                .unwrap(),
        ),
        duration_min: 45,
        medium: "rdv".into(),
        status: "a_venir".into(),
        report: "r".repeat(size),
        ..Default::default()
    }))
}

fn person(_: Id, size: usize) -> Change {
    Change::Upsert(Record::Person(Person {
        commune: "c".repeat(size),
        ..Person::new("Benali", "Yasmina")
    }))
}

fn suivi(pid: Id, size: usize) -> Change {
    Change::Upsert(Record::Suivi(Suivi {
        person_id: pid,
        dispositif: "rsa".into(),
        contrat: "aucun".into(),
        sortie_detail: "s".repeat(size),
        ..Default::default()
    }))
}

fn diagnostic(pid: Id, size: usize) -> Change {
    let themes = [
        "droits",
        "famille",
        "finances",
        "isolement",
        "justice",
        "langue",
        "logement",
        "mobilite",
        "numerique",
        "sante",
        "savoir_etre",
        "violences",
    ];
    Change::Upsert(Record::Diagnostic(Diagnostic {
        person_id: pid,
        kind: "intermediaire".into(),
        date: Some(clock().today()),
        diplomes: "d".repeat(size),
        themes: themes
            .iter()
            .map(|t| ThemeAssessment {
                theme: t.to_string(),
                level: "vigilance".into(),
                comment: "c".repeat(size / 12),
            })
            .collect(),
        ..Default::default()
    }))
}

fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    let m = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), m)
}

fn typed(s: &str) -> Vec<KeyEvent> {
    s.chars().map(ch).collect()
}

#[test]
fn a_long_note_on_a_full_disk_stays_in_the_form_and_saves_once_there_is_room() {
    let mut c = ctx();
    // 100,000 characters, several lines, accents.
    let line = "Entretien : démarches logement, CAF, mutuelle ; suite prévue. ";
    let mut text = String::new();
    while text.chars().count() < 100_000 {
        text.push_str(line);
        text.push('\n');
    }
    let text: String = text.chars().take(100_000).collect();
    let pages = c.store.pragma_i64("page_count").unwrap();
    // Room for a few pages, not for 100 KB.
    c.store.set_max_page_count(pages + 3).unwrap();
    let before = c.state();
    let before_notes = c.stored().notes.len();

    c.keys(&[ch('J'), ch('a')]); // journal, new note
    assert_eq!(c.form().title, "Nouvelle note");
    c.app
        .handle_event(&Event::Paste(text.clone()), &mut c.store);
    c.keys(&[k(KeyCode::F(10))]);

    let form = c.form();
    let err = form.error.clone().unwrap_or_default();
    assert!(err.contains(DISK_FULL), "message: {err:?}");
    assert!(err.contains("saisie est conservée"), "{err}");
    assert_eq!(
        form.field("text").unwrap().input.text(),
        text,
        "typed text kept"
    );
    assert_eq!(c.state(), before, "nothing written");
    assert!(c.store.integrity_problems().unwrap().is_empty());
    // The screen shows it too (no panic drawing a form with an error and 100 KB).
    let backend = ratatui::backend::TestBackend::new(100, 30);
    let mut term = ratatui::Terminal::new(backend).unwrap();
    term.draw(|f| parcours::ui::draw(f, &c.app)).unwrap();
    let screen: String = term
        .backend()
        .buffer()
        .content
        .iter()
        .map(|cell| cell.symbol())
        .collect();
    assert!(screen.contains(DISK_FULL), "message on screen");

    // Trying again while still full changes nothing either.
    c.keys(&[k(KeyCode::F(10))]);
    assert!(c.form().error.as_deref().unwrap_or("").contains(DISK_FULL));
    assert_eq!(c.state(), before);

    // Room again: the same confirmation saves the note, exactly as typed.
    c.store.set_max_page_count(1_000_000).unwrap();
    c.keys(&[k(KeyCode::F(10))]);
    assert!(c.app.overlay.is_none(), "form closed: {:?}", c.app.status);
    let notes = c.stored().notes;
    assert_eq!(notes.len(), before_notes + 1);
    assert!(
        notes.iter().any(|n| n.text == text),
        "note stored unchanged"
    );
    assert!(c.store.integrity_problems().unwrap().is_empty());
}

#[test]
fn a_new_appointment_on_a_full_disk_is_kept_in_the_form() {
    let mut c = ctx();
    c.fill_disk(&[&appointment]);
    let before = c.state();
    let before_appts = c.stored().appointments.len();
    c.keys(&[k(KeyCode::F(8)), ch('a')]);
    assert_eq!(c.form().title, "Nouveau rendez-vous");
    c.keys(&typed("25/11/2026 14h30"));
    c.keys(&[k(KeyCode::F(10))]);
    let form = c.form();
    assert!(
        form.error.as_deref().unwrap_or("").contains(DISK_FULL),
        "{:?}",
        form.error
    );
    assert_eq!(
        form.field("start").unwrap().input.text(),
        "25/11/2026 14h30"
    );
    assert_eq!(c.state(), before, "nothing written");
    assert!(c.store.integrity_problems().unwrap().is_empty());

    c.store.set_max_page_count(1_000_000).unwrap();
    c.keys(&[k(KeyCode::F(10))]);
    assert!(c.app.overlay.is_none(), "{:?}", c.app.status);
    assert_eq!(c.stored().appointments.len(), before_appts + 1);
}

#[test]
fn a_new_person_on_a_full_disk_is_kept_in_the_form() {
    let mut c = ctx();
    c.keys(&[k(KeyCode::Esc)]); // back to the list
    c.fill_disk(&[&person, &suivi]);
    let before = c.state();
    c.keys(&[ch('n')]);
    assert_eq!(c.form().title, "Nouvelle personne");
    c.keys(&typed("Benali"));
    c.keys(&[k(KeyCode::Tab)]);
    c.keys(&typed("Yasmina"));
    c.keys(&[k(KeyCode::F(10))]);
    let form = c.form();
    assert!(
        form.error.as_deref().unwrap_or("").contains(DISK_FULL),
        "{:?}",
        form.error
    );
    assert_eq!(form.field("nom").unwrap().input.text(), "Benali");
    assert_eq!(form.field("prenom").unwrap().input.text(), "Yasmina");
    assert_eq!(
        c.state(),
        before,
        "no person without its suivi, nothing at all"
    );

    c.store.set_max_page_count(1_000_000).unwrap();
    c.keys(&[k(KeyCode::F(10))]);
    assert!(c.app.overlay.is_none(), "{:?}", c.app.status);
    assert!(c
        .store
        .caseload(&[])
        .unwrap()
        .iter()
        .any(|r| r.nom == "Benali" && r.dispositif.is_some()));
}

#[test]
fn a_new_review_on_a_full_disk_reports_and_changes_nothing() {
    let mut c = ctx();
    c.fill_disk(&[&diagnostic]);
    let before = c.state();
    let shown = c.app.file.as_ref().unwrap().data.clone();
    // r: a new review snapshot (a diagnostic and its 12 theme rows), written at once.
    c.keys(&[ch('r')]);
    let s = c.app.status.clone().unwrap();
    assert_eq!(s.kind, StatusKind::Error, "{}", s.text);
    assert!(s.text.contains(DISK_FULL), "{}", s.text);
    assert_eq!(c.state(), before, "nothing written");
    assert_eq!(c.app.file.as_ref().unwrap().data, shown);
    assert!(c.store.integrity_problems().unwrap().is_empty());

    c.store.set_max_page_count(1_000_000).unwrap();
    c.keys(&[ch('r')]);
    let s = c.app.status.clone().unwrap();
    assert_eq!(s.kind, StatusKind::Info, "{}", s.text);
    assert_eq!(c.stored().diagnostics.len(), shown.diagnostics.len() + 1);
    let review = c.stored().diagnostics.last().cloned().unwrap();
    assert_eq!(review.kind, "intermediaire");
    assert_eq!(review.themes, shown.current_diagnostic().unwrap().themes);
}
