//! Crash safety: a child process (this test binary re-run in "child mode") makes edits
//! through `Store::apply` — the application's only write path — and prints `ACK <n>` after
//! each commit returns. The parent SIGKILLs it at a random moment, reopens the file and
//! checks that every acknowledged edit is there, that nothing is half-applied (each
//! diagnostic has its 12 themes, each appointment exactly its démarches), that the database
//! is exactly the result of the first `k` edits for some `k`, and that the integrity check
//! passes. The same file is used for every round: each round starts from the previous
//! crash.
//!
//! Rounds: 200 by default (CI, about 3 s in release on 2 cores; the file grows every round,
//! so time grows faster than the count). `PARCOURS_CRASH_ROUNDS=3000` for more (about 6
//! minutes),
//! `PARCOURS_CRASH_SEED=<n>` to replay a run (the seed is printed).
//!
//! Every other round the child also lowers `wal_autocheckpoint` to 8 pages, so kills also
//! land in the middle of WAL checkpoints (pages copied back into the main file).

use parcours::clock::Clock;
use parcours::domain::*;
use parcours::store::Store;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ENV_DB: &str = "PARCOURS_CRASH_CHILD_DB";
const ENV_CHECKPOINTS: &str = "PARCOURS_CRASH_CHILD_CHECKPOINTS";

const THEMES: [&str; 12] = [
    "mobilite",
    "logement",
    "sante",
    "finances",
    "numerique",
    "savoir_etre",
    "langue",
    "droits",
    "famille",
    "justice",
    "violences",
    "isolement",
];
const LEVELS: [&str; 5] = [
    "non_aborde",
    "appui",
    "vigilance",
    "obstacle",
    "obstacle_majeur",
];

/// Persons of the test file: one per kind of edit, so that each file stays small.
const P_IDENTITY: Id = 1;
const P_DIAG: Id = 2;
const P_APPT: Id = 3;
const P_BARRIER: Id = 4;

fn clock() -> Clock {
    Clock::fixed(
        chrono::NaiveDateTime::parse_from_str("2026-11-22 10:00:00", "%Y-%m-%d %H:%M:%S").unwrap(),
    )
}

// ----- the edits: op n is fully determined by n -----

fn tag(n: u64) -> String {
    format!("op-{n}")
}

fn diag_themes(n: u64) -> Vec<ThemeAssessment> {
    // Comments long enough that a diagnostic spans several pages now and then.
    let mut v: Vec<ThemeAssessment> = THEMES
        .iter()
        .enumerate()
        .map(|(i, t)| ThemeAssessment {
            theme: t.to_string(),
            level: LEVELS[(n as usize + i) % LEVELS.len()].to_string(),
            comment: format!(
                "{}-{i} {}",
                tag(n),
                "é".repeat((n as usize * 37 + i * 11) % 300)
            ),
        })
        .collect();
    v.sort_by(|a, b| a.theme.cmp(&b.theme));
    v
}

fn demarches(n: u64) -> Vec<Demarche> {
    (0..(n % 5) + 1)
        .map(|i| Demarche {
            theme: THEMES[(n + i) as usize % 12].to_string(),
            label: format!("{}-{i}", tag(n)),
        })
        .collect()
}

/// What the open file holds, reduced to what the edits touch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Model {
    commune: String,
    /// id -> (diplomes, themes)
    diagnostics: BTreeMap<Id, (String, Vec<ThemeAssessment>)>,
    /// id -> (report, démarches)
    appointments: BTreeMap<Id, (String, Vec<Demarche>)>,
    /// labels of the barriers
    barriers: Vec<String>,
}

