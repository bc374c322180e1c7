//! Import of orientation lists (issue 13 §1) on real files made here: CSV in UTF-8, UTF-8
//! with BOM and Windows-1252, with `;`, `,` and tab; an XLSX written with rust_xlsxwriter
//! and an ODS fixture; odd headers; matching, conflicts, bad lines; broken files (the base
//! byte-identical); the same file twice; the 15-day first-contact alert from the date
//! d'orientation. The command line is the real binary.

use chrono::{NaiveDate, NaiveDateTime};
use parcours::clock::Clock;
use parcours::domain::{PersonFile, Suivi};
use parcours::import::{self, Profile};
use parcours::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NOW: &str = "2026-11-23 10:00:00";

fn now() -> NaiveDateTime {
    NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

struct Env {
    dir: tempfile::TempDir,
    config: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            config: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn db(&self) -> PathBuf {
        self.path("parcours.db")
    }

    fn store(&self) -> Store {
        Store::open(&self.db(), Clock::fixed(now())).unwrap()
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// `parcours import ARGS` on the plain base, fixed clock, empty config directory.
    fn import(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_parcours-hooks"))
            .arg("--db")
            .arg(self.db())
            .arg("import")
            .args(args)
            .env("PARCOURS_NOW", NOW)
            .env("PARCOURS_CONFIG_DIR", self.config.path())
            .env_remove("PARCOURS_DB")
            .stdin(Stdio::null())
            .output()
            .expect("run parcours")
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The database file and its WAL, hashed (absent files hash as absent).
fn fingerprint(db: &Path) -> Vec<(String, Option<u64>)> {
    use std::hash::{Hash, Hasher};
    ["", "-wal"]
        .iter()
        .map(|ext| {
            let p = PathBuf::from(format!("{}{ext}", db.display()));
            let h = std::fs::read(&p).ok().map(|b| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                b.hash(&mut h);
                h.finish()
            });
            (ext.to_string(), h)
        })
        .collect()
}

fn files(store: &Store) -> Vec<PersonFile> {
    store
        .person_ids()
        .unwrap()
        .into_iter()
        .map(|id| store.person_file(id).unwrap())
        .collect()
}

fn find<'a>(files: &'a [PersonFile], nom: &str) -> &'a PersonFile {
    files
        .iter()
        .find(|f| f.person.nom == nom)
        .unwrap_or_else(|| {
            panic!(
                "no {nom} in {:?}",
                files.iter().map(|f| &f.person.nom).collect::<Vec<_>>()
            )
        })
}

const LIST: &str =
    "Nom;Prénom;Civilité;Date de naissance;Email;Numéro de téléphone;Commune;Date d'orientation\n\
Dupont;Hélène;Mme;05/03/1985;helene.dupont@example.org;0612345678;Lille;02/11/2026\n\
Martin;Éric;M.;1979-12-24;;06 98 76 54 32;Roubaix;2026-11-20\n\
Œuvray;Zoé;Madame;01/01/2001;;;Tourcoing;\n";

/// The plan of `path` against `store` with the default profile.
fn plan(store: &Store, path: &Path) -> import::Plan {
    import::preview(store, path, &Profile::embedded()).unwrap()
}

fn run(store: &mut Store, path: &Path) -> import::Plan {
    let p = plan(store, path);
    store.import_batch(&p.batch, &mut |_, _| {}).unwrap();
    p
}

#[test]
fn a_csv_list_becomes_people_with_an_oriented_suivi() {
    let env = Env::new();
    let csv = env.write("liste.csv", LIST.as_bytes());
    let mut store = env.store();
    let p = run(&mut store, &csv);
    assert_eq!(
        p.summary(),
        "3 lignes : 3 nouvelles personnes, 0 déjà connue (mise à jour), 0 conflit, 0 rejetée"
    );
    let all = files(&store);
    assert_eq!(all.len(), 3);
    let h = find(&all, "Dupont");
    assert_eq!(h.person.prenom, "Hélène");
    assert_eq!(h.person.sexe, "F");
    assert_eq!(h.person.birth_date, Some(date(1985, 3, 5)));
    assert_eq!(h.person.email, "helene.dupont@example.org");
    assert_eq!(h.person.commune, "Lille");
    assert!(!h.person.dossier.is_empty());
    assert_eq!(h.suivis.len(), 1);
    assert_eq!(h.suivis[0].date_orientation, Some(date(2026, 11, 2)));
    assert_eq!(
        h.suivis[0].dispositif, "rsa",
        "the default profile's dispositif"
    );
    let e = find(&all, "Martin");
    assert_eq!(e.person.sexe, "H");
    assert_eq!(e.person.birth_date, Some(date(1979, 12, 24)));
    assert_eq!(e.person.phone, "06 98 76 54 32");
    assert_eq!(find(&all, "Œuvray").suivis[0].date_orientation, None);
    // The audit log has the file name and the counts, never a name.
    let audit = store.import_audit_details().unwrap();
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].starts_with("liste.csv — 3 lignes : 3 nouvelles"),
        "{audit:?}"
    );
    assert!(!audit[0].contains("Dupont") && !audit[0].contains("Hélène"));
}

