//! Import of parcours's own JSON export (issue 13 §2): export → import into an empty base →
//! export gives the same files (ids, versions and import timestamps aside); re-importing
//! changes nothing; a n° de dossier already taken gets a new one, listed; a broken file is
//! refused with the base byte-identical.

use parcours::clock::Clock;
use parcours::domain::{PersonFile, Referential};
use parcours::import::json;
use parcours::store::Store;
use proptest::prelude::*;
use std::path::Path;

fn now() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

fn open(p: &Path) -> Store {
    Store::open(p, Clock::fixed(now())).unwrap()
}

fn export(store: &Store) -> Vec<u8> {
    let mut out = Vec::new();
    parcours::export::write_json(store, None, &mut out).unwrap();
    out
}

fn import(store: &mut Store, bytes: &[u8]) -> parcours::import::Plan {
    let files = json::read(bytes).unwrap();
    let plan = json::plan(files, store.import_candidates().unwrap(), "export.json");
    store.import_batch(&plan.batch, &mut |_, _| {}).unwrap();
    plan
}

/// An export's files with what an import gives anew (ids, versions, stamps) reset.
fn content(bytes: &[u8]) -> Vec<PersonFile> {
    json::read(bytes)
        .unwrap()
        .into_iter()
        .map(json::detached)
        .collect()
}

fn demo_base(p: &Path, n: usize, seed: u64) -> Store {
    let mut s = open(p);
    let rf = Referential::embedded();
    s.insert_files(&parcours::demo::generate(&rf, n, seed, now()))
        .unwrap();
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    #[test]
    fn export_import_export_gives_the_same_content(seed in 0u64..1000, n in 1usize..6) {
        let dir = tempfile::tempdir().unwrap();
        let source = demo_base(&dir.path().join("a.db"), n, seed);
        let first = export(&source);
        let mut target = open(&dir.path().join("b.db"));
        let plan = import(&mut target, &first);
        prop_assert_eq!(plan.new, n);
        let second = export(&target);
        prop_assert_eq!(content(&first), content(&second));
        // The n° de dossier came along (the target had none of them).
        let dossiers = |b: &[u8]| json::read(b).unwrap().into_iter().map(|f| f.person.dossier).collect::<Vec<_>>();
        prop_assert_eq!(dossiers(&first), dossiers(&second));
    }
}

#[test]
fn importing_an_export_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_base(&dir.path().join("a.db"), 5, 7);
    let bytes = export(&source);
    let db = dir.path().join("b.db");
    let mut target = open(&db);
    import(&mut target, &bytes);
    let after = export(&target);
    let plan = import(&mut target, &bytes);
    assert_eq!((plan.new, plan.known), (0, 5), "{:?}", plan.details());
    assert!(plan.batch.is_empty());
    assert_eq!(export(&target), after);
    let audit = target.import_audit_details().unwrap();
    assert_eq!(
        audit.len(),
        1,
        "an import that writes nothing is not logged: {audit:?}"
    );
    assert!(audit[0].starts_with("export.json — 5 lignes : 5 nouvelles personnes"));
}

#[test]
fn a_dossier_number_already_taken_gets_a_new_one_listed() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_base(&dir.path().join("a.db"), 2, 3);
    let bytes = export(&source);
    // The target has other people under the same numbers.
    let mut target = demo_base(&dir.path().join("b.db"), 2, 99);
    let taken: Vec<String> = json::read(&export(&target))
        .unwrap()
        .into_iter()
        .map(|f| f.person.dossier)
        .collect();
    let plan = import(&mut target, &bytes);
    assert_eq!(plan.new, 2);
    assert_eq!(plan.notes.len(), 2, "{:?}", plan.details());
    assert!(plan.notes[0]
        .1
        .contains("déjà pris dans cette base, un nouveau numéro est donné"));
    let all = json::read(&export(&target)).unwrap();
    assert_eq!(all.len(), 4);
    let mut dossiers: Vec<_> = all.iter().map(|f| f.person.dossier.clone()).collect();
    dossiers.sort();
    dossiers.dedup();
    assert_eq!(dossiers.len(), 4, "every number once");
    assert!(taken.iter().all(|t| dossiers.contains(t)));
}

#[test]
fn a_broken_export_is_refused_and_the_base_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    drop(demo_base(&db, 2, 1));
    let before = std::fs::read(&db).unwrap();
    let cut = {
        let s = open(&db);
        let e = export(&s);
        e[..e.len() / 2].to_vec()
    };
    let cut_file = dir.path().join("coupe.json");
    std::fs::write(&cut_file, &cut).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_parcours-hooks"))
        .arg("--db")
        .arg(&db)
        .args(["import", "--format", "json", "--oui"])
        .arg(&cut_file)
        .env("PARCOURS_NOW", "2026-11-23 10:00:00")
        .env("PARCOURS_CONFIG_DIR", dir.path())
        .env_remove("PARCOURS_DB")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("ce n'est pas un export JSON de parcours"),
        "{err}"
    );
    assert!(err.contains("rien n'a été importé"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}
