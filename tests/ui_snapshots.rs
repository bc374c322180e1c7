//! Every screen and overlay as text snapshots of a `TestBackend`, at 80x24 and 120x40,
//! over a real SQLite file with a fixed clock (Monday 23/11/2026 10h00) so dates are stable.
//!
//! Each test also asserts the few things the screen must show whatever the layout, so a
//! snapshot accepted by mistake cannot hide a lost message.
//!
//! Review changed snapshots with `cargo insta review` (or `INSTA_UPDATE=always` then
//! `git diff tests/snapshots`).

mod support;
use support::app as common;

use common::*;
use parcours::app::{Overlay, Pane, Screen};

/// Snapshots the screen at both sizes; returns the 80x24 text for extra assertions.
fn snap(name: &str, c: &Ctx) -> String {
    let small = c.render(80, 24);
    let large = c.render(120, 40);
    insta::assert_snapshot!(format!("{name}_80x24"), small);
    insta::assert_snapshot!(format!("{name}_120x40"), large);
    small
}

/// Asserts `needle` is on screen at both sizes.
fn on_screen(c: &Ctx, needle: &str) {
    for (w, h) in [(80, 24), (120, 40)] {
        let s = c.render(w, h);
        assert!(s.contains(needle), "« {needle} » missing at {w}x{h}:\n{s}");
    }
}

/// Asserts `needle` is on the 120x40 screen (too long for 80 columns).
fn on_wide_screen(c: &Ctx, needle: &str) {
    let s = c.render(120, 40);
    assert!(s.contains(needle), "« {needle} » missing at 120x40:\n{s}");
}

/// 40 demo persons (seed 7): 7 of them followed by Claire Fontaine.
fn demo() -> Ctx {
    Ctx::with_demo(40, 7)
}

/// Opens a person's file through the search line, as an advisor would.
fn open(c: &mut Ctx, query: &str, expect: &str) {
    c.press(&format!("/{query}<Enter>"));
    assert_eq!(
        c.app.screen,
        Screen::File,
        "search {query:?} did not open a file"
    );
    assert_eq!(c.file().data.person.display_name(), expect);
}

/// A demo person with notes, upcoming and past appointments (Claire's caseload).
fn david() -> Ctx {
    let mut c = demo();
    open(&mut c, "david jer", "DAVID Jérémy");
    c
}

// ----- caseload -----

#[test]
fn welcome_on_empty_database() {
    let c = Ctx::empty();
    snap("welcome_empty", &c);
    on_screen(&c, "Bienvenue dans parcours");
    on_screen(&c, "créer une personne");
    // French quotes stay with their word when the line wraps (non-breaking spaces).
    on_screen(&c, "«\u{a0}Enregistrer\u{a0}».");
}

#[test]
fn caseload_with_demo() {
    let c = demo();
    snap("caseload_demo", &c);
    // Claire's caseload by default, her 7 persons.
    on_wide_screen(&c, "file de Claire Fontaine");
    on_screen(&c, "ma file");
    on_screen(&c, "BERNARD Khadija");
    on_screen(&c, "VINCENT Mamadou");
}

#[test]
fn caseload_all_persons() {
    let mut c = demo();
    c.press("m");
    snap("caseload_all", &c);
    on_wide_screen(&c, "toutes les personnes");
    on_screen(&c, "BLANC Grégory");
    assert!(c.app.caseload.visible.len() > 7);
}

#[test]
fn caseload_search_typed() {
    let mut c = demo();
    c.press("m/mar");
    snap("caseload_search", &c);
    on_screen(&c, "Recherche : mar");
    on_screen(&c, "MARTIN Émilie");
    assert!(c.app.caseload.searching);
}

#[test]
fn caseload_search_without_result() {
    let mut c = demo();
    c.press("/zzqxw");
    snap("caseload_search_none", &c);
    on_screen(&c, "Aucune personne ne correspond à « zzqxw »");
    assert!(c.app.caseload.visible.is_empty());
}

#[test]
fn caseload_filters_changed() {
    let mut c = demo();
    // All persons, first dispositif (RSA), sorted by last contact.
    c.press("mds");
    snap("caseload_filters", &c);
    on_wide_screen(&c, "toutes les personnes · RSA – référent unique");
    on_screen(&c, "RSA");
    on_wide_screen(&c, "tri : dernier contact");
}

#[test]
fn caseload_filters_leaving_nobody() {
    let mut c = demo();
    // Claire's caseload, persons who left: none in this demo.
    c.press("o");
    assert!(c.app.caseload.visible.is_empty());
    snap("caseload_filters_empty", &c);
    on_screen(&c, "Aucune personne dans votre file active");
}

#[test]
fn today_view() {
    let mut c = demo();
    c.press("<F2>");
    assert_eq!(c.app.screen, Screen::Today);
    snap("today", &c);
    on_screen(&c, "Statuts de rendez-vous à préciser");
    on_screen(&c, "Actions en retard");
}

// ----- a person's file -----

#[test]
fn file_all_four_panes() {
    let c = david();
    snap("file", &c);
    for pane in ["Diagnostic", "Obstacles", "Plan", "Rendez-vous"] {
        on_screen(&c, pane);
    }
    // Narrow panes shorten the plan's title to keep "N en retard" visible.
    on_wide_screen(&c, "Plan d'action");
    on_screen(&c, "DAVID Jérémy");
}

#[test]
fn file_barrier_checklist_full() {
    let mut c = david();
    c.press("<F6>f");
    assert!(!c.file().checked_only);
    snap("file_barriers_full", &c);
    on_screen(&c, "[ ] Permis B");
}