/// The expected state after the first `k` edits (ids are the order of creation: rows of
/// these tables are never deleted).
fn expected(k: u64) -> Model {
    let mut m = Model::default();
    for n in 0..k {
        match n % 8 {
            0 | 4 => m.commune = tag(n),
            1 => {
                m.diagnostics
                    .insert((n / 8 + 1) as Id, (tag(n), diag_themes(n)));
            }
            5 => {
                m.diagnostics
                    .insert((n / 8 + 1) as Id, (tag(n), diag_themes(n)));
            }
            2 | 6 => {
                m.appointments
                    .insert((n / 8 + 1) as Id, (tag(n), demarches(n)));
            }
            3 => m.barriers.push(tag(n)),
            7 => m.barriers.retain(|b| *b != tag(n - 4)),
            _ => unreachable!(),
        }
    }
    m
}

fn actual(store: &Store) -> Model {
    let mut m = Model {
        commune: store.person_file(P_IDENTITY).unwrap().person.commune,
        ..Default::default()
    };
    for d in store.person_file(P_DIAG).unwrap().diagnostics {
        m.diagnostics.insert(d.id, (d.diplomes, d.themes));
    }
    for a in store.person_file(P_APPT).unwrap().appointments {
        m.appointments.insert(a.id, (a.report, a.demarches));
    }
    m.barriers = store
        .person_file(P_BARRIER)
        .unwrap()
        .barriers
        .into_iter()
        .map(|b| b.label)
        .collect();
    m
}

/// Edits committed so far: every edit bumps exactly one person's version by one.
fn committed(store: &Store, base: i64) -> u64 {
    let sum: i64 = (1..=4)
        .map(|p| store.person_version(p).unwrap().expect("person exists"))
        .sum();
    (sum - base) as u64
}

fn version_sum(store: &Store) -> i64 {
    (1..=4)
        .map(|p| store.person_version(p).unwrap().unwrap())
        .sum()
}

/// The change for edit `n`, built from what the store holds (as the app does).
fn change_for(store: &Store, n: u64) -> Change {
    let load = |kind, id| store.load(kind, id).unwrap();
    match n % 8 {
        0 | 4 => {
            let Some(Record::Person(mut p)) = load(RecordKind::Person, P_IDENTITY) else {
                panic!("person {P_IDENTITY} missing")
            };
            p.commune = tag(n);
            Change::Upsert(Record::Person(p))
        }
        1 => Change::Upsert(Record::Diagnostic(Diagnostic {
            person_id: P_DIAG,
            kind: "initial".into(),
            diplomes: tag(n),
            themes: diag_themes(n),
            ..Default::default()
        })),
        5 => {
            let id = (n / 8 + 1) as Id;
            let Some(Record::Diagnostic(mut d)) = load(RecordKind::Diagnostic, id) else {
                panic!("diagnostic {id} missing before edit {n}")
            };
            assert_eq!(d.diplomes, tag(n - 4), "diagnostic {id}");
            d.diplomes = tag(n);
            d.themes = diag_themes(n);
            Change::Upsert(Record::Diagnostic(d))
        }
        2 => Change::Upsert(Record::Appointment(Appointment {
            person_id: P_APPT,
            medium: "rdv".into(),
            status: "a_venir".into(),
            duration_min: 45,
            report: tag(n),
            demarches: demarches(n),
            ..Default::default()
        })),
        6 => {
            let id = (n / 8 + 1) as Id;
            let Some(Record::Appointment(mut a)) = load(RecordKind::Appointment, id) else {
                panic!("appointment {id} missing before edit {n}")
            };
            assert_eq!(a.report, tag(n - 4), "appointment {id}");
            a.report = tag(n);
            a.demarches = demarches(n);
            Change::Upsert(Record::Appointment(a))
        }
        3 => Change::Upsert(Record::Barrier(Barrier {
            person_id: P_BARRIER,
            theme: "logement".into(),
            label: tag(n),
            status: "identifie".into(),
            ..Default::default()
        })),
        7 => {
            let file = store.person_file(P_BARRIER).unwrap();
            let b = file
                .barriers
                .iter()
                .find(|b| b.label == tag(n - 4))
                .unwrap_or_else(|| panic!("barrier {} missing before edit {n}", tag(n - 4)));
            Change::Delete(RecordKind::Barrier, b.id)
        }
        _ => unreachable!(),
    }
}

