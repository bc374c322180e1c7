//! Bad input everywhere, through the app's key and paste events and its forms, on a real
//! store: impossible and far-off dates, a 100,000-character note, control characters, emoji
//! with joiners, right-to-left names, empty required fields, pasted newlines in one-line
//! fields. Inline French messages, no panic, nothing lost, nothing half-written; and the
//! screen drawn at 10x3 (and smaller) and back at every step. Property tests: any text
//! round-trips through the store unchanged, and any pasted text reaches a one-line field
//! clean.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use parcours::app::form::Form;
use parcours::app::keys::Keymap;
use parcours::app::{App, Overlay, Screen, StatusKind};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::Store;
use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn clock() -> Clock {
    // Monday 23 November 2026.
    Clock::fixed(
        chrono::NaiveDateTime::parse_from_str("2026-11-23 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
    )
}

struct Ctx {
    _dir: tempfile::TempDir,
    store: Store,
    app: App,
}

fn ctx(demo: usize) -> Ctx {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("parcours.db"), clock()).unwrap();
    let rf = Referential::embedded();
    if demo > 0 {
        store
            .insert_files(&parcours::demo::generate(&rf, demo, 11, clock().now()))
            .unwrap();
    }
    let app = App::new(
        &store,
        rf,
        Keymap::defaults(),
        clock(),
        "Claire Fontaine".into(),
    )
    .unwrap();
    Ctx {
        _dir: dir,
        store,
        app,
    }
}

/// Sizes the terminal may be resized to at any moment (0x0 happens while a window is
/// being minimised on some systems).
const SIZES: [(u16, u16); 6] = [(10, 3), (0, 0), (1, 1), (40, 10), (120, 40), (80, 24)];

/// Draws the app at every size and returns the text of the last (80x24) screen.
fn draw_all_sizes(app: &App) -> String {
    let mut last = String::new();
    for (w, h) in SIZES {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| parcours::ui::draw(f, app)).unwrap();
        last = screen_text(&term);
    }
    last
}

fn draw(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| parcours::ui::draw(f, app)).unwrap();
    screen_text(&term)
}

fn screen_text(term: &Terminal<TestBackend>) -> String {
    let buf = term.backend().buffer();
    let w = buf.area.width.max(1) as usize;
    buf.content
        .chunks(w)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect()
}

impl Ctx {
    /// One key, then a redraw at every size (a resize can come between any two keys).
    fn key(&mut self, k: KeyEvent) {
        self.app.handle_key(k, &mut self.store);
        self.app.settle();
        draw_all_sizes(&self.app);
    }

    fn keys(&mut self, ks: &[KeyEvent]) {
        for k in ks {
            self.key(*k);
        }
    }

    fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(ch(c));
        }
    }

    fn paste(&mut self, s: &str) {
        self.app
            .handle_event(&Event::Paste(s.to_string()), &mut self.store);
        draw_all_sizes(&self.app);
    }

    fn form(&self) -> &Form {
        match &self.app.overlay {
            Some(Overlay::Form(f)) => f,
            _ => panic!("no form open (status: {:?})", self.app.status),
        }
    }

    fn field_error(&self, key: &str) -> String {
        self.form()
            .field(key)
            .and_then(|f| f.error.clone())
            .unwrap_or_default()
    }

    /// Focuses the field `key` of the open form (Tab from the first field).
    fn focus(&mut self, key: &str) {
        let target = self
            .form()
            .fields
            .iter()
            .position(|f| f.key == key)
            .unwrap_or_else(|| panic!("no field {key}"));
        while self.form().focus > target {
            self.key(k(KeyCode::BackTab));
        }
        while self.form().focus < target {
            self.key(k(KeyCode::Tab));
        }
    }

    /// Replaces the content of field `key` with `text` (typed).
    fn set(&mut self, key: &str, text: &str) {
        self.focus(key);
        self.key(ctrl('u'));
        self.typed(text);
    }

    fn counts(&self) -> Vec<(String, i64)> {
        self.store.table_counts().unwrap()
    }

    fn open_first_person(&mut self) -> Id {
        let id = self.store.caseload(&[]).unwrap()[0].person_id;
        self.app.open_person(id, &self.store);
        assert_eq!(self.app.screen, Screen::File);
        id
    }
}

fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn ch(c: char) -> KeyEvent {
    let m = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), m)
}

const F10: KeyCode = KeyCode::F(10);

// ----- dates -----

