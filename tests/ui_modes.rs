//! Input modes and where keys go, through the whole interactive session ([`Shell`]) with
//! key events, a fixed clock and real encrypted database files: the lock key from a form
//! or the help, keys while the window is too small, the caseload's search line left with
//! its screen, and the login screen during the wait after repeated failures.
//!
//! Argon2 makes each password check cost a fraction of a second (release build).

use chrono::{Duration, NaiveDateTime};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use parcours::app::form::Purpose;
use parcours::app::keys::Keymap;
use parcours::app::shell::Shell;
use parcours::app::{Overlay, Screen};
use parcours::clock::Clock;
use parcours::config::Settings;
use parcours::domain::Referential;
use std::path::{Path, PathBuf};

const ADMIN: &str = "claire";
const ADMIN_NAME: &str = "Claire Fontaine";
const ADMIN_PW: &str = "correct horse battery staple";

fn start_time() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-11-23 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap()
}

fn shell(db: &Path, clock: &Clock) -> Shell {
    Shell::new(
        db,
        clock.clone(),
        Referential::embedded(),
        Keymap::defaults(),
        Settings::default(),
    )
    .expect("login screen")
}

fn ev(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn press(s: &mut Shell, code: KeyCode) {
    s.handle_event(&ev(code));
    // A submitted login form is checked here (the terminal loop does it after a redraw).
    s.run_pending();
}

fn typ(s: &mut Shell, text: &str) {
    for c in text.chars() {
        let mods = if c.is_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        s.handle_event(&Event::Key(KeyEvent::new(KeyCode::Char(c), mods)));
    }
    s.settle();
}

/// Types the fields of the focused form, Enter after each (the last Enter submits).
fn fill(s: &mut Shell, values: &[&str]) {
    for v in values {
        typ(s, v);
        press(s, KeyCode::Enter);
    }
}

/// The screen as text (`w`×`h`), as a user would see it.
fn screen_at(s: &Shell, w: u16, h: u16) -> String {
    let backend = ratatui::backend::TestBackend::new(w, h);
    let mut t = ratatui::Terminal::new(backend).unwrap();
    t.draw(|f| parcours::ui::draw_shell(f, s)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn screen(s: &Shell) -> String {
    screen_at(s, 100, 30)
}

/// A new database with the admin account and the demo caseload; the session is running.
fn demo_base(dir: &Path, clock: &Clock) -> (PathBuf, Shell) {
    let db = dir.join("parcours.db");
    let mut s = shell(&db, clock);
    fill(&mut s, &[ADMIN, ADMIN_NAME, ADMIN_PW, ADMIN_PW]);
    assert!(s.app().is_some(), "{}", screen(&s));
    typ(&mut s, "D");
    assert!(!s.app().unwrap().caseload.rows.is_empty());
    (db, s)
}

fn open_form_purpose(s: &Shell) -> Option<Purpose> {
    match &s.app()?.overlay {
        Some(Overlay::Form(f)) => Some(f.purpose.clone()),
        _ => None,
    }
}

#[test]
fn lock_key_locks_from_a_form_and_from_the_help() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let (_db, mut s) = demo_base(dir.path(), &clock);
    press(&mut s, KeyCode::Enter);
    let (person, nom) = {
        let f = s.app().unwrap().file.as_ref().expect("a file is open");
        (f.data.person.id, f.data.person.nom.clone())
    };

    // The identity form, something typed, then Ctrl+L: locked at once, the form dropped.
    typ(&mut s, "I");
    assert_eq!(open_form_purpose(&s), Some(Purpose::EditPerson));
    typ(&mut s, "XYZ");
    s.handle_event(&ctrl('l'));
    assert!(
        s.is_locked(),
        "Ctrl+L in a form did not lock:\n{}",
        screen(&s)
    );
    let text = screen(&s);
    assert!(text.contains("Écran verrouillé"), "{text}");
    assert!(!text.contains("XYZ"), "{text}");

    // After the unlock: the same file, no form, and the app says the form was not saved.
    fill(&mut s, &[ADMIN_PW]);
    let app = s.app().unwrap_or_else(|| panic!("{}", screen(&s)));
    assert!(app.overlay.is_none());
    assert_eq!(app.screen, Screen::File);
    assert_eq!(app.file.as_ref().unwrap().data.person.id, person);
    assert_eq!(app.file.as_ref().unwrap().data.person.nom, nom);
    let status = app
        .status
        .as_ref()
        .map(|st| st.text.clone())
        .unwrap_or_default();
    assert!(status.contains("formulaire"), "{status}");
    assert!(screen(&s).contains("formulaire"), "{}", screen(&s));

    // The help overlay: Ctrl+L locks too (it used to close the help only).
    press(&mut s, KeyCode::F(1));
    assert!(matches!(
        s.app().unwrap().overlay,
        Some(Overlay::Help { .. })
    ));
    s.handle_event(&ctrl('l'));
    assert!(s.is_locked(), "Ctrl+L in the help did not lock");
    fill(&mut s, &[ADMIN_PW]);
    let app = s.app().unwrap();
    assert!(app.overlay.is_none());
    assert_eq!(app.screen, Screen::File);

    // Ctrl+L in a multi-line field (a note of the journal) and in the suivi form.
    typ(&mut s, "J");
    for (open, purpose) in [("a", Purpose::NewNote), ("S", Purpose::EditSuivi)] {
        if purpose == Purpose::EditSuivi {
            press(&mut s, KeyCode::Esc); // back from the journal to the file
        }
        typ(&mut s, open);
        assert_eq!(open_form_purpose(&s), Some(purpose), "{}", screen(&s));
        typ(&mut s, "brouillon");
        s.handle_event(&ctrl('l'));
        assert!(s.is_locked(), "{}", screen(&s));
        fill(&mut s, &[ADMIN_PW]);
        let app = s.app().unwrap();
        assert!(app.overlay.is_none());
        assert!(screen(&s).contains("formulaire"), "{}", screen(&s));
    }
}

#[test]
fn keys_are_ignored_while_the_window_is_too_small() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let (_db, mut s) = demo_base(dir.path(), &clock);
    let rows = s.app().unwrap().caseload.rows.len();
    press(&mut s, KeyCode::Enter);
    let person = s.app().unwrap().file.as_ref().unwrap().data.person.clone();
    typ(&mut s, "I");
    assert_eq!(open_form_purpose(&s), Some(Purpose::EditPerson));
    let typed_before = |s: &Shell| match &s.app().unwrap().overlay {
        Some(Overlay::Form(f)) => f.value("nom"),
        _ => panic!("the form is gone:\n{}", screen(s)),
    };
    let nom = typed_before(&s);

    // The window shrinks below the minimum: the screen says so, keys do nothing.
    assert!(s.handle_event(&Event::Resize(50, 10)));
    let small = screen_at(&s, 50, 10);
    assert!(small.contains("Fenêtre trop petite"), "{small}");
    typ(&mut s, "ABC");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::F(10));
    s.handle_event(&ctrl('s'));
    press(&mut s, KeyCode::Esc);
    s.handle_event(&Event::Paste("collé".into()));
    assert_eq!(
        typed_before(&s),
        nom,
        "typed into the form behind the message"
    );
    let app = s.app().unwrap();
    assert_eq!(app.screen, Screen::File);
    assert_eq!(
        app.file.as_ref().unwrap().data.person,
        person,
        "the file changed"
    );
    assert!(screen_at(&s, 50, 10).contains("Fenêtre trop petite"));

    // Back to a usable size: the form is there as it was, keys act again.
    assert!(s.handle_event(&Event::Resize(100, 30)));
    assert!(screen(&s).contains("Date de naissance"), "{}", screen(&s));
    typ(&mut s, "Z");
    assert_eq!(typed_before(&s), format!("{nom}Z"));

    // Too small again: Ctrl+L still locks (the form is dropped, as from a usable screen)...
    s.handle_event(&Event::Resize(40, 12));
    s.handle_event(&ctrl('l'));
    assert!(s.is_locked());
    // ... and on the lock screen, too small, the password typed is not taken either.
    typ(&mut s, ADMIN_PW);
    press(&mut s, KeyCode::Enter);
    assert!(s.is_locked());
    let l = s.login_screen().unwrap();
    assert!(l.form.field("password").unwrap().input.is_empty());
    s.handle_event(&Event::Resize(100, 30));
    fill(&mut s, &[ADMIN_PW]);
    let app = s.app().unwrap_or_else(|| panic!("{}", screen(&s)));
    assert!(app.overlay.is_none());
    assert_eq!(app.file.as_ref().unwrap().data.person.nom, person.nom);
    assert_eq!(app.caseload.rows.len(), rows);

    // Ctrl+C quits from a too small window (twice with a form open, as always).
    typ(&mut s, "I");
    s.handle_event(&Event::Resize(30, 8));
    s.handle_event(&ctrl('c'));
    assert!(!s.quit, "the first Ctrl+C with a form open only warns");
    s.handle_event(&ctrl('c'));
    assert!(s.quit);
}

