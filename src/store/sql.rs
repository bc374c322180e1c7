//! The SQLite statements of a table, generated from its description (`tables.rs`).
//! Parameters are named after their column (`:nom`): values are bound by name, never by a
//! position kept in step by hand.

use super::db::{self, Exec};
use super::tables::{Role, Stored, Table};
use crate::domain::Id;
use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Row, Statement};
use std::marker::PhantomData;

/// The statements of one table. Those that need a key are empty for a table without one
/// (sub-rows are replaced as a whole, by owner), those that need an owner for a table
/// without one (persons).
pub(super) struct Sql {
    /// One row by its key (`?1`).
    pub by_id: String,
    /// The rows of one owner (`?1`), in the table's order.
    pub by_owner: String,
    /// A new row: every column but the key, which the database gives.
    pub insert: String,
    /// A row put back with its key (undo of a delete).
    pub insert_with_key: String,
    /// Every written column of the row `:id`; with a version column, only if the row is
    /// still at `:version`, which it increments.
    pub update: String,
    /// Every row of one owner (`?1`).
    pub delete_by_owner: String,
    /// Parameter of the owner column (bound apart for sub-rows, which do not hold it).
    pub owner_param: String,
    /// Parameter of the position column, if the table has one.
    pub position_param: Option<String>,
    /// For a table of sub-rows (an owner, no key): the columns of [`Sql::insert`] in
    /// order, and `insert_rows[k - 1]` inserting `k` rows at once (`?1`… row by row).
    pub insert_columns: Vec<super::tables::Column>,
    pub insert_rows: Vec<String>,
}

/// Most sub-rows one statement inserts ([`replace_sub_rows`]): a diagnostic's 12 theme
/// levels in one statement.
const ROWS_PER_INSERT: usize = 16;

fn quote(name: &str) -> String {
    format!("\"{name}\"")
}

fn param(name: &str) -> String {
    format!(":{name}")
}

/// The columns of `t` for a SELECT, each named after its column; with `alias`, taken from
/// that alias (a join).
pub(super) fn select_list(t: &Table, alias: Option<&str>) -> String {
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| match alias {
            Some(a) => format!("{a}.{} AS {}", quote(c.name), quote(c.name)),
            None => quote(c.name),
        })
        .collect();
    cols.join(", ")
}

/// `DELETE` of the row `?1`.
pub(super) fn delete_by_id(t: &Table) -> String {
    format!(
        "DELETE FROM {} WHERE {} = ?1",
        quote(t.name),
        quote(t.column(Role::Key).unwrap_or("id"))
    )
}

/// The version of the row `?1`.
pub(super) fn version_of(t: &Table) -> String {
    format!(
        "SELECT {} FROM {} WHERE {} = ?1",
        quote(t.column(Role::Version).unwrap_or("version")),
        quote(t.name),
        quote(t.column(Role::Key).unwrap_or("id"))
    )
}

/// The owner of the row `?1`, if the table has an owner column.
pub(super) fn owner_of(t: &Table) -> Option<String> {
    let owner = t.column(Role::Owner)?;
    Some(format!(
        "SELECT {} FROM {} WHERE {} = ?1",
        quote(owner),
        quote(t.name),
        quote(t.column(Role::Key)?)
    ))
}