#[test]
fn impossible_and_far_off_birth_dates_are_refused_inline() {
    let mut c = ctx(0);
    c.key(ch('n'));
    c.set("nom", "Martin");
    c.set("prenom", "Léa");
    let before = c.counts();
    let cases = [
        ("31/02/1990", "n'existe pas"),
        ("29/02/2027", "février n'a que 28 jours en 2027"),
        ("00/13/1990", "impossible"),
        ("32/01/1990", "Jour 32 impossible"),
        ("15/13/1990", "Mois 13 impossible"),
        ("01/01/1850", "Année 1850 hors limites"),
        ("01/01/2150", "Année 2150 hors limites"),
        ("01/01/1901", "Plus de 120 ans"),
        ("01/12/2026", "dans le futur"),
        ("le 3 truc", "Date illisible"),
    ];
    for (typed, message) in cases {
        c.set("birth", typed);
        c.key(k(F10));
        let err = c.field_error("birth");
        assert!(err.contains(message), "{typed}: {err:?}");
        assert_eq!(c.form().field("birth").unwrap().input.text(), typed, "kept");
        assert_eq!(c.form().field("nom").unwrap().input.text(), "Martin");
        assert_eq!(c.counts(), before, "{typed}: nothing written");
        assert!(draw(&c.app, 100, 30).contains("Nouvelle personne"));
    }
    // A leap day that exists, then saved.
    c.set("birth", "29/02/1988");
    c.key(k(F10));
    assert!(c.app.overlay.is_none(), "{:?}", c.app.status);
    let file = &c.app.file.as_ref().unwrap().data;
    assert_eq!(
        file.person.birth_date,
        chrono::NaiveDate::from_ymd_opt(1988, 2, 29)
    );
}

#[test]
fn impossible_and_far_off_appointments_are_refused_inline() {
    let mut c = ctx(3);
    let pid = c.open_first_person();
    let before = c.store.person_file(pid).unwrap();
    c.keys(&[k(KeyCode::F(8)), ch('a')]);
    assert_eq!(c.form().title, "Nouveau rendez-vous");
    let cases = [
        ("31/02/2027 10h", "n'existe pas"),
        ("29/02/2027 10h", "28 jours"),
        ("00/13 10h", "impossible"),
        ("12/03/2150 10h", "Année 2150 hors limites"),
        ("12/03/1850 10h", "Année 1850 hors limites"),
        ("12/03/2031 10h", "plus de 3 ans"),
        ("25/11/2026 25h", "Heure 25h impossible"),
        ("25/11/2026 14h75", "Minutes 75 impossibles"),
    ];
    for (typed, message) in cases {
        c.set("start", typed);
        c.key(k(F10));
        let err = c.field_error("start");
        assert!(err.contains(message), "{typed}: {err:?}");
        assert_eq!(c.form().field("start").unwrap().input.text(), typed);
        assert_eq!(c.store.person_file(pid).unwrap(), before, "{typed}");
    }
    c.set("duration", "99999999999");
    c.set("start", "25/11/2026 14h30");
    c.key(k(F10));
    assert!(
        c.field_error("duration").contains("Nombre"),
        "{:?}",
        c.form()
    );
    c.set("duration", "1500");
    c.key(k(F10));
    assert!(c.field_error("duration").contains("5 à 480 minutes"));
    c.set("duration", "45");
    c.key(k(F10));
    assert!(c.app.overlay.is_none(), "{:?}", c.app.status);
    assert_eq!(
        c.store.person_file(pid).unwrap().appointments.len(),
        before.appointments.len() + 1
    );
}

// ----- text -----

/// 100,000 characters over many lines: accents, emoji with joiners, right-to-left, tabs.
fn long_note() -> String {
    let pieces = [
        "Entretien : dossier CAF à relancer, attestation Pôle emploi reçue.",
        "Famille : 👩‍👩‍👧‍👦 quatre personnes au foyer, 🏳️‍🌈 association de quartier.",
        "Nom d'usage du conjoint : محمد بن علي — adresse : רחוב הרצל 12.",
        "Ça s'est bien passé ; prochain RDV à fixer (cf. « plan d'action »).",
        "",
    ];
    let mut text = String::new();
    let mut i = 0;
    while text.chars().count() < 100_000 {
        text.push_str(pieces[i % pieces.len()]);
        text.push('\n');
        i += 1;
    }
    text.chars().take(100_000).collect()
}

