//! One SQL interface over the two backends: the local SQLite file (rusqlite) and the shared
//! PostgreSQL server (the `postgres` crate). The write path (`records.rs`, `sql.rs`), the
//! table descriptions and the audit entry run on either through [`Exec`]: the same
//! statements, the same version checks, the same inverse changes.
//!
//! Values cross the boundary as SQLite values (`rusqlite::types::Value`: NULL, integer,
//! real, text, blob): the domain types already convert to and from them (dates as ISO
//! text), and the server's columns have exactly these four types (`server/ddl.rs`), so a
//! record reads the same from both. Statements are written once, in the common subset of
//! both dialects; `?N` and `:name` parameters become `$N` on the server. Where the dialects
//! differ the caller asks [`Exec::dialect`].

use super::{Result, StoreError};
use rusqlite::types::{FromSql, FromSqlError, ToSql, ToSqlOutput, Value, ValueRef};
use std::cell::RefCell;
use std::collections::HashMap;

/// Which SQL a statement is written in, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// One row of a result, from either backend.
pub struct Row<'a>(Inner<'a>);

enum Inner<'a> {
    Lite(&'a rusqlite::Row<'a>),
    Pg {
        values: &'a [Value],
        names: &'a [String],
    },
}

impl<'a> Row<'a> {
    pub fn lite(row: &'a rusqlite::Row<'a>) -> Row<'a> {
        Row(Inner::Lite(row))
    }

    /// The value of column `i`, converted as rusqlite converts it (`get::<_, T>` as
    /// rusqlite's rows have it).
    pub fn get<I: Column, T: FromSql>(&self, i: I) -> rusqlite::Result<T> {
        let i = i.index(self)?;
        match &self.0 {
            Inner::Lite(r) => r.get(i),
            Inner::Pg { values, names } => {
                let v = values
                    .get(i)
                    .ok_or(rusqlite::Error::InvalidColumnIndex(i))?;
                T::column_result(v.into()).map_err(|e| match e {
                    FromSqlError::InvalidType => rusqlite::Error::InvalidColumnType(
                        i,
                        names.get(i).cloned().unwrap_or_default(),
                        v.data_type(),
                    ),
                    other => {
                        rusqlite::Error::FromSqlConversionFailure(i, v.data_type(), Box::new(other))
                    }
                })
            }
        }
    }

    /// The raw value of column `i`.
    pub fn get_ref(&self, i: usize) -> rusqlite::Result<ValueRef<'_>> {
        match &self.0 {
            Inner::Lite(r) => r.get_ref(i),
            Inner::Pg { values, .. } => values
                .get(i)
                .map(ValueRef::from)
                .ok_or(rusqlite::Error::InvalidColumnIndex(i)),
        }
    }

    /// The index of the column named `name`.
    pub fn column_index(&self, name: &str) -> rusqlite::Result<usize> {
        match &self.0 {
            Inner::Lite(r) => r.as_ref().column_index(name),
            Inner::Pg { names, .. } => names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(name))
                .ok_or_else(|| rusqlite::Error::InvalidColumnName(name.to_string())),
        }
    }
}