#[test]
fn leaving_the_caseload_or_going_back_to_it_leaves_the_search_line() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let (_db, mut s) = demo_base(dir.path(), &clock);
    // (what is done from the search line, the keys; the screen reached before `n`)
    let cases: &[(&str, &[KeyCode])] = &[
        ("F3 (file active)", &[KeyCode::F(3)]),
        ("F2 then Échap", &[KeyCode::F(2), KeyCode::Esc]),
        ("F2 then F3", &[KeyCode::F(2), KeyCode::F(3)]),
        ("F4 (audit) then Échap", &[KeyCode::F(4), KeyCode::Esc]),
        (
            "Entrée (a file) then Échap",
            &[KeyCode::Enter, KeyCode::Esc],
        ),
        ("Entrée (a file) then F3", &[KeyCode::Enter, KeyCode::F(3)]),
    ];
    for (what, keys) in cases {
        typ(&mut s, "/a");
        {
            let c = &s.app().unwrap().caseload;
            assert!(c.searching, "{what}");
            assert_eq!(c.query.text(), "a", "{what}");
        }
        for k in *keys {
            press(&mut s, *k);
        }
        let app = s.app().unwrap();
        assert_eq!(app.screen, Screen::Caseload, "{what}");
        assert!(!app.caseload.searching, "{what}: still in the search line");
        // `n` is the caseload's key again: a new person, not an « n » in the search.
        typ(&mut s, "n");
        assert_eq!(
            open_form_purpose(&s),
            Some(Purpose::NewPerson),
            "{what}:\n{}",
            screen(&s)
        );
        assert_eq!(s.app().unwrap().caseload.query.text(), "a", "{what}");
        press(&mut s, KeyCode::Esc); // the form
        assert!(s.app().unwrap().overlay.is_none(), "{what}");
        // The search typed stays shown (and `/` goes back into it); Échap clears it.
        assert!(screen(&s).contains("Recherche : a"), "{what}");
        typ(&mut s, "/");
        assert!(s.app().unwrap().caseload.searching, "{what}");
        press(&mut s, KeyCode::Esc);
        assert_eq!(s.app().unwrap().caseload.query.text(), "", "{what}");
    }
}

