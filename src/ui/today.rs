use super::{scroll_offset, style};
use crate::app::{App, TodayRow};
use crate::text::truncate_width;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let block = Block::bordered()
        .border_style(style::border())
        .title(Span::styled(" Aujourd'hui ", style::title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let t = &app.today;
    let h = inner.height as usize;
    let offset = scroll_offset(t.selected, h);
    let w = inner.width as usize;
    let lines: Vec<Line> = t
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, r)| match r {
            TodayRow::Header(s) => Line::from(Span::styled(truncate_width(s, w), style::title())),
            TodayRow::Empty(s) => Line::from(Span::styled(
                format!("  {}", truncate_width(s, w.saturating_sub(2))),
                style::dim(),
            )),
            TodayRow::Item {
                when,
                who,
                what,
                alert,
                ..
            } => {
                let who_w = 28.min(w / 3);
                let text = format!(
                    "  {:<17} {:<who_w$} {}",
                    truncate_width(when, 17),
                    truncate_width(who, who_w),
                    what
                );
                let text = truncate_width(&text, w);
                let st = if i == t.selected {
                    style::selected()
                } else if *alert {
                    style::warn()
                } else {
                    ratatui::style::Style::default()
                };
                Line::from(Span::styled(text, st))
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