#[test]
fn a_note_of_100000_characters_round_trips_unchanged() {
    let mut c = ctx(3);
    let pid = c.open_first_person();
    let notes_before = c.store.person_file(pid).unwrap().notes.len();
    c.keys(&[ch('J'), ch('a')]);
    assert_eq!(c.form().title, "Nouvelle note");
    let text = long_note();
    c.paste(&text);
    assert_eq!(c.form().field("text").unwrap().input.text(), text);
    c.key(k(F10));
    assert!(c.app.overlay.is_none(), "{:?}", c.app.status);
    let stored = c.store.person_file(pid).unwrap().notes;
    assert_eq!(stored.len(), notes_before + 1);
    let note = stored
        .iter()
        .find(|n| n.text.len() > 50_000)
        .expect("stored");
    assert_eq!(note.text, text, "stored unchanged");
    assert_eq!(note.text.chars().count(), 100_000);
    // Edited again (Entrée on the journal line), the text comes back whole in the form.
    let pos = c
        .app
        .file
        .as_ref()
        .unwrap()
        .data
        .notes
        .iter()
        .position(|n| n.id == note.id);
    assert!(pos.is_some());
    draw_all_sizes(&c.app);
    // Reopening the file from disk gives the same text.
    let path = c.store.path().to_path_buf();
    let again = Store::open(&path, clock()).unwrap();
    let n = again
        .load(RecordKind::Note, note.id)
        .unwrap()
        .expect("note");
    assert_eq!(n, Record::Note(note.clone()));
}

#[test]
fn a_paste_beyond_the_field_limit_is_cut_not_frozen() {
    let mut c = ctx(1);
    c.open_first_person();
    c.keys(&[ch('J'), ch('a')]);
    let huge = "abcdefghij".repeat(25_000); // 250,000 chars, over the 200,000 limit
    let started = std::time::Instant::now();
    c.paste(&huge);
    assert!(
        started.elapsed().as_secs() < 10,
        "paste took {:?}",
        started.elapsed()
    );
    let len = c.form().field("text").unwrap().input.len();
    assert_eq!(len, parcours::app::input::MAX_CHARS);
}

#[test]
fn control_characters_are_dropped_and_pasted_newlines_flattened_in_one_line_fields() {
    let mut c = ctx(0);
    c.key(ch('n'));
    c.focus("nom");
    // Typed control characters (a terminal may pass some through as characters).
    for ch_ in [
        'D', '\u{1b}', 'U', '\u{7}', '\u{0}', 'P', '\u{7f}', 'O', '\u{8}', 'N', 'T',
    ] {
        c.key(KeyEvent::new(KeyCode::Char(ch_), KeyModifiers::NONE));
    }
    c.focus("prenom");
    c.paste("Jean\u{0}-\u{1b}[31mMarie\r\n");
    c.focus("commune");
    c.paste("12 rue des Lilas\n59000 Lille\r\nFrance\ttéléphone");
    c.focus("phone");
    c.paste("06\u{200b}12\u{feff} 34 56 78");
    let form = c.form();
    assert_eq!(form.field("nom").unwrap().input.text(), "DUPONT");
    assert_eq!(
        form.field("prenom").unwrap().input.text(),
        "Jean-[31mMarie "
    );
    assert_eq!(
        form.field("commune").unwrap().input.text(),
        "12 rue des Lilas 59000 Lille France téléphone"
    );
    c.key(k(F10));
    assert!(c.app.overlay.is_none(), "{:?}", c.app.status);
    let p = &c.app.file.as_ref().unwrap().data.person;
    assert_eq!(p.nom, "DUPONT");
    assert_eq!(p.prenom, "Jean-[31mMarie", "trimmed, no escape character");
    assert_eq!(p.commune, "12 rue des Lilas 59000 Lille France téléphone");
    for s in [&p.nom, &p.prenom, &p.commune, &p.phone] {
        assert!(!s.chars().any(|c| c.is_control()), "{s:?}");
    }
    // The search line takes pastes too: one line, no control characters.
    c.keys(&[k(KeyCode::Esc)]);
    c.paste("DUP\nONT\u{7}");
    assert_eq!(c.app.caseload.query.text(), "DUP ONT");
}