#[test]
fn file_appointments_focused() {
    let mut c = david();
    c.press("<F8><Down>");
    assert_eq!(c.file().focus, Pane::Appointments);
    snap("file_appointments", &c);
    on_screen(&c, "h honoré");
}

#[test]
fn new_file_is_empty_everywhere() {
    let mut c = Ctx::empty();
    c.press("nDurand<Enter>Léa<F10>");
    assert_eq!(c.app.screen, Screen::File);
    snap("file_new_person", &c);
    on_screen(&c, "DURAND Léa");
    on_screen(&c, "Aucun RDV : a pour ajouter");
    on_screen(&c, "Vide : o objectif · a action");
    on_screen(&c, "DURAND Léa créé·e — enregistré");
}

#[test]
fn journal_with_notes() {
    let mut c = david();
    c.press("J");
    assert_eq!(c.file().data.notes.len(), 2);
    snap("journal_notes", &c);
    on_screen(&c, "Journal — notes de suivi");
    on_screen(&c, "droit d'accès");
}

#[test]
fn journal_empty() {
    let mut c = demo();
    open(&mut c, "bernard", "BERNARD Khadija");
    c.press("J");
    snap("journal_empty", &c);
    on_screen(&c, "Aucune note : a pour en écrire une");
}

#[test]
fn help_on_caseload() {
    let mut c = demo();
    c.press("<F1>");
    assert!(matches!(c.app.overlay, Some(Overlay::Help { .. })));
    snap("help_caseload", &c);
    on_screen(&c, "Aide — toutes les touches");
    on_screen(&c, "Créer une personne");
}

#[test]
fn help_in_a_file() {
    let mut c = david();
    c.press("<F1>");
    snap("help_file", &c);
    on_screen(&c, "Niveau : point d'appui");
}

// ----- forms -----

#[test]
fn form_new_person() {
    let mut c = demo();
    c.press("nDurand<Enter>Léa<Enter>");
    snap("form_new_person", &c);
    on_screen(&c, "Nouvelle personne");
    on_screen(&c, "Durand");
    assert_eq!(c.form().focus, 2);
}

#[test]
fn form_action_with_completion() {
    let mut c = david();
    c.press("<F7>apermis");
    snap("form_action_completion", &c);
    on_screen(&c, "Nouvelle action");
    on_screen(&c, "Bourse au permis");
}

#[test]
fn form_appointment() {
    let mut c = david();
    c.press("<F8>ademain 9h");
    snap("form_appointment", &c);
    on_screen(&c, "Nouveau rendez-vous");
    on_screen(&c, "demain 9h");
}

#[test]
fn form_report() {
    let mut c = david();
    // The first past appointment (upcoming ones come first).
    let upcoming = c
        .file()
        .data
        .appointments
        .iter()
        .filter(|a| a.start.is_some_and(|s| s >= now()))
        .count();
    c.press("<F8>");
    c.press(&"<Down>".repeat(upcoming));
    c.press("<Enter>");
    snap("form_report", &c);
    on_screen(&c, "Compte rendu —");
    on_screen(&c, "Thèmes de démarche");
}

#[test]
fn form_note() {
    let mut c = david();
    c.press("JaA appelé pour son dossier CAF.<Enter>Rappel prévu lundi.");
    snap("form_note", &c);
    on_screen(&c, "Nouvelle note");
    on_screen(&c, "droit d'accès");
}

#[test]
fn form_professional() {
    let mut c = david();
    c.press("p");
    snap("form_professional", &c);
    on_screen(&c, "Volet professionnel");
    on_screen(&c, "Niveau de formation");
}

#[test]
fn form_suivi() {
    let mut c = david();
    c.press("S");
    snap("form_suivi", &c);
    on_screen(&c, "Suivi");
    on_screen(&c, "Dispositif");
}

#[test]
fn form_theme_comment() {
    let mut c = david();
    c.press("<Down>c");
    snap("form_theme_comment", &c);
    on_screen(&c, "Diagnostic — Logement / hébergement");
}

#[test]
fn form_keeps_typed_fields_on_date_error() {
    let mut c = demo();
    c.press("nDurand<Enter>Léa<Enter>31/02/2027<Tab><Tab>06 12 34 56 78<F10>");
    snap("form_date_error", &c);
    // The message wraps under the field; its start is on one line at both sizes.
    on_screen(&c, "⚠ Le 31/02/2027 n'existe pas (février n'a que 28");
    assert_eq!(
        c.form()
            .field("birth")
            .and_then(|f| f.error.clone())
            .as_deref(),
        Some("Le 31/02/2027 n'existe pas (février n'a que 28 jours en 2027)")
    );
    let f = c.form();
    assert_eq!(f.value("nom"), "Durand");
    assert_eq!(f.value("prenom"), "Léa");
    assert_eq!(f.value("birth"), "31/02/2027");
    assert_eq!(f.value("phone"), "06 12 34 56 78");
    assert_eq!(
        f.fields[f.focus].key, "birth",
        "focus goes to the bad field"
    );
}

// ----- status line, tiny windows -----

#[test]
fn error_on_honouring_a_future_appointment() {
    let mut c = david();
    c.press("<F8>h");
    snap("status_error", &c);
    on_screen(&c, "Ce rendez-vous n'a pas encore eu lieu");
    assert!(c.status().starts_with("ERREUR: "));
}

#[test]
fn window_too_small() {
    let c = demo();
    let s = c.render(50, 10);
    insta::assert_snapshot!("too_small_50x10", s);
    assert!(s.contains("Fenêtre trop petite (50×10)"), "{s}");
    let s = c.render(10, 3);
    insta::assert_snapshot!("too_small_10x3", s);
    assert!(s.contains("Fenêtre"), "{s}");
}
