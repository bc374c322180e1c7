//! Field rules of the records: what a value must respect whoever writes it (a form, the
//! CLI, an import). Each check says which field is wrong (the struct field's name) and why,
//! in French; a form maps the field back to its own key and shows the message under it.

use super::codes;
use super::model::{Appointment, Barrier, Diagnostic, Person, PlanAction, Suivi};
use chrono::{Months, NaiveDate};

/// A person is at least this old: the support begins at 15 (a birth date of yesterday is a
/// typo, not a baby).
pub const MIN_AGE_YEARS: u32 = 15;

/// A person is at most this old (a typo in the year, most likely).
pub const MAX_AGE_YEARS: u32 = 120;
/// An appointment is at most this many days from today (about 3 years).
pub const APPOINTMENT_MAX_DAYS: i64 = 3 * 366;
/// An appointment lasts at least this many minutes (0 is a typo).
pub const APPOINTMENT_MIN_MINUTES: u32 = 5;
/// An appointment lasts at most this many minutes (a working day).
pub const APPOINTMENT_MAX_MINUTES: u32 = 8 * 60;

/// How far from today a typed date may be, in years before and after (`ahead` 0: not
/// after today). Ranges catch a mistyped year (1926, 2062); they apply to typed values,
/// not to dates kept as stored (an échéance sane when typed does not become wrong with
/// time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub back: u32,
    pub ahead: u32,
}

/// Échéance of an action: from 2 years ago (an action noted after the fact) to 5 years
/// ahead (a training course planned far ahead).
pub const DUE_RANGE: Range = Range { back: 2, ahead: 5 };
/// Orientation, first contact, entry, contract start: up to 20 years back (long
/// supports, files re-keyed), 1 year ahead (an entry planned).
pub const SUIVI_RANGE: Range = Range { back: 20, ahead: 1 };
/// End of a contract: up to 5 years ahead.
pub const CONTRACT_END_RANGE: Range = Range { back: 20, ahead: 5 };
/// Exit: recorded once it happened, so never after today (a future exit would close the
/// file at once).
pub const EXIT_RANGE: Range = Range { back: 20, ahead: 0 };

/// A barrier's « depuis le » and « levé le »: not after today (a barrier may date from
/// childhood, so the lower bound only catches a wrong century).
pub const BARRIER_RANGE: Range = Range {
    back: 100,
    ahead: 0,
};
/// Registered with France Travail since: up to 30 years back, not after today.
pub const FT_RANGE: Range = Range { back: 30, ahead: 0 };
/// Months without work: at most 50 years.
pub const MAX_INACTIVITY_MONTHS: u32 = 600;

impl Range {
    /// First and last accepted dates, today included.
    pub fn bounds(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let min = today
            .checked_sub_months(Months::new(self.back * 12))
            .unwrap_or(NaiveDate::MIN);
        let max = today
            .checked_add_months(Months::new(self.ahead * 12))
            .unwrap_or(NaiveDate::MAX);
        (min, max)
    }