/// The seconds of « … dans N s » on the screen (`None`: no wait shown).
fn wait_shown(text: &str) -> Option<i64> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let i = flat.find("Trop d'essais manqués")?;
    let rest = &flat[i..];
    let j = rest.find(" dans ")? + " dans ".len();
    let n: String = rest[j..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    n.parse().ok()
}

#[test]
fn login_wait_counts_down_keeps_what_is_typed_and_tries_it_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let (db, mut s) = demo_base(dir.path(), &clock);
    typ(&mut s, "q");
    s.shutdown();
    let wait = |clock: &Clock| {
        parcours::auth::Keyring::load(&db)
            .unwrap()
            .wait_secs(ADMIN, clock.now())
    };

    // Wrong passwords, each tried as soon as allowed, until the wait is several seconds.
    let mut s = shell(&db, &clock);
    let mut failures = 0;
    while wait(&clock) < 4 {
        let w = wait(&clock);
        clock.advance(Duration::seconds(w));
        s.tick();
        fill(&mut s, &["encore raté, encore"]);
        failures += 1;
        assert!(failures < 30, "no wait after {failures} failures");
    }
    let total = wait(&clock);
    // Shown at once, without trying too early, and counting down with the clock.
    assert_eq!(wait_shown(&screen(&s)), Some(total), "{}", screen(&s));
    assert!(s.counting_down());
    clock.advance(Duration::seconds(1));
    s.tick();
    assert_eq!(wait_shown(&screen(&s)), Some(total - 1), "{}", screen(&s));

    // A password typed now stays in the field; Entrée does not try it (no failure added,
    // nothing wiped) but queues it, and the screen says so.
    typ(&mut s, ADMIN_PW);
    press(&mut s, KeyCode::Enter);
    assert!(s.app().is_none());
    let l = s.login_screen().unwrap();
    assert_eq!(l.form.secret("password").as_str(), ADMIN_PW);
    assert!(!l.busy);
    assert_eq!(
        wait(&clock),
        total - 1,
        "an attempt was made during the wait"
    );
    let text = screen(&s);
    assert!(text.contains("votre saisie sera essayée dans"), "{text}");
    assert_eq!(wait_shown(&text), Some(total - 1), "{text}");

    // Échap drops the queued attempt (what is typed stays); Entrée queues it again.
    press(&mut s, KeyCode::Esc);
    assert!(
        screen(&s).contains("nouvel essai possible dans"),
        "{}",
        screen(&s)
    );
    assert_eq!(
        s.login_screen().unwrap().form.secret("password").as_str(),
        ADMIN_PW
    );
    press(&mut s, KeyCode::Enter);

    // A restart during the wait shows it from the start too.
    let other = shell(&db, &clock);
    assert_eq!(wait_shown(&screen(&other)), Some(total - 1));
    drop(other);

    // Just before the end nothing is tried; at the end the kept password is, and opens.
    clock.advance(Duration::seconds(total - 2));
    s.tick();
    s.run_pending();
    assert!(s.app().is_none());
    assert_eq!(wait_shown(&screen(&s)), Some(1));
    clock.advance(Duration::seconds(1));
    s.tick();
    assert!(s.pending(), "the queued attempt does not start");
    s.run_pending();
    let app = s.app().unwrap_or_else(|| panic!("{}", screen(&s)));
    assert_eq!(app.screen, Screen::Caseload);
    assert!(!s.counting_down());
}
