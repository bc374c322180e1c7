use super::{centered, popup, style};
use crate::app::form::{Field, FieldKind, Form, Hint};
use crate::app::keys::{Action, Context, Keymap};
use crate::app::App;
use crate::text::truncate_width;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

const LABEL_W: usize = 22;

pub fn draw(frame: &mut Frame, app: &App, form: &Form) {
    draw_form(frame, form, &app.keymap);
}

use Action as A;
use Context as C;

/// Reminded under a form (all keys of each action): words from the table's bar labels.
const FOOTER: &[Hint] = &[
    (C::Form, A::NextOrSubmit, ""),
    (C::Form, A::Submit, ""),
    (C::Form, A::Cancel, ""),
];
/// In the bottom bar while a form is open (first key of each action).
const BAR: &[Hint] = &[
    (C::Form, A::NextOrSubmit, ""),
    (C::Form, A::Submit, ""),
    (C::Form, A::Cancel, ""),
    (C::Form, A::NextField, ""),
];
/// Under the form and in the bar while a multi-line field is focused.
const MULTILINE: &[Hint] = &[
    (C::Multiline, A::Newline, ""),
    (C::Form, A::NextField, ""),
    (C::Form, A::Submit, ""),
    (C::Form, A::Cancel, ""),
];

/// The same for a form adding to a list (see `Form::repeatable`): « save and add » too
/// (Tab last in the bar: a narrow bar leaves it out, the help names it).
const FOOTER_ADD: &[Hint] = &[
    (C::Form, A::NextOrSubmit, ""),
    (C::Form, A::Submit, ""),
    (C::Form, A::SubmitAndNew, ""),
    (C::Form, A::Cancel, ""),
];
const BAR_ADD: &[Hint] = &[
    (C::Form, A::NextOrSubmit, ""),
    (C::Form, A::Submit, ""),
    (C::Form, A::SubmitAndNew, ""),
    (C::Form, A::Cancel, ""),
    (C::Form, A::NextField, ""),
];

/// (footer hints, bar hints) for the form's focused field.
fn hints(form: &Form) -> (&'static [Hint], &'static [Hint]) {
    if let Some(h) = form.footer {
        return (h, h);
    }
    if form
        .focused()
        .is_some_and(|f| f.kind == FieldKind::Multiline)
    {
        (MULTILINE, MULTILINE)
    } else if form.repeatable() {
        (FOOTER_ADD, BAR_ADD)
    } else {
        (FOOTER, BAR)
    }
}

/// What a hint says: its own words, or the bar label of its binding in the table.
fn hint_text(keymap: &Keymap, (ctx, action, text): &Hint) -> &'static str {
    if text.is_empty() {
        keymap.bar_label(*ctx, *action)
    } else {
        text
    }
}

/// "Entrée : suivant · F10 / Ctrl+S : enregistrer · …" (every key of each action).
pub(crate) fn footer_line(keymap: &Keymap, hints: &[Hint]) -> String {
    let parts: Vec<String> = hints
        .iter()
        .map(|h| format!("{} : {}", keymap.keys_label(h.0, h.1), hint_text(keymap, h)))
        .collect();
    parts.join(" · ")
}

/// The same with only the first key of each action (« F10 : enregistrer »).
pub(crate) fn short_footer_line(keymap: &Keymap, hints: &[Hint]) -> String {
    let parts: Vec<String> = bar_entries(keymap, hints)
        .into_iter()
        .map(|(k, t)| format!("{k} : {t}"))
        .collect();
    parts.join(" · ")
}

/// The footer that fits on the popup's bottom border (`w` columns inside the corners):
/// every key, else the first key of each action; `None` when even that is too long (it
/// is then written inside the popup, wrapped, never cut).
fn footer_fitting(keymap: &Keymap, hints: &[Hint], w: usize) -> Result<String, String> {
    let full = footer_line(keymap, hints);
    if full.width() + 2 <= w {
        return Ok(full);
    }
    let short = short_footer_line(keymap, hints);
    if short.width() + 2 <= w {
        Ok(short)
    } else {
        Err(short)
    }
}

