//! The shared server on a real PostgreSQL (started by `.ci/run`, or a throwaway cluster of the
//! test's own): what the server enforces whatever a client sends, raw SQL included — the
//! audit log is append-only and signed by the server, erasure and account management are for
//! administrators, private notes stay in their team — and `serveur initialiser`,
//! `compte … --db postgresql://…` and `serveur migrer` through the real binary.

mod support;

use parcours::store::server::{self, Credentials, ServerError};
use postgres::error::SqlState;
use std::process::{Command, Output, Stdio};
use support::pg::TestServer;
use support::pty::{demo_password, password_file, BIN, ENV_REMOVED, NOW};

const CHEF: &str = "chef";
const CHEF_PW: &str = "Lanterne-bruyere-cascade-47";
const CLAIRE: &str = "claire";
const CLAIRE_PW: &str = "Moulin-ardoise-riviere-93";

fn initialised(name: &str) -> Option<TestServer> {
    let srv = TestServer::start(name)?;
    let mut su = srv.superuser();
    server::initialise(&mut su, &srv.name(CHEF), CHEF_PW, "Chef de service").expect("initialise");
    Some(srv)
}

/// Logs in as the test's own `user` (see [`TestServer::name`]).
fn login(srv: &TestServer, user: &str, pw: &str) -> postgres::Client {
    let user = srv.name(user);
    server::connect(
        &srv.url(),
        &Credentials {
            user: Some(&user),
            password: Some(pw),
        },
    )
    .unwrap_or_else(|e| panic!("{user} logs in: {e}"))
}

fn denied(client: &mut postgres::Client, sql: &str) {
    let e = client
        .batch_execute(sql)
        .expect_err(&format!("must be refused: {sql}"));
    let code = e.code().cloned();
    assert!(
        code == Some(SqlState::INSUFFICIENT_PRIVILEGE),
        "{sql}: expected « permission denied », got {e:?}"
    );
}

const PERSON: &str = "INSERT INTO persons (dossier, nom, prenom, sexe, created_at, updated_at) \
     VALUES ('2026-00001', 'Durand', 'Ana', 'F', '2026-11-01 09:00:00', '2026-11-01 09:00:00')";

