//! Shared helpers for the `ui_*` tests: a real SQLite store in a temp dir with a fixed
//! clock, an `App` as `main` builds it, a small key language to type into it, and a
//! `TestBackend` renderer that returns the screen as text.
//!
//! Key language (see [`parse_keys`]): plain characters are typed as they are (a space is
//! a space); special keys go between angle brackets: `<Enter>`, `<Esc>`, `<Tab>`,
//! `<BackTab>`, `<Up>`, `<Down>`, `<Left>`, `<Right>`, `<Home>`, `<End>`, `<PgUp>`,
//! `<PgDn>`, `<Del>`, `<BS>`, `<Space>`, `<F1>`…`<F12>`, `<C-s>` (Ctrl), `<A-x>` (Alt),
//! and `<lt>` for a literal `<`.

#![allow(dead_code)]

use chrono::{NaiveDate, NaiveDateTime};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use parcours::app::keys::Keymap;
use parcours::app::{App, FileState, Overlay, StatusKind};
use parcours::clock::Clock;
use parcours::domain::{Id, PersonFile, Referential};
use parcours::store::Store;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;

/// The advisor of the session: one of the demo referents.
pub const ME: &str = "Claire Fontaine";

/// Monday 23 November 2026, 10:00:00 (a working day, mid-morning).
pub fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

pub fn today() -> NaiveDate {
    now().date()
}

/// A temp-dir database, its store and an app over it, plus a keystroke counter.
pub struct Ctx {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub app: App,
    /// Keystrokes sent through [`Ctx::press`] since creation.
    pub keys: usize,
    /// The same keystrokes sorted by what they did (see [`KeyCount`]).
    pub count: KeyCount,
}

/// Keystrokes sorted by what they did, for the interview's key budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyCount {
    /// Characters typed into a form field: a printable character in a text field or a
    /// choice list (« F » for Femme), a new line in a multi-line field.
    pub typed: usize,
    /// Keys that only moved from one form field to another (Entrée / Tab / ↓ between
    /// fields, Tab taking a suggestion and moving on): the form stays open, nothing saved.
    pub field_moves: usize,
    /// Everything else: opening and saving forms, levels, ticks, moving in lists, panes,
    /// statuses, moving inside a list of check boxes.
    pub commands: usize,
}

impl Ctx {
    /// An empty database (the first-run welcome screen).
    pub fn empty() -> Ctx {
        Ctx::with_demo(0, 1)
    }

    /// A database holding `n` demo persons generated with `seed` at the fixed clock.
    pub fn with_demo(n: usize, seed: u64) -> Ctx {
        let dir = tempfile::tempdir().expect("temp dir");
        let clock = Clock::fixed(now());
        let mut store = Store::open(&dir.path().join("parcours.db"), clock.clone()).expect("store");
        let rf = Referential::embedded();
        if n > 0 {
            let files = parcours::demo::generate(&rf, n, seed, now());
            store.insert_files(&files).expect("insert demo");
        }
        let app = App::new(&store, rf, Keymap::defaults(), clock, ME.to_string()).expect("app");
        Ctx {
            dir,
            store,
            app,
            keys: 0,
            count: KeyCount::default(),
        }
    }

    /// Types `keys` (key language) and returns how many keystrokes that was.
    pub fn press(&mut self, keys: &str) -> usize {
        let events = parse_keys(keys);
        for e in &events {
            let kind = key_kind(&self.app, e);
            self.app.handle_key(*e, &mut self.store);
            match kind(&self.app) {
                KeyKind::Typed => self.count.typed += 1,
                KeyKind::FieldMove => self.count.field_moves += 1,
                KeyKind::Command => self.count.commands += 1,
            }
        }
        self.app.settle();
        self.keys += events.len();
        events.len()
    }

    pub fn render(&self, w: u16, h: u16) -> String {
        render(&self.app, w, h)
    }

    pub fn render_styled(&self, w: u16, h: u16) -> String {
        render_styled(&self.app, w, h)
    }

    /// The open file's state (panics when no file is open).
    pub fn file(&self) -> &FileState {
        self.app.file.as_ref().expect("a file is open")
    }

    /// Id of the open person.
    pub fn person_id(&self) -> Id {
        self.file().data.person.id
    }

    /// The file as stored (not as the app holds it).
    pub fn stored(&self, id: Id) -> PersonFile {
        self.store.person_file(id).expect("person file")
    }

    /// Status line text, with "ERREUR: " in front of an error.
    pub fn status(&self) -> String {
        status_text(&self.app)
    }

    /// The open form (panics when none is open).
    pub fn form(&self) -> &parcours::app::form::Form {
        match &self.app.overlay {
            Some(Overlay::Form(f)) => f,
            _ => panic!("no form open"),
        }
    }

    /// Total rows in every table (to check that nothing was written).
    pub fn counts(&self) -> Vec<(String, i64)> {
        self.store.table_counts().expect("counts")
    }
}

pub fn status_text(app: &App) -> String {
    match &app.status {
        Some(s) if s.kind == StatusKind::Error => format!("ERREUR: {}", s.text),
        Some(s) => s.text.clone(),
        None => String::new(),
    }
}

/// What a keystroke did (see [`KeyCount`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Typed,
    FieldMove,
    Command,
}

/// What changes in the open file when something is saved (to tell « save and add », which
/// leaves the same kind of form open on its first field, from a move between fields).
fn saved_marker(app: &App) -> Option<(usize, i64)> {
    app.file
        .as_ref()
        .map(|f| (f.undo.len(), f.data.person.version))
}

