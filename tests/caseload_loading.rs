//! The caseload drawn from its first screenful (issue 14): `Store::caseload_first` gives a
//! prefix of the whole list (odd names included), the « ma file active » default is the same
//! as with the whole list, a search typed before the index is ready waits for it and then
//! gives the right answer, the list completes and then looks as if it had been loaded at once;
//! and the same through the real binary in a pseudo-terminal.

mod support;

use parcours::app::keys::Keymap;
use parcours::app::App;
use parcours::clock::Clock;
use parcours::domain::{CaseloadRow, Id, Referential};
use parcours::store::{Store, CASELOAD_SMALL};
use support::app::{now, press, render, status_text, ME};

/// Names whose order the folded sort decides (accents, case, spaces, digits, ligatures),
/// most of them before B so that they fall in the first screenful.
const ODD_NOMS: &[&str] = &[
    "Ångström",
    " aaron",
    "1er",
    "äbel",
    "ABADIE",
    "abadie",
    "Abadie ",
    "Œuvray",
    "Ébert",
    "-Martin",
    "[crochet]",
    "{accolade}",
    "ß",
    "Ярослав",
    "aa",
    "AA",
    "Aé",
    "Ae",
    "zoé",
];

fn statuses(rf: &Referential) -> Vec<String> {
    rf.action_statuses
        .iter()
        .filter(|s| s.open)
        .map(|s| s.code.clone())
        .collect()
}

/// A plain base of `n` demo people, some renamed with [`ODD_NOMS`].
fn base(n: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("parcours.db"), Clock::fixed(now())).unwrap();
    let rf = Referential::embedded();
    let files = parcours::demo::files(&rf, 3, now())
        .take(n)
        .enumerate()
        .map(|(i, mut f)| {
            if let Some(nom) = ODD_NOMS.get(i) {
                f.person.nom = nom.to_string();
            }
            f
        });
    assert_eq!(store.insert_files_each(files, |_| {}).unwrap(), n);
    (dir, store)
}

fn ids(rows: &[CaseloadRow]) -> Vec<Id> {
    rows.iter().map(|r| r.person_id).collect()
}

fn visible_ids(app: &App) -> Vec<Id> {
    app.caseload
        .visible
        .iter()
        .map(|i| app.caseload.rows[*i].person_id)
        .collect()
}

fn apps(store: &Store, me: &str, screen_rows: usize) -> (App, App) {
    let rf = Referential::embedded();
    let clock = Clock::fixed(now());
    let whole = App::new(
        store,
        rf.clone(),
        Keymap::defaults(),
        clock.clone(),
        me.into(),
    )
    .unwrap();
    let first =
        App::new_progressive(store, rf, Keymap::defaults(), clock, me.into(), screen_rows).unwrap();
    (whole, first)
}

#[test]
fn first_screenful_is_a_prefix_of_the_whole_list() {
    let n = CASELOAD_SMALL + 300;
    let (_dir, store) = base(n);
    let rf = Referential::embedded();
    let st = statuses(&rf);
    let whole = store.caseload(&st).unwrap();
    assert_eq!(whole.len(), n);
    for want in [1, 10, 50, 300] {
        for keep in [0, 1, 2] {
            let start = store
                .caseload_first(&st, want, 400, &mut |r| match keep {
                    0 => true,
                    1 => r.person_id % 3 == 0,
                    _ => false,
                })
                .unwrap();
            let got = ids(&start.rows);
            assert_eq!(got, ids(&whole[..got.len()]), "want {want}, filter {keep}");
            assert_eq!(start.rows, whole[..got.len()].to_vec());
            assert!(!start.complete, "{n} people are not read for a screenful");
            match keep {
                0 => assert!(got.len() >= want && got.len() <= 400, "{}", got.len()),
                _ => assert!(got.len() <= 400),
            }
        }
    }
    // The odd names of the first screenful are where the whole list puts them.
    let start = store.caseload_first(&st, 100, 400, &mut |_| true).unwrap();
    let noms: Vec<&str> = start.rows.iter().map(|r| r.nom.as_str()).collect();
    for odd in ["1er", " aaron", "Ångström", "äbel", "ABADIE", "Aé"] {
        assert!(
            noms.contains(&odd),
            "{odd} not in the first screenful: {noms:?}"
        );
    }
}

#[test]
fn a_small_base_is_read_whole_at_once() {
    let (_dir, store) = base(40);
    let st = statuses(&Referential::embedded());
    let start = store.caseload_first(&st, 5, 10, &mut |_| true).unwrap();
    assert!(start.complete);
    assert_eq!(start.rows, store.caseload(&st).unwrap());
    let (whole, first) = apps(&store, ME, 24);
    assert!(!first.caseload.is_loading());
    assert_eq!(render(&first, 120, 40), render(&whole, 120, 40));
}