    /// `value` in range, or unchanged from `before` (the stored value).
    fn check(
        self,
        field: &'static str,
        what: &str,
        value: Option<NaiveDate>,
        before: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<(), RuleError> {
        let Some(d) = value else { return Ok(()) };
        let (min, max) = self.bounds(today);
        if before == Some(d) || (min..=max).contains(&d) {
            return Ok(());
        }
        let fmt = crate::dates::format_date;
        let upper = if self.ahead == 0 {
            format!("aujourd'hui ({})", fmt(max))
        } else {
            format!("le {} (dans {})", fmt(max), years(self.ahead))
        };
        Err(RuleError {
            field,
            message: format!(
                "{what} hors limites : entre le {} (il y a {}) et {upper} — vérifiez l'année",
                fmt(min),
                years(self.back)
            ),
        })
    }
}

/// The accepted durations, as said in the messages.
const DURATION_RANGE: &str =
    "un rendez-vous dure de 5 à 480 minutes (8 heures), 45 le plus souvent";

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
            if age < MIN_AGE_YEARS {
                return Err(RuleError {
                    field: "birth_date",
                    message: format!(
                        "Moins de 15 ans ({}) : vérifiez l'année, l'âge attendu va de 15 à 120 ans",
                        years(age)
                    ),
                });
            }
        }
        self.check_administrative(today)
    }

    /// NIR (control key), code postal (5 digits), benefit dates (not in the future), RQTH
    /// end date (only with an RQTH).
    pub fn check_administrative(&self, today: NaiveDate) -> Result<(), RuleError> {
        if let Err(message) = super::nir::check(&self.nir) {
            return Err(RuleError {
                field: "nir",
                message,
            });
        }
        check_postcode(&self.code_postal)?;
        for (field, since, label) in [
            ("rsa_depuis", self.rsa_depuis, "RSA"),
            ("ass_depuis", self.ass_depuis, "ASS"),
            ("aah_depuis", self.aah_depuis, "AAH"),
        ] {
            if since.is_some_and(|d| d > today) {
                return Err(RuleError {
                    field,
                    message: format!("Droit {label} : la date « depuis le » est dans le futur"),
                });
            }
        }
        if self.rqth_fin.is_some() && self.rqth != Some(true) {
            return Err(RuleError::new(
                "rqth_fin",
                "Une date de fin de RQTH suppose une RQTH : choisissez « oui », ou effacez la date",
            ));
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

/// A code postal: empty, or 5 digits.
pub fn check_postcode(code: &str) -> Result<(), RuleError> {
    if code.is_empty() || (code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())) {
        Ok(())
    } else {
        Err(RuleError::new(
            "code_postal",
            "Code postal : 5 chiffres attendus (ex. 62300)",
        ))
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

impl Suivi {
    /// Each date of the suivi within its range of today (see [`SUIVI_RANGE`],
    /// [`CONTRACT_END_RANGE`], [`EXIT_RANGE`]); a date equal to the one in `before` (the
    /// stored suivi) is not questioned again.
    pub fn check_dates(&self, before: &Suivi, today: NaiveDate) -> Result<(), RuleError> {
        let dates = [
            (
                "date_orientation",
                "Date d'orientation",
                self.date_orientation,
                before.date_orientation,
                SUIVI_RANGE,
            ),
            (
                "date_premier_contact",
                "Date de premier contact",
                self.date_premier_contact,
                before.date_premier_contact,
                SUIVI_RANGE,
            ),
            (
                "date_entree",
                "Date d'entrée",
                self.date_entree,
                before.date_entree,
                SUIVI_RANGE,
            ),
            (
                "contrat_debut",
                "Début du contrat",
                self.contrat_debut,
                before.contrat_debut,
                SUIVI_RANGE,
            ),
            (
                "contrat_fin",
                "Fin du contrat",
                self.contrat_fin,
                before.contrat_fin,
                CONTRACT_END_RANGE,
            ),
            (
                "sortie_date",
                "Date de sortie",
                self.sortie_date,
                before.sortie_date,
                EXIT_RANGE,
            ),
        ];
        for (field, what, value, stored, range) in dates {
            range.check(field, what, value, stored, today)?;
        }
        Ok(())
    }
}

impl PlanAction {
    /// The échéance within [`DUE_RANGE`] of today, unless kept as in `before` (the stored
    /// action; a new action's is empty).
    pub fn check(&self, before: &PlanAction, today: NaiveDate) -> Result<(), RuleError> {
        DUE_RANGE.check("due", "Échéance", self.due, before.due, today)
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

impl Barrier {
    /// Its dates within [`BARRIER_RANGE`] of today, unless kept as in `before` (the stored
    /// barrier; a new one's are empty).
    pub fn check_dates(&self, before: &Barrier, today: NaiveDate) -> Result<(), RuleError> {
        BARRIER_RANGE.check(
            "since",
            "Date d'apparition",
            self.since,
            before.since,
            today,
        )?;
        BARRIER_RANGE.check(
            "resolved",
            "Date de levée",
            self.resolved,
            before.resolved,
            today,
        )
    }
}

impl Diagnostic {
    /// The professional part: the France Travail registration date within [`FT_RANGE`],
    /// at most [`MAX_INACTIVITY_MONTHS`] of inactivity; values kept as in `before` are not
    /// questioned again.
    pub fn check_professional(
        &self,
        before: &Diagnostic,
        today: NaiveDate,
    ) -> Result<(), RuleError> {
        if let Some(m) = self.inactivite_mois {
            if m > MAX_INACTIVITY_MONTHS && before.inactivite_mois != Some(m) {
                return Err(RuleError {
                    field: "inactivite_mois",
                    message: format!(
                        "Inactivité de {m} mois hors limites : de 0 à 600 mois (50 ans) — vérifiez"
                    ),
                });
            }
        }
        FT_RANGE.check(
            "ft_date",
            "Date d'inscription à France Travail",
            self.ft_date,
            before.ft_date,
            today,
        )
    }
}

impl Appointment {
    /// Start within about 3 years of today, a duration of [`APPOINTMENT_MIN_MINUTES`] to
    /// [`APPOINTMENT_MAX_MINUTES`].
    pub fn check(&self, today: NaiveDate) -> Result<(), RuleError> {
        if let Some(s) = self.start {
            if (s.date() - today).num_days().abs() > APPOINTMENT_MAX_DAYS {
                return Err(RuleError::new(
                    "start",
                    "Date à plus de 3 ans d'aujourd'hui : vérifiez l'année",
                ));
            }
        }
        let m = self.duration_min;
        if !(APPOINTMENT_MIN_MINUTES..=APPOINTMENT_MAX_MINUTES).contains(&m) {
            return Err(RuleError {
                field: "duration_min",
                message: format!("Durée de {m} min hors limites : {DURATION_RANGE}"),
            });
        }
        Ok(())
    }

    /// The duration typed in a form: a cleared duration is refused (never a silent
    /// default).
    pub fn typed_duration(minutes: Option<u32>) -> Result<u32, RuleError> {
        minutes.ok_or_else(|| {
            RuleError::new(
                "duration_min",
                &format!("Indiquez la durée : {DURATION_RANGE}"),
            )
        })
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

    const TOO_YOUNG_0: &str =
        "Moins de 15 ans (0 an) : vérifiez l'année, l'âge attendu va de 15 à 120 ans";
    const TOO_YOUNG_14: &str =
        "Moins de 15 ans (14 ans) : vérifiez l'année, l'âge attendu va de 15 à 120 ans";

    #[test]
    fn person_birth_date() {
        let cases: &[(&str, Option<NaiveDate>, Expect)] = &[
            ("no_birth_date", None, None),
            ("adult", Some(d(1985, 6, 1)), None),
            ("exactly_15", Some(d(2011, 3, 10)), None),
            (
                "15_tomorrow",
                Some(d(2011, 3, 11)),
                Some(("birth_date", TOO_YOUNG_14)),
            ),
            (
                "born_today",
                Some(today()),
                Some(("birth_date", TOO_YOUNG_0)),
            ),
            (
                "yesterday",
                Some(d(2026, 3, 9)),
                Some(("birth_date", TOO_YOUNG_0)),
            ),
            (
                "one_year_old",
                Some(d(2025, 3, 10)),
                Some((
                    "birth_date",
                    "Moins de 15 ans (1 an) : vérifiez l'année, l'âge attendu va de 15 à 120 ans",
                )),
            ),
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
            ("shortest", Some(dt(2026, 3, 11, 9)), 5, None),
            ("working_day", Some(dt(2026, 3, 11, 9)), 480, None),
            (
                "zero_minutes",
                Some(dt(2026, 3, 11, 9)),
                0,
                Some(("duration_min", "Durée de 0 min hors limites : un rendez-vous dure de 5 à 480 minutes (8 heures), 45 le plus souvent")),
            ),
            (
                "four_minutes",
                Some(dt(2026, 3, 11, 9)),
                4,
                Some(("duration_min", "Durée de 4 min hors limites : un rendez-vous dure de 5 à 480 minutes (8 heures), 45 le plus souvent")),
            ),
            (
                "longer_than_a_working_day",
                Some(dt(2026, 3, 11, 9)),
                481,
                Some(("duration_min", "Durée de 481 min hors limites : un rendez-vous dure de 5 à 480 minutes (8 heures), 45 le plus souvent")),
            ),
            (
                "a_whole_day",
                Some(dt(2026, 3, 11, 9)),
                24 * 60,
                Some(("duration_min", "Durée de 1440 min hors limites : un rendez-vous dure de 5 à 480 minutes (8 heures), 45 le plus souvent")),
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
    fn appointment_typed_duration() {
        assert_eq!(Appointment::typed_duration(Some(45)), Ok(45));
        assert_eq!(
            Appointment::typed_duration(Some(0)),
            Ok(0),
            "range checked by check"
        );
        assert_eq!(
            outcome(Appointment::typed_duration(None).map(|_| ())),
            Some((
                "duration_min",
                "Indiquez la durée : un rendez-vous dure de 5 à 480 minutes (8 heures), 45 le plus souvent".to_string()
            ))
        );
    }

    #[test]
    fn action_due_range() {
        const DUE: &str = "Échéance hors limites : entre le 10/03/2024 (il y a 2 ans) et le 10/03/2031 (dans 5 ans) — vérifiez l'année";
        // (name, stored due, typed due, expected)
        type Case = (&'static str, Option<NaiveDate>, Option<NaiveDate>, Expect);
        let cases: &[Case] = &[
            ("no_due", None, None, None),
            ("next_month", None, Some(d(2026, 4, 10)), None),
            ("today", None, Some(today()), None),
            ("two_years_ago", None, Some(d(2024, 3, 10)), None),
            ("five_years_ahead", None, Some(d(2031, 3, 10)), None),
            ("year_1900", None, Some(d(1900, 1, 1)), Some(("due", DUE))),
            (
                "just_too_old",
                None,
                Some(d(2024, 3, 9)),
                Some(("due", DUE)),
            ),
            (
                "just_too_far",
                None,
                Some(d(2031, 3, 11)),
                Some(("due", DUE)),
            ),
            (
                "year_typo_2062",
                None,
                Some(d(2062, 3, 20)),
                Some(("due", DUE)),
            ),
            (
                "old_due_kept_as_stored",
                Some(d(2021, 5, 3)),
                Some(d(2021, 5, 3)),
                None,
            ),
            (
                "old_due_changed_to_another_old_one",
                Some(d(2021, 5, 3)),
                Some(d(2021, 5, 4)),
                Some(("due", DUE)),
            ),
            ("old_due_cleared", Some(d(2021, 5, 3)), None, None),
        ];
        for (name, stored, typed, want) in cases {
            let before = PlanAction {
                due: *stored,
                ..Default::default()
            };
            let a = PlanAction {
                due: *typed,
                ..before.clone()
            };
            assert_eq!(
                outcome(a.check(&before, today())),
                expected(*want),
                "{name}"
            );
        }
    }

    #[test]
    fn suivi_date_ranges() {
        const ORIENTATION: &str = "Date d'orientation hors limites : entre le 10/03/2006 (il y a 20 ans) et le 10/03/2027 (dans 1 an) — vérifiez l'année";
        const ENTRY: &str = "Date d'entrée hors limites : entre le 10/03/2006 (il y a 20 ans) et le 10/03/2027 (dans 1 an) — vérifiez l'année";
        const CONTACT: &str = "Date de premier contact hors limites : entre le 10/03/2006 (il y a 20 ans) et le 10/03/2027 (dans 1 an) — vérifiez l'année";
        const START: &str = "Début du contrat hors limites : entre le 10/03/2006 (il y a 20 ans) et le 10/03/2027 (dans 1 an) — vérifiez l'année";
        const END: &str = "Fin du contrat hors limites : entre le 10/03/2006 (il y a 20 ans) et le 10/03/2031 (dans 5 ans) — vérifiez l'année";
        const EXIT: &str = "Date de sortie hors limites : entre le 10/03/2006 (il y a 20 ans) et aujourd'hui (10/03/2026) — vérifiez l'année";
        let set = |field: &str, v: Option<NaiveDate>| {
            let mut s = Suivi::default();
            match field {
                "date_orientation" => s.date_orientation = v,
                "date_premier_contact" => s.date_premier_contact = v,
                "date_entree" => s.date_entree = v,
                "contrat_debut" => s.contrat_debut = v,
                "contrat_fin" => s.contrat_fin = v,
                "sortie_date" => s.sortie_date = v,
                other => panic!("{other}"),
            }
            s
        };
        // (name, field, stored, typed, expected)
        type Case = (
            &'static str,
            &'static str,
            Option<NaiveDate>,
            Option<NaiveDate>,
            Expect,
        );
        let cases: &[Case] = &[
            (
                "orientation_today",
                "date_orientation",
                None,
                Some(today()),
                None,
            ),
            (
                "orientation_20_years_ago",
                "date_orientation",
                None,
                Some(d(2006, 3, 10)),
                None,
            ),
            (
                "orientation_1926",
                "date_orientation",
                None,
                Some(d(1926, 3, 10)),
                Some(("date_orientation", ORIENTATION)),
            ),
            (
                "orientation_kept_as_stored",
                "date_orientation",
                Some(d(2001, 1, 2)),
                Some(d(2001, 1, 2)),
                None,
            ),
            (
                "contact_in_a_year",
                "date_premier_contact",
                None,
                Some(d(2027, 3, 10)),
                None,
            ),
            (
                "contact_2062",
                "date_premier_contact",
                None,
                Some(d(2062, 3, 10)),
                Some(("date_premier_contact", CONTACT)),
            ),
            (
                "entry_too_far_ahead",
                "date_entree",
                None,
                Some(d(2027, 3, 11)),
                Some(("date_entree", ENTRY)),
            ),
            (
                "contract_start_too_old",
                "contrat_debut",
                None,
                Some(d(2006, 3, 9)),
                Some(("contrat_debut", START)),
            ),
            (
                "contract_end_in_5_years",
                "contrat_fin",
                None,
                Some(d(2031, 3, 10)),
                None,
            ),
            (
                "contract_end_too_far",
                "contrat_fin",
                None,
                Some(d(2031, 3, 11)),
                Some(("contrat_fin", END)),
            ),
            ("exit_today", "sortie_date", None, Some(today()), None),
            (
                "exit_tomorrow",
                "sortie_date",
                None,
                Some(d(2026, 3, 11)),
                Some(("sortie_date", EXIT)),
            ),
            (
                "exit_1906",
                "sortie_date",
                None,
                Some(d(1906, 3, 10)),
                Some(("sortie_date", EXIT)),
            ),
        ];
        for (name, field, stored, typed, want) in cases {
            let before = set(field, *stored);
            let s = set(field, *typed);
            assert_eq!(
                outcome(s.check_dates(&before, today())),
                expected(*want),
                "{name}"
            );
        }
    }

    #[test]
    fn barrier_and_professional_ranges() {
        const SINCE: &str = "Date d'apparition hors limites : entre le 10/03/1926 (il y a 100 ans) et aujourd'hui (10/03/2026) — vérifiez l'année";
        const LIFTED: &str = "Date de levée hors limites : entre le 10/03/1926 (il y a 100 ans) et aujourd'hui (10/03/2026) — vérifiez l'année";
        const FT: &str = "Date d'inscription à France Travail hors limites : entre le 10/03/1996 (il y a 30 ans) et aujourd'hui (10/03/2026) — vérifiez l'année";
        // (name, since, resolved, expected)
        let cases: &[(&str, Option<NaiveDate>, Option<NaiveDate>, Expect)] = &[
            ("today", Some(today()), None, None),
            ("childhood", Some(d(1990, 1, 1)), Some(d(2020, 1, 1)), None),
            (
                "since_tomorrow",
                Some(d(2026, 3, 11)),
                None,
                Some(("since", SINCE)),
            ),
            (
                "lifted_2062",
                Some(d(2026, 1, 1)),
                Some(d(2062, 1, 1)),
                Some(("resolved", LIFTED)),
            ),
        ];
        for (name, since, resolved, want) in cases {
            let b = Barrier {
                since: *since,
                resolved: *resolved,
                ..Default::default()
            };
            assert_eq!(
                outcome(b.check_dates(&Barrier::default(), today())),
                expected(*want),
                "{name}"
            );
            // Kept as stored: not questioned again.
            assert_eq!(b.check_dates(&b, today()), Ok(()), "{name} kept");
        }
        // (name, months, registered since, expected)
        let cases: &[(&str, Option<u32>, Option<NaiveDate>, Expect)] = &[
            ("empty", None, None, None),
            ("usual", Some(14), Some(d(2024, 9, 1)), None),
            ("fifty_years", Some(600), None, None),
            (
                "too_many_months",
                Some(601),
                None,
                Some((
                    "inactivite_mois",
                    "Inactivité de 601 mois hors limites : de 0 à 600 mois (50 ans) — vérifiez",
                )),
            ),
            (
                "registered_tomorrow",
                None,
                Some(d(2026, 3, 11)),
                Some(("ft_date", FT)),
            ),
            (
                "registered_1990",
                None,
                Some(d(1990, 3, 11)),
                Some(("ft_date", FT)),
            ),
        ];
        for (name, months, ft, want) in cases {
            let dg = Diagnostic {
                inactivite_mois: *months,
                ft_date: *ft,
                ..Default::default()
            };
            assert_eq!(
                outcome(dg.check_professional(&Diagnostic::default(), today())),
                expected(*want),
                "{name}"
            );
            assert_eq!(dg.check_professional(&dg, today()), Ok(()), "{name} kept");
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

    #[test]
    fn person_administrative_fields() {
        let body = "1850578006084";
        let nir = format!("{body}{:02}", crate::domain::nir::key(body).unwrap());
        let ok = Person {
            nir: nir.clone(),
            code_postal: "62300".into(),
            rsa_depuis: Some(today()),
            rqth: Some(true),
            rqth_fin: Some(d(2030, 1, 1)),
            ..Person::default()
        };
        let cases: Vec<(&str, Person, Expect)> = vec![
            ("all_empty", Person::default(), None),
            ("all_valid", ok.clone(), None),
            (
                "nir_wrong_key",
                Person {
                    nir: format!("{body}00"),
                    ..ok.clone()
                },
                Some((
                    "nir",
                    "NIR : la clé ne correspond pas au numéro (vérifiez chaque chiffre)",
                )),
            ),
            (
                "postcode_letters",
                Person {
                    code_postal: "2A004".into(),
                    ..ok.clone()
                },
                Some(("code_postal", "Code postal : 5 chiffres attendus (ex. 62300)")),
            ),
            (
                "postcode_six_digits",
                Person {
                    code_postal: "623000".into(),
                    ..ok.clone()
                },
                Some(("code_postal", "Code postal : 5 chiffres attendus (ex. 62300)")),
            ),
            (
                "aah_since_tomorrow",
                Person {
                    aah_depuis: Some(d(2026, 3, 11)),
                    ..ok.clone()
                },
                Some((
                    "aah_depuis",
                    "Droit AAH : la date « depuis le » est dans le futur",
                )),
            ),
            (
                "rqth_unknown_with_end",
                Person {
                    rqth: None,
                    ..ok.clone()
                },
                Some((
                    "rqth_fin",
                    "Une date de fin de RQTH suppose une RQTH : choisissez « oui », ou effacez la date",
                )),
            ),
        ];
        for (name, p, want) in cases {
            let got = p.check(today()).err();
            assert_eq!(
                got.as_ref().map(|e| (e.field, e.message.as_str())),
                want,
                "{name}"
            );
        }
    }
}
