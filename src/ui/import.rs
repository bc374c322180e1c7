//! The import screen: the path being typed (with its completions), then the preview of the
//! file (counts, each conflict and rejected line), then the gauge and the result. Keys are
//! named from the key table.

use super::style;
use crate::app::import::SHOWN_COMPLETIONS;
use crate::app::keys::{Action, Context};
use crate::app::App;
use crate::text::truncate_width;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let st = &app.import;
    let key = |a: Action| app.keymap.key_label(Context::Import, a);
    let [intro, path, body] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(3),
        Constraint::Min(1),
    ])
    .areas(area);
    let intro_text = if st.done.is_some() {
        format!(" {} pour revenir à la file active.", key(Action::Submit))
    } else if st.plan.is_some() {
        format!(
            " Aperçu : rien n'est encore importé. {} importe tout en une fois (conflits et lignes rejetées laissés de côté), {} revient au chemin.",
            key(Action::Submit),
            key(Action::Back)
        )
    } else {
        format!(
            " Liste d'orientation (CSV, XLSX, XLS, ODS) : tapez le chemin du fichier, {} pour compléter, {} pour l'aperçu.",
            key(Action::Complete),
            key(Action::Submit)
        )
    };
    frame.render_widget(
        Paragraph::new(intro_text)
            .style(style::dim())
            .wrap(Wrap { trim: true }),
        intro,
    );
    draw_path(frame, app, path);
    if let Some(done) = &st.done {
        draw_done(frame, app, body, done);
    } else if let Some(plan) = &st.plan {
        draw_preview(frame, app, body, plan);
    } else {
        draw_completions(frame, app, body);
    }
}

fn draw_path(frame: &mut Frame, app: &App, area: Rect) {
    let st = &app.import;
    let entering = st.plan.is_none() && st.done.is_none();
    let block = Block::bordered()
        .border_style(if entering {
            style::focused_border()
        } else {
            style::border()
        })
        .title(Span::styled(" Fichier ", style::title()));
    let inner = block.inner(area);
    let text = st.path.text();
    frame.render_widget(
        Paragraph::new(truncate_width(&text, inner.width as usize)).block(block),
        area,
    );
    if entering {
        let before: String = text.chars().take(st.path.cursor()).collect();
        let x = inner.x + unicode_width::UnicodeWidthStr::width(before.as_str()) as u16;
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y));
    }
}

fn draw_completions(frame: &mut Frame, app: &App, area: Rect) {
    let st = &app.import;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &st.error {
        lines.push(Line::from(Span::styled(format!(" {e}"), style::alert())));
    }
    let n = st.completions.len();
    for c in st.completions.iter().take(SHOWN_COMPLETIONS) {
        lines.push(Line::from(format!("   {c}")));
    }
    if n > SHOWN_COMPLETIONS {
        lines.push(Line::from(Span::styled(
            format!(
                "   … et {} autre(s) : tapez la suite du nom",
                n - SHOWN_COMPLETIONS
            ),
            style::dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn draw_preview(frame: &mut Frame, app: &App, area: Rect, plan: &crate::import::Plan) {
    let block = Block::bordered()
        .border_style(style::focused_border())
        .title(Span::styled(
            format!(" Aperçu · {} · {} ", plan.file_name, plan.format),
            style::title(),
        ));
    let details = plan.details();
    let inner_h = area.height.saturating_sub(2) as usize;
    let max_scroll = details.len().saturating_sub(inner_h);
    let scroll = app.import.scroll.min(max_scroll);
    let lines: Vec<Line> = details
        .iter()
        .enumerate()
        .skip(scroll)
        .take(inner_h)
        .map(|(i, l)| {
            let st = if i == 0 {
                style::title()
            } else if l.contains(": conflit,") {
                style::warn()
            } else if l.contains(": rejetée,") {
                style::alert()
            } else {
                ratatui::style::Style::default()
            };
            Line::from(Span::styled(format!(" {l}"), st))
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn draw_done(frame: &mut Frame, app: &App, area: Rect, done: &str) {
    let [gauge, text] = Layout::vertical([Constraint::Length(3), Constraint::Min(1)]).areas(area);
    let (d, t) = app.import.progress.unwrap_or((0, 0));
    let ratio = if t == 0 { 1.0 } else { d as f64 / t as f64 };
    frame.render_widget(
        Gauge::default()
            .block(Block::bordered().border_style(style::border()))
            .gauge_style(style::ok())
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!("{d} / {t} enregistrements")),
        gauge,
    );
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {done}"), style::ok())).wrap(Wrap { trim: true }),
        text,
    );
}
