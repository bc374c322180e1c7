//! The report written out: `texte` (aligned tables), `csv` (French Excel: UTF-8 BOM, `;`,
//! CRLF, decimal comma) and `html` (self-contained printable A4 page, bars as inline SVG).

use super::{percent, Cell, Report, RowKind, Table};
use crate::dates::format_date;
use std::io::Write;

/// Said when the period has no data (all formats).
const EMPTY_PERIOD: &str = "Aucune donnée pour cette période : aucune personne accompagnée, aucune sortie, aucun rendez-vous.";

fn header_lines(r: &Report) -> Vec<String> {
    let mut v = Vec::new();
    if !r.structure.is_empty() {
        v.push(format!("Structure : {}", r.structure));
    }
    v.extend([
        format!(
            "Période du {} au {}",
            format_date(r.period.du),
            format_date(r.period.au)
        ),
        format!("Dispositif : {}", r.dispositif_label),
        format!("Référent·e : {}", r.referent_label),
    ]);
    for o in &r.occupation {
        v.push(format!(
            "Occupation de la convention au {} : {}",
            format_date(r.period.au),
            o.text()
        ));
    }
    if r.empty {
        v.push(EMPTY_PERIOD.into());
    }
    v
}

fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Aligned tables for a terminal.
pub fn text(r: &Report) -> String {
    let mut out = String::from("RAPPORT D'ACTIVITÉ\n");
    for l in header_lines(r) {
        out.push_str(&l);
        out.push('\n');
    }
    for t in &r.tables {
        out.push('\n');
        text_table(&mut out, t);
    }
    if !r.unavailable.is_empty() {
        out.push('\n');
        out.push_str(&r.unavailable);
        out.push('\n');
    }
    out.push_str("\nÀ vérifier\n");
    if r.to_check.is_empty() {
        out.push_str("  rien à signaler\n");
    }
    for c in &r.to_check {
        out.push_str(&format!("  - {c}\n"));
    }
    out.push_str("\nDéfinitions\n");
    for (k, v) in &r.definitions {
        out.push_str(&format!("  - {k} : {v}\n"));
    }
    out
}