#[test]
fn emoji_with_joiners_and_right_to_left_names_round_trip_and_render() {
    let mut c = ctx(4);
    c.key(ch('n'));
    let nom = "👩‍👩‍👧‍👦 Famille";
    let prenom = "محمد";
    let usage = "כהן";
    let commune = "Saint-Étienne-du-Rouvray 🏳️‍🌈";
    c.focus("nom");
    c.paste(nom);
    c.focus("prenom");
    c.paste(prenom);
    c.focus("commune");
    c.paste(commune);
    c.key(k(F10));
    assert!(c.app.overlay.is_none(), "{:?}", c.app.status);
    // The nom d'usage is in the identity form.
    c.key(KeyEvent::new(KeyCode::Char('I'), KeyModifiers::SHIFT));
    c.focus("nom_usage");
    c.paste(usage);
    c.key(k(F10));
    assert!(c.app.overlay.is_none(), "{:?}", c.app.status);
    let pid = c.app.file.as_ref().unwrap().data.person.id;
    let p = c.store.person_file(pid).unwrap().person;
    assert_eq!(
        (
            p.nom.as_str(),
            p.prenom.as_str(),
            p.nom_usage.as_str(),
            p.commune.as_str()
        ),
        (nom, prenom, usage, commune)
    );
    let screen = draw_all_sizes(&c.app);
    assert!(screen.contains(prenom), "{screen}");
    // A cursor moving through the joined emoji never splits them.
    c.key(KeyEvent::new(KeyCode::Char('I'), KeyModifiers::SHIFT));
    c.focus("nom");
    for _ in 0..30 {
        c.key(k(KeyCode::Left));
    }
    c.key(k(KeyCode::Delete));
    c.key(k(KeyCode::Right));
    c.key(k(KeyCode::Backspace));
    c.key(k(KeyCode::Esc));
    assert_eq!(
        c.store.person_file(pid).unwrap().person.nom,
        nom,
        "Esc: unchanged"
    );
    // Found by the search, in right-to-left script too.
    c.key(k(KeyCode::Esc));
    c.key(ch('/'));
    c.paste(prenom);
    c.app.settle();
    assert_eq!(c.app.selected_person(), Some(pid));
    draw_all_sizes(&c.app);
}

#[test]
fn empty_required_fields_are_refused_inline() {
    let mut c = ctx(2);
    let before = c.counts();
    c.key(ch('n'));
    c.set("nom", "   ");
    c.key(k(F10));
    assert_eq!(c.field_error("nom"), "Champ obligatoire");
    assert_eq!(c.field_error("prenom"), "Champ obligatoire");
    assert_eq!(c.form().focus, 0, "focus on the first refused field");
    assert!(draw(&c.app, 100, 30).contains("Champ obligatoire"));
    c.key(k(KeyCode::Esc));
    assert!(c.app.overlay.is_none());
    assert_eq!(c.counts(), before);
    // An empty note, an appointment without a date.
    let pid = c.open_first_person();
    let file = c.store.person_file(pid).unwrap();
    c.keys(&[ch('J'), ch('a')]);
    c.paste("  \n\n  ");
    c.key(k(F10));
    assert_eq!(c.field_error("text"), "Champ obligatoire");
    c.key(k(KeyCode::Esc));
    c.keys(&[k(KeyCode::Esc), k(KeyCode::F(8)), ch('a')]);
    c.key(k(F10));
    assert_eq!(c.field_error("start"), "Champ obligatoire");
    c.key(k(KeyCode::Esc));
    assert_eq!(c.store.person_file(pid).unwrap(), file);
    assert_eq!(
        c.app.status.as_ref().map(|s| s.kind.clone()),
        Some(StatusKind::Info)
    );
}

#[test]
fn resizing_to_10x3_and_back_at_every_step_of_an_interview_never_panics() {
    // Every key of a short interview, drawn at every size after each key (Ctx::key).
    let mut c = ctx(5);
    c.open_first_person();
    for key in "1234 0".chars() {
        c.key(ch(key));
        c.key(k(KeyCode::Down));
    }
    c.keys(&[ch('c')]);
    c.paste(&"commentaire long ".repeat(500));
    c.key(k(F10));
    c.keys(&[
        k(KeyCode::F(6)),
        ch(' '),
        ch('s'),
        k(KeyCode::Down),
        ch(' '),
    ]);
    c.keys(&[k(KeyCode::F(7)), ch('a')]);
    c.typed("Atelier CV");
    c.key(k(F10));
    c.keys(&[k(KeyCode::F(8)), ch('a')]);
    c.typed("demain 9h");
    c.key(k(F10));
    c.keys(&[ch('J'), ch('a')]);
    c.paste(&long_note());
    c.keys(&[k(KeyCode::Up), k(KeyCode::PageUp), k(KeyCode::Home), k(F10)]);
    c.keys(&[
        k(KeyCode::Esc),
        ch('?'),
        k(KeyCode::Down),
        k(KeyCode::Esc),
        ch('T'),
    ]);
    c.keys(&[k(KeyCode::Esc), k(KeyCode::Esc)]);
    assert!(c.store.integrity_problems().unwrap().is_empty());
}

