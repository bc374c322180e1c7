//! Forgiving French date entry and French date formatting.
//!
//! The reference date/time is always passed in (injectable clock): nothing
//! here reads the system clock.
//!
//! Accepted dates: `12/03`, `12/03/2027`, `12/03/27`, `12-03-2027`,
//! `12.03.2027`, `2027-03-12`, `1/3/2027`, `aujourd'hui`, `auj`, `demain`,
//! `après-demain`, `hier`, `avant-hier`, weekday names (`lundi`, `lun`…),
//! `+3`, `+3j`, `+2s`, `+1m` (and the same with `-`).
//! Accepted times (after an optional `à`): `14h30`, `14h`, `14:30`, `9h05`,
//! `midi`.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use crate::text::fold;

/// Smallest accepted year.
pub const MIN_YEAR: i32 = 1900;
/// Largest accepted year.
pub const MAX_YEAR: i32 = 2100;

/// Hour used when a date is entered without a time.
const DEFAULT_HOUR: u32 = 9;

/// Why a date entry was refused. [`DateError::message`] gives the French
/// explanation shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Nothing was typed.
    Empty,
    /// The entry could not be understood; holds the text as typed.
    Unreadable(String),
    /// Day/month out of range or day past the end of the month.
    ImpossibleDate { day: u32, month: u32, year: i32 },
    /// Hour above 23 or minutes above 59.
    ImpossibleTime { hour: u32, minute: u32 },
    /// The resulting year is outside `MIN_YEAR..=MAX_YEAR`.
    OutOfRange { year: i64 },
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

const EXAMPLES: &str = "Exemples : 12/03, 12/03/2027, demain 9h, lundi 14h";

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(month: u32, year: i32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Makes typed text safe to echo in a message: control chars become
/// spaces, and very long entries are shortened (on a char boundary).
fn echo(input: &str) -> String {
    const MAX_CHARS: usize = 40;
    let mut out: String = input
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if input.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
}

impl DateError {
    /// Precise French explanation of the error, meant for the user.
    pub fn message(&self) -> String {
        match self {
            DateError::Empty => format!("Aucune date saisie. {EXAMPLES}"),
            DateError::Unreadable(input) => {
                format!("Date illisible : « {} ». {EXAMPLES}", echo(input))
            }
            DateError::ImpossibleDate { day, month, year } => {
                if !(1..=12).contains(month) {
                    format!("Mois {month} impossible : le mois va de 1 à 12")
                } else if *day == 0 {
                    "Jour 0 impossible : le jour va de 1 à 31".to_string()
                } else if *day > 31 {
                    format!("Jour {day} impossible : un mois a au plus 31 jours")
                } else {
                    let max = days_in_month(*month, *year);
                    let name = MONTHS_FR[(*month - 1) as usize];
                    if *month == 2 {
                        format!(
                            "Le {day:02}/{month:02}/{year:04} n'existe pas \
                             ({name} n'a que {max} jours en {year})"
                        )
                    } else {
                        format!(
                            "Le {day:02}/{month:02}/{year:04} n'existe pas \
                             ({name} n'a que {max} jours)"
                        )
                    }
                }
            }
            DateError::ImpossibleTime { hour, minute } => {
                if *hour > 23 {
                    format!("Heure {hour}h impossible : l'heure va de 0h à 23h")
                } else {
                    format!("Minutes {minute} impossibles : les minutes vont de 0 à 59")
                }
            }
            DateError::OutOfRange { year } => {
                format!("Année {year} hors limites ({MIN_YEAR} à {MAX_YEAR})")
            }
        }
    }

    /// Fills in the typed text for `Unreadable` errors raised by helpers.
    fn with_input(self, input: &str) -> Self {
        match self {
            DateError::Unreadable(_) => DateError::Unreadable(input.trim().to_string()),
            other => other,
        }
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for DateError {}

/// Placeholder error; the typed text is filled in by `with_input`.
fn unreadable() -> DateError {
    DateError::Unreadable(String::new())
}

fn check_year(year: i64) -> Result<i32, DateError> {
    if (i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&year) {
        // In range, so the conversion cannot fail.
        i32::try_from(year).map_err(|_| DateError::OutOfRange { year })
    } else {
        Err(DateError::OutOfRange { year })
    }
}

fn check_date(d: NaiveDate) -> Result<NaiveDate, DateError> {
    check_year(i64::from(d.year())).map(|_| d)
}

/// Builds a date from typed numbers, with precise errors.
fn make_date(day: u32, month: u32, year: i64) -> Result<NaiveDate, DateError> {
    // Day/month errors are reported first: they are typing mistakes.
    let y_for_msg = i32::try_from(year).unwrap_or(MAX_YEAR);
    if !(1..=12).contains(&month) || day == 0 || day > 31 {
        return Err(DateError::ImpossibleDate {
            day,
            month,
            year: y_for_msg,
        });
    }
    let year = check_year(year)?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::ImpossibleDate { day, month, year })
}

/// Parses an all-digit field of at most `max_len` digits.
fn number(s: &str, max_len: usize) -> Result<u32, DateError> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unreadable());
    }
    s.parse().map_err(|_| unreadable())
}

