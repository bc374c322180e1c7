//! The store interface on both backends: the same test functions run on a real SQLite file
//! in a temporary directory and on a real PostgreSQL server (the one `.ci/run` starts, or a
//! throwaway cluster of the test's own; skipped with a note where PostgreSQL is absent and
//! this is not CI). Then what only the server has: two advisors at once on one file, rights
//! the server enforces through the store, a connection cut in the middle of an edit.

mod support;

use chrono::{NaiveDate, NaiveDateTime};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::server::{self, Credentials, ServerStore};
use parcours::store::{Backend, Store, StoreError};
use std::path::PathBuf;
use support::pg::{TestServer, CHEF, CHEF_PW, CLAIRE, CLAIRE_PW};

const NOW: &str = "2026-11-22 10:00:00";

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn clock() -> Clock {
    Clock::fixed(dt(NOW))
}

/// One base, on one backend; [`Base::open`] is one more window (file) or PC (server).
enum Base {
    File {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Server(TestServer),
}

impl Base {
    fn file() -> Base {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parcours.db");
        Store::open(&path, clock()).expect("create the base");
        Base::File { _dir: dir, path }
    }

    /// An initialised server database with an administrator (chef) and an advisor (claire).
    fn server(name: &str) -> Option<Base> {
        TestServer::with_team(name).map(Base::Server)
    }

    /// Both backends: the file always, the server where PostgreSQL is there.
    fn each(name: &str) -> Vec<Base> {
        let mut v = vec![Base::file()];
        v.extend(Base::server(name));
        v
    }

    fn label(&self) -> &'static str {
        match self {
            Base::File { .. } => "fichier",
            Base::Server(_) => "serveur",
        }
    }

    /// A new handle, as the advisor (claire) on the server.
    fn open(&self) -> Box<dyn Backend> {
        match self {
            Base::File { path, .. } => Box::new(Store::open(path, clock()).expect("open")),
            Base::Server(srv) => Box::new(advisor(srv, CLAIRE, CLAIRE_PW)),
        }
    }

    /// Rows of the audit log (read as the superuser on the server: advisors cannot).
    fn audit_rows(&self) -> i64 {
        self.count("SELECT count(*) FROM audit")
    }

    fn count(&self, sql: &str) -> i64 {
        match self {
            Base::File { path, .. } => support::connect(path, None)
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Base::Server(srv) => srv.superuser().query_one(sql, &[]).unwrap().get(0),
        }
    }
}

fn advisor(srv: &TestServer, who: &str, pw: &str) -> ServerStore {
    ServerStore::open(
        &srv.url(),
        &Credentials {
            user: Some(&srv.name(who)),
            password: Some(pw),
        },
        clock(),
    )
    .unwrap_or_else(|e| panic!("{who} logs in: {e}"))
}

fn upsert(s: &mut dyn Backend, r: Record) -> Id {
    s.apply(&Change::Upsert(r)).expect("apply").id
}

fn person() -> Person {
    Person {
        nom: "N'Diaye".into(),
        prenom: "Aïcha".into(),
        nom_usage: "Le Gall".into(),
        birth_date: Some(d("1988-02-29")),
        sexe: "F".into(),
        phone: "+33 6 12 34 56 78".into(),
        commune: "Hénin-Beaumont".into(),
        rsa_statut: "ouvert".into(),
        ..Default::default()
    }
}

/// A whole file through the write path: every kind with sub-rows included.
fn write_file(s: &mut dyn Backend) -> Id {
    let pid = upsert(s, Record::Person(person()));
    upsert(
        s,
        Record::Suivi(Suivi {
            person_id: pid,
            dispositif: "rsa".into(),
            referent: "Claire Fontaine".into(),
            date_orientation: Some(d("2026-01-05")),
            date_entree: Some(d("2026-01-20")),
            ..Default::default()
        }),
    );
    upsert(
        s,
        Record::Diagnostic(Diagnostic {
            person_id: pid,
            kind: "initial".into(),
            date: Some(d("2026-01-20")),
            themes: vec![
                ThemeAssessment {
                    theme: "logement".into(),
                    level: "vigilance".into(),
                    comment: "hébergée chez sa sœur ; « provisoire »".into(),
                },
                ThemeAssessment {
                    theme: "mobilite".into(),
                    level: "obstacle".into(),
                    comment: String::new(),
                },
            ],
            ..Default::default()
        }),
    );
    let barrier = upsert(
        s,
        Record::Barrier(Barrier {
            person_id: pid,
            theme: "mobilite".into(),
            situation: Some("mob_aucun_transport".into()),
            label: "Aucun moyen de transport".into(),
            status: "actif".into(),
            ..Default::default()
        }),
    );
    upsert(
        s,
        Record::Action(PlanAction {
            person_id: pid,
            barrier_id: Some(barrier),
            label: "Dossier aide au permis".into(),
            partner: "Auto-école solidaire".into(),
            due: Some(d("2026-12-15")),
            status: "a_faire".into(),
            ..Default::default()
        }),
    );
    upsert(
        s,
        Record::Appointment(Appointment {
            person_id: pid,
            start: Some(dt("2026-11-20 09:00:00")),
            duration_min: 45,
            medium: "physique".into(),
            status: "honore".into(),
            report: "Premier entretien.\nDossier CAF à compléter.".into(),
            demarches: vec![
                Demarche {
                    theme: "finances".into(),
                    label: "Point budget".into(),
                },
                Demarche {
                    theme: "mobilite".into(),
                    label: "Carte solidaire".into(),
                },
            ],
            ..Default::default()
        }),
    );
    upsert(
        s,
        Record::Note(Note {
            person_id: pid,
            at: Some(dt("2026-11-20 10:00:00")),
            author: "Claire Fontaine".into(),
            text: "Appeler la CAF \u{1F4DE} ; tab\tet retour\r\nà la ligne".into(),
            ..Default::default()
        }),
    );
    pid
}

