//! Keys rebound in a `touches.toml`: form keys, the search line's keys, text editing and
//! the keys named in hints. Each case checks the behaviour (keys typed into the app, the
//! store read back) and what the screen says (drawn on a `TestBackend`), so a hint can never
//! name a key that no longer does the thing.

mod support;
use support::app as common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use parcours::app::keys::Keymap;
use parcours::app::{Overlay, Screen};

/// An app over `n` demo persons with `touches` applied (must be accepted).
fn with_touches(n: usize, touches: &str) -> Ctx {
    let (keymap, warning) = Keymap::with_user_file(Some(touches));
    assert!(warning.is_none(), "touches.toml refused: {warning:?}");
    let mut c = if n == 0 {
        Ctx::empty()
    } else {
        Ctx::with_demo(n, 7)
    };
    c.app.keymap = keymap;
    c
}

fn bottom_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or("")
}

#[test]
fn rebound_form_keys_save_and_cancel_and_the_hints_follow() {
    let mut c = with_touches(0, "[form]\nsubmit = \"f9\"\ncancel = \"ctrl+q\"\n");
    c.press("nDurand<Enter>Léa");
    let screen = c.render(120, 40);
    assert!(
        screen.contains("Entrée : suivant · F9 : enregistrer · Ctrl+Q : annuler"),
        "{screen}"
    );
    assert!(
        bottom_line(&screen).contains(" F9 enregistrer  Ctrl+Q annuler"),
        "{screen}"
    );
    assert!(!screen.contains("F10"), "{screen}");

    // The old keys no longer save or cancel: the form stays open, nothing written.
    c.press("<F10><Esc><C-s>");
    assert!(matches!(c.app.overlay, Some(Overlay::Form(_))));
    assert_eq!(c.form().value("prenom"), "Léa");
    assert!(c.app.caseload.rows.is_empty());

    c.press("<F9>");
    assert_eq!(c.app.screen, Screen::File);
    let id = c.person_id();
    assert_eq!(c.stored(id).person.nom, "Durand");

    // Cancel with the new key.
    c.press("I");
    assert!(matches!(c.app.overlay, Some(Overlay::Form(_))));
    c.press("X<C-q>");
    assert!(c.app.overlay.is_none());
    assert_eq!(c.status(), "Saisie abandonnée : rien n'a été modifié");
    assert_eq!(c.stored(id).person.nom, "Durand");
}

#[test]
fn swapped_multiline_keys_move_on_with_enter_and_the_footer_says_so() {
    let mut c = with_touches(
        0,
        "[multiline]\nnewline = \"alt+enter\"\nnext_or_submit = \"enter\"\n",
    );
    c.press("nDurand<Enter>Léa<F10>");
    let id = c.person_id();
    c.press("c<Tab>ligne 1");
    c.app.handle_key(
        KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT),
        &mut c.store,
    );
    c.press("ligne 2");
    let screen = c.render(120, 40);
    assert!(
        screen.contains("Alt+Entrée : nouvelle ligne · Tab : champ suivant"),
        "{screen}"
    );
    assert!(
        bottom_line(&screen).starts_with(" Alt+Entrée nouvelle ligne  Tab champ suivant"),
        "{screen}"
    );
    // Entrée on the last field now saves instead of starting a line.
    c.press("<Enter>");
    assert!(c.app.overlay.is_none(), "{}", c.render(120, 40));
    let stored = c.stored(id);
    let d = stored.current_diagnostic().expect("diagnostic");
    assert!(
        d.themes.iter().any(|t| t.comment == "ligne 1\nligne 2"),
        "{:?}",
        d.themes
    );
}

#[test]
fn rebound_search_and_edit_keys_work_and_the_search_hint_names_them() {
    let mut c = with_touches(
        40,
        "[caseload]\nsearch = \"ctrl+f\"\n[search]\nclear_search = \"ctrl+g\"\n[edit]\nclear_text = \"ctrl+k\"\n",
    );
    let screen = c.render(120, 40);
    assert!(
        screen.contains(" Ctrl+F pour chercher : nom, n° de dossier"),
        "{screen}"
    );
    assert!(
        bottom_line(&screen).contains(" Ctrl+F chercher"),
        "{screen}"
    );

    let all = c.app.caseload.visible.len();
    // `/` no longer opens the search line.
    c.press("/");
    assert!(!c.app.caseload.searching);
    c.press("<C-f>zz");
    assert!(c.app.caseload.searching);
    assert_eq!(c.app.caseload.query.text(), "zz");
    let screen = c.render(120, 40);
    assert!(
        bottom_line(&screen).contains(" Ctrl+G effacer la recherche"),
        "{screen}"
    );
    // Ctrl+U is free now; Ctrl+K clears the query.
    c.press("<C-u>");
    assert_eq!(c.app.caseload.query.text(), "zz");
    c.press("<C-k>");
    assert_eq!(c.app.caseload.query.text(), "");
    assert_eq!(c.app.caseload.visible.len(), all);
    // Échap is typed nowhere and closes nothing; Ctrl+G closes the line.
    c.press("ab<Esc>");
    assert!(c.app.caseload.searching);
    c.press("<C-g>");
    assert!(!c.app.caseload.searching);
    assert_eq!(c.app.caseload.query.text(), "");
}

