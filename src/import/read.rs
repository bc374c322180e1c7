//! Reading a spreadsheet file into rows of text: CSV (delimiter and encoding detected),
//! XLSX, XLS and ODS (calamine). The format is told by the content, not the file name.

use super::ImportError;
use calamine::{Data, Reader};
use std::io::Cursor;

/// A table read from a file: the header row and the data rows with their line number in
/// the file (1 = the header), blank rows left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
    /// What was read, for the preview: « CSV (UTF-8, « ; ») », « XLSX, feuille « Liste » »…
    pub format: String,
}

/// A file larger than this is not an orientation list (a list of 100,000 people is ~20 MB).
pub const MAX_BYTES: u64 = 100 * 1024 * 1024;

/// Reads `bytes` (a file's content), the sheet `sheet` or the first one.
pub fn read_bytes(bytes: &[u8], sheet: Option<&str>) -> Result<Sheet, ImportError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        // calamine is not known to panic on a damaged file, but a panic would lose the
        // user's screen: caught and turned into the same refusal.
        return std::panic::catch_unwind(|| read_workbook(bytes, sheet))
            .unwrap_or(Err(ImportError::Unreadable("classeur endommagé".into())));
    }
    read_csv(bytes)
}

fn read_workbook(bytes: &[u8], wanted: Option<&str>) -> Result<Sheet, ImportError> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| {
        ImportError::Unreadable(
            "classeur endommagé ou incomplet (XLSX, XLS ou ODS), ou d'un autre format".into(),
        )
    })?;
    let kind = match &book {
        calamine::Sheets::Xls(_) => "XLS",
        calamine::Sheets::Xlsx(_) => "XLSX",
        calamine::Sheets::Xlsb(_) => "XLSB",
        calamine::Sheets::Ods(_) => "ODS",
    };
    let names = book.sheet_names();
    let name = match wanted {
        Some(w) => names
            .iter()
            .find(|n| crate::text::fold(n.trim()) == crate::text::fold(w.trim()))
            .cloned()
            .ok_or_else(|| ImportError::NoSheet(w.to_string(), names.clone()))?,
        None => names.first().cloned().ok_or(ImportError::Empty)?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| ImportError::Unreadable(format!("feuille « {name} » illisible ({e})")))?;
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let mut out = Sheet {
        format: format!("{kind}, feuille « {name} »"),
        ..Sheet::default()
    };
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        push_row(&mut out, first_row + i + 1, cells);
    }
    if out.headers.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(out)
}

/// A cell as text. Dates become ISO dates; whole numbers lose their « .0 ».
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Bool(b) => if *b { "oui" } else { "non" }.into(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::DateTime(dt) => serial_date(dt.as_f64())
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// An Excel serial date (days since 1899-12-30, the 1900 leap-year bug included).
pub fn serial_date(serial: f64) -> Option<chrono::NaiveDate> {
    if !(1.0..200_000.0).contains(&serial) {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?
        .checked_add_days(chrono::Days::new(serial.trunc() as u64))
}

fn push_row(out: &mut Sheet, line: usize, cells: Vec<String>) {
    let cells: Vec<String> = cells.into_iter().map(|c| c.trim().to_string()).collect();
    if cells.iter().all(String::is_empty) {
        return;
    }
    if out.headers.is_empty() {
        out.headers = cells;
    } else {
        out.rows.push((line, cells));
    }
}

/// Text of a CSV file: UTF-8 (with or without BOM), else Windows-1252. Refused when it
/// holds what no text file does (NUL bytes, many control characters): a binary file.
fn decode(bytes: &[u8]) -> Result<(String, &'static str), ImportError> {
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let controls = sample
        .iter()
        .filter(|b| **b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    if sample.contains(&0) || controls * 100 > sample.len() {
        return Err(ImportError::Unreadable(
            "ce n'est ni un tableau CSV ni un classeur XLSX, XLS ou ODS".into(),
        ));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.to_string(), "UTF-8 avec BOM")),
            Err(_) => Err(ImportError::Unreadable(
                "texte marqué UTF-8 mais mal encodé".into(),
            )),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), "UTF-8")),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((text.into_owned(), "Windows-1252"))
        }
    }
}

/// The delimiter: the one of `;`, `,` and tab found most often on the first line (outside
/// quotes), `;` when none is.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [(b';', 0usize), (b',', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in first.bytes() {
        if b == b'"' {
            quoted = !quoted;
        }
        if !quoted {
            for c in counts.iter_mut() {
                if c.0 == b {
                    c.1 += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|c| c.1 > 0)
        .map(|c| c.0)
        .unwrap_or(b';')
}

fn bytecount(b: &[u8]) -> usize {
    b.iter().filter(|c| **c == b'\n').count()
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, ImportError> {
    let (text, encoding) = decode(bytes)?;
    let delim = delimiter(&text);
    let shown = match delim {
        b';' => "« ; »",
        b',' => "« , »",
        _ => "tabulation",
    };
    let mut out = Sheet {
        format: format!("CSV ({encoding}, séparateur {shown})"),
        ..Sheet::default()
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let (mut line, mut counted_to) = (1, 0);
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            ImportError::Unreadable(format!("CSV illisible à la ligne {line}"))
        })?;
        // The line number from the byte offset: the csv crate's own count skips blank
        // lines, and the preview must name the line as a spreadsheet shows it.
        let mut at = record
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(counted_to);
        // A record's position may be that of the blank lines before it.
        while matches!(text.as_bytes().get(at), Some(b'\n' | b'\r')) {
            at += 1;
        }
        line += bytecount(&text.as_bytes()[counted_to.min(at)..at]);
        counted_to = counted_to.max(at);
        push_row(&mut out, line, record.iter().map(str::to_string).collect());
    }
    if out.headers.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_delimiters_and_encodings_are_detected() {
        let s = read_bytes(b"Nom;Pr\xE9nom\nDupont;H\xE9l\xE8ne\n", None).unwrap();
        assert_eq!(s.headers, ["Nom", "Prénom"]);
        assert_eq!(s.rows, vec![(2, vec!["Dupont".into(), "Hélène".into()])]);
        assert!(s.format.contains("Windows-1252"), "{}", s.format);
        let s = read_bytes(
            "\u{feff}Nom,Prénom\n\n\"Martin, fils\",Éric\n".as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(
            s.rows,
            vec![(3, vec!["Martin, fils".into(), "Éric".into()])]
        );
        assert!(s.format.contains("BOM"));
        let s = read_bytes(b"Nom\tPrenom\nA\tB\n", None).unwrap();
        assert_eq!(s.rows[0].1, ["A", "B"]);
    }

    #[test]
    fn binary_and_empty_files_are_refused() {
        assert!(matches!(read_bytes(b"  \n", None), Err(ImportError::Empty)));
        assert!(matches!(
            read_bytes(b"\x00\x01\x02garbage", None),
            Err(ImportError::Unreadable(_))
        ));
        assert!(matches!(
            read_bytes(b"PK\x03\x04truncated", None),
            Err(ImportError::Unreadable(_))
        ));
    }

    #[test]
    fn excel_serial_dates() {
        assert_eq!(
            serial_date(45000.0),
            chrono::NaiveDate::from_ymd_opt(2023, 3, 15)
        );
    }
}
