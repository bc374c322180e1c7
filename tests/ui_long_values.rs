//! Very long values in the file header (issue 10): a 300-character name, commune or
//! référent is cut with « … », and the n° de dossier and the age stay on screen.

mod support;
use support::app as common;

use common::*;
use parcours::app::keys::Keymap;
use parcours::app::{App, Screen};
use parcours::clock::Clock;
use parcours::domain::Referential;
use parcours::store::Store;

/// A base with one demo person whose fields are replaced by `edit`, the app showing her
/// file.
fn file_of(edit: impl Fn(&mut parcours::domain::PersonFile)) -> Ctx {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Clock::fixed(now());
    let mut store = Store::open(&dir.path().join("parcours.db"), clock.clone()).expect("store");
    let rf = Referential::embedded();
    let mut files = parcours::demo::generate(&rf, 1, 5, now());
    edit(&mut files[0]);
    let ids = store.insert_files(&files).expect("insert");
    let mut app = App::new(&store, rf, Keymap::defaults(), clock, String::new()).expect("app");
    app.open_person(ids[0], &store);
    assert_eq!(app.screen, Screen::File);
    Ctx {
        dir,
        store,
        app,
        keys: 0,
        count: Default::default(),
    }
}

fn header(c: &Ctx, w: u16, h: u16) -> Vec<String> {
    let screen = c.render(w, h);
    screen.lines().skip(1).take(2).map(str::to_string).collect()
}

fn long(word: &str, chars: usize) -> String {
    word.chars().cycle().take(chars).collect()
}

#[test]
fn long_name_keeps_dossier_and_age_in_the_header() {
    let c = file_of(|f| {
        f.person.nom = long("Longuenom", 300);
        f.person.prenom = long("Prénom-Très-Long ", 120);
        f.person.commune = long("Saint-Rémy-de-Provence ", 200);
    });
    let p = &c.file().data.person;
    let dossier = format!("n° {}", p.dossier);
    let age = format!(
        "{} ans",
        parcours::dates::age_on(p.birth_date.expect("demo birth date"), today())
    );
    for (w, h) in [(80, 24), (120, 40), (60, 16)] {
        let lines = header(&c, w, h);
        let l1 = &lines[0];
        assert!(l1.contains(&dossier), "{w}x{h}: {dossier} missing: {l1:?}");
        assert!(l1.contains(&age), "{w}x{h}: {age} missing: {l1:?}");
        assert!(
            l1.contains("LONGUENOMLONGUENOM"),
            "{w}x{h}: name missing: {l1:?}"
        );
        assert!(
            l1.contains('…'),
            "{w}x{h}: the name is not marked as cut: {l1:?}"
        );
        // The cut name comes first, then the n° and the age, all within the width.
        assert!(l1.find('…') < l1.find(&dossier), "{l1:?}");
        assert!(
            unicode_width::UnicodeWidthStr::width(l1.trim_end()) <= w as usize,
            "{l1:?}"
        );
    }
}

#[test]
fn long_commune_and_referent_are_cut() {
    let c = file_of(|f| {
        f.person.commune = long("Villefranche-sur-Saône ", 300);
        for s in &mut f.suivis {
            s.referent = long("Marie-Christine ", 300);
        }
    });
    let p = &c.file().data.person;
    let dossier = format!("n° {}", p.dossier);
    let lines = header(&c, 120, 40);
    let (l1, l2) = (&lines[0], &lines[1]);
    assert!(l1.contains(&dossier), "{l1:?}");
    assert!(l1.contains("Villefranche-sur-Saône"), "{l1:?}");
    assert!(l1.trim_end().ends_with('…'), "{l1:?}");
    // The référent is cut to a part of the line; what follows it still shows at 120.
    assert!(l2.contains("réf. Marie-Christine"), "{l2:?}");
    let after = &l2[l2.find('…').expect("référent cut") + '…'.len_utf8()..];
    assert!(after.contains(" · "), "nothing after the référent: {l2:?}");
    // The short name is whole.
    assert!(l1.contains(&p.display_name()), "{l1:?}");
}

#[test]
fn short_values_are_unchanged() {
    let c = file_of(|_| {});
    let p = &c.file().data.person;
    let l1 = &header(&c, 120, 40)[0];
    assert!(
        l1.starts_with(&format!(" {} · n° {}", p.display_name(), p.dossier)),
        "{l1:?}"
    );
    assert!(!l1.contains('…'), "{l1:?}");
}
