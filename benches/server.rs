//! The shared server beside the local file (issue 15), on a loopback PostgreSQL started for
//! the run (a throwaway cluster, as the tests start one; or `PARCOURS_TEST_PG`).
//!
//! `cargo bench --bench server` (sizes: `BENCH_SIZES`, default 10000; the concurrent run's
//! length: `BENCH_SECS`, default 30). Both backends are measured in the same run, on the
//! same demo base (the server's copy made by `serveur migrer`), so their ratio is the figure
//! to compare on a noisy machine:
//! - login, then the caseload (goal on the server: ≤ 100 ms after login at 10k): the first
//!   screenful (`caseload_first`, what the app shows first), the whole list on the store's
//!   connection, and the whole list on a second connection on a thread (`caseload_reader`,
//!   as the app loads it meanwhile); the server's share split into its execution
//!   (`EXPLAIN ANALYZE`), execution and transfer, and decoding and the name sort;
//! - one edit's commit, p50 / p99 (goal ≤ 10 ms p99 on the server);
//! - 10 advisors at once (threads, each on its own connection, opening a random file and
//!   saving an edit every 300–700 ms): errors (goal: none) and commit p99 (goal ≤ 20 ms).
//!
//! The keystroke search does not touch the store (its index is in memory): unchanged.

// Shared with the tests; the bench uses part of it.
#[allow(dead_code)]
#[path = "../tests/support/pg.rs"]
mod pg;

use parcours::clock::Clock;
use parcours::demo;
use parcours::domain::{Change, Id, Note, Record, Referential};
use parcours::store::server::{self, Credentials, ServerStore};
use parcours::store::{Backend, Store, StoreError};
use std::time::{Duration, Instant};

const CHEF: &str = "chef";
const CHEF_PW: &str = "Lanterne-bruyere-cascade-47";
const ADVISORS: usize = 10;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "pass"
    } else {
        "**FAIL**"
    }
}

/// A small random generator (xorshift): the advisors' choices, reproducible.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn advisor(srv: &pg::TestServer, clock: &Clock, who: &str, pw: &str) -> Res<ServerStore> {
    Ok(ServerStore::open(
        &srv.url(),
        &Credentials {
            user: Some(&srv.name(who)),
            password: Some(pw),
        },
        clock.clone(),
    )?)
}

/// One edit of a file as the app makes it: the file read, a note added with the version
/// read, committed. Returns the commit's time.
fn edit(s: &mut dyn Backend, pid: Id, text: &str) -> Result<Duration, StoreError> {
    let v = s.person_version(pid)?.unwrap_or(0);
    let note = Note {
        person_id: pid,
        author: "Banc d'essai".into(),
        text: text.into(),
        ..Default::default()
    };
    let t = Instant::now();
    s.apply_if_version(&Change::Upsert(Record::Note(note)), pid, v)?;
    Ok(t.elapsed())
}

fn commits(s: &mut dyn Backend, ids: &[Id], n: usize) -> Res<Vec<Duration>> {
    let mut rng = Rng(0x005E_ED15);
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let pid = ids[rng.below(ids.len() as u64) as usize];
        v.push(edit(s, pid, &format!("note {i}"))?);
    }
    v.sort();
    Ok(v)
}

/// Rows the first screenful wants (a 50-line terminal) and the most full rows it reads, as
/// the app asks (`App::new_progressive`).
const SCREEN_ROWS: usize = 50;
const FIRST_READ_MAX: usize = 600;

/// The app's default list for an account that follows nobody: the people still followed,
/// archives hidden (`App`'s « en cours » filter).
fn shown(r: &parcours::domain::CaseloadRow) -> bool {
    !r.archived && r.sortie_date.is_none()
}

/// The open statuses, for the reader's thread.
fn open_for_thread() -> Vec<String> {
    Referential::embedded()
        .action_statuses
        .iter()
        .filter(|s| s.open)
        .map(|s| s.code.clone())
        .collect()
}

/// Times of one backend, sorted once measured.
#[derive(Default)]
struct Sides {
    login: Vec<Duration>,
    first: Vec<Duration>,
    first_rows: usize,
    whole: Vec<Duration>,
    reader: Vec<Duration>,
}

