//! Login, first account, idle lock and unlock, driven through the whole interactive session
//! ([`Shell`]) with key events, a fixed clock and real encrypted database files. No terminal:
//! screens are rendered with ratatui's test backend when what is shown matters.
//!
//! Argon2 makes each password check cost a fraction of a second (release build).

use chrono::{Duration, NaiveDateTime};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use parcours::app::keys::Keymap;
use parcours::app::login::LoginMode;
use parcours::app::shell::{Phase, Shell};
use parcours::app::{Pane, Screen};
use parcours::auth::{Account, Keyring, Role};
use parcours::clock::Clock;
use parcours::config::Settings;
use parcours::domain::Referential;
use parcours::session;
use parcours::store::audit::actions;
use parcours::store::Store;
use std::path::{Path, PathBuf};

const ADMIN: &str = "claire";
const ADMIN_NAME: &str = "Claire Fontaine";
const ADMIN_PW: &str = "correct horse battery staple";
const OTHER: &str = "yanis";
const OTHER_NAME: &str = "Yanis Benali";
const OTHER_PW: &str = "un autre mot de passe solide";

fn start_time() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-11-23 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap()
}

fn shell_with(db: &Path, clock: &Clock, settings: Settings) -> Shell {
    Shell::new(
        db,
        clock.clone(),
        Referential::embedded(),
        Keymap::defaults(),
        settings,
    )
    .expect("login screen")
}

fn shell(db: &Path, clock: &Clock) -> Shell {
    shell_with(db, clock, Settings::default())
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
        s.handle_event(&ev(KeyCode::Char(c)));
    }
}

/// Types the fields of the focused form, Enter after each (the last Enter submits).
fn fill(s: &mut Shell, values: &[&str]) {
    for v in values {
        typ(s, v);
        press(s, KeyCode::Enter);
    }
}

