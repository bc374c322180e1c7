//! Views of the collective sessions: the list, one session's attendance, the enrolment
//! search. Pure functions of the state.

use super::{scroll_offset, style};
use crate::app::keys::{Action, Context};
use crate::app::{App, SessionRow};
use crate::dates::{format_short_date, weekday_fr};
use crate::domain::referential::label_in;
use crate::domain::{codes, Session};
use crate::text::truncate_width;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

fn when(app: &App, s: &Session) -> String {
    let today = app.clock.today();
    s.start
        .map(|t| {
            format!(
                "{} {} {}",
                weekday_fr(t.date()),
                format_short_date(t.date(), today),
                t.format("%Hh%M")
            )
        })
        .unwrap_or_else(|| "sans date".into())
}

fn pad(s: &str, w: usize) -> String {
    let t = truncate_width(s, w);
    let n = unicode_width::UnicodeWidthStr::width(t.as_str());
    format!("{t}{}", " ".repeat(w.saturating_sub(n)))
}

fn block(title: String) -> Block<'static> {
    Block::bordered()
        .border_style(style::border())
        .title(Span::styled(format!(" {title} "), style::title()))
}

/// The sessions list: upcoming, statuses to set, past.
pub fn draw_list(frame: &mut Frame, app: &App, area: Rect) {
    let s = &app.sessions;
    let b = block(format!(
        "Actions collectives · {} séance{}",
        s.list.len(),
        if s.list.len() > 1 { "s" } else { "" }
    ));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let w = inner.width as usize;
    let h = inner.height as usize;
    let now = app.clock.now();
    if s.list.is_empty() {
        let msg = format!(
            "Aucune séance : {} pour créer un atelier, une information collective, une sortie…",
            app.keymap.key_label(Context::Sessions, Action::NewSession)
        );
        frame.render_widget(
            Paragraph::new(Span::styled(msg, style::dim())).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let wide = w >= 100;
    let offset = scroll_offset(s.selected, h);
    let lines: Vec<Line> = s
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, row)| match row {
            SessionRow::Header(t) => Line::from(Span::styled(truncate_width(t, w), style::title())),
            SessionRow::Empty(t) => Line::from(Span::styled(
                format!("  {}", truncate_width(t, w.saturating_sub(2))),
                style::dim(),
            )),
            SessionRow::Session(k) => {
                let x = &s.list[*k];
                let kind = label_in(&app.rf.session_types, &x.kind);
                let to_set = x.statuses_to_set(now);
                let right = if to_set > 0 {
                    format!("{} · {to_set} à préciser", x.capacity_label())
                } else if x.start.is_some_and(|t| t < now) {
                    format!(
                        "{} · {} présent{}",
                        x.capacity_label(),
                        x.count(codes::APPT_HONOURED),
                        if x.count(codes::APPT_HONOURED) > 1 {
                            "s"
                        } else {
                            ""
                        }
                    )
                } else {
                    x.capacity_label()
                };
                let left_w =
                    w.saturating_sub(unicode_width::UnicodeWidthStr::width(right.as_str()) + 1);
                let left = if wide {
                    format!(
                        "  {} {} {} · {}",
                        pad(&when(app, x), 18),
                        pad(kind, 22),
                        x.title,
                        x.place
                    )
                } else {
                    format!("  {} {} · {}", pad(&when(app, x), 18), x.title, kind)
                };
                let st = if i == s.selected {
                    style::selected()
                } else if to_set > 0 {
                    style::warn()
                } else {
                    Style::default()
                };
                Line::from(vec![
                    Span::styled(pad(&left, left_w), st),
                    Span::styled(" ", st),
                    Span::styled(right, st),
                ])
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One session's attendance: its facts, each participant's status and note, the report.
pub fn draw_attendance(frame: &mut Frame, app: &App, area: Rect) {
    let Some(x) = app.current_session() else {
        frame.render_widget(Paragraph::new("Séance introuvable"), area);
        return;
    };
    let now = app.clock.now();
    let b = block(format!("{} · {}", x.title, x.capacity_label()));
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let w = inner.width as usize;
    let report_h = if inner.height >= 20 { 5 } else { 3 };
    let [facts, list, report] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(report_h),
    ])
    .areas(inner);
    let end = x
        .end()
        .map(|e| e.format("%Hh%M").to_string())
        .unwrap_or_default();
    let themes = x
        .theme_codes()
        .iter()
        .map(|t| {
            app.rf
                .theme(t)
                .map(|th| th.short.clone())
                .unwrap_or_else(|| t.clone())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let line1 = format!(
        "{} · {} – {end} · {}",
        label_in(&app.rf.session_types, &x.kind),
        when(app, x),
        if x.place.is_empty() {
            "lieu non précisé"
        } else {
            &x.place
        }
    );
    let mut extra = Vec::new();
    if !x.partner.is_empty() {
        extra.push(format!(
            "Partenaire : {}",
            label_in(&app.rf.partners, &x.partner)
        ));
    }
    if !x.animateur.is_empty() {
        extra.push(format!("Animation : {}", x.animateur));
    }
    if !themes.is_empty() {
        extra.push(format!("Thèmes : {themes}"));
    }
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(truncate_width(&line1, w)),
            Line::from(Span::styled(
                truncate_width(&extra.join(" · "), w),
                style::dim(),
            )),
        ]),
        facts,
    );

    let h = list.height as usize;
    let lines: Vec<Line> = if x.participants.is_empty() {
        vec![Line::from(Span::styled(
            format!(
                "Personne d'inscrit : {} pour inscrire (recherche de la file active)",
                app.keymap.key_label(Context::Attendance, Action::Enrol)
            ),
            style::dim(),
        ))]
    } else {
        let sel = app.sessions.participant;
        let offset = scroll_offset(sel, h);
        x.participants
            .iter()
            .enumerate()
            .skip(offset)
            .take(h)
            .map(|(i, p)| {
                let status = match x.start {
                    Some(t) if p.status == codes::APPT_PLANNED && t < now => {
                        "Statut à préciser".to_string()
                    }
                    _ => label_in(&app.rf.appointment_statuses, &p.status).to_string(),
                };
                let name_w = 30.min(w / 2);
                let status_w = 18;
                let note_w = w.saturating_sub(name_w + status_w + 6);
                let text = format!(
                    "  {} {} {}",
                    pad(&app.person_name(p.person_id), name_w),
                    pad(&status, status_w),
                    truncate_width(&p.note.replace('\n', " "), note_w)
                );
                let st = if i == sel {
                    style::selected()
                } else {
                    match p.status.as_str() {
                        codes::APPT_HONOURED => style::ok(),
                        codes::APPT_PLANNED if x.start.is_some_and(|t| t < now) => style::alert(),
                        codes::APPT_PLANNED => Style::default(),
                        _ => style::warn(),
                    }
                };
                Line::from(Span::styled(pad(&text, w), st))
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), list);

    let rb = Block::bordered()
        .border_style(style::border())
        .title(Span::styled(" Compte rendu commun ", style::dim()));
    let rinner = rb.inner(report);
    frame.render_widget(rb, report);
    let text = if x.report.is_empty() {
        Span::styled(
            format!(
                "Aucun : {} pour l'écrire",
                app.keymap
                    .key_label(Context::Attendance, Action::SessionReport)
            ),
            style::dim(),
        )
    } else {
        Span::raw(x.report.clone())
    };
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), rinner);
}

