//! A recorded IAE eligibility diagnostic: what the advisor confirmed, criterion by
//! criterion, with the proof seen, on a date, for a kind of structure.

use super::eligibility::{decide, Criterion, Decision, Status, StructureKind};
use super::{Code, Id};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A diagnostic made by a prescriber is valid this many months.
pub const VALIDITY_MONTHS: u32 = 6;
/// The expiry is announced this many months ahead.
pub const ALERT_MONTHS: u32 = 1;

/// One criterion as confirmed by the advisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EligibilityCriterion {
    /// [`Criterion::code`].
    pub criterion: Code,
    /// Confirmed met (true) or not met (false).
    pub met: bool,
    /// The proof seen (« justificatif »): one of [`Criterion::proofs`] or free text.
    pub proof: String,
    /// What the file said when it was recorded (the field it came from).
    pub source: String,
}

/// A dated eligibility diagnostic of one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Eligibility {
    pub id: Id,
    pub person_id: Id,
    pub date: Option<NaiveDate>,
    /// [`StructureKind::code`]: ACI, EI, EITI, AI, ETTI.
    pub structure: Code,
    /// Made by a prescriber (then valid [`VALIDITY_MONTHS`] months).
    pub prescriber: bool,
    /// The advisor who recorded it.
    pub author: String,
    /// The result at the time (eligible or not), kept as decided.
    pub eligible: bool,
    /// End of validity (prescriber diagnostics); none otherwise.
    pub expires: Option<NaiveDate>,
    /// The confirmed criteria, in [`Criterion::ALL`] order; an absent one was not confirmed.
    pub criteria: Vec<EligibilityCriterion>,
    /// Bumped by every update; an update carrying an older one is refused (see `Change`).
    #[serde(default)]
    pub version: i64,
}

/// Where a recorded diagnostic stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Valid, not expiring within [`ALERT_MONTHS`].
    Valid,
    /// Expires within [`ALERT_MONTHS`] (on the date given).
    ExpiresSoon(NaiveDate),
    Expired(NaiveDate),
    /// Made by the structure itself: no expiry date.
    NoExpiry,
}

impl Eligibility {
    pub fn kind(&self) -> Option<StructureKind> {
        StructureKind::from_code(&self.structure)
    }

    /// The expiry of a diagnostic made on `date`.
    pub fn expiry_of(date: NaiveDate, prescriber: bool) -> Option<NaiveDate> {
        prescriber
            .then(|| date.checked_add_months(Months::new(VALIDITY_MONTHS)))
            .flatten()
    }

    /// The rule applied to the confirmed criteria (an unconfirmed one counts as not met).
    pub fn decision(&self) -> Decision {
        let kind = self.kind().unwrap_or(StructureKind::Aci);
        decide(
            kind,
            Criterion::ALL.map(|c| {
                let met = self
                    .criteria
                    .iter()
                    .any(|x| x.criterion == c.code() && x.met);
                (c, if met { Status::Met } else { Status::NotMet })
            }),
        )
    }

    pub fn validity(&self, today: NaiveDate) -> Validity {
        let Some(end) = self.expires else {
            return Validity::NoExpiry;
        };
        let alert_from = end
            .checked_sub_months(Months::new(ALERT_MONTHS))
            .unwrap_or(end);
        if today >= end {
            Validity::Expired(end)
        } else if today >= alert_from {
            Validity::ExpiresSoon(end)
        } else {
            Validity::Valid
        }
    }

    /// The confirmation of criterion `c`, if any.
    pub fn criterion(&self, c: Criterion) -> Option<&EligibilityCriterion> {
        self.criteria.iter().find(|x| x.criterion == c.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn expiry_six_months_alert_one_month_before() {
        let start = d(2026, 6, 15);
        let e = Eligibility {
            date: Some(start),
            prescriber: true,
            expires: Eligibility::expiry_of(start, true),
            ..Default::default()
        };
        assert_eq!(e.expires, Some(d(2026, 12, 15)));
        assert_eq!(e.validity(d(2026, 11, 14)), Validity::Valid);
        assert_eq!(
            e.validity(d(2026, 11, 15)),
            Validity::ExpiresSoon(d(2026, 12, 15))
        );
        assert_eq!(
            e.validity(d(2026, 12, 15)),
            Validity::Expired(d(2026, 12, 15))
        );
        assert_eq!(Eligibility::expiry_of(start, false), None);
        let own = Eligibility {
            prescriber: false,
            ..e
        };
        assert_eq!(
            Eligibility {
                expires: None,
                ..own
            }
            .validity(start),
            Validity::NoExpiry
        );
    }

    #[test]
    fn decision_counts_only_confirmed_criteria() {
        let mut e = Eligibility {
            structure: "AI".into(),
            criteria: vec![
                EligibilityCriterion {
                    criterion: Criterion::Niveau.code().into(),
                    met: true,
                    ..Default::default()
                },
                EligibilityCriterion {
                    criterion: Criterion::Rsa.code().into(),
                    met: false,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert!(!e
            .decision()
            .verdict
            .eq(&super::super::eligibility::Verdict::Eligible));
        e.criteria.push(EligibilityCriterion {
            criterion: Criterion::Mobilite.code().into(),
            met: true,
            ..Default::default()
        });
        assert_eq!(
            e.decision().verdict,
            super::super::eligibility::Verdict::Eligible
        );
        e.structure = "ACI".into();
        assert_eq!(
            e.decision().verdict,
            super::super::eligibility::Verdict::NotEligible
        );
    }
}