/// The screen as text (100×30), as a user would see it.
fn screen(s: &Shell) -> String {
    let backend = ratatui::backend::TestBackend::new(100, 30);
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

fn login_error(s: &Shell) -> String {
    s.login_screen()
        .and_then(|l| l.form.error.clone())
        .unwrap_or_default()
}

fn store(s: &mut Shell) -> &mut Store {
    s.running()
        .expect("logged in")
        .session
        .store
        .local_mut()
        .expect("a local file")
}

fn audit_count(store: &Store, actor: &str, action: &str) -> usize {
    store
        .audit_entries(Some(actor), Some(action), 1000)
        .unwrap()
        .len()
}

/// A new database with the admin account created from the first-account screen; the
/// session is left running.
fn new_base(dir: &Path, clock: &Clock) -> (PathBuf, Shell) {
    let db = dir.join("parcours.db");
    let mut s = shell(&db, clock);
    fill(&mut s, &[ADMIN, ADMIN_NAME, ADMIN_PW, ADMIN_PW]);
    assert!(s.app().is_some(), "{}", screen(&s));
    (db, s)
}

fn add_other_account(s: &mut Shell, db: &Path, clock: &Clock) {
    let r = s.running().unwrap();
    let mut ring = Keyring::load(db).unwrap();
    ring.add_account(
        &r.session.account,
        r.session.key.as_ref().expect("a file's key"),
        Account {
            login: OTHER.into(),
            display_name: OTHER_NAME.into(),
            role: Role::Conseiller,
        },
        OTHER_PW,
        clock.now(),
    )
    .unwrap();
}

#[test]
fn first_account_from_the_screen_leads_to_the_caseload() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let db = dir.path().join("parcours.db");
    let mut s = shell(&db, &clock);
    assert!(matches!(
        s.login_screen().unwrap().mode,
        LoginMode::FirstAccount { plain: false }
    ));
    let text = screen(&s);
    assert!(text.contains("Création du premier compte"), "{text}");
    assert!(text.contains("chiffrée"), "{text}");
    assert!(text.contains("oublié"), "{text}");

    // Too short: refused in place, in French; the password fields are emptied.
    fill(&mut s, &[ADMIN, ADMIN_NAME, "court", "court"]);
    let l = s.login_screen().expect("still on the form");
    let pw = l.form.field("password").unwrap();
    assert_eq!(
        pw.error.as_deref(),
        Some("Le mot de passe doit compter au moins 12 caractères.")
    );
    assert!(pw.input.is_empty());
    assert!(l.form.field("confirm").unwrap().input.is_empty());
    assert_eq!(l.form.focus, 2, "back on the password");
    assert!(!db.exists(), "nothing created yet");

    // Typed characters are drawn as dots, never as text.
    typ(&mut s, ADMIN_PW);
    let text = screen(&s);
    assert!(text.contains("••••••••"), "{text}");
    assert!(!text.contains("horse"), "{text}");
    press(&mut s, KeyCode::Enter);
    typ(&mut s, "correct horse battery stapler");
    press(&mut s, KeyCode::Enter);
    assert!(
        s.login_screen()
            .unwrap()
            .form
            .field("confirm")
            .unwrap()
            .error
            .as_deref()
            == Some("Les deux mots de passe ne sont pas identiques."),
        "{}",
        screen(&s)
    );

    // Both again: the account is created, the database encrypted, the caseload welcomes.
    fill(&mut s, &[ADMIN_PW, ADMIN_PW]);
    let app = s.app().unwrap_or_else(|| panic!("{}", screen(&s)));
    assert_eq!(app.me, ADMIN_NAME);
    assert_eq!(app.screen, Screen::Caseload);
    let text = screen(&s);
    assert!(text.contains("Bienvenue dans parcours"), "{text}");
    assert!(text.contains(ADMIN_NAME), "{text}");
    assert!(text.contains("créé"), "{text}");
    let st = store(&mut s);
    assert_eq!(st.actor(), ADMIN);
    assert_eq!(audit_count(st, ADMIN, actions::LOGIN), 1);
    let header = std::fs::read(&db).unwrap();
    assert_ne!(&header[..16], b"SQLite format 3\0", "the file is encrypted");

    // Quit: one logout entry; next start asks to log in, the only account filled in.
    typ(&mut s, "q");
    assert!(s.quit);
    s.shutdown();
    let mut s = shell(&db, &clock);
    let l = s.login_screen().unwrap();
    assert_eq!(l.mode, LoginMode::Login);
    assert_eq!(l.form.value("login"), ADMIN);
    assert_eq!(l.form.focus, 1);
    fill(&mut s, &[ADMIN_PW]);
    let st = store(&mut s);
    assert_eq!(audit_count(st, ADMIN, actions::LOGOUT), 1);
    assert_eq!(audit_count(st, ADMIN, actions::LOGIN), 2);
}

#[test]
fn first_account_encrypts_a_plain_database() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let db = dir.path().join("ancienne.db");
    {
        let mut plain = Store::open(&db, clock.clone()).unwrap();
        let rf = Referential::embedded();
        plain
            .insert_files(&parcours::demo::generate(&rf, 3, 1, clock.now()))
            .unwrap();
    }
    let mut s = shell(&db, &clock);
    assert!(matches!(
        s.login_screen().unwrap().mode,
        LoginMode::FirstAccount { plain: true }
    ));
    assert!(screen(&s).contains("pas encore chiffrée"));
    fill(&mut s, &[ADMIN, ADMIN_NAME, ADMIN_PW, ADMIN_PW]);
    let app = s.app().unwrap_or_else(|| panic!("{}", screen(&s)));
    assert_eq!(app.caseload.rows.len(), 3);
    assert_ne!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");
}