/// The same list in every encoding and delimiter gives the same people.
#[test]
fn encodings_and_delimiters_are_detected() {
    let env = Env::new();
    let comma = LIST.replace(';', ",");
    let tab = LIST.replace(';', "\t");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(comma.as_bytes());
    // Windows-1252: « Œ » is 0x8C, « é » 0xE9... (encoding_rs writes it).
    let (w1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(LIST);
    assert!(!unmappable);
    let variants: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "utf8.csv",
            LIST.as_bytes().to_vec(),
            "UTF-8, séparateur « ; »",
        ),
        ("bom.csv", bom, "UTF-8 avec BOM, séparateur « , »"),
        (
            "win.csv",
            w1252.into_owned(),
            "Windows-1252, séparateur « ; »",
        ),
        ("tab.csv", tab.into_bytes(), "UTF-8, séparateur tabulation"),
    ];
    let mut seen = None;
    for (name, bytes, format) in variants {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db"), Clock::fixed(now())).unwrap();
        let path = env.write(name, &bytes);
        let p = run(&mut store, &path);
        assert!(p.format.contains(format), "{name}: {}", p.format);
        let people: Vec<_> = files(&store)
            .into_iter()
            .map(|f| {
                (
                    f.person.nom,
                    f.person.prenom,
                    f.person.birth_date,
                    f.suivis[0].date_orientation,
                )
            })
            .collect();
        assert!(
            people.iter().any(|p| p.0 == "Œuvray" && p.1 == "Zoé"),
            "{name}: {people:?}"
        );
        match &seen {
            None => seen = Some(people),
            Some(first) => assert_eq!(first, &people, "{name}"),
        }
    }
}

#[test]
fn odd_case_accented_headers_are_matched() {
    let env = Env::new();
    let csv = env.write(
        "odd.csv",
        "  NOM DE FAMILLE ;prÉNOM;DATE  DE NAISSANCE;n°CAF;e-mail;Couleur préférée\n\
         Petit;Léa;12.04.1992;1234567;lea@example.org;bleu\n"
            .as_bytes(),
    );
    let mut store = env.store();
    run(&mut store, &csv);
    let all = files(&store);
    assert_eq!(all[0].person.nom, "Petit");
    assert_eq!(all[0].person.birth_date, Some(date(1992, 4, 12)));
    assert_eq!(all[0].person.email, "lea@example.org");
    // Without a nom column the file is refused, naming what it found.
    let bad = env.write("bad.csv", b"Famille;Prenom\nA;B\n");
    let e = import::preview(&store, &bad, &Profile::embedded()).unwrap_err();
    assert!(e.to_string().contains("colonnes introuvables : nom"), "{e}");
    assert!(e.to_string().contains("« Famille »"), "{e}");
}