/// A column by number or by name (the first type parameter of [`Row::get`], as in
/// rusqlite).
pub trait Column {
    fn index(self, row: &Row<'_>) -> rusqlite::Result<usize>;
}

impl Column for usize {
    fn index(self, _: &Row<'_>) -> rusqlite::Result<usize> {
        Ok(self)
    }
}

impl Column for &str {
    fn index(self, row: &Row<'_>) -> rusqlite::Result<usize> {
        row.column_index(self)
    }
}

/// A connection the store's statements run on.
pub trait Exec {
    fn dialect(&self) -> Dialect;
    /// Runs a statement with positional parameters (`?1`…); the number of rows changed.
    fn execute(&self, sql: &str, params: &[&dyn ToSql]) -> Result<usize>;
    /// Runs a statement with named parameters (`:name`); a parameter the statement does not
    /// name is left out (an update binds no fixed column, a new row no key).
    fn execute_named(&self, sql: &str, params: &[(&str, &dyn ToSql)]) -> Result<usize>;
    /// [`Exec::execute_named`] of an INSERT; the new row's `key`.
    fn insert_named(&self, sql: &str, key: &str, params: &[(&str, &dyn ToSql)]) -> Result<i64>;
    /// Runs a query, `f` on each row in order.
    fn query_each(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        f: &mut dyn FnMut(&Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<()>;
}

/// Every row of a query, each read by `f`.
pub(crate) fn query_map<T>(
    db: &dyn Exec,
    sql: &str,
    params: &[&dyn ToSql],
    mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    db.query_each(sql, params, &mut |r| {
        out.push(f(r)?);
        Ok(())
    })?;
    Ok(out)
}

/// The first row of a query, if any.
pub(crate) fn query_optional<T>(
    db: &dyn Exec,
    sql: &str,
    params: &[&dyn ToSql],
    mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>> {
    let mut out = None;
    db.query_each(sql, params, &mut |r| {
        if out.is_none() {
            out = Some(f(r)?);
        }
        Ok(())
    })?;
    Ok(out)
}

/// The first row of a query; none is [`StoreError::NotFound`].
pub(crate) fn query_one<T>(
    db: &dyn Exec,
    sql: &str,
    params: &[&dyn ToSql],
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<T> {
    query_optional(db, sql, params, f)?.ok_or(StoreError::NotFound)
}

// ---------------------------------------------------------------------------------------
// SQLite

fn bind_named(stmt: &mut rusqlite::Statement<'_>, params: &[(&str, &dyn ToSql)]) -> Result<()> {
    for (name, value) in params {
        if let Some(i) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(i, value)?;
        }
    }
    Ok(())
}

// Every statement goes through the connection's statement cache: bulk inserts (demo,
// import) run the same few statements hundreds of thousands of times.
impl Exec for rusqlite::Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, params: &[&dyn ToSql]) -> Result<usize> {
        Ok(self.prepare_cached(sql)?.execute(params)?)
    }

    fn execute_named(&self, sql: &str, params: &[(&str, &dyn ToSql)]) -> Result<usize> {
        let mut stmt = self.prepare_cached(sql)?;
        bind_named(&mut stmt, params)?;
        Ok(stmt.raw_execute()?)
    }

    fn insert_named(&self, sql: &str, _key: &str, params: &[(&str, &dyn ToSql)]) -> Result<i64> {
        self.execute_named(sql, params)?;
        Ok(self.last_insert_rowid())
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        f: &mut dyn FnMut(&Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<()> {
        let mut stmt = self.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        while let Some(r) = rows.next()? {
            f(&Row::lite(r))?;
        }
        Ok(())
    }
}

impl Exec for rusqlite::Transaction<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
    fn execute(&self, sql: &str, params: &[&dyn ToSql]) -> Result<usize> {
        Exec::execute(&**self, sql, params)
    }
    fn execute_named(&self, sql: &str, params: &[(&str, &dyn ToSql)]) -> Result<usize> {
        Exec::execute_named(&**self, sql, params)
    }
    fn insert_named(&self, sql: &str, key: &str, params: &[(&str, &dyn ToSql)]) -> Result<i64> {
        Exec::insert_named(&**self, sql, key, params)
    }
    fn query_each(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        f: &mut dyn FnMut(&Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<()> {
        Exec::query_each(&**self, sql, params, f)
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

/// A connection to the shared server, its statements prepared once (each prepare is a
/// round trip). Interior mutability: the store's read paths take `&self`, and a
/// `postgres::Client` needs `&mut` for every query; one connection serves one thread.
pub struct PgConn {
    client: RefCell<postgres::Client>,
    prepared: RefCell<HashMap<String, (postgres::Statement, Vec<String>)>>,
}

impl PgConn {
    pub fn new(client: postgres::Client) -> PgConn {
        PgConn {
            client: RefCell::new(client),
            prepared: RefCell::new(HashMap::new()),
        }
    }

    /// Runs statements without parameters nor result (BEGIN, COMMIT, SET…).
    pub fn batch(&self, sql: &str) -> Result<()> {
        self.client
            .borrow_mut()
            .batch_execute(sql)
            .map_err(server_error)
    }

    /// The raw client, for what only the server has (notifications).
    pub fn client(&self) -> std::cell::RefMut<'_, postgres::Client> {
        self.client.borrow_mut()
    }

    pub fn is_closed(&self) -> bool {
        self.client.borrow().is_closed()
    }

    /// The statement of `sql` (translated), and the names of its named parameters in
    /// their `$N` order.
    fn statement(&self, sql: &str) -> Result<(postgres::Statement, Vec<String>)> {
        if let Some(s) = self.prepared.borrow().get(sql) {
            return Ok(s.clone());
        }
        let (text, names) = translate(sql);
        let stmt = self
            .client
            .borrow_mut()
            .prepare(&text)
            .map_err(server_error)?;
        let entry = (stmt, names);
        self.prepared
            .borrow_mut()
            .insert(sql.to_string(), entry.clone());
        Ok(entry)
    }

    /// Runs `f` on the client with the prepared statement of `sql` and its parameters.
    fn run<T>(
        &self,
        sql: &str,
        params: &[PgValue],
        f: impl FnOnce(
            &mut postgres::Client,
            &postgres::Statement,
            &[&(dyn postgres::types::ToSql + Sync)],
        ) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        let (stmt, _) = self.statement(sql)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn postgres::types::ToSql + Sync))
            .collect();
        f(&mut self.client.borrow_mut(), &stmt, &refs).map_err(server_error)
    }

    fn run_query(&self, sql: &str, params: &[PgValue]) -> Result<Vec<postgres::Row>> {
        self.run(sql, params, |c, stmt, p| c.query(stmt, p))
    }

    fn run_execute(&self, sql: &str, params: &[PgValue]) -> Result<u64> {
        self.run(sql, params, |c, stmt, p| c.execute(stmt, p))
    }

    fn named_values(&self, sql: &str, params: &[(&str, &dyn ToSql)]) -> Result<Vec<PgValue>> {
        let (_, names) = self.statement(sql)?;
        names
            .iter()
            .map(|n| {
                params
                    .iter()
                    .find(|(p, _)| p.strip_prefix(':').unwrap_or(p) == n)
                    .map(|(_, v)| pg_value(*v))
                    .unwrap_or(Ok(PgValue(Value::Null)))
            })
            .collect()
    }
}

impl Exec for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &str, params: &[&dyn ToSql]) -> Result<usize> {
        let values = params
            .iter()
            .map(|p| pg_value(*p))
            .collect::<Result<Vec<_>>>()?;
        Ok(self.run_execute(sql, &values)? as usize)
    }

    fn execute_named(&self, sql: &str, params: &[(&str, &dyn ToSql)]) -> Result<usize> {
        let values = self.named_values(sql, params)?;
        Ok(self.run_execute(sql, &values)? as usize)
    }

    fn insert_named(&self, sql: &str, key: &str, params: &[(&str, &dyn ToSql)]) -> Result<i64> {
        let sql = format!("{sql} RETURNING \"{key}\"");
        let values = self.named_values(&sql, params)?;
        let rows = self.run_query(&sql, &values)?;
        let row = rows.first().ok_or(StoreError::NotFound)?;
        match read_value(row, 0)? {
            Value::Integer(i) => Ok(i),
            other => Err(StoreError::Server(format!(
                "clé inattendue {:?} après une insertion",
                other.data_type()
            ))),
        }
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[&dyn ToSql],
        f: &mut dyn FnMut(&Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<()> {
        let values = params
            .iter()
            .map(|p| pg_value(*p))
            .collect::<Result<Vec<_>>>()?;
        let rows = self.run_query(sql, &values)?;
        let names: Vec<String> = match rows.first() {
            Some(r) => r.columns().iter().map(|c| c.name().to_string()).collect(),
            None => return Ok(()),
        };
        let mut values = Vec::with_capacity(names.len());
        for row in &rows {
            values.clear();
            for i in 0..names.len() {
                values.push(read_value(row, i)?);
            }
            f(&Row(Inner::Pg {
                values: &values,
                names: &names,
            }))?;
        }
        Ok(())
    }
}

/// `?N` → `$N`; `:name` → `$k` (k in order of first appearance, the names returned);
/// quoted text and identifiers are left as they are.
pub(crate) fn translate(sql: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut names: Vec<String> = Vec::new();
    let mut chars = sql.char_indices().peekable();
    let mut quote: Option<char> = None;
    while let Some((_, c)) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '?' => {
                out.push('$');
                while let Some(&(_, d)) = chars.peek() {
                    if !d.is_ascii_digit() {
                        break;
                    }
                    out.push(d);
                    chars.next();
                }
            }
            // `::` is PostgreSQL's cast, not a parameter.
            ':' if matches!(chars.peek(), Some(&(_, d)) if d == ':') => {
                out.push_str("::");
                chars.next();
            }
            ':' if matches!(chars.peek(), Some(&(_, d)) if d.is_ascii_alphabetic() || d == '_') => {
                let mut name = String::new();
                while let Some(&(_, d)) = chars.peek() {
                    if !(d.is_ascii_alphanumeric() || d == '_') {
                        break;
                    }
                    name.push(d);
                    chars.next();
                }
                let k = match names.iter().position(|n| *n == name) {
                    Some(k) => k,
                    None => {
                        names.push(name);
                        names.len() - 1
                    }
                };
                out.push_str(&format!("${}", k + 1));
            }
            c => out.push(c),
        }
    }
    (out, names)
}

/// A SQLite value as a server parameter: converted to whatever type the server gives the
/// parameter from its use in the statement (an integer for `id = $1`, text for a date).
#[derive(Debug)]
struct PgValue(Value);

fn pg_value(v: &dyn ToSql) -> Result<PgValue> {
    let out = v.to_sql()?;
    Ok(PgValue(match out {
        ToSqlOutput::Borrowed(r) => r.into(),
        ToSqlOutput::Owned(v) => v,
        _ => {
            return Err(StoreError::Server(
                "valeur d'un type que le serveur ne reçoit pas".into(),
            ))
        }
    }))
}

/// A value written as the server's type `ty` (the trait's own method, by name: rusqlite's
/// `ToSql` has a method of the same name).
fn pg<T: postgres::types::ToSql>(
    v: &T,
    ty: &postgres::types::Type,
    out: &mut bytes::BytesMut,
) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
    postgres::types::ToSql::to_sql(v, ty, out)
}

impl postgres::types::ToSql for PgValue {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use postgres::types::{IsNull, Type};
        let mismatch = || -> Box<dyn std::error::Error + Sync + Send> {
            format!("valeur {:?} pour un paramètre {ty}", self.0.data_type()).into()
        };
        match (&self.0, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Integer(i), &Type::INT8) => pg(&i, ty, out),
            (Value::Integer(i), &Type::INT4) => pg(&i32::try_from(*i)?, ty, out),
            (Value::Integer(i), &Type::INT2) => pg(&i16::try_from(*i)?, ty, out),
            (Value::Integer(i), &Type::BOOL) => pg(&(*i != 0), ty, out),
            (Value::Integer(i), &Type::FLOAT8) => pg(&(*i as f64), ty, out),
            (Value::Integer(i), &Type::TEXT | &Type::VARCHAR) => pg(&i.to_string(), ty, out),
            (Value::Real(f), &Type::FLOAT8) => pg(&f, ty, out),
            (Value::Real(f), &Type::FLOAT4) => pg(&(*f as f32), ty, out),
            (Value::Real(f), &Type::TEXT | &Type::VARCHAR) => pg(&f.to_string(), ty, out),
            (Value::Text(s), &Type::TEXT | &Type::VARCHAR | &Type::NAME | &Type::BPCHAR) => {
                pg(&s.as_str(), ty, out)
            }
            (Value::Text(s), &Type::INT8) => pg(&s.parse::<i64>()?, ty, out),
            (Value::Blob(b), &Type::BYTEA) => pg(&b.as_slice(), ty, out),
            _ => Err(mismatch()),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// Column `i` of a server row as a SQLite value.
fn read_value(row: &postgres::Row, i: usize) -> Result<Value> {
    use postgres::types::Type;
    let ty = row.columns()[i].type_().clone();
    let err = |e: postgres::Error| server_error(e);
    Ok(match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map_err(err)?.into(),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(err)?
            .map(i64::from)
            .into(),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map_err(err)?
            .map(i64::from)
            .into(),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map_err(err)?
            .map(i64::from)
            .into(),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map_err(err)?.into(),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map_err(err)?
            .map(f64::from)
            .into(),
        Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
            row.try_get::<_, Option<String>>(i).map_err(err)?.into()
        }
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i).map_err(err)?.into(),
        other => {
            return Err(StoreError::Server(format!(
                "colonne « {} » d'un type que parcours ne lit pas ({other}) ; \
                 convertissez-la dans la requête",
                row.columns()[i].name()
            )))
        }
    })
}