#[test]
fn wrong_password_is_refused_in_french_and_leaves_the_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let (db, mut s) = new_base(dir.path(), &clock);
    typ(&mut s, "D"); // demo caseload: something to protect
    typ(&mut s, "q");
    s.shutdown();
    drop(s);
    let files = |d: &Path| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.to_string_lossy().ends_with(".comptes"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = files(dir.path());

    let mut s = shell(&db, &clock);
    fill(&mut s, &["pas le bon mot de passe"]);
    assert_eq!(login_error(&s), "Identifiant ou mot de passe incorrect.");
    let l = s.login_screen().unwrap();
    assert!(l.form.field("password").unwrap().input.is_empty());
    assert_eq!(l.form.focus, 1);
    assert!(screen(&s).contains("Identifiant ou mot de passe incorrect."));
    // An unknown login gets the same answer.
    press(&mut s, KeyCode::BackTab);
    s.handle_event(&ctrl('u'));
    fill(&mut s, &["personne", "pas le bon mot de passe"]);
    assert_eq!(login_error(&s), "Identifiant ou mot de passe incorrect.");
    assert_eq!(files(dir.path()), before, "database files touched");

    // After five failures for a login, attempts wait (the screen says how long); the
    // password typed meanwhile is kept, not tried.
    press(&mut s, KeyCode::BackTab);
    s.handle_event(&ctrl('u'));
    fill(&mut s, &[ADMIN]);
    for _ in 0..4 {
        fill(&mut s, &["encore raté, encore"]);
    }
    fill(&mut s, &[ADMIN_PW]);
    assert!(
        screen(&s).contains("Trop d'essais manqués : votre saisie sera essayée dans 1 s"),
        "{}",
        screen(&s)
    );
    assert!(s.app().is_none());
    let l = s.login_screen().unwrap();
    assert_eq!(l.form.secret("password").as_str(), ADMIN_PW);
    assert_eq!(files(dir.path()), before, "database files touched");

    // Once the delay is over the password kept is tried and opens. The failures reach the
    // audit log: the five wrong passwords (the one typed during the wait was queued, not
    // tried). The unknown identifier is not kept as typed (it may be a password typed in the
    // wrong field).
    clock.advance(Duration::seconds(2));
    s.tick();
    s.run_pending();
    let st = store(&mut s);
    assert_eq!(audit_count(st, ADMIN, actions::LOGIN_FAILED), 5);
    assert_eq!(audit_count(st, "personne", actions::LOGIN_FAILED), 0);
    assert_eq!(
        audit_count(st, parcours::auth::UNKNOWN_LOGIN, actions::LOGIN_FAILED),
        1
    );
}

#[test]
fn idle_lock_clears_the_screen_and_unlocking_restores_the_view() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let (_db, mut s) = new_base(dir.path(), &clock);
    typ(&mut s, "D");
    // Filters and a person's file: sorted by last contact, fourth row, plan pane, 2nd row.
    typ(&mut s, "s");
    typ(&mut s, "jjj");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    typ(&mut s, "j");
    let (person, name, selected, caseload_sel, sort) = {
        let app = s.app().unwrap();
        let f = app.file.as_ref().expect("a file open");
        assert_eq!(f.focus, Pane::Plan);
        (
            f.data.person.id,
            f.data.person.display_name(),
            f.selected,
            app.caseload.selected,
            app.caseload.sort,
        )
    };
    assert!(screen(&s).contains(&name));
    assert_eq!(audit_count(store(&mut s), ADMIN, actions::OPEN_FILE), 1);

    // Just under the delay nothing happens; at the delay the session locks.
    clock.advance(Duration::seconds(4 * 60 + 59));
    s.tick();
    assert!(s.app().is_some(), "locked too early");
    clock.advance(Duration::seconds(1));
    s.tick();
    assert!(s.is_locked());
    assert!(
        s.app().is_none(),
        "the app (and everything shown) is dropped"
    );
    assert!(matches!(s.phase, Phase::Login(_)));
    let text = screen(&s);
    assert!(text.contains("Écran verrouillé"), "{text}");
    assert!(text.contains(ADMIN_NAME), "{text}");
    assert!(
        !text.contains(&name),
        "personal data on the lock screen:\n{text}"
    );
    assert!(!text.contains("File active"), "{text}");
    let l = s.login_screen().unwrap();
    assert_eq!(l.form.value("login"), ADMIN);
    assert_eq!(l.form.focus, 1);

    // The same password resumes: same file, same pane, same selections and filters.
    fill(&mut s, &[ADMIN_PW]);
    let app = s.app().unwrap_or_else(|| panic!("{}", screen(&s)));
    assert_eq!(app.screen, Screen::File);
    let f = app.file.as_ref().expect("file reopened");
    assert_eq!(f.data.person.id, person);
    assert_eq!(f.focus, Pane::Plan);
    assert_eq!(f.selected, selected);
    assert_eq!(app.caseload.selected, caseload_sel);
    assert_eq!(app.caseload.sort, sort);
    assert!(screen(&s).contains(&name));
    let st = store(&mut s);
    assert_eq!(audit_count(st, ADMIN, actions::LOCK), 1);
    assert_eq!(audit_count(st, ADMIN, actions::LOGIN), 2);
    // Showing the file again after the unlock is a new consultation.
    assert_eq!(audit_count(st, ADMIN, actions::OPEN_FILE), 2);

    // Keys keep the session open: the delay counts from the last key.
    clock.advance(Duration::minutes(4));
    typ(&mut s, "j");
    clock.advance(Duration::minutes(4));
    s.tick();
    assert!(s.app().is_some());

    // A form left open is not kept across the lock, and the user is told.
    typ(&mut s, "I");
    clock.advance(Duration::minutes(5));
    s.tick();
    assert!(s.is_locked());
    fill(&mut s, &[ADMIN_PW]);
    let app = s.app().unwrap();
    assert!(app.overlay.is_none());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|st| st.text.contains("formulaire")),
        "{:?}",
        app.status
    );
    assert_eq!(app.file.as_ref().unwrap().data.person.id, person);
    assert_eq!(audit_count(store(&mut s), ADMIN, actions::LOCK), 2);
}