#[test]
fn a_profile_maps_its_own_headers_and_fixes_the_suivi() {
    let env = Env::new();
    let profile = Profile::parse(
        "nord",
        "dispositif = \"plie\"\nprescripteur = \"CD59\"\nreferent = \"Claire Fontaine\"\n\
         [colonnes]\n\"Identité - patronyme\" = \"nom\"\n\"Identité - prénom usuel\" = \"prenom\"\n\
         \"date orient.\" = \"date_orientation\"\n",
    )
    .unwrap();
    let csv = env.write(
        "nord.csv",
        "Identité - patronyme;Identité - prénom usuel;Date orient.\nGarcia;Inès;10/11/2026\n"
            .as_bytes(),
    );
    let mut store = env.store();
    let sheet = import::read_file(&csv, &profile).unwrap();
    let p = import::plan(
        &sheet,
        &profile,
        store.import_candidates().unwrap(),
        "nord.csv",
        now().date(),
    )
    .unwrap();
    store.import_batch(&p.batch, &mut |_, _| {}).unwrap();
    let f = &files(&store)[0];
    assert_eq!(
        (f.person.nom.as_str(), f.person.prenom.as_str()),
        ("Garcia", "Inès")
    );
    let s = &f.suivis[0];
    assert_eq!(
        (
            s.dispositif.as_str(),
            s.prescripteur.as_str(),
            s.referent.as_str()
        ),
        ("plie", "CD59", "Claire Fontaine")
    );
    assert_eq!(s.date_orientation, Some(date(2026, 11, 10)));
}

#[test]
fn an_xlsx_list_with_date_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let env = Env::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Orientations").unwrap();
    let fmt = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in [
        "Nom",
        "Prénom",
        "Date de naissance",
        "Code postal",
        "Numéro de téléphone",
        "Date d'orientation",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "Bernard").unwrap();
    ws.write_string(1, 1, "Chloé").unwrap();
    ws.write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(1988, 6, 1).unwrap(), &fmt)
        .unwrap();
    // Numbers as a spreadsheet keeps them: the leading zeros are gone.
    ws.write_number(1, 3, 1000.0).unwrap();
    ws.write_number(1, 4, 612345678.0).unwrap();
    ws.write_datetime_with_format(1, 5, ExcelDateTime::from_ymd(2026, 11, 1).unwrap(), &fmt)
        .unwrap();
    let path = env.path("liste.xlsx");
    wb.save(&path).unwrap();
    let mut store = env.store();
    let p = run(&mut store, &path);
    assert!(
        p.format.contains("XLSX, feuille « Orientations »"),
        "{}",
        p.format
    );
    let f = &files(&store)[0];
    assert_eq!(f.person.nom, "Bernard");
    assert_eq!(f.person.birth_date, Some(date(1988, 6, 1)));
    assert_eq!(f.person.phone, "0612345678");
    assert_eq!(f.suivis[0].date_orientation, Some(date(2026, 11, 1)));
}

#[test]
fn an_ods_list() {
    let env = Env::new();
    let ods = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/orientations.ods");
    let mut store = env.store();
    let p = run(&mut store, &ods);
    assert!(p.format.starts_with("ODS"), "{}", p.format);
    let all = files(&store);
    assert_eq!(all.len(), 2);
    let a = find(&all, "Lefèvre");
    assert_eq!(a.person.prenom, "Anaïs");
    assert_eq!(a.person.sexe, "F");
    assert_eq!(a.person.birth_date, Some(date(1990, 7, 14)));
    assert_eq!(a.suivis[0].date_orientation, Some(date(2026, 11, 2)));
    assert_eq!(find(&all, "N'Diaye").person.sexe, "H");
}