impl Sql {
    pub fn new(t: &Table) -> Sql {
        let table = quote(t.name);
        let select = format!("SELECT {} FROM {table}", select_list(t, None));
        let key = t.column(Role::Key);
        let owner = t.column(Role::Owner);
        let version = t.column(Role::Version);
        let order: Vec<String> = t.order.iter().map(|c| quote(c)).collect();
        let insert_of = |with_key: bool| {
            let cols: Vec<_> = t
                .columns
                .iter()
                .filter(|c| with_key || c.role != Role::Key)
                .collect();
            let names: Vec<String> = cols.iter().map(|c| quote(c.name)).collect();
            let params: Vec<String> = cols.iter().map(|c| param(c.name)).collect();
            format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                params.join(", ")
            )
        };
        let sets: Vec<String> = t
            .columns
            .iter()
            .filter_map(|c| match c.role {
                Role::Owner | Role::Data | Role::Position => {
                    Some(format!("{} = {}", quote(c.name), param(c.name)))
                }
                Role::Version => Some(format!("{0} = {0} + 1", quote(c.name))),
                Role::Key | Role::Fixed => None,
            })
            .collect();
        let insert_columns: Vec<super::tables::Column> = match (key, owner) {
            (None, Some(_)) => t.columns.to_vec(),
            _ => Vec::new(),
        };
        let insert_rows = match insert_columns.len() {
            0 => Vec::new(),
            n => (1..=ROWS_PER_INSERT)
                .map(|k| {
                    let names: Vec<String> = insert_columns.iter().map(|c| quote(c.name)).collect();
                    let rows: Vec<String> = (0..k)
                        .map(|r| {
                            let ps: Vec<String> =
                                (1..=n).map(|c| format!("?{}", r * n + c)).collect();
                            format!("({})", ps.join(", "))
                        })
                        .collect();
                    format!(
                        "INSERT INTO {table} ({}) VALUES {}",
                        names.join(", "),
                        rows.join(", ")
                    )
                })
                .collect(),
        };
        let keyed = |f: &dyn Fn(&str) -> String| key.map(f).unwrap_or_default();
        let owned = |f: &dyn Fn(&str) -> String| owner.map(f).unwrap_or_default();
        Sql {
            by_id: keyed(&|k| format!("{select} WHERE {} = ?1", quote(k))),
            by_owner: owned(&|o| {
                format!(
                    "{select} WHERE {} = ?1 ORDER BY {}",
                    quote(o),
                    order.join(", ")
                )
            }),
            insert: insert_of(false),
            insert_with_key: keyed(&|_| insert_of(true)),
            update: keyed(&|k| {
                let mut sql = format!(
                    "UPDATE {table} SET {} WHERE {} = {}",
                    sets.join(", "),
                    quote(k),
                    param(k)
                );
                if let Some(v) = version {
                    sql.push_str(&format!(" AND {} = {}", quote(v), param(v)));
                }
                sql
            }),
            delete_by_owner: owned(&|o| format!("DELETE FROM {table} WHERE {} = ?1", quote(o))),
            owner_param: owned(&param),
            position_param: t.column(Role::Position).map(param),
            insert_columns,
            insert_rows,
        }
    }
}

/// A field's value as a statement parameter: a date or a date and time as the text rusqlite
/// would bind, written directly ([`super::bulk::date_text`]: chrono's generic formatter was
/// ≈ 3 % of a bulk insert), anything else as it is.
pub(super) enum Param<'a> {
    Value(&'a dyn ToSql),
    Text([u8; super::bulk::DATE_TIME_LEN], usize),
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Param::Value(v) => v.to_sql(),
            Param::Text(buf, n) => Ok(ToSqlOutput::Borrowed(ValueRef::Text(&buf[..*n]))),
        }
    }
}

/// The parameter of one field (see [`Param`]).
pub(super) fn field<T: ToSql + std::any::Any>(value: &T) -> Param<'_> {
    let mut buf = [0u8; super::bulk::DATE_TIME_LEN];
    match super::bulk::date_text(value, &mut buf).map(str::len) {
        Some(n) => Param::Text(buf, n),
        None => Param::Value(value),
    }
}

/// `(name, parameter)` pairs as the connection takes them.
pub(super) fn named<'a>(params: &'a [(&'static str, Param<'a>)]) -> Vec<(&'a str, &'a dyn ToSql)> {
    params.iter().map(|(n, p)| (*n, p as &dyn ToSql)).collect()
}

/// Where the fields of `T` are among the columns of `stmt`, found by name.
#[cfg(test)]
pub(super) fn columns<T: Stored>(stmt: &Statement<'_>) -> rusqlite::Result<Vec<Option<usize>>> {
    T::FIELDS
        .iter()
        .map(|f| stmt.column_index(f).map(Some))
        .collect()
}