#[test]
fn a_whole_file_reads_back_the_same_on_both_backends() {
    let mut files = Vec::new();
    for base in Base::each("file") {
        let mut s = base.open();
        let pid = write_file(s.as_mut());
        let f = s.person_file(pid).unwrap();
        assert_eq!(f.person.dossier, "2026-00001", "{}", base.label());
        assert_eq!(
            f.person.version,
            7,
            "{}: created, then one bump per record",
            base.label()
        );
        assert_eq!(f.diagnostics[0].themes.len(), 2);
        assert_eq!(f.appointments[0].demarches[1].label, "Carte solidaire");
        assert_eq!(s.person_ids().unwrap(), vec![pid]);
        let rows = s.caseload(&["a_faire".to_string()]).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].referent, "Claire Fontaine");
        assert_eq!(rows[0].last_honoured, Some(dt("2026-11-20 09:00:00")));
        assert!(!rows[0].archived);
        // A collective session touches its participants' files, and shows in them.
        let v = s.person_version(pid).unwrap().unwrap();
        upsert(
            s.as_mut(),
            Record::Session(Session {
                title: "Atelier CV".into(),
                kind: "atelier".into(),
                start: Some(dt("2026-11-24 14:00:00")),
                duration_min: 120,
                capacity: 8,
                participants: vec![Participation {
                    person_id: pid,
                    status: "a_venir".into(),
                    note: "apporte son CV".into(),
                }],
                ..Default::default()
            }),
        );
        assert_eq!(s.person_version(pid).unwrap(), Some(v + 1));
        let sessions = s.person_sessions(pid).unwrap();
        assert_eq!(sessions.len(), 1, "{}", base.label());
        s.audit("consultation", Some(pid)).unwrap();
        let f = s.person_file(pid).unwrap();
        files.push((base.label(), f, rows, sessions, s.sessions().unwrap()));
    }
    // The same statements on both: the same file, field for field, ids included.
    if let [(_, file, rows, ps, ss), (_, server, server_rows, server_ps, server_ss)] = &files[..] {
        assert_eq!(file, server);
        assert_eq!(rows, server_rows);
        assert_eq!(ps, server_ps);
        assert_eq!(ss, server_ss);
    }
}

#[test]
fn a_stale_save_is_refused_and_writes_nothing() {
    for base in Base::each("stale") {
        let mut a = base.open();
        let pid = write_file(a.as_mut());
        let mut b = base.open(); // another window, another PC
        let seen = b.person_version(pid).unwrap().unwrap();
        let before = b.person_file(pid).unwrap().person;

        let mut mine = before.clone();
        mine.commune = "Lens".into();
        a.apply_if_version(&Change::Upsert(Record::Person(mine)), pid, seen)
            .unwrap();
        let audit = base.audit_rows();

        let mut theirs = before;
        theirs.commune = "Arras".into();
        let e = b
            .apply_if_version(&Change::Upsert(Record::Person(theirs)), pid, seen)
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict), "{}: {e:?}", base.label());
        assert!(e.to_string().contains("modifiée entre-temps"), "{e}");
        assert_eq!(b.person_file(pid).unwrap().person.commune, "Lens");
        assert_eq!(
            base.audit_rows(),
            audit,
            "{}: a refusal is not audited",
            base.label()
        );
    }
}

#[test]
fn a_record_written_elsewhere_is_not_overwritten() {
    for base in Base::each("record") {
        let mut a = base.open();
        let pid = write_file(a.as_mut());
        let mut b = base.open();
        let barrier = b.person_file(pid).unwrap().barriers[0].clone();
        let mut mine = barrier.clone();
        mine.note = "vu le 21/11".into();
        a.apply(&Change::Upsert(Record::Barrier(mine))).unwrap();
        let mut theirs = barrier;
        theirs.status = "leve".into();
        let e = b
            .apply(&Change::Upsert(Record::Barrier(theirs)))
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict), "{}: {e:?}", base.label());
        let stored = b.person_file(pid).unwrap().barriers[0].clone();
        assert_eq!(
            (stored.note.as_str(), stored.status.as_str()),
            ("vu le 21/11", "actif")
        );
    }
}

