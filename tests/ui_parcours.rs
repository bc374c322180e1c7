//! The parcours list of a file (étapes de parcours, saisines, veille à 6 mois) and the today
//! view's « veille à 6 mois » reminder, driven by keys over a real SQLite file with a fixed
//! clock (Monday 23/11/2026 10h00); snapshots at 80x24 and 120x40.

mod support;
use support::app as common;

use chrono::NaiveDate;
use common::*;
use parcours::app::Screen;
use parcours::domain::*;

fn snap(name: &str, c: &Ctx) -> String {
    let small = c.render(80, 24);
    let large = c.render(120, 40);
    insta::assert_snapshot!(format!("{name}_80x24"), small);
    insta::assert_snapshot!(format!("{name}_120x40"), large);
    small
}

fn on_screen(c: &Ctx, needle: &str) {
    for (w, h) in [(80, 24), (120, 40)] {
        let s = c.render(w, h);
        assert!(s.contains(needle), "« {needle} » missing at {w}x{h}:\n{s}");
    }
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A demo person with a current suivi (Claire's caseload).
fn david() -> Ctx {
    let mut c = Ctx::with_demo(40, 7);
    c.press("/david jer<Enter>");
    assert_eq!(c.app.screen, Screen::File);
    c
}

#[test]
fn an_etape_is_entered_from_the_file_listed_and_undone() {
    let mut c = david();
    let pid = c.person_id();
    c.press("P");
    snap("parcours_empty", &c);
    on_screen(&c, "Rien d'enregistré");

    c.press("a");
    snap("form_etape", &c);
    on_screen(&c, "Nouvelle étape de parcours");
    // CDDI (second type), from 02/11/2026 to 31/05/2027, at a régie de quartier.
    c.press("<Right><Tab>02/11/2026<Tab>31/05/2027<Tab>Régie de quartier<C-s>");
    assert!(c.app.overlay.is_none(), "saved: {}", c.status());
    let stored = c.stored(pid).etapes;
    assert_eq!(stored.len(), 1);
    let e = &stored[0];
    assert_eq!(
        (e.kind.as_str(), e.debut, e.fin, e.organisme.as_str()),
        (
            "cddi",
            day(2026, 11, 2),
            day(2027, 5, 31),
            "Régie de quartier"
        )
    );
    snap("parcours_rows", &c);
    on_screen(
        &c,
        "02/11/2026 → 31/05/2027 · Étape · CDDI · Régie de quartier",
    );

    // Undo from the list takes it away again.
    c.press("u");
    assert!(c.stored(pid).etapes.is_empty());
}

#[test]
fn a_bad_etape_is_refused_in_french_and_nothing_is_written() {
    let mut c = david();
    let before = c.counts();
    c.press("Pa<Tab>02/11/2026<Tab>01/11/2026<C-s>");
    assert!(c.app.overlay.is_some(), "the form stays open");
    on_screen(&c, "La date de fin précède la date de début");
    assert_eq!(c.counts(), before);
    // The missing start date is asked for too.
    c.press("<Esc>Pa<C-s>");
    assert!(c.app.overlay.is_some());
    assert_eq!(c.counts(), before);
}

#[test]
fn a_saisine_goes_on_the_current_suivi() {
    let mut c = david();
    let pid = c.person_id();
    let suivi = c.file().data.current_suivi().unwrap().id;
    c.press("Ps20/11/2026<Tab><Right><Tab>Trois courriers sans réponse<C-s>");
    assert!(c.app.overlay.is_none(), "saved: {}", c.status());
    let s = &c.stored(pid).saisines[0];
    assert_eq!(
        (s.suivi_id, s.date, s.motif.as_str()),
        (suivi, day(2026, 11, 20), "injoignable")
    );
    on_screen(&c, "20/11/2026 · Saisine · Personne injoignable");
    // In the future: refused.
    c.press("s24/11/2026<C-s>");
    assert!(c.app.overlay.is_some());
    on_screen(&c, "hors limites");
}

#[test]
fn a_veille_needs_an_exit() {
    let mut c = david();
    c.press("Pv");
    assert!(c.app.overlay.is_none());
    assert!(
        c.status().contains("Aucune sortie enregistrée"),
        "{}",
        c.status()
    );
}

#[test]
fn the_today_view_reminds_the_veille_until_it_is_recorded() {
    let mut c = Ctx::empty();
    let file = PersonFile {
        person: Person::new("Lefèvre", "Nadia"),
        suivis: vec![Suivi {
            dispositif: "rsa".into(),
            referent: ME.into(),
            contrat: "aucun".into(),
            date_orientation: day(2025, 9, 1),
            date_entree: day(2025, 9, 15),
            sortie_date: day(2026, 5, 20),
            sortie_categorie: Some("au_chomage".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    c.store.insert_files(&[file]).unwrap();
    c.press("<F2>");
    snap("today_veille", &c);
    on_screen(&c, "Veille à 6 mois à faire (1)");
    on_screen(&c, "LEFÈVRE Nadia");

    // From the reminder to the file, then the veille: the reminder goes.
    c.press("<Enter>");
    assert_eq!(c.app.screen, Screen::File);
    // Before the exit: refused.
    c.press("Pv01/05/2026<C-s>");
    on_screen(&c, "La veille suit la sortie");
    c.press("<Esc>v23/11/2026<Tab><Right><Right><C-s>");
    assert!(c.app.overlay.is_none(), "saved: {}", c.status());
    let v = &c.stored(c.person_id()).veilles[0];
    assert_eq!(
        (v.date, v.situation.as_str()),
        (day(2026, 11, 23), "formation")
    );
    c.press("<Esc><Esc><F2>");
    let s = c.render(120, 40);
    assert!(!s.contains("Veille à 6 mois"), "{s}");
}

#[test]
fn the_records_go_with_their_suivi_and_with_the_erased_person() {
    let mut c = david();
    let pid = c.person_id();
    c.press("Pa<Tab>02/11/2026<C-s>");
    c.press("s20/11/2026<C-s>");
    let stored = c.stored(pid);
    assert_eq!((stored.etapes.len(), stored.saisines.len()), (1, 1));
    let count = |c: &Ctx, t: &str| {
        c.counts()
            .into_iter()
            .find(|(n, _)| n == t)
            .map(|(_, n)| n)
            .unwrap()
    };
    // Deleting the suivi takes its saisine; the étape stays with the person.
    let sid = stored.saisines[0].suivi_id;
    c.store
        .apply(&Change::Delete(RecordKind::Suivi, sid))
        .unwrap();
    assert_eq!(count(&c, "saisines"), 0);
    assert_eq!(count(&c, "etapes"), 1);
    // Erasure removes everything of the person.
    c.store.erase_person(pid).unwrap();
    assert_eq!(count(&c, "etapes"), 0);
    assert_eq!(c.store.integrity_problems().unwrap(), Vec::<String>::new());
}