#[test]
fn bad_lines_are_rejected_with_their_line_number_and_reason() {
    let env = Env::new();
    let csv = env.write(
        "bad.csv",
        "Nom;Prénom;Date de naissance;NIR;Date d'orientation\n\
         ;Sans;01/01/1990;;\n\
         Sansprenom;;01/01/1990;;\n\
         Date;Illisible;32/13/1990;;\n\
         Nir;Faux;01/01/1990;185057800608400;\n\
         Bonne;Ligne;01/01/1990;;hier\n\
         Vraiment;Bonne;01/01/1990;;\n"
            .as_bytes(),
    );
    let store = env.store();
    let p = plan(&store, &csv);
    assert_eq!(p.lines, 6);
    assert_eq!(p.new, 1);
    let rejected: Vec<(usize, &str)> = p.rejected.iter().map(|(l, w)| (*l, w.as_str())).collect();
    assert_eq!(rejected[0], (2, "nom manquant"));
    assert_eq!(rejected[1], (3, "prénom manquant"));
    assert_eq!(
        rejected[2],
        (4, "date de naissance illisible : « 32/13/1990 »")
    );
    assert!(rejected[3].1.starts_with("NIR invalide"), "{rejected:?}");
    assert_eq!(rejected[4], (6, "date d'orientation illisible : « hier »"));
    assert!(p
        .details()
        .contains(&"Ligne 2 : rejetée, nom manquant".to_string()));
}

/// Within one file, each rule finds the same person twice: the second line is listed.
#[test]
fn duplicates_in_the_file_by_each_rule_are_listed() {
    let env = Env::new();
    let nir = |body: u64| format!("{body}{:02}", 97 - body % 97);
    let a = nir(1_850_578_006_084);
    let csv = env.write(
        "dups.csv",
        format!(
            "Nom;Prénom;Date de naissance;NIR;ID bénéficiaire département;N° CAF\n\
             Alpha;Un;01/01/1980;{a};;\n\
             Autre;Nom;02/02/1980;{a};;\n\
             Beta;Deux;01/01/1981;;D-42;\n\
             Beta-bis;Deux;03/03/1981;;D-42;\n\
             Gamma;Trois;01/01/1982;;;777\n\
             Gamma2;Trois;01/01/1982;;;777\n\
             Delta;Quatre;01/01/1983;;;\n\
             DELTA;quatre;01/01/1983;;;\n"
        )
        .as_bytes(),
    );
    let store = env.store();
    let p = plan(&store, &csv);
    assert_eq!(p.new, 4, "{:?}", p.rejected);
    let why: Vec<String> = p
        .rejected
        .iter()
        .map(|(l, w)| format!("{l}: {w}"))
        .collect();
    assert_eq!(
        why,
        [
            "3: même personne que la ligne 2 (NIR) : doublon dans le fichier",
            "5: même personne que la ligne 4 (ID Département) : doublon dans le fichier",
            "7: même personne que la ligne 6 (n° CAF et date de naissance) : doublon dans le fichier",
            "9: même personne que la ligne 8 (nom, prénom et date de naissance) : doublon dans le fichier",
        ]
    );
}

#[test]
fn a_known_person_is_completed_not_duplicated() {
    let env = Env::new();
    let mut store = env.store();
    let first = env.write(
        "a.csv",
        "Nom;Prénom;Date de naissance;Date d'orientation\nDupont;Hélène;05/03/1985;02/11/2026\n"
            .as_bytes(),
    );
    run(&mut store, &first);
    // Typed differently, with what the base lacks: completed, same person.
    let second = env.write(
        "b.csv",
        "Nom;Prénom;Date de naissance;Email;Commune;Date d'orientation\n\
         DUPONT;helene;1985-03-05;h@example.org;Lille;02/11/2026\n"
            .as_bytes(),
    );
    let p = run(&mut store, &second);
    assert_eq!((p.new, p.known, p.updated), (0, 1, 1), "{:?}", p.details());
    let all = files(&store);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].person.email, "h@example.org");
    assert_eq!(all[0].person.commune, "Lille");
    assert_eq!(
        all[0].person.nom, "Dupont",
        "a filled field is never overwritten"
    );
    assert_eq!(all[0].suivis.len(), 1, "the open suivi is kept");
    // Once the suivi is closed, a new orientation opens a new suivi.
    let mut s: Suivi = all[0].suivis[0].clone();
    s.sortie_date = Some(date(2026, 11, 10));
    s.sortie_categorie = Some("autre".into());
    store
        .apply(&parcours::domain::Change::Upsert(
            parcours::domain::Record::Suivi(s),
        ))
        .unwrap();
    let third = env.write(
        "c.csv",
        "Nom;Prénom;Date de naissance;Date d'orientation\nDupont;Hélène;05/03/1985;20/11/2026\n"
            .as_bytes(),
    );
    run(&mut store, &third);
    let f = &files(&store)[0];
    assert_eq!(f.suivis.len(), 2);
    assert_eq!(
        f.current_suivi().unwrap().date_orientation,
        Some(date(2026, 11, 20))
    );
}

