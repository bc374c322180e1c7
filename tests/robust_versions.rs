//! Two windows, one record: never a silent overwrite (issue 10, store side). For every record
//! kind, two `Store`s on one file: B edits the record and saves; A, still holding what it
//! read before, saves an edit of another field: refused with `Conflict`, nothing written;
//! A reloads and saves again: both edits are kept. Undo of A's edit gives B's content back,
//! and an undo that has become stale is refused too.

use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::{Store, StoreError};

fn clock() -> Clock {
    Clock::fixed(
        chrono::NaiveDateTime::parse_from_str("2026-11-24 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
    )
}

/// One record kind: how to create it, and two edits of different fields.
struct Case {
    name: &'static str,
    /// The record to create in the person's file; `None`: the person itself.
    make: Option<fn(Id) -> Record>,
    /// Instance B's edit.
    theirs: fn(&mut Record),
    /// Instance A's edit, of another field.
    mine: fn(&mut Record),
}

macro_rules! edit {
    ($variant:ident, |$r:ident| $body:expr) => {
        |rec: &mut Record| {
            let Record::$variant($r) = rec else {
                panic!("not a {}: {rec:?}", stringify!($variant))
            };
            $body;
        }
    };
}

fn diagnostic(pid: Id) -> Record {
    Record::Diagnostic(Diagnostic {
        person_id: pid,
        kind: "initial".into(),
        themes: ["logement", "mobilite"]
            .iter()
            .map(|t| ThemeAssessment {
                theme: t.to_string(),
                level: "vigilance".into(),
                comment: String::new(),
            })
            .collect(),
        ..Default::default()
    })
}

const CASES: &[Case] = &[
    Case {
        name: "person",
        make: None,
        theirs: edit!(Person, |p| p.phone = "06 99 00 00 00".into()),
        mine: edit!(Person, |p| p.commune = "Lens".into()),
    },
    Case {
        name: "suivi",
        make: Some(|pid| {
            Record::Suivi(Suivi {
                person_id: pid,
                dispositif: "rsa".into(),
                contrat: "aucun".into(),
                ..Default::default()
            })
        }),
        theirs: edit!(Suivi, |s| s.referent = "Paul Durand".into()),
        mine: edit!(Suivi, |s| s.prescripteur = "mission_locale".into()),
    },
    Case {
        name: "diagnostic",
        make: Some(diagnostic),
        theirs: edit!(Diagnostic, |d| d.niveau = "NV4".into()),
        mine: edit!(Diagnostic, |d| d.diplomes = "CAP cuisine".into()),
    },
    Case {
        name: "diagnostic theme",
        make: Some(diagnostic),
        theirs: edit!(Diagnostic, |d| d.assessment_mut("mobilite").level =
            "obstacle".into()),
        mine: edit!(Diagnostic, |d| d.assessment_mut("logement").comment =
            "hébergée chez sa sœur".into()),
    },
    Case {
        name: "barrier",
        make: Some(|pid| {
            Record::Barrier(Barrier {
                person_id: pid,
                theme: "mobilite".into(),
                status: "identifie".into(),
                ..Default::default()
            })
        }),
        theirs: edit!(Barrier, |b| b.status = "leve".into()),
        mine: edit!(Barrier, |b| b.note = "permis en cours".into()),
    },
    Case {
        name: "objective",
        make: Some(|pid| {
            Record::Objective(Objective {
                person_id: pid,
                label: "Permis".into(),
                status: "en_cours".into(),
                ..Default::default()
            })
        }),
        theirs: edit!(Objective, |o| o.label = "Permis B".into()),
        mine: edit!(Objective, |o| o.status = "atteint".into()),
    },
    Case {
        name: "action",
        make: Some(|pid| {
            Record::Action(PlanAction {
                person_id: pid,
                label: "Code de la route".into(),
                status: "en_cours".into(),
                ..Default::default()
            })
        }),
        theirs: edit!(Action, |a| a.partner = "Auto-école du centre".into()),
        mine: edit!(Action, |a| a.outcome = "inscrite".into()),
    },
    Case {
        name: "appointment report",
        make: Some(|pid| {
            Record::Appointment(Appointment {
                person_id: pid,
                duration_min: 45,
                medium: "physique".into(),
                status: "a_venir".into(),
                ..Default::default()
            })
        }),
        theirs: edit!(Appointment, |a| a.status = "honore".into()),
        mine: edit!(Appointment, |a| {
            a.report = "Point sur le permis".into();
            a.demarches = vec![Demarche {
                theme: "mobilite".into(),
                label: "Inscription au code".into(),
            }];
        }),
    },
    Case {
        name: "note",
        make: Some(|pid| {
            Record::Note(Note {
                person_id: pid,
                author: "Claire".into(),
                private: true,
                text: "Premier entretien".into(),
                ..Default::default()
            })
        }),
        theirs: edit!(Note, |n| n.text = "Premier entretien, avec sa mère".into()),
        mine: edit!(Note, |n| n.private = false),
    },
    Case {
        name: "collective session",
        make: Some(|pid| {
            Record::Session(Session {
                title: "Atelier CV".into(),
                kind: "atelier".into(),
                duration_min: 120,
                capacity: 10,
                participants: vec![Participation {
                    person_id: pid,
                    status: "a_venir".into(),
                    note: String::new(),
                }],
                ..Default::default()
            })
        }),
        theirs: edit!(Session, |s| s.title = "Atelier CV et lettre".into()),
        mine: edit!(Session, |s| s.participants[0].status = "excuse".into()),
    },
    Case {
        name: "eligibility",
        make: Some(|pid| {
            Record::Eligibility(Eligibility {
                person_id: pid,
                structure: "ACI".into(),
                criteria: vec![EligibilityCriterion {
                    criterion: "rsa".into(),
                    met: true,
                    proof: String::new(),
                    source: String::new(),
                }],
                ..Default::default()
            })
        }),
        theirs: edit!(Eligibility, |e| e.structure = "AI".into()),
        mine: edit!(Eligibility, |e| e.criteria[0].proof =
            "Attestation CAF".into()),
    },
];

fn version(r: &Record) -> i64 {
    match r {
        Record::Person(x) => x.version,
        Record::Suivi(x) => x.version,
        Record::Diagnostic(x) => x.version,
        Record::Barrier(x) => x.version,
        Record::Objective(x) => x.version,
        Record::Action(x) => x.version,
        Record::Appointment(x) => x.version,
        Record::Note(x) => x.version,
        Record::Etape(x) => x.version,
        Record::Saisine(x) => x.version,
        Record::Veille(x) => x.version,
        Record::Session(x) => x.version,
        Record::Eligibility(x) => x.version,
    }
}

/// The record's content, without what the store generates (version, person's timestamps).
fn content(r: &Record) -> Record {
    let mut r = r.clone();
    match &mut r {
        Record::Person(x) => {
            x.version = 0;
            x.updated_at = None;
        }
        Record::Suivi(x) => x.version = 0,
        Record::Diagnostic(x) => x.version = 0,
        Record::Barrier(x) => x.version = 0,
        Record::Objective(x) => x.version = 0,
        Record::Action(x) => x.version = 0,
        Record::Appointment(x) => x.version = 0,
        Record::Note(x) => x.version = 0,
        Record::Etape(x) => x.version = 0,
        Record::Saisine(x) => x.version = 0,
        Record::Veille(x) => x.version = 0,
        Record::Session(x) => x.version = 0,
        Record::Eligibility(x) => x.version = 0,
    }
    r
}

fn load(store: &Store, kind: RecordKind, id: Id) -> Record {
    store.load(kind, id).unwrap().expect("record stored")
}

fn edited(r: &Record, edits: &[fn(&mut Record)]) -> Record {
    let mut r = r.clone();
    for e in edits {
        e(&mut r);
    }
    r
}

#[test]
fn a_stale_write_of_every_record_kind_is_refused_and_writes_nothing() {
    for case in CASES {
        let name = case.name;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parcours.db");
        let mut a = Store::open(&path, clock()).unwrap();
        let mut b = Store::open(&path, clock()).unwrap();
        let pid = a
            .apply(&Change::Upsert(Record::Person(Person::new(
                "DURAND", "Léa",
            ))))
            .unwrap()
            .id;
        let (kind, id) = match case.make {
            Some(make) => {
                let r = make(pid);
                (r.kind(), a.apply(&Change::Upsert(r)).unwrap().id)
            }
            None => (RecordKind::Person, pid),
        };
        // Both windows open the record.
        let seen_by_a = load(&a, kind, id);
        let seen_by_b = load(&b, kind, id);
        assert_eq!(seen_by_a, seen_by_b);

        // B saves first.
        b.apply(&Change::Upsert(edited(&seen_by_b, &[case.theirs])))
            .unwrap();
        let after_b = load(&b, kind, id);
        assert!(
            version(&after_b) > version(&seen_by_a),
            "{name}: version bumped"
        );

        // A saves what it edited on the old version: refused, nothing written.
        let file_before = a.person_file(pid).unwrap();
        let err = a
            .apply(&Change::Upsert(edited(&seen_by_a, &[case.mine])))
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{name}: {err:?}");
        assert!(
            err.to_string().contains("modifiée entre-temps"),
            "{name}: {err}"
        );
        assert_eq!(
            a.person_file(pid).unwrap(),
            file_before,
            "{name}: nothing written"
        );
        assert_eq!(load(&a, kind, id), after_b, "{name}: B's edit kept");

        // A change elsewhere in the file does not make the record itself stale.
        if kind != RecordKind::Person {
            b.apply(&Change::Upsert(Record::Note(Note {
                person_id: pid,
                text: "ailleurs dans le dossier".into(),
                ..Default::default()
            })))
            .unwrap();
        }

        // A reloads and saves again: both edits are there.
        let reloaded = load(&a, kind, id);
        let applied = a
            .apply(&Change::Upsert(edited(&reloaded, &[case.mine])))
            .unwrap();
        let both = load(&b, kind, id);
        assert_eq!(
            content(&both),
            content(&edited(&seen_by_a, &[case.theirs, case.mine])),
            "{name}: both edits kept"
        );
        assert!(version(&both) > version(&after_b), "{name}");

        // Undo of A's edit: B's content again, at a new version.
        let undo = applied.inverse.expect("an update can be undone");
        a.apply(&undo).unwrap();
        let undone = load(&a, kind, id);
        assert_eq!(content(&undone), content(&after_b), "{name}: undo");
        assert!(
            version(&undone) > version(&both),
            "{name}: undo bumps the version"
        );

        // An undo that the other window has overtaken is refused as well.
        let again = edited(&undone, &[case.mine]);
        let redo = a.apply(&Change::Upsert(again)).unwrap().inverse.unwrap();
        let current = load(&b, kind, id);
        b.apply(&Change::Upsert(edited(&current, &[case.theirs])))
            .unwrap();
        let overtaken = load(&b, kind, id);
        let err = a.apply(&redo).unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict),
            "{name}: stale undo {err:?}"
        );
        assert_eq!(
            load(&a, kind, id),
            overtaken,
            "{name}: stale undo wrote nothing"
        );
    }
}

