//! The activity report screen: the header (period, filters, structure, occupation), two
//! bar charts (exits by group, appointments by status) whose labels carry the counts
//! (right-aligned) and percentages, a sparkline of the honoured appointments per month
//! whose title says what it shows with its minimum, maximum and total, and the report's
//! tables below, scrolled. Pure: it reads `App::report`.

use super::style;
use crate::app::report::{body_lines, ReportState};
use crate::app::App;
use crate::report::{percent, Cell, Report, RowKind, Table};
use crate::text::truncate_width;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Block, Borders, Paragraph, Sparkline, Wrap};
use ratatui::Frame;

/// Rows of the appointments chart: (row label in table 3, short label).
const APPOINTMENT_BARS: &[(&str, &str)] = &[
    ("Réalisés (honorés) : taux de présence", "Honorés"),
    ("Excusés", "Excusés"),
    ("Absents non excusés", "Absents"),
];

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(st) = &app.report else {
        return;
    };
    let Some(r) = &st.report else {
        frame.render_widget(
            Paragraph::new("Le rapport n'a pas pu être calculé (voir la ligne d'état).")
                .block(Block::bordered().border_style(style::border())),
            area,
        );
        return;
    };
    let header = header_lines(r);
    let header_h = if area.width >= 100 { 2 } else { 3 };
    // Charts: 4 bars (or 5 exit groups) plus the borders.
    let charts_h = if area.height >= 30 { 9 } else { 7 };
    let [head, charts, tables] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Length(charts_h),
        Constraint::Min(3),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(header.join(" · "))
            .style(style::dim())
            .wrap(Wrap { trim: true }),
        head,
    );
    draw_charts(frame, r, charts);
    draw_tables(frame, st, r, tables);
}

/// The header of the report as one line each (period, filters, structure, occupation).
fn header_lines(r: &Report) -> Vec<String> {
    let mut v = vec![format!(
        " Du {} au {} · dispositif : {} · référent·e : {}",
        crate::dates::format_date(r.period.du),
        crate::dates::format_date(r.period.au),
        r.dispositif_label,
        r.referent_label
    )];
    if !r.structure.is_empty() {
        v.push(r.structure.clone());
    }
    if !r.occupation.is_empty() {
        let occ: Vec<String> = r.occupation.iter().map(|o| o.text()).collect();
        v.push(format!("occupation : {}", occ.join(", ")));
    }
    if r.empty {
        v.push("aucune donnée pour cette période".into());
    }
    v
}

fn table<'a>(r: &'a Report, prefix: &str) -> Option<&'a Table> {
    r.tables.iter().find(|t| t.title.starts_with(prefix))
}

/// The first cell of a row as (count, out of), for a bar.
fn figure(c: Option<&Cell>) -> Option<(u64, u64)> {
    match c? {
        Cell::Share { n, of } => Some((*n, *of)),
        Cell::Count(n) => Some((*n, 0)),
        _ => None,
    }
}

/// A bar whose label carries its count and percentage: the bar never says anything alone.
/// Counts are right-aligned on the widest (3 digits at least).
fn labelled_bars(items: &[(String, u64, u64)], label_w: usize) -> Vec<Bar<'static>> {
    let count_w = items
        .iter()
        .map(|(_, n, _)| n.to_string().len())
        .max()
        .unwrap_or(0)
        .max(3);
    let name_w = items
        .iter()
        .map(|(l, ..)| unicode_width::UnicodeWidthStr::width(l.as_str()))
        .max()
        .unwrap_or(0)
        .min(label_w.saturating_sub(9 + count_w));
    items
        .iter()
        .map(|(label, n, of)| {
            let pct = percent(*n, *of)
                .map(|p| format!("{p} %"))
                .unwrap_or_else(|| "—".into());
            let name = truncate_width(label, name_w);
            let pad = name_w.saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str()));
            Bar::default()
                .value(*n)
                .label(Line::from(format!(
                    "{name}{} {n:>count_w$} {pct:>8}",
                    " ".repeat(pad)
                )))
                .text_value(String::new())
        })
        .collect()
}

