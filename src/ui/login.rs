//! The login / lock screen: nothing of the database is shown, only the form.

use super::form::{bar_entries, draw_form};
use super::{draw_too_small, style, too_small};
use crate::app::login::{LoginMode, LoginScreen, LOGIN_HINTS};
use crate::app::shell::{Phase, Shell};
use crate::text::truncate_width;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Draws the whole session: the login screen, or the application once logged in.
pub fn draw_shell(frame: &mut Frame, shell: &Shell) {
    match &shell.phase {
        Phase::Running(r) => super::draw(frame, &r.app),
        Phase::Login(l) => draw(frame, shell, l),
    }
}

pub fn draw(frame: &mut Frame, shell: &Shell, login: &LoginScreen) {
    let area = frame.area();
    if too_small(area.width, area.height) {
        draw_too_small(frame, area);
        return;
    }
    let [top, _main, status, bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_top(frame, shell, login, top);
    draw_form(frame, &login.form, &shell.keymap);
    let (text, st) = if login.busy {
        (
            "Vérification du mot de passe…".to_string(),
            style::info_line(),
        )
    } else if let Some(m) = login.wait_message(shell.clock.now(), &shell.keymap) {
        (m, style::error_line())
    } else if let Some(w) = shell.warnings().first() {
        (w.clone(), style::error_line())
    } else {
        (String::new(), Style::default())
    };
    if !text.is_empty() {
        frame.render_widget(
            Paragraph::new(truncate_width(&format!(" {text}"), status.width as usize)).style(st),
            status,
        );
    }
    let mut spans = Vec::new();
    for (k, label) in bar_entries(&shell.keymap, login.form.footer.unwrap_or(LOGIN_HINTS)) {
        spans.push(Span::styled(format!(" {k} "), style::key()));
        spans.push(Span::raw(format!(" {label} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), bar);
}

fn draw_top(frame: &mut Frame, shell: &Shell, login: &LoginScreen, area: Rect) {
    let what = match login.mode {
        LoginMode::FirstAccount { .. } => "Premier compte",
        LoginMode::Login => "Connexion",
        LoginMode::Unlock { .. } => "Écran verrouillé",
    };
    let now = shell.clock.now();
    let right = format!(
        "{} {} ",
        crate::dates::weekday_fr(now.date()),
        now.format("%d/%m/%Y %Hh%M")
    );
    let left = format!(" parcours · {what}");
    let pad = (area.width as usize).saturating_sub(left.chars().count() + right.chars().count());
    let line = Line::from(vec![
        Span::styled(left, style::title()),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, style::dim()),
    ]);
    frame.render_widget(
        Paragraph::new(line).style(Style::default().add_modifier(Modifier::REVERSED)),
        area,
    );
}