/// A server error in the store's words: a stale write is the same conflict as on a file,
/// a cut connection says so, a refusal by the server's rights names them.
pub(crate) fn server_error(e: postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        return if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            StoreError::Conflict
        } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            StoreError::Forbidden(db.message().to_string())
        } else if *code == SqlState::LOCK_NOT_AVAILABLE || *code == SqlState::QUERY_CANCELED {
            StoreError::Busy
        } else if code.code().starts_with("08") || code.code().starts_with("57P") {
            // The server's own words are English (« terminating connection due to
            // administrator command »): a restart or a stop, said in French.
            StoreError::ServerGone("connexion fermée par le serveur".into())
        } else {
            StoreError::Server(db.message().to_string())
        };
    }
    if e.is_closed() {
        return StoreError::ServerGone("connexion fermée".into());
    }
    let text = e.to_string();
    if text.contains("timed out") {
        return StoreError::ServerGone("délai dépassé".into());
    }
    if text.contains("connection") {
        return StoreError::ServerGone(text);
    }
    StoreError::Server(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn parameters_become_numbered() {
        assert_eq!(
            translate("SELECT a FROM t WHERE id = ?1 AND b = ?12"),
            ("SELECT a FROM t WHERE id = $1 AND b = $12".into(), vec![])
        );
        let (sql, names) =
            translate("UPDATE t SET \"a\" = :a, b = ':b' WHERE id = :id AND v = :a::text");
        assert_eq!(
            sql,
            "UPDATE t SET \"a\" = $1, b = ':b' WHERE id = $2 AND v = $1::text"
        );
        assert_eq!(names, vec!["a".to_string(), "id".into()]);
    }
}
