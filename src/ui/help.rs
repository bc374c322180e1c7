use super::{centered, popup, style};
use crate::app::App;
use crate::text::truncate_width;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The help overlay, generated from the same key table as the bottom bar.
pub fn draw(frame: &mut Frame, app: &App, scroll: usize) {
    let area = centered(frame.area(), 90, frame.area().height.saturating_sub(2));
    let (block, inner) = popup(frame, area, "Aide — toutes les touches (Échap pour fermer)");
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    let mut contexts = app.contexts();
    // Also list the other panes' keys when in a file: everything is one key away.
    if app.screen == crate::app::Screen::File {
        use crate::app::keys::Context as C;
        for c in [
            C::Diagnostic,
            C::Barriers,
            C::Plan,
            C::Appointments,
            C::Journal,
        ] {
            if !contexts.contains(&c) {
                contexts.push(c);
            }
        }
    }
    let w = inner.width as usize;
    for (title, rows) in app.keymap.help(&contexts) {
        lines.push(Line::from(Span::styled(title.to_string(), style::title())));
        for (keys, help) in rows {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<18}", truncate_width(&keys, 18)),
                    style::warn(),
                ),
                Span::raw(truncate_width(help, w.saturating_sub(20))),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Dans un formulaire",
        style::title(),
    )));
    for (k, h) in [
        ("Entrée", "champ suivant (enregistre sur le dernier champ)"),
        ("F10 / Ctrl+S", "enregistrer le formulaire"),
        ("Échap", "annuler sans rien modifier"),
        ("Tab / Maj+Tab", "champ suivant / précédent"),
        ("← → Espace", "changer un choix, cocher"),
        ("Ctrl+← →", "mot précédent / suivant"),
        ("Ctrl+W / Ctrl+U", "effacer le mot / le champ"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<18}"), style::warn()),
            Span::raw(h),
        ]));
    }
    let max = lines.len().saturating_sub(inner.height as usize);
    let scroll = scroll.min(max);
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}