#[test]
fn undo_restores_and_is_refused_over_another_window() {
    for base in Base::each("undo") {
        let mut a = base.open();
        let pid = write_file(a.as_mut());
        let f = a.person_file(pid).unwrap();
        let action = f.actions[0].clone();

        // Undo of an update puts the previous content back.
        let mut done = action.clone();
        done.status = "fait".into();
        let v = a.person_version(pid).unwrap().unwrap();
        let applied = a
            .apply_if_version(&Change::Upsert(Record::Action(done)), pid, v)
            .unwrap();
        let v = a.person_version(pid).unwrap().unwrap();
        a.undo(applied.inverse.as_ref().unwrap(), pid, v).unwrap();
        assert_eq!(a.person_file(pid).unwrap().actions[0].status, "a_faire");

        // Undo of a delete puts the row back under its id, sub-rows included.
        let appt = f.appointments[0].clone();
        let v = a.person_version(pid).unwrap().unwrap();
        let applied = a
            .apply_if_version(&Change::Delete(RecordKind::Appointment, appt.id), pid, v)
            .unwrap();
        assert!(a.person_file(pid).unwrap().appointments.is_empty());
        let v = a.person_version(pid).unwrap().unwrap();
        a.undo(applied.inverse.as_ref().unwrap(), pid, v).unwrap();
        let back = a.person_file(pid).unwrap().appointments;
        assert_eq!(back.len(), 1);
        assert_eq!((back[0].id, &back[0].demarches), (appt.id, &appt.demarches));

        // An undo over another window's edit is refused.
        let mut done = a.person_file(pid).unwrap().actions[0].clone();
        done.status = "fait".into();
        let v = a.person_version(pid).unwrap().unwrap();
        let applied = a
            .apply_if_version(&Change::Upsert(Record::Action(done)), pid, v)
            .unwrap();
        let mine = a.person_version(pid).unwrap().unwrap();
        let mut b = base.open();
        let mut other = b.person_file(pid).unwrap().actions[0].clone();
        other.outcome = "permis obtenu".into();
        b.apply(&Change::Upsert(Record::Action(other))).unwrap();
        let e = a
            .undo(applied.inverse.as_ref().unwrap(), pid, mine)
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict), "{}: {e:?}", base.label());
        assert_eq!(
            a.person_file(pid).unwrap().actions[0].outcome,
            "permis obtenu"
        );
    }
}

#[test]
fn every_write_has_its_audit_entry_in_the_same_transaction() {
    for base in Base::each("audit") {
        let mut s = base.open();
        let before = base.audit_rows();
        let pid = write_file(s.as_mut());
        assert_eq!(base.audit_rows(), before + 7, "{}", base.label());
        let entries = base.count(&format!(
            "SELECT count(*) FROM audit WHERE person_id = {pid} AND action = 'creation'"
        ));
        assert_eq!(
            entries,
            7,
            "{}: each record's entry names the person",
            base.label()
        );
        // A write refused inside its transaction leaves no entry (all or nothing).
        let bad = vec![
            Change::Upsert(Record::Note(Note {
                person_id: pid,
                text: "écrite puis annulée".into(),
                ..Default::default()
            })),
            Change::Delete(RecordKind::Note, 999_999),
        ];
        assert!(matches!(s.apply_all(&bad), Err(StoreError::NotFound)));
        assert_eq!(base.audit_rows(), before + 7, "{}", base.label());
        assert_eq!(s.person_file(pid).unwrap().notes.len(), 1);
    }
}

// --- What only the server has. ---