/// Child mode: not a test of its own (ignored), run by `crash_harness` with the database
/// path in the environment. Edits until killed.
#[test]
#[ignore = "child process of crash_harness"]
fn crash_child() {
    let Ok(db) = std::env::var(ENV_DB) else {
        return;
    };
    let base: i64 = std::env::var("PARCOURS_CRASH_CHILD_BASE")
        .unwrap()
        .parse()
        .unwrap();
    let mut store = Store::open(Path::new(&db), clock()).expect("child: open");
    if std::env::var_os(ENV_CHECKPOINTS).is_some() {
        // Checkpoints every few commits: kills also hit the copy back into the main file.
        store.pragma_i64("wal_autocheckpoint=8").unwrap();
    }
    let mut n = committed(&store, base);
    println!("START {n}");
    loop {
        let change = change_for(&store, n);
        store.apply(&change).expect("child: apply");
        println!("ACK {n}");
        n += 1;
    }
}

/// xorshift64*: small, deterministic, good enough to pick kill moments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.trim().parse().ok())
}

fn setup(db: &Path) -> i64 {
    let mut store = Store::open(db, clock()).unwrap();
    let files: Vec<PersonFile> = ["IDENTITE", "DIAGNOSTIC", "RENDEZVOUS", "OBSTACLES"]
        .iter()
        .map(|nom| PersonFile {
            person: Person::new(nom, "Test"),
            ..Default::default()
        })
        .collect();
    let ids = store.insert_files(&files).unwrap();
    assert_eq!(ids, vec![P_IDENTITY, P_DIAG, P_APPT, P_BARRIER]);
    version_sum(&store)
}

