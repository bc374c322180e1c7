//! `E` on the today view (F2) writes the list as shown — sections in order, one line per
//! row — as the same French CSV as the other exports (BOM, `;`, CRLF, formula guard), 0600,
//! audited; an empty today view writes a valid file with its header only.

mod support;

use parcours::app::{Screen, TodayRow};
use parcours::export::spreadsheet::TODAY_HEADER;
use support::app::*;

fn the_export(dir: &std::path::Path) -> (std::path::PathBuf, Vec<u8>) {
    let files: Vec<_> = std::fs::read_dir(dir)
        .expect("exports folder")
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let bytes = std::fs::read(&files[0]).unwrap();
    (files[0].clone(), bytes)
}

fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("UTF-8 BOM for Excel");
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(text.as_bytes());
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_today_view_exports_what_it_shows() {
    let mut c = Ctx::with_demo(60, 1);
    let out = c.dir.path().join("exports");
    c.app.export_dir = Some(out.clone());
    c.press("<F2>");
    assert_eq!(c.app.screen, Screen::Today);
    // What the screen shows: each item under the section header above it.
    let mut section = String::new();
    let mut shown = Vec::new();
    for r in &c.app.today.rows {
        match r {
            TodayRow::Header(h) => section = h.clone(),
            TodayRow::Item {
                when, who, what, ..
            } => shown.push(vec![
                section.clone(),
                when.clone(),
                who.clone(),
                what.clone(),
            ]),
            TodayRow::Empty(_) => {}
        }
    }
    assert!(shown.len() > 3, "the demo's today view has rows: {shown:?}");
    let audit_before = c.store.audit_entries(None, None, 1000).unwrap().len();
    c.press("E");
    assert!(
        c.status().contains("ligne(s) exportée(s)"),
        "{}",
        c.status()
    );
    let (path, bytes) = the_export(&out);
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("aujourdhui-") && name.ends_with(".csv"),
        "{name}"
    );
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'));
    let rows = records(&bytes);
    assert_eq!(rows[0], TODAY_HEADER);
    assert_eq!(rows.len() - 1, shown.len());
    for (got, want) in rows[1..].iter().zip(&shown) {
        // Cells starting with a formula character get a leading quote (none expected here
        // but the guard is the export's own).
        let unguarded: Vec<String> = got[..4]
            .iter()
            .map(|c| c.strip_prefix('\'').unwrap_or(c).to_string())
            .collect();
        assert_eq!(&unguarded, want);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let audit_after = c.store.audit_entries(None, None, 1000).unwrap().len();
    assert_eq!(audit_after, audit_before + 1, "the export is audited");
}

#[test]
fn an_empty_today_view_writes_a_header_only() {
    let mut c = Ctx::empty();
    let out = c.dir.path().join("exports");
    c.app.export_dir = Some(out.clone());
    c.press("<F2>E");
    assert!(
        c.status().contains("0 ligne(s) exportée(s)"),
        "{}",
        c.status()
    );
    let (_, bytes) = the_export(&out);
    assert_eq!(records(&bytes), vec![TODAY_HEADER.to_vec()]);
}