/// Looks at the app before `key` and returns what decides, after it, what the key did.
fn key_kind(app: &App, key: &KeyEvent) -> impl Fn(&App) -> KeyKind {
    use parcours::app::form::FieldKind;
    use parcours::app::keys::{Action, Key};
    let before = match &app.overlay {
        Some(Overlay::Form(f)) => f.focused().map(|field| {
            let k = Key::from_event(key);
            let typed = match field.kind {
                FieldKind::MultiCheck | FieldKind::Check => false,
                FieldKind::Choice => k.text().is_some(),
                FieldKind::Multiline => {
                    k.text().is_some()
                        || app.keymap.lookup(field.contexts(), &k) == Some(Action::Newline)
                }
                _ => k.text().is_some(),
            };
            (f.purpose.clone(), f.focus, typed)
        }),
        _ => None,
    };
    let saved = saved_marker(app);
    move |after: &App| match (&before, &after.overlay) {
        (Some((_, _, true)), _) => KeyKind::Typed,
        (Some((purpose, focus, false)), Some(Overlay::Form(f)))
            if f.purpose == *purpose && f.focus != *focus && saved_marker(after) == saved =>
        {
            KeyKind::FieldMove
        }
        _ => KeyKind::Command,
    }
}

/// Parses the key language into key events.
pub fn parse_keys(keys: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut chars = keys.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '<' {
            out.push(char_key(c));
            continue;
        }
        let mut name = String::new();
        loop {
            match chars.next() {
                Some('>') => break,
                Some(ch) => name.push(ch),
                None => panic!("unclosed <{name} in key string {keys:?}"),
            }
        }
        out.push(named_key(&name).unwrap_or_else(|| panic!("unknown key <{name}>")));
    }
    out
}

fn char_key(c: char) -> KeyEvent {
    let mods = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), mods)
}

fn named_key(name: &str) -> Option<KeyEvent> {
    let plain = |code| Some(KeyEvent::new(code, KeyModifiers::NONE));
    if let Some(rest) = name.strip_prefix("C-") {
        let c = single(rest)?;
        return Some(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }
    if let Some(rest) = name.strip_prefix("A-") {
        let c = single(rest)?;
        return Some(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    }
    match name {
        "Enter" | "CR" => plain(KeyCode::Enter),
        "Esc" => plain(KeyCode::Esc),
        "Tab" => plain(KeyCode::Tab),
        "BackTab" | "S-Tab" => Some(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        "Up" => plain(KeyCode::Up),
        "Down" => plain(KeyCode::Down),
        "Left" => plain(KeyCode::Left),
        "Right" => plain(KeyCode::Right),
        "Home" => plain(KeyCode::Home),
        "End" => plain(KeyCode::End),
        "PgUp" => plain(KeyCode::PageUp),
        "PgDn" => plain(KeyCode::PageDown),
        "Del" => plain(KeyCode::Delete),
        "BS" => plain(KeyCode::Backspace),
        "Space" => plain(KeyCode::Char(' ')),
        "lt" => plain(KeyCode::Char('<')),
        f if f.starts_with('F') => plain(KeyCode::F(f[1..].parse().ok()?)),
        _ => None,
    }
}

fn single(s: &str) -> Option<char> {
    let mut it = s.chars();
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

/// Sends `keys` (key language) to the app, then settles once, as the terminal loop does
/// after draining what was typed. Returns the number of keystrokes sent.
pub fn press(app: &mut App, store: &mut Store, keys: &str) -> usize {
    let events = parse_keys(keys);
    for e in &events {
        app.handle_key(*e, store);
    }
    app.settle();
    events.len()
}

/// Draws the app on a `w`×`h` test terminal.
pub fn draw(app: &App, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| parcours::ui::draw(f, app)).expect("draw");
    terminal.backend().buffer().clone()
}

/// The screen as text: one line per row, trailing spaces trimmed, wide characters
/// written once (the cell they cover is skipped).
pub fn render(app: &App, w: u16, h: u16) -> String {
    buffer_text(&draw(app, w, h))
}

pub fn buffer_text(buf: &Buffer) -> String {
    let width = buf.area.width as usize;
    let mut out = String::new();
    if width == 0 {
        return out;
    }
    for cells in buf.content.chunks(width) {
        let mut line = String::new();
        let mut skip = 0usize;
        for c in cells {
            if skip == 0 {
                line.push_str(c.symbol());
            }
            skip = skip
                .max(unicode_width::UnicodeWidthStr::width(c.symbol()))
                .saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The screen as text followed by its styled runs: for each row, the column ranges whose
/// style differs from the default, with foreground / background / modifiers.
pub fn render_styled(app: &App, w: u16, h: u16) -> String {
    let buf = draw(app, w, h);
    let mut out = buffer_text(&buf);
    out.push_str("--- styles (row: columns fg/bg/modifiers) ---\n");
    let width = buf.area.width as usize;
    if width == 0 {
        return out;
    }
    for (y, cells) in buf.content.chunks(width).enumerate() {
        let mut runs: Vec<(usize, usize, String)> = Vec::new();
        for (x, c) in cells.iter().enumerate() {
            let st = format!("{:?}/{:?}/{:?}", c.fg, c.bg, c.modifier);
            if st == "Reset/Reset/NONE" {
                continue;
            }
            match runs.last_mut() {
                Some((_, end, s)) if *end + 1 == x && *s == st => *end = x,
                _ => runs.push((x, x, st)),
            }
        }
        if !runs.is_empty() {
            let parts: Vec<String> = runs
                .iter()
                .map(|(a, b, s)| format!("{a}-{b} {s}"))
                .collect();
            out.push_str(&format!("{y:>3}: {}\n", parts.join(" | ")));
        }
    }
    out
}
