//! The shared server's schema, derived from the SQLite one: the SQLite migrations are run on an
//! empty in-memory database and its tables, columns, keys, foreign keys and indexes are read
//! back and written in PostgreSQL's dialect. One source of truth for both backends: a table or
//! column added by a SQLite migration exists on the server too, with the same name and order.
//!
//! What SQLite expresses with triggers (the append-only audit log) the server expresses with
//! privileges (see [`security`]): a trigger can be dropped by whoever owns the table, a
//! privilege that was never granted cannot be used.

use crate::store::schema::MIGRATIONS;
use rusqlite::Connection;

/// One table as the server creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTable {
    pub name: String,
    pub columns: Vec<ServerColumn>,
    /// CREATE TABLE in PostgreSQL's dialect (without indexes).
    pub create: String,
    /// CREATE INDEX statements (the SQLite ones, whose syntax PostgreSQL shares).
    pub indexes: Vec<String>,
    /// The single-column integer key, filled by the server (identity) when absent.
    pub identity: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerColumn {
    pub name: String,
    pub ty: ColumnType,
}

/// The four storage classes the SQLite schema uses, and their server types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Integer,
    Real,
    Text,
    Blob,
}

impl ColumnType {
    fn from_sqlite(decl: &str) -> Result<ColumnType, String> {
        // SQLite's type affinity rules (https://www.sqlite.org/datatype3.html §3.1), the
        // subset the schema uses; anything else is refused so a new type gets a decision.
        let d = decl.to_ascii_uppercase();
        if d.contains("INT") {
            Ok(ColumnType::Integer)
        } else if d.contains("CHAR") || d.contains("TEXT") || d.contains("CLOB") {
            Ok(ColumnType::Text)
        } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
            Ok(ColumnType::Real)
        } else if d.contains("BLOB") {
            Ok(ColumnType::Blob)
        } else {
            Err(format!(
                "type de colonne SQLite sans équivalent : « {decl} »"
            ))
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            ColumnType::Integer => "bigint",
            ColumnType::Real => "double precision",
            ColumnType::Text => "text",
            ColumnType::Blob => "bytea",
        }
    }
}

/// The SQLite schema at its latest version, migrated in memory.
pub fn sqlite_reference() -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    // As `Store::migrate`: table rebuilds must not cascade.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    for sql in MIGRATIONS {
        conn.execute_batch(sql)?;
    }
    Ok(conn)
}

/// Every table of the SQLite schema, in an order where a table comes after those it refers to.
pub fn tables(conn: &Connection) -> Result<Vec<ServerTable>, String> {
    let names: Vec<String> = {
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| e.to_string())?
    };
    let mut tables = Vec::new();
    for name in &names {
        tables.push(table(conn, name).map_err(|e| format!("table {name} : {e}"))?);
    }
    order_by_references(conn, tables)
}

fn order_by_references(
    conn: &Connection,
    mut pending: Vec<ServerTable>,
) -> Result<Vec<ServerTable>, String> {
    let mut done: Vec<ServerTable> = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut i = 0;
        while i < pending.len() {
            let refs = referenced_tables(conn, &pending[i].name).map_err(|e| e.to_string())?;
            let ready = refs
                .iter()
                .all(|r| r == &pending[i].name || done.iter().any(|d| &d.name == r));
            if ready {
                done.push(pending.remove(i));
            } else {
                i += 1;
            }
        }
        if pending.len() == before {
            return Err("références circulaires entre tables".into());
        }
    }
    Ok(done)
}

fn referenced_tables(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)")?;
    let rows = stmt.query_map([table], |r| r.get::<_, String>(0))?;
    rows.collect()
}

struct SqliteColumn {
    name: String,
    decl: String,
    not_null: bool,
    default: Option<String>,
    pk: i64,
}