#[test]
fn my_caseload_default_is_the_same_as_with_the_whole_list() {
    let (_dir, store) = base(CASELOAD_SMALL + 50);
    let whole = store.caseload(&statuses(&Referential::embedded())).unwrap();
    let fold = parcours::text::fold;
    for me in [ME, "claire FONTAINE", "Personne Inconnue", "", "  "] {
        let expected = !fold(me.trim()).is_empty()
            && whole.iter().any(|r| fold(&r.referent) == fold(me.trim()));
        assert_eq!(
            store.is_referent_of_anybody(me).unwrap(),
            expected,
            "{me:?}"
        );
        let (a, b) = apps(&store, me, 30);
        assert_eq!(a.caseload.mine, b.caseload.mine, "{me:?}");
    }
    assert!(store.is_referent_of_anybody("claire FONTAINE").unwrap());
}

#[test]
fn a_search_typed_before_the_index_is_ready_waits_then_answers() {
    let (_dir, mut store) = base(CASELOAD_SMALL + 200);
    let (mut whole, mut first) = apps(&store, ME, 30);
    assert!(first.caseload.is_loading());
    press(&mut whole, &mut store, "/mar");
    press(&mut first, &mut store, "/mar");
    // No answer yet rather than a wrong one.
    assert!(first.caseload.search_waiting());
    assert!(first.caseload.visible.is_empty());
    let screen = render(&first, 120, 40);
    assert!(screen.contains("recherche en préparation"), "{screen}");
    assert!(
        screen.contains("Recherche en préparation : la liste finit de se charger"),
        "{screen}"
    );
    assert!(
        !screen.contains("Aucune personne ne correspond"),
        "{screen}"
    );
    first.finish_caseload();
    first.settle();
    assert!(!first.caseload.is_loading());
    assert_eq!(status_text(&first), "Recherche prête");
    assert!(!whole.caseload.visible.is_empty());
    assert_eq!(visible_ids(&first), visible_ids(&whole));
    // Typing on goes on narrowing as usual.
    press(&mut whole, &mut store, "t");
    press(&mut first, &mut store, "t");
    assert_eq!(visible_ids(&first), visible_ids(&whole));
}

#[test]
fn the_list_completes_and_then_looks_as_if_loaded_at_once() {
    let (_dir, mut store) = base(CASELOAD_SMALL + 200);
    let (mut whole, mut first) = apps(&store, ME, 24);
    assert!(first.caseload.is_loading());
    let shown = visible_ids(&first);
    assert!(!shown.is_empty());
    assert_eq!(shown, visible_ids(&whole)[..shown.len()].to_vec());
    let screen = render(&first, 120, 40);
    assert!(screen.contains("liste en chargement…"), "{screen}");
    // Keys work meanwhile: the selection moves in the rows already there, and stays on its
    // person when the rest arrives.
    press(&mut first, &mut store, "<Down><Down>");
    press(&mut whole, &mut store, "<Down><Down>");
    let before = first.selected_person();
    assert!(before.is_some());
    first.finish_caseload();
    first.settle();
    assert_eq!(first.selected_person(), before);
    assert_eq!(ids(&first.caseload.rows), ids(&whole.caseload.rows));
    assert_eq!(visible_ids(&first), visible_ids(&whole));
    assert_eq!(first.status, None, "no search waited: nothing to say");
    for (w, h) in [(80, 24), (120, 40)] {
        assert_eq!(render(&first, w, h), render(&whole, w, h));
    }
}

#[test]
fn a_reload_supersedes_the_background_load() {
    let (_dir, store) = base(CASELOAD_SMALL + 100);
    let (whole, mut first) = apps(&store, ME, 24);
    first.reload_caseload(&store).unwrap();
    assert!(!first.caseload.is_loading());
    assert!(!first.poll_caseload(), "nothing left to take");
    assert_eq!(visible_ids(&first), visible_ids(&whole));
}

/// The real binary: the password and a search typed at once; the screen first waits, then
/// shows the same number of results as the whole list gives, and the whole count.
#[cfg(unix)]
#[test]
fn pty_search_typed_at_login_gets_the_right_answer() {
    use support::pty::{demo_password, run_cli, Tui, NOW};
    let at = chrono::NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M:%S").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    let n = CASELOAD_SMALL + 500;
    let out = run_cli(&db, &config, &["demo", "--persons", &n.to_string()]);
    let password = demo_password(&out);
    // The answer, from the whole list in this process, at the binary's clock and account.
    let expected = {
        let key = support::demo_key(&db, &password, at);
        let mut store = Store::open_keyed(&db, Clock::fixed(at), &key).unwrap();
        let mut app = App::new(
            &store,
            Referential::embedded(),
            Keymap::defaults(),
            Clock::fixed(at),
            "Compte de démonstration".into(),
        )
        .unwrap();
        press(&mut app, &mut store, "/mar");
        app.caseload.visible.len()
    };
    assert!(expected > 1);
    let mut tui = Tui::start(&db, &config, 120, 40);
    tui.wait_for("Connexion");
    tui.send(&format!("{password}\r/mar"));
    tui.wait_for(&format!("({expected} résultats)"));
    tui.wait_for(&format!(" / {n} personnes"));
    tui.esc();
    tui.wait_for("pour chercher");
    tui.send("\x03");
    tui.wait_exit();
}