fn chart<'a>(title: &'a str, bars: Vec<Bar<'a>>) -> BarChart<'a> {
    BarChart::default()
        .block(
            Block::bordered()
                .border_style(style::border())
                .title(Span::styled(format!(" {title} "), style::title())),
        )
        .direction(Direction::Horizontal)
        .bar_width(1)
        .bar_gap(0)
        .data(ratatui::widgets::BarGroup::default().bars(&bars))
}

fn draw_charts(frame: &mut Frame, r: &Report, area: Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    // Exits by group (table 2, period column): the group sub-totals.
    let exits: Vec<(String, u64, u64)> = table(r, "2.")
        .map(|t| {
            t.rows
                .iter()
                .filter(|row| row.kind == RowKind::Subtotal)
                .filter_map(|row| {
                    figure(row.cells.first()).map(|(n, of)| (row.label.trim().to_string(), n, of))
                })
                .collect()
        })
        .unwrap_or_default();
    let bars = labelled_bars(&exits, (left.width as usize).saturating_sub(10));
    if bars.is_empty() {
        frame.render_widget(Paragraph::new(" Sorties : aucune"), left);
    } else {
        frame.render_widget(chart("Sorties de la période", bars), left);
    }
    let appts: Vec<(String, u64, u64)> = table(r, "3. ")
        .map(|t| {
            APPOINTMENT_BARS
                .iter()
                .filter_map(|(label, short)| {
                    t.row(label)
                        .and_then(|row| figure(row.cells.first()))
                        .map(|(n, of)| (short.to_string(), n, of))
                })
                .collect()
        })
        .unwrap_or_default();
    // The appointments' bars (and their borders) on top, the monthly sparkline below.
    let bars_h = (appts.len() as u16 + 2).min(right.height);
    let [bars_area, spark_area] =
        Layout::vertical([Constraint::Length(bars_h), Constraint::Min(0)]).areas(right);
    let bars = labelled_bars(&appts, (right.width as usize).saturating_sub(8));
    if bars.is_empty() {
        frame.render_widget(Paragraph::new(" Rendez-vous : aucun"), bars_area);
    } else {
        frame.render_widget(chart("Rendez-vous proposés", bars), bars_area);
    }
    draw_sparkline(frame, &r.honoured_per_month, spark_area);
}

/// The sparkline's title: what it shows, with its minimum, maximum and total, as long as
/// `width` allows.
pub fn sparkline_title(months: &[(chrono::NaiveDate, u64)], width: usize) -> String {
    let values = months.iter().map(|(_, n)| *n);
    let (min, max) = (
        values.clone().min().unwrap_or(0),
        values.clone().max().unwrap_or(0),
    );
    let total: u64 = values.sum();
    // The title's two spaces and the box's two corners.
    let fits = |s: &String| unicode_width::UnicodeWidthStr::width(s.as_str()) + 4 <= width;
    [
        format!("Rendez-vous honorés par mois : min {min}, max {max}, total {total}"),
        format!("Honorés par mois : min {min}, max {max}, total {total}"),
        format!("Honorés/mois : {min} à {max}, total {total}"),
        format!("Honorés/mois : {min} à {max}"),
        format!("Honorés/mois : max {max}"),
    ]
    .into_iter()
    .find(fits)
    .unwrap_or_else(|| truncate_width("Honorés/mois", width.saturating_sub(4)))
}