/// Expands a 2-digit year: up to ten years ahead of `today`, otherwise the
/// previous century (`85` → 1985, `27` → 2027 when today is in 2025).
fn expand_two_digit_year(yy: u32, today: NaiveDate) -> i64 {
    let this_year = i64::from(today.year());
    let candidate = this_year.div_euclid(100) * 100 + i64::from(yy);
    if candidate > this_year + 10 {
        candidate - 100
    } else {
        candidate
    }
}

/// `12/03`, `12/03/2027`, `12/03/27`, `2027-03-12` with `/`, `-` or `.`.
fn parse_numeric(s: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    match parts.as_slice() {
        [d, m] => make_date(number(d, 2)?, number(m, 2)?, i64::from(today.year())),
        [y, m, d] if y.len() == 4 => {
            make_date(number(d, 2)?, number(m, 2)?, i64::from(number(y, 4)?))
        }
        [d, m, y] => {
            let (day, month) = (number(d, 2)?, number(m, 2)?);
            let year = match y.len() {
                1 | 2 => expand_two_digit_year(number(y, 2)?, today),
                4 => i64::from(number(y, 4)?),
                _ => return Err(unreadable()),
            };
            make_date(day, month, year)
        }
        _ => Err(unreadable()),
    }
}

/// `+3`, `+3j`, `+2s`, `+1m`, `-3j`… (spaces already removed).
fn parse_relative(s: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => return Err(unreadable()),
    };
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, unit) = rest.split_at(digits_end);
    if digits.is_empty() {
        return Err(unreadable());
    }
    enum Unit {
        Days,
        Weeks,
        Months,
    }
    let unit = match unit {
        "" | "j" | "jr" | "jrs" | "jour" | "jours" => Unit::Days,
        "s" | "sem" | "semaine" | "semaines" => Unit::Weeks,
        "m" | "mois" => Unit::Months,
        _ => return Err(unreadable()),
    };
    // Saturating: absurd counts end up as an out-of-range year below.
    let n: u64 = digits.parse().unwrap_or(u64::MAX);
    let (days, approx_years) = match unit {
        Unit::Days => (n, n / 365),
        Unit::Weeks => (n.saturating_mul(7), n / 52),
        Unit::Months => (0, n / 12),
    };
    let out_of_range = || {
        let delta = i64::try_from(approx_years).unwrap_or(i64::MAX);
        let year = i64::from(today.year());
        DateError::OutOfRange {
            year: if negative {
                year.saturating_sub(delta)
            } else {
                year.saturating_add(delta)
            },
        }
    };
    let result = match unit {
        Unit::Months => {
            let months = u32::try_from(n).map_err(|_| out_of_range())?;
            if negative {
                today.checked_sub_months(Months::new(months))
            } else {
                today.checked_add_months(Months::new(months))
            }
        }
        _ => {
            if negative {
                today.checked_sub_days(Days::new(days))
            } else {
                today.checked_add_days(Days::new(days))
            }
        }
    };
    match result {
        Some(d) => check_date(d),
        None => Err(out_of_range()),
    }
}

fn weekday_from_word(w: &str) -> Option<Weekday> {
    Some(match w {
        "lundi" | "lun" => Weekday::Mon,
        "mardi" | "mar" => Weekday::Tue,
        "mercredi" | "mer" => Weekday::Wed,
        "jeudi" | "jeu" => Weekday::Thu,
        "vendredi" | "ven" => Weekday::Fri,
        "samedi" | "sam" => Weekday::Sat,
        "dimanche" | "dim" => Weekday::Sun,
        _ => return None,
    })
}

