//! The shared PostgreSQL server (issue 15): what the server itself enforces, and the store on it.
//!
//! - [`initialise`]: an empty database becomes a parcours server (schema derived from the
//!   SQLite one, see [`ddl`]), with its roles and the first administrator;
//! - accounts are PostgreSQL login roles ([`add_account`], [`remove_account`],
//!   [`set_password`], [`accounts`]), passwords sent as SCRAM-SHA-256 verifiers;
//! - [`migrate`]: a local base copied to the server in one transaction, verified by counting
//!   the rows of every table on both sides.
//!
//! - [`ServerStore`]: the store on the server — the write path, a person's file and the
//!   caseload — with the local file's statements (`store/db.rs`).
//!
//! The app's screens and the other commands do not run on the server yet.

pub mod caseload;
pub mod ddl;
pub mod dump;
mod store;

pub use store::{ServerStore, LOCK_TIMEOUT, STATEMENT_TIMEOUT};

use super::{Store, StoreError};
use ddl::{quote, ColumnType, Roles, SCHEMA};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{Client, Config};
use std::time::Duration;

/// Server errors. `Display` is the French message shown to the user.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("Adresse de serveur illisible ({0}). Forme attendue : postgresql://serveur/base ou postgresql://identifiant@serveur:5432/base")]
    BadUrl(String),
    #[error("Serveur injoignable ({0}). Vérifiez l'adresse, le réseau et que PostgreSQL est démarré ; rien n'a été modifié.")]
    Unreachable(String),
    #[error("Identifiant ou mot de passe refusé par le serveur.")]
    Login,
    #[error("Le serveur refuse : droits insuffisants pour ce compte ({0}).")]
    Forbidden(String),
    #[error("Cette base du serveur est déjà initialisée pour parcours : rien n'a été modifié.")]
    AlreadyInitialised,
    #[error("Cette base du serveur n'est pas initialisée pour parcours : lancez d'abord « parcours serveur initialiser ».")]
    NotInitialised,
    #[error("Le schéma du serveur (version {server}) ne correspond pas à celui de ce parcours (version {local}) : mettez parcours à jour sur tous les postes.")]
    SchemaMismatch { server: i64, local: i64 },
    #[error("La base du serveur contient déjà {0} dossier(s) : la migration ne se fait que vers une base vide ; rien n'a été copié.")]
    NotEmpty(i64),
    #[error("Copie vérifiée incomplète (table {table} : {local} ligne(s) dans le fichier, {server} sur le serveur) : rien n'a été enregistré sur le serveur.")]
    CountMismatch {
        table: String,
        local: i64,
        server: i64,
    },
    #[error("Le serveur refuse : {0}")]
    Refused(String),
    #[error("Schéma : {0}")]
    Schema(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<postgres::Error> for ServerError {
    fn from(e: postgres::Error) -> ServerError {
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            {
                return ServerError::Login;
            }
            if *code == SqlState::INSUFFICIENT_PRIVILEGE {
                return ServerError::Forbidden(db.message().to_string());
            }
            return ServerError::Refused(db.message().to_string());
        }
        ServerError::Unreachable(e.to_string())
    }
}

