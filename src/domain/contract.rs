//! The contrat d'engagement (code du travail L5411-6): since 1 January 2025 it replaces
//! the CER, the PPAE, the CEJ and the PACEA (those types stay in the referential for the
//! files made before). It is signed within a month of the orientation and holds the plan
//! d'action, its intensity in hours a week, the jobs sought and the zone, and what each
//! side commits to. Its fields are on the [`Suivi`]; objectives tied to it carry
//! `Objective::contrat`.

use super::rules::{Range, RuleError, SUIVI_RANGE};
use super::Suivi;
use crate::dates::format_date;
use chrono::{Months, NaiveDate};

/// Code of the contrat d'engagement in the referential.
pub const CONTRACT_ENGAGEMENT: &str = "ce";
/// The contract is due within this many months of the orientation.
pub const SIGNATURE_MONTHS: u32 = 1;
/// Most hours a week a plan d'action may ask (a full-time week and then some).
pub const MAX_HOURS_A_WEEK: u32 = 60;
/// Revision date: up to 20 years back, 3 years ahead (a revision planned).
pub const REVISION_RANGE: Range = Range { back: 20, ahead: 3 };

impl Suivi {
    /// The last day the contract may be signed on (orientation + 1 month).
    pub fn contract_due(&self) -> Option<NaiveDate> {
        self.date_orientation?
            .checked_add_months(Months::new(SIGNATURE_MONTHS))
    }

    /// A French warning when the contract was signed more than a month after the
    /// orientation (the rule says within a month): not an error, the date may be right.
    pub fn contract_late(&self) -> Option<String> {
        let (signed, due) = (self.contrat_signe_le?, self.contract_due()?);
        (signed > due).then(|| {
            format!(
                "Contrat signé le {}, plus d'un mois après l'orientation du {} (à signer au plus tard le {}) : enregistrez à nouveau pour confirmer",
                format_date(signed),
                format_date(self.date_orientation.unwrap_or(signed)),
                format_date(due)
            )
        })
    }

    /// The contract's own rules: dates in range (a mistyped year), a revision on or after
    /// the signature, an intensity of 1 to [`MAX_HOURS_A_WEEK`] hours a week. Values kept
    /// as in `before` (the stored suivi) are not questioned again.
    pub fn check_contract(&self, before: &Suivi, today: NaiveDate) -> Result<(), RuleError> {
        check_range(
            SUIVI_RANGE,
            "contrat_signe_le",
            "Date de signature du contrat",
            self.contrat_signe_le,
            before.contrat_signe_le,
            today,
        )?;
        check_range(
            REVISION_RANGE,
            "contrat_revision",
            "Date de révision du contrat",
            self.contrat_revision,
            before.contrat_revision,
            today,
        )?;
        if let (Some(s), Some(r)) = (self.contrat_signe_le, self.contrat_revision) {
            if r < s {
                return Err(RuleError {
                    field: "contrat_revision",
                    message: format!(
                        "La révision ({}) précède la signature du contrat ({})",
                        format_date(r),
                        format_date(s)
                    ),
                });
            }
        }
        match self.contrat_intensite {
            Some(h) if h == 0 || h > MAX_HOURS_A_WEEK => Err(RuleError {
                field: "contrat_intensite",
                message: format!(
                    "Intensité : de 1 à {MAX_HOURS_A_WEEK} heures par semaine (15 le plus souvent)"
                ),
            }),
            _ => Ok(()),
        }
    }
}

/// `value` within `range` of today, or unchanged from `before`.
fn check_range(
    range: Range,
    field: &'static str,
    what: &str,
    value: Option<NaiveDate>,
    before: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), RuleError> {
    let Some(d) = value else { return Ok(()) };
    let (min, max) = range.bounds(today);
    if before == Some(d) || (min..=max).contains(&d) {
        return Ok(());
    }
    Err(RuleError {
        field,
        message: format!(
            "{what} hors limites : entre le {} et le {} — vérifiez l'année",
            format_date(min),
            format_date(max)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn signed_within_a_month_of_the_orientation() {
        let mut s = Suivi {
            date_orientation: d(2025, 1, 31),
            contrat_signe_le: d(2025, 2, 28),
            ..Default::default()
        };
        // 31/01 + 1 month = 28/02: on time.
        assert_eq!(s.contract_late(), None);
        s.contrat_signe_le = d(2025, 3, 1);
        let w = s.contract_late().unwrap();
        assert!(
            w.contains("plus d'un mois après l'orientation du 31/01/2025"),
            "{w}"
        );
        assert!(w.contains("au plus tard le 28/02/2025"), "{w}");
        // No orientation or no signature: nothing to say.
        s.date_orientation = None;
        assert_eq!(s.contract_late(), None);
    }

    #[test]
    fn revision_intensity_and_ranges() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let before = Suivi::default();
        let mut s = Suivi {
            contrat_signe_le: d(2026, 1, 5),
            contrat_revision: d(2026, 7, 5),
            contrat_intensite: Some(15),
            ..Default::default()
        };
        assert_eq!(s.check_contract(&before, today), Ok(()));
        s.contrat_revision = d(2025, 12, 1);
        assert_eq!(
            s.check_contract(&before, today).unwrap_err().field,
            "contrat_revision"
        );
        s.contrat_revision = None;
        for h in [0, 61] {
            s.contrat_intensite = Some(h);
            let e = s.check_contract(&before, today).unwrap_err();
            assert_eq!(e.field, "contrat_intensite");
            assert!(e.message.contains("de 1 à 60 heures"));
        }
        s.contrat_intensite = Some(35);
        s.contrat_signe_le = d(2206, 1, 5);
        let e = s.check_contract(&before, today).unwrap_err();
        assert!(e.message.contains("vérifiez l'année"), "{e}");
        // Kept as stored: not questioned again.
        assert_eq!(s.check_contract(&s.clone(), today), Ok(()));
    }
}