/// Next occurrence of `wd` strictly after `today`.
fn next_weekday(today: NaiveDate, wd: Weekday) -> Option<NaiveDate> {
    let ahead = (7 + wd.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
    let ahead = if ahead == 0 { 7 } else { ahead };
    today.checked_add_days(Days::new(u64::from(ahead)))
}

/// Parses an already folded and trimmed date text.
fn parse_date_folded(s: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    // Words: ignore spaces, hyphens, apostrophes and dots ("après-demain",
    // "apres demain", "aujourd'hui", "lun.").
    let word: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\'' | '.') && !c.is_whitespace())
        .collect();
    let offset: Option<i64> = match word.as_str() {
        "aujourdhui" | "aujourd" | "auj" | "ajd" => Some(0),
        "demain" => Some(1),
        "apresdemain" => Some(2),
        "hier" => Some(-1),
        "avanthier" => Some(-2),
        _ => None,
    };
    if let Some(offset) = offset {
        let d = if offset >= 0 {
            today.checked_add_days(Days::new(offset.unsigned_abs()))
        } else {
            today.checked_sub_days(Days::new(offset.unsigned_abs()))
        };
        return d.ok_or(unreadable()).and_then(check_date);
    }
    if let Some(wd) = weekday_from_word(&word) {
        return next_weekday(today, wd)
            .ok_or(unreadable())
            .and_then(check_date);
    }
    if s.starts_with(['+', '-']) {
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        return parse_relative(&compact, today);
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) && !s.contains(char::is_whitespace) {
        return parse_numeric(s, today);
    }
    Err(unreadable())
}

/// Parses a forgiving French date entry relative to `today`.
///
/// Case and accents are ignored, surrounding spaces trimmed. A day/month
/// without year (`12/03`) takes `today`'s year: deciding whether a past date
/// is acceptable is the caller's business.
pub fn parse_date(input: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let folded = fold(input);
    parse_date_folded(folded.trim(), today).map_err(|e| e.with_input(input))
}

/// A date typed whole, day, month and a four-digit year (`14/03/1991`, `1.3.2026`), that
/// nothing more typed could change: a date field moves on to the next field once it holds
/// one. A day and month alone (`12/03`), a two-digit year or words never count.
pub fn is_whole_date(input: &str) -> bool {
    let s = input.trim();
    let parts: Vec<&str> = s.split(['/', '.', '-']).collect();
    let digits =
        |p: &str, lens: &[usize]| lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    let [d, m, y] = parts[..] else {
        return false;
    };
    digits(d, &[1, 2])
        && digits(m, &[1, 2])
        && digits(y, &[4])
        && NaiveDate::from_ymd_opt(
            y.parse().unwrap_or(0),
            m.parse().unwrap_or(0),
            d.parse().unwrap_or(0),
        )
        .is_some()
}

/// Recognises a time token: `14h30`, `14h`, `9h05`, `14:30`, `midi`.
/// Returns `None` when the token does not look like a time at all, and
/// `Some(Err)` when it looks like one but is impossible (`25h`).
fn parse_time_token(tok: &str) -> Option<Result<NaiveTime, DateError>> {
    if tok == "midi" {
        return NaiveTime::from_hms_opt(12, 0, 0).map(Ok);
    }
    let sep = tok.find(['h', ':'])?;
    let (h, rest) = tok.split_at(sep);
    let is_colon = rest.starts_with(':');
    let m = &rest[1..]; // 'h' and ':' are one byte long
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if h.is_empty() || h.len() > 2 || !all_digits(h) || m.len() > 2 || !all_digits(m) {
        return None;
    }
    if is_colon && m.is_empty() {
        return None;
    }
    let hour: u32 = h.parse().ok()?;
    let minute: u32 = if m.is_empty() { 0 } else { m.parse().ok()? };
    Some(NaiveTime::from_hms_opt(hour, minute, 0).ok_or(DateError::ImpossibleTime { hour, minute }))
}

/// Parses a date optionally followed by a time (`12/03 14h30`,
/// `demain 9h`, `lundi à 14h`, `12/03/2027 14:30`), or a time alone (today
/// at that time). A date without time means 09:00.
pub fn parse_datetime(input: &str, now: NaiveDateTime) -> Result<NaiveDateTime, DateError> {
    parse_datetime_folded(&fold(input), now.date()).map_err(|e| e.with_input(input))
}