/// A server error met by the store (a reconnection): « gone » stays « gone », so the
/// screen keeps retrying; the rest keeps its French message.
impl From<ServerError> for StoreError {
    fn from(e: ServerError) -> StoreError {
        match e {
            ServerError::Store(e) => e,
            ServerError::Unreachable(m) => StoreError::ServerGone(m),
            ServerError::Forbidden(m) => StoreError::Forbidden(m),
            other => StoreError::Server(other.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, ServerError>;

/// Whether `--db` names a server rather than a file.
pub fn is_server_url(db: &str) -> bool {
    db.starts_with("postgresql://") || db.starts_with("postgres://")
}

/// Who connects: the role (from the URL when not given) and its password.
pub struct Credentials<'a> {
    pub user: Option<&'a str>,
    pub password: Option<&'a str>,
}

/// The user a URL names, if any (to ask for the right password).
pub fn url_user(url: &str) -> Result<Option<String>> {
    let cfg: Config = url
        .parse()
        .map_err(|e| ServerError::BadUrl(format!("{e}")))?;
    Ok(cfg.get_user().map(str::to_string))
}

/// The server as the screen names it: role, host and database, never a password.
pub fn display_url(url: &str) -> String {
    let Ok(cfg) = url.parse::<Config>() else {
        return "serveur".into();
    };
    let host = cfg
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = cfg
        .get_ports()
        .first()
        .filter(|p| **p != 5432)
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let user = cfg.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    format!(
        "postgresql://{user}{host}{port}/{}",
        cfg.get_dbname().unwrap_or("")
    )
}

/// Whether the URL carries a password already.
pub fn url_has_password(url: &str) -> Result<bool> {
    let cfg: Config = url
        .parse()
        .map_err(|e| ServerError::BadUrl(format!("{e}")))?;
    Ok(cfg.get_password().is_some())
}

/// A connection, TLS when the server offers it (`sslmode=require` to insist): the server's
/// certificate is verified, its name included, against the certificate authority file named
/// by `PGSSLROOTCERT` (the structure's own), as libpq's `sslmode=verify-full` does.
pub fn connect(url: &str, who: &Credentials) -> Result<Client> {
    let mut cfg: Config = url
        .parse()
        .map_err(|e| ServerError::BadUrl(format!("{e}")))?;
    if let Some(u) = who.user {
        cfg.user(u);
    }
    if let Some(p) = who.password {
        cfg.password(p);
    }
    cfg.application_name("parcours");
    // Short: a cut network must not hang a command (the screen's own limit comes later).
    cfg.connect_timeout(Duration::from_secs(5));
    // A server that vanishes without closing the connection (cable, Wi-Fi, power) is
    // noticed within a second, not after the system's 15-minute TCP retry: the screen
    // never waits longer on a write (data sent and not acknowledged; a long statement is
    // acknowledged at once and has its own limit). A LAN acknowledges in milliseconds; a
    // spurious cut only costs a reconnection, made in the background.
    cfg.tcp_user_timeout(Duration::from_secs(1));
    cfg.keepalives_idle(Duration::from_secs(10));
    let tls = tls().map_err(|e| ServerError::Unreachable(format!("TLS : {e}")))?;
    let mut client = cfg.connect(tls)?;
    client.batch_execute(&format!("SET search_path = {}", quote(SCHEMA)))?;
    Ok(client)
}

fn tls() -> std::result::Result<postgres_openssl::MakeTlsConnector, openssl::error::ErrorStack> {
    let mut b = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls())?;
    if let Some(ca) = std::env::var_os("PGSSLROOTCERT") {
        b.set_ca_file(ca)?;
    }
    Ok(postgres_openssl::MakeTlsConnector::new(b.build()))
}

fn database(client: &mut Client) -> Result<String> {
    Ok(client.query_one("SELECT current_database()", &[])?.get(0))
}

/// The roles of the database this client is connected to.
pub fn roles(client: &mut Client) -> Result<Roles> {
    Ok(Roles::for_database(&database(client)?))
}

fn initialised(client: &mut Client) -> Result<bool> {
    Ok(client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&SCHEMA],
        )?
        .get(0))
}

/// The server schema's version; refuses a server of another schema than this program's.
pub fn check_schema(client: &mut Client) -> Result<()> {
    if !initialised(client)? {
        return Err(ServerError::NotInitialised);
    }
    let server: i64 = client
        .query_one("SELECT version FROM schema_version", &[])?
        .get(0);
    let local = super::schema::LATEST;
    if server != local {
        return Err(ServerError::SchemaMismatch { server, local });
    }
    Ok(())
}

/// Makes an empty database a parcours server, in one transaction: roles, schema, tables,
/// grants, policies and functions, the first administrator. Run by the database's owner
/// (who needs the right to create roles).
pub fn initialise(
    client: &mut Client,
    admin: &str,
    admin_password: &str,
    admin_name: &str,
) -> Result<Roles> {
    if initialised(client)? {
        return Err(ServerError::AlreadyInitialised);
    }
    let roles = roles(client)?;
    let reference = ddl::sqlite_reference().map_err(|e| ServerError::Schema(e.to_string()))?;
    let tables = ddl::tables(&reference).map_err(ServerError::Schema)?;
    let db = database(client)?;
    let mut tx = client.transaction()?;
    // The audit log's dates are local (as in the file): the structure's time zone.
    tx.batch_execute(&format!(
        "ALTER DATABASE {} SET timezone = 'Europe/Paris'; SET LOCAL timezone = 'Europe/Paris'",
        quote(&db)
    ))?;
    for statement in ddl::initialise(&tables, &roles) {
        tx.batch_execute(&statement)
            .map_err(|e| with_statement(e, &statement))?;
    }
    create_account(&mut tx, admin, admin_password, true, admin_name)?;
    tx.batch_execute("RESET ROLE")?;
    tx.commit()?;
    Ok(roles)
}