/// Bottom-bar entries (first key, words) for `hints`.
pub(crate) fn bar_entries(keymap: &Keymap, hints: &[Hint]) -> Vec<(String, &'static str)> {
    hints
        .iter()
        .map(|h| (keymap.key_label(h.0, h.1), hint_text(keymap, h)))
        .collect()
}

/// The bottom bar while `form` is open.
pub(crate) fn bar(keymap: &Keymap, form: &Form) -> Vec<(String, &'static str)> {
    bar_entries(keymap, hints(form).1)
}

/// A form as a centred popup (also used by the login screen, before any `App` exists).
pub fn draw_form(frame: &mut Frame, form: &Form, keymap: &Keymap) {
    let full = frame.area();
    let width = full.width.saturating_sub(4).min(84);
    let value_w = (width as usize).saturating_sub(LABEL_W + 3).max(8);

    // Build all rows, remembering where the focused field and the cursor are.
    let mut rows: Vec<Line> = Vec::new();
    let mut cursor: Option<(usize, usize)> = None;
    let mut focus_rows = (0, 0);
    if let Some(h) = &form.hint {
        for chunk in wrap(h, (width as usize).saturating_sub(2)) {
            rows.push(Line::from(Span::styled(chunk, style::warn())));
        }
        rows.push(Line::from(""));
    }
    if let Some(e) = &form.error {
        for chunk in wrap(e, (width as usize).saturating_sub(2)) {
            rows.push(Line::from(Span::styled(chunk, style::error_line())));
        }
    }
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let start = rows.len();
        let label = format!(
            "{}{}",
            truncate_width(&f.label, LABEL_W - 2),
            if f.required { " *" } else { "" }
        );
        let label_span = Span::styled(
            format!("{:>LABEL_W$} ", label),
            if focused {
                style::focused_border()
            } else {
                style::title()
            },
        );
        let (value_lines, cur) = value_rows(f, focused, value_w);
        for (j, v) in value_lines.into_iter().enumerate() {
            let lead = if j == 0 {
                label_span.clone()
            } else {
                Span::raw(" ".repeat(LABEL_W + 1))
            };
            rows.push(Line::from(vec![lead, v]));
        }
        if focused {
            if let Some((r, c)) = cur {
                cursor = Some((start + r, LABEL_W + 1 + c));
            }
        }
        if focused && f.kind == FieldKind::Completion {
            // The one name the text starts, taken when the field is left: an arrow says so.
            let taken = f.name_when_left();
            for (k, idx) in f.suggestions().iter().enumerate() {
                let st = if f.suggestion == Some(k) {
                    style::selected()
                } else {
                    style::dim()
                };
                let label = &f.choices[*idx].1;
                let lead = if taken.as_ref() == Some(label) {
                    "→ "
                } else {
                    "  "
                };
                rows.push(Line::from(vec![
                    Span::raw(" ".repeat(LABEL_W + 1)),
                    Span::styled(format!("{lead}{}", truncate_width(label, value_w - 2)), st),
                ]));
            }
        }
        if let Some(e) = &f.error {
            for chunk in wrap(&format!("⚠ {e}"), value_w) {
                rows.push(Line::from(vec![
                    Span::raw(" ".repeat(LABEL_W + 1)),
                    Span::styled(chunk, style::alert()),
                ]));
            }
        }
        if focused {
            focus_rows = (start, rows.len());
        }
    }
    let border_w = (width as usize).saturating_sub(2);
    // A footer too long for the border is wrapped between its hints: its last row goes on
    // the border, the others on the last rows inside. Never cut.
    let (footer, footer_rows) = match footer_fitting(keymap, hints(form).0, border_w) {
        Ok(text) => (text, Vec::new()),
        Err(text) => {
            let mut lines = wrap_hints(&text, border_w.saturating_sub(2));
            let last = lines.pop().unwrap_or_default();
            let inside: Vec<Line> = lines
                .into_iter()
                .map(|l| Line::from(Span::styled(l, style::dim())))
                .collect();
            (last, inside)
        }
    };
    let needed = (rows.len() + footer_rows.len()) as u16 + 3;
    let area = centered(full, width, needed.min(full.height.saturating_sub(2)));
    let (block, inner) = popup(frame, area, &form.title);
    let block = block.title_bottom(Span::styled(format!(" {footer} "), style::dim()));
    frame.render_widget(block, area);
    let inner = if footer_rows.is_empty() {
        inner
    } else {
        let n = (footer_rows.len() as u16).min(inner.height.saturating_sub(1));
        let [fields, foot] = ratatui::layout::Layout::vertical([
            ratatui::layout::Constraint::Min(1),
            ratatui::layout::Constraint::Length(n),
        ])
        .areas(inner);
        frame.render_widget(Paragraph::new(footer_rows), foot);
        fields
    };
    let h = inner.height as usize;
    // Keep the focused field (and its suggestions / error) in view.
    let mut off = 0;
    if focus_rows.1 > h {
        off = focus_rows.1 - h;
    }
    if focus_rows.0 < off {
        off = focus_rows.0;
    }
    let visible: Vec<Line> = rows.into_iter().skip(off).take(h).collect();
    frame.render_widget(Paragraph::new(visible), inner);
    if let Some((r, c)) = cursor {
        if r >= off && r < off + h {
            let x = inner.x + (c as u16).min(inner.width.saturating_sub(1));
            frame.set_cursor_position((x, inner.y + (r - off) as u16));
        }
    }
}

