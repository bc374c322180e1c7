//! The activity report screen (issue 12 §1, on screen) and the structure settings
//! (`structure.toml`): a small cohort with known figures built through the store; the
//! screen at 80x24 and 120x40 (snapshots), its period / dispositif / référent·e keys, the
//! export into the exports folder; the structure's name and the occupation in the three
//! formats of `parcours rapport`; `parcours structure`; the screen through the real binary
//! in a PTY.

mod support;

use chrono::NaiveDate;
use parcours::app::Screen;
use parcours::domain::*;
use parcours::structure::Structure;
use support::app::Ctx;

fn d(s: &str) -> Option<NaiveDate> {
    Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

fn at(s: &str) -> Option<chrono::NaiveDateTime> {
    Some(
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap(),
    )
}

/// The structure of the tests: RSA 20 places, PLIE 140.
fn structure() -> Structure {
    let (st, w) = Structure::from_toml(Some(STRUCTURE_TOML));
    assert!(w.is_empty(), "{w:?}");
    st
}

const STRUCTURE_TOML: &str = "nom = \"Association Tremplin\"\n\
    adresse = \"12 rue des Lilas, 59000 Lille\"\n\
    telephone = \"03 20 00 00 00\"\n\
    [capacites]\nrsa = 20\nplie = 140\n";

/// Adds the cohort to `store` (figures for 2025, worked out by hand):
/// - A (F, rsa, claire): entered 2025-02-01, still followed → RSA occupation 1;
/// - B (H, rsa, marc): entered 2025-03-01, left 2025-09-30 with a CDI;
/// - C (F, plie, marc): entered 2024-06-01, still followed → PLIE occupation 1;
/// - D (H, plie, claire): entered 2025-01-15, left 2025-06-30 « déménagement ».
///
/// Appointments in 2025: A 2 honoured + 1 absent, B 1 honoured + 1 excused, C 1 honoured.
fn cohort(c: &mut Ctx) {
    let mut person = |nom: &str, sexe: &str| {
        let mut p = Person::new(nom, "Test");
        p.sexe = sexe.into();
        p.birth_date = d("1990-01-01");
        c.store
            .apply(&Change::Upsert(Record::Person(p)))
            .unwrap()
            .id
    };
    let a = person("ALPHA", "F");
    let b = person("BRAVO", "H");
    let cc = person("CHARLIE", "F");
    let dd = person("DELTA", "H");
    let suivis = [
        (a, "rsa", "claire", "2025-01-20", "2025-02-01", None, None),
        (
            b,
            "rsa",
            "marc",
            "2025-02-20",
            "2025-03-01",
            d("2025-09-30"),
            Some("ed_cdi"),
        ),
        (cc, "plie", "marc", "2024-05-20", "2024-06-01", None, None),
        (
            dd,
            "plie",
            "claire",
            "2025-01-05",
            "2025-01-15",
            d("2025-06-30"),
            Some("au_demenagement"),
        ),
    ];
    for (pid, disp, referent, orient, entry, exit, code) in suivis {
        let s = Suivi {
            person_id: pid,
            dispositif: disp.into(),
            referent: referent.into(),
            date_orientation: d(orient),
            date_premier_contact: d(orient),
            date_entree: d(entry),
            contrat: "aucun".into(),
            sortie_date: exit,
            sortie_categorie: code.map(str::to_string),
            ..Default::default()
        };
        c.store.apply(&Change::Upsert(Record::Suivi(s))).unwrap();
    }
    let appts = [
        (a, "2025-02-03", "honore"),
        (a, "2025-03-03", "honore"),
        (a, "2025-04-03", "absent"),
        (b, "2025-03-04", "honore"),
        (b, "2025-04-04", "excuse"),
        (cc, "2025-05-05", "honore"),
    ];
    for (pid, day, status) in appts {
        let ap = Appointment {
            person_id: pid,
            start: at(day),
            duration_min: 45,
            medium: "rdv".into(),
            status: status.into(),
            ..Default::default()
        };
        c.store
            .apply(&Change::Upsert(Record::Appointment(ap)))
            .unwrap();
    }
    c.app.reload_caseload(&c.store).unwrap();
}

fn report_ctx() -> Ctx {
    let mut c = Ctx::empty();
    cohort(&mut c);
    c.app.open_report(&c.store, structure());
    assert_eq!(c.app.screen, Screen::Report);
    c
}

fn snap(name: &str, c: &Ctx) -> (String, String) {
    let small = c.render(80, 24);
    let large = c.render(120, 40);
    insta::assert_snapshot!(format!("{name}_80x24"), small);
    insta::assert_snapshot!(format!("{name}_120x40"), large);
    (small, large)
}

#[test]
fn the_report_screen_at_both_sizes() {
    let c = report_ctx();
    let (small, large) = snap("report_screen", &c);
    for s in [&small, &large] {
        // Default period: the last calendar year (the clock is in 2026).
        assert!(s.contains("Du 01/01/2025 au 31/12/2025"), "{s}");
        assert!(s.contains("Association Tremplin"), "{s}");
        // Occupation at the end of the period: A in RSA, C in PLIE.
        assert!(s.contains("1 / 20 mesures"), "{s}");
        // The charts' labels carry the figures: 2 exits, 1 emploi durable (50 %).
        assert!(s.contains("Emploi durable"), "{s}");
        assert!(s.contains("50,00 %"), "{s}");
        // Appointments: 6 proposed, 4 honoured.
        assert!(s.contains("Honorés"), "{s}");
        assert!(s.contains("66,67 %"), "{s}");
        assert!(s.contains("1. Personnes accompagnées"), "{s}");
    }
    assert!(large.contains("1 / 140 mesures"), "{large}");
}

#[test]
fn the_sparkline_shows_the_honoured_appointments_per_month_with_its_figures() {
    let c = report_ctx();
    let r = c.app.report.as_ref().unwrap().report.as_ref().unwrap();
    // One point per month of 2025; the total is table 3's « Réalisés (honorés) ».
    let months = &r.honoured_per_month;
    assert_eq!(months.len(), 12);
    assert_eq!(months[0].0, d("2025-01-01").unwrap());
    assert_eq!(months[11].0, d("2025-12-01").unwrap());
    let t3 = r
        .tables
        .iter()
        .find(|t| t.title == "3. Rendez-vous")
        .unwrap();
    let honoured = match t3
        .row("Réalisés (honorés) : taux de présence")
        .unwrap()
        .cells[0]
    {
        parcours::report::Cell::Share { n, .. } => n,
        ref other => panic!("{other:?}"),
    };
    assert_eq!(months.iter().map(|(_, n)| n).sum::<u64>(), honoured);
    assert_eq!(honoured, 4);
    let max = months.iter().map(|(_, n)| *n).max().unwrap();
    // The title says what the sparkline shows and its figures at both sizes (no colour
    // needed), shortened to the room it has.
    for (w, h) in [(80, 24), (120, 40)] {
        let s = c.render(w, h);
        let title = format!("0 à {max}, total {honoured}");
        let long = format!("min 0, max {max}, total {honoured}");
        assert!(s.contains(&title) || s.contains(&long), "{s}");
        assert!(
            s.contains("Honorés/mois") || s.contains("Honorés par mois"),
            "{s}"
        );
    }
}

#[test]
fn period_filters_and_scroll_keys() {
    let mut c = report_ctx();
    let people = |c: &Ctx| {
        let r = c.app.report.as_ref().unwrap().report.as_ref().unwrap();
        match r.tables[0].row("Personnes accompagnées").unwrap().cells[0] {
            parcours::report::Cell::Count(n) => n,
            ref other => panic!("{other:?}"),
        }
    };
    assert_eq!(people(&c), 4);
    // Year −: 2024, only C (entered 06/2024) is supported then.
    c.press("<Left>");
    assert!(c.render(80, 24).contains("Du 01/01/2024 au 31/12/2024"));
    assert_eq!(people(&c), 1);
    c.press("+");
    assert_eq!(people(&c), 4);
    // Dispositif: first of the referential (rsa): A and B.
    c.press("d");
    let st = c.app.report.as_ref().unwrap();
    assert_eq!(st.period.dispositif.as_deref(), Some("rsa"));
    assert_eq!(people(&c), 2);
    // Occupation shows only the filtered dispositif.
    let s = c.render(120, 40);
    assert!(
        s.contains("1 / 20 mesures") && !s.contains("/ 140 mesures"),
        "{s}"
    );
    // Référent·e: claire (first in order) → A only in RSA.
    c.press("r");
    assert_eq!(
        c.app.report.as_ref().unwrap().period.referent.as_deref(),
        Some("claire")
    );
    assert_eq!(people(&c), 1);
    c.press("r");
    c.press("r");
    assert_eq!(c.app.report.as_ref().unwrap().period.referent, None);
    // Typed period: du after au is refused in French, nothing changes.
    c.press("p<C-u>01/07/2025<Tab><C-u>01/06/2025<C-s>");
    let f = c.form();
    let err = f
        .fields
        .iter()
        .find_map(|x| x.error.clone())
        .unwrap_or_default();
    assert!(err.contains("avant le début"), "{err:?}");
    c.press("<Esc>");
    assert_eq!(
        c.app.report.as_ref().unwrap().period.du,
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
    );
    c.press("p<C-u>01/01/2025<Tab><C-u>30/06/2025<C-s>");
    assert!(c.app.overlay.is_none(), "{}", c.status());
    assert!(c.render(80, 24).contains("Du 01/01/2025 au 30/06/2025"));
    // Scrolling moves the tables and stops at the last line.
    let before = c.render(80, 24);
    c.press("<PgDn>");
    assert_ne!(before, c.render(80, 24));
    for _ in 0..40 {
        c.press("<PgDn>");
    }
    assert!(
        c.render(80, 24).contains("Pourcentages"),
        "definitions at the end"
    );
    // Échap goes back to the caseload.
    c.press("<Esc>");
    assert_eq!(c.app.screen, Screen::Caseload);
    assert!(c.app.report.is_none());
}

#[test]
fn f9_opens_the_report_from_the_caseload() {
    let mut c = Ctx::empty();
    cohort(&mut c);
    c.press("<F9>");
    assert_eq!(c.app.screen, Screen::Report, "{}", c.render(80, 24));
    let s = c.render(80, 24);
    assert!(s.contains("Rapport d'activité"), "{s}");
    // Every key of the screen comes from the key table: the bar shows them.
    assert!(s.contains("année −") && s.contains("période"), "{s}");
}

#[test]
fn export_writes_html_and_csv_privately_and_says_where() {
    let mut c = report_ctx();
    let exports = c.dir.path().join("exports");
    c.app.export_dir = Some(exports.clone());
    c.press("E");
    let status = c.status();
    assert!(status.starts_with("Rapport exporté"), "{status}");
    let mut files: Vec<_> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    let csv = std::fs::read(&files[0]).unwrap();
    assert!(csv.starts_with("\u{feff}".as_bytes()));
    assert!(String::from_utf8_lossy(&csv).contains("Structure : Association Tremplin"));
    let html = std::fs::read_to_string(&files[1]).unwrap();
    assert!(html.contains("Structure : Association Tremplin"));
    assert!(html.contains("Occupation de la convention au 31/12/2025"));
    assert!(!html.contains("<script"));
    #[cfg(unix)]
    for f in &files {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f:?}");
    }
    // The export is audited (no person).
    let exports = c
        .store
        .audit_entries(None, Some(parcours::store::audit::actions::EXPORT), 10)
        .unwrap();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].person_id, None);
}

