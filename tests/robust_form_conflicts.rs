//! Two windows, one record: never a silent overwrite (issue 10, app side). For every record
//! kind a form edits, two `Store`s on one file: app B opens the form; store A changes a
//! field and saves; B's 2-second refresh reloads the file under the open form; B changes
//! another field and saves. The save is refused in place, with a message naming A's change
//! field by field; B's typed value is still in the form and A's value still in the base.
//! Confirming again (one key) re-applies B's typing on the new version: both changes kept.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use parcours::app::form::{Form, Purpose};
use parcours::app::keys::{Action, Keymap};
use parcours::app::{App, Overlay};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::Store;

fn clock() -> Clock {
    Clock::fixed(
        chrono::NaiveDateTime::parse_from_str("2026-11-23 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
    )
}

/// One record kind and the form that edits it.
struct Case {
    name: &'static str,
    /// The record to put in the person's file (none: the identity form edits the person).
    make: Option<fn(Id) -> Record>,
    /// Keys that open the form from the file screen.
    open: &'static [KeyEvent],
    /// Store A's edit of the stored record.
    theirs: fn(&mut Record),
    /// What B's message must name: « label : value ».
    named: fn(&Referential, &Form) -> String,
    /// B's typing in the form (another field).
    mine: fn(&mut Form),
    /// The field B typed into, and its text as typed.
    typed: (&'static str, &'static str),
    /// Does the stored record hold A's change, B's change?
    has: fn(&Record) -> (bool, bool),
}

const fn ch(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

const fn up(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT)
}

const fn f(n: u8) -> KeyEvent {
    KeyEvent::new(KeyCode::F(n), KeyModifiers::NONE)
}

macro_rules! on {
    ($variant:ident, |$r:ident| $body:expr) => {
        |rec: &mut Record| {
            let Record::$variant($r) = rec else {
                panic!("not a {}: {rec:?}", stringify!($variant))
            };
            $body;
        }
    };
}

macro_rules! holds {
    ($variant:ident, |$r:ident| $body:expr) => {
        |rec: &Record| {
            let Record::$variant($r) = rec else {
                panic!("not a {}: {rec:?}", stringify!($variant))
            };
            $body
        }
    };
}

fn set(form: &mut Form, key: &str, text: &str) {
    form.field_mut(key)
        .unwrap_or_else(|| panic!("no field {key}"))
        .input
        .set(text);
}

fn choose(form: &mut Form, key: &str, code: &str) {
    let f = form.field_mut(key).unwrap();
    f.choice = f.choices.iter().position(|(c, _)| c == code).unwrap();
}

/// The theme of the open comment form.
fn theme_of(form: &Form) -> String {
    match &form.purpose {
        Purpose::ThemeComment(t) => t.clone(),
        other => panic!("not a theme form: {other:?}"),
    }
}

fn all_themes(pid: Id) -> Record {
    let rf = Referential::embedded();
    Record::Diagnostic(Diagnostic {
        person_id: pid,
        kind: "initial".into(),
        themes: rf
            .active_themes()
            .map(|t| ThemeAssessment {
                theme: t.code.clone(),
                level: "vigilance".into(),
                comment: String::new(),
            })
            .collect(),
        ..Default::default()
    })
}

/// The theme edited by the open comment form (B's app puts it there when it opens).
static THEME: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

const LONG_NOTE: &str = "Premier entretien, avec sa mère et son frère aîné, au sujet du logement";

const CASES: &[Case] = &[
    Case {
        name: "person (identity)",
        make: None,
        open: &[up('I')],
        theirs: on!(Person, |p| p.phone = "06 99 00 00 00".into()),
        named: |_, _| "Téléphone : 06 99 00 00 00".into(),
        mine: |f| set(f, "commune", "Lens"),
        typed: ("commune", "Lens"),
        has: holds!(Person, |p| (
            p.phone == "06 99 00 00 00",
            p.commune == "Lens"
        )),
    },
    Case {
        name: "suivi",
        make: Some(|pid| {
            Record::Suivi(Suivi {
                person_id: pid,
                dispositif: "rsa".into(),
                referent: "Claire Fontaine".into(),
                contrat: "aucun".into(),
                ..Default::default()
            })
        }),
        open: &[up('S')],
        theirs: on!(Suivi, |s| s.referent = "Paul Durand".into()),
        named: |_, _| "Référent·e : Paul Durand".into(),
        mine: |f| set(f, "prescripteur", "CCAS de Lens"),
        typed: ("prescripteur", "CCAS de Lens"),
        has: holds!(Suivi, |s| (
            s.referent == "Paul Durand",
            s.prescripteur == "CCAS de Lens"
        )),
    },
    Case {
        name: "diagnostic theme",
        make: Some(all_themes),
        open: &[f(5), ch('c')],
        theirs: on!(Diagnostic, |d| {
            let theme = THEME.lock().unwrap().clone();
            d.assessment_mut(&theme).level = "obstacle".into();
        }),
        named: |rf, _| {
            let l = rf.levels.iter().find(|l| l.code == "obstacle").unwrap();
            format!("Niveau : {} {}", l.glyph, l.label)
        },
        mine: |f| set(f, "comment", "hébergée chez sa sœur"),
        typed: ("comment", "hébergée chez sa sœur"),
        has: holds!(Diagnostic, |d| {
            let theme = THEME.lock().unwrap().clone();
            let a = d.themes.iter().find(|t| t.theme == theme).unwrap();
            (a.level == "obstacle", a.comment == "hébergée chez sa sœur")
        }),
    },
    Case {
        name: "professional block",
        make: Some(all_themes),
        open: &[f(5), ch('p')],
        theirs: on!(Diagnostic, |d| d.diplomes = "CAP cuisine".into()),
        named: |_, _| "Diplômes, formations : CAP cuisine".into(),
        mine: |f| set(f, "projet", "cuisine collective"),
        typed: ("projet", "cuisine collective"),
        has: holds!(Diagnostic, |d| (
            d.diplomes == "CAP cuisine",
            d.projet == "cuisine collective"
        )),
    },
    Case {
        name: "barrier",
        make: Some(|pid| {
            let rf = Referential::embedded();
            let theme = rf.active_themes().next().unwrap();
            Record::Barrier(Barrier {
                person_id: pid,
                theme: theme.code.clone(),
                situation: Some(theme.situations[0].code.clone()),
                status: "identifie".into(),
                ..Default::default()
            })
        }),
        open: &[f(6), ch('e')],
        theirs: on!(Barrier, |b| b.note = "voir l'auto-école".into()),
        named: |_, _| "Note : voir l'auto-école".into(),
        mine: |f| choose(f, "status", "en_cours"),
        typed: ("status", "En cours de traitement"),
        has: holds!(Barrier, |b| (
            b.note == "voir l'auto-école",
            b.status == "en_cours"
        )),
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
        open: &[f(7), ch('e')],
        theirs: on!(Objective, |o| o.label = "Permis B".into()),
        named: |_, _| "Objectif : Permis B".into(),
        mine: |f| choose(f, "status", "atteint"),
        typed: ("status", "Atteint"),
        has: holds!(Objective, |o| (
            o.label == "Permis B",
            o.status == "atteint"
        )),
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
        open: &[f(7), ch('e')],
        theirs: on!(Action, |a| a.partner = "Auto-école du centre".into()),
        named: |_, _| "Partenaire : Auto-école du centre".into(),
        mine: |f| set(f, "outcome", "inscrite"),
        typed: ("outcome", "inscrite"),
        has: holds!(Action, |a| (
            a.partner == "Auto-école du centre",
            a.outcome == "inscrite"
        )),
    },
    Case {
        name: "appointment (report)",
        make: Some(|pid| {
            Record::Appointment(Appointment {
                person_id: pid,
                start: clock().now().checked_add_signed(chrono::Duration::days(-1)),
                duration_min: 45,
                medium: "physique".into(),
                status: "honore".into(),
                ..Default::default()
            })
        }),
        open: &[f(8), ch('r')],
        theirs: on!(Appointment, |a| a.report = "Point sur le permis".into()),
        named: |_, _| "Compte rendu : Point sur le permis".into(),
        mine: |f| {
            f.field_mut("themes").unwrap().checked[0] = true;
            set(f, "demarches", "Inscription au code");
        },
        typed: ("demarches", "Inscription au code"),
        has: holds!(Appointment, |a| (
            a.report == "Point sur le permis",
            a.demarches.len() == 1 && a.demarches[0].label == "Inscription au code"
        )),
    },
    Case {
        name: "note",
        make: Some(|pid| {
            Record::Note(Note {
                person_id: pid,
                author: "Claire Fontaine".into(),
                private: true,
                text: "Premier entretien".into(),
                ..Default::default()
            })
        }),
        open: &[up('J'), ch('e')],
        theirs: on!(Note, |n| n.text = LONG_NOTE.into()),
        // A long value is cut.
        named: |_, _| "Note : Premier entretien, avec…".into(),
        mine: |f| {
            let p = f.field_mut("private").unwrap();
            p.checked[0] = false;
        },
        typed: ("private", "non"),
        has: holds!(Note, |n| (n.text == LONG_NOTE, !n.private)),
    },
];

struct Two {
    _dir: tempfile::TempDir,
    /// B's store (the app's).
    mine: Store,
    app: App,
    /// A's store.
    other: Store,
    kind: RecordKind,
    id: Id,
}

fn setup(case: &Case) -> Two {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parcours.db");
    let mut mine = Store::open(&path, clock()).unwrap();
    let pid = mine
        .insert_files(&[PersonFile {
            person: Person::new("DURAND", "Léa"),
            ..Default::default()
        }])
        .unwrap()[0];
    let (kind, id) = match case.make {
        None => (RecordKind::Person, pid),
        Some(make) => {
            let r = make(pid);
            let kind = r.kind();
            (kind, mine.apply(&Change::Upsert(r)).unwrap().id)
        }
    };
    let mut app = App::new(
        &mine,
        Referential::embedded(),
        Keymap::defaults(),
        clock(),
        "Claire Fontaine".into(),
    )
    .unwrap();
    app.open_person(pid, &mine);
    let other = Store::open(&path, clock()).unwrap();
    Two {
        _dir: dir,
        mine,
        app,
        other,
        kind,
        id,
    }
}

fn form(app: &App) -> &Form {
    match &app.overlay {
        Some(Overlay::Form(f)) => f,
        _ => panic!("no form open"),
    }
}

fn form_mut(app: &mut App) -> &mut Form {
    match &mut app.overlay {
        Some(Overlay::Form(f)) => f,
        _ => panic!("no form open"),
    }
}

fn stored(store: &Store, kind: RecordKind, id: Id) -> Option<Record> {
    store.load(kind, id).unwrap()
}

fn save(app: &mut App, store: &mut Store) {
    app.handle_key(f(10), store);
}

#[test]
fn a_save_over_a_change_made_elsewhere_is_refused_field_by_field_then_reapplied() {
    let rf = Referential::embedded();
    for case in CASES {
        let name = case.name;
        let mut t = setup(case);
        for k in case.open {
            t.app.handle_key(*k, &mut t.mine);
        }
        assert!(
            matches!(t.app.overlay, Some(Overlay::Form(_))),
            "{name}: form open"
        );
        if let Purpose::ThemeComment(_) = form(&t.app).purpose {
            *THEME.lock().unwrap() = theme_of(form(&t.app));
        }
        // A changes a field and saves.
        let mut r = stored(&t.other, t.kind, t.id).unwrap();
        (case.theirs)(&mut r);
        t.other.apply(&Change::Upsert(r)).unwrap();
        // B's refresh reloads the file under the open form (what made the old code
        // save over A's change).
        t.app.external_change(&t.mine);
        // B types in another field and saves.
        (case.mine)(form_mut(&mut t.app));
        save(&mut t.app, &mut t.mine);
        let Some(Overlay::Form(f)) = &t.app.overlay else {
            panic!("{name}: the form must stay open")
        };
        let err = f.error.clone().unwrap_or_default();
        let named = format!("{} (modifié sur un autre poste)", (case.named)(&rf, f));
        assert!(err.contains(&named), "{name}: « {named} » in « {err} »");
        assert!(
            err.contains("F10") && err.contains("Échap"),
            "{name}: {err}"
        );
        let hints = f.footer.unwrap_or_default();
        assert!(
            hints
                .iter()
                .any(|(_, a, what)| *a == Action::Submit && what.contains("réappliquer")),
            "{name}: the footer says which key re-applies: {hints:?}"
        );
        let (key, typed) = case.typed;
        assert_eq!(f.field(key).unwrap().shown(), typed, "{name}: typing kept");
        let base = stored(&t.mine, t.kind, t.id).unwrap();
        assert!((case.has)(&base).0, "{name}: A's change still there");
        assert!(!(case.has)(&base).1, "{name}: nothing of B written");
        // One key re-applies B's typing on the new version: both changes kept.
        save(&mut t.app, &mut t.mine);
        assert!(
            t.app.overlay.is_none(),
            "{name}: saved and closed, {:?}",
            t.app.overlay.as_ref().map(|_| form(&t.app).error.clone())
        );
        let base = stored(&t.mine, t.kind, t.id).unwrap();
        assert_eq!((case.has)(&base), (true, true), "{name}: {base:?}");
    }
}

#[test]
fn a_change_elsewhere_in_other_fields_or_records_does_not_refuse_the_save() {
    // B edits the note while A changes the phone, then the identity while A adds a note:
    // both saves go through at the first key, and nothing of A is lost.
    let case = CASES.iter().find(|c| c.name == "note").unwrap();
    let mut t = setup(case);
    for k in case.open {
        t.app.handle_key(*k, &mut t.mine);
    }
    let pid = t.app.file.as_ref().unwrap().data.person.id;
    let mut p = stored(&t.other, RecordKind::Person, pid).unwrap();
    on!(Person, |p| p.phone = "06 99 00 00 00".into())(&mut p);
    t.other.apply(&Change::Upsert(p)).unwrap();
    set(
        form_mut(&mut t.app),
        "text",
        "Premier entretien, bilan fait",
    );
    save(&mut t.app, &mut t.mine);
    assert!(t.app.overlay.is_none(), "note saved at once");
    let f = t.mine.person_file(pid).unwrap();
    assert_eq!(f.notes[0].text, "Premier entretien, bilan fait");
    assert_eq!(f.person.phone, "06 99 00 00 00");

    t.app
        .handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), &mut t.mine);
    t.app.handle_key(up('I'), &mut t.mine);
    t.other
        .apply(&Change::Upsert(Record::Note(Note {
            person_id: pid,
            author: "Paul".into(),
            text: "Appel de la CAF".into(),
            ..Default::default()
        })))
        .unwrap();
    t.app.external_change(&t.mine);
    set(form_mut(&mut t.app), "commune", "Lens");
    save(&mut t.app, &mut t.mine);
    assert!(t.app.overlay.is_none(), "identity saved at once");
    let f = t.mine.person_file(pid).unwrap();
    assert_eq!(f.person.commune, "Lens");
    assert_eq!(f.person.phone, "06 99 00 00 00", "A's phone kept");
    assert_eq!(f.notes.len(), 2);
}