/// A field's display rows, with the cursor (row, column) when it has one.
type ValueRows = (Vec<Span<'static>>, Option<(usize, usize)>);

/// The value of a field as display rows, with the cursor (row, column) when it has one.
fn value_rows(f: &Field, focused: bool, w: usize) -> ValueRows {
    match f.kind {
        FieldKind::Choice => choice_rows(f, focused, w),
        FieldKind::Check => {
            let text = if f.is_checked() { "[x] oui" } else { "[ ] non" };
            (vec![Span::raw(text)], None)
        }
        FieldKind::Password => password_rows(f, focused, w),
        FieldKind::MultiCheck => multi_check_rows(f, focused, w),
        FieldKind::Multiline if focused => multiline_focused_rows(f, w),
        FieldKind::Multiline => multiline_summary_rows(f, w),
        _ => {
            let (shown, c) = slide(&f.input.text(), f.input.cursor(), w);
            (
                vec![Span::styled(shown, focus_style(focused))],
                if focused { Some((0, c)) } else { None },
            )
        }
    }
}

/// The value's style: highlighted while the field has the focus.
fn focus_style(focused: bool) -> Style {
    if focused {
        style::warn()
    } else {
        Default::default()
    }
}

/// A choice: its label, between arrows while focused.
fn choice_rows(f: &Field, focused: bool, w: usize) -> ValueRows {
    let label = f
        .choices
        .get(f.choice)
        .map(|c| c.1.clone())
        .unwrap_or_default();
    let text = if focused {
        format!("◂ {label} ▸")
    } else {
        label
    };
    (
        vec![Span::styled(truncate_width(&text, w), focus_style(focused))],
        None,
    )
}

/// A password: never the text, one dot per character, the cursor among them.
fn password_rows(f: &Field, focused: bool, w: usize) -> ValueRows {
    let n = f.input.len();
    let dots = "•".repeat(n.min(w.saturating_sub(1)));
    let cur = f.input.cursor().min(dots.chars().count());
    (
        vec![Span::styled(dots, focus_style(focused))],
        if focused { Some((0, cur)) } else { None },
    )
}

/// Check boxes: items flow over as many rows as needed.
fn multi_check_rows(f: &Field, focused: bool, w: usize) -> ValueRows {
    let mut rows: Vec<String> = vec![String::new()];
    let mut cursor = None;
    for (i, (_, label)) in f.choices.iter().enumerate() {
        let mark = if f.checked.get(i).copied().unwrap_or(false) {
            "[x]"
        } else {
            "[ ]"
        };
        let item = format!("{mark} {label}  ");
        let last = rows.last_mut().expect("one row");
        if last.width() + item.width() > w && !last.is_empty() {
            rows.push(String::new());
        }
        let row = rows.len() - 1;
        let last = rows.last_mut().expect("one row");
        if focused && i == f.choice {
            cursor = Some((row, last.width() + 1));
        }
        last.push_str(&item);
    }
    (rows.into_iter().map(Span::raw).collect(), cursor)
}

/// A multiline text out of focus: its first line and how many lines there are.
fn multiline_summary_rows(f: &Field, w: usize) -> ValueRows {
    let text = f.input.text();
    let lines: Vec<&str> = text.split('\n').collect();
    let first = lines.first().copied().unwrap_or("");
    let more = if lines.len() > 1 || first.width() > w {
        format!(" … ({} lignes)", lines.len())
    } else {
        String::new()
    };
    let shown = truncate_width(first, w.saturating_sub(more.width()));
    (vec![Span::raw(format!("{shown}{more}"))], None)
}

/// A focused multiline text: long lines are soft-wrapped to the field's width; a window of
/// up to 8 rows follows the cursor.
fn multiline_focused_rows(f: &Field, w: usize) -> ValueRows {
    let text = f.input.text();
    let (line, col) = f.input.cursor_line_col();
    let (rows, cur_row) = soft_wrap(&text, line, col, w);
    let win = 8usize;
    let first = cur_row.0.saturating_sub(win - 1);
    let mut out: Vec<Span> = rows
        .into_iter()
        .skip(first)
        .take(win)
        .map(|r| Span::styled(r, style::warn()))
        .collect();
    let cur = Some((cur_row.0 - first, cur_row.1));
    // A writing area, not a one-line box: at least 5 rows while focused.
    while out.len() < 5 {
        out.push(Span::raw(""));
    }
    (out, cur)
}

/// Soft-wraps `text` to `w` columns (one column kept for the cursor). Returns the rows and
/// the (row, column) of the cursor at char `col` of line `line`.
fn soft_wrap(text: &str, line: usize, col: usize, w: usize) -> (Vec<String>, (usize, usize)) {
    let mut rows: Vec<String> = Vec::new();
    let mut cur_row = (0, 0);
    for (k, l) in text.split('\n').enumerate() {
        let chars: Vec<char> = l.chars().filter(|c| !c.is_control()).collect();
        let mut start = 0;
        loop {
            let mut end = start;
            let mut width = 0;
            while end < chars.len() {
                let cw = unicode_width::UnicodeWidthChar::width(chars[end]).unwrap_or(0);
                if width + cw > w.saturating_sub(1).max(1) {
                    break;
                }
                width += cw;
                end += 1;
            }
            if k == line && col >= start && (col < end || end == chars.len()) {
                let c: String = chars[start..col.min(chars.len())].iter().collect();
                cur_row = (rows.len(), c.width());
            }
            rows.push(chars[start..end].iter().collect());
            if end >= chars.len() {
                break;
            }
            start = end;
        }
    }
    (rows, cur_row)
}

/// Shows a one-line text in `w` columns, scrolled so that char `cursor` is visible.
/// Returns the shown text and the cursor's column.
fn slide(text: &str, cursor: usize, w: usize) -> (String, usize) {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_control()).collect();
    let cursor = cursor.min(chars.len());
    let col_of =
        |from: usize, to: usize| -> usize { chars[from..to].iter().collect::<String>().width() };
    let mut start = 0;
    while col_of(start, cursor) >= w.saturating_sub(1) && start < cursor {
        start += 1;
    }
    let mut shown = String::new();
    for c in &chars[start..] {
        let mut s = shown.clone();
        s.push(*c);
        if s.width() > w {
            break;
        }
        shown = s;
    }
    (shown, col_of(start, cursor))
}

/// Wraps a footer between its hints (« · »), never inside one when it fits on a row.
fn wrap_hints(text: &str, w: usize) -> Vec<String> {
    let mut out: Vec<String> = vec![String::new()];
    for part in text.split(" · ") {
        let last = out.last_mut().expect("one line");
        if !last.is_empty() && last.width() + part.width() + 3 > w {
            out.push(String::new());
        }
        let last = out.last_mut().expect("one line");
        if !last.is_empty() {
            last.push_str(" · ");
        }
        last.push_str(part);
    }
    out.into_iter().flat_map(|l| wrap(&l, w)).collect()
}

fn wrap(text: &str, w: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for word in text.split(' ') {
        let last = out.last_mut().expect("one line");
        if !last.is_empty() && last.width() + word.width() + 1 > w {
            out.push(String::new());
        }
        let last = out.last_mut().expect("one line");
        if !last.is_empty() {
            last.push(' ');
        }
        last.push_str(&truncate_width(word, w));
    }
    out
}
