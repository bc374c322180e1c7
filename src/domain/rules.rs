//! Field rules of the records: what a value must respect whoever writes it (a form, the
//! CLI, an import). Each check says which field is wrong (the struct field's name) and why,
//! in French; a form maps the field back to its own key and shows the message under it.

use super::codes;
use super::model::{Appointment, Barrier, Person, Suivi};
use chrono::NaiveDate;

/// A person is at least this old: the support begins at 15 (a birth date of yesterday is a
/// typo, not a baby).
pub const MIN_AGE_YEARS: u32 = 15;

/// A person is at most this old (a typo in the year, most likely).
pub const MAX_AGE_YEARS: u32 = 120;
/// An appointment is at most this many days from today (about 3 years).
pub const APPOINTMENT_MAX_DAYS: i64 = 3 * 366;
/// An appointment lasts at most this many minutes.
pub const APPOINTMENT_MAX_MINUTES: u32 = 24 * 60;

/// A value that breaks a rule: the struct field and the French message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// Name of the struct field, e.g. `"birth_date"`.
    pub field: &'static str,
    pub message: String,
}

impl RuleError {
    fn new(field: &'static str, message: &str) -> RuleError {
        RuleError {
            field,
            message: message.to_string(),
        }
    }
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleError {}

impl Person {
    /// Birth date: not in the future, an age from [`MIN_AGE_YEARS`] to [`MAX_AGE_YEARS`].
    pub fn check(&self, today: NaiveDate) -> Result<(), RuleError> {
        if let Some(b) = self.birth_date {
            if b > today {
                return Err(RuleError::new(
                    "birth_date",
                    "La date de naissance est dans le futur",
                ));
            }
            let age = crate::dates::age_on(b, today);
            if age > MAX_AGE_YEARS {
                return Err(RuleError::new(
                    "birth_date",
                    "Plus de 120 ans : vérifiez l'année",
                ));
            }
        }
        Ok(())
    }

