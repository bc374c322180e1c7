//! `parcours export --format csv|ics` on real encrypted bases made through the CLI (`demo`,
//! as tests/core_cli.rs), plus one person of known content added through the library with
//! the base's key: the CSV is parsed back (BOM, `;`, CRLF, formula guard, French decimals
//! and dates), the ICS is read by an independent parser (`ical`) and checked line by line
//! (UID, DTSTAMP, VTIMEZONE, folding, escaping, privacy), and bad options write nothing.

use parcours::auth::{DbKey, Keyring};
use parcours::clock::Clock;
use parcours::domain::*;
use parcours::export::spreadsheet;
use parcours::store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const NOW: &str = "2026-11-22 10:00:00";

fn now() -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y").unwrap()
}

fn at(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%d/%m/%Y %H:%M").unwrap()
}

struct Env {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
    db: PathBuf,
    password: String,
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_success(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(o.status.success(), "failed: {err}");
}

/// Exit non-zero with one French line on stderr containing `expected`.
fn assert_failure(o: &Output, expected: &str) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(!o.status.success(), "should have failed");
    assert!(err.starts_with("parcours : "), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in {err:?}");
}

/// The known person: every text a spreadsheet could take for a formula, and a name that
/// needs escaping and folding in a calendar.
const NOM: &str = "=HYPERLINK(\"http://x\";\"clic\")";
const PRENOM: &str = "@Élodie-Françoise; Gwenaëlle, \\ Maëlys-Éléonore-Bénédicte";

impl Env {
    /// A demo base of `n` people (encrypted, account « demo »), plus the known person.
    fn new(n: usize) -> (Env, Id) {
        let dir = tempfile::tempdir().unwrap();
        let config = tempfile::tempdir().unwrap();
        let db = dir.path().join("base.db");
        let mut env = Env {
            dir,
            config,
            db,
            password: String::new(),
        };
        let out = env.run(&["demo", "--persons", &n.to_string(), "--seed", "7"]);
        assert_success(&out);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        env.password = text
            .split("mot de passe « ")
            .nth(1)
            .and_then(|r| r.split(" »").next())
            .expect("demo password")
            .to_string();
        let id = env.add_known_person();
        (env, id)
    }

    fn key(&self) -> DbKey {
        Keyring::load(&self.db)
            .unwrap()
            .unlock("demo", &self.password, now())
            .expect("demo password")
            .0
    }

    /// The base opened through the library with its key (as another part of the app).
    fn store(&self) -> Store {
        Store::open_keyed(&self.db, Clock::fixed(now()), &self.key()).unwrap()
    }

