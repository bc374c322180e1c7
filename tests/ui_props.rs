//! Property tests: random key sequences, pastes, resizes and clock jumps into an app over
//! a small demo database, drawn at random sizes (down to 0x0) after every batch. The app
//! never panics, its selections stay inside their lists, the open file is what the store
//! holds, and the database stays sound.

mod support;
use support::app as common;

use common::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use parcours::app::{App, Overlay, Pane};
use parcours::store::Store;
use proptest::prelude::*;
use proptest::test_runner::Config;

#[derive(Debug, Clone)]
enum Ev {
    Key(KeyEvent),
    /// A key release (Windows sends them): must be ignored.
    Release(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// Time passes (minutes): appointments become past, "statut à préciser" appears.
    Advance(i64),
    /// Another instance wrote something: the loop calls `external_change`.
    External,
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn key_strategy() -> impl Strategy<Value = KeyEvent> {
    let letters = prop::sample::select(
        "abcdefghijklmnopqrstuvwxyzDGIJSéèàçôÉ"
            .chars()
            .collect::<Vec<_>>(),
    )
    .prop_map(|c| {
        let m = if c.is_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        KeyEvent::new(KeyCode::Char(c), m)
    });
    let digits = prop::sample::select("0123456789/:h".chars().collect::<Vec<_>>())
        .prop_map(|c| key(KeyCode::Char(c)));
    let special = prop::sample::select(vec![
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Char(' '),
        KeyCode::Char('?'),
    ])
    .prop_map(key);
    let fkeys = (1u8..=10).prop_map(|n| key(KeyCode::F(n)));
    let ctrl = prop::sample::select(vec!['s', 'z', 'u', 'w', 'c', 'a'])
        .prop_map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    let alt_enter = Just(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    prop_oneof![
        8 => letters,
        5 => digits,
        10 => special,
        3 => fkeys,
        1 => ctrl,
        1 => alt_enter,
    ]
}

fn event_strategy() -> impl Strategy<Value = Ev> {
    prop_oneof![
        40 => key_strategy().prop_map(Ev::Key),
        1 => key_strategy().prop_map(Ev::Release),
        2 => paste_strategy().prop_map(Ev::Paste),
        1 => (0u16..250, 0u16..80).prop_map(|(w, h)| Ev::Resize(w, h)),
        1 => prop_oneof![Just(30i64), Just(60 * 24), Just(60 * 24 * 40)].prop_map(Ev::Advance),
        1 => Just(Ev::External),
    ]
}

/// Pasted text: ordinary, multi-line with CR/LF and tabs, control characters, emoji with
/// joiners and right-to-left script, or any printable characters.
fn paste_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Zé0-9 /]{0,30}",
        "[a-z \n\r\t]{0,40}",
        Just("👩‍👩‍👧 سلام\u{0}\u{7}\u{1b}[2J".to_string()),
        "\\PC{0,8}",
        Just("x".repeat(5000)),
    ]
}

/// Sizes to draw at: the tiny ones the brief lists, the reference ones, and any.
fn size_strategy() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![
        1 => Just((0u16, 0u16)),
        1 => Just((1, 1)),
        1 => Just((10, 3)),
        1 => Just((59, 15)),
        1 => Just((60, 16)),
        2 => Just((80, 24)),
        1 => Just((120, 40)),
        1 => Just((200, 60)),
        3 => (0u16..=220, 0u16..=70),
    ]
}

fn apply(ev: &Ev, app: &mut App, store: &mut Store) {
    match ev {
        Ev::Key(k) => {
            app.handle_event(&Event::Key(*k), store);
        }
        Ev::Release(k) => {
            let mut k = *k;
            k.kind = KeyEventKind::Release;
            let redraw = app.handle_event(&Event::Key(k), store) != parcours::app::Outcome::Idle;
            assert!(!redraw, "a key release must be ignored");
        }
        Ev::Paste(t) => {
            app.handle_event(&Event::Paste(t.clone()), store);
        }
        Ev::Resize(w, h) => {
            app.handle_event(&Event::Resize(*w, *h), store);
        }
        Ev::Advance(min) => app.clock.advance(chrono::Duration::minutes(*min)),
        Ev::External => app.external_change(store),
    }
}

