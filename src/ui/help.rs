use super::{centered, popup, style};
use crate::app::keys::{Action, Context as C};
use crate::app::App;
use crate::text::truncate_width;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// The help overlay, generated from the same key table as the bottom bar: the keys of the
/// screen, then those of the search line, of forms and of text entry, then of this help.
pub fn draw(frame: &mut Frame, app: &App, scroll: usize) {
    let area = centered(frame.area(), 90, frame.area().height.saturating_sub(2));
    let title = format!(
        "Aide — toutes les touches ({} pour fermer)",
        app.keymap.key_label(C::Help, Action::Back)
    );
    let (block, inner) = popup(frame, area, &title);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    let mut contexts = app.contexts();
    // Also list the other panes' keys when in a file: everything is one key away.
    if app.screen == crate::app::Screen::File {
        for c in [
            C::Diagnostic,
            C::Barriers,
            C::Plan,
            C::Appointments,
            C::Journal,
            C::Parcours,
        ] {
            if !contexts.contains(&c) {
                contexts.push(c);
            }
        }
    }
    if app.screen == crate::app::Screen::Caseload {
        contexts.push(C::Search);
    }
    contexts.extend([
        C::Form,
        C::Multiline,
        C::Completion,
        C::Choice,
        C::Edit,
        C::Help,
    ]);
    let w = inner.width as usize;
    for (title, rows) in app.keymap.help(&contexts) {
        lines.push(Line::from(Span::styled(title.to_string(), style::title())));
        for (keys, help) in rows {
            let help = Span::raw(truncate_width(&help, w.saturating_sub(20)));
            if keys.width() <= 18 {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {keys:<18}"), style::warn()),
                    help,
                ]));
            } else {
                // A long key list gets its own line; the text stays in its column.
                lines.push(Line::from(Span::styled(
                    format!("  {}", truncate_width(&keys, w.saturating_sub(2))),
                    style::warn(),
                )));
                lines.push(Line::from(vec![Span::raw(" ".repeat(20)), help]));
            }
        }
        lines.push(Line::from(""));
    }
    let max = lines.len().saturating_sub(inner.height as usize);
    let scroll = scroll.min(max);
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}