impl Sides {
    fn sort(&mut self) {
        for v in [
            &mut self.login,
            &mut self.first,
            &mut self.whole,
            &mut self.reader,
        ] {
            v.sort();
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("server: run with `cargo bench --bench server`");
        return;
    }
    if let Err(e) = run() {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Res<()> {
    let sizes: Vec<usize> = match std::env::var("BENCH_SIZES") {
        Ok(s) => s
            .split(',')
            .filter_map(|x| x.trim().replace('_', "").parse().ok())
            .collect(),
        Err(_) => vec![10_000],
    };
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let rf = Referential::embedded();
    let open: Vec<String> = rf
        .action_statuses
        .iter()
        .filter(|s| s.open)
        .map(|s| s.code.clone())
        .collect();
    let now = chrono::Local::now().naive_local();
    let clock = Clock::fixed(now);
    println!("load average at start: {}", loadavg());
    let mut goals: Vec<String> = Vec::new();
    for n in sizes {
        let Some(srv) = pg::TestServer::start(&format!("bench{n}")) else {
            return Err("PostgreSQL absent".into());
        };
        let mut su = srv.superuser();
        server::initialise(&mut su, &srv.name(CHEF), CHEF_PW, "Chef de service")?;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("bench.db");
        let mut local = Store::open(&path, clock.clone())?;
        let t = Instant::now();
        let mut ids = Vec::with_capacity(n);
        local.insert_files_each(demo::files(&rf, 42, now).take(n), |id| ids.push(id))?;
        println!(
            "{n} people: local base in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        server::migrate(&local, &mut su)?;
        // What autovacuum does on a live server within a minute of the copy: the
        // statistics, and the pages marked all-visible (index-only scans need it).
        su.batch_execute("VACUUM ANALYZE")?;
        println!("copied to the server in {:.1} s", t.elapsed().as_secs_f64());

        // Login then the caseload, 10 times each side, alternated: the first screenful
        // (what the app shows first), the whole list on the store's connection, the whole
        // list on a second connection as the app loads it meanwhile (its login included).
        let mut lite_t = Sides::default();
        let mut pg_t = Sides::default();
        let mut rows = (0, 0);
        for _ in 0..10 {
            let t = Instant::now();
            let s = Store::open(&path, clock.clone())?;
            lite_t.login.push(t.elapsed());
            let t = Instant::now();
            let start = s.caseload_first(&open, SCREEN_ROWS, FIRST_READ_MAX, &mut shown)?;
            lite_t.first.push(t.elapsed());
            lite_t.first_rows = start.rows.len();
            let t = Instant::now();
            rows.0 = s.caseload(&open)?.len();
            lite_t.whole.push(t.elapsed());
            let reader = s.caseload_reader()?;
            let t = Instant::now();
            std::thread::spawn(move || reader.caseload(&open_for_thread()))
                .join()
                .map_err(|_| "reader thread")??;
            lite_t.reader.push(t.elapsed());
            drop(s);

            let t = Instant::now();
            let s = advisor(&srv, &clock, CHEF, CHEF_PW)?;
            pg_t.login.push(t.elapsed());
            let t = Instant::now();
            let start = s.caseload_first(&open, SCREEN_ROWS, FIRST_READ_MAX, &mut shown)?;
            pg_t.first.push(t.elapsed());
            pg_t.first_rows = start.rows.len();
            let t = Instant::now();
            let whole = s.caseload(&open)?;
            pg_t.whole.push(t.elapsed());
            rows.1 = whole.len();
            assert_eq!(
                start.rows[..],
                whole[..start.rows.len()],
                "the first screenful is a prefix of the whole list"
            );
            let reader = s.caseload_reader()?;
            let t = Instant::now();
            std::thread::spawn(move || reader.caseload(&open_for_thread()))
                .join()
                .map_err(|_| "reader thread")??;
            pg_t.reader.push(t.elapsed());
        }
        assert_eq!(rows.0, rows.1, "the same caseload on both");
        // The server's own share: the query's execution time as the server measures it
        // (EXPLAIN ANALYZE runs it whole; no row is sent back); then the rows fetched
        // through the client without being decoded (execution and transfer); the rest of
        // the whole list's time is decoding into `CaseloadRow` and the name sort; for scale,
        // a plain sort of the file's rows by their name key is timed alone.
        let explained = format!("EXPLAIN (ANALYZE) {}", parcours::store::CASELOAD_SQL_SERVER);
        let (at, day) = (
            now.format("%Y-%m-%d %H:%M:%S").to_string(),
            now.format("%Y-%m-%d").to_string(),
        );
        su.batch_execute("SET search_path = parcours; SET jit = off")?;
        let mut server_side = Vec::new();
        for _ in 0..10 {
            let lines: Vec<String> = su
                .query(&explained, &[&at, &day, &open])?
                .iter()
                .map(|r| r.get(0))
                .collect();
            if std::env::var_os("BENCH_PLAN").is_some() && server_side.is_empty() {
                println!("{}", lines.join("\n"));
            }
            let ms = lines
                .iter()
                .find_map(|l| l.strip_prefix("Execution Time: "))
                .and_then(|l| l.trim_end_matches(" ms").parse::<f64>().ok())
                .ok_or("no execution time in EXPLAIN ANALYZE")?;
            server_side.push(Duration::from_secs_f64(ms / 1000.0));
        }
        let mut fetched = Vec::new();
        {
            use postgres::fallible_iterator::FallibleIterator;
            use postgres::types::Type;
            let mut c = server::connect(
                &srv.url(),
                &Credentials {
                    user: Some(&srv.name(CHEF)),
                    password: Some(CHEF_PW),
                },
            )?;
            c.batch_execute("SET jit = off")?;
            for _ in 0..10 {
                let t = Instant::now();
                let mut it = c.query_typed_raw(
                    parcours::store::CASELOAD_SQL_SERVER,
                    [
                        (&at as &(dyn postgres::types::ToSql + Sync), Type::TEXT),
                        (&day, Type::TEXT),
                        (&open, Type::TEXT_ARRAY),
                    ],
                )?;
                let mut k = 0;
                while it.next()?.is_some() {
                    k += 1;
                }
                fetched.push(t.elapsed());
                assert_eq!(k, rows.1);
            }
        }
        let mut sorting = Vec::new();
        {
            let base = Store::open(&path, clock.clone())?.caseload(&open)?;
            for round in 0..10 {
                // The same rows in another order each time (a rotation and a reversal).
                let mut v = base.clone();
                let k = round * v.len() / 10;
                v.rotate_left(k);
                v.reverse();
                let t = Instant::now();
                v.sort_by_cached_key(|r| {
                    (parcours::text::sort_key(&[&r.nom, &r.prenom]), r.person_id)
                });
                sorting.push(t.elapsed());
                assert_eq!(v, base);
            }
        }
        for v in [&mut server_side, &mut fetched, &mut sorting] {
            v.sort();
        }
        lite_t.sort();
        pg_t.sort();

        // One edit's commit, 300 edits on each side.
        let mut lite = Store::open(&path, clock.clone())?;
        let lite_commit = commits(&mut lite, &ids, 300)?;
        let mut chef = advisor(&srv, &clock, CHEF, CHEF_PW)?;
        let pg_commit = commits(&mut chef, &ids, 300)?;

        // Ten advisors at once for `secs` seconds.
        let deadline = Instant::now() + Duration::from_secs(secs);
        let per: Vec<(Vec<Duration>, usize, usize, Vec<String>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..ADVISORS)
                .map(|k| {
                    let (srv, clock, ids) = (&srv, &clock, &ids);
                    scope.spawn(move || {
                        let mut times = Vec::new();
                        let (mut conflicts, mut opened) = (0, 0);
                        let mut errors = Vec::new();
                        let mut rng = Rng(0x005E_ED15 + k as u64);
                        let mut s = match advisor(srv, clock, CHEF, CHEF_PW) {
                            Ok(s) => s,
                            Err(e) => return (times, 0, 0, vec![e.to_string()]),
                        };
                        while Instant::now() < deadline {
                            let pid = ids[rng.below(ids.len() as u64) as usize];
                            match s.person_file(pid) {
                                Ok(_) => opened += 1,
                                Err(e) => errors.push(e.to_string()),
                            }
                            match edit(&mut s, pid, &format!("conseiller {k}")) {
                                Ok(t) => times.push(t),
                                Err(StoreError::Conflict) => conflicts += 1,
                                Err(e) => errors.push(e.to_string()),
                            }
                            std::thread::sleep(Duration::from_millis(300 + rng.below(400)));
                        }
                        (times, conflicts, opened, errors)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut all: Vec<Duration> = per.iter().flat_map(|p| p.0.clone()).collect();
        all.sort();
        let conflicts: usize = per.iter().map(|p| p.1).sum();
        let opened: usize = per.iter().map(|p| p.2).sum();
        let errors: Vec<String> = per.into_iter().flat_map(|p| p.3).collect();

        println!("\nload average now: {}\n", loadavg());
        println!("| {n} people | file (SQLite) | server (PostgreSQL, loopback) | ratio |");
        println!("|---|---:|---:|---:|");
        let line = |what: &str, a: Duration, b: Duration| {
            println!(
                "| {what} | {:.2} ms | {:.2} ms | {:.1}× |",
                ms(a),
                ms(b),
                ms(b) / ms(a).max(1e-9)
            )
        };
        line(
            "login p50 (file: open; server: connect, SCRAM, schema check)",
            pct(&lite_t.login, 0.5),
            pct(&pg_t.login, 0.5),
        );
        line(
            &format!(
                "first screenful after login p50 (`caseload_first`, {SCREEN_ROWS} rows wanted; {} / {} rows read)",
                lite_t.first_rows, pg_t.first_rows
            ),
            pct(&lite_t.first, 0.5),
            pct(&pg_t.first, 0.5),
        );
        line(
            "first screenful after login max",
            pct(&lite_t.first, 1.0),
            pct(&pg_t.first, 1.0),
        );
        line(
            "whole caseload after login p50 (the store's connection)",
            pct(&lite_t.whole, 0.5),
            pct(&pg_t.whole, 0.5),
        );
        line(
            "whole caseload after login max",
            pct(&lite_t.whole, 1.0),
            pct(&pg_t.whole, 1.0),
        );
        line(
            "whole caseload on the second connection p50 (`caseload_reader`, on a thread, its login included)",
            pct(&lite_t.reader, 0.5),
            pct(&pg_t.reader, 0.5),
        );
        println!(
            "| of which the server's execution of the query (EXPLAIN ANALYZE) p50 | — | {:.2} ms | — |",
            ms(pct(&server_side, 0.5))
        );
        println!(
            "| of which execution and transfer (rows fetched, not decoded) p50 | — | {:.2} ms | — |",
            ms(pct(&fetched, 0.5))
        );
        println!(
            "| for scale: the rows sorted by `(sort_key, id)` with `sort_by_cached_key` (the sort before the store's, which makes each distinct name's key once) p50 | {:.2} ms | {:.2} ms | — |",
            ms(pct(&sorting, 0.5)),
            ms(pct(&sorting, 0.5))
        );
        line(
            "commit of one edit p50",
            pct(&lite_commit, 0.5),
            pct(&pg_commit, 0.5),
        );
        line(
            "commit of one edit p99",
            pct(&lite_commit, 0.99),
            pct(&pg_commit, 0.99),
        );
        println!(
            "\n{ADVISORS} advisors for {secs} s: {} files opened, {} commits, {} refused as stale, {} errors; commit p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            opened,
            all.len(),
            conflicts,
            errors.len(),
            ms(pct(&all, 0.5)),
            ms(pct(&all, 0.99)),
            ms(pct(&all, 1.0)),
        );
        for e in errors.iter().take(5) {
            println!("  error: {e}");
        }
        let first = pct(&pg_t.first, 0.5);
        goals.push(format!(
            "| caseload of {n} people after login (server): the first screenful, what the app shows | ≤ 100 ms | {:.1} ms | {} |",
            ms(first),
            verdict(ms(first) <= 100.0)
        ));
        let list = pct(&pg_t.whole, 0.5);
        goals.push(format!(
            "| caseload of {n} people after login (server): the whole list | ≤ 100 ms | {:.1} ms | {} |",
            ms(list),
            verdict(ms(list) <= 100.0)
        ));
        let p99 = pct(&pg_commit, 0.99);
        goals.push(format!(
            "| one edit's commit p99 (server) | ≤ 10 ms | {:.2} ms | {} |",
            ms(p99),
            verdict(ms(p99) <= 10.0)
        ));
        let cp99 = pct(&all, 0.99);
        goals.push(format!(
            "| {ADVISORS} advisors at once: errors, commit p99 | none, ≤ 20 ms | {} errors, {:.2} ms | {} |",
            errors.len(),
            ms(cp99),
            verdict(errors.is_empty() && ms(cp99) <= 20.0)
        ));
    }
    println!("\n| goal | target | measured | |\n|---|---|---|---|");
    for g in goals {
        println!("{g}");
    }
    println!("\nload average at end: {}", loadavg());
    Ok(())
}