fn check_invariants(app: &App, store: &Store) -> Result<(), TestCaseError> {
    let c = &app.caseload;
    prop_assert!(
        c.visible.is_empty() || c.selected < c.visible.len(),
        "caseload selected {} of {}",
        c.selected,
        c.visible.len()
    );
    prop_assert!(c.visible.iter().all(|i| *i < c.rows.len()));
    let t = &app.today;
    prop_assert!(t.rows.is_empty() || t.selected < t.rows.len());
    if let Some(f) = &app.file {
        for pane in Pane::ALL {
            let len = app.pane_len(f, pane);
            let sel = f.selected[pane.index()];
            prop_assert!(
                len == 0 || sel < len,
                "{pane:?}: selected {sel} of {len} (checked_only {})",
                f.checked_only
            );
        }
        let notes = f.data.notes.len();
        prop_assert!(notes == 0 || f.journal_selected < notes);
        // What the file shows is what the store holds (one instance: every commit
        // reloads the file).
        let stored = store.person_file(f.data.person.id);
        prop_assert!(stored.is_ok(), "open file gone: {:?}", stored.err());
        prop_assert_eq!(&stored.unwrap(), &f.data);
    }
    if let Some(Overlay::Form(form)) = &app.overlay {
        prop_assert!(form.focus < form.fields.len());
        for field in &form.fields {
            prop_assert!(field.input.cursor() <= field.input.len());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(Config {
        cases: 256,
        // Regressions are kept as explicit tests below rather than in a side file.
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn random_keys_never_break_the_app(
        batches in prop::collection::vec(
            (prop::collection::vec(event_strategy(), 1..60), size_strategy()),
            1..12,
        ),
        seed in 1u64..4,
    ) {
        let mut c = Ctx::with_demo(8, seed);
        for (events, (w, h)) in &batches {
            for ev in events {
                apply(ev, &mut c.app, &mut c.store);
            }
            c.app.settle();
            check_invariants(&c.app, &c.store)?;
            let screen = render(&c.app, *w, *h);
            prop_assert_eq!(screen.lines().count(), if *w == 0 { 0 } else { *h as usize });
        }
        let problems = c.store.integrity_problems().expect("integrity check");
        prop_assert!(problems.is_empty(), "{:?}", problems);
    }
}

/// Deterministic long run in a file (more edits than random keys reach from the list):
/// every key of the file panes, many times, drawn at 80x24 and 40x10 as it goes.
#[test]
fn long_edit_session_in_a_file_keeps_invariants() {
    let mut c = Ctx::with_demo(6, 2);
    c.press("m<Enter>");
    let pattern = [
        "0123412<Space>jjjk",                          // levels
        "<F6>f<Space>jj<Space>s<Space>u<Enter><Esc>",  // barriers
        "<F7>acv<Tab><F10>s<Down>x<Enter><Esc>o<F10>", // plan, incl. a refused empty objective
        "<Esc><Esc>",
        "<F8>a+2 10h<F10><Down>hencx<Up>r<Esc>", // appointments
        "JaNote<F10>p<Down>x<Esc>",              // journal
        "uuuuu",
    ];
    for round in 0..15 {
        for keys in pattern {
            c.press(keys);
            check_invariants(&c.app, &c.store)
                .unwrap_or_else(|e| panic!("round {round} {keys:?}: {e}"));
            render(&c.app, 80, 24);
            render(&c.app, 40, 10);
        }
    }
    assert!(c.store.integrity_problems().unwrap().is_empty());
}

/// The checks above are not vacuous: each catches a broken state.
#[test]
fn invariant_checks_catch_broken_states() {
    let mut c = Ctx::with_demo(8, 1);
    check_invariants(&c.app, &c.store).expect("a fresh app is sound");
    c.app.caseload.selected = c.app.caseload.visible.len() + 3;
    assert!(check_invariants(&c.app, &c.store).is_err());

    let breakages: [fn(&mut parcours::app::FileState); 3] = [
        |f| f.selected[Pane::Diagnostic.index()] = 99,
        |f| f.selected[Pane::Barriers.index()] = 10_000,
        |f| f.data.person.nom.push('x'),
    ];
    for (i, breakage) in breakages.into_iter().enumerate() {
        let mut c = Ctx::with_demo(8, 1);
        c.press("<Enter>");
        check_invariants(&c.app, &c.store).expect("an open file is sound");
        breakage(c.app.file.as_mut().expect("file"));
        assert!(check_invariants(&c.app, &c.store).is_err(), "breakage {i}");
    }
}