#[test]
fn the_server_enforces_audit_erasure_and_accounts_rules() {
    let Some(srv) = initialised("roles") else {
        return;
    };
    let mut chef = login(&srv, CHEF, CHEF_PW);
    let (chef_name, claire_name) = (srv.name(CHEF), srv.name(CLAIRE));
    server::add_account(&mut chef, &claire_name, CLAIRE_PW, false, "Claire Fontaine").unwrap();
    let mut claire = login(&srv, CLAIRE, CLAIRE_PW);

    // An advisor writes files and the audit log…
    claire.batch_execute(PERSON).unwrap();
    claire
        .batch_execute(
            "INSERT INTO audit (at, actor, action) VALUES ('2000-01-01 00:00:00', 'chef', 'connexion')",
        )
        .unwrap();
    // …but the entry is signed by the server: the login role and the server's time.
    let row = chef
        .query_one("SELECT actor, at FROM audit ORDER BY id DESC LIMIT 1", &[])
        .unwrap();
    assert_eq!(row.get::<_, String>(0), claire_name);
    assert_ne!(row.get::<_, String>(1), "2000-01-01 00:00:00");

    // Never changes or removes an entry, nor reads the log; never erases a person.
    for sql in [
        "UPDATE audit SET actor = 'personne'",
        "DELETE FROM audit",
        "SELECT * FROM audit",
        "TRUNCATE audit",
        "DELETE FROM persons",
        "ALTER TABLE audit DISABLE TRIGGER audit_auteur",
        "DROP TABLE notes",
        "CREATE ROLE pirate LOGIN",
        "SELECT parcours.creer_compte('pirate', 'SCRAM-SHA-256$4096:x', true, '')",
        "SELECT parcours.supprimer_compte(current_user)",
        "UPDATE equipes SET equipe = 'x'",
    ] {
        denied(&mut claire, sql);
    }
    let owner = server::roles(&mut claire).unwrap().owner;
    denied(&mut claire, &format!("SET ROLE \"{owner}\""));

    // An administrator erases and reads the log, but cannot rewrite it either.
    for sql in [
        "UPDATE audit SET actor = 'personne'",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ] {
        denied(&mut chef, sql);
    }
    assert_eq!(chef.execute("DELETE FROM persons", &[]).unwrap(), 1);

    // The 12-month purge runs as the owner through its function, for anyone, and takes
    // only entries past the retention.
    let mut su = srv.superuser();
    su.batch_execute(&format!(
        "SET ROLE \"{owner}\"; INSERT INTO audit (at, actor, action) VALUES \
         ('2020-01-01 08:00:00', 'ancien', 'connexion')"
    ))
    .unwrap();
    let before: i64 = chef
        .query_one("SELECT count(*) FROM audit", &[])
        .unwrap()
        .get(0);
    let purged: i64 = claire
        .query_one("SELECT parcours.purger_audit()", &[])
        .unwrap()
        .get(0);
    assert_eq!(purged, 1);
    let after: i64 = chef
        .query_one("SELECT count(*) FROM audit", &[])
        .unwrap()
        .get(0);
    assert_eq!(after, before - 1);

    // Account management is the administrators': the server refuses an advisor.
    let e = server::add_account(
        &mut claire,
        &srv.name("pirate"),
        "Pirate-pirate-pirate-1",
        true,
        "",
    )
    .unwrap_err();
    assert!(matches!(e, ServerError::Forbidden(_)), "{e:?}");
    assert!(e.to_string().contains("droits insuffisants"), "{e}");
    let names: Vec<String> = server::accounts(&mut chef)
        .unwrap()
        .into_iter()
        .map(|a| format!("{} {} {}", a.login, a.name, a.admin))
        .collect();
    assert_eq!(
        names,
        [
            format!("{chef_name} Chef de service true"),
            format!("{claire_name} Claire Fontaine false")
        ]
    );
    // An advisor changes their own password; the old one stops working.
    server::set_password(&mut claire, None, "Nouveau-chemin-de-halage-8").unwrap();
    drop(claire);
    assert!(server::connect(
        &srv.url(),
        &Credentials {
            user: Some(&claire_name),
            password: Some(CLAIRE_PW),
        }
    )
    .is_err());
    let _ = login(&srv, CLAIRE, "Nouveau-chemin-de-halage-8");
    // Removing the account: it cannot connect any more; the groups themselves cannot be
    // removed through the function.
    server::remove_account(&mut chef, &claire_name).unwrap();
    let Err(e) = server::connect(
        &srv.url(),
        &Credentials {
            user: Some(&claire_name),
            password: Some("Nouveau-chemin-de-halage-8"),
        },
    ) else {
        panic!("a removed account must not connect");
    };
    assert!(matches!(e, ServerError::Login), "{e:?}");
    let advisor = server::roles(&mut chef).unwrap().advisor;
    assert!(server::remove_account(&mut chef, &advisor).is_err());
}

