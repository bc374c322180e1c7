//! Saisines: referrals back to the Département for a person who does not take part in
//! the support, recorded on the suivi.

use super::rules::{Range, RuleError};
use super::{Code, Id};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Date of a saisine: made, so not after today; up to 20 years back.
pub const SAISINE_RANGE: Range = Range { back: 20, ahead: 0 };

/// One saisine of the Département, on one suivi of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Saisine {
    pub id: Id,
    pub person_id: Id,
    /// The suivi it is made on. In a new file given to `Store::insert_files`, the 1-based
    /// position of the suivi in the file (as an action's objective).
    pub suivi_id: Id,
    pub date: Option<NaiveDate>,
    /// Code from `saisine_motifs`.
    pub motif: Code,
    /// What happened, in the advisor's words.
    pub detail: String,
    /// Bumped by every update; an update carrying an older one is refused.
    #[serde(default)]
    pub version: i64,
}

impl Saisine {
    /// A date within [`SAISINE_RANGE`] (unless kept as in `before`) and a motif.
    pub fn check(&self, before: &Saisine, today: NaiveDate) -> Result<(), RuleError> {
        if self.date.is_none() {
            return Err(RuleError {
                field: "date",
                message: "Date de la saisine obligatoire (JJ/MM/AAAA)".into(),
            });
        }
        SAISINE_RANGE.check("date", "Date de la saisine", self.date, before.date, today)?;
        if self.motif.trim().is_empty() {
            return Err(RuleError {
                field: "motif",
                message: "Choisissez le motif de la saisine".into(),
            });
        }
        Ok(())
    }
}
