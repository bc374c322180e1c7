//! Folding and name order seen from the caseload (issue 10): names with stacked accents
//! are found by their plain letters, and the list is in French name order (the letters
//! decide; accents and case only between equal letters), on a real SQLite file.

mod support;
use support::app as common;

use common::*;
use parcours::app::keys::Keymap;
use parcours::app::{App, OpenFilter};
use parcours::clock::Clock;
use parcours::domain::Referential;
use parcours::store::Store;

/// (nom, prénom) as an advisor may type them, in no particular order.
const NAMES: &[(&str, &str)] = &[
    ("VIDAL", "Paul"),
    ("\u{1b}[2J\u{1b}[31mrouge", "Rose"),
    ("dupont", "jean"),
    ("ŒUVRAY", "Anne"),
    ("ŻÓŁĆ", "Jan"),
    ("HUET", "Yasmine"),
    ("HUET", "Émilie"),
    ("Nguyễn", "Thị Minh Khai"),
    ("NGUYEN", "Artur"),
    ("ÉTIENNE", "Luc"),
    ("BERNARD", "Zoé"),
];

/// The order they must be listed in (display names, control characters as the screen
/// removes them).
const EXPECTED: &[&str] = &[
    "[2J[31MROUGE Rose",
    "BERNARD Zoé",
    "DUPONT jean",
    "ÉTIENNE Luc",
    "HUET Émilie",
    "HUET Yasmine",
    "NGUYEN Artur",
    "NGUYỄN Thị Minh Khai",
    "ŒUVRAY Anne",
    "VIDAL Paul",
    "ŻÓŁĆ Jan",
];

/// A base holding one person per entry of [`NAMES`] (demo files renamed), and an app over
/// it listing everybody, open or not.
fn ctx() -> Ctx {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Clock::fixed(now());
    let mut store = Store::open(&dir.path().join("parcours.db"), clock.clone()).expect("store");
    let rf = Referential::embedded();
    let mut files = parcours::demo::generate(&rf, NAMES.len(), 3, now());
    for (f, (nom, prenom)) in files.iter_mut().zip(NAMES) {
        f.person.nom = nom.to_string();
        f.person.prenom = prenom.to_string();
        f.person.nom_usage.clear();
    }
    store.insert_files(&files).expect("insert");
    let mut app = App::new(&store, rf, Keymap::defaults(), clock, String::new()).expect("app");
    app.caseload.open = OpenFilter::Tous;
    app.refresh_visible();
    Ctx {
        dir,
        store,
        app,
        keys: 0,
        count: Default::default(),
    }
}

fn strip_controls(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

#[test]
fn caseload_is_in_french_name_order() {
    let c = ctx();
    let names: Vec<String> = c
        .app
        .caseload
        .visible
        .iter()
        .map(|&i| strip_controls(&c.app.caseload.rows[i].display_name()))
        .collect();
    assert_eq!(names, EXPECTED);
    // The store gives that order itself (the app keeps it for « tri par nom »).
    let stored: Vec<String> = c
        .store
        .caseload(&[])
        .unwrap()
        .iter()
        .map(|r| strip_controls(&r.display_name()))
        .collect();
    assert_eq!(stored, EXPECTED);

    // On screen, top to bottom in that order.
    let screen = c.render(120, 40);
    let rows: Vec<usize> = EXPECTED
        .iter()
        .map(|name| {
            screen
                .lines()
                .position(|l| l.contains(name))
                .unwrap_or_else(|| panic!("« {name} » not on screen:\n{screen}"))
        })
        .collect();
    assert!(rows.windows(2).all(|w| w[0] < w[1]), "{rows:?}\n{screen}");
    insta::assert_snapshot!("caseload_name_order_120x40", screen);
}

#[test]
fn search_folds_stacked_accents() {
    let mut c = ctx();
    c.press("/nguyen");
    let found: Vec<String> = c
        .app
        .caseload
        .visible
        .iter()
        .map(|&i| c.app.caseload.rows[i].display_name())
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.contains(&"NGUYỄN Thị Minh Khai".to_string()),
        "{found:?}"
    );
    assert!(found.contains(&"NGUYEN Artur".to_string()), "{found:?}");
    c.press("<BS><BS><BS><BS><BS><BS>zolc");
    let found: Vec<String> = c
        .app
        .caseload
        .visible
        .iter()
        .map(|&i| c.app.caseload.rows[i].display_name())
        .collect();
    assert_eq!(found, vec!["ŻÓŁĆ Jan".to_string()]);
    c.press("<Esc>/thi minh<Enter>");
    assert_eq!(
        c.file().data.person.display_name(),
        "NGUYỄN Thị Minh Khai",
        "Entrée opens the only match"
    );
}