#[test]
fn a_deleted_record_put_back_by_undo_keeps_its_version() {
    // Undo of a delete puts the record back as it was, version included: a window still
    // holding that version holds exactly that content, so its save loses nothing.
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("parcours.db"), clock()).unwrap();
    let pid = store
        .apply(&Change::Upsert(Record::Person(Person::new(
            "DURAND", "Léa",
        ))))
        .unwrap()
        .id;
    let id = store
        .apply(&Change::Upsert(Record::Note(Note {
            person_id: pid,
            text: "v0".into(),
            ..Default::default()
        })))
        .unwrap()
        .id;
    let mut note = match load(&store, RecordKind::Note, id) {
        Record::Note(n) => n,
        other => panic!("{other:?}"),
    };
    note.text = "v1".into();
    store
        .apply(&Change::Upsert(Record::Note(note.clone())))
        .unwrap();
    let stored = load(&store, RecordKind::Note, id);
    assert_eq!(version(&stored), 1);
    let undo = store
        .apply(&Change::Delete(RecordKind::Note, id))
        .unwrap()
        .inverse
        .unwrap();
    store.apply(&undo).unwrap();
    assert_eq!(load(&store, RecordKind::Note, id), stored);
}

#[test]
fn undo_of_two_edits_of_one_record_in_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcours.db");
    let mut a = Store::open(&path, clock()).unwrap();
    let mut b = Store::open(&path, clock()).unwrap();
    let pid = a
        .apply(&Change::Upsert(Record::Person(Person::new(
            "DURAND", "Léa",
        ))))
        .unwrap()
        .id;
    let make = CASES.iter().find(|c| c.name == "barrier").unwrap();
    let id = a
        .apply(&Change::Upsert((make.make.unwrap())(pid)))
        .unwrap()
        .id;
    let start = load(&a, RecordKind::Barrier, id);
    let first = a
        .apply(&Change::Upsert(edited(&start, &[make.theirs])))
        .unwrap()
        .inverse
        .unwrap();
    let second = a
        .apply(&Change::Upsert(edited(
            &load(&a, RecordKind::Barrier, id),
            &[make.mine],
        )))
        .unwrap()
        .inverse
        .unwrap();
    let v = a.person_version(pid).unwrap().unwrap();
    a.undo(&second, pid, v).unwrap();
    let v = a.person_version(pid).unwrap().unwrap();
    a.undo(&first, pid, v).unwrap();
    assert_eq!(content(&load(&a, RecordKind::Barrier, id)), content(&start));

    // Once another window wrote in the file, an undo is refused, even with the record's
    // own version rebased.
    let redo = a
        .apply(&Change::Upsert(edited(&start, &[make.mine])))
        .unwrap_err();
    assert!(
        matches!(redo, StoreError::Conflict),
        "start is stale: {redo:?}"
    );
    let again = load(&a, RecordKind::Barrier, id);
    let inverse = a
        .apply(&Change::Upsert(edited(&again, &[make.mine])))
        .unwrap()
        .inverse
        .unwrap();
    let v = a.person_version(pid).unwrap().unwrap();
    b.apply(&Change::Upsert(Record::Note(Note {
        person_id: pid,
        text: "ailleurs".into(),
        ..Default::default()
    })))
    .unwrap();
    let before = a.person_file(pid).unwrap();
    assert!(matches!(
        a.undo(&inverse, pid, v),
        Err(StoreError::Conflict)
    ));
    assert_eq!(a.person_file(pid).unwrap(), before);
}