#[test]
fn two_advisors_at_once_never_lose_an_edit() {
    let Some(base) = Base::server("two") else {
        return;
    };
    let Base::Server(srv) = &base else {
        unreachable!()
    };
    let pid = write_file(&mut advisor(srv, CLAIRE, CLAIRE_PW));
    let start = base.count(&format!("SELECT version FROM persons WHERE id = {pid}"));
    const ROUNDS: usize = 40;
    let results: Vec<(usize, usize, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = [(CLAIRE, CLAIRE_PW), (CHEF, CHEF_PW)]
            .into_iter()
            .map(|(who, pw)| {
                scope.spawn(move || {
                    let mut s = advisor(srv, who, pw);
                    let (mut ok, mut refused) = (0, 0);
                    let mut dossiers = Vec::new();
                    for i in 0..ROUNDS {
                        // Each reads the file, edits it, saves with the version it read.
                        let v = s.person_version(pid).unwrap().unwrap();
                        let mut p = s.person_file(pid).unwrap().person;
                        p.commune = format!("{who} {i}");
                        match s.apply_if_version(&Change::Upsert(Record::Person(p)), pid, v) {
                            Ok(_) => ok += 1,
                            Err(StoreError::Conflict | StoreError::Busy) => refused += 1,
                            Err(e) => panic!("{who}: {e:?}"),
                        }
                        // And creates a file: n° de dossier from the shared counter.
                        let id = upsert(&mut s, Record::Person(person()));
                        dossiers.push(s.person_file(id).unwrap().person.dossier);
                    }
                    (ok, refused, dossiers)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: usize = results.iter().map(|r| r.0).sum();
    let refused: usize = results.iter().map(|r| r.1).sum();
    assert_eq!(ok + refused, 2 * ROUNDS);
    // Every accepted save is in the version count: none was overwritten unseen.
    let end = base.count(&format!("SELECT version FROM persons WHERE id = {pid}"));
    assert_eq!(
        end - start,
        ok as i64,
        "{ok} saves accepted, {refused} refused"
    );
    let mut dossiers: Vec<String> = results.into_iter().flat_map(|r| r.2).collect();
    dossiers.sort();
    dossiers.dedup();
    assert_eq!(dossiers.len(), 2 * ROUNDS, "no n° de dossier given twice");
    eprintln!("two advisors: {ok} saves accepted, {refused} refused as stale");
}

#[test]
fn the_server_refuses_an_advisor_erasing_a_person_through_the_store() {
    let Some(base) = Base::server("erase") else {
        return;
    };
    let Base::Server(srv) = &base else {
        unreachable!()
    };
    let mut claire = advisor(srv, CLAIRE, CLAIRE_PW);
    let pid = write_file(&mut claire);
    let e = claire
        .apply(&Change::Delete(RecordKind::Person, pid))
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
    assert!(e.to_string().contains("droits insuffisants"), "{e}");
    assert_eq!(claire.person_ids().unwrap(), vec![pid], "nothing erased");
    // Raw SQL is refused too: the rule is the server's, not the app's.
    assert!(matches!(
        claire.execute_raw("DELETE FROM audit"),
        Err(StoreError::Forbidden(_))
    ));
    // The administrator may.
    let mut chef = advisor(srv, CHEF, CHEF_PW);
    chef.apply(&Change::Delete(RecordKind::Person, pid))
        .unwrap();
    assert!(chef.person_ids().unwrap().is_empty());
}

#[test]
fn a_connection_cut_in_the_middle_of_an_edit_loses_nothing_and_lands_once() {
    let Some(base) = Base::server("cut") else {
        return;
    };
    let Base::Server(srv) = &base else {
        unreachable!()
    };
    let mut claire = advisor(srv, CLAIRE, CLAIRE_PW);
    let pid = write_file(&mut claire);
    // The form is open: what the advisor typed is in memory, with the version it read.
    let v = claire.person_version(pid).unwrap().unwrap();
    let note = Note {
        person_id: pid,
        at: Some(dt("2026-11-22 09:55:00")),
        author: "Claire Fontaine".into(),
        text: "Rappeler jeudi".into(),
        ..Default::default()
    };
    // The server drops the connection (a restart, a cut network).
    let mut su = srv.superuser();
    let killed: i64 = su
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE usename = $1 AND datname = current_database()",
            &[&srv.name(CLAIRE)],
        )
        .unwrap()
        .get(0);
    assert_eq!(killed, 1);
    let change = Change::Upsert(Record::Note(note));
    let e = claire.apply_if_version(&change, pid, v).unwrap_err();
    assert!(ServerStore::is_gone(&e), "{e:?}");
    assert!(e.to_string().contains("saisie est conservée"), "{e}");
    // Back: the same save lands, once.
    claire.reconnect_now().expect("reconnects");
    claire.apply_if_version(&change, pid, v).unwrap();
    let notes = claire.person_file(pid).unwrap().notes;
    assert_eq!(
        notes.iter().filter(|n| n.text == "Rappeler jeudi").count(),
        1
    );
    assert_eq!(claire.person_version(pid).unwrap(), Some(v + 1));
}

#[test]
fn a_migrated_demo_base_reads_the_same_from_the_server() {
    let Some(base) = Base::server("lecture") else {
        return;
    };
    let Base::Server(srv) = &base else {
        unreachable!()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut local = Store::open(&dir.path().join("local.db"), clock()).unwrap();
    let rf = Referential::embedded();
    let ids = local
        .insert_files(&parcours::demo::generate(&rf, 40, 11, dt(NOW)))
        .unwrap();
    server::migrate(&local, &mut srv.superuser()).expect("migrate");

    let claire = advisor(srv, CLAIRE, CLAIRE_PW);
    assert_eq!(claire.person_ids().unwrap(), local.person_ids().unwrap());
    for id in ids {
        assert_eq!(
            claire.person_file(id).unwrap(),
            local.person_file(id).unwrap(),
            "person {id}"
        );
        assert_eq!(
            claire.person_version(id).unwrap(),
            local.person_version(id).unwrap()
        );
    }
    let open: Vec<String> = rf
        .action_statuses
        .iter()
        .filter(|s| s.open)
        .map(|s| s.code.clone())
        .collect();
    assert_eq!(
        claire.caseload(&open).unwrap(),
        local.caseload(&open).unwrap()
    );
}

#[test]
fn another_window_s_change_is_announced_at_its_commit() {
    for base in Base::each("annonce") {
        announced(&base, base.open(), base.open());
    }
}

fn announced(base: &Base, mut mine: Box<dyn Backend>, mut other: Box<dyn Backend>) {
    let label = base.label();
    let seen = mine.data_version().unwrap();
    // My own writes are not news to me.
    let pid = write_file(mine.as_mut());
    assert_eq!(mine.data_version().unwrap(), seen, "{label}");
    // Another PC's write is, once committed: the app reloads within its polling interval.
    let mut p = other.person_file(pid).unwrap().person;
    p.commune = "Liévin".into();
    other.apply(&Change::Upsert(Record::Person(p))).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while mine.data_version().unwrap() == seen {
        assert!(
            std::time::Instant::now() < deadline,
            "{label}: no announcement within 2 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(mine.person_file(pid).unwrap().person.commune, "Liévin");
    // A refused write announces nothing.
    let now = mine.data_version().unwrap();
    let stale = other.person_file(pid).unwrap().person;
    let e = other
        .apply_if_version(&Change::Upsert(Record::Person(stale)), pid, 1)
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict));
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(mine.data_version().unwrap(), now, "{label}");
}

// --- The operations beyond a file screen (admin views, today lists, imports, exports): the
// same names and signatures on `Store` and `ServerStore`, the same results. ---

/// A handle on either backend, for the operations the `Backend` trait does not carry.
#[allow(clippy::large_enum_variant)] // a few handles per test
enum Both {
    File(Store),
    Server(ServerStore),
}

/// `$e` with `$s` bound to the store, whichever its backend (the methods have the same
/// names and signatures on both).
macro_rules! on {
    ($h:expr, |$s:ident| $e:expr) => {
        match $h {
            Both::File($s) => $e,
            Both::Server($s) => $e,
        }
    };
}

impl Both {
    fn dyn_mut(&mut self) -> &mut dyn Backend {
        on!(self, |s| s as &mut dyn Backend)
    }

    fn dyn_ref(&self) -> &dyn Backend {
        on!(self, |s| s as &dyn Backend)
    }
}

impl Base {
    /// The advisor (claire) on the server; the file has no roles in its store.
    fn advisor(&self) -> Both {
        self.as_role(CLAIRE, CLAIRE_PW)
    }

    /// The administrator (chef) on the server.
    fn admin(&self) -> Both {
        self.as_role(CHEF, CHEF_PW)
    }

    fn as_role(&self, who: &str, pw: &str) -> Both {
        match self {
            Base::File { path, .. } => Both::File(Store::open(path, clock()).expect("open")),
            Base::Server(srv) => Both::Server(advisor(srv, who, pw)),
        }
    }
}

#[test]
fn a_file_past_retention_is_listed_archived_and_brought_back() {
    for base in Base::each("archive") {
        let label = base.label();
        let mut h = base.advisor();
        let old = upsert(h.dyn_mut(), Record::Person(person()));
        upsert(
            h.dyn_mut(),
            Record::Appointment(Appointment {
                person_id: old,
                start: Some(dt("2024-01-10 09:00:00")),
                duration_min: 45,
                medium: "physique".into(),
                status: "honore".into(),
                ..Default::default()
            }),
        );
        let recent = write_file(h.dyn_mut());
        let list = on!(&h, |s| s.retention_list()).unwrap();
        assert_eq!(list.len(), 1, "{label}: {list:?}");
        assert_eq!(list[0].person_id, old);
        assert_eq!(list[0].last_contact, d("2024-01-10"));
        assert_eq!(list[0].basis, parcours::store::ContactBasis::Interview);
        assert_eq!(list[0].name, "N'DIAYE Aïcha (LE GALL)");
        assert!(!list[0].open);
        assert_eq!(list[0].archived_at, None);

        let v = h.dyn_ref().person_version(old).unwrap().unwrap();
        let before = base.audit_rows();
        on!(&mut h, |s| s.set_archived(old, true)).unwrap();
        assert_eq!(on!(&h, |s| s.archived_at(old)).unwrap(), Some(dt(NOW)));
        assert_eq!(on!(&h, |s| s.archived_at(recent)).unwrap(), None);
        assert_eq!(
            h.dyn_ref().person_version(old).unwrap(),
            Some(v + 1),
            "{label}: other windows reload"
        );
        let list = on!(&h, |s| s.retention_list()).unwrap();
        assert_eq!(list[0].archived_at, Some(dt(NOW)), "{label}");
        // Hidden from the caseload while archived.
        let rows = h.dyn_ref().caseload(&[]).unwrap();
        assert!(
            rows.iter().any(|r| r.person_id == old && r.archived),
            "{label}"
        );
        on!(&mut h, |s| s.set_archived(old, false)).unwrap();
        assert_eq!(on!(&h, |s| s.archived_at(old)).unwrap(), None);
        // Each with its entry, in the same transaction.
        assert_eq!(base.audit_rows(), before + 2, "{label}");
        assert_eq!(
            base.count(&format!(
                "SELECT count(*) FROM audit WHERE person_id = {old} \
                 AND action IN ('archivage', 'desarchivage')"
            )),
            2
        );
        // A file that is not there: nothing written.
        let e = on!(&mut h, |s| s.set_archived(999_999, true)).unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{label}: {e:?}");
        assert_eq!(base.audit_rows(), before + 2, "{label}");
    }
}

#[test]
fn erasure_is_refused_to_an_advisor_and_done_for_an_administrator() {
    for base in Base::each("effacer") {
        let label = base.label();
        let mut claire = base.advisor();
        let pid = write_file(claire.dyn_mut());
        let before = base.audit_rows();
        if let Both::Server(s) = &mut claire {
            // The server refuses, whatever the app would have checked.
            let e = s.erase_person(pid).unwrap_err();
            assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
            assert!(e.to_string().contains("réservé aux administrateur"), "{e}");
            assert_eq!(s.person_ids().unwrap(), vec![pid], "nothing erased");
            assert_eq!(base.audit_rows(), before, "no entry of a refused erasure");
        }
        let mut chef = base.admin();
        let erased = on!(&mut chef, |s| s.erase_person(pid)).unwrap();
        assert!(erased.compacted, "{label}");
        assert!(chef.dyn_ref().person_ids().unwrap().is_empty(), "{label}");
        for table in [
            "suivis",
            "diagnostics",
            "diagnostic_themes",
            "appointments",
            "notes",
        ] {
            assert_eq!(
                base.count(&format!("SELECT count(*) FROM {table}")),
                0,
                "{label}: {table}"
            );
        }
        // A tombstone without identity, in the same transaction.
        assert_eq!(base.audit_rows(), before + 1, "{label}");
        assert_eq!(
            base.count(
                "SELECT count(*) FROM audit WHERE action = 'effacement' \
                 AND person_id IS NULL AND record_id IS NULL"
            ),
            1,
            "{label}"
        );
        let e = on!(&mut chef, |s| s.erase_person(pid)).unwrap_err();
        assert!(matches!(e, StoreError::NotFound), "{label}: {e:?}");
    }
}

#[test]
fn the_audit_log_lists_the_same_entries_for_an_administrator() {
    let mut listed = Vec::new();
    for base in Base::each("journal") {
        let label = base.label();
        let mut claire = base.advisor();
        let pid = write_file(claire.dyn_mut());
        claire.dyn_ref().audit("consultation", Some(pid)).unwrap();
        let chef = base.admin();
        let all = on!(&chef, |s| s.audit_entries(None, None, 100)).unwrap();
        assert_eq!(all.len(), 8, "{label}: {all:?}");
        assert_eq!(all[0].action, "consultation", "{label}: newest first");
        let created = on!(&chef, |s| s.audit_entries(None, Some("creation"), 100)).unwrap();
        assert_eq!(created.len(), 7, "{label}");
        assert!(created.iter().all(|e| e.person_id == Some(pid)));
        let actor = created[0].actor.clone();
        let mine = on!(&chef, |s| s.audit_entries(Some(&actor), None, 3)).unwrap();
        assert_eq!(mine.len(), 3, "{label}: the limit");
        let (actors, actions) = on!(&chef, |s| s.audit_filters()).unwrap();
        assert_eq!(actors, vec![actor.clone()], "{label}");
        assert_eq!(actions, vec!["consultation", "creation"], "{label}");
        if let (Base::Server(srv), Both::Server(s)) = (&base, &claire) {
            // Signed by the server with the advisor's role; an advisor does not read it.
            assert_eq!(actor, srv.name(CLAIRE));
            let e = s.audit_entries(None, None, 10).unwrap_err();
            assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
            assert!(matches!(s.audit_filters(), Err(StoreError::Forbidden(_))));
        }
        let strip = |v: Vec<parcours::store::audit::AuditEntry>| {
            v.into_iter()
                .map(|e| (e.action, e.record_kind, e.record_id, e.person_id))
                .collect::<Vec<_>>()
        };
        listed.push(strip(all));
    }
    if let [file, server] = &listed[..] {
        assert_eq!(file, server);
    }
}

#[test]
fn the_today_lists_read_the_same_on_both_backends() {
    let mut seen = Vec::new();
    for base in Base::each("aujourdhui") {
        let label = base.label();
        let mut h = base.advisor();
        let pid = write_file(h.dyn_mut());
        let mut suivi = h.dyn_ref().person_file(pid).unwrap().suivis[0].clone();
        suivi.sortie_date = Some(d("2026-03-02"));
        h.dyn_mut()
            .apply(&Change::Upsert(Record::Suivi(suivi.clone())))
            .unwrap();
        let today = d("2026-11-22");
        let due = on!(&h, |s| s.veilles_due(today, 50)).unwrap();
        assert_eq!(due.len(), 1, "{label}");
        assert_eq!(due[0].person_id, pid);
        assert_eq!(due[0].sortie_date, d("2026-03-02"));
        assert_eq!(due[0].person_name, "N'DIAYE Aïcha");
        // Not yet due six months after an exit of last week.
        assert!(on!(&h, |s| s.veilles_due(d("2026-08-01"), 50))
            .unwrap()
            .is_empty());
        let sessions = on!(&h, |s| s
            .sessions_between(dt("2026-11-22 00:00:00"), dt("2026-11-29 00:00:00")))
        .unwrap();
        assert!(sessions.is_empty(), "{label}");
        upsert(
            h.dyn_mut(),
            Record::Session(Session {
                title: "Atelier CV".into(),
                kind: "atelier".into(),
                start: Some(dt("2026-11-24 14:00:00")),
                duration_min: 120,
                capacity: 8,
                participants: vec![Participation {
                    person_id: pid,
                    status: "a_venir".into(),
                    note: String::new(),
                }],
                ..Default::default()
            }),
        );
        let sessions = on!(&h, |s| s
            .sessions_between(dt("2026-11-22 00:00:00"), dt("2026-11-29 00:00:00")))
        .unwrap();
        assert_eq!(sessions.len(), 1, "{label}");
        let expiring = on!(&h, |s| s.eligibilities_expiring(today, d("2027-06-01"), 50)).unwrap();
        assert!(
            on!(&h, |s| s.is_referent_of_anybody("claire fontaine")).unwrap(),
            "{label}"
        );
        assert!(!on!(&h, |s| s.is_referent_of_anybody("Personne")).unwrap());
        upsert(
            h.dyn_mut(),
            Record::Veille(Veille {
                person_id: pid,
                suivi_id: suivi.id,
                date: Some(d("2026-11-21")),
                situation: "emploi".into(),
                ..Default::default()
            }),
        );
        assert!(on!(&h, |s| s.veilles_due(today, 50)).unwrap().is_empty());
        seen.push((due, sessions, expiring));
    }
    if let [file, server] = &seen[..] {
        assert_eq!(file, server);
    }
}

/// A new person with an oriented suivi, as an import's line gives it.
fn imported(nom: &str) -> PersonFile {
    PersonFile {
        person: Person {
            nom: nom.into(),
            prenom: "Léa".into(),
            ..Default::default()
        },
        suivis: vec![Suivi {
            dispositif: "rsa".into(),
            date_orientation: Some(d("2026-11-02")),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn an_import_batch_lands_whole_with_its_audit_entries() {
    let mut seen = Vec::new();
    for base in Base::each("import") {
        let label = base.label();
        let mut h = base.advisor();
        let pid = write_file(h.dyn_mut());
        let known = on!(&h, |s| s.import_candidates()).unwrap();
        assert_eq!(known.len(), 1, "{label}");
        assert_eq!(known[0].1.as_ref().unwrap().referent, "Claire Fontaine");
        let mut p = known[0].0.clone();
        p.phone = "03 21 00 00 00".into();
        let batch = parcours::store::imports::ImportBatch {
            new_files: vec![imported("Martin"), imported("Durand")],
            changes: vec![Change::Upsert(Record::Person(p))],
            audit_detail: "orientations.csv : 2 créées, 1 complétée".into(),
        };
        let before = base.audit_rows();
        let mut calls = Vec::new();
        let ids = on!(&mut h, |s| s
            .import_batch(&batch, &mut |d, t| calls.push((d, t))))
        .unwrap();
        assert_eq!(ids.len(), 2, "{label}");
        assert_eq!(calls.last(), Some(&(3, 3)));
        // One entry per new file, one per change, one for the import.
        assert_eq!(base.audit_rows(), before + 4, "{label}");
        let f = h.dyn_ref().person_file(ids[1]).unwrap();
        assert_eq!(f.person.nom, "Durand");
        assert_eq!(f.suivis.len(), 1);
        assert_eq!(
            h.dyn_ref().person_file(pid).unwrap().person.phone,
            "03 21 00 00 00"
        );
        let details = on!(&base.admin(), |s| s.import_audit_details()).unwrap();
        assert_eq!(details, vec![batch.audit_detail.clone()], "{label}");
        // A change of a record edited since the preview refuses the whole import.
        let stale = parcours::store::imports::ImportBatch {
            new_files: vec![imported("Petit")],
            changes: batch.changes.clone(),
            audit_detail: "encore".into(),
        };
        let e = on!(&mut h, |s| s.import_batch(&stale, &mut |_, _| {})).unwrap_err();
        assert!(matches!(e, StoreError::Conflict), "{label}: {e:?}");
        assert_eq!(h.dyn_ref().person_ids().unwrap().len(), 3, "{label}");
        assert_eq!(base.audit_rows(), before + 4, "{label}");
        // Nothing to write: no entry either.
        let empty = parcours::store::imports::ImportBatch::default();
        assert!(on!(&mut h, |s| s.import_batch(&empty, &mut |_, _| {}))
            .unwrap()
            .is_empty());
        assert_eq!(base.audit_rows(), before + 4, "{label}");
        let files: Vec<PersonFile> = ids
            .iter()
            .map(|id| h.dyn_ref().person_file(*id).unwrap())
            .collect();
        seen.push(files);
    }
    if let [file, server] = &seen[..] {
        assert_eq!(file, server);
    }
}

/// The JSON export of `store` with the export time the clock gives (fixed).
fn json_of(store: &dyn Backend) -> String {
    let mut out = Vec::new();
    parcours::export::write_json(store, None, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_json_export_imports_into_either_backend_and_exports_the_same() {
    // The source: a file base written record by record.
    let source = Base::file();
    let mut s = source.advisor();
    write_file(s.dyn_mut());
    let two = write_file(s.dyn_mut());
    upsert(
        s.dyn_mut(),
        Record::Session(Session {
            title: "Atelier CV".into(),
            kind: "atelier".into(),
            start: Some(dt("2026-11-24 14:00:00")),
            duration_min: 120,
            capacity: 8,
            participants: vec![Participation {
                person_id: two,
                status: "honore".into(),
                note: String::new(),
            }],
            ..Default::default()
        }),
    );
    let exported = json_of(s.dyn_ref());
    let files = parcours::import::json::read(exported.as_bytes()).expect("reads its own export");
    assert_eq!(files.len(), 2);
    let mut again = Vec::new();
    for base in Base::each("json") {
        let label = base.label();
        let mut h = base.advisor();
        let before = base.audit_rows();
        let ids = on!(&mut h, |s| s.insert_files(&files)).unwrap();
        assert_eq!(ids.len(), 2, "{label}");
        assert_eq!(base.audit_rows(), before + 2, "{label}: one entry per file");
        let back = json_of(h.dyn_ref());
        // The same records as the source (the sessions aside: an import brings files).
        for id in &ids {
            let f = h.dyn_ref().person_file(*id).unwrap();
            assert_eq!(f.appointments[0].demarches.len(), 2, "{label}");
            assert_eq!(f.diagnostics[0].themes.len(), 2, "{label}");
        }
        again.push(back);
    }
    // Byte for byte the same export from the file and from the server.
    if let [file, server] = &again[..] {
        assert_eq!(file, server);
    }
}

#[test]
fn csv_and_ics_exports_of_a_migrated_base_are_byte_identical() {
    let Some(base) = Base::server("exports") else {
        return;
    };
    let Base::Server(srv) = &base else {
        unreachable!()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut local = Store::open(&dir.path().join("local.db"), clock()).unwrap();
    let rf = Referential::embedded();
    // Enough appointments that the server's cursor is read in several batches.
    let ids = local
        .insert_files(&parcours::demo::generate(&rf, 120, 7, dt(NOW)))
        .unwrap();
    // The demo has no collective session: two, one without participants.
    for (title, who) in [("Atelier CV", &ids[..3]), ("Forum emploi", &ids[..0])] {
        upsert(
            &mut local,
            Record::Session(Session {
                title: title.into(),
                kind: "atelier".into(),
                start: Some(dt("2026-11-24 14:00:00")),
                duration_min: 90,
                capacity: 8,
                participants: who
                    .iter()
                    .map(|id| Participation {
                        person_id: *id,
                        status: "a_venir".into(),
                        note: String::new(),
                    })
                    .collect(),
                ..Default::default()
            }),
        );
    }
    let appointments: i64 = local
        .table_counts()
        .unwrap()
        .into_iter()
        .find(|(t, _)| t == "appointments")
        .unwrap()
        .1;
    assert!(appointments > 1000, "{appointments} appointments");
    server::migrate(&local, &mut srv.superuser()).expect("migrate");
    let claire = advisor(srv, CLAIRE, CLAIRE_PW);

    use parcours::export::selection::{SelectionArgs, Target, What};
    let referent = parcours::store::read(&local, parcours::store::exports::referents_on)
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let mut cases: Vec<(Target, SelectionArgs)> = Vec::new();
    for what in [
        What::Personnes,
        What::RendezVous,
        What::Actions,
        What::Sorties,
        What::Seances,
    ] {
        cases.push((
            Target::Csv,
            SelectionArgs {
                quoi: Some(what),
                ..Default::default()
            },
        ));
        if what != What::Seances {
            cases.push((
                Target::Csv,
                SelectionArgs {
                    quoi: Some(what),
                    referent: Some(referent.clone()),
                    du: Some("01/03/2026".into()),
                    au: Some("30/11/2026".into()),
                    ..Default::default()
                },
            ));
        }
    }
    cases.push((Target::Ics, SelectionArgs::default()));
    cases.push((
        Target::Ics,
        SelectionArgs {
            dispositif: Some("rsa".into()),
            du: Some("01/10/2026".into()),
            avec_noms: true,
            ..Default::default()
        },
    ));
    for (target, args) in cases {
        let write = |store: &dyn Backend| {
            let sel = args.resolve(target, store, &rf).expect("resolves");
            let mut out = Vec::new();
            let n = parcours::export::write_selection(store, &rf, &sel, &mut out).unwrap();
            (n, out)
        };
        let (n, file) = write(&local);
        let (m, server) = write(&claire);
        assert!(n > 0, "{target:?} {args:?}: an empty export proves nothing");
        assert_eq!(n, m, "{target:?} {args:?}");
        assert!(
            file == server,
            "{target:?} {args:?}: the file's and the server's exports differ\n{}\n---\n{}",
            String::from_utf8_lossy(&file[..file.len().min(2000)]),
            String::from_utf8_lossy(&server[..server.len().min(2000)])
        );
    }
    // The JSON export too.
    assert_eq!(json_of(&claire), json_of(&local));
}