    /// Contact details that look wrong but may be right (a number abroad, an odd address):
    /// a form warns about them and stores them when the advisor confirms again. A value
    /// equal to the one in `before` (the stored person) is not questioned again.
    pub fn unusual(&self, before: &Person) -> Vec<RuleError> {
        let mut out = Vec::new();
        if self.phone != before.phone {
            out.extend(check_phone(&self.phone).err());
        }
        if self.email != before.email {
            out.extend(check_email(&self.email).err());
        }
        out
    }
}

/// « 1 an », « 0 an », « 5 ans ».
fn years(n: u32) -> String {
    if n < 2 {
        format!("{n} an")
    } else {
        format!("{n} ans")
    }
}

/// Shown under a phone number that is neither French nor international.
pub const PHONE_UNUSUAL: &str = "Numéro inhabituel : 10 chiffres attendus (06 12 34 56 78), ou +33 6 12 34 56 78, ou + et l'indicatif pour l'étranger. Confirmez à nouveau sans le changer pour l'enregistrer tel quel.";

/// Shown under an e-mail address that does not look like one.
pub const EMAIL_UNUSUAL: &str = "Adresse e-mail inhabituelle : nom@domaine.fr attendu. Confirmez à nouveau sans la changer pour l'enregistrer telle quelle.";

/// A phone number: empty, French (10 digits from 01 to 09, or +33 and 9 digits, « (0) »
/// tolerated after +33), or international (+ and 7 to 15 digits, the E.164 lengths).
/// Spaces, dots and dashes may separate the digits (and zero-width spaces, from a paste).
pub fn check_phone(phone: &str) -> Result<(), RuleError> {
    let t = phone.trim();
    if t.is_empty() {
        return Ok(());
    }
    let compact: String = t
        .chars()
        // Separators, including the invisible ones a paste may bring (zero-width spaces).
        .filter(|c| {
            !matches!(
                c,
                ' ' | '.' | '-' | '\u{a0}' | '\u{202f}' | '\u{200b}'
                    ..='\u{200d}' | '\u{2060}' | '\u{feff}'
            )
        })
        .collect();
    let ok = if let Some(intl) = compact.strip_prefix('+') {
        let intl = match intl.strip_prefix("33(0)") {
            Some(rest) => format!("33{rest}"),
            None => intl.to_string(),
        };
        let digits = intl.chars().all(|c| c.is_ascii_digit());
        match intl.strip_prefix("33") {
            Some(fr) => digits && fr.len() == 9 && !fr.starts_with('0'),
            None => digits && (7..=15).contains(&intl.len()) && !intl.starts_with('0'),
        }
    } else {
        compact.len() == 10
            && compact.chars().all(|c| c.is_ascii_digit())
            && compact.starts_with('0')
            && !compact.starts_with("00")
    };
    if ok {
        Ok(())
    } else {
        Err(RuleError::new("phone", PHONE_UNUSUAL))
    }
}

/// An e-mail address: empty, or `local@domain.tld` without spaces, one `@`, a domain of
/// dot-separated labels (letters, digits, dashes) ending in a top-level domain of 2 letters
/// or more.
pub fn check_email(email: &str) -> Result<(), RuleError> {
    let t = email.trim();
    if t.is_empty() {
        return Ok(());
    }
    let ok = match t.split_once('@') {
        Some((local, domain)) => {
            let local_ok = !local.is_empty()
                && !local.starts_with('.')
                && !local.ends_with('.')
                && !local.contains("..")
                && local.chars().all(|c| {
                    !c.is_whitespace() && !c.is_control() && !"@<>()[],;:\"\\".contains(c)
                });
            let labels: Vec<&str> = domain.split('.').collect();
            let domain_ok = labels.len() >= 2
                && labels.iter().all(|l| {
                    !l.is_empty()
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                        && l.chars().all(|c| c.is_alphanumeric() || c == '-')
                })
                && labels.last().is_some_and(|tld| {
                    tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic)
                });
            local_ok && domain_ok
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(RuleError::new("email", EMAIL_UNUSUAL))
    }
}

impl Suivi {
    /// The contract ends after it starts; an exit has both a date and a reason.
    pub fn check(&self) -> Result<(), RuleError> {
        if let (Some(a), Some(b)) = (self.contrat_debut, self.contrat_fin) {
            if b < a {
                return Err(RuleError::new(
                    "contrat_fin",
                    "La fin du contrat précède son début",
                ));
            }
        }
        match (self.sortie_date.is_some(), self.sortie_categorie.is_some()) {
            (true, false) => Err(RuleError::new(
                "sortie_categorie",
                "Indiquez le motif de sortie",
            )),
            (false, true) => Err(RuleError::new("sortie_date", "Indiquez la date de sortie")),
            _ => Ok(()),
        }
    }
}

impl Barrier {
    /// A barrier is lifted (« levé ») on or after the day it was identified.
    pub fn check(&self) -> Result<(), RuleError> {
        if let (Some(s), Some(r)) = (self.since, self.resolved) {
            if r < s {
                return Err(RuleError::new(
                    "resolved",
                    "La levée précède la date d'apparition",
                ));
            }
        }
        Ok(())
    }
}

impl Appointment {
    /// Start within about 3 years of today, at most 24 hours long.
    pub fn check(&self, today: NaiveDate) -> Result<(), RuleError> {
        if let Some(s) = self.start {
            if (s.date() - today).num_days().abs() > APPOINTMENT_MAX_DAYS {
                return Err(RuleError::new(
                    "start",
                    "Date à plus de 3 ans d'aujourd'hui : vérifiez l'année",
                ));
            }
        }
        if self.duration_min > APPOINTMENT_MAX_MINUTES {
            return Err(RuleError::new(
                "duration_min",
                "Durée de plus de 24 heures : vérifiez",
            ));
        }
        Ok(())
    }