fn with_statement(e: postgres::Error, statement: &str) -> ServerError {
    match ServerError::from(e) {
        ServerError::Refused(m) => {
            let first = statement.lines().next().unwrap_or("");
            ServerError::Refused(format!("{m} (lors de « {first} »)"))
        }
        other => other,
    }
}

fn create_account(
    client: &mut impl postgres::GenericClient,
    login: &str,
    password: &str,
    admin: bool,
    name: &str,
) -> Result<()> {
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    client.execute(
        "SELECT parcours.creer_compte($1, $2, $3, $4)",
        &[&login, &verifier, &admin, &name],
    )?;
    Ok(())
}

/// A new account (a login role in the advisors' or the administrators' group). Only an
/// administrator's connection may: the server refuses anyone else.
pub fn add_account(
    client: &mut Client,
    login: &str,
    password: &str,
    admin: bool,
    name: &str,
) -> Result<()> {
    create_account(client, login, password, admin, name)
}

/// Removes an account of this database (its role is dropped: it can no longer connect).
pub fn remove_account(client: &mut Client, login: &str) -> Result<()> {
    client.execute("SELECT parcours.supprimer_compte($1)", &[&login])?;
    Ok(())
}

/// Sets an account's password: the connected role's own (any account), or another's
/// (administrators only, through the server's function).
pub fn set_password(client: &mut Client, login: Option<&str>, password: &str) -> Result<()> {
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    match login {
        // Utility statements take no parameters: the verifier is a quoted literal (its
        // characters are base64, `$`, `:` and digits).
        None => client.batch_execute(&format!(
            "ALTER ROLE CURRENT_USER PASSWORD {}",
            ddl::literal(&verifier)
        ))?,
        Some(l) => {
            client.execute(
                "SELECT parcours.changer_mot_de_passe($1, $2)",
                &[&l, &verifier],
            )?;
        }
    }
    Ok(())
}

/// One account of the database, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAccount {
    pub login: String,
    pub name: String,
    pub admin: bool,
}

/// The database's accounts (login roles of its advisors' group, administrators included).
pub fn accounts(client: &mut Client) -> Result<Vec<ServerAccount>> {
    let r = roles(client)?;
    let rows = client.query(
        "SELECT u.rolname::text, coalesce(shobj_description(u.oid, 'pg_authid'), ''), \
         bool_or(g.rolname = $2) FROM pg_roles u \
         JOIN pg_auth_members m ON m.member = u.oid JOIN pg_roles g ON g.oid = m.roleid \
         WHERE u.rolcanlogin AND NOT u.rolsuper AND g.rolname IN ($1, $2) \
         GROUP BY u.rolname, u.oid ORDER BY u.rolname",
        &[&r.advisor, &r.admin],
    )?;
    Ok(rows
        .iter()
        .map(|row| ServerAccount {
            login: row.get(0),
            name: row.get(1),
            admin: row.get(2),
        })
        .collect())
}

/// What a migration copied: rows per table, the same on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    pub tables: Vec<(String, i64)>,
}

/// Copies every table of a local base to an initialised, empty server database, in one
/// transaction (ids and n° de dossier kept, id counters set past the file's), then counts the
/// rows of each table on both sides: any difference and nothing is committed.
pub fn migrate(store: &Store, client: &mut Client) -> Result<Migrated> {
    check_schema(client)?;
    let persons: i64 = client
        .query_one("SELECT count(*) FROM persons", &[])?
        .get(0);
    if persons > 0 {
        return Err(ServerError::NotEmpty(persons));
    }
    let roles = roles(client)?;
    let reference = ddl::sqlite_reference().map_err(|e| ServerError::Schema(e.to_string()))?;
    let tables = ddl::tables(&reference).map_err(ServerError::Schema)?;
    let conn = store.conn();
    let mut tx = client.transaction()?;
    // As the owner: the audit entries are copied as they were (not signed anew), and the
    // private notes of every team are copied.
    tx.batch_execute(&format!("SET LOCAL ROLE {}", quote(&roles.owner)))?;
    let mut copied = Vec::new();
    for t in &tables {
        copy_table(conn, &mut tx, t)?;
        if let Some(id) = &t.identity {
            let next = next_id(conn, &t.name, id).map_err(StoreError::from)?;
            tx.execute(
                "SELECT setval(pg_get_serial_sequence($1, $2), $3, false)",
                &[&format!("{SCHEMA}.{}", t.name), id, &next],
            )?;
        }
    }
    // A note's author on the server is a role: the account identifier it was written under
    // (the same identifiers are created on the server for team rules to apply).
    tx.batch_execute("UPDATE notes SET author_role = author WHERE author <> ''")?;
    for t in &tables {
        let local: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {}", quote(&t.name)),
                [],
                |r| r.get(0),
            )
            .map_err(StoreError::from)?;
        let server: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {}", quote(&t.name)), &[])?
            .get(0);
        if local != server {
            return Err(ServerError::CountMismatch {
                table: t.name.clone(),
                local,
                server,
            });
        }
        copied.push((t.name.clone(), local));
    }
    tx.execute(
        "INSERT INTO audit (at, actor, action) \
         VALUES (to_char(localtimestamp, 'YYYY-MM-DD HH24:MI:SS'), session_user, $1)",
        &[&"migration_serveur"],
    )?;
    tx.commit()?;
    Ok(Migrated { tables: copied })
}