    fn add_known_person(&self) -> Id {
        let mut store = self.store();
        let file = PersonFile {
            person: Person {
                nom: NOM.into(),
                prenom: PRENOM.into(),
                nom_usage: "-Martin".into(),
                sexe: "F".into(),
                birth_date: Some(day("15/06/1990")),
                phone: "+33 6 12 34 56 78".into(),
                email: "\telodie@exemple.fr".into(),
                commune: "\rSaint-Denis".into(),
                ..Default::default()
            },
            suivis: vec![Suivi {
                dispositif: "plie".into(),
                referent: "Référente Connue".into(),
                date_orientation: Some(day("10/12/2025")),
                date_entree: Some(day("01/01/2026")),
                contrat: "cer".into(),
                sortie_date: Some(day("02/07/2026")),
                sortie_categorie: Some("ed_cdi".into()),
                sortie_detail: "+ CDI chez un traiteur".into(),
                ..Default::default()
            }],
            actions: vec![PlanAction {
                label: "Atelier CV".into(),
                due: Some(day("05/03/2026")),
                status: "en_cours".into(),
                ..Default::default()
            }],
            appointments: vec![
                Appointment {
                    start: Some(at("12/03/2026 14:30")),
                    duration_min: 45,
                    medium: "telephone".into(),
                    status: "honore".into(),
                    report: "SECRET-COMPTE-RENDU".into(),
                    demarches: vec![Demarche {
                        theme: "mobilite".into(),
                        label: "Permis".into(),
                    }],
                    ..Default::default()
                },
                Appointment {
                    start: Some(at("13/03/2026 09:00")),
                    duration_min: 90,
                    medium: "rdv".into(),
                    status: "annule".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        store.insert_files(&[file]).unwrap()[0]
    }

    fn dossier(&self, id: Id) -> String {
        self.store().person_file(id).unwrap().person.dossier
    }

    /// A command with the fixed clock, the demo password on standard input.
    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_parcours-hooks"));
        c.arg("--db")
            .arg(&self.db)
            .args(args)
            .env("PARCOURS_NOW", NOW)
            .env("PARCOURS_CONFIG_DIR", self.config.path())
            .env_remove("PARCOURS_DB")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("run parcours");
        let _ = child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{}\n", self.password).as_bytes());
        child.wait_with_output().expect("run parcours")
    }

    /// `export` with these arguments to a file; its bytes (the command must succeed).
    fn export(&self, name: &str, args: &[&str]) -> Vec<u8> {
        let path = self.dir.path().join(name);
        let mut all = vec!["export"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", path.to_str().unwrap()]);
        let out = self.run(&all);
        assert_success(&out);
        assert!(out.stdout.is_empty(), "nothing on stdout with -o");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name} readable by its owner only");
        }
        std::fs::read(&path).unwrap()
    }

    fn audit_count(&self, action: &str) -> usize {
        self.store()
            .audit_entries(None, Some(action), 100_000)
            .unwrap()
            .len()
    }
}

/// A CSV export parsed back as Excel would: BOM, then `;`-separated records ending in CRLF.
fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(bytes.starts_with(spreadsheet::BOM), "UTF-8 BOM first");
    let body = &bytes[spreadsheet::BOM.len()..];
    // Every line ends with CRLF (no bare LF, no missing end).
    assert!(body.ends_with(b"\r\n"), "last line ends with CRLF");
    for (i, b) in body.iter().enumerate() {
        if *b == b'\n' {
            assert_eq!(body[i - 1], b'\r', "bare LF at byte {i}");
        }
    }
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(true)
        .from_reader(body);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    for row in &rows {
        assert_eq!(row.len(), header.len(), "{row:?}");
    }
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name:?} in {header:?}"))
}

/// dd/mm/yyyy (or empty).
fn is_french_date(s: &str) -> bool {
    s.is_empty() || (chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y").is_ok() && s.len() == 10)
}

#[test]
fn csv_persons_parse_back_with_the_formula_guard() {
    let (env, id) = Env::new(25);
    let dossier = env.dossier(id);
    let exports_before = env.audit_count("export");
    let bytes = env.export("personnes.csv", &["--format", "csv", "--quoi", "personnes"]);
    let (header, rows) = parse_csv(&bytes);
    let expected: Vec<String> = spreadsheet::PERSONS_HEADER
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(header, expected);
    assert_eq!(rows.len(), 26, "the 25 demo people and the known one");
    // One row per person, in n° de dossier order.
    let dossiers: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let mut sorted = dossiers.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(dossiers, sorted);

    let row = rows.iter().find(|r| r[0] == dossier).expect("known person");
    let cell = |name| row[col(&header, name)].as_str();
    // Each dangerous first character gets a leading quote; the rest is kept as typed.
    assert_eq!(cell("Nom"), format!("'{NOM}"));
    assert_eq!(cell("Prénom"), format!("'{PRENOM}"));
    assert_eq!(cell("Nom d'usage"), "'-Martin");
    assert_eq!(cell("Téléphone"), "'+33 6 12 34 56 78");
    assert_eq!(cell("Courriel"), "'\telodie@exemple.fr");
    assert_eq!(cell("Commune"), "'\rSaint-Denis");
    // Labels, not codes; French dates.
    assert_eq!(cell("Sexe"), "Femme");
    assert_eq!(cell("Date de naissance"), "15/06/1990");
    assert_eq!(cell("Âge"), "36");
    assert_eq!(cell("Dispositif"), "Sécurisation de parcours / PLIE");
    assert_eq!(cell("Référent·e"), "Référente Connue");
    assert_eq!(cell("Date d'entrée"), "01/01/2026");
    assert_eq!(cell("Date de sortie"), "02/07/2026");
    assert_eq!(cell("Motif de sortie"), "CDI");
    // No cell of any row can start a formula.
    for r in &rows {
        for c in r {
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "unguarded cell {c:?}"
            );
        }
        for name in ["Date de naissance", "Date d'orientation", "Date d'entrée"] {
            assert!(is_french_date(&r[col(&header, name)]), "{r:?}");
        }
    }
    // The export is in the audit log (who, when; not what).
    assert_eq!(env.audit_count("export"), exports_before + 1);
}