    /// Can this appointment take `status` today? Before its day it can only be excused or
    /// cancelled (not honoured, not missed).
    pub fn check_status(&self, status: &str, today: NaiveDate) -> Result<(), RuleError> {
        let not_yet = self.start.is_some_and(|s| s.date() > today);
        if not_yet && (status == codes::APPT_HONOURED || status == codes::APPT_ABSENT) {
            return Err(RuleError::new(
                "status",
                "Ce rendez-vous n'a pas encore eu lieu : il peut seulement être excusé ou annulé",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dt(y: i32, m: u32, day: u32, h: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, 0, 0).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2026, 3, 10);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    /// `None`: accepted; `Some((field, message))`: refused.
    type Expect = Option<(&'static str, &'static str)>;

    fn outcome(r: Result<(), RuleError>) -> Option<(&'static str, String)> {
        r.err().map(|e| (e.field, e.message))
    }

    fn expected(e: Expect) -> Option<(&'static str, String)> {
        e.map(|(f, m)| (f, m.to_string()))
    }

    #[test]
    fn person_birth_date() {
        let cases: &[(&str, Option<NaiveDate>, Expect)] = &[
            ("no_birth_date", None, None),
            ("born_today", Some(today()), None),
            ("adult", Some(d(1985, 6, 1)), None),
            ("exactly_120", Some(d(1906, 3, 10)), None),
            ("121_tomorrow", Some(d(1905, 3, 11)), None),
            (
                "tomorrow",
                Some(d(2026, 3, 11)),
                Some(("birth_date", "La date de naissance est dans le futur")),
            ),
            (
                "older_than_120",
                Some(d(1905, 3, 10)),
                Some(("birth_date", "Plus de 120 ans : vérifiez l'année")),
            ),
        ];
        for (name, birth, want) in cases {
            let p = Person {
                birth_date: *birth,
                ..Person::new("Martin", "Léa")
            };
            assert_eq!(outcome(p.check(today())), expected(*want), "{name}");
        }
    }

    #[test]
    fn phone_shape() {
        // (name, typed, accepted)
        let cases: &[(&str, &str, bool)] = &[
            ("empty", "", true),
            ("blank", "   ", true),
            ("mobile_spaced", "06 12 34 56 78", true),
            ("mobile_compact", "0612345678", true),
            ("landline_dots", "03.21.45.67.89", true),
            ("dashes", "07-12-34-56-78", true),
            ("zero_width_pasted", "06\u{200b}12\u{feff} 34 56 78", true),
            ("plus33", "+33 6 12 34 56 78", true),
            ("plus33_compact", "+33612345678", true),
            ("plus33_with_0_in_brackets", "+33 (0)6 12 34 56 78", true),
            ("belgium", "+32 470 12 34 56", true),
            ("new_caledonia", "+687 24 12 34", true),
            ("eight_digits", "06 12 34 56", false),
            ("nine_digits", "061234567", false),
            ("eleven_digits", "06123456789", false),
            ("not_starting_with_0", "6123456789", false),
            ("double_zero", "0033612345", false),
            ("plus33_keeping_the_0", "+33 06 12 34 56 78", false),
            ("plus33_too_short", "+33 6 12 34 56", false),
            ("international_too_short", "+44 12 34", false),
            ("international_too_long", "+44 1234 5678 9012 34", false),
            ("letters", "06 12 AB 56 78", false),
            ("words", "pas de téléphone", false),
            ("plus_alone", "+", false),
        ];
        for (name, typed, ok) in cases {
            let got = check_phone(typed);
            let want = if *ok {
                Ok(())
            } else {
                Err(RuleError::new("phone", PHONE_UNUSUAL))
            };
            assert_eq!(got, want, "{name}: {typed:?}");
        }
    }

    #[test]
    fn email_shape() {
        let cases: &[(&str, &str, bool)] = &[
            ("empty", "", true),
            ("plain", "lea.durand@example.org", true),
            ("plus_and_digits", "lea+caf42@exemple.fr", true),
            ("subdomain", "a.b@mail.exemple.co.uk", true),
            ("dash_in_domain", "jean-paul@mairie-lens.fr", true),
            ("apostrophe", "o'neil@exemple.fr", true),
            ("accented_domain", "contact@médiathèque.fr", true),
            ("trimmed", "  lea@exemple.fr ", true),
            ("words", "pas un mail", false),
            ("no_at", "lea.durand.exemple.fr", false),
            ("two_ats", "lea@durand@exemple.fr", false),
            ("no_local", "@exemple.fr", false),
            ("no_domain", "lea@", false),
            ("no_tld", "lea@exemple", false),
            ("short_tld", "lea@exemple.f", false),
            ("digit_tld", "lea@exemple.12", false),
            ("space_inside", "lea durand@exemple.fr", false),
            ("comma_for_dot", "lea@exemple,fr", false),
            ("double_dot_domain", "lea@exemple..fr", false),
            ("double_dot_local", "lea..d@exemple.fr", false),
            ("trailing_dot", "lea@exemple.fr.", false),
            ("dash_label", "lea@-exemple.fr", false),
        ];
        for (name, typed, ok) in cases {
            let got = check_email(typed);
            let want = if *ok {
                Ok(())
            } else {
                Err(RuleError::new("email", EMAIL_UNUSUAL))
            };
            assert_eq!(got, want, "{name}: {typed:?}");
        }
    }

    #[test]
    fn person_unusual_contact_details_changed_from_the_stored_ones() {
        let stored = Person {
            phone: "12 34".into(),
            email: "lea@exemple.fr".into(),
            ..Person::new("Martin", "Léa")
        };
        // (name, phone, e-mail, fields warned about)
        let cases: &[(&str, &str, &str, &[&str])] = &[
            (
                "unchanged_odd_phone_not_questioned",
                "12 34",
                "lea@exemple.fr",
                &[],
            ),
            ("good_values", "06 12 34 56 78", "lea@exemple.fr", &[]),
            ("new_odd_phone", "12 35", "lea@exemple.fr", &["phone"]),
            ("new_odd_email", "12 34", "pas un mail", &["email"]),
            ("both", "0612", "pas un mail", &["phone", "email"]),
            ("cleared", "", "", &[]),
        ];
        for (name, phone, email, want) in cases {
            let p = Person {
                phone: phone.to_string(),
                email: email.to_string(),
                ..stored.clone()
            };
            let got: Vec<&str> = p.unusual(&stored).iter().map(|e| e.field).collect();
            assert_eq!(got, *want, "{name}");
        }
        // A new person (before = default): every value is checked.
        let new = Person {
            phone: "12 34".into(),
            ..Person::default()
        };
        assert_eq!(new.unusual(&Person::default()).len(), 1);
    }

    #[test]
    fn suivi_contract_and_exit() {
        type Dates = (Option<NaiveDate>, Option<NaiveDate>);
        // (name, contract dates, exit date, exit reason, expected)
        type Case = (
            &'static str,
            Dates,
            Option<NaiveDate>,
            Option<&'static str>,
            Expect,
        );
        let cases: &[Case] = &[
            ("empty", (None, None), None, None, None),
            (
                "contract_in_order",
                (Some(d(2026, 1, 1)), Some(d(2026, 6, 30))),
                None,
                None,
                None,
            ),
            (
                "contract_one_day",
                (Some(d(2026, 1, 1)), Some(d(2026, 1, 1))),
                None,
                None,
                None,
            ),
            (
                "contract_start_only",
                (Some(d(2026, 1, 1)), None),
                None,
                None,
                None,
            ),
            (
                "contract_ends_before_start",
                (Some(d(2026, 6, 1)), Some(d(2026, 5, 31))),
                None,
                None,
                Some(("contrat_fin", "La fin du contrat précède son début")),
            ),
            (
                "exit_complete",
                (None, None),
                Some(d(2026, 3, 1)),
                Some("emploi"),
                None,
            ),
            (
                "exit_without_reason",
                (None, None),
                Some(d(2026, 3, 1)),
                None,
                Some(("sortie_categorie", "Indiquez le motif de sortie")),
            ),
            (
                "reason_without_date",
                (None, None),
                None,
                Some("emploi"),
                Some(("sortie_date", "Indiquez la date de sortie")),
            ),
            (
                "contract_checked_first",
                (Some(d(2026, 6, 1)), Some(d(2026, 5, 1))),
                Some(d(2026, 3, 1)),
                None,
                Some(("contrat_fin", "La fin du contrat précède son début")),
            ),
        ];
        for (name, (debut, fin), exit, reason, want) in cases {
            let s = Suivi {
                contrat_debut: *debut,
                contrat_fin: *fin,
                sortie_date: *exit,
                sortie_categorie: reason.map(str::to_string),
                ..Default::default()
            };
            assert_eq!(outcome(s.check()), expected(*want), "{name}");
        }
    }

    #[test]
    fn barrier_lifted_after_identified() {
        let cases: &[(&str, Option<NaiveDate>, Option<NaiveDate>, Expect)] = &[
            ("open", Some(d(2026, 1, 5)), None, None),
            ("no_since", None, Some(d(2026, 1, 5)), None),
            (
                "lifted_later",
                Some(d(2026, 1, 5)),
                Some(d(2026, 2, 1)),
                None,
            ),
            (
                "lifted_same_day",
                Some(d(2026, 1, 5)),
                Some(d(2026, 1, 5)),
                None,
            ),
            (
                "lifted_before",
                Some(d(2026, 1, 5)),
                Some(d(2026, 1, 4)),
                Some(("resolved", "La levée précède la date d'apparition")),
            ),
        ];
        for (name, since, resolved, want) in cases {
            let b = Barrier {
                since: *since,
                resolved: *resolved,
                ..Default::default()
            };
            assert_eq!(outcome(b.check()), expected(*want), "{name}");
        }
    }

    #[test]
    fn appointment_range_and_duration() {
        let cases: &[(&str, Option<NaiveDateTime>, u32, Expect)] = &[
            ("no_start", None, 45, None),
            ("tomorrow", Some(dt(2026, 3, 11, 9)), 45, None),
            ("last_year", Some(dt(2025, 3, 10, 9)), 45, None),
            ("limit_ahead", Some(dt(2029, 3, 12, 9)), 45, None),
            (
                "too_far_ahead",
                Some(dt(2029, 3, 14, 9)),
                45,
                Some((
                    "start",
                    "Date à plus de 3 ans d'aujourd'hui : vérifiez l'année",
                )),
            ),
            (
                "too_far_back",
                Some(dt(2023, 3, 6, 9)),
                45,
                Some((
                    "start",
                    "Date à plus de 3 ans d'aujourd'hui : vérifiez l'année",
                )),
            ),
            ("a_whole_day", Some(dt(2026, 3, 11, 9)), 24 * 60, None),
            (
                "longer_than_a_day",
                Some(dt(2026, 3, 11, 9)),
                24 * 60 + 1,
                Some(("duration_min", "Durée de plus de 24 heures : vérifiez")),
            ),
        ];
        for (name, start, duration, want) in cases {
            let a = Appointment {
                start: *start,
                duration_min: *duration,
                ..Default::default()
            };
            assert_eq!(outcome(a.check(today())), expected(*want), "{name}");
        }
    }

    #[test]
    fn appointment_status_before_its_day() {
        const NOT_YET: &str =
            "Ce rendez-vous n'a pas encore eu lieu : il peut seulement être excusé ou annulé";
        let cases: &[(&str, Option<NaiveDateTime>, &str, Expect)] = &[
            (
                "past_honoured",
                Some(dt(2026, 3, 9, 9)),
                codes::APPT_HONOURED,
                None,
            ),
            (
                "today_honoured",
                Some(dt(2026, 3, 10, 18)),
                codes::APPT_HONOURED,
                None,
            ),
            (
                "today_absent",
                Some(dt(2026, 3, 10, 18)),
                codes::APPT_ABSENT,
                None,
            ),
            (
                "future_excused",
                Some(dt(2026, 3, 11, 9)),
                codes::APPT_EXCUSED,
                None,
            ),
            (
                "future_cancelled",
                Some(dt(2026, 3, 11, 9)),
                codes::APPT_CANCELLED,
                None,
            ),
            (
                "future_honoured",
                Some(dt(2026, 3, 11, 9)),
                codes::APPT_HONOURED,
                Some(("status", NOT_YET)),
            ),
            (
                "future_absent",
                Some(dt(2026, 3, 11, 9)),
                codes::APPT_ABSENT,
                Some(("status", NOT_YET)),
            ),
            ("undated_honoured", None, codes::APPT_HONOURED, None),
        ];
        for (name, start, status, want) in cases {
            let a = Appointment {
                start: *start,
                ..Default::default()
            };
            assert_eq!(
                outcome(a.check_status(status, today())),
                expected(*want),
                "{name}"
            );
        }
    }
}