/// The name [`select_joined`] gives the column `column` of `alias`.
fn joined_name(alias: &str, column: &str) -> String {
    format!("{alias}_{column}")
}

/// The columns of `T`'s table but those in `skip`, taken from `alias` in a join, each named
/// `<alias>_<column>` (`p."id" AS "p_id"`): columns of two tables that share a name (`id`,
/// `version`) stay apart, and [`Joined`] finds them by that name.
pub(super) fn select_joined<T: Stored>(alias: &str, skip: &[&str]) -> String {
    let cols: Vec<String> = T::TABLE
        .columns
        .iter()
        .filter(|c| !skip.contains(&c.name))
        .map(|c| {
            let name = joined_name(alias, c.name);
            format!("{alias}.{} AS {}", quote(c.name), quote(&name))
        })
        .collect();
    cols.join(", ")
}

/// Reads records of `T` from the rows of a join, in the columns [`select_joined`] named
/// after `alias`: found by name once per statement, not once per row.
pub(super) struct Joined<T> {
    at: Vec<Option<usize>>,
    /// The key column (NULL where a LEFT JOIN found no row), if the table has one.
    key: Option<usize>,
    record: PhantomData<fn() -> T>,
}

impl<T: Stored> Joined<T> {
    /// The fields in `skip` (left out of the query, as [`select_joined`] was told) are left
    /// empty; a name there that is no field is refused, like a missing column.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn new(stmt: &Statement<'_>, alias: &str, skip: &[&str]) -> rusqlite::Result<Self> {
        Self::find(|c| stmt.column_index(c), alias, skip)
    }

    /// [`Joined::new`] from a row of the result, on either backend (`db::Row`): the
    /// columns found by name on the first row.
    pub fn on_row(row: &db::Row<'_>, alias: &str, skip: &[&str]) -> rusqlite::Result<Self> {
        Self::find(|c| row.column_index(c), alias, skip)
    }

    fn find(
        index: impl Fn(&str) -> rusqlite::Result<usize>,
        alias: &str,
        skip: &[&str],
    ) -> rusqlite::Result<Self> {
        if let Some(s) = skip.iter().find(|s| !T::FIELDS.contains(s)) {
            return Err(rusqlite::Error::InvalidColumnName(joined_name(alias, s)));
        }
        let at = |column: &str| index(&joined_name(alias, column));
        Ok(Joined {
            at: T::FIELDS
                .iter()
                .map(|f| match skip.contains(f) {
                    true => Ok(None),
                    false => at(f).map(Some),
                })
                .collect::<rusqlite::Result<_>>()?,
            key: T::TABLE.column(Role::Key).map(at).transpose()?,
            record: PhantomData,
        })
    }

    /// The record of `row`; sub-rows are left empty.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn read(&self, row: &Row<'_>) -> rusqlite::Result<T> {
        self.read_row(&db::Row::lite(row))
    }

    /// The record of `row`, or None where a LEFT JOIN found none (its key is NULL).
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn read_optional(&self, row: &Row<'_>) -> rusqlite::Result<Option<T>> {
        self.read_optional_row(&db::Row::lite(row))
    }

    /// [`Joined::read`] of a row of either backend.
    pub fn read_row(&self, row: &db::Row<'_>) -> rusqlite::Result<T> {
        T::read_columns(row, &self.at)
    }

    /// [`Joined::read_optional`] of a row of either backend.
    pub fn read_optional_row(&self, row: &db::Row<'_>) -> rusqlite::Result<Option<T>> {
        if let Some(k) = self.key {
            if matches!(row.get_ref(k)?, ValueRef::Null) {
                return Ok(None);
            }
        }
        self.read_row(row).map(Some)
    }
}

/// Where the fields of `T` are among the columns of `row`, found by name.
fn columns_of<T: Stored>(row: &db::Row<'_>) -> rusqlite::Result<Vec<Option<usize>>> {
    T::FIELDS
        .iter()
        .map(|f| row.column_index(f).map(Some))
        .collect()
}

