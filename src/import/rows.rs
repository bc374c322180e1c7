//! One line of an orientation list: its cells read into typed values, or the French reason
//! it is rejected.

use super::headers::Field;
use chrono::NaiveDate;

/// A line of the list, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportRow {
    /// Line number in the file (1 = the header row).
    pub line: usize,
    pub nom: String,
    pub prenom: String,
    pub nom_naissance: String,
    pub nom_usage: String,
    /// Code from `sexes` (F, H; NR when not given or not understood).
    pub sexe: String,
    pub birth_date: Option<NaiveDate>,
    pub numero_caf: String,
    /// Normalised: 15 characters, no spaces; validated with its key.
    pub nir: String,
    pub id_france_travail: String,
    pub id_departement: String,
    /// « demandeur », « conjoint », or empty.
    pub role: String,
    pub email: String,
    pub telephone: String,
    /// One line per address column.
    pub adresse: String,
    pub code_postal: String,
    pub commune: String,
    pub date_ouverture_droit: Option<NaiveDate>,
    pub statut_droit: String,
    pub date_orientation: Option<NaiveDate>,
    pub structure_referente: String,
    pub email_referent: String,
}

/// Which field each column fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns(pub Vec<Option<Field>>);

impl Columns {
    /// The first non-empty cell of `field`'s columns (all of them joined for the address).
    fn get<'a>(&self, cells: &'a [String], field: Field) -> Vec<&'a str> {
        self.0
            .iter()
            .zip(cells)
            .filter(|(f, c)| **f == Some(field) && !c.trim().is_empty())
            .map(|(_, c)| c.trim())
            .collect()
    }

    pub fn has(&self, field: Field) -> bool {
        self.0.contains(&Some(field))
    }
}

/// A date as lists write it: JJ/MM/AAAA (or with - or .), AAAA-MM-JJ (a time after it is
/// ignored), or an Excel serial number (a date cell saved as a number).
pub fn parse_list_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let date_part = s.split([' ', 'T']).next().unwrap_or("");
    if date_part.len() == 5 && date_part.bytes().all(|b| b.is_ascii_digit()) {
        return super::read::serial_date(date_part.parse().ok()?);
    }
    let parts: Vec<&str> = date_part.split(['/', '-', '.']).collect();
    let [a, b, c] = parts[..] else { return None };
    let num = |x: &str| -> Option<u32> {
        (!x.is_empty() && x.len() <= 4 && x.bytes().all(|b| b.is_ascii_digit()))
            .then(|| x.parse().ok())
            .flatten()
    };
    let (y, m, d) = if a.len() == 4 {
        (num(a)?, num(b)?, num(c)?)
    } else if c.len() == 4 {
        (num(c)?, num(b)?, num(a)?)
    } else {
        return None;
    };
    let date = NaiveDate::from_ymd_opt(y as i32, m, d)?;
    (crate::dates::MIN_YEAR..=crate::dates::MAX_YEAR)
        .contains(&(y as i32))
        .then_some(date)
}

fn sexe_code(s: &str) -> &'static str {
    match crate::text::fold(s).trim().trim_end_matches('.') {
        "f" | "femme" | "feminin" | "mme" | "madame" | "mlle" | "mademoiselle" | "2" => "F",
        "h" | "m" | "homme" | "masculin" | "mr" | "monsieur" | "1" => "H",
        _ => crate::domain::codes::SEX_UNKNOWN,
    }
}

fn role_code(s: &str) -> String {
    let f = crate::text::fold(s);
    let f = f.trim();
    if f.starts_with("conj") {
        "conjoint".into()
    } else if f.starts_with("dem") || f.starts_with("alloc") || f.starts_with("resp") {
        "demandeur".into()
    } else {
        String::new()
    }
}

/// A phone number written as a number in a spreadsheet lost its leading 0.
fn phone(s: &str) -> String {
    if s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0') {
        format!("0{s}")
    } else {
        s.to_string()
    }
}

/// A code postal written as a number (« 1000 » for 01000).
fn code_postal(s: &str) -> String {
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{s}")
    } else {
        s.to_string()
    }
}

/// Reads one line; `Err` is the French reason it is rejected.
pub fn read_row(
    cols: &Columns,
    line: usize,
    cells: &[String],
    today: NaiveDate,
) -> Result<ImportRow, String> {
    let one = |f: Field| {
        cols.get(cells, f)
            .first()
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let date = |f: Field| -> Result<Option<NaiveDate>, String> {
        let v = one(f);
        if v.is_empty() {
            return Ok(None);
        }
        parse_list_date(&v)
            .map(Some)
            .ok_or_else(|| format!("{} illisible : « {} »", f.label(), echo(&v)))
    };
    let row = ImportRow {
        line,
        nom: one(Field::Nom),
        prenom: one(Field::Prenom),
        nom_naissance: one(Field::NomNaissance),
        nom_usage: one(Field::NomUsage),
        sexe: sexe_code(&one(Field::Sexe)).to_string(),
        birth_date: date(Field::DateNaissance)?,
        numero_caf: one(Field::NumeroCaf).replace(' ', ""),
        nir: crate::domain::nir::normalise(&one(Field::Nir)),
        id_france_travail: one(Field::IdFranceTravail),
        id_departement: one(Field::IdDepartement),
        role: role_code(&one(Field::Role)),
        email: one(Field::Email),
        telephone: phone(&one(Field::Telephone)),
        adresse: cols.get(cells, Field::Adresse).join("\n"),
        code_postal: code_postal(&one(Field::CodePostal)),
        commune: one(Field::Commune),
        date_ouverture_droit: date(Field::DateOuvertureDroit)?,
        statut_droit: one(Field::StatutDroit),
        date_orientation: date(Field::DateOrientation)?,
        structure_referente: one(Field::StructureReferente),
        email_referent: one(Field::EmailReferent),
    };
    if row.nom.is_empty() {
        return Err("nom manquant".into());
    }
    if row.prenom.is_empty() {
        return Err("prénom manquant".into());
    }
    if row.birth_date.is_some_and(|d| d > today) {
        return Err("date de naissance dans le futur".into());
    }
    if let Err(why) = crate::domain::nir::check(&row.nir) {
        let why = why.strip_prefix("NIR : ").unwrap_or(&why).to_string();
        return Err(format!("NIR invalide ({why})"));
    }
    Ok(row)
}

/// A cell echoed in a message: short, without control characters.
fn echo(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(30)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().count() > 30 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_dates() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_list_date("05/03/1985"), d(1985, 3, 5));
        assert_eq!(parse_list_date("5-3-1985"), d(1985, 3, 5));
        assert_eq!(parse_list_date("1985-03-05 00:00:00"), d(1985, 3, 5));
        assert_eq!(parse_list_date("1985-03-05T00:00:00"), d(1985, 3, 5));
        assert_eq!(parse_list_date("31/02/1985"), None);
        assert_eq!(parse_list_date("demain"), None);
        assert_eq!(parse_list_date("05/03/85"), None);
    }
}