#[test]
fn crash_harness() {
    let rounds = env_u64("PARCOURS_CRASH_ROUNDS").unwrap_or(200);
    let seed = env_u64("PARCOURS_CRASH_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1
    });
    println!("crash harness: {rounds} rounds, PARCOURS_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    let base = setup(&db);
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut total_acks = 0u64;
    let mut mid_edit_kills = 0u64;
    let mut before = 0u64;
    for round in 0..rounds {
        // Kill after 0..12 acknowledged edits, then 0..3 ms later: with 0 the child dies
        // while starting up or opening (WAL recovery) the file.
        let wait_acks = rng.below(13);
        let delay = Duration::from_micros(rng.below(3000));
        let checkpoints = rng.below(2) == 0;
        let stderr_path = dir.path().join("child-stderr.txt");
        let mut cmd = Command::new(&exe);
        cmd.args([
            "--exact",
            "crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_DB, &db)
        .env("PARCOURS_CRASH_CHILD_BASE", base.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap());
        if checkpoints {
            cmd.env(ENV_CHECKPOINTS, "1");
        } else {
            cmd.env_remove(ENV_CHECKPOINTS);
        }
        let mut child = cmd.spawn().expect("spawn child");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut acks: Vec<u64> = Vec::new();
        let mut line = String::new();
        let mut eof = false;
        while (acks.len() as u64) < wait_acks {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 {
                eof = true;
                break;
            }
            if let Some(n) = line.trim().strip_prefix("ACK ") {
                acks.push(n.parse().unwrap());
            }
        }
        std::thread::sleep(delay);
        child.kill().expect("SIGKILL");
        // What the child printed before dying was acknowledged too.
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        for l in rest.lines() {
            if let Some(n) = l.trim().strip_prefix("ACK ") {
                acks.push(n.parse().unwrap());
            }
        }
        let status = child.wait().unwrap();
        let child_err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        assert!(
            !eof || status.signal() == Some(9),
            "round {round}: the child stopped by itself ({status:?}):\n{child_err}"
        );
        assert_eq!(
            status.signal(),
            Some(9),
            "round {round}: child not killed by SIGKILL ({status:?}):\n{child_err}"
        );
        total_acks += acks.len() as u64;

        // Reopen as the application would, after the crash.
        let store = Store::open(&db, clock()).unwrap_or_else(|e| {
            panic!("round {round} (seed {seed}): reopening after the crash failed: {e}")
        });
        let k = committed(&store, base);
        let last_ack = acks.last().copied();
        if let Some(last) = last_ack {
            assert_eq!(acks, (acks[0]..=last).collect::<Vec<_>>(), "acks in order");
            assert_eq!(
                acks[0], before,
                "round {round}: child resumed at the first missing edit"
            );
            assert!(
                k > last,
                "round {round} (seed {seed}): edit {last} was acknowledged but is missing ({k} committed)"
            );
            assert!(
                k <= last + 2,
                "round {round}: {k} edits committed, last ack {last}"
            );
        } else {
            assert!(
                k == before || k == before + 1,
                "round {round}: {k} vs {before}"
            );
        }
        if k > last_ack.map(|l| l + 1).unwrap_or(before) {
            // The edit in progress when the kill came got committed but not acknowledged.
            mid_edit_kills += 1;
        }
        let problems = store.integrity_problems().unwrap();
        assert!(
            problems.is_empty(),
            "round {round}: integrity: {problems:?}"
        );
        let got = actual(&store);
        let want = expected(k);
        for (id, (_, themes)) in &got.diagnostics {
            assert_eq!(
                themes.len(),
                12,
                "round {round}: diagnostic {id} half-applied"
            );
        }
        if got != want {
            panic!(
                "round {round} (seed {seed}): the database is not the result of the first {k} edits\n\
                 got:  {got:?}\nwant: {want:?}"
            );
        }
        before = k;
    }
    println!(
        "crash harness: {rounds} rounds in {:.1} s, {before} edits committed, {total_acks} acknowledged, \
         {mid_edit_kills} kills landed after a commit and before its acknowledgement",
        started.elapsed().as_secs_f64()
    );
    assert!(before > rounds, "too few edits to mean anything: {before}");
}

/// Regression (found by the harness above): a kill in the middle of a WAL checkpoint leaves
/// the main file shorter than its header says (page 1 is copied back first), with every page
/// still in the WAL. That file is sound and must open; without its WAL it is truncated and
/// must be refused, untouched.
#[test]
fn a_file_killed_mid_checkpoint_opens_but_a_truncated_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("parcours.db");
    setup(&db);
    let copy = dir.path().join("copie.db");
    {
        let mut store = Store::open(&db, clock()).unwrap();
        // Nothing goes back to the main file: the growth below stays in the WAL.
        store.pragma_i64("wal_autocheckpoint=0").unwrap();
        for n in 0..40 {
            let c = change_for(&store, n);
            store.apply(&c).unwrap();
        }
        // The state a SIGKILL leaves (the store is still open: no checkpoint on close).
        std::fs::copy(&db, &copy).unwrap();
        std::fs::copy(
            dir.path().join("parcours.db-wal"),
            dir.path().join("copie.db-wal"),
        )
        .unwrap();
    }
    // Page 1 as a checkpoint writes it first: the header claims more pages than the file has.
    let mut bytes = std::fs::read(&copy).unwrap();
    let pages = u32::from_be_bytes(bytes[28..32].try_into().unwrap());
    bytes[28..32].copy_from_slice(&(pages + 25).to_be_bytes());
    std::fs::write(&copy, &bytes).unwrap();

    let without_wal = dir.path().join("sans-wal.db");
    std::fs::write(&without_wal, &bytes).unwrap();
    let err = Store::open(&without_wal, clock())
        .err()
        .expect("truncated file refused");
    assert!(err.to_string().contains("tronqué"), "{err}");
    assert_eq!(
        std::fs::read(&without_wal).unwrap(),
        bytes,
        "left unchanged"
    );

    let store = Store::open(&copy, clock()).expect("a file with its WAL opens");
    assert_eq!(actual(&store), expected(40));
    assert!(store.integrity_problems().unwrap().is_empty());
}