fn table(conn: &Connection, name: &str) -> Result<ServerTable, String> {
    let cols: Vec<SqliteColumn> = {
        let mut stmt = conn
            .prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)")
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([name], |r| {
                Ok(SqliteColumn {
                    name: r.get(0)?,
                    decl: r.get(1)?,
                    not_null: r.get(2)?,
                    default: r.get(3)?,
                    pk: r.get(4)?,
                })
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| e.to_string())?
    };
    let pk: Vec<&SqliteColumn> = {
        let mut pk: Vec<&SqliteColumn> = cols.iter().filter(|c| c.pk > 0).collect();
        pk.sort_by_key(|c| c.pk);
        pk
    };
    let identity = match pk.as_slice() {
        [one] if ColumnType::from_sqlite(&one.decl)? == ColumnType::Integer => {
            Some(one.name.clone())
        }
        _ => None,
    };
    let mut lines = Vec::new();
    let mut columns = Vec::new();
    for c in &cols {
        let ty = ColumnType::from_sqlite(&c.decl)?;
        columns.push(ServerColumn {
            name: c.name.clone(),
            ty,
        });
        let mut line = format!("    {} {}", quote(&c.name), ty.sql());
        // SQLite compares text byte by byte (BINARY): so does the server, whatever the
        // database's locale, so that comparisons, `ORDER BY` and the indexes on text give the
        // file's order, and the caseload's first screenful can range-scan `persons_by_nom`
        // by first byte (`server/caseload.rs`). Byte comparison is also cheaper than the
        // locale's (`strcoll`).
        if ty == ColumnType::Text {
            line.push_str(" COLLATE \"C\"");
        }
        if identity.as_deref() == Some(c.name.as_str()) {
            line.push_str(" GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
        } else {
            if c.not_null {
                line.push_str(" NOT NULL");
            }
            if let Some(d) = &c.default {
                line.push_str(&format!(" DEFAULT {}", default_value(d)?));
            }
        }
        lines.push(line);
    }
    if identity.is_none() && !pk.is_empty() {
        let names: Vec<String> = pk.iter().map(|c| quote(&c.name)).collect();
        lines.push(format!("    PRIMARY KEY ({})", names.join(", ")));
    }
    lines.extend(unique_constraints(conn, name).map_err(|e| e.to_string())?);
    lines.extend(foreign_keys(conn, name).map_err(|e| e.to_string())?);
    let create = format!("CREATE TABLE {} (\n{}\n)", quote(name), lines.join(",\n"));
    let indexes = indexes(conn, name).map_err(|e| e.to_string())?;
    Ok(ServerTable {
        name: name.to_string(),
        columns,
        create,
        indexes,
        identity,
    })
}

/// SQLite column defaults the schema uses: quoted strings and numbers, which PostgreSQL
/// reads alike. Anything else (a function) is refused so it gets a decision.
fn default_value(d: &str) -> Result<String, String> {
    let t = d.trim();
    let number = t.parse::<f64>().is_ok();
    let string = t.len() >= 2 && t.starts_with('\'') && t.ends_with('\'');
    if number || string || t.eq_ignore_ascii_case("NULL") {
        Ok(t.to_string())
    } else {
        Err(format!("valeur par défaut sans équivalent : « {d} »"))
    }
}

fn unique_constraints(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stmt =
        conn.prepare("SELECT name FROM pragma_index_list(?1) WHERE origin = 'u' ORDER BY name")?;
    let names: Vec<String> = stmt
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for index in names {
        let mut cols = conn.prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")?;
        let cols: Vec<String> = cols
            .query_map([&index], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        let cols: Vec<String> = cols.iter().map(|c| quote(c)).collect();
        out.push(format!("    UNIQUE ({})", cols.join(", ")));
    }
    Ok(out)
}

fn foreign_keys(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?1) \
         ORDER BY id, seq",
    )?;
    let rows: Vec<(i64, String, String, Option<String>, String)> = stmt
        .query_map([table], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (_, parent, from, to, on_delete) in rows {
        let to = to.unwrap_or_else(|| "id".into());
        let action = match on_delete.as_str() {
            "CASCADE" => " ON DELETE CASCADE",
            "SET NULL" => " ON DELETE SET NULL",
            _ => "",
        };
        out.push(format!(
            "    FOREIGN KEY ({}) REFERENCES {} ({}){action}",
            quote(&from),
            quote(&parent),
            quote(&to)
        ));
    }
    Ok(out)
}

/// The schema's own indexes (each justified in `schema.rs`), in SQLite's syntax, which is
/// PostgreSQL's for the forms used (columns and a partial `WHERE … IS NOT NULL`).
fn indexes(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 \
         AND sql IS NOT NULL ORDER BY name",
    )?;
    let rows = stmt.query_map([table], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// A quoted identifier (names come from our own schema; quoting keeps words such as
/// `start` or `at` safe).
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A quoted string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The roles of one parcours database. Roles are shared by every database of a PostgreSQL
/// server, so their names carry the database's: two structures (or a test database) on one
/// server never share a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    /// Owns the schema, the tables and the functions; never logs in.
    pub owner: String,
    /// Group of the advisors (conseiller·ères).
    pub advisor: String,
    /// Group of the administrators (member of the advisors' group too).
    pub admin: String,
}

impl Roles {
    pub fn for_database(db: &str) -> Roles {
        let base: String = db
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        Roles {
            owner: format!("{base}_proprietaire"),
            advisor: format!("{base}_conseiller"),
            admin: format!("{base}_administrateur"),
        }
    }
}

/// Name of the schema holding parcours's tables in the database.
pub const SCHEMA: &str = "parcours";

/// The statements that make an empty database a parcours server, run in one transaction by
/// the database owner: roles, schema, tables, then what the server enforces.
pub fn initialise(tables: &[ServerTable], roles: &Roles) -> Vec<String> {
    let Roles {
        owner,
        advisor,
        admin,
    } = roles;
    let (o, a, d) = (quote(owner), quote(advisor), quote(admin));
    let s = quote(SCHEMA);
    let mut out = vec![
        // CREATEROLE for the account functions below (SECURITY DEFINER, run as the owner);
        // NOLOGIN: nobody connects as the owner, so nobody holds its rights directly.
        format!("CREATE ROLE {o} NOLOGIN CREATEROLE"),
        // The person running the initialisation (the structure's IT person, database owner)
        // may act as the owner for `serveur migrer` and upgrades.
        format!("GRANT {o} TO CURRENT_USER"),
        format!("CREATE SCHEMA {s} AUTHORIZATION {o}"),
        format!("SET LOCAL search_path = {s}"),
        format!("SET LOCAL ROLE {o}"),
        // Created by the owner, which then administers their membership (PostgreSQL 16
        // requires it of a CREATEROLE role; 15 allows it).
        format!("CREATE ROLE {a} NOLOGIN"),
        format!("CREATE ROLE {d} NOLOGIN IN ROLE {a}"),
    ];
    for t in tables {
        out.push(t.create.clone());
        out.extend(t.indexes.iter().cloned());
    }
    out.extend(
        super::caseload::SERVER_INDEXES
            .iter()
            .map(|s| s.to_string()),
    );
    out.extend(security(tables, roles));
    out.push("CREATE TABLE schema_version (version bigint NOT NULL)".into());
    out.push(format!(
        "INSERT INTO schema_version VALUES ({})",
        MIGRATIONS.len()
    ));
    out.push(format!("GRANT SELECT ON schema_version TO {a}"));
    out.push("RESET ROLE".into());
    out
}

/// Grants, row-level security and the functions through which advisors and administrators
/// do the few things their grants alone do not allow.
pub fn security(tables: &[ServerTable], roles: &Roles) -> Vec<String> {
    let (a, d) = (quote(&roles.advisor), quote(&roles.admin));
    let s = quote(SCHEMA);
    let mut out = vec![
        format!("REVOKE ALL ON SCHEMA {s} FROM PUBLIC"),
        format!("GRANT USAGE ON SCHEMA {s} TO {a}"),
    ];
    for t in tables {
        let n = quote(&t.name);
        match t.name.as_str() {
            // Append-only for everyone: INSERT, never UPDATE or DELETE (not even an
            // administrator); administrators read it (the audit view).
            "audit" => {
                out.push(format!("GRANT INSERT ON {n} TO {a}"));
                out.push(format!("GRANT SELECT ON {n} TO {d}"));
            }
            // Erasing a person (the cascade takes every record of theirs) is an
            // administrator's act; advisors create and edit files.
            "persons" => {
                out.push(format!("GRANT SELECT, INSERT, UPDATE ON {n} TO {a}"));
                out.push(format!("GRANT DELETE ON {n} TO {d}"));
            }
            _ => out.push(format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON {n} TO {a}"
            )),
        }
    }
    out.push(format!("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {a}"));
    out.extend(audit_rules(roles));
    out.extend(change_signal());
    out.extend(team_rules(roles));
    out.extend(account_functions(roles));
    out.push(format!(
        "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {s} FROM PUBLIC"
    ));
    out.push(format!(
        "GRANT EXECUTE ON FUNCTION {s}.purger_audit() TO {a}"
    ));
    out.push(format!(
        "GRANT EXECUTE ON FUNCTION {s}.equipe_de(name) TO {a}"
    ));
    for f in [
        "creer_compte(text, text, boolean, text)",
        "supprimer_compte(text)",
        "changer_mot_de_passe(text, text)",
    ] {
        out.push(format!("GRANT EXECUTE ON FUNCTION {s}.{f} TO {d}"));
    }
    out
}