// ----- the command line -----

fn cli(db: &std::path::Path, config: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_parcours-hooks"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("PARCOURS_NOW", "2026-11-22 10:00:00")
        .env("PARCOURS_CONFIG_DIR", config)
        .env_remove("PARCOURS_DB")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn structure_name_and_occupation_in_the_three_formats() {
    let c = {
        let mut c = Ctx::empty();
        cohort(&mut c);
        c
    };
    let db = c.dir.path().join("parcours.db");
    let config = tempfile::tempdir().unwrap();
    std::fs::write(config.path().join("structure.toml"), STRUCTURE_TOML).unwrap();
    for format in ["texte", "csv", "html"] {
        let o = cli(
            &db,
            config.path(),
            &["rapport", "--annee", "2025", "--format", format],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("Structure : Association Tremplin"),
            "{format}: {out}"
        );
        assert!(
            out.contains("Occupation de la convention au 31/12/2025 : RSA – référent unique : 1 / 20 mesures (5,00 %)"),
            "{format}: {out}"
        );
        assert!(out.contains("1 / 140 mesures (0,71 %)"), "{format}");
        assert!(out.contains("Occupation de la convention"), "definition");
    }
    // A dispositif filter keeps that dispositif's occupation only.
    let o = cli(
        &db,
        config.path(),
        &["rapport", "--annee", "2025", "--dispositif", "plie"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("1 / 140 mesures") && !out.contains("/ 20 mesures"),
        "{out}"
    );
    // A broken file: a French warning, and the report without structure.
    std::fs::write(config.path().join("structure.toml"), "nom = \"sans fin").unwrap();
    let o = cli(&db, config.path(), &["rapport", "--annee", "2025"]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("structure.toml illisible"), "{err}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("Structure :"));
}

#[test]
fn parcours_structure_prints_the_settings_and_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("aucune.db");
    // No file: the path and a template.
    let o = cli(&db, dir.path(), &["structure"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("(absent ; modèle ci-dessous)"), "{out}");
    assert!(out.contains("[capacites]"), "{out}");
    std::fs::write(
        dir.path().join("structure.toml"),
        STRUCTURE_TOML.replace("rsa = 20", "rsa = 20\ninconnu = 3"),
    )
    .unwrap();
    let o = cli(&db, dir.path(), &["structure"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Nom : Association Tremplin"), "{out}");
    assert!(
        out.contains("RSA – référent unique (rsa) : 20 mesures"),
        "{out}"
    );
    assert!(out.contains(&format!(
        "Fichier : {}",
        dir.path().join("structure.toml").display()
    )));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("capacites.inconnu : dispositif inconnu"),
        "{err}"
    );
    // No database is created or opened.
    assert!(!db.exists());
}

// ----- the real binary in a PTY -----

#[cfg(unix)]
#[test]
fn the_report_screen_through_the_real_binary() {
    use support::pty::{demo_password, run_cli, Tui, BIN};
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    std::fs::write(config.join("structure.toml"), STRUCTURE_TOML).unwrap();
    let db = dir.path().join("demo.db");
    let out = run_cli(&db, &config, &["demo", "--persons", "30", "--seed", "7"]);
    let password = demo_password(&out);
    let data = dir.path().join("data");
    let home = dir.path().join("home");
    let mut tui = Tui::start_bin(
        BIN,
        &db,
        &config,
        (80, 24),
        &[
            ("XDG_DATA_HOME", data.to_str().unwrap()),
            ("HOME", home.to_str().unwrap()),
        ],
    );
    tui.log_in(&password);
    tui.wait_for("parcours · File active");
    tui.send("\x1b[20~"); // F9
    tui.wait_for("parcours · Rapport d'activité");
    tui.wait_for("Du 01/01/2025 au 31/12/2025");
    tui.wait_for("Association Tremplin");
    tui.wait_for("Sorties de la période");
    tui.send("-");
    tui.wait_for("Du 01/01/2024 au 31/12/2024");
    tui.send("E");
    tui.wait_for("Rapport exporté");
    let exports = data.join("parcours").join("exports");
    let n = std::fs::read_dir(&exports)
        .map(|d| d.count())
        .unwrap_or_else(|e| panic!("{exports:?}: {e}\n{}", tui.screen()));
    assert_eq!(n, 2);
    tui.esc();
    tui.wait_for("parcours · File active");
    tui.send("\x03");
    tui.wait_exit();
}