/// The rows of `sql` read as records of `T` (columns found by name on the first row).
fn read_all<T: Stored>(db: &dyn Exec, sql: &str, key: Id) -> super::Result<Vec<T>> {
    let mut at: Option<Vec<Option<usize>>> = None;
    db::query_map(db, sql, &[&key], |r| {
        if at.is_none() {
            at = Some(columns_of::<T>(r)?);
        }
        T::read_columns(r, at.as_deref().unwrap_or_default())
    })
}

/// One row by key, with its sub-rows.
pub(super) fn one<T: Stored>(db: &dyn Exec, id: Id) -> super::Result<Option<T>> {
    match read_all::<T>(db, &T::sql().by_id, id)?.pop() {
        Some(mut r) => {
            r.load_sub_rows(db)?;
            Ok(Some(r))
        }
        None => Ok(None),
    }
}

/// The rows of one owner in the table's order, with their sub-rows.
pub(super) fn list<T: Stored>(db: &dyn Exec, owner: Id) -> super::Result<Vec<T>> {
    let mut rows = read_all::<T>(db, &T::sql().by_owner, owner)?;
    for r in &mut rows {
        r.load_sub_rows(db)?;
    }
    Ok(rows)
}

/// Replaces the sub-rows of `owner` by `rows` (in their order, where the table keeps one).
/// `fresh`: the owner was just inserted under an id the base gave, which was never used
/// (AUTOINCREMENT), so it has no sub-row to delete.
pub(super) fn replace_sub_rows<T: Stored>(
    db: &dyn Exec,
    owner: Id,
    rows: &[T],
    fresh: bool,
) -> super::Result<()> {
    let sql = T::sql();
    if !fresh {
        db.execute(&sql.delete_by_owner, &[&owner])?;
    }
    if db.dialect() == super::db::Dialect::Sqlite && !sql.insert_rows.is_empty() {
        return insert_sub_rows(db, sql, owner, rows);
    }
    for (i, r) in rows.iter().enumerate() {
        let position = i as i64;
        let fields = r.params();
        let mut params = named(&fields);
        params.push((sql.owner_param.as_str(), &owner));
        if let Some(p) = &sql.position_param {
            params.push((p.as_str(), &position));
        }
        db.execute_named(&sql.insert, &params)?;
    }
    Ok(())
}

/// The rows of [`replace_sub_rows`] up to [`ROWS_PER_INSERT`] per statement, in their
/// order (the same rows as one [`Sql::insert`] each; a statement per row was ≈ a fifth of
/// `parcours demo`: 19 theme levels per person). Each column gets the value the named
/// insert binds to it: the owner, the position, the field of that name (NULL if none).
fn insert_sub_rows<T: Stored>(
    db: &dyn Exec,
    sql: &Sql,
    owner: Id,
    rows: &[T],
) -> super::Result<()> {
    for (c, chunk) in rows.chunks(ROWS_PER_INSERT).enumerate() {
        let fields: Vec<_> = chunk.iter().map(|r| r.params()).collect();
        let positions: Vec<i64> = (0..chunk.len())
            .map(|i| (c * ROWS_PER_INSERT + i) as i64)
            .collect();
        let mut params: Vec<&dyn ToSql> =
            Vec::with_capacity(chunk.len() * sql.insert_columns.len());
        for (f, position) in fields.iter().zip(&positions) {
            for col in &sql.insert_columns {
                params.push(match col.role {
                    Role::Owner => &owner,
                    Role::Position => position,
                    _ => f
                        .iter()
                        .find(|(n, _)| n.strip_prefix(':') == Some(col.name))
                        .map_or(&rusqlite::types::Null as &dyn ToSql, |(_, p)| p),
                });
            }
        }
        db.execute(&sql.insert_rows[chunk.len() - 1], &params)?;
    }
    Ok(())
}