/// The channel on which every committed change is announced to the other PCs (LISTEN /
/// NOTIFY): every change of a file bumps its person's row, a session's change its own row,
/// so one statement-level trigger on each of the two tables covers every record kind.
/// PostgreSQL delivers a notification at the commit only, once per transaction and channel.
pub const CHANGES_CHANNEL: &str = "parcours_modifications";

fn change_signal() -> Vec<String> {
    let s = quote(SCHEMA);
    let mut out = vec![format!(
        "CREATE FUNCTION {s}.signaler_modification() RETURNS trigger LANGUAGE plpgsql \
         SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_notify('{CHANGES_CHANNEL}', '');
    RETURN NULL;
END $$"
    )];
    for table in ["persons", "sessions"] {
        out.push(format!(
            "CREATE TRIGGER signaler_modification AFTER INSERT OR UPDATE OR DELETE \
             ON {s}.{table} FOR EACH STATEMENT EXECUTE FUNCTION {s}.signaler_modification()"
        ));
    }
    out
}

/// The audit log: who wrote an entry is the server's word (the login role), not the app's;
/// entries older than 12 months are purged through a function that runs as the owner.
fn audit_rules(roles: &Roles) -> Vec<String> {
    let s = quote(SCHEMA);
    let owner = literal(&roles.owner);
    vec![
        format!(
            "CREATE FUNCTION {s}.audit_auteur() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The owner (serveur migrer) copies entries as they were; everyone else signs theirs.
    IF current_user <> {owner} THEN
        NEW.actor := session_user;
        NEW.at := to_char(localtimestamp, 'YYYY-MM-DD HH24:MI:SS');
    END IF;
    RETURN NEW;
END $$"
        ),
        format!(
            "CREATE TRIGGER audit_auteur BEFORE INSERT ON {s}.audit \
             FOR EACH ROW EXECUTE FUNCTION {s}.audit_auteur()"
        ),
        // SECURITY DEFINER: runs with the owner's rights, the only role that may delete
        // audit entries, and deletes only those past the 12-month retention.
        format!(
            "CREATE FUNCTION {s}.purger_audit() RETURNS bigint LANGUAGE sql SECURITY DEFINER \
             SET search_path = pg_catalog, pg_temp AS $$
WITH gone AS (
    DELETE FROM {s}.audit
    WHERE at < to_char(localtimestamp - interval '12 months', 'YYYY-MM-DD HH24:MI:SS')
    RETURNING 1
) SELECT count(*) FROM gone $$"
        ),
    ]
}

