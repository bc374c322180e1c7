//! The import screen as text snapshots (80x24 and 120x40): the path with its completions,
//! the preview of the ODS fixture, the result; driven through the app with the key table.
//! Paths are relative to the package (the tests' working directory), so the screens are
//! the same on every machine.

mod support;
use support::app as common;

use common::*;
use parcours::app::Screen;

fn snap(name: &str, c: &Ctx) -> String {
    let small = c.render(80, 24);
    let large = c.render(120, 40);
    insta::assert_snapshot!(format!("{name}_80x24"), small);
    insta::assert_snapshot!(format!("{name}_120x40"), large);
    small
}

#[test]
fn import_screen_completion_preview_and_result() {
    let mut c = Ctx::with_demo(3, 1);
    c.press("i");
    assert_eq!(c.app.screen, Screen::Import);
    // Two folders start with nothing typed after « fixtures/ »: both listed.
    c.press("tests/fixtures/<Tab>");
    let s = snap("import_path_completions", &c);
    assert!(s.contains("import/") && s.contains("comptes-v1/"), "{s}");
    // « i » then Tab: one folder, completed; then the only file in it.
    c.press("i<Tab>o<Tab>");
    assert_eq!(
        c.app.import.path.text(),
        "tests/fixtures/import/orientations.ods"
    );
    c.press("<Enter>");
    snap("import_preview", &c);
    let s = c.render(120, 40);
    assert!(
        s.contains(
            "2 lignes : 2 nouvelles personnes, 0 déjà connue (mise à jour), 0 conflit, 0 rejetée"
        ),
        "{s}"
    );
    let before = c.store.person_ids().unwrap().len();
    // Échap goes back to the path and writes nothing.
    c.press("<Esc>");
    assert!(c.app.import.plan.is_none());
    assert_eq!(c.store.person_ids().unwrap().len(), before);
    c.press("<Enter><Enter>");
    snap("import_done", &c);
    let s = c.render(120, 40);
    assert!(s.contains("Import terminé : 2 personnes créées"), "{s}");
    assert_eq!(c.store.person_ids().unwrap().len(), before + 2);
    c.press("<Enter>");
    assert_eq!(c.app.screen, Screen::Caseload);
    // No référent·e in the list nor the profile: « toutes les personnes » shows them.
    if c.app.caseload.mine {
        c.press("m");
    }
    let s = c.render(120, 40);
    assert!(s.contains("LEFÈVRE Anaïs"), "{s}");
}

#[test]
fn an_unreadable_file_is_refused_on_the_screen() {
    let mut c = Ctx::with_demo(3, 1);
    let before = c.counts();
    c.press("i");
    c.press("tests/fixtures/import/README.md<Enter>");
    let s = c.render(120, 40);
    assert!(s.contains("colonnes introuvables : nom, prénom"), "{s}");
    let e = c.app.import.error.clone().unwrap_or_default();
    assert!(e.ends_with("; rien n'a été importé"), "{e}");
    assert!(c.app.import.plan.is_none());
    assert_eq!(c.counts(), before);
    c.press("<Esc>");
    assert_eq!(c.app.screen, Screen::Caseload);
}