#[test]
fn private_notes_stay_in_their_authors_team() {
    let Some(srv) = initialised("equipes") else {
        return;
    };
    let mut chef = login(&srv, CHEF, CHEF_PW);
    for (who, team) in [("ana", "nord"), ("bruno", "sud"), ("chloe", "nord")] {
        let who = srv.name(who);
        server::add_account(&mut chef, &who, "Phrase-assez-longue-2026", false, "").unwrap();
        chef.execute(
            "INSERT INTO equipes (role, equipe) VALUES ($1, $2)",
            &[&who, &team],
        )
        .unwrap();
    }
    let ana_name = srv.name("ana");
    chef.batch_execute(PERSON).unwrap();
    let mut ana = login(&srv, "ana", "Phrase-assez-longue-2026");
    ana.batch_execute(
        "INSERT INTO notes (person_id, at, author, private, text) \
         SELECT id, '2026-11-02 10:00:00', 'ana', 1, 'privée' FROM persons; \
         INSERT INTO notes (person_id, at, author, private, text) \
         SELECT id, '2026-11-02 10:05:00', 'ana', 0, 'partagée' FROM persons",
    )
    .unwrap();
    let texts = |c: &mut postgres::Client| -> Vec<String> {
        c.query("SELECT text FROM notes ORDER BY at", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let mut bruno = login(&srv, "bruno", "Phrase-assez-longue-2026");
    let mut chloe = login(&srv, "chloe", "Phrase-assez-longue-2026");
    assert_eq!(texts(&mut ana), ["privée", "partagée"]);
    assert_eq!(texts(&mut chloe), ["privée", "partagée"], "same team");
    assert_eq!(texts(&mut bruno), ["partagée"], "other team");
    // Another team's private note can be neither changed nor deleted…
    assert_eq!(
        bruno
            .execute("UPDATE notes SET text = 'x' WHERE private = 1", &[])
            .unwrap(),
        0
    );
    assert_eq!(
        bruno
            .execute("DELETE FROM notes WHERE private = 1", &[])
            .unwrap(),
        0
    );
    // …nor forged under someone else's name.
    let e = bruno
        .execute(
            "INSERT INTO notes (person_id, at, author, private, text, author_role) \
             SELECT id, '2026-11-03 10:00:00', 'ana', 1, 'faux', $1 FROM persons",
            &[&ana_name],
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("row-level security")
            || e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE),
        "{e}"
    );
    assert_eq!(texts(&mut ana), ["privée", "partagée"]);
}

fn cli(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for k in ENV_REMOVED.iter().chain(&["PGPASSWORD"]) {
        cmd.env_remove(k);
    }
    cmd.env("PARCOURS_NOW", NOW);
    cmd.env_remove("PGCONNECT_TIMEOUT");
    cmd.envs(env.iter().copied());
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("parcours runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn initialise_and_manage_accounts_from_the_command_line() {
    let Some(srv) = TestServer::start("cli") else {
        return;
    };
    let su_url = srv.url_as(&srv.superuser);
    let su_env = [("PGPASSWORD", srv.superuser_password.as_str())];
    let two = format!("{CHEF_PW}\n{CHEF_PW}\n");
    let (chef, claire) = (srv.name(CHEF), srv.name(CLAIRE));
    let (chef, claire) = (chef.as_str(), claire.as_str());
    let out = cli(
        &["serveur", "initialiser", &su_url, "--admin", chef],
        &su_env,
        &two,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Base du serveur prête"),
        "{}",
        text(&out)
    );
    // A second initialisation changes nothing and says so.
    let again = cli(
        &["serveur", "initialiser", &su_url, "--admin", "autre"],
        &su_env,
        &two,
    );
    assert!(!again.status.success());
    assert!(
        text(&again).contains("déjà initialisée"),
        "{}",
        text(&again)
    );

    let url = srv.url();
    let chef_env = [("PGPASSWORD", CHEF_PW)];
    let pw2 = format!("{CLAIRE_PW}\n{CLAIRE_PW}\n");
    let add = cli(
        &[
            "--db",
            &url,
            "--compte",
            chef,
            "compte",
            "ajouter",
            claire,
            "--nom",
            "Claire F.",
        ],
        &chef_env,
        &pw2,
    );
    assert!(add.status.success(), "{}", text(&add));
    let list = cli(
        &["--db", &url, "--compte", chef, "compte", "liste"],
        &chef_env,
        "",
    );
    let listed = text(&list);
    assert!(
        listed.contains(chef) && listed.contains("administrateur"),
        "{listed}"
    );
    assert!(
        listed.contains(claire) && listed.contains("Claire F."),
        "{listed}"
    );
    // An advisor's attempt is refused by the server, in French.
    let claire_env = [("PGPASSWORD", CLAIRE_PW)];
    let refused = cli(
        &[
            "--db", &url, "--compte", claire, "compte", "ajouter", "x", "--nom", "X",
        ],
        &claire_env,
        "Phrase-assez-longue-2026\nPhrase-assez-longue-2026\n",
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("droits insuffisants"),
        "{}",
        text(&refused)
    );
    // A wrong password, and a command that does not run on the server yet.
    let wrong = cli(
        &["--db", &url, "--compte", chef, "compte", "liste"],
        &[("PGPASSWORD", "faux")],
        "",
    );
    assert!(
        text(&wrong).contains("mot de passe refusé"),
        "{}",
        text(&wrong)
    );
    let later = cli(&["--db", &url, "check"], &chef_env, "");
    assert!(!later.status.success());
    assert!(text(&later).contains("fichier local"), "{}", text(&later));
    let rm = cli(
        &[
            "--db",
            &url,
            "--compte",
            chef,
            "compte",
            "supprimer",
            claire,
        ],
        &chef_env,
        "",
    );
    assert!(rm.status.success(), "{}", text(&rm));
    assert!(srv.connect(claire, CLAIRE_PW).is_err());
}

#[test]
fn an_unreachable_server_gets_a_french_message_quickly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let out = cli(
        &[
            "serveur",
            "initialiser",
            &format!("postgresql://personne@127.0.0.1:{port}/parcours"),
            "--admin",
            CHEF,
        ],
        &[("PGPASSWORD", "x")],
        "",
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("Serveur injoignable"), "{}", text(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    let bad = cli(
        &[
            "serveur",
            "initialiser",
            "postgresql://:x:@/",
            "--admin",
            CHEF,
        ],
        &[],
        "",
    );
    assert!(!bad.status.success());
}

/// Every row of every table of the file, as text, sorted: what the server must hold after
/// `serveur migrer`.
fn local_rows(db: &std::path::Path, password: &str, table: &str, cols: &[String]) -> Vec<String> {
    let now = chrono::NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M:%S").unwrap();
    let key = support::demo_key(db, password, now);
    let conn = support::connect(db, Some(&key));
    let list = cols
        .iter()
        .map(|c| format!("coalesce(CAST(\"{c}\" AS TEXT), '∅')"))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    let mut stmt = conn
        .prepare(&format!("SELECT {list} FROM \"{table}\""))
        .unwrap();
    let mut rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.sort();
    rows
}

fn server_rows(c: &mut postgres::Client, table: &str, cols: &[String]) -> Vec<String> {
    let list = cols
        .iter()
        .map(|c| format!("coalesce(CAST(\"{c}\" AS TEXT), '∅')"))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    let mut rows: Vec<String> = c
        .query(&format!("SELECT {list} FROM \"{table}\""), &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    rows.sort();
    rows
}

#[test]
fn a_local_base_moves_to_the_server_whole() {
    let Some(srv) = initialised("migrer") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("local.db");
    let demo = cli(
        &[
            "--db",
            db.to_str().unwrap(),
            "demo",
            "--persons",
            "25",
            "--seed",
            "7",
        ],
        &[("PARCOURS_CONFIG_DIR", dir.path().to_str().unwrap())],
        "",
    );
    assert!(demo.status.success(), "{}", text(&demo));
    let password = demo_password(&String::from_utf8_lossy(&demo.stdout));
    let pwfile = password_file(dir.path(), &password);
    let su_url = srv.url_as(&srv.superuser);
    let args = [
        "--mot-de-passe-fichier",
        pwfile.to_str().unwrap(),
        "serveur",
        "migrer",
        db.to_str().unwrap(),
        &su_url,
    ];
    let env = [
        ("PGPASSWORD", srv.superuser_password.as_str()),
        ("PARCOURS_CONFIG_DIR", dir.path().to_str().unwrap()),
    ];
    let out = cli(&args, &env, "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("25 dossier(s)"), "{}", text(&out));

    // Every table, every row, every value.
    let reference = server::ddl::sqlite_reference().unwrap();
    let tables = server::ddl::tables(&reference).unwrap();
    let mut su = srv.superuser();
    let mut compared = 0;
    for t in &tables {
        let cols: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        let mut local = local_rows(&db, &password, &t.name, &cols);
        let mut remote = server_rows(&mut su, &t.name, &cols);
        if t.name == "audit" {
            // The migration's own entry is the one more on the server.
            assert_eq!(remote.len(), local.len() + 1, "audit");
            remote.retain(|r| !r.contains("migration_serveur"));
            local.retain(|r| !r.contains("migration_serveur"));
        }
        assert_eq!(local, remote, "table {}", t.name);
        compared += local.len();
    }
    assert!(compared > 25 * 10, "a demo base has many rows: {compared}");
    // New ids continue past the file's.
    let max: i64 = su
        .query_one("SELECT max(id) FROM persons", &[])
        .unwrap()
        .get(0);
    let next: i64 = su
        .query_one(
            "INSERT INTO persons (dossier, nom, prenom, sexe, created_at, updated_at) \
             VALUES ('2099-00001', 'N', 'P', 'F', '', '') RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(next > max);
    su.batch_execute("DELETE FROM persons WHERE dossier = '2099-00001'")
        .unwrap();
    // A second migration is refused: the server is no longer empty.
    let again = cli(&args, &env, "");
    assert!(!again.status.success());
    assert!(
        text(&again).contains("contient déjà 25 dossier"),
        "{}",
        text(&again)
    );
}

#[test]
fn backup_of_the_server_is_a_verified_pg_dump() {
    let Some(srv) = initialised("sauvegarde") else {
        return;
    };
    let mut chef = login(&srv, CHEF, CHEF_PW);
    chef.batch_execute(PERSON).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("sauvegardes");
    let args = [
        "--db",
        &srv.url_as(&srv.superuser),
        "backup",
        dest.to_str().unwrap(),
        "--garder",
        "1",
    ];
    let env = [("PGPASSWORD", srv.superuser_password.as_str())];
    // An older dump in the folder: past `--garder 1`, it goes.
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(
        dest.join("parcours-serveur-2020-01-01-000000.dump"),
        "ancienne",
    )
    .unwrap();
    let out = cli(&args, &env, "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Sauvegarde du serveur vérifiée"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("ancienne sauvegarde supprimée"),
        "{}",
        text(&out)
    );
    let files: Vec<_> = std::fs::read_dir(&dest)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files.len(),
        1,
        "--garder 1 keeps the newest only: {files:?}"
    );
    let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.starts_with("parcours-serveur-") && name.ends_with(".dump"),
        "{name}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a dump holds every file: private to its owner");
    }
    // A wrong password: a French refusal, no file left behind.
    let bad = cli(&args, &[("PGPASSWORD", "faux")], "");
    assert!(!bad.status.success());
    assert!(text(&bad).contains("pg_dump"), "{}", text(&bad));
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 1);
}

#[test]
fn the_report_reads_the_same_from_the_server_as_from_the_file() {
    let Some(srv) = initialised("rapport") else {
        return;
    };
    let mut chef = login(&srv, CHEF, CHEF_PW);
    server::add_account(&mut chef, &srv.name(CLAIRE), CLAIRE_PW, false, "Claire").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().to_str().unwrap().to_string();
    let db = dir.path().join("local.db");
    let db_arg = db.to_str().unwrap();
    let demo = cli(
        &["--db", db_arg, "demo", "--persons", "30", "--seed", "5"],
        &[("PARCOURS_CONFIG_DIR", &config)],
        "",
    );
    assert!(demo.status.success(), "{}", text(&demo));
    let password = demo_password(&String::from_utf8_lossy(&demo.stdout));
    let pwfile = password_file(dir.path(), &password);
    let pwfile = pwfile.to_str().unwrap();
    let su_url = srv.url_as(&srv.superuser);
    let moved = cli(
        &[
            "--mot-de-passe-fichier",
            pwfile,
            "serveur",
            "migrer",
            db_arg,
            &su_url,
        ],
        &[
            ("PGPASSWORD", srv.superuser_password.as_str()),
            ("PARCOURS_CONFIG_DIR", &config),
        ],
        "",
    );
    assert!(moved.status.success(), "{}", text(&moved));

    let report = |args: &[&str], env: &[(&str, &str)]| {
        let out = cli(args, env, "");
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for format in ["texte", "csv", "html"] {
        let local = report(
            &[
                "--db",
                db_arg,
                "--mot-de-passe-fichier",
                pwfile,
                "rapport",
                "--annee",
                "2026",
                "--format",
                format,
            ],
            &[("PARCOURS_CONFIG_DIR", &config)],
        );
        let claire_url = srv.url_as(&srv.name(CLAIRE));
        let shared = report(
            &[
                "--db",
                &claire_url,
                "rapport",
                "--annee",
                "2026",
                "--format",
                format,
            ],
            &[("PGPASSWORD", CLAIRE_PW), ("PARCOURS_CONFIG_DIR", &config)],
        );
        assert!(local.contains("Personnes accompagn"), "{local}");
        assert_eq!(shared, local, "{format}");
    }
    // Each report is an export in the server's audit log, signed by the advisor's role.
    let exports: i64 = chef
        .query_one(
            "SELECT count(*) FROM audit WHERE action = 'export' AND actor = $1",
            &[&srv.name(CLAIRE)],
        )
        .unwrap()
        .get(0);
    assert_eq!(exports, 3);
    // A filter the base does not know is refused the same way.
    let bad = cli(
        &[
            "--db",
            &srv.url_as(&srv.name(CLAIRE)),
            "rapport",
            "--referent",
            "Personne Inconnue",
        ],
        &[("PGPASSWORD", CLAIRE_PW), ("PARCOURS_CONFIG_DIR", &config)],
        "",
    );
    assert!(!bad.status.success());
    assert!(text(&bad).contains("Personne Inconnue"), "{}", text(&bad));
}

#[test]
fn exports_documents_and_imports_work_on_the_server_from_the_command_line() {
    let Some(srv) = initialised("exports") else {
        return;
    };
    let mut chef = login(&srv, CHEF, CHEF_PW);
    server::add_account(&mut chef, &srv.name(CLAIRE), CLAIRE_PW, false, "Claire").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().to_str().unwrap().to_string();
    let db = dir.path().join("local.db");
    let db_arg = db.to_str().unwrap();
    let demo = cli(
        &["--db", db_arg, "demo", "--persons", "30", "--seed", "5"],
        &[("PARCOURS_CONFIG_DIR", &config)],
        "",
    );
    assert!(demo.status.success(), "{}", text(&demo));
    let password = demo_password(&String::from_utf8_lossy(&demo.stdout));
    let pwfile = password_file(dir.path(), &password);
    let pwfile = pwfile.to_str().unwrap();
    let su_url = srv.url_as(&srv.superuser);
    let moved = cli(
        &[
            "--mot-de-passe-fichier",
            pwfile,
            "serveur",
            "migrer",
            db_arg,
            &su_url,
        ],
        &[
            ("PGPASSWORD", srv.superuser_password.as_str()),
            ("PARCOURS_CONFIG_DIR", &config),
        ],
        "",
    );
    assert!(moved.status.success(), "{}", text(&moved));
    let claire_url = srv.url_as(&srv.name(CLAIRE));
    let claire_env = [("PGPASSWORD", CLAIRE_PW), ("PARCOURS_CONFIG_DIR", &config)];
    let exported = |args: &[&str], env: &[(&str, &str)]| {
        let out = cli(args, env, "");
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        out.stdout
    };
    let mut shared_exports = 0;
    for args in [
        &["export", "--format", "csv", "--quoi", "personnes"][..],
        &[
            "export",
            "--format",
            "csv",
            "--quoi",
            "rendez-vous",
            "--du",
            "01/06/2026",
        ],
        &["export", "--format", "csv", "--quoi", "actions"],
        &["export", "--format", "csv", "--quoi", "sorties"],
        &["export", "--format", "ics", "--dispositif", "rsa"],
        &["export", "--format", "json"],
        &["export", "--format", "json", "--person", "2026-00003"],
        &["export", "--format", "document", "--person", "2026-00003"],
        &["document", "contrat", "--person", "2026-00003"],
    ] {
        let mut local_args = vec!["--db", db_arg, "--mot-de-passe-fichier", pwfile];
        local_args.extend_from_slice(args);
        let local = exported(&local_args, &[("PARCOURS_CONFIG_DIR", &config)]);
        let mut shared_args = vec!["--db", claire_url.as_str()];
        shared_args.extend_from_slice(args);
        let shared = exported(&shared_args, &claire_env);
        assert!(
            local.len() > 200,
            "{args:?}: {}",
            String::from_utf8_lossy(&local)
        );
        assert!(
            shared == local,
            "{args:?}: the server's output differs from the file's\n{}",
            String::from_utf8_lossy(&shared)
        );
        shared_exports += 1;
    }
    // Each export is in the server's audit log, signed by the advisor's role, and names
    // the person when it is one person's.
    let claire = srv.name(CLAIRE);
    let audited = |chef: &mut postgres::Client, sql: &str| -> i64 {
        chef.query_one(sql, &[&claire]).unwrap().get(0)
    };
    assert_eq!(
        audited(
            &mut chef,
            "SELECT count(*) FROM audit WHERE action = 'export' AND actor = $1"
        ),
        shared_exports
    );
    assert_eq!(
        audited(
            &mut chef,
            "SELECT count(*) FROM audit WHERE action = 'export' AND actor = $1 \
             AND person_id IS NOT NULL"
        ),
        3
    );
    // An unknown n° de dossier is refused as on the file.
    let missing = cli(
        &[
            "--db",
            &claire_url,
            "export",
            "--format",
            "document",
            "--person",
            "2099-99999",
        ],
        &claire_env,
        "",
    );
    assert!(!missing.status.success());
    assert!(text(&missing).contains("2099-99999"), "{}", text(&missing));

    // An orientation list imported on the server, in one transaction, audited there.
    let list = dir.path().join("orientations.csv");
    std::fs::write(
        &list,
        "Nom;Prénom;Date de naissance;Commune;Date d'orientation\n\
         Zerbib;Inès;05/03/1985;Lille;02/11/2026\n\
         Quenet;Paul;1979-12-24;Roubaix;2026-11-20\n",
    )
    .unwrap();
    let before: i64 = chef
        .query_one("SELECT count(*) FROM persons", &[])
        .unwrap()
        .get(0);
    let list_arg = list.to_str().unwrap();
    let imported = cli(
        &["--db", &claire_url, "import", list_arg, "--oui"],
        &claire_env,
        "",
    );
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(
        text(&imported).contains("2 personne(s) créée(s)"),
        "{}",
        text(&imported)
    );
    let after: i64 = chef
        .query_one("SELECT count(*) FROM persons", &[])
        .unwrap()
        .get(0);
    assert_eq!(after, before + 2);
    assert_eq!(
        audited(
            &mut chef,
            "SELECT count(*) FROM audit WHERE action = 'import' AND actor = $1"
        ),
        1
    );
    // The same list again: everybody is known, nothing to write.
    let again = cli(
        &["--db", &claire_url, "import", list_arg, "--oui"],
        &claire_env,
        "",
    );
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("Rien à importer"), "{}", text(&again));

    // A JSON export of the file imported into a second, empty server database: the same
    // files, and the server then exports what the file did.
    let json = dir.path().join("base.json");
    let out = cli(
        &[
            "--db",
            db_arg,
            "--mot-de-passe-fichier",
            pwfile,
            "export",
            "--format",
            "json",
            "-o",
            json.to_str().unwrap(),
        ],
        &[("PARCOURS_CONFIG_DIR", &config)],
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    let Some(other) = initialised("json") else {
        return;
    };
    let imported = cli(
        &[
            "--db",
            &other.url_as(&other.name(CHEF)),
            "import",
            "--format",
            "json",
            json.to_str().unwrap(),
            "--oui",
        ],
        &[("PGPASSWORD", CHEF_PW), ("PARCOURS_CONFIG_DIR", &config)],
        "",
    );
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(
        text(&imported).contains("30 personne(s) créée(s)"),
        "{}",
        text(&imported)
    );
    let mut other_chef = login(&other, CHEF, CHEF_PW);
    let n: i64 = other_chef
        .query_one("SELECT count(*) FROM persons", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 30);
}

#[test]
fn logging_in_on_the_screen_purges_the_audit_log_past_twelve_months() {
    let Some(srv) = initialised("purge") else {
        return;
    };
    let owner = server::ddl::Roles::for_database(&srv.database).owner;
    let mut su = srv.superuser();
    su.batch_execute(&format!(
        "SET ROLE \"{owner}\"; INSERT INTO audit (at, actor, action) VALUES \
         ('2020-01-01 08:00:00', 'ancien', 'connexion')"
    ))
    .unwrap();
    let old = |su: &mut postgres::Client| -> i64 {
        su.query_one("SELECT count(*) FROM audit WHERE actor = 'ancien'", &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(old(&mut su), 1);
    let clock = parcours::clock::Clock::fixed(
        chrono::NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M:%S").unwrap(),
    );
    let opened = parcours::session::login_server(&srv.url(), clock, &srv.name(CHEF), CHEF_PW)
        .expect("the administrator logs in");
    assert_eq!(opened.account.login, srv.name(CHEF));
    assert_eq!(opened.account.display_name, "Chef de service");
    assert!(opened.store.is_admin());
    assert_eq!(old(&mut su), 0);
    // The login itself is in the log, signed by the server.
    let logins: i64 = su
        .query_one(
            "SELECT count(*) FROM audit WHERE actor = $1 AND action = 'connexion'",
            &[&srv.name(CHEF)],
        )
        .unwrap()
        .get(0);
    assert_eq!(logins, 1);
}
