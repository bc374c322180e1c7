//! Reads for the parcours records: the veilles à 6 mois due in the today view.

use super::db::{self, Exec};
use super::{Result, Store};
use crate::domain::{Id, VEILLE_MONTHS};
use chrono::{Months, NaiveDate};

/// An exit whose veille à 6 mois is due and not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VeilleDue {
    pub person_id: Id,
    pub person_name: String,
    pub sortie_date: NaiveDate,
}

/// Exits at least 6 months old (`?1` is today − 6 months) without a veille, files not
/// archived, latest exits first. Reads `suivis_by_exit` (migration 6) from the cut-off down,
/// each exit checked by one seek in `veilles_by_suivi`.
const VEILLES_DUE_SQL: &str = "SELECT s.person_id, s.sortie_date, p.nom, p.prenom
     FROM suivis s JOIN persons p ON p.id = s.person_id
     WHERE s.sortie_date IS NOT NULL AND s.sortie_date <= ?1 AND p.archived_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM veilles v WHERE v.suivi_id = s.id)
     ORDER BY s.sortie_date DESC LIMIT ?2";

impl Store {
    /// Veilles à 6 mois due on `today` and not recorded, at most `limit`.
    pub fn veilles_due(&self, today: NaiveDate, limit: usize) -> Result<Vec<VeilleDue>> {
        veilles_due_on(&self.conn, today, limit)
    }
}

/// See [`Store::veilles_due`], on either backend.
pub(super) fn veilles_due_on(
    db: &dyn Exec,
    today: NaiveDate,
    limit: usize,
) -> Result<Vec<VeilleDue>> {
    let cutoff = today
        .checked_sub_months(Months::new(VEILLE_MONTHS))
        .unwrap_or(today);
    db::query_map(db, VEILLES_DUE_SQL, &[&cutoff, &(limit as i64)], |r| {
        let nom: String = r.get(2)?;
        let prenom: String = r.get(3)?;
        Ok(VeilleDue {
            person_id: r.get(0)?,
            sortie_date: r.get(1)?,
            person_name: format!("{} {prenom}", nom.to_uppercase()),
        })
    })
}