fn parse_datetime_folded(folded: &str, today: NaiveDate) -> Result<NaiveDateTime, DateError> {
    let tokens: Vec<&str> = folded.split_whitespace().collect();
    let Some((last, before)) = tokens.split_last() else {
        return Err(DateError::Empty);
    };

    // A time at the end, possibly glued to "à" ("à14h").
    let glued = last
        .strip_prefix('a')
        .filter(|t| t.starts_with(|c: char| c.is_ascii_digit()));
    let time = parse_time_token(last).or_else(|| glued.and_then(parse_time_token));

    let Some(time) = time else {
        let date = parse_date_folded(&tokens.join(" "), today)?;
        return NaiveTime::from_hms_opt(DEFAULT_HOUR, 0, 0)
            .map(|t| date.and_time(t))
            .ok_or(unreadable());
    };
    let time = time?;
    let date_tokens = match before.split_last() {
        Some((&"a", rest)) => rest,
        _ => before,
    };
    let date = if date_tokens.is_empty() {
        today
    } else {
        parse_date_folded(&date_tokens.join(" "), today)?
    };
    Ok(date.and_time(time))
}

/// `12/03/2027`.
pub fn format_date(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

/// `12/03/2027 14h30`.
pub fn format_datetime(dt: NaiveDateTime) -> String {
    use chrono::Timelike;
    format!(
        "{} {:02}h{:02}",
        format_date(dt.date()),
        dt.hour(),
        dt.minute()
    )
}

/// `12/03` when `d` is in the same year as `today`, else `12/03/27`.
pub fn format_short_date(d: NaiveDate, today: NaiveDate) -> String {
    if d.year() == today.year() {
        format!("{:02}/{:02}", d.day(), d.month())
    } else {
        format!(
            "{:02}/{:02}/{:02}",
            d.day(),
            d.month(),
            d.year().rem_euclid(100)
        )
    }
}

/// Short French weekday name: "lun", "mar", "mer", "jeu", "ven", "sam", "dim".
pub fn weekday_fr(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "lun",
        Weekday::Tue => "mar",
        Weekday::Wed => "mer",
        Weekday::Thu => "jeu",
        Weekday::Fri => "ven",
        Weekday::Sat => "sam",
        Weekday::Sun => "dim",
    }
}