/// Enrolment: the search line, the people found (marked ones ticked), the count.
pub fn draw_enrol(frame: &mut Frame, app: &App, area: Rect) {
    let Some(e) = app.sessions.enrol.as_ref() else {
        return;
    };
    let title = match app.current_session() {
        Some(x) => format!(
            "Inscrire à « {} » · {} · {} cochée{}",
            x.title,
            x.capacity_label(),
            e.marked.len(),
            if e.marked.len() > 1 { "s" } else { "" }
        ),
        None => "Inscrire".into(),
    };
    let b = block(title);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let [search, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let w = inner.width as usize;
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("Rechercher : ", style::title()),
            Span::raw(e.query.text()),
            Span::styled("▏", style::dim()),
        ])),
        search,
    );
    let h = list.height as usize;
    let offset = scroll_offset(e.selected, h);
    let enrolled = app.current_session();
    let lines: Vec<Line> = if e.hits.is_empty() {
        vec![Line::from(Span::styled(
            "Aucune personne ne correspond",
            style::dim(),
        ))]
    } else {
        e.hits
            .iter()
            .enumerate()
            .skip(offset)
            .take(h)
            .filter_map(|(pos, i)| {
                let r = app.caseload.rows.get(*i)?;
                let already = enrolled.is_some_and(|x| x.participation(r.person_id).is_some());
                let mark = if already {
                    "[inscrit·e]"
                } else if e.marked.contains(&r.person_id) {
                    "[x]"
                } else {
                    "[ ]"
                };
                let state = if r.archived {
                    " · archivé"
                } else if !r.is_open() {
                    " · sorti·e"
                } else {
                    ""
                };
                let text = format!(
                    " {:<11} {} {} {}{state}",
                    mark,
                    pad(&r.display_name(), 32.min(w / 2)),
                    r.dossier,
                    r.commune
                );
                let st = if pos == e.selected {
                    style::selected()
                } else if already {
                    style::dim()
                } else {
                    Style::default()
                };
                Some(Line::from(Span::styled(pad(&text, w), st)))
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), list);
}
