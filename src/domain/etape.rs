//! Étapes de parcours: results during the support that are not exits (a CDD, a PMSMP, a
//! training course, a flat...), dated, one record each.

use super::rules::{Range, RuleError};
use super::{Code, Id};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Start and end of an étape: up to 20 years back, 5 years ahead (a contract's planned end).
pub const ETAPE_RANGE: Range = Range { back: 20, ahead: 5 };

/// One étape de parcours of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Etape {
    pub id: Id,
    pub person_id: Id,
    /// Code from `etape_types` (CDD, CDDI, PMSMP...).
    pub kind: Code,
    pub debut: Option<NaiveDate>,
    /// Planned or actual end; empty while it goes on (a CDI) or unknown.
    pub fin: Option<NaiveDate>,
    /// Employer or organisme de formation.
    pub organisme: String,
    pub note: String,
    /// Bumped by every update; an update carrying an older one is refused.
    #[serde(default)]
    pub version: i64,
}

impl Etape {
    /// A type, a start date; the end on or after the start; dates within [`ETAPE_RANGE`]
    /// of today unless kept as in `before` (the stored étape; a new one's are empty).
    pub fn check(&self, before: &Etape, today: NaiveDate) -> Result<(), RuleError> {
        if self.kind.trim().is_empty() {
            return Err(RuleError {
                field: "kind",
                message: "Choisissez le type d'étape".into(),
            });
        }
        if self.debut.is_none() {
            return Err(RuleError {
                field: "debut",
                message: "Date de début obligatoire (JJ/MM/AAAA)".into(),
            });
        }
        ETAPE_RANGE.check("debut", "Date de début", self.debut, before.debut, today)?;
        ETAPE_RANGE.check("fin", "Date de fin", self.fin, before.fin, today)?;
        if let (Some(d), Some(f)) = (self.debut, self.fin) {
            if f < d {
                return Err(RuleError {
                    field: "fin",
                    message: "La date de fin précède la date de début".into(),
                });
            }
        }
        Ok(())
    }
}