#[test]
fn a_record_deleted_elsewhere_is_said_and_never_brought_back() {
    let case = CASES.iter().find(|c| c.name == "note").unwrap();
    let mut t = setup(case);
    for k in case.open {
        t.app.handle_key(*k, &mut t.mine);
    }
    t.other.apply(&Change::Delete(t.kind, t.id)).unwrap();
    set(form_mut(&mut t.app), "text", "Texte tapé pendant ce temps");
    for refresh in [false, true] {
        if refresh {
            t.app.external_change(&t.mine);
        }
        save(&mut t.app, &mut t.mine);
        let f = form(&t.app);
        let err = f.error.clone().unwrap_or_default();
        assert!(err.contains("supprimée sur un autre poste"), "{err}");
        assert_eq!(f.value("text"), "Texte tapé pendant ce temps");
        assert!(stored(&t.mine, t.kind, t.id).is_none(), "not re-created");
    }
}

#[test]
fn a_delete_key_is_refused_only_when_its_record_changed_elsewhere() {
    let case = CASES.iter().find(|c| c.name == "note").unwrap();
    // (name, what A changes before B's delete key, is the delete refused)
    let cases: [(&str, bool, bool); 2] = [
        ("identity changed elsewhere", false, false),
        ("the note changed elsewhere", true, true),
    ];
    for (name, note_changed, refused) in cases {
        let mut t = setup(case);
        t.app.handle_key(up('J'), &mut t.mine);
        let pid = t.app.file.as_ref().unwrap().data.person.id;
        if note_changed {
            let mut n = stored(&t.other, t.kind, t.id).unwrap();
            (case.theirs)(&mut n);
            t.other.apply(&Change::Upsert(n)).unwrap();
        } else {
            let mut p = stored(&t.other, RecordKind::Person, pid).unwrap();
            on!(Person, |p| p.commune = "Arras".into())(&mut p);
            t.other.apply(&Change::Upsert(p)).unwrap();
        }
        // No refresh in between: B deletes from a view older than A's change.
        t.app.handle_key(ch('x'), &mut t.mine);
        let status = t
            .app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default();
        let still_there = stored(&t.mine, t.kind, t.id).is_some();
        assert_eq!(still_there, refused, "{name}: {status}");
        assert_eq!(
            status.contains("modifié sur un autre poste"),
            refused,
            "{name}: {status}"
        );
    }
}