#[test]
fn csv_appointments_actions_and_exits_in_french_with_filters() {
    let (env, id) = Env::new(20);
    let dossier = env.dossier(id);

    // Appointments of one day: only that day, and the known one with its figures.
    let bytes = env.export(
        "rdv.csv",
        &[
            "--format",
            "csv",
            "--quoi",
            "rendez-vous",
            "--du",
            "12/03/2026",
            "--au",
            "12/03/2026",
        ],
    );
    let (header, rows) = parse_csv(&bytes);
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(r[col(&header, "Date")], "12/03/2026", "{r:?}");
    }
    let row = rows
        .iter()
        .find(|r| r[col(&header, "N° de dossier")] == dossier)
        .unwrap();
    assert_eq!(row[col(&header, "Heure")], "14:30");
    assert_eq!(row[col(&header, "Durée (h)")], "0,75", "decimal comma");
    assert_eq!(row[col(&header, "Modalité")], "Téléphone");
    assert_eq!(row[col(&header, "Statut")], "Honoré");
    assert_eq!(row[col(&header, "Démarches (thèmes)")], "Mobilité");
    // Never the report.
    assert!(!String::from_utf8_lossy(&bytes).contains("SECRET-COMPTE-RENDU"));

    // All appointments: in date order, every duration with a decimal comma.
    let (header, rows) = parse_csv(&env.export(
        "rdv-tous.csv",
        &["--format", "csv", "--quoi", "rendez-vous"],
    ));
    let dates: Vec<chrono::NaiveDateTime> = rows
        .iter()
        .map(|r| {
            at(&format!(
                "{} {}",
                r[col(&header, "Date")],
                r[col(&header, "Heure")]
            ))
        })
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "date order");
    for r in &rows {
        let d = &r[col(&header, "Durée (h)")];
        assert!(d.contains(',') && !d.contains('.'), "{d}");
    }
    let cancelled = rows
        .iter()
        .find(|r| {
            r[col(&header, "N° de dossier")] == dossier && r[col(&header, "Heure")] == "09:00"
        })
        .unwrap();
    assert_eq!(cancelled[col(&header, "Durée (h)")], "1,50");
    assert_eq!(cancelled[col(&header, "Statut")], "Annulé par la structure");

    // Exits of the known référente: the duration in months with one decimal.
    let (header, rows) = parse_csv(&env.export(
        "sorties.csv",
        &[
            "--format",
            "csv",
            "--quoi",
            "sorties",
            "--referent",
            "référente connue",
        ],
    ));
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert_eq!(r[col(&header, "N° de dossier")], dossier);
    // 1 January to 2 July 2026: 182 days, 182 / 30.4375 = 5.98.
    assert_eq!(r[col(&header, "Durée d'accompagnement (mois)")], "6,0");
    assert_eq!(r[col(&header, "Type de sortie")], "Emploi durable");
    assert_eq!(r[col(&header, "Sortie dynamique")], "oui");
    assert_eq!(r[col(&header, "Précision")], "'+ CDI chez un traiteur");

    // Actions of the PLIE due in March 2026: the known one is late (still open).
    let (header, rows) = parse_csv(&env.export(
        "actions.csv",
        &[
            "--format",
            "csv",
            "--quoi",
            "actions",
            "--dispositif",
            "plie",
            "--du",
            "01/03/2026",
            "--au",
            "31/03/2026",
        ],
    ));
    let r = rows.iter().find(|r| r[0] == dossier).expect("known action");
    assert_eq!(r[col(&header, "Échéance")], "05/03/2026");
    assert_eq!(r[col(&header, "En retard")], "oui");
    for r in &rows {
        assert_eq!(
            r[col(&header, "Dispositif")],
            "Sécurisation de parcours / PLIE"
        );
        let due = day(&r[col(&header, "Échéance")]);
        assert!(due >= day("01/03/2026") && due <= day("31/03/2026"));
    }
}