/// Teams: a structure with several teams lists who is in which (`equipes`); a private note is
/// then read only by its author's team. Without teams everyone is in the same (none).
fn team_rules(roles: &Roles) -> Vec<String> {
    let s = quote(SCHEMA);
    let (a, d) = (quote(&roles.advisor), quote(&roles.admin));
    vec![
        format!("CREATE TABLE {s}.equipes (role name PRIMARY KEY, equipe text NOT NULL)"),
        format!("GRANT SELECT ON {s}.equipes TO {a}"),
        format!("GRANT INSERT, UPDATE, DELETE ON {s}.equipes TO {d}"),
        // Reads `equipes` as the owner so that the policy below does not depend on the
        // reader's own grants.
        format!(
            "CREATE FUNCTION {s}.equipe_de(r name) RETURNS text LANGUAGE sql STABLE \
             SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
SELECT equipe FROM {s}.equipes WHERE role = r $$"
        ),
        // Who wrote a note, in the server's words; the app's `author` stays the display.
        format!("ALTER TABLE {s}.notes ADD COLUMN author_role name NOT NULL DEFAULT session_user"),
        format!("ALTER TABLE {s}.notes ENABLE ROW LEVEL SECURITY"),
        format!(
            "CREATE POLICY notes_equipe ON {s}.notes FOR ALL TO {a} USING (
    private = 0 OR author_role = session_user
    OR {s}.equipe_de(author_role) IS NOT DISTINCT FROM {s}.equipe_de(session_user)
) WITH CHECK (author_role = session_user OR private = 0)"
        ),
    ]
}

