//! Styles, limited to the 16 ANSI colours (old terminals, Windows console). Meaning is never
//! carried by colour alone: every level and alert also has a glyph and a word.

use ratatui::style::{Color, Modifier, Style};

pub fn title() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

pub fn selected() -> Style {
    Style::default()
        .bg(Color::Blue)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD)
}

/// Selection in a pane that does not have the focus.
pub fn selected_unfocused() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

pub fn focused_border() -> Style {
    Style::default()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}

pub fn border() -> Style {
    Style::default().fg(Color::Gray)
}

pub fn alert() -> Style {
    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn ok() -> Style {
    Style::default().fg(Color::Green)
}

pub fn warn() -> Style {
    Style::default().fg(Color::Yellow)
}

pub fn highlight() -> Style {
    Style::default()
        .fg(Color::Yellow)
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

pub fn key() -> Style {
    Style::default()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}

pub fn error_line() -> Style {
    Style::default()
        .fg(Color::White)
        .bg(Color::Red)
        .add_modifier(Modifier::BOLD)
}

pub fn info_line() -> Style {
    Style::default().fg(Color::Black).bg(Color::Green)
}

/// Colour of a diagnostic level by its rank (0 non abordé ... 4 obstacle majeur).
pub fn level(rank: u8) -> Style {
    match rank {
        0 => dim(),
        1 => Style::default().fg(Color::Green),
        2 => Style::default().fg(Color::Yellow),
        3 => Style::default().fg(Color::LightRed),
        _ => Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

/// The top line while the shared server is out of reach.
pub fn banner() -> Style {
    error_line()
}
