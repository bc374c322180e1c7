//! Veille à 6 mois: the situation of a person 6 months after an exit, recorded on the
//! suivi that ended. Until it is recorded, the today view reminds it from exit + 6 months.

use super::rules::{Range, RuleError};
use super::{Code, Id, Suivi};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The veille is due this many months after the exit.
pub const VEILLE_MONTHS: u32 = 6;
/// Date of a veille: observed, so not after today; up to 20 years back.
pub const VEILLE_RANGE: Range = Range { back: 20, ahead: 0 };

/// The situation observed after an exit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Veille {
    pub id: Id,
    pub person_id: Id,
    /// The suivi whose exit it follows. In a new file given to `Store::insert_files`, the
    /// 1-based position of the suivi in the file.
    pub suivi_id: Id,
    pub date: Option<NaiveDate>,
    /// Code from `veille_situations`.
    pub situation: Code,
    pub note: String,
    /// Bumped by every update; an update carrying an older one is refused.
    #[serde(default)]
    pub version: i64,
}

/// The day the veille of a suivi is due: its exit + [`VEILLE_MONTHS`].
pub fn veille_due(s: &Suivi) -> Option<NaiveDate> {
    s.sortie_date
        .and_then(|d| d.checked_add_months(Months::new(VEILLE_MONTHS)))
}

impl Veille {
    /// A date within [`VEILLE_RANGE`] (unless kept as in `before`), not before the exit
    /// of its suivi (`exit`), and a situation.
    pub fn check(
        &self,
        before: &Veille,
        exit: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<(), RuleError> {
        let Some(d) = self.date else {
            return Err(RuleError {
                field: "date",
                message: "Date de la veille obligatoire (JJ/MM/AAAA)".into(),
            });
        };
        VEILLE_RANGE.check("date", "Date de la veille", self.date, before.date, today)?;
        if let Some(x) = exit {
            if d < x {
                return Err(RuleError {
                    field: "date",
                    message: format!(
                        "La veille suit la sortie : date au plus tôt le {}",
                        crate::dates::format_date(x)
                    ),
                });
            }
        }
        if self.situation.trim().is_empty() {
            return Err(RuleError {
                field: "situation",
                message: "Choisissez la situation constatée".into(),
            });
        }
        Ok(())
    }
}
