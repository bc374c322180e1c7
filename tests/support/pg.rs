//! A real PostgreSQL server for the server tests: the one `.ci/run` started
//! (`PARCOURS_TEST_PG`, a superuser URL), or a throwaway cluster of this test's own in a
//! temporary directory, stopped when the test ends. Each test gets its own database (and so
//! its own roles, which carry the database's name).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SUPERUSER_PASSWORD: &str = "essai-superutilisateur";

/// The test team on a server database: an administrator and an advisor (login names are
/// made the test's own by [`TestServer::name`]).
pub const CHEF: &str = "chef";
pub const CHEF_PW: &str = "Lanterne-bruyere-cascade-47";
pub const CLAIRE: &str = "claire";
pub const CLAIRE_PW: &str = "Moulin-ardoise-riviere-93";

/// A database of its own on a running server; the cluster it started, if any, is stopped on
/// drop.
pub struct TestServer {
    /// Host and port, e.g. "127.0.0.1:54321".
    pub addr: String,
    pub superuser: String,
    pub superuser_password: String,
    pub database: String,
    cluster: Option<Cluster>,
}

struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .args([
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestServer {
    /// A server, or `None` (with a note) where PostgreSQL is not installed and this is not
    /// CI: on CI (`CI` set) a missing server fails the test.
    pub fn start(name: &str) -> Option<TestServer> {
        let database = format!("t_{}_{}", name, std::process::id());
        if let Ok(url) = std::env::var("PARCOURS_TEST_PG") {
            let (addr, user, password) = parse_superuser_url(&url);
            let s = TestServer {
                addr,
                superuser: user,
                superuser_password: password,
                database,
                cluster: None,
            };
            s.create_database();
            return Some(s);
        }
        let Some(bin) = postgres_bin() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "PostgreSQL absent : .ci/run doit l'installer (apt-get install postgresql)"
            );
            eprintln!("PostgreSQL absent : test du serveur sauté (installez postgresql)");
            return None;
        };
        let cluster = start_cluster(&bin);
        let port = cluster.1;
        let s = TestServer {
            addr: format!("127.0.0.1:{port}"),
            superuser: "postgres".into(),
            superuser_password: SUPERUSER_PASSWORD.into(),
            database,
            cluster: Some(cluster.0),
        };
        s.create_database();
        Some(s)
    }

    /// [`TestServer::start`], initialised for parcours with the team: chef (administrator,
    /// « Chef de service ») and claire (advisor, « Claire Fontaine »).
    pub fn with_team(name: &str) -> Option<TestServer> {
        use parcours::store::server::{self, Credentials};
        let srv = TestServer::start(name)?;
        let mut su = srv.superuser();
        server::initialise(&mut su, &srv.name(CHEF), CHEF_PW, "Chef de service")
            .expect("initialise");
        let mut chef = server::connect(
            &srv.url(),
            &Credentials {
                user: Some(&srv.name(CHEF)),
                password: Some(CHEF_PW),
            },
        )
        .expect("chef logs in");
        server::add_account(
            &mut chef,
            &srv.name(CLAIRE),
            CLAIRE_PW,
            false,
            "Claire Fontaine",
        )
        .expect("add claire");
        Some(srv)
    }

    /// A login name of this test's own: login roles belong to the whole server, which
    /// several tests share.
    pub fn name(&self, base: &str) -> String {
        format!("{base}_{}", self.database)
    }

    /// URL of this test's database, without user or password.
    pub fn url(&self) -> String {
        format!("postgresql://{}/{}", self.addr, self.database)
    }

    /// URL of this test's database as `user`.
    pub fn url_as(&self, user: &str) -> String {
        format!("postgresql://{user}@{}/{}", self.addr, self.database)
    }

    pub fn connect(&self, user: &str, password: &str) -> Result<postgres::Client, postgres::Error> {
        let mut c = postgres::Config::new();
        let (host, port) = self.addr.rsplit_once(':').unwrap();
        c.host(host)
            .port(port.parse().unwrap())
            .user(user)
            .password(password)
            .dbname(&self.database);
        let mut client = c.connect(postgres::NoTls)?;
        client.batch_execute("SET search_path = parcours")?;
        Ok(client)
    }

    pub fn superuser(&self) -> postgres::Client {
        self.connect(&self.superuser, &self.superuser_password)
            .expect("superuser connection")
    }

    /// The superuser on another database of the server (to change this test's database
    /// while nobody may connect to it).
    pub fn superuser_on(&self, database: &str) -> postgres::Client {
        let mut c = postgres::Config::new();
        let (host, port) = self.addr.rsplit_once(':').unwrap();
        c.host(host)
            .port(port.parse().unwrap())
            .user(&self.superuser)
            .password(&self.superuser_password)
            .dbname(database);
        c.connect(postgres::NoTls).expect("superuser connection")
    }

    fn create_database(&self) {
        let mut c = postgres::Config::new();
        let (host, port) = self.addr.rsplit_once(':').unwrap();
        c.host(host)
            .port(port.parse().unwrap())
            .user(&self.superuser)
            .password(&self.superuser_password)
            .dbname("postgres");
        let mut client = c.connect(postgres::NoTls).expect("server reachable");
        client
            .batch_execute(&format!("CREATE DATABASE \"{}\"", self.database))
            .expect("create database");
    }
}

fn parse_superuser_url(url: &str) -> (String, String, String) {
    let cfg: postgres::Config = url.parse().expect("PARCOURS_TEST_PG is a URL");
    let host = match &cfg.get_hosts()[0] {
        postgres::config::Host::Tcp(h) => h.clone(),
        #[cfg(unix)]
        postgres::config::Host::Unix(p) => p.display().to_string(),
    };
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    let user = cfg.get_user().unwrap_or("postgres").to_string();
    let password = cfg
        .get_password()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_default();
    (format!("{host}:{port}"), user, password)
}

/// Debian puts the server's programs under /usr/lib/postgresql/<version>/bin.
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The server refuses to run as root: as root, its programs run as the `postgres` user.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_cluster(bin: &Path) -> (Cluster, u16) {
    // Outside the test's temp dir: the `postgres` user must be able to reach it.
    let dir = std::env::temp_dir().join(format!(
        "parcours-pg-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let pwfile = dir.join("pw");
    std::fs::write(&pwfile, SUPERUSER_PASSWORD).unwrap();
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "chown of the cluster directory");
    }
    let data = dir.join("data");
    let out = as_postgres(&bin.join("initdb"))
        .args([
            "-D",
            data.to_str().unwrap(),
            "-U",
            "postgres",
            "-A",
            "scram-sha-256",
        ])
        .arg(format!("--pwfile={}", pwfile.display()))
        .args(["-E", "UTF8", "--locale=C.UTF-8"])
        .output()
        .expect("initdb runs");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cluster = Cluster {
        dir: dir.clone(),
        bin: bin.to_path_buf(),
    };
    for attempt in 0..5 {
        let port = free_port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            dir.display()
        );
        let out = as_postgres(&bin.join("pg_ctl"))
            .args(["-D", data.to_str().unwrap(), "-l"])
            .arg(dir.join("log"))
            .args(["-o", &opts, "-w", "-t", "30", "start"])
            .output()
            .expect("pg_ctl runs");
        if out.status.success() {
            return (cluster, port);
        }
        eprintln!(
            "pg_ctl start (essai {attempt}) : {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    panic!(
        "PostgreSQL did not start: {}",
        std::fs::read_to_string(dir.join("log")).unwrap_or_default()
    );
}