#[test]
fn pane_titles_and_empty_pane_hints_name_the_rebound_keys() {
    let mut c = with_touches(
        0,
        "[file]\nfocus_plan = \"ctrl+p\"\n[appointments]\nadd_appointment = \"ctrl+r\"\n",
    );
    c.press("nDurand<Enter>Léa<F10>");
    let screen = c.render(120, 40);
    assert!(screen.contains(" Ctrl+P "), "{screen}");
    assert!(
        screen.contains("Aucun RDV : Ctrl+R pour ajouter"),
        "{screen}"
    );
    c.press("<C-p>");
    assert_eq!(
        c.file().focus,
        parcours::app::Pane::Plan,
        "{}",
        c.render(120, 40)
    );
}

#[test]
fn a_refused_touches_file_says_why_and_keeps_the_defaults() {
    for (text, why) in [
        ("[form]\nsubmit = \"s\"\n", "s'écrit dans le texte"),
        ("[global]\nquit = \"ctrl+q\"\n", "n'est pas modifiable"),
        ("[caseload]\nsearch = \"n\"\n", "deux fois"),
        ("[formulaire]\nsubmit = \"f9\"\n", "section inconnue"),
    ] {
        let (map, warning) = Keymap::with_user_file(Some(text));
        let warning = warning.unwrap_or_else(|| panic!("{text} accepted"));
        assert!(warning.contains(why), "{text}: {warning}");
        let mut c = Ctx::empty();
        c.app.keymap = map;
        c.press("nDurand<Enter>Léa<F10>");
        assert_eq!(c.app.screen, Screen::File, "{text}: defaults not used");
    }
}

#[test]
fn the_login_screen_follows_rebound_form_keys() {
    use crossterm::event::Event;
    use parcours::app::shell::Shell;
    let dir = tempfile::tempdir().expect("temp dir");
    let (keymap, warning) = Keymap::with_user_file(Some("[form]\nnext_or_submit = \"f9\"\n"));
    assert!(warning.is_none());
    let mut shell = Shell::new(
        &dir.path().join("parcours.db"),
        parcours::clock::Clock::fixed(now()),
        parcours::domain::Referential::embedded(),
        keymap,
        parcours::config::Settings::default(),
    )
    .expect("login screen");
    let draw = |shell: &Shell| {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
        t.draw(|f| parcours::ui::draw_shell(f, shell)).unwrap();
        buffer_text(t.backend().buffer())
    };
    let screen = draw(&shell);
    assert!(
        screen.contains("F9 : champ suivant ; au dernier : créer le compte · Ctrl+C : quitter"),
        "{screen}"
    );
    assert!(
        bottom_line(&screen).starts_with(" F9  champ suivant ; au dernier : créer le compte"),
        "{screen}"
    );
    let key = |code| Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
    for c in "claire".chars() {
        shell.handle_event(&key(KeyCode::Char(c)));
    }
    shell.handle_event(&key(KeyCode::Enter));
    assert_eq!(shell.login_screen().expect("login").form.focus, 0);
    shell.handle_event(&key(KeyCode::F(9)));
    assert_eq!(shell.login_screen().expect("login").form.focus, 1);
}

/// « Note supprimée (u pour annuler) »: the key named must undo where the message is shown
/// (it did nothing in the journal, whose keys had no undo).
#[test]
fn undo_named_after_deleting_a_note_works_in_the_journal() {
    let mut c = Ctx::empty();
    c.press("nDurand<Enter>Léa<F10>");
    let id = c.person_id();
    c.press("Jabonjour<F10>");
    assert_eq!(c.stored(id).notes.len(), 1);
    c.press("x");
    assert_eq!(c.stored(id).notes.len(), 0);
    assert!(c.status().contains("u pour annuler"), "{}", c.status());
    c.press("u");
    assert_eq!(c.stored(id).notes.len(), 1, "{}", c.status());
    assert!(c.file().journal.is_some(), "still in the journal");
}