/// Account management as functions: an administrator creates, removes and resets the
/// passwords of the structure's accounts (members of its groups), and nothing else of the
/// server. The password arrives as a SCRAM-SHA-256 verifier computed by the client.
fn account_functions(roles: &Roles) -> Vec<String> {
    let s = quote(SCHEMA);
    let (a, d) = (literal(&roles.advisor), literal(&roles.admin));
    // Only the structure's own accounts: direct members of its two groups (not the groups,
    // not a superuser, not another structure's roles).
    let guard = format!(
        "IF NOT EXISTS (SELECT 1 FROM pg_auth_members m
        JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE u.rolname = ident AND NOT u.rolsuper AND g.rolname IN ({a}, {d})) THEN
        RAISE EXCEPTION 'compte inconnu de cette base : %', ident USING ERRCODE = '42704';
    END IF;"
    );
    vec![
        format!(
            "CREATE FUNCTION {s}.creer_compte(ident text, verificateur text, admin boolean, nom text) \
             RETURNS void LANGUAGE plpgsql SECURITY DEFINER \
             SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF verificateur NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'mot de passe non chiffré refusé' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', ident, verificateur,
        CASE WHEN admin THEN {d} ELSE {a} END);
    IF nom <> '' THEN
        EXECUTE format('COMMENT ON ROLE %I IS %L', ident, nom);
    END IF;
END $$"
        ),
        format!(
            "CREATE FUNCTION {s}.supprimer_compte(ident text) RETURNS void LANGUAGE plpgsql \
             SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    {guard}
    IF ident = session_user THEN
        RAISE EXCEPTION 'impossible de supprimer son propre compte' USING ERRCODE = '42501';
    END IF;
    EXECUTE format('DROP ROLE %I', ident);
END $$"
        ),
        format!(
            "CREATE FUNCTION {s}.changer_mot_de_passe(ident text, verificateur text) \
             RETURNS void LANGUAGE plpgsql SECURITY DEFINER \
             SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    {guard}
    IF verificateur NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'mot de passe non chiffré refusé' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', ident, verificateur);
END $$"
        ),
    ]
}