#[test]
fn an_empty_selection_writes_a_valid_empty_file() {
    let (env, _) = Env::new(5);
    let period = ["--du", "01/01/1990", "--au", "31/12/1990"];
    for quoi in ["personnes", "rendez-vous", "actions", "sorties"] {
        let mut args = vec!["--format", "csv", "--quoi", quoi];
        args.extend_from_slice(&period);
        let bytes = env.export(&format!("{quoi}.csv"), &args);
        let (header, rows) = parse_csv(&bytes);
        assert!(rows.is_empty(), "{quoi}");
        assert!(!header.is_empty());
        assert_eq!(
            bytes.iter().filter(|b| **b == b'\n').count(),
            1,
            "header only"
        );
    }
    let mut args = vec!["--format", "ics"];
    args.extend_from_slice(&period);
    let ics = env.export("vide.ics", &args);
    let cal = parse_ics(&ics);
    assert!(cal.events.is_empty());
    assert_eq!(cal.timezones.len(), 1);
    check_lines(&ics);
}

#[test]
fn bad_options_give_a_french_message_and_write_nothing() {
    let (env, _) = Env::new(5);
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--format",
                "csv",
                "--quoi",
                "personnes",
                "--referent",
                "Personne Inconnue",
            ],
            "aucun·e référent·e « Personne Inconnue »",
        ),
        (
            &["--format", "ics", "--referent", "inconnu"],
            "référent·es connu·es",
        ),
        (
            &[
                "--format",
                "csv",
                "--quoi",
                "sorties",
                "--dispositif",
                "xyz",
            ],
            "aucun dispositif « xyz »",
        ),
        (
            &[
                "--format",
                "csv",
                "--quoi",
                "actions",
                "--du",
                "12/03/2027",
                "--au",
                "01/03/2027",
            ],
            "période à l'envers",
        ),
        (&["--format", "ics", "--du", "31/02/2026"], "--du"),
        (
            &[
                "--format",
                "csv",
                "--quoi",
                "rendez-vous",
                "--au",
                "n'importe quoi",
            ],
            "Date illisible",
        ),
        (&["--format", "csv"], "--quoi"),
        (
            &["--format", "csv", "--quoi", "personnes", "--avec-noms"],
            "--avec-noms",
        ),
        (&["--format", "ics", "--quoi", "personnes"], "--quoi"),
        (
            &["--format", "json", "--referent", "Référente Connue"],
            "formats csv et ics",
        ),
        (
            &[
                "--format",
                "csv",
                "--quoi",
                "personnes",
                "--person",
                "2026-00001",
            ],
            "--person",
        ),
    ];
    let target = env.dir.path().join("sortie.csv");
    for (args, expected) in cases {
        let mut all = vec!["export"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", target.to_str().unwrap()]);
        let out = env.run(&all);
        assert_failure(&out, expected);
        assert!(!target.exists(), "{args:?} wrote a file");
    }
    // A référent·e known as an account login stands for its display name.
    let bytes = env.export(
        "demo.csv",
        &[
            "--format",
            "csv",
            "--quoi",
            "personnes",
            "--referent",
            "demo",
        ],
    );
    let (_, rows) = parse_csv(&bytes);
    assert!(rows.is_empty(), "the demo account follows nobody");
}