// ----- property tests -----

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Anything Rust can hold, NUL and control characters included.
        any::<String>(),
        // Mostly realistic text with the awkward bits mixed in.
        proptest::collection::vec(
            prop_oneof![
                Just("é".to_string()),
                Just("👩‍👩‍👧".to_string()),
                Just("محمد".to_string()),
                Just("\u{0}".to_string()),
                Just("\r\n".to_string()),
                Just("'\"; DROP TABLE persons; --".to_string()),
                Just("\u{202e}".to_string()),
                "[a-zA-Z ]{0,8}",
            ],
            0..20
        )
        .prop_map(|v| v.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Whatever text reaches the store (import, a future API) comes back byte for byte.
    #[test]
    fn any_text_round_trips_through_the_store(a in any_text(), b in any_text(), n in any_text()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parcours.db");
        let mut store = Store::open(&path, clock()).unwrap();
        let person = Person { commune: b.clone(), ..Person::new(&a, &b) };
        let pid = store.apply(&Change::Upsert(Record::Person(person))).unwrap().id;
        let nid = store.apply(&Change::Upsert(Record::Note(Note {
            person_id: pid,
            text: n.clone(),
            ..Default::default()
        }))).unwrap().id;
        let bid = store.apply(&Change::Upsert(Record::Barrier(Barrier {
            person_id: pid,
            theme: "logement".into(),
            label: a.clone(),
            status: "identifie".into(),
            note: n.clone(),
            ..Default::default()
        }))).unwrap().id;
        drop(store);
        let store = Store::open(&path, clock()).unwrap();
        let f = store.person_file(pid).unwrap();
        prop_assert_eq!(&f.person.nom, &a);
        prop_assert_eq!(&f.person.prenom, &b);
        prop_assert_eq!(&f.person.commune, &b);
        let note = f.notes.iter().find(|x| x.id == nid).unwrap();
        prop_assert_eq!(&note.text, &n);
        let barrier = f.barriers.iter().find(|x| x.id == bid).unwrap();
        prop_assert_eq!(&barrier.label, &a);
        prop_assert_eq!(&barrier.note, &n);
        // And the JSON export carries it unchanged.
        let mut out = Vec::new();
        parcours::export::write_json(&store, Some(&[pid]), &mut out).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(json["persons"][0]["person"]["nom"].as_str(), Some(a.as_str()));
        prop_assert_eq!(json["persons"][0]["notes"][0]["text"].as_str(), Some(n.as_str()));
    }

}

proptest! {
    // Each case drives a whole app over a real file, drawing every step at six sizes.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever is pasted into a one-line field is stored on one line, without control
    /// characters, and otherwise as pasted; a multi-line field keeps its lines.
    #[test]
    fn pasted_text_reaches_the_store_clean(one in any_text(), multi in any_text()) {
        let mut c = ctx(1);
        let pid = c.open_first_person();
        c.key(KeyEvent::new(KeyCode::Char('I'), KeyModifiers::SHIFT));
        c.focus("commune");
        c.key(ctrl('u'));
        c.paste(&one);
        c.key(k(F10));
        let commune = c.store.person_file(pid).unwrap().person.commune;
        prop_assert!(!commune.chars().any(|ch| ch.is_control()), "{:?}", commune);
        let want: String = one
            .replace("\r\n", " ")
            .chars()
            .filter_map(|ch| match ch {
                '\n' | '\r' | '\t' => Some(' '),
                ch if ch.is_control() => None,
                ch => Some(ch),
            })
            .collect();
        prop_assert_eq!(commune.as_str(), want.trim());
        prop_assert!(c.app.overlay.is_none());

        c.keys(&[ch('J'), ch('a')]);
        c.paste(&multi);
        c.key(k(F10));
        let notes = c.store.person_file(pid).unwrap().notes;
        let cleaned: String = multi
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .chars()
            .filter_map(|ch| match ch {
                '\n' => Some('\n'),
                '\t' => Some(' '),
                ch if ch.is_control() => None,
                ch => Some(ch),
            })
            .collect();
        if cleaned.trim().is_empty() {
            prop_assert_eq!(c.field_error("text"), "Champ obligatoire");
        } else {
            prop_assert!(c.app.overlay.is_none(), "{:?}", c.app.status);
            prop_assert!(notes.iter().any(|n| n.text == cleaned), "{:?}", cleaned);
        }
        prop_assert!(c.store.integrity_problems().unwrap().is_empty());
    }
}