/// Age in whole years on date `on` (0 if `on` is before the birth). Someone
/// born on 29 February turns one year older on 1 March in common years.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on <= birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dt(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, min, 0).unwrap()
    }

    // Wednesday 15 January 2025.
    fn today() -> NaiveDate {
        d(2025, 1, 15)
    }

    fn now() -> NaiveDateTime {
        dt(2025, 1, 15, 16, 42)
    }

    #[test]
    fn a_whole_date_is_day_month_and_four_digit_year() {
        for whole in ["14/03/1991", "1/3/2026", " 01.03.2026 ", "29-02-2024"] {
            assert!(is_whole_date(whole), "{whole}");
        }
        for not in [
            "14/03",
            "14/03/91",
            "14/03/199",
            "31/02/2026",
            "14/03/19911",
            "lundi",
            "",
            "14/03/1991 9h",
            "a4/03/1991",
            "14//1991",
        ] {
            assert!(!is_whole_date(not), "{not}");
        }
    }

    #[test]
    fn numeric_dates() {
        let t = today();
        assert_eq!(parse_date("12/03", t), Ok(d(2025, 3, 12)));
        assert_eq!(parse_date("12/03/2027", t), Ok(d(2027, 3, 12)));
        assert_eq!(parse_date("12/03/27", t), Ok(d(2027, 3, 12)));
        assert_eq!(parse_date("12/03/85", t), Ok(d(1985, 3, 12)));
        assert_eq!(parse_date("12/03/35", t), Ok(d(2035, 3, 12)));
        assert_eq!(parse_date("12/03/36", t), Ok(d(1936, 3, 12)));
        assert_eq!(parse_date("12-03-2027", t), Ok(d(2027, 3, 12)));
        assert_eq!(parse_date("12.03.2027", t), Ok(d(2027, 3, 12)));
        assert_eq!(parse_date("2027-03-12", t), Ok(d(2027, 3, 12)));
        assert_eq!(parse_date("1/3/2027", t), Ok(d(2027, 3, 1)));
        assert_eq!(parse_date("  29/02/2028 ", t), Ok(d(2028, 2, 29)));
    }

    #[test]
    fn words() {
        let t = today();
        assert_eq!(parse_date("aujourd'hui", t), Ok(t));
        assert_eq!(parse_date("Aujourd’hui", t), Ok(t));
        assert_eq!(parse_date("auj", t), Ok(t));
        assert_eq!(parse_date("AUJOURDHUI", t), Ok(t));
        assert_eq!(parse_date("demain", t), Ok(d(2025, 1, 16)));
        assert_eq!(parse_date("après-demain", t), Ok(d(2025, 1, 17)));
        assert_eq!(parse_date("apres-demain", t), Ok(d(2025, 1, 17)));
        assert_eq!(parse_date("Après demain", t), Ok(d(2025, 1, 17)));
        assert_eq!(parse_date("hier", t), Ok(d(2025, 1, 14)));
        // today is a Wednesday
        assert_eq!(parse_date("jeudi", t), Ok(d(2025, 1, 16)));
        assert_eq!(parse_date("lundi", t), Ok(d(2025, 1, 20)));
        assert_eq!(parse_date("Mercredi", t), Ok(d(2025, 1, 22)));
        assert_eq!(parse_date("mardi", t), Ok(d(2025, 1, 21)));
        assert_eq!(parse_date("dim", t), Ok(d(2025, 1, 19)));
    }

    #[test]
    fn relative() {
        let t = today();
        assert_eq!(parse_date("+3", t), Ok(d(2025, 1, 18)));
        assert_eq!(parse_date("+3j", t), Ok(d(2025, 1, 18)));
        assert_eq!(parse_date("+ 3 j", t), Ok(d(2025, 1, 18)));
        assert_eq!(parse_date("+2s", t), Ok(d(2025, 1, 29)));
        assert_eq!(parse_date("+1m", t), Ok(d(2025, 2, 15)));
        assert_eq!(parse_date("+1m", d(2025, 1, 31)), Ok(d(2025, 2, 28)));
        assert_eq!(parse_date("+1m", d(2024, 1, 31)), Ok(d(2024, 2, 29)));
        assert_eq!(parse_date("-3j", t), Ok(d(2025, 1, 12)));
        assert_eq!(parse_date("+200m", t), Ok(d(2041, 9, 15)));
        assert!(matches!(
            parse_date("+999999999999999999999999j", t),
            Err(DateError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_date("+100000m", t),
            Err(DateError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_date("+5000000000m", t),
            Err(DateError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_date("+3x", t),
            Err(DateError::Unreadable(_))
        ));
        assert!(matches!(parse_date("+", t), Err(DateError::Unreadable(_))));
    }

    #[test]
    fn errors() {
        let t = today();
        assert_eq!(parse_date("  ", t), Err(DateError::Empty));
        assert_eq!(
            parse_date("31/02/2027", t).unwrap_err().message(),
            "Le 31/02/2027 n'existe pas (février n'a que 28 jours en 2027)"
        );
        assert_eq!(
            parse_date("30/02/2028", t).unwrap_err().message(),
            "Le 30/02/2028 n'existe pas (février n'a que 29 jours en 2028)"
        );
        assert_eq!(
            parse_date("31/04/2027", t).unwrap_err().message(),
            "Le 31/04/2027 n'existe pas (avril n'a que 30 jours)"
        );
        assert!(parse_date("12/13/2027", t)
            .unwrap_err()
            .message()
            .starts_with("Mois 13 impossible : le mois va de 1 à 12"));
        assert!(parse_date("0/3", t)
            .unwrap_err()
            .message()
            .starts_with("Jour 0 impossible"));
        assert!(parse_date("32/3", t)
            .unwrap_err()
            .message()
            .starts_with("Jour 32 impossible"));
        assert_eq!(
            parse_date("12/03/1850", t).unwrap_err().message(),
            "Année 1850 hors limites (1900 à 2100)"
        );
        assert_eq!(
            parse_date("2101-01-01", t),
            Err(DateError::OutOfRange { year: 2101 })
        );
        assert_eq!(
            parse_date("xyz", t).unwrap_err().message(),
            "Date illisible : « xyz ». Exemples : 12/03, 12/03/2027, demain 9h, lundi 14h"
        );
        for bad in [
            "12/",
            "/03",
            "12//2027",
            "123/03",
            "12/03/202",
            "1a/03",
            "12 03",
            "lundi 3",
        ] {
            assert!(
                matches!(parse_date(bad, t), Err(DateError::Unreadable(_))),
                "{bad}"
            );
        }
        assert_eq!(DateError::Empty.to_string(), DateError::Empty.message());
    }

    #[test]
    fn datetimes() {
        let n = now();
        assert_eq!(parse_datetime("12/03", n), Ok(dt(2025, 3, 12, 9, 0)));
        assert_eq!(parse_datetime("12/03/2027", n), Ok(dt(2027, 3, 12, 9, 0)));
        assert_eq!(
            parse_datetime("12/03 14h30", n),
            Ok(dt(2025, 3, 12, 14, 30))
        );
        assert_eq!(parse_datetime("demain 9h", n), Ok(dt(2025, 1, 16, 9, 0)));
        assert_eq!(parse_datetime("lundi 14h", n), Ok(dt(2025, 1, 20, 14, 0)));
        assert_eq!(parse_datetime("lundi à 14h", n), Ok(dt(2025, 1, 20, 14, 0)));
        assert_eq!(parse_datetime("Lundi A 14H", n), Ok(dt(2025, 1, 20, 14, 0)));
        assert_eq!(parse_datetime("lundi à14h", n), Ok(dt(2025, 1, 20, 14, 0)));
        assert_eq!(
            parse_datetime("12/03/2027 14:30", n),
            Ok(dt(2027, 3, 12, 14, 30))
        );
        assert_eq!(parse_datetime("14h30", n), Ok(dt(2025, 1, 15, 14, 30)));
        assert_eq!(parse_datetime("à 9h05", n), Ok(dt(2025, 1, 15, 9, 5)));
        assert_eq!(
            parse_datetime("après demain midi", n),
            Ok(dt(2025, 1, 17, 12, 0))
        );
        assert_eq!(parse_datetime("+1s 8h", n), Ok(dt(2025, 1, 22, 8, 0)));
        assert_eq!(
            parse_datetime("2027-03-12 14:30", n),
            Ok(dt(2027, 3, 12, 14, 30))
        );
        assert_eq!(parse_datetime(" ", n), Err(DateError::Empty));
    }

    #[test]
    fn datetime_errors() {
        let n = now();
        assert!(parse_datetime("demain 25h", n)
            .unwrap_err()
            .message()
            .starts_with("Heure 25h impossible"));
        assert_eq!(
            parse_datetime("demain 14h75", n),
            Err(DateError::ImpossibleTime {
                hour: 14,
                minute: 75
            })
        );
        assert_eq!(
            parse_datetime("blabla 14h", n),
            Err(DateError::Unreadable("blabla 14h".into()))
        );
        assert_eq!(
            parse_datetime("31/02 9h", n),
            Err(DateError::ImpossibleDate {
                day: 31,
                month: 2,
                year: 2025
            })
        );
        for bad in ["14h300", "h30", "14:", "123h", "14 h", "demain 9"] {
            assert!(
                matches!(parse_datetime(bad, n), Err(DateError::Unreadable(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn formatting() {
        let t = today();
        assert_eq!(format_date(d(2027, 3, 12)), "12/03/2027");
        assert_eq!(format_datetime(dt(2027, 3, 12, 14, 30)), "12/03/2027 14h30");
        assert_eq!(format_datetime(dt(2027, 3, 12, 9, 5)), "12/03/2027 09h05");
        assert_eq!(format_short_date(d(2025, 3, 12), t), "12/03");
        assert_eq!(format_short_date(d(2027, 3, 12), t), "12/03/27");
        assert_eq!(format_short_date(d(2005, 3, 12), t), "12/03/05");
        assert_eq!(weekday_fr(t), "mer");
        assert_eq!(weekday_fr(d(2025, 1, 19)), "dim");
    }

    #[test]
    fn ages() {
        let b = d(1985, 3, 12);
        assert_eq!(age_on(b, d(2025, 3, 11)), 39);
        assert_eq!(age_on(b, d(2025, 3, 12)), 40);
        assert_eq!(age_on(b, d(1980, 1, 1)), 0);
        let leap = d(2004, 2, 29);
        assert_eq!(age_on(leap, d(2022, 2, 28)), 17);
        assert_eq!(age_on(leap, d(2022, 3, 1)), 18);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = parse_date(&s, today());
            if let Err(e) = parse_datetime(&s, now()) {
                prop_assert!(!e.message().is_empty());
            }
        }

        #[test]
        fn format_then_parse_roundtrips(days in 0u64..73_000, h in 0u32..24, m in 0u32..60) {
            let date = d(1900, 1, 1) + Days::new(days);
            prop_assert_eq!(parse_date(&format_date(date), today()), Ok(date));
            let when = date.and_hms_opt(h, m, 0).unwrap();
            prop_assert_eq!(parse_datetime(&format_datetime(when), now()), Ok(when));
        }
    }
}