fn text_table(out: &mut String, t: &Table) {
    out.push_str(&t.title);
    out.push('\n');
    out.push_str(&"=".repeat(width(&t.title)));
    out.push('\n');
    let label_w = t.rows.iter().map(|r| width(&r.label)).max().unwrap_or(0);
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.cells.iter().map(Cell::text).collect())
        .collect();
    let col_w: Vec<usize> = (0..t.columns.len())
        .map(|i| {
            cells
                .iter()
                .filter_map(|c| c.get(i))
                .map(|s| width(s))
                .chain([width(&t.columns[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let pad_left = |s: &str, w: usize| format!("{}{s}", " ".repeat(w.saturating_sub(width(s))));
    let mut line = " ".repeat(label_w);
    for (c, w) in t.columns.iter().zip(&col_w) {
        line.push_str("  ");
        line.push_str(&pad_left(c, *w));
    }
    out.push_str(line.trim_end());
    out.push('\n');
    for (row, cs) in t.rows.iter().zip(&cells) {
        let mut line = format!("{}{}", row.label, " ".repeat(label_w - width(&row.label)));
        for (c, w) in cs.iter().zip(&col_w) {
            line.push_str("  ");
            line.push_str(&pad_left(c, *w));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// CSV for a French Excel: one table after the other, a blank line between; a share is two
/// columns (count, then percentage with a decimal comma).
pub fn csv<W: Write>(r: &Report, mut w: W) -> std::io::Result<()> {
    w.write_all("\u{feff}".as_bytes())?;
    let mut c = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(w);
    let io = |e: csv::Error| std::io::Error::other(e.to_string());
    c.write_record(["Rapport d'activité"]).map_err(io)?;
    for l in header_lines(r) {
        c.write_record([l]).map_err(io)?;
    }
    for t in &r.tables {
        c.write_record([""]).map_err(io)?;
        c.write_record([&t.title]).map_err(io)?;
        let is_share: Vec<bool> = (0..t.columns.len())
            .map(|i| {
                t.rows
                    .iter()
                    .any(|r| matches!(r.cells.get(i), Some(Cell::Share { .. })))
            })
            .collect();
        let mut head = vec!["Indicateur".to_string()];
        for (col, s) in t.columns.iter().zip(&is_share) {
            head.push(col.clone());
            if *s {
                head.push(format!("{col} (%)"));
            }
        }
        c.write_record(&head).map_err(io)?;
        for row in &t.rows {
            let mut rec = vec![row.label.trim().to_string()];
            for (cell, s) in row.cells.iter().zip(&is_share) {
                match cell {
                    Cell::Share { n, of } => {
                        rec.push(n.to_string());
                        rec.push(percent(*n, *of).unwrap_or_else(|| "—".into()));
                    }
                    other => {
                        rec.push(other.text());
                        if *s {
                            rec.push(String::new());
                        }
                    }
                }
            }
            c.write_record(&rec).map_err(io)?;
        }
    }
    if !r.unavailable.is_empty() {
        c.write_record([""]).map_err(io)?;
        c.write_record([&r.unavailable]).map_err(io)?;
    }
    c.write_record([""]).map_err(io)?;
    c.write_record(["À vérifier"]).map_err(io)?;
    for l in &r.to_check {
        c.write_record([l]).map_err(io)?;
    }
    c.write_record([""]).map_err(io)?;
    c.write_record(["Définitions"]).map_err(io)?;
    for (k, v) in &r.definitions {
        c.write_record([k, v]).map_err(io)?;
    }
    c.flush()?;
    Ok(())
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A horizontal bar of `n / of` as inline SVG (the figure is always written beside it:
/// the bar is never the only carrier of the meaning).
fn bar(n: u64, of: u64) -> String {
    let w = if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    };
    format!(
        "<svg class=\"bar\" width=\"100\" height=\"10\" viewBox=\"0 0 100 10\" aria-hidden=\"true\">\
         <rect x=\"0\" y=\"0\" width=\"100\" height=\"10\" fill=\"#fff\" stroke=\"#888\" stroke-width=\"0.5\"/>\
         <rect x=\"0\" y=\"0\" width=\"{w:.2}\" height=\"10\" fill=\"#333\"/></svg>"
    )
}

/// A self-contained printable A4 page: no script, no external resource.
pub fn html(r: &Report) -> String {
    let mut o = String::new();
    let title = format!(
        "Rapport d'activité du {} au {}",
        format_date(r.period.du),
        format_date(r.period.au)
    );
    o.push_str("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n");
    o.push_str(&format!("<title>{}</title>\n", esc(&title)));
    o.push_str(
        "<style>\n@page { size: A4; margin: 15mm; }\n\
         body { font-family: sans-serif; font-size: 10.5pt; color: #000; max-width: 180mm; margin: 0 auto; }\n\
         h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 12pt; margin: 14pt 0 4pt; break-after: avoid; page-break-after: avoid; }\n\
         header p { margin: 2pt 0; }\n\
         table { border-collapse: collapse; width: 100%; page-break-inside: avoid; }\n\
         th, td { border-bottom: 1px solid #bbb; padding: 2pt 4pt; text-align: right; vertical-align: middle; }\n\
         td + td, th + th { white-space: nowrap; }\n\
         th:first-child, td:first-child { text-align: left; }\n\
         tr.subtotal td { font-weight: bold; } tr.total td { font-weight: bold; border-top: 2px solid #000; }\n\
         td.indent { padding-left: 14pt; } svg.bar { margin-left: 6pt; vertical-align: middle; }\n\
         .empty { border: 1px solid #000; padding: 6pt; } dl dt { font-weight: bold; } dl dd { margin: 0 0 4pt 10pt; }\n\
         </style>\n</head>\n<body>\n",
    );
    o.push_str("<header>\n<h1>Rapport d'activité</h1>\n");
    for l in header_lines(r) {
        let class = if l == EMPTY_PERIOD {
            " class=\"empty\""
        } else {
            ""
        };
        o.push_str(&format!("<p{class}>{}</p>\n", esc(&l)));
    }
    o.push_str("</header>\n");
    for t in &r.tables {
        o.push_str(&format!(
            "<h2>{}</h2>\n<table>\n<thead><tr><th></th>",
            esc(&t.title)
        ));
        for c in &t.columns {
            o.push_str(&format!("<th>{}</th>", esc(c)));
        }
        o.push_str("</tr></thead>\n<tbody>\n");
        for row in &t.rows {
            let class = match row.kind {
                RowKind::Normal => "",
                RowKind::Subtotal => " class=\"subtotal\"",
                RowKind::Total => " class=\"total\"",
            };
            let indent = if row.label.starts_with(' ') {
                " class=\"indent\""
            } else {
                ""
            };
            o.push_str(&format!(
                "<tr{class}><td{indent}>{}</td>",
                esc(row.label.trim())
            ));
            for cell in &row.cells {
                let svg = match cell {
                    Cell::Share { n, of } => bar(*n, *of),
                    _ => String::new(),
                };
                o.push_str(&format!("<td>{}{svg}</td>", esc(&cell.text())));
            }
            o.push_str("</tr>\n");
        }
        o.push_str("</tbody>\n</table>\n");
    }
    if !r.unavailable.is_empty() {
        o.push_str(&format!("<p>{}</p>\n", esc(&r.unavailable)));
    }
    o.push_str("<h2>À vérifier</h2>\n<ul>\n");
    if r.to_check.is_empty() {
        o.push_str("<li>Rien à signaler</li>\n");
    }
    for c in &r.to_check {
        o.push_str(&format!("<li>{}</li>\n", esc(c)));
    }
    o.push_str("</ul>\n<h2>Définitions</h2>\n<dl>\n");
    for (k, v) in &r.definitions {
        o.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(k), esc(v)));
    }
    o.push_str("</dl>\n</body>\n</html>\n");
    o
}