#[test]
fn lock_key_caseload_search_and_configured_delay() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let (db, mut s) = new_base(dir.path(), &clock);
    typ(&mut s, "D");
    typ(&mut s, "q");
    s.shutdown();

    // One minute, from reglages.toml.
    let (settings, warning) = Settings::from_toml(Some("verrouillage_minutes = 1\n"));
    assert!(warning.is_none());
    let mut s = shell_with(&db, &clock, settings);
    fill(&mut s, &[ADMIN_PW]);
    // The lock key is in the key table, hence in the help.
    press(&mut s, KeyCode::F(1));
    assert!(screen(&s).contains("Ctrl+L"), "{}", screen(&s));
    assert!(screen(&s).contains("Verrouiller l'écran"), "{}", screen(&s));
    press(&mut s, KeyCode::Esc);
    // The caseload with a search typed and the "sortis" filter.
    typ(&mut s, "o/a");
    s.settle();
    let (query, open, shown) = {
        let c = &s.app().unwrap().caseload;
        (c.query.text(), c.open, c.visible.len())
    };
    assert!(shown > 0);

    // Ctrl+L locks at once, from the search line too.
    s.handle_event(&ctrl('l'));
    assert!(s.is_locked());
    fill(&mut s, &[ADMIN_PW]);
    s.settle();
    let app = s.app().unwrap();
    assert_eq!(app.screen, Screen::Caseload);
    assert_eq!(app.caseload.query.text(), query);
    assert!(app.caseload.searching);
    assert_eq!(app.caseload.open, open);
    assert_eq!(app.caseload.visible.len(), shown);

    clock.advance(Duration::seconds(59));
    s.tick();
    assert!(!s.is_locked());
    clock.advance(Duration::seconds(1));
    s.tick();
    assert!(s.is_locked());

    // A password typed on the lock screen and left there is wiped after the delay.
    typ(&mut s, "moitié d'un mot");
    clock.advance(Duration::minutes(1));
    s.tick();
    let l = s.login_screen().unwrap();
    assert!(l.form.field("password").unwrap().input.is_empty());

    // Two locks, two entries; quitting from the lock screen writes no logout.
    fill(&mut s, &[ADMIN_PW]);
    let st = store(&mut s);
    assert_eq!(audit_count(st, ADMIN, actions::LOCK), 2);
    assert_eq!(audit_count(st, ADMIN, actions::LOGOUT), 1);
}