fn parse_ics(bytes: &[u8]) -> ical::parser::ical::component::IcalCalendar {
    let mut cals: Vec<_> = ical::IcalParser::new(std::io::BufReader::new(bytes))
        .map(|c| c.expect("valid iCalendar"))
        .collect();
    assert_eq!(cals.len(), 1, "one calendar");
    cals.remove(0)
}

/// The content lines checked by hand (parsers are lenient): CRLF only, at most 75 octets
/// each, valid UTF-8 each (a fold never cuts a character), continuations start with a space.
/// Returns the unfolded logical lines.
fn check_lines(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.ends_with(b"\r\n"));
    let mut logical: Vec<String> = Vec::new();
    for raw in bytes[..bytes.len() - 1].split(|b| *b == b'\n') {
        let line = raw.strip_suffix(b"\r").expect("CRLF line end");
        assert!(!line.contains(&b'\r'), "stray CR");
        assert!(
            line.len() <= 75,
            "{} octets: {:?}",
            line.len(),
            String::from_utf8_lossy(line)
        );
        let text = std::str::from_utf8(line).expect("a fold never splits a UTF-8 sequence");
        match text.strip_prefix(' ') {
            Some(rest) => logical
                .last_mut()
                .expect("continuation first")
                .push_str(rest),
            None => logical.push(text.to_string()),
        }
    }
    assert_eq!(logical.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(logical.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(logical.contains(&"VERSION:2.0".to_string()));
    assert!(logical.iter().any(|l| l.starts_with("PRODID:")));
    logical
}

/// The value of property `name` of each VEVENT, in order.
fn event_props(logical: &[String], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_event = false;
    for l in logical {
        match l.as_str() {
            "BEGIN:VEVENT" => in_event = true,
            "END:VEVENT" => in_event = false,
            _ if in_event => {
                let (key, _) = l.split_once(':').unwrap();
                if key == name || key.starts_with(&format!("{name};")) {
                    out.push(l[name.len()..].to_string());
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn ics_is_valid_stable_private_by_default_and_escaped() {
    let (env, id) = Env::new(30);
    let dossier = env.dossier(id);
    let names: Vec<(String, String)> = {
        let store = env.store();
        store
            .person_ids()
            .unwrap()
            .into_iter()
            .map(|p| {
                let f = store.person_file(p).unwrap();
                (f.person.nom, f.person.prenom)
            })
            .collect()
    };
    let args = [
        "--format",
        "ics",
        "--du",
        "01/01/2026",
        "--au",
        "30/11/2026",
    ];
    let exports_before = env.audit_count("export");
    let bytes = env.export("agenda.ics", &args);
    assert_eq!(env.audit_count("export"), exports_before + 1);
    assert_eq!(env.audit_count("export_noms"), 0);

    // An independent parser reads it: one time zone, the events with their properties.
    let cal = parse_ics(&bytes);
    assert_eq!(cal.timezones.len(), 1);
    assert!(!cal.events.is_empty());
    for e in &cal.events {
        let prop = |n: &str| e.properties.iter().find(|p| p.name == n);
        for n in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS"] {
            assert!(prop(n).is_some(), "{n} missing");
        }
        let tzid = prop("DTSTART").unwrap().params.as_ref().unwrap();
        assert!(tzid
            .iter()
            .any(|(k, v)| k == "TZID" && v == &["Europe/Paris"]));
    }

    // Checked by hand.
    let logical = check_lines(&bytes);
    let vtz = logical
        .iter()
        .position(|l| l == "BEGIN:VTIMEZONE")
        .expect("VTIMEZONE");
    assert_eq!(logical[vtz + 1], "TZID:Europe/Paris");
    let first_event = logical.iter().position(|l| l == "BEGIN:VEVENT").unwrap();
    assert!(
        vtz < first_event,
        "the time zone before the events that use it"
    );
    for part in [
        "BEGIN:DAYLIGHT",
        "TZOFFSETTO:+0200",
        "BEGIN:STANDARD",
        "TZOFFSETTO:+0100",
    ] {
        assert!(
            logical[vtz..first_event].iter().any(|l| l == part),
            "{part}"
        );
    }
    let uids = event_props(&logical, "UID");
    let stamps = event_props(&logical, "DTSTAMP");
    let starts = event_props(&logical, "DTSTART");
    assert_eq!(uids.len(), cal.events.len());
    let mut unique = uids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), uids.len(), "one UID per appointment");
    // 22 November 2026, 10:00 in Paris (winter time) is 09:00 UTC.
    assert!(
        stamps.iter().all(|s| s == ":20261122T090000Z"),
        "{stamps:?}"
    );
    for s in &starts {
        let v = s
            .strip_prefix(";TZID=Europe/Paris:")
            .expect("local time in Paris");
        let t = chrono::NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").unwrap();
        assert!(
            t >= at("01/01/2026 00:00") && t < at("01/12/2026 00:00"),
            "{t}"
        );
    }

    // Privacy: initials and n° de dossier, no name, no report.
    let summaries = event_props(&logical, "SUMMARY");
    let known: Vec<&String> = summaries.iter().filter(|s| s.contains(&dossier)).collect();
    assert_eq!(known.len(), 2, "{summaries:?}");
    assert!(
        known
            .iter()
            .all(|s| s.as_str() == format!(":RDV É. H. – n° {dossier}")),
        "{known:?}"
    );
    let text = String::from_utf8_lossy(&bytes).replace("\r\n ", "");
    for (nom, prenom) in &names {
        for s in &summaries {
            assert!(
                !s.contains(nom.as_str()) && !s.contains(prenom.as_str()),
                "{s}"
            );
        }
    }
    assert!(!text.contains("SECRET-COMPTE-RENDU"));
    // The cancelled appointment.
    let known_uids: Vec<&String> = uids.iter().filter(|u| u.contains(&dossier)).collect();
    let statuses = event_props(&logical, "STATUS");
    let status_of = |uid: &String| statuses[uids.iter().position(|u| u == uid).unwrap()].clone();
    assert_eq!(status_of(known_uids[0]), ":CONFIRMED");
    assert_eq!(status_of(known_uids[1]), ":CANCELLED");
    // Newlines escaped in the description.
    let descriptions = event_props(&logical, "DESCRIPTION");
    assert!(descriptions
        .iter()
        .any(|d| d == &format!(":Modalité : Téléphone\\nN° de dossier : {dossier}")));

    // Stable: a later export after a change keeps the UIDs (a re-import updates), with a
    // higher SEQUENCE for the changed file.
    let sequence_before = event_props(&logical, "SEQUENCE")
        [uids.iter().position(|u| u == known_uids[0]).unwrap()]
    .clone();
    {
        let mut store = env.store();
        let mut file = store.person_file(id).unwrap();
        let mut appt = file.appointments.remove(0);
        appt.duration_min = 60;
        store
            .apply(&Change::Upsert(Record::Appointment(appt)))
            .unwrap();
    }
    let again = check_lines(&env.export("agenda-2.ics", &args));
    assert_eq!(event_props(&again, "UID"), uids);
    let pos = uids.iter().position(|u| u == known_uids[0]).unwrap();
    let seq = |s: &str| s.trim_start_matches(':').parse::<u32>().unwrap();
    assert!(seq(&event_props(&again, "SEQUENCE")[pos]) > seq(&sequence_before));
    assert_eq!(
        event_props(&again, "DTEND")[pos],
        ";TZID=Europe/Paris:20260312T153000"
    );

    // With --avec-noms: the name, escaped (\\ \; \,) and folded, and an audit entry.
    let named = env.export(
        "noms.ics",
        &[
            "--format",
            "ics",
            "--avec-noms",
            "--referent",
            "Référente Connue",
        ],
    );
    assert_eq!(env.audit_count("export_noms"), 1);
    let cal = parse_ics(&named);
    assert_eq!(
        cal.events.len(),
        2,
        "only the known référente's appointments"
    );
    let logical = check_lines(&named);
    let summaries = event_props(&logical, "SUMMARY");
    let escaped_first_name = PRENOM
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,");
    let escaped_name = NOM.to_uppercase().replace(';', "\\;").replace(',', "\\,");
    let expected = format!(":RDV {escaped_name} {escaped_first_name} (-MARTIN) – n° {dossier}");
    assert_eq!(summaries[0], expected);
    assert!(expected.len() > 75, "long enough to be folded");
    let raw = String::from_utf8(named).unwrap();
    assert!(raw.contains("\r\n "), "folded");
}

/// `E` on the caseload writes the list as shown (filters, search, sort) in the exports
/// folder, in the same French CSV, audited.
#[test]
fn the_caseload_key_writes_the_visible_list() {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let (env, id) = Env::new(30);
    let dossier = env.dossier(id);
    let mut store = env.store();
    store.set_actor("demo");
    let mut app = parcours::app::App::new(
        &store,
        Referential::embedded(),
        parcours::app::keys::Keymap::defaults(),
        Clock::fixed(now()),
        "Référente Connue".into(),
    )
    .unwrap();
    let exports = env.dir.path().join("exports");
    app.set_export_dir(exports.clone());
    let press = |app: &mut parcours::app::App, store: &mut Store, c: char| {
        app.handle_event(
            &Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            store,
        );
        app.settle();
    };
    // Everybody, in and out of support: the known person (exited) is in the list.
    while app.caseload.mine {
        press(&mut app, &mut store, 'm');
    }
    while app.caseload.open != parcours::app::OpenFilter::Tous {
        press(&mut app, &mut store, 'o');
    }
    let shown = |app: &parcours::app::App| -> Vec<String> {
        let c = &app.caseload;
        c.visible
            .iter()
            .map(|i| c.rows[*i].dossier.to_string())
            .collect()
    };
    let audit_before = env.audit_count("export");
    let mut files: Vec<Vec<u8>> = Vec::new();
    for filter in [None, Some('m')] {
        if let Some(k) = filter {
            press(&mut app, &mut store, k); // my caseload: the known person only
        }
        let expected = shown(&app);
        let before: Vec<_> = std::fs::read_dir(&exports)
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        press(&mut app, &mut store, 'E');
        let status = app.status.clone().expect("a message").text;
        assert!(
            status.contains(&format!("{} ligne(s)", expected.len())),
            "{status}"
        );
        let path = std::fs::read_dir(&exports)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| !before.contains(p))
            .expect("a new file");
        assert!(status.contains(&path.display().to_string()), "{status}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let bytes = std::fs::read(&path).unwrap();
        let (header, rows) = parse_csv(&bytes);
        assert_eq!(header, spreadsheet::CASELOAD_HEADER);
        let got: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
        assert_eq!(got, expected, "the rows shown, in their order");
        let known = rows.iter().find(|r| r[0] == dossier).expect("known person");
        assert_eq!(known[col(&header, "Nom")], format!("'{NOM}"));
        assert_eq!(known[col(&header, "Date de sortie")], "02/07/2026");
        files.push(bytes);
        // The clock is fixed: the next export would take the same name.
        std::fs::rename(&path, path.with_extension("vu")).unwrap();
    }
    assert_eq!(parse_csv(&files[1]).1.len(), 1, "my caseload: one person");
    assert_eq!(env.audit_count("export"), audit_before + 2);
}