/// Writes one row: an update when it `exists`, else an insert (with its key when it has
/// one: undo of a delete puts a row back under its id). Returns the row's id; an update
/// that finds no row at the expected version is refused.
pub(super) fn write<T: Stored>(db: &dyn Exec, row: &T, id: Id, exists: bool) -> super::Result<Id> {
    let sql = T::sql();
    let fields = row.params();
    let params = named(&fields);
    let key = T::TABLE.column(Role::Key).unwrap_or("id");
    // A new row under an id the base gives: the tables with sub-rows are AUTOINCREMENT.
    let fresh = !exists && id == 0;
    let id = match (exists, id > 0) {
        (true, _) => match db.execute_named(&sql.update, &params)? {
            0 => return Err(super::StoreError::Conflict),
            _ => id,
        },
        (false, true) => {
            db.execute_named(&sql.insert_with_key, &params)?;
            id
        }
        (false, false) => db.insert_named(&sql.insert, key, &params)?,
    };
    row.write_sub_rows(db, id, fresh)?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::super::tables::*;
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn statements_name_every_column_once() {
        let sql = Sql::new(&PERSONS);
        assert_eq!(
            sql.update,
            "UPDATE \"persons\" SET \"nom\" = :nom, \"prenom\" = :prenom, \
             \"nom_usage\" = :nom_usage, \"birth_date\" = :birth_date, \"sexe\" = :sexe, \
             \"phone\" = :phone, \"email\" = :email, \"commune\" = :commune, \
             \"nom_naissance\" = :nom_naissance, \"caf_numero\" = :caf_numero, \
             \"caf_organisme\" = :caf_organisme, \"nir\" = :nir, \
             \"id_france_travail\" = :id_france_travail, \"id_departement\" = :id_departement, \
             \"role_foyer\" = :role_foyer, \"adresse\" = :adresse, \"code_postal\" = :code_postal, \
             \"rsa_depuis\" = :rsa_depuis, \"rsa_statut\" = :rsa_statut, \
             \"ass_depuis\" = :ass_depuis, \"ass_statut\" = :ass_statut, \
             \"aah_depuis\" = :aah_depuis, \"aah_statut\" = :aah_statut, \
             \"ase_sortant\" = :ase_sortant, \"protection\" = :protection, \"rqth\" = :rqth, \
             \"rqth_fin\" = :rqth_fin, \"zrr\" = :zrr, \"qpv\" = :qpv, \
             \"niveau_francais\" = :niveau_francais, \"parent_isole\" = :parent_isole, \
             \"updated_at\" = :updated_at, \"version\" = \"version\" + 1 \
             WHERE \"id\" = :id AND \"version\" = :version"
        );
        assert!(sql
            .insert
            .starts_with("INSERT INTO \"persons\" (\"dossier\", "));
        assert!(sql
            .insert_with_key
            .starts_with("INSERT INTO \"persons\" (\"id\", "));
        let sql = Sql::new(&DEMARCHES);
        assert_eq!(
            sql.insert,
            "INSERT INTO \"demarches\" (\"appointment_id\", \"position\", \"theme\", \"label\") \
             VALUES (:appointment_id, :position, :theme, :label)"
        );
        assert_eq!(
            sql.by_owner,
            "SELECT \"appointment_id\", \"position\", \"theme\", \"label\" FROM \"demarches\" \
             WHERE \"appointment_id\" = ?1 ORDER BY \"position\""
        );
        assert!(sql.update.is_empty() && sql.by_id.is_empty());
    }

    /// Rows are read by name: a statement with the columns in another order reads the same.
    #[test]
    fn rows_are_read_by_column_name() {
        let conn = Connection::open_in_memory().unwrap();
        let read = |sql: &str| {
            conn.query_row(sql, [], |r| {
                let at = columns::<crate::domain::Demarche>(r.as_ref())?;
                crate::domain::Demarche::from_columns(r, &at)
            })
            .unwrap()
        };
        let want = crate::domain::Demarche {
            theme: "mobilite".into(),
            label: "Code".into(),
        };
        assert_eq!(
            read("SELECT 7 AS appointment_id, 0 AS position, 'mobilite' AS theme, 'Code' AS label"),
            want
        );
        assert_eq!(read("SELECT 'Code' AS label, 'mobilite' AS theme"), want);
    }

    /// A join's columns are named after their alias, and read back by that name whatever
    /// their order; a LEFT JOIN that found no row reads as None.
    #[test]
    fn joined_records_are_read_by_prefixed_name() {
        use crate::domain::Objective;
        assert_eq!(
            select_joined::<Objective>("o", &[]),
            "o.\"id\" AS \"o_id\", o.\"person_id\" AS \"o_person_id\", \
             o.\"theme\" AS \"o_theme\", o.\"label\" AS \"o_label\", \
             o.\"status\" AS \"o_status\", o.\"version\" AS \"o_version\", \
             o.\"contrat\" AS \"o_contrat\""
        );
        let conn = Connection::open_in_memory().unwrap();
        let read = |sql: &str| {
            let mut stmt = conn.prepare(sql).unwrap();
            let joined = Joined::<Objective>::new(&stmt, "o", &[]).unwrap();
            stmt.query_row([], |r| joined.read_optional(r)).unwrap()
        };
        let want = Objective {
            id: 3,
            person_id: 7,
            theme: Some("mobilite".into()),
            label: "Permis B".into(),
            status: "en_cours".into(),
            version: 2,
            contrat: true,
        };
        assert_eq!(
            read(
                "SELECT 1 AS id, 2 AS version, 'x' AS label, 'en_cours' AS o_status, \
                 'Permis B' AS o_label, 2 AS o_version, 'mobilite' AS o_theme, 7 AS o_person_id, \
                 3 AS o_id, 1 AS o_contrat"
            ),
            Some(want)
        );
        assert_eq!(
            read(
                "SELECT NULL AS o_id, NULL AS o_person_id, NULL AS o_theme, NULL AS o_label, \
                 NULL AS o_status, NULL AS o_version, NULL AS o_contrat"
            ),
            None
        );
        let stmt = conn.prepare("SELECT 1 AS id, 2 AS o_person_id").unwrap();
        assert!(Joined::<Objective>::new(&stmt, "o", &[]).is_err());
        // A field left out of the query is left empty; a name that is no field is refused.
        let skip = &["label", "theme"];
        let sql = format!("SELECT {}", select_joined::<Objective>("o", skip))
            .replace("o.\"", "\"")
            .replace("\"id\" AS", "3 AS")
            .replace("\"person_id\" AS", "7 AS")
            .replace("\"status\" AS", "'en_cours' AS")
            .replace("\"version\" AS", "2 AS")
            .replace("\"contrat\" AS", "0 AS");
        assert!(!sql.contains("label") && !sql.contains("theme"), "{sql}");
        let mut stmt = conn.prepare(&sql).unwrap();
        let joined = Joined::<Objective>::new(&stmt, "o", skip).unwrap();
        let got = stmt.query_row([], |r| joined.read(r)).unwrap();
        assert_eq!(
            got,
            Objective {
                id: 3,
                person_id: 7,
                status: "en_cours".into(),
                version: 2,
                ..Default::default()
            }
        );
        assert!(Joined::<Objective>::new(&stmt, "o", &["report"]).is_err());
    }

    /// Every described column exists in the schema, and every column of a described table
    /// is described (but `archived_at`, written by its own statement).
    #[test]
    fn descriptions_match_the_schema() {
        let conn = Connection::open_in_memory().unwrap();
        for m in super::super::schema::MIGRATIONS {
            conn.execute_batch(m).unwrap();
        }
        for t in [
            &PERSONS,
            &SUIVIS,
            &DIAGNOSTICS,
            &DIAGNOSTIC_THEMES,
            &BARRIERS,
            &OBJECTIVES,
            &ACTIONS,
            &APPOINTMENTS,
            &DEMARCHES,
            &NOTES,
        ] {
            let mut stmt = conn
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .unwrap();
            let mut in_schema: Vec<String> = stmt
                .query_map([t.name], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            in_schema.retain(|c| c != "archived_at");
            let mut described: Vec<String> = t.columns.iter().map(|c| c.name.into()).collect();
            in_schema.sort();
            described.sort();
            assert_eq!(described, in_schema, "{}", t.name);
        }
    }
}