#[test]
fn another_account_can_log_in_on_the_lock_screen_and_starts_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let (db, mut s) = new_base(dir.path(), &clock);
    add_other_account(&mut s, &db, &clock);
    typ(&mut s, "D");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.app().unwrap().screen, Screen::File);
    s.handle_event(&ctrl('l'));
    assert!(s.is_locked());

    // Another identifier on the lock screen.
    press(&mut s, KeyCode::BackTab);
    s.handle_event(&ctrl('u'));
    fill(&mut s, &[OTHER, OTHER_PW]);
    let app = s.app().unwrap_or_else(|| panic!("{}", screen(&s)));
    assert_eq!(app.me, OTHER_NAME);
    assert_eq!(app.screen, Screen::Caseload);
    assert!(
        app.file.is_none(),
        "the previous user's file is not reopened"
    );
    let st = store(&mut s);
    assert_eq!(st.actor(), OTHER);
    assert_eq!(audit_count(st, OTHER, actions::OPEN_FILE), 0);
    assert_eq!(audit_count(st, OTHER, actions::LOGIN), 1);
}

#[test]
fn two_accounts_open_the_same_database_and_a_removed_account_no_longer_can() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::fixed(start_time());
    let (db, mut admin) = new_base(dir.path(), &clock);
    add_other_account(&mut admin, &db, &clock);

    // Both at once, on the same file.
    let mut other = shell(&db, &clock);
    assert_eq!(other.login_screen().unwrap().form.value("login"), "");
    fill(&mut other, &[OTHER, OTHER_PW]);
    assert_eq!(other.app().unwrap().me, OTHER_NAME);
    assert_eq!(store(&mut other).actor(), OTHER);
    // What one writes, the other sees on its next tick.
    typ(&mut other, "D");
    assert_eq!(other.app().unwrap().caseload.rows.len(), 60);
    assert_eq!(admin.app().unwrap().caseload.rows.len(), 0);
    admin.tick();
    assert_eq!(admin.app().unwrap().caseload.rows.len(), 60);
    typ(&mut other, "q");
    other.shutdown();

    // The admin removes the account: its password no longer opens the database.
    {
        let r = admin.running().unwrap();
        let mut ring = Keyring::load(&db).unwrap();
        ring.remove_account(&r.session.account, OTHER).unwrap();
    }
    let mut other = shell(&db, &clock);
    fill(&mut other, &[OTHER, OTHER_PW]);
    assert!(other.app().is_none());
    assert_eq!(
        login_error(&other),
        "Identifiant ou mot de passe incorrect."
    );
    assert!(
        session::login(&db, clock.clone(), OTHER, OTHER_PW).is_err(),
        "removed account still opens the base"
    );
}

#[test]
fn failed_attempts_wait_in_the_accounts_file_until_a_login_writes_them() {
    // A login refused after the password (here: the base comes from a newer version) writes
    // nothing and forgets nothing: the failed attempt before it goes in the audit log at the
    // next login that opens the base.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let clock = Clock::fixed(start_time());
    let s = session::create_first_account(&db, clock.clone(), ADMIN, ADMIN_NAME, ADMIN_PW)
        .expect("first account");
    let key = s.key.duplicate();
    drop(s);
    assert!(session::login(&db, clock.clone(), ADMIN, "pas le bon mot de passe").is_err());
    assert_eq!(Keyring::load(&db).unwrap().failures().len(), 1);

    let set_version = |v: i64| {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("PRAGMA cipher_log_level = NONE;").unwrap();
        c.execute_batch(&format!(
            "PRAGMA key = \"{}\"; PRAGMA user_version = {v};",
            key.sqlcipher_literal().as_str()
        ))
        .unwrap();
    };
    set_version(parcours::store::schema::LATEST + 1);
    let bytes = std::fs::read(&db).unwrap();
    let err = session::login(&db, clock.clone(), ADMIN, ADMIN_PW)
        .err()
        .expect("refused");
    assert!(err.contains("version plus récente"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "base written");
    assert_eq!(
        Keyring::load(&db).unwrap().failures().len(),
        1,
        "the failed attempt was dropped"
    );

    set_version(parcours::store::schema::LATEST);
    let s = session::login(&db, clock.clone(), ADMIN, ADMIN_PW).expect("login");
    assert_eq!(audit_count(&s.store, ADMIN, actions::LOGIN_FAILED), 1);
    assert!(Keyring::load(&db).unwrap().failures().is_empty());
    drop(s);
    // Written once.
    let s = session::login(&db, clock, ADMIN, ADMIN_PW).expect("login");
    assert_eq!(audit_count(&s.store, ADMIN, actions::LOGIN_FAILED), 1);
}
