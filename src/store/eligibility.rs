//! Read model of the IAE eligibility diagnostics across files: those about to expire, for
//! the today view. A file's own diagnostics come with the file (`person_file`).

use super::db::{self, Exec};
use super::tables::{ELIGIBILITIES, PERSONS};
use super::{Result, Store};
use crate::domain::Id;
use chrono::NaiveDate;

/// A file whose latest eligibility diagnostic expires soon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringEligibility {
    pub person_id: Id,
    pub person_name: String,
    pub structure: String,
    pub expires: NaiveDate,
}

impl Store {
    /// Files not archived whose latest eligibility diagnostic expires in `[from, to)`,
    /// soonest first. Reads the range from `eligibilities_by_expiry`, and checks « latest »
    /// with one seek in `eligibilities_by_person` per candidate.
    pub fn eligibilities_expiring(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Vec<ExpiringEligibility>> {
        expiring_on(&self.conn, from, to, limit)
    }
}

/// See [`Store::eligibilities_expiring`], on either backend.
pub(super) fn expiring_on(
    db: &dyn Exec,
    from: NaiveDate,
    to: NaiveDate,
    limit: usize,
) -> Result<Vec<ExpiringEligibility>> {
    let sql = format!(
        "SELECT e.person_id, e.structure, e.expires, p.nom, p.prenom
         FROM {e} e JOIN {p} p ON p.id = e.person_id
         WHERE e.expires >= ?1 AND e.expires < ?2 AND p.archived_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM {e} n WHERE n.person_id = e.person_id
                           AND (n.date > e.date OR (n.date = e.date AND n.id > e.id)))
         ORDER BY e.expires, p.nom LIMIT ?3",
        e = ELIGIBILITIES.name,
        p = PERSONS.name,
    );
    db::query_map(db, &sql, &[&from, &to, &(limit as i64)], |r| {
        Ok(ExpiringEligibility {
            person_id: r.get(0)?,
            structure: r.get(1)?,
            expires: r.get(2)?,
            person_name: format!(
                "{} {}",
                r.get::<_, String>(3)?.to_uppercase(),
                r.get::<_, String>(4)?
            ),
        })
    })
}
