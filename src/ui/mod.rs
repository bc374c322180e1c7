//! Views: pure functions of the application state (no I/O, no mutation).

mod admin;
mod caseload;
mod eligibility;
mod file;
mod form;
mod help;
mod import;
pub mod login;
mod report;
mod sessions;
pub mod style;
mod today;

use crate::app::keys::Context;
use crate::app::{App, Overlay, Screen, StatusKind};
use crate::text::truncate_width;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Below this size nothing but a message is drawn.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// True when a `width`×`height` screen only shows « Fenêtre trop petite » (the views draw
/// nothing else, and the session ignores the keys then, except quit and lock).
pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if too_small(area.width, area.height) {
        draw_too_small(frame, area);
        return;
    }
    let [top, main, status, bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_top(frame, app, top);
    match app.screen {
        Screen::Caseload => caseload::draw(frame, app, main),
        Screen::Today => today::draw(frame, app, main),
        Screen::File => file::draw(frame, app, main),
        Screen::Retention => admin::draw_retention(frame, app, main),
        Screen::Audit => admin::draw_audit(frame, app, main),
        Screen::Sessions => sessions::draw_list(frame, app, main),
        Screen::Attendance => sessions::draw_attendance(frame, app, main),
        Screen::Enrol => sessions::draw_enrol(frame, app, main),
        Screen::Import => import::draw(frame, app, main),
        Screen::Report => report::draw(frame, app, main),
    }
    draw_status(frame, app, status);
    draw_bar(frame, app, bar);
    match &app.overlay {
        Some(Overlay::Help { scroll }) => help::draw(frame, app, *scroll),
        Some(Overlay::Form(f)) => form::draw(frame, app, f),
        None => {}
    }
}

pub use login::draw_shell;

pub(crate) fn draw_too_small(frame: &mut Frame, area: Rect) {
    let msg = format!(
        "Fenêtre trop petite ({}×{}) : agrandissez-la (minimum {MIN_WIDTH}×{MIN_HEIGHT}). Rien n'est perdu.",
        area.width, area.height
    );
    let p = Paragraph::new(msg)
        .wrap(Wrap { trim: true })
        .alignment(Alignment::Center);
    frame.render_widget(p, area);
}

fn draw_top(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(since) = app.offline {
        // Where the eye goes first; the rest of the screen (a form being typed) stays.
        let at = since.format("%Hh%M");
        let long = format!(
            " Serveur injoignable depuis {at} : reconnexion automatique… Votre saisie est gardée, rien n'est perdu."
        );
        // At 80 columns the whole promise still fits.
        let msg = if long.chars().count() <= area.width as usize {
            long
        } else {
            format!(" Serveur injoignable ({at}) : reconnexion… Saisie gardée, rien n'est perdu.")
        };
        frame.render_widget(
            Paragraph::new(truncate_width(&msg, area.width as usize)).style(style::banner()),
            area,
        );
        return;
    }
    let screen = match app.screen {
        Screen::Caseload => "File active",
        Screen::Today => "Aujourd'hui",
        Screen::File => "Dossier",
        Screen::Retention => "Conservation des dossiers",
        Screen::Audit => "Journal d'audit",
        Screen::Sessions => "Actions collectives",
        Screen::Attendance => "Présences",
        Screen::Enrol => "Inscription",
        Screen::Import => "Import d'une liste",
        Screen::Report => "Rapport d'activité",
    };
    let now = app.clock.now();
    let date = format!(
        "{} {}",
        crate::dates::weekday_fr(now.date()),
        now.format("%d/%m/%Y %Hh%M")
    );
    let left = format!(" parcours · {screen}");
    let right = if app.me.trim().is_empty() {
        format!("{date} ")
    } else {
        format!("{} · {} ", app.me, date)
    };
    let room = (area.width as usize).saturating_sub(left.chars().count() + 1);
    let right = truncate_width(&right, room);
    let pad = (area.width as usize).saturating_sub(
        left.chars().count() + unicode_width::UnicodeWidthStr::width(right.as_str()),
    );
    let line = Line::from(vec![
        Span::styled(left, style::title()),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, style::dim()),
    ]);
    frame.render_widget(
        Paragraph::new(line).style(
            ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::REVERSED),
        ),
        area,
    );
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(s) = &app.status {
        let st = match s.kind {
            StatusKind::Error => style::error_line(),
            StatusKind::Info => style::info_line(),
        };
        let text = truncate_width(&format!(" {}", s.text), area.width as usize);
        frame.render_widget(Paragraph::new(text).style(st), area);
    }
}

/// The bottom line: main keys of the focused context, from the key table.
fn draw_bar(frame: &mut Frame, app: &App, area: Rect) {
    let mut spans = Vec::new();
    let entries: Vec<(String, &str)> = match &app.overlay {
        Some(Overlay::Form(f)) => form::bar(&app.keymap, f),
        Some(Overlay::Help { .. }) => app.keymap.bar(&[Context::Help]),
        None if app.screen == Screen::Caseload && app.caseload.searching => {
            app.keymap.bar(&[Context::Search])
        }
        None => app.keymap.bar(&app.contexts()),
    };
    let mut used = 0usize;
    for (k, label) in entries {
        let w = k.chars().count() + label.chars().count() + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(format!(" {k} "), style::key()));
        spans.push(Span::raw(format!("{label} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clears an area for a popup and returns its bordered block.
pub(crate) fn popup<'a>(frame: &mut Frame, area: Rect, title: &'a str) -> (Block<'a>, Rect) {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .title(Span::styled(format!(" {title} "), style::title()))
        .border_style(style::focused_border());
    let inner = block.inner(area);
    (block, inner)
}

/// First visible row so that `selected` stays inside a window of `height` rows.
pub(crate) fn scroll_offset(selected: usize, height: usize) -> usize {
    if height == 0 || selected < height {
        0
    } else {
        selected + 1 - height
    }
}