/// The next id the server gives in a table: past every id the file ever gave (SQLite's
/// AUTOINCREMENT counter remembers deleted ones, which the audit log may still name).
fn next_id(conn: &rusqlite::Connection, table: &str, id: &str) -> rusqlite::Result<i64> {
    let max: i64 = conn.query_row(
        &format!(
            "SELECT coalesce(max({}), 0) FROM {}",
            quote(id),
            quote(table)
        ),
        [],
        |r| r.get(0),
    )?;
    let has_sequence: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'sqlite_sequence'",
        [],
        |r| r.get(0),
    )?;
    let seq: i64 = if has_sequence {
        conn.query_row(
            "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = ?1",
            [table],
            |r| r.get(0),
        )?
    } else {
        0
    };
    Ok(max.max(seq) + 1)
}

fn copy_table(
    conn: &rusqlite::Connection,
    tx: &mut postgres::Transaction,
    t: &ddl::ServerTable,
) -> Result<()> {
    let names: Vec<String> = t.columns.iter().map(|c| quote(&c.name)).collect();
    let types: Vec<Type> = t
        .columns
        .iter()
        .map(|c| match c.ty {
            ColumnType::Integer => Type::INT8,
            ColumnType::Real => Type::FLOAT8,
            ColumnType::Text => Type::TEXT,
            ColumnType::Blob => Type::BYTEA,
        })
        .collect();
    let sink = tx.copy_in(&format!(
        "COPY {} ({}) FROM STDIN BINARY",
        quote(&t.name),
        names.join(", ")
    ))?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {} FROM {}",
            names.join(", "),
            quote(&t.name)
        ))
        .map_err(StoreError::from)?;
    let mut rows = stmt.query([]).map_err(StoreError::from)?;
    while let Some(row) = rows.next().map_err(StoreError::from)? {
        let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(t.columns.len());
        for (i, c) in t.columns.iter().enumerate() {
            let v = row.get_ref(i).map_err(StoreError::from)?;
            values.push(
                value(v, c.ty)
                    .map_err(|e| ServerError::Schema(format!("{}.{} : {e}", t.name, c.name)))?,
            );
        }
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        writer.write(&refs)?;
    }
    writer.finish()?;
    Ok(())
}

/// A SQLite value in the server column's type. SQLite keeps any value in any column; the
/// store writes each column's own type, so a mismatch is a damaged row and is refused.
fn value(
    v: rusqlite::types::ValueRef<'_>,
    ty: ColumnType,
) -> std::result::Result<Box<dyn ToSql + Sync>, String> {
    use rusqlite::types::ValueRef as V;
    Ok(match (v, ty) {
        (V::Null, ColumnType::Integer) => Box::new(None::<i64>),
        (V::Null, ColumnType::Real) => Box::new(None::<f64>),
        (V::Null, ColumnType::Text) => Box::new(None::<String>),
        (V::Null, ColumnType::Blob) => Box::new(None::<Vec<u8>>),
        (V::Integer(i), ColumnType::Integer) => Box::new(i),
        (V::Integer(i), ColumnType::Real) => Box::new(i as f64),
        (V::Integer(i), ColumnType::Text) => Box::new(i.to_string()),
        (V::Real(f), ColumnType::Real) => Box::new(f),
        (V::Real(f), ColumnType::Text) => Box::new(f.to_string()),
        (V::Text(s), ColumnType::Text) => Box::new(
            std::str::from_utf8(s)
                .map_err(|_| "texte qui n'est pas de l'UTF-8".to_string())?
                .to_string(),
        ),
        (V::Blob(b), ColumnType::Blob) => Box::new(b.to_vec()),
        (other, ty) => {
            return Err(format!(
                "valeur {:?} dans une colonne {}",
                other.data_type(),
                ty.sql()
            ))
        }
    })
}