#[test]
fn imported_orientations_enter_the_15_day_first_contact_rule() {
    let env = Env::new();
    let mut store = env.store();
    // Today is 23/11/2026: oriented 20 days ago (alert), 5 days ago (not yet).
    let csv = env.write(
        "a.csv",
        "Nom;Prénom;Date d'orientation\nAncien;Oriente;03/11/2026\nRecent;Oriente;18/11/2026\n"
            .as_bytes(),
    );
    run(&mut store, &csv);
    let rows = store.caseload(&[]).unwrap();
    let alert = |nom: &str| {
        rows.iter()
            .find(|r| r.nom == nom)
            .unwrap()
            .alerts(now().date())
            .no_first_contact
    };
    assert!(alert("Ancien"));
    assert!(!alert("Recent"));
}

#[test]
fn the_command_line_previews_imports_and_changes_nothing_the_second_time() {
    let env = Env::new();
    drop(env.store());
    let csv = env.write(
        "liste.csv",
        format!("{LIST};Sans;01/01/1990;;;;\n").as_bytes(),
    );
    let before = fingerprint(&env.db());
    let sim = env.import(&[csv.to_str().unwrap(), "--simulation"]);
    assert!(sim.status.success(), "{}", stderr(&sim));
    let out = stdout(&sim);
    assert!(
        out.contains("liste.csv — CSV (UTF-8, séparateur « ; »)"),
        "{out}"
    );
    assert!(
        out.contains(
            "4 lignes : 3 nouvelles personnes, 0 déjà connue (mise à jour), 0 conflit, 1 rejetée"
        ),
        "{out}"
    );
    assert!(out.contains("Ligne 5 : rejetée, nom manquant"), "{out}");
    assert!(stderr(&sim).contains("Simulation : rien n'a été importé"));
    assert_eq!(
        fingerprint(&env.db()),
        before,
        "a simulation writes nothing"
    );
    // Without a terminal and without --oui: refused, nothing written.
    let no = env.import(&[csv.to_str().unwrap()]);
    assert!(!no.status.success());
    assert_eq!(fingerprint(&env.db()), before);
    let done = env.import(&[csv.to_str().unwrap(), "--oui"]);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(
        stderr(&done).contains("Import terminé : 3 personne(s) créée(s)"),
        "{}",
        stderr(&done)
    );
    assert_eq!(files(&env.store()).len(), 3);
    let after_first = fingerprint(&env.db());
    let again = env.import(&[csv.to_str().unwrap(), "--oui"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("0 nouvelle personne, 3 déjà connues"),
        "{}",
        stdout(&again)
    );
    assert!(
        stderr(&again).contains("Rien à importer"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        fingerprint(&env.db()),
        after_first,
        "the same file twice changes nothing"
    );
}

#[test]
fn broken_files_are_refused_in_french_and_the_base_is_byte_identical() {
    let env = Env::new();
    {
        let mut store = env.store();
        let csv = env.write("ok.csv", LIST.as_bytes());
        run(&mut store, &csv);
    }
    // A real XLSX cut in the middle.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for r in 0..200u32 {
        ws.write_string(r, 0, format!("Nom{r}")).unwrap();
        ws.write_string(r, 1, format!("Prénom{r}")).unwrap();
    }
    let xlsx = wb.save_to_buffer().unwrap();
    let truncated = env.write("coupe.xlsx", &xlsx[..xlsx.len() / 2]);
    let empty = env.write("vide.csv", b"");
    let binary = env.write(
        "image.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    );
    // 50 MB of nonsense (deterministic).
    let mut garbage = Vec::with_capacity(50 << 20);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while garbage.len() < 50 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        garbage.extend_from_slice(&x.to_le_bytes());
    }
    let garbage = env.write("n-importe-quoi.csv", &garbage);
    let headerless = env.write(
        "texte.csv",
        "Bonjour, voici un courrier\net pas une liste\n".as_bytes(),
    );
    let before = fingerprint(&env.db());
    for (file, expected) in [
        (
            &truncated,
            "fichier illisible : classeur endommagé ou incomplet",
        ),
        (&empty, "fichier vide"),
        (
            &binary,
            "fichier illisible : ce n'est ni un tableau CSV ni un classeur",
        ),
        (
            &garbage,
            "fichier illisible : ce n'est ni un tableau CSV ni un classeur",
        ),
        (&headerless, "colonnes introuvables : nom, prénom"),
        (&env.path("absent.csv"), "impossible de lire"),
    ] {
        let started = std::time::Instant::now();
        let o = env.import(&[file.to_str().unwrap(), "--oui"]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{}: {err}", file.display());
        assert!(err.contains(expected), "{}: {err}", file.display());
        assert!(!err.contains("panicked"), "{err}");
        assert!(started.elapsed().as_secs() < 20, "{}", file.display());
        assert_eq!(fingerprint(&env.db()), before, "{}", file.display());
    }
}

fn nir(body: u64) -> String {
    format!("{body}{:02}", 97 - body % 97)
}

#[test]
fn identity_columns_fill_the_identity_fields() {
    let env = Env::new();
    let n = nir(2_900_759_123_456);
    let csv = env.write(
        "ident.csv",
        format!(
            "Nom de famille;Prénom;Nom de naissance;Date de naissance;N° allocataire;NIR;ID France Travail;\
             ID bénéficiaire département;Rôle;Champ adresse 1;Champ adresse 2;Code postal;Commune;\
             Date d'ouverture du droit;Statut du droit\n\
             Durand;Julie;Moreau;14/07/1990;1234567;{};FT-998;D-17;Conjoint;3 rue des Lilas;Bât. B;59000;Lille;01/02/2024;Droit ouvert et versable\n",
            spaced(&n)
        )
        .as_bytes(),
    );
    let mut store = env.store();
    run(&mut store, &csv);
    let p = &files(&store)[0].person;
    assert_eq!(p.nom_naissance, "Moreau");
    assert_eq!(p.caf_numero, "1234567");
    assert_eq!(p.nir, n, "stored without its spaces");
    assert_eq!(p.id_france_travail, "FT-998");
    assert_eq!(p.id_departement, "D-17");
    assert_eq!(p.role_foyer, "conjoint");
    assert_eq!(p.adresse, "3 rue des Lilas\nBât. B");
    assert_eq!(p.code_postal, "59000");
    assert_eq!(p.rsa_depuis, Some(date(2024, 2, 1)));
    assert_eq!(p.rsa_statut, "ouvert");
}

fn spaced(n: &str) -> String {
    parcours::domain::nir::spaced(n)
}

/// Against the base, each rule in its order finds the person already there.
#[test]
fn each_matching_rule_finds_a_person_of_the_base() {
    let env = Env::new();
    let mut store = env.store();
    let a = nir(1_850_578_006_084);
    let seed = env.write(
        "base.csv",
        format!(
            "Nom;Prénom;Date de naissance;NIR;ID bénéficiaire département;N° CAF\n\
             Alpha;Un;01/01/1980;{a};;\n\
             Beta;Deux;01/01/1981;;D-42;\n\
             Gamma;Trois;01/01/1982;;;777\n\
             Delta;Quatre;01/01/1983;;;\n"
        )
        .as_bytes(),
    );
    run(&mut store, &seed);
    // Each line names its person differently, but one rule finds them all.
    let list = env.write(
        "again.csv",
        format!(
            "Nom;Prénom;Date de naissance;NIR;ID bénéficiaire département;N° CAF;Email\n\
             Alpha-Mariée;Une;;{a};;;alpha@example.org\n\
             Béta;Autre;;;D-42;;beta@example.org\n\
             Gama;Trois;01/01/1982;;;777;gamma@example.org\n\
             DELTA;quatre;1983-01-01;;;;delta@example.org\n"
        )
        .as_bytes(),
    );
    let p = run(&mut store, &list);
    assert_eq!((p.new, p.known, p.updated), (0, 4, 4), "{:?}", p.details());
    let all = files(&store);
    assert_eq!(all.len(), 4);
    for nom in ["Alpha", "Beta", "Gamma", "Delta"] {
        assert_eq!(
            find(&all, nom).person.email,
            format!("{}@example.org", nom.to_lowercase()),
            "{nom}"
        );
    }
}

#[test]
fn a_conflict_is_listed_and_never_merged() {
    let env = Env::new();
    let mut store = env.store();
    let a = nir(1_850_578_006_084);
    let seed = env.write(
        "base.csv",
        format!("Nom;Prénom;Date de naissance;NIR;ID bénéficiaire département\nAlpha;Un;01/01/1980;{a};D-1\n").as_bytes(),
    );
    run(&mut store, &seed);
    let before = files(&store);
    let list = env.write(
        "conflict.csv",
        format!(
            "Nom;Prénom;Date de naissance;NIR;ID bénéficiaire département;Email\n\
             Alpha;Un;02/02/1980;{a};;x@example.org\n\
             Autre;Personne;01/01/1990;;D-1;y@example.org\n"
        )
        .as_bytes(),
    );
    let p = run(&mut store, &list);
    assert_eq!(p.conflicts.len(), 2, "{:?}", p.details());
    assert_eq!(p.conflicts[0].0, 2);
    assert_eq!(p.conflicts[1].0, 3);
    assert!(
        p.conflicts[1]
            .1
            .contains("retrouvé·e par ID Département, mais date de naissance différente"),
        "{:?}",
        p.conflicts
    );
    assert!(
        p.conflicts[0]
            .1
            .contains("retrouvé·e par NIR, mais date de naissance différente"),
        "{:?}",
        p.conflicts
    );
    assert!(p.summary().contains("2 conflits"));
    assert_eq!(p.new, 0);
    assert_eq!(files(&store), before, "nothing merged");
}

#[test]
fn profiles_are_listed_and_chosen_by_name() {
    let env = Env::new();
    drop(env.store());
    let dir = env.config.path().join("imports");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("nord.toml"),
        "libelle = \"Département du Nord (IODAS)\"\ndispositif = \"plie\"\n\
         [colonnes]\n\"patronyme\" = \"nom\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("casse.toml"), "dispositif = [").unwrap();
    let list = env.import(&["--profil"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let out = stdout(&list);
    assert!(
        out.contains("defaut") && out.contains("Listes d'orientation"),
        "{out}"
    );
    assert!(
        out.contains("nord") && out.contains("Département du Nord (IODAS)"),
        "{out}"
    );
    assert!(out.contains("profil d'import « casse » illisible"), "{out}");
    let csv = env.write("n.csv", "Patronyme;Prénom\nLeroy;Nina\n".as_bytes());
    let o = env.import(&[csv.to_str().unwrap(), "--profil", "nord", "--oui"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let f = &files(&env.store())[0];
    assert_eq!(
        (f.person.nom.as_str(), f.suivis[0].dispositif.as_str()),
        ("Leroy", "plie")
    );
    let o = env.import(&[csv.to_str().unwrap(), "--profil", "sud"]);
    assert!(
        stderr(&o).contains("aucun profil d'import « sud »"),
        "{}",
        stderr(&o)
    );
}
