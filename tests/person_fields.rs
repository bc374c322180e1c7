//! The person's identity, benefit and eligibility-source fields (issues 12, 13) on real
//! SQLite files: every field stored and read back, an old base migrated with them all
//! empty / unknown, the JSON export carrying them.

use chrono::NaiveDate;
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::{schema, Store};

fn clock() -> Clock {
    Clock::fixed(
        chrono::NaiveDateTime::parse_from_str("2026-11-22 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
    )
}

fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, day)
}

/// A valid NIR (its key computed, not written by hand).
fn a_nir() -> String {
    let body = "2900162123456";
    format!("{body}{:02}", nir::key(body).unwrap())
}

/// Every new field set, the flags mixing yes, no and unknown.
fn filled() -> Person {
    Person {
        birth_date: d(1990, 1, 15),
        sexe: "F".into(),
        commune: "Lens".into(),
        nom_naissance: "Lefebvre".into(),
        caf_numero: "1234567".into(),
        caf_organisme: "caf".into(),
        nir: a_nir(),
        id_france_travail: "FT-998877".into(),
        id_departement: "D62-00042".into(),
        role_foyer: "conjoint".into(),
        adresse: "Résidence des Tilleuls\n12 rue des Écoles".into(),
        code_postal: "62300".into(),
        rsa_depuis: d(2024, 3, 1),
        rsa_statut: codes::BENEFIT_OPEN.into(),
        ass_depuis: d(2023, 6, 12),
        ass_statut: "radie".into(),
        aah_depuis: None,
        aah_statut: "non_concerne".into(),
        ase_sortant: Some(false),
        protection: codes::PROTECTION_REFUGEE.into(),
        rqth: Some(true),
        rqth_fin: d(2028, 12, 31),
        zrr: None,
        qpv: Some(true),
        niveau_francais: codes::FRENCH_BELOW_A1.into(),
        parent_isole: Some(false),
        ..Person::new("Martin", "Léa")
    }
}

fn one_file(p: Person) -> PersonFile {
    PersonFile {
        person: p,
        ..Default::default()
    }
}

/// The person as stored, its store-given fields set aside.
fn comparable(mut p: Person) -> Person {
    p.id = 0;
    p.dossier.clear();
    p.created_at = None;
    p.updated_at = None;
    p.version = 0;
    p
}

#[test]
fn every_new_field_is_stored_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let want = filled();
    let id = {
        let mut store = Store::open(&db, clock()).unwrap();
        store.insert_files(&[one_file(want.clone())]).unwrap()[0]
    };
    // Read back from the file by a new connection.
    let store = Store::open(&db, clock()).unwrap();
    let got = store.person_file(id).unwrap().person;
    assert_eq!(comparable(got.clone()), want);
    drop(store);

    // An update through the single write path: each flag to another of its three values,
    // codes and texts cleared.
    let mut store = Store::open(&db, clock()).unwrap();
    let changed = Person {
        ase_sortant: None,
        rqth: Some(false),
        rqth_fin: None,
        zrr: Some(true),
        qpv: Some(false),
        parent_isole: None,
        nir: String::new(),
        caf_organisme: "msa".into(),
        role_foyer: String::new(),
        rsa_statut: codes::BENEFIT_SUSPENDED.into(),
        rsa_depuis: d(2025, 1, 31),
        aah_depuis: d(2020, 2, 29),
        adresse: String::new(),
        ..got
    };
    store
        .apply(&Change::Upsert(Record::Person(changed.clone())))
        .unwrap();
    drop(store);
    let store = Store::open(&db, clock()).unwrap();
    let again = store.person_file(id).unwrap().person;
    assert_eq!(comparable(again), comparable(changed));
}