/// Honoured appointments per month: a titled sparkline (each month as wide as the area
/// allows), with the months' initials under it when there is room. With more months than
/// columns, the last months that fit are shown and the title says how many.
fn draw_sparkline(frame: &mut Frame, months: &[(chrono::NaiveDate, u64)], area: Rect) {
    if area.height < 2 || area.width < 4 {
        return;
    }
    // Four rows or more: a full box (sparkline and the months' initials); fewer: the top
    // border carries the title.
    let block = if area.height >= 4 {
        Block::bordered()
    } else {
        Block::new().borders(Borders::TOP)
    }
    .border_style(style::border());
    let inner_w = block.inner(area).width as usize;
    let shown = &months[months.len().saturating_sub(inner_w.max(1))..];
    // More months than columns: the title says how many are shown, its figures in the rest.
    let suffix = if shown.len() < months.len() {
        format!(" ({} derniers mois)", shown.len())
    } else {
        String::new()
    };
    let title = format!(
        "{}{suffix}",
        sparkline_title(
            shown,
            (area.width as usize).saturating_sub(suffix.chars().count())
        )
    );
    let block = block.title(Span::styled(format!(" {title} "), style::title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let per = (inner.width as usize / shown.len().max(1)).max(1);
    let data: Vec<u64> = shown
        .iter()
        .flat_map(|(_, n)| std::iter::repeat_n(*n, per))
        .collect();
    let axis = inner.height >= 2;
    let [spark, names] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(if axis { 1 } else { 0 }),
    ])
    .areas(inner);
    frame.render_widget(
        Sparkline::default().data(&data).style(style::title()),
        spark,
    );
    if axis {
        let initials: String = shown
            .iter()
            .map(|(d, _)| {
                let i = "JFMAMJJASOND"
                    .chars()
                    .nth(chrono::Datelike::month0(d) as usize)
                    .unwrap_or(' ');
                format!("{i:<per$}")
            })
            .collect();
        frame.render_widget(Paragraph::new(initials).style(style::dim()), names);
    }
}

fn draw_tables(frame: &mut Frame, st: &ReportState, r: &Report, area: Rect) {
    let lines = body_lines(r);
    let titles: Vec<&str> = r.tables.iter().map(|t| t.title.as_str()).collect();
    let block = Block::bordered()
        .border_style(style::border())
        .title(Span::styled(" Tableaux ", style::title()));
    let inner = block.inner(area);
    let height = inner.height as usize;
    let offset = st.scroll.min(lines.len().saturating_sub(height));
    let shown: Vec<Line> = lines
        .iter()
        .skip(offset)
        .take(height)
        .map(|l| {
            let text = truncate_width(l, inner.width as usize);
            if titles.contains(&l.as_str()) || ["À vérifier", "Définitions"].contains(&l.as_str())
            {
                Line::from(Span::styled(
                    text,
                    style::title().add_modifier(Modifier::BOLD),
                ))
            } else {
                Line::from(Span::styled(text, Style::default()))
            }
        })
        .collect();
    let position = if lines.len() > height {
        format!(
            " lignes {}–{} sur {} ",
            offset + 1,
            (offset + height).min(lines.len()),
            lines.len()
        )
    } else {
        String::new()
    };
    frame.render_widget(
        Paragraph::new(shown).block(block.title_bottom(Line::from(position).right_aligned())),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::sparkline_title;
    use chrono::NaiveDate;

    #[test]
    fn the_sparkline_title_keeps_its_figures_as_long_as_there_is_room() {
        let months: Vec<(NaiveDate, u64)> = [3, 0, 12_345, 7]
            .iter()
            .enumerate()
            .map(|(i, n)| (NaiveDate::from_ymd_opt(2025, i as u32 + 1, 1).unwrap(), *n))
            .collect();
        let full = "Rendez-vous honorés par mois : min 0, max 12345, total 12355";
        assert_eq!(sparkline_title(&months, 200), full);
        assert_eq!(
            sparkline_title(&months, 52),
            "Honorés par mois : min 0, max 12345, total 12355"
        );
        assert_eq!(
            sparkline_title(&months, 41),
            "Honorés/mois : 0 à 12345, total 12355"
        );
        assert_eq!(sparkline_title(&months, 30), "Honorés/mois : 0 à 12345");
        assert_eq!(sparkline_title(&months, 27), "Honorés/mois");
        // Every title fits its width with the box's corners and spaces.
        for w in 0..80 {
            let t = sparkline_title(&months, w);
            assert!(
                unicode_width::UnicodeWidthStr::width(t.as_str()) + 4 <= w.max(4) || w < 16,
                "{w}: {t}"
            );
        }
    }
}
