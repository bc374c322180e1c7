//! Admin views: the retention view (files past the 2-year retention period) and the audit
//! log. Pure functions of the state; the audit view shows who, when, what record: never
//! any content.

use super::{scroll_offset, style};
use crate::app::admin::{action_label, kind_label, AUDIT_LIMIT};
use crate::app::App;
use crate::dates::format_date;
use crate::text::truncate_width;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

pub fn draw_retention(frame: &mut Frame, app: &App, area: Rect) {
    let r = &app.retention;
    let [intro, table] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    let archived = r.rows.iter().filter(|x| x.archived_at.is_some()).count();
    let text = format!(
        " {} dossier{} sans contact depuis plus de 2 ans (dont {archived} archivé{}). Référentiel CNIL : 2 ans après le dernier contact, puis archivage à accès restreint, puis effacement.",
        r.rows.len(),
        if r.rows.len() > 1 { "s" } else { "" },
        if archived > 1 { "s" } else { "" },
    );
    frame.render_widget(
        Paragraph::new(text)
            .style(style::dim())
            .wrap(Wrap { trim: true }),
        intro,
    );
    let block = Block::bordered()
        .border_style(style::border())
        .title(Span::styled(" Conservation des dossiers ", style::title()));
    if r.rows.is_empty() {
        frame.render_widget(
            Paragraph::new("Aucun dossier au-delà de la durée de conservation.").block(block),
            table,
        );
        return;
    }
    let height = table.height.saturating_sub(3) as usize;
    let offset = scroll_offset(r.selected, height);
    // Narrow screens keep what decides: who, since when, archived or not.
    let wide = table.width >= 96;
    let rows: Vec<Row> = r
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, x)| {
            let archived = x
                .archived_at
                .map(|a| {
                    if wide {
                        format!("archivé le {}", format_date(a.date()))
                    } else {
                        "archivé".to_string()
                    }
                })
                .unwrap_or_default();
            let mut cells = vec![
                Cell::from(x.dossier.clone()),
                Cell::from(x.name.clone()),
                Cell::from(format_date(x.last_contact)),
            ];
            if wide {
                cells.push(Cell::from(x.basis.label()));
                cells.push(Cell::from(if x.open { "en cours" } else { "sorti·e" }));
            }
            cells.push(Cell::from(archived));
            let mut row = Row::new(cells);
            if i == r.selected {
                row = row.style(style::selected());
            } else if x.archived_at.is_some() {
                row = row.style(style::dim());
            }
            row
        })
        .collect();
    let (header, widths) = if wide {
        (
            vec![
                "N° dossier",
                "Nom",
                "Dernier contact",
                "Daté par",
                "Suivi",
                "Archivage",
            ],
            vec![
                Constraint::Length(10),
                Constraint::Fill(1),
                Constraint::Length(15),
                Constraint::Length(21),
                Constraint::Length(8),
                Constraint::Length(21),
            ],
        )
    } else {
        (
            vec!["N° dossier", "Nom", "Contact", ""],
            vec![
                Constraint::Length(10),
                Constraint::Fill(1),
                Constraint::Length(10),
                Constraint::Length(7),
            ],
        )
    };
    let t = Table::new(rows, widths)
        .header(Row::new(header).style(style::title()))
        .block(block)
        .column_spacing(1);
    frame.render_widget(t, table);
}

pub fn draw_audit(frame: &mut Frame, app: &App, area: Rect) {
    let a = &app.audit;
    let [filters, table] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let actor = a.actor.as_deref().unwrap_or("tous");
    let action = a.action.as_deref().map(action_label).unwrap_or("toutes");
    let count = if a.entries.len() >= AUDIT_LIMIT {
        format!("les {AUDIT_LIMIT} plus récentes")
    } else {
        format!(
            "{} entrée{}",
            a.entries.len(),
            if a.entries.len() > 1 { "s" } else { "" }
        )
    };
    let line = format!(
        " compte : {actor} · action : {action} · {count} · conservé 12 mois, jamais de contenu"
    );
    frame.render_widget(
        Paragraph::new(truncate_width(&line, filters.width as usize)).style(style::dim()),
        filters,
    );
    let block = Block::bordered()
        .border_style(style::border())
        .title(Span::styled(" Journal d'audit ", style::title()));
    if a.entries.is_empty() {
        frame.render_widget(
            Paragraph::new("Aucune entrée avec ces filtres.").block(block),
            table,
        );
        return;
    }
    let height = table.height.saturating_sub(3) as usize;
    let offset = scroll_offset(a.selected, height);
    let wide = table.width >= 96;
    let rows: Vec<Row> = a
        .entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, e)| {
            let mut record = match (&e.record_kind, e.record_id) {
                (Some(k), Some(id)) => format!("{} #{id}", kind_label(k)),
                (Some(k), None) => kind_label(k).to_string(),
                _ => String::new(),
            };
            let person = e.person_id.map(|p| format!("#{p}")).unwrap_or_default();
            let mut cells = vec![
                Cell::from(
                    e.at.format(if wide {
                        "%d/%m/%Y %H:%M:%S"
                    } else {
                        "%d/%m/%y %H:%M"
                    })
                    .to_string(),
                ),
                Cell::from(e.actor.clone()),
                Cell::from(action_label(&e.action).to_string()),
            ];
            if wide {
                cells.push(Cell::from(record));
                cells.push(Cell::from(person));
            } else {
                if e.person_id.is_some() && e.person_id != e.record_id {
                    record.push_str(&format!(" (pers. {person})"));
                }
                cells.push(Cell::from(record));
            }
            let mut row = Row::new(cells);
            if i == a.selected {
                row = row.style(style::selected());
            }
            row
        })
        .collect();
    let (header, widths) = if wide {
        (
            vec!["Date", "Compte", "Action", "Fiche", "Personne"],
            vec![
                Constraint::Length(19),
                Constraint::Length(16),
                Constraint::Length(19),
                Constraint::Fill(1),
                Constraint::Length(10),
            ],
        )
    } else {
        (
            vec!["Date", "Compte", "Action", "Fiche"],
            vec![
                Constraint::Length(14),
                Constraint::Length(10),
                Constraint::Length(13),
                Constraint::Fill(1),
            ],
        )
    };
    let t = Table::new(rows, widths)
        .header(Row::new(header).style(style::title()))
        .block(block)
        .column_spacing(1);
    frame.render_widget(t, table);
}