#[test]
fn unknown_flags_stay_distinct_from_no_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let mut store = Store::open(&db, clock()).unwrap();
    let ids = store
        .insert_files(&[
            one_file(Person {
                qpv: Some(false),
                ..Person::new("Non", "Connu")
            }),
            one_file(Person::new("Inconnu", "Zoé")),
        ])
        .unwrap();
    drop(store);
    let c = rusqlite::Connection::open(&db).unwrap();
    let qpv = |id: Id| -> Option<i64> {
        c.query_row("SELECT qpv FROM persons WHERE id = ?1", [id], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(qpv(ids[0]), Some(0));
    assert_eq!(qpv(ids[1]), None);
}

#[test]
fn a_base_of_the_previous_schema_migrates_with_every_new_field_empty_or_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    // The schema just before the migration that adds these fields (others may follow it).
    let previous = schema::MIGRATIONS
        .iter()
        .position(|m| m.contains("ADD COLUMN nir "))
        .expect("the identity fields' migration");
    {
        let store =
            Store::open_with_migrations(&db, clock(), &schema::MIGRATIONS[..previous]).unwrap();
        assert_eq!(store.schema_version().unwrap(), previous as i64);
    }
    // A person as the previous version wrote it.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        let cols: Vec<String> = c
            .prepare("SELECT name FROM pragma_table_info('persons')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(!cols.contains(&"nir".to_string()), "previous schema");
        c.execute(
            "INSERT INTO persons (dossier, nom, prenom, nom_usage, birth_date, sexe, phone,
                                  email, commune, created_at, updated_at, version)
             VALUES ('2026-00001', 'Martin', 'Léa', '', '1990-01-15', 'F', '06 12 34 56 78',
                     '', 'Lens', '2026-01-05 09:00:00', '2026-01-05 09:00:00', 3)",
            [],
        )
        .unwrap();
    }
    let mut store = Store::open(&db, clock()).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    let id = store.person_ids().unwrap()[0];
    let p = store.person_file(id).unwrap().person;
    assert_eq!(
        comparable(p.clone()),
        Person {
            birth_date: d(1990, 1, 15),
            sexe: "F".into(),
            phone: "06 12 34 56 78".into(),
            commune: "Lens".into(),
            ..Person::new("Martin", "Léa")
        },
        "old fields kept, every new one empty, None or unknown"
    );
    assert_eq!(
        (p.ase_sortant, p.rqth, p.zrr, p.qpv, p.parent_isole),
        (None, None, None, None, None),
        "unknown, never « non »"
    );
    // The migrated person takes the new fields.
    let want = Person {
        id: p.id,
        dossier: p.dossier.clone(),
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
        phone: "06 12 34 56 78".into(),
        ..filled()
    };
    store
        .apply(&Change::Upsert(Record::Person(want.clone())))
        .unwrap();
    let got = store.person_file(id).unwrap().person;
    assert_eq!(comparable(got), comparable(want));
}

#[test]
fn the_json_export_carries_every_new_field_the_nir_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let mut store = Store::open(&db, clock()).unwrap();
    let id = store.insert_files(&[one_file(filled())]).unwrap()[0];
    let mut out = Vec::new();
    parcours::export::write_json(&store, Some(&[id]), &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let p = &v["persons"][0]["person"];
    // Right of access and portability: the export is the person's whole file.
    assert_eq!(p["nir"], a_nir());
    assert_eq!(p["rsa_statut"], "ouvert");
    assert_eq!(p["rsa_depuis"], "2024-03-01");
    assert_eq!(p["ase_sortant"], false);
    assert_eq!(p["zrr"], serde_json::Value::Null);
    assert_eq!(p["qpv"], true);
    let back: Person = serde_json::from_value(p.clone()).unwrap();
    assert_eq!(comparable(back), filled());
    // An export made before these fields reads them as empty / unknown.
    let mut old = p.clone();
    for f in [
        "nir",
        "rsa_statut",
        "rsa_depuis",
        "ase_sortant",
        "qpv",
        "adresse",
    ] {
        old.as_object_mut().unwrap().remove(f);
    }
    let back: Person = serde_json::from_value(old).unwrap();
    assert_eq!(
        (
            back.nir.as_str(),
            back.rsa_statut.as_str(),
            back.rsa_depuis,
            back.qpv
        ),
        ("", "", None, None)
    );
}
