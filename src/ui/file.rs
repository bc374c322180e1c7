use super::{centered, popup, scroll_offset, style};
use crate::app::keys::{Action, Context};
use crate::app::{App, BarrierRow, FileState, Pane, PlanRow};
use crate::dates::{age_on, format_date, format_datetime, format_short_date, weekday_fr};
use crate::domain::referential::label_in;
use crate::domain::{codes, nir};
use crate::text::truncate_width;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(file) = &app.file else { return };
    let [header, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    draw_header(frame, app, file, header);
    // Four panes together whenever each can get at least ~6 rows and 30 columns; otherwise
    // the focused pane alone, the others one key (Tab / F5-F8 by default) away.
    if body.height >= 12 && body.width >= 60 {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
        let [tl, tr] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
        let [bl, br] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(bottom);
        draw_pane(frame, app, file, Pane::Diagnostic, tl);
        draw_pane(frame, app, file, Pane::Barriers, tr);
        draw_pane(frame, app, file, Pane::Plan, bl);
        draw_pane(frame, app, file, Pane::Appointments, br);
    } else {
        draw_pane(frame, app, file, file.focus, body);
    }
    if file.journal.is_some() {
        draw_journal(frame, app, file);
    }
    if file.parcours {
        draw_parcours(frame, app, file);
    }
    if let Some(draft) = &file.eligibility {
        super::eligibility::draw(frame, app, file, draft, body);
    }
}

fn draw_header(frame: &mut Frame, app: &App, file: &FileState, area: Rect) {
    let p = &file.data.person;
    let today = app.clock.today();
    let w = area.width as usize;
    // The n° de dossier and the age always show: the name gets what they leave, then the
    // commune and the phone what is left after the name (each cut with « … »).
    let mut kept = format!(" · n° {}", p.dossier);
    if let Some(b) = p.birth_date {
        kept.push_str(&format!(" · {} ans", age_on(b, today)));
    }
    let kept_w = width(&kept);
    let l1 = if w >= kept_w + 3 {
        let name = truncate_width(&format!(" {}", p.display_name()), w - kept_w);
        let mut left = w - kept_w - width(&name);
        let mut rest = String::new();
        // The NIR masked unless the advisor shows it (key from the table), never in full
        // by default.
        let nir = if p.nir.is_empty() {
            String::new()
        } else {
            format!("NIR {}", nir::display(&p.nir, file.nir_shown))
        };
        for extra in [&p.commune, &p.phone, &nir] {
            if extra.trim().is_empty() || left < 5 {
                continue;
            }
            let part = truncate_width(&format!(" · {extra}"), left);
            left -= width(&part);
            rest.push_str(&part);
        }
        Line::from(vec![
            Span::styled(name, style::title()),
            Span::raw(kept),
            Span::raw(rest),
        ])
    } else {
        Line::from(truncate_width(&kept, w))
    };
    let mut l2 = Vec::new();
    match file.data.current_suivi() {
        Some(s) => {
            let mut parts = vec![label_in(&app.rf.dispositifs, &s.dispositif).to_string()];
            if !s.referent.is_empty() {
                // A long name must not hide the contract, the exit and the alerts.
                parts.push(truncate_width(&format!("réf. {}", s.referent), 40));
            }
            if s.contrat != codes::CONTRACT_NONE && !s.contrat.is_empty() {
                let mut c = label_in(&app.rf.contracts, &s.contrat).to_string();
                if let Some(end) = s.contrat_fin {
                    c.push_str(&format!(" jusqu'au {}", format_date(end)));
                    if end < today {
                        c.push_str(" (échu)");
                    }
                }
                parts.push(c);
            }
            if let Some(d) = s.sortie_date {
                parts.push(format!(
                    "SORTI·E le {} ({})",
                    format_date(d),
                    s.sortie_categorie
                        .as_deref()
                        .map(|c| label_in(&app.rf.exit_categories, c))
                        .unwrap_or("?")
                ));
            } else if let Some(e) = s.date_entree {
                parts.push(format!("entrée {}", format_date(e)));
            }
            if let Some(rsa) = rsa_part(app, p) {
                parts.push(rsa);
            }
            l2.push(Span::raw(format!(" {}", parts.join(" · "))));
        }
        None => l2.push(Span::styled(
            format!(
                " Aucun suivi : {} pour le renseigner",
                app.keymap.key_label(Context::File, Action::EditSuivi)
            ),
            style::warn(),
        )),
    }
    // Alerts, from the same rules as the caseload.
    let mut alerts = Vec::new();
    let now = app.clock.now();
    if let Some(s) = file.data.current_suivi() {
        if s.is_open()
            && s.date_premier_contact.is_none()
            && s.date_orientation
                .is_some_and(|o| (today - o).num_days() >= 15)
        {
            alerts.push("1er contact à prendre");
        }
    }
    if file.data.actions.iter().any(|a| app.action_overdue(a)) {
        alerts.push("actions en retard");
    }
    if file
        .data
        .appointments
        .iter()
        .any(|a| a.effective_status(now) == codes::APPT_TO_SET)
    {
        alerts.push("statut RDV à préciser");
    }
    if !alerts.is_empty() {
        l2.push(Span::styled(
            format!("  ⚠ {}", alerts.join(", ")),
            style::alert(),
        ));
    }
    let clip = |spans: Vec<Span<'static>>| -> Line<'static> {
        let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
        if width(&text) <= w {
            Line::from(spans)
        } else {
            Line::from(truncate_width(&text, w))
        }
    };
    frame.render_widget(Paragraph::new(vec![l1, clip(l2)]), area);
}

/// « RSA : droit ouvert », « RSA : suspendu »; nothing when the right is not known.
fn rsa_part(app: &App, p: &crate::domain::Person) -> Option<String> {
    if p.rsa_statut.is_empty() {
        return None;
    }
    let label = label_in(&app.rf.benefit_statuses, &p.rsa_statut);
    let mut chars = label.chars();
    let lower: String = chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default();
    Some(format!("RSA : {lower}"))
}

fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

fn pane_block(app: &App, file: &FileState, pane: Pane, title: String) -> Block<'static> {
    let focused = file.focus == pane && file.journal.is_none() && !file.parcours;
    let action = match pane {
        Pane::Diagnostic => Action::FocusDiagnostic,
        Pane::Barriers => Action::FocusBarriers,
        Pane::Plan => Action::FocusPlan,
        Pane::Appointments => Action::FocusAppointments,
    };
    let mut key = app.keymap.key_label(Context::File, action);
    // The plan and the rendez-vous say how to add to them from any pane.
    let add = match pane {
        Pane::Plan => Some(Action::NewActionAnywhere),
        Pane::Appointments => Some(Action::NewAppointmentAnywhere),
        _ => None,
    };
    if let Some(add) = add.filter(|_| !focused) {
        let add = app.keymap.key_label(Context::File, add);
        if !add.is_empty() {
            key = format!("{key} · {add} ajouter");
        }
    }
    Block::bordered()
        .border_style(if focused {
            style::focused_border()
        } else {
            style::border()
        })
        .title(Span::styled(
            format!(" {title} "),
            if focused {
                style::focused_border()
            } else {
                style::title()
            },
        ))
        .title_bottom(Span::styled(format!(" {key} "), style::dim()))
}

fn draw_pane(frame: &mut Frame, app: &App, file: &FileState, pane: Pane, area: Rect) {
    let focused = file.focus == pane && file.journal.is_none() && !file.parcours;
    let sel_style = if focused {
        style::selected()
    } else {
        style::selected_unfocused()
    };
    let selected = file.selected[pane.index()];
    match pane {
        Pane::Diagnostic => draw_diagnostic(frame, app, file, area, selected, sel_style),
        Pane::Barriers => draw_barriers(frame, app, file, area, selected, sel_style),
        Pane::Plan => draw_plan(frame, app, file, area, selected, sel_style),
        Pane::Appointments => draw_appointments(frame, app, file, area, selected, sel_style),
    }
}

fn render_lines(
    frame: &mut Frame,
    block: Block,
    area: Rect,
    lines: Vec<Line>,
    selected: usize,
    pinned: usize,
) {
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let h = (inner.height as usize).saturating_sub(pinned);
    let mut out: Vec<Line> = lines.iter().take(pinned).cloned().collect();
    let body: Vec<Line> = lines.into_iter().skip(pinned).collect();
    let off = scroll_offset(selected, h);
    out.extend(body.into_iter().skip(off).take(h));
    frame.render_widget(Paragraph::new(out), inner);
}

fn fit(s: &str, w: usize) -> String {
    let t = truncate_width(s, w);
    let pad = w.saturating_sub(unicode_width::UnicodeWidthStr::width(t.as_str()));
    format!("{t}{}", " ".repeat(pad))
}

/// The diagnostic pane's title: the current snapshot's kind and date, or how to start.
fn diagnostic_title(app: &App, data: &crate::domain::PersonFile, narrow: bool) -> String {
    match data.current_diagnostic() {
        Some(d) if narrow => format!(
            "Diagnostic · {}",
            d.date.map(format_date).unwrap_or_default()
        ),
        Some(d) => format!(
            "Diagnostic · {} du {}{}",
            label_in(&app.rf.diagnostic_kinds, &d.kind).to_lowercase(),
            d.date.map(format_date).unwrap_or_default(),
            if data.diagnostics.len() > 1 {
                format!(" ({} bilans)", data.diagnostics.len())
            } else {
                String::new()
            }
        ),
        None => "Diagnostic · à commencer (0 à 4)".into(),
    }
}

/// The professional block in one line (pinned on top of the diagnostic pane), or the key
/// that fills it in.
fn professional_line(app: &App, cur: Option<&crate::domain::Diagnostic>) -> String {
    let mut parts = Vec::new();
    if let Some(d) = cur {
        if !d.niveau.is_empty() {
            parts.push(format!("Niv. {}", d.niveau));
        }
        if !d.projet.is_empty() {
            parts.push(d.projet.clone());
        }
        if !d.envies.is_empty() {
            parts.push(format!("envies : {}", d.envies));
        }
        if !d.competences.is_empty() {
            parts.push(format!("atouts : {}", d.competences.replace('\n', " ")));
        }
    }
    if parts.is_empty() {
        format!(
            "Volet pro : {} pour renseigner niveau, projet, compétences, envies",
            app.keymap
                .key_label(Context::Diagnostic, Action::EditProfessional)
        )
    } else {
        parts.join(" · ")
    }
}

fn draw_diagnostic(
    frame: &mut Frame,
    app: &App,
    file: &FileState,
    area: Rect,
    selected: usize,
    sel: Style,
) {
    let data = &file.data;
    let cur = data.current_diagnostic();
    let prev = data.previous_diagnostic();
    let title = diagnostic_title(app, data, area.width < 56);
    let block = pane_block(app, file, Pane::Diagnostic, title);
    let w = area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    // Professional block, pinned on top when there is room.
    let pinned = if area.height >= 12 { 1 } else { 0 };
    if pinned == 1 {
        let pro = professional_line(app, cur);
        lines.push(Line::from(Span::styled(
            truncate_width(&pro, w),
            style::dim(),
        )));
    }
    let theme_w = 11;
    // The level word matters more than the comment: it keeps its room first.
    let level_w = if w >= 34 { 17 } else { 11 };
    for (i, theme) in app.diag_rows().iter().enumerate() {
        let level = cur
            .map(|d| d.level_of(&theme.code))
            .unwrap_or(codes::LEVEL_NOT_ADDRESSED);
        let rank = app.rf.level_rank(level);
        let (glyph, word) = match app.rf.level(level) {
            Some(l) => (l.glyph.clone(), l.label.clone()),
            None => ("?".to_string(), level.to_string()),
        };
        let trend = match prev {
            Some(p) => {
                let before = app.rf.level_rank(p.level_of(&theme.code));
                if before == 0 || rank == 0 || before == rank {
                    " "
                } else if rank > before {
                    "↑"
                } else {
                    "↓"
                }
            }
            None => " ",
        };
        let comment = cur
            .and_then(|d| d.themes.iter().find(|t| t.theme == theme.code))
            .map(|t| t.comment.replace('\n', " "))
            .unwrap_or_default();
        let name = &theme.short;
        let rest = w.saturating_sub(theme_w + level_w + 4);
        let spans = vec![
            Span::raw(fit(name, theme_w)),
            Span::raw(" "),
            Span::styled(fit(&format!("{glyph} {word}"), level_w), style::level(rank)),
            Span::styled(
                format!(" {trend} "),
                if trend == "↑" {
                    style::alert()
                } else {
                    style::ok()
                },
            ),
            Span::styled(fit(&comment, rest), style::dim()),
        ];
        let mut line = Line::from(spans);
        if i == selected {
            line = line.style(sel);
        }
        lines.push(line);
    }
    render_lines(frame, block, area, lines, selected, pinned);
}

fn draw_barriers(
    frame: &mut Frame,
    app: &App,
    file: &FileState,
    area: Rect,
    selected: usize,
    sel: Style,
) {
    let data = &file.data;
    let checked = data.barriers.len();
    let open = data
        .barriers
        .iter()
        .filter(|b| b.status != codes::BARRIER_LIFTED)
        .count();
    let only_key = app
        .keymap
        .key_label(Context::Barriers, Action::ToggleCheckedOnly);
    let title = format!(
        "Obstacles · {open} actif{} / {checked}{}",
        if open > 1 { "s" } else { "" },
        if file.checked_only {
            format!(" · cochés seuls ({only_key})")
        } else {
            String::new()
        }
    );
    // Each situation shows the key that ticks it (its number in its theme).
    let nth = app.keymap.key_labels(Context::Barriers, Action::TickNth);
    let nth_w = nth.iter().map(|k| width(k)).max().unwrap_or(0);
    let number = |theme: &str, code: &str| -> String {
        let pos = app
            .rf
            .theme(theme)
            .and_then(|t| t.situations.iter().position(|s| s.code == code));
        let key = pos.and_then(|p| nth.get(p)).cloned().unwrap_or_default();
        format!("{key:>nth_w$}")
    };
    let block = pane_block(app, file, Pane::Barriers, title);
    let w = area.width.saturating_sub(2) as usize;
    let rows = app.barrier_rows(file);
    let today = app.clock.today();
    // Wide panes show the whole status ("En cours de traitement").
    let status_w = if w >= 60 { 22 } else { 12.min(w / 3) };
    let lines: Vec<Line> = if rows.is_empty() {
        vec![Line::from(Span::styled(
            format!(
                "Rien de coché : {only_key} liste complète · {} autre",
                app.keymap.key_label(Context::Barriers, Action::AddFree)
            ),
            style::dim(),
        ))]
    } else {
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                let mut line = match r {
                    BarrierRow::Theme(t) => {
                        let label = if t.is_empty() {
                            "Autres thèmes".to_string()
                        } else {
                            app.rf
                                .theme(t)
                                .map(|t| t.label.clone())
                                .unwrap_or(t.clone())
                        };
                        Line::from(Span::styled(
                            truncate_width(&format!("── {label}"), w),
                            style::title(),
                        ))
                    }
                    BarrierRow::Situation {
                        theme,
                        code,
                        barrier,
                    } => {
                        let label = app
                            .rf
                            .situation(code)
                            .map(|(_, s)| s.label.clone())
                            .unwrap_or(code.clone());
                        let n = number(theme, code);
                        match barrier {
                            None => Line::from(Span::raw(fit(&format!("{n} [ ] {label}"), w))),
                            Some(b) => barrier_line(
                                app,
                                &data.barriers[*b],
                                &format!("{n} [x] {label}"),
                                w,
                                status_w,
                                today,
                            ),
                        }
                    }
                    BarrierRow::Free(b) => {
                        let bar = &data.barriers[*b];
                        let label =
                            format!("{:nth_w$} [x] {} (libre)", "", app.rf.barrier_label(bar));
                        barrier_line(app, bar, &label, w, status_w, today)
                    }
                };
                if i == selected {
                    line = line.style(sel);
                }
                line
            })
            .collect()
    };
    render_lines(frame, block, area, lines, selected, 0);
}

fn barrier_line(
    app: &App,
    b: &crate::domain::Barrier,
    label: &str,
    w: usize,
    status_w: usize,
    today: chrono::NaiveDate,
) -> Line<'static> {
    let status = label_in(&app.rf.barrier_statuses, &b.status).to_string();
    let st = if b.status == codes::BARRIER_LIFTED {
        style::ok()
    } else {
        style::warn()
    };
    let date = match (b.resolved, b.since) {
        (Some(r), _) => format!(" {}", format_short_date(r, today)),
        (None, Some(s)) => format!(" {}", format_short_date(s, today)),
        _ => String::new(),
    };
    let tail = format!("{}{}", fit(&status, status_w), date);
    let tail_w = unicode_width::UnicodeWidthStr::width(tail.as_str());
    Line::from(vec![
        Span::raw(fit(label, w.saturating_sub(tail_w + 1))),
        Span::raw(" "),
        Span::styled(tail, st),
    ])
}

fn draw_plan(
    frame: &mut Frame,
    app: &App,
    file: &FileState,
    area: Rect,
    selected: usize,
    sel: Style,
) {
    let data = &file.data;
    let overdue = data
        .actions
        .iter()
        .filter(|a| app.action_overdue(a))
        .count();
    let narrow = area.width < 56;
    let title = if overdue > 0 && narrow {
        format!("Plan · {overdue} en retard")
    } else if overdue > 0 {
        format!(
            "Plan d'action · {} · {overdue} en retard",
            plural(data.actions.len(), "action")
        )
    } else {
        format!("Plan d'action · {}", plural(data.actions.len(), "action"))
    };
    let block = pane_block(app, file, Pane::Plan, title);
    let w = area.width.saturating_sub(2) as usize;
    let today = app.clock.today();
    let rows = app.plan_rows(file);
    // The due-date column is as wide as the longest date shown (none: no column), so a
    // narrow pane keeps its room for the label and the partner.
    let due_w = data
        .actions
        .iter()
        .filter_map(|a| a.due)
        .map(|d| width(&format_short_date(d, today)))
        .max()
        .unwrap_or(0);
    let lines: Vec<Line> = if rows.is_empty() {
        vec![Line::from(Span::styled(
            format!(
                "Vide : {} objectif · {} action",
                app.keymap.key_label(Context::Plan, Action::AddObjective),
                app.keymap.key_label(Context::Plan, Action::AddAction)
            ),
            style::dim(),
        ))]
    } else {
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                let mut line = match r {
                    PlanRow::Objective(o) => {
                        let o = &data.objectives[*o];
                        let st = label_in(&app.rf.objective_statuses, &o.status);
                        Line::from(vec![
                            Span::styled(
                                fit(
                                    &format!("◆ {}{}", contract_mark(o.contrat), o.label),
                                    w.saturating_sub(12),
                                ),
                                style::title(),
                            ),
                            Span::styled(format!(" {}", truncate_width(st, 11)), style::dim()),
                        ])
                    }
                    PlanRow::Action(a) => {
                        let a = &data.actions[*a];
                        let late = app.action_overdue(a);
                        let st = label_in(&app.rf.action_statuses, &a.status);
                        let partner = label_in(&app.rf.partners, &a.partner);
                        let due = a
                            .due
                            .map(|d| format_short_date(d, today))
                            .unwrap_or_default();
                        // A late action says so in place of its status: the label keeps
                        // its room even in a narrow pane.
                        let status_w = if w >= 60 { 22 } else { 10 };
                        let due_col = if due_w > 0 {
                            format!("{} ", fit(&due, due_w))
                        } else {
                            String::new()
                        };
                        let tail = if late {
                            format!("{due_col}EN RETARD")
                        } else {
                            format!("{due_col}{}", truncate_width(st, status_w))
                        };
                        let tail_w = unicode_width::UnicodeWidthStr::width(tail.as_str());
                        let room = w.saturating_sub(tail_w + 1);
                        let head = action_head(&a.label, partner, room);
                        Line::from(vec![
                            Span::raw(fit(&head, room)),
                            Span::raw(" "),
                            Span::styled(
                                tail,
                                if late {
                                    style::alert()
                                } else if app.rf.action_open(&a.status) {
                                    Style::default()
                                } else {
                                    style::dim()
                                },
                            ),
                        ])
                    }
                };
                if i == selected {
                    line = line.style(sel);
                }
                line
            })
            .collect()
    };
    render_lines(frame, block, area, lines, selected, 0);
}

/// « • label · partner » in `room` columns: when both do not fit, the label gives up room
/// first (down to about half), so that the partner stays visible.
fn action_head(label: &str, partner: &str, room: usize) -> String {
    let full = if partner.is_empty() {
        format!("  • {label}")
    } else {
        format!("  • {label} · {partner}")
    };
    if partner.is_empty() || width(&full) <= room {
        return full;
    }
    // "  • " + label + " · " + partner
    let fixed = 4 + 3;
    let avail = room.saturating_sub(fixed);
    // Too narrow for both to be read (an 80-column screen): the label alone, as before.
    if avail < 22 {
        return format!("  • {label}");
    }
    let partner_w = width(partner)
        .min(avail / 2)
        .max(avail.saturating_sub(width(label)));
    let label_w = avail.saturating_sub(partner_w);
    format!(
        "  • {} · {}",
        truncate_width(label, label_w),
        truncate_width(partner, partner_w)
    )
}

fn draw_appointments(
    frame: &mut Frame,
    app: &App,
    file: &FileState,
    area: Rect,
    selected: usize,
    sel: Style,
) {
    let data = &file.data;
    let now = app.clock.now();
    let today = now.date();
    let rows = app.appointment_rows(file, now);
    let honoured = data
        .appointments
        .iter()
        .filter(|a| a.status == codes::APPT_HONOURED)
        .count();
    let past = data
        .appointments
        .iter()
        .filter(|a| a.start.is_some_and(|s| s < now))
        .count();
    let title = format!(
        "Rendez-vous · {honoured} honoré{} / {past} passé{}",
        if honoured > 1 { "s" } else { "" },
        if past > 1 { "s" } else { "" }
    );
    let block = pane_block(app, file, Pane::Appointments, title);
    let w = area.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = if rows.is_empty() {
        vec![Line::from(Span::styled(
            format!(
                "Aucun RDV : {} pour ajouter",
                app.keymap
                    .key_label(Context::Appointments, Action::AddAppointment)
            ),
            style::dim(),
        ))]
    } else {
        rows.iter()
            .enumerate()
            .map(|(pos, &i)| {
                let a = &data.appointments[i];
                let upcoming = a.start.is_none_or(|s| s >= now);
                let when = a
                    .start
                    .map(|s| {
                        format!(
                            "{} {} {}",
                            weekday_fr(s.date()),
                            format_short_date(s.date(), today),
                            s.format("%Hh%M")
                        )
                    })
                    .unwrap_or_else(|| "sans date".into());
                let medium = label_in(&app.rf.appointment_media, &a.medium);
                let status = app.appt_status_label(a);
                let eff = a.effective_status(now);
                let st = match eff {
                    codes::APPT_TO_SET => style::alert(),
                    codes::APPT_HONOURED => style::ok(),
                    codes::APPT_PLANNED => Style::default(),
                    _ => style::warn(),
                };
                let mark = if !a.report.is_empty() { "✎" } else { " " };
                let arrow = if upcoming { "▸" } else { " " };
                let medium_w = if w >= 60 { 20 } else { 12 };
                let left = format!(
                    "{arrow}{} {}",
                    fit(&when, 18),
                    truncate_width(medium, medium_w)
                );
                let right = format!("{} {mark}", truncate_width(&status, 18));
                let rw = unicode_width::UnicodeWidthStr::width(right.as_str());
                let mut line = Line::from(vec![
                    Span::raw(fit(&left, w.saturating_sub(rw + 1))),
                    Span::raw(" "),
                    Span::styled(right, st),
                ]);
                if pos == selected {
                    line = line.style(sel);
                }
                line
            })
            .collect()
    };
    let mut lines = lines;
    lines.extend(collective_lines(app, w));
    render_lines(frame, block, area, lines, selected, 0);
}

/// The person's collective sessions under their appointments, marked « [collectif] »
/// (not selectable here: their attendance is set on the session's screen).
fn collective_lines(app: &App, w: usize) -> Vec<Line<'static>> {
    let now = app.clock.now();
    let today = now.date();
    app.sessions
        .of_person
        .iter()
        .map(|s| {
            let when = s
                .start
                .map(|t| {
                    format!(
                        "{} {} {}",
                        weekday_fr(t.date()),
                        format_short_date(t.date(), today),
                        t.format("%Hh%M")
                    )
                })
                .unwrap_or_else(|| "sans date".into());
            let eff = s.effective_status(now);
            let status = if eff == codes::APPT_TO_SET {
                "Statut à préciser".to_string()
            } else {
                label_in(&app.rf.appointment_statuses, eff).to_string()
            };
            let upcoming = s.start.is_none_or(|t| t >= now);
            let left = format!(
                "{}{} [collectif] {}",
                if upcoming { "▸" } else { " " },
                fit(&when, 18),
                s.title
            );
            let rw = unicode_width::UnicodeWidthStr::width(status.as_str());
            let st = match eff {
                codes::APPT_TO_SET => style::alert(),
                codes::APPT_HONOURED => style::ok(),
                codes::APPT_PLANNED => Style::default(),
                _ => style::warn(),
            };
            Line::from(vec![
                Span::raw(fit(&left, w.saturating_sub(rw + 2))),
                Span::raw(" "),
                Span::styled(status, st),
            ])
        })
        .collect()
}

fn draw_journal(frame: &mut Frame, app: &App, file: &FileState) {
    let area = centered(frame.area(), 100, frame.area().height.saturating_sub(4));
    let (block, inner) = popup(frame, area, "Journal — notes de suivi");
    frame.render_widget(block, area);
    let rows = app.journal_rows(file);
    let [hint, list, detail] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Percentage(50),
        Constraint::Min(3),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(Span::styled(crate::app::NOTE_REMINDER, style::warn()))
            .wrap(Wrap { trim: true }),
        hint,
    );
    let w = list.width as usize;
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "Aucune note : {} pour en écrire une",
                    app.keymap.key_label(Context::Journal, Action::AddNote)
                ),
                style::dim(),
            )),
            list,
        );
        return;
    }
    let sel = file.journal_selected;
    let off = scroll_offset(sel, list.height as usize);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(off)
        .take(list.height as usize)
        .map(|(pos, &i)| {
            let n = &file.data.notes[i];
            let head = format!(
                "{} · {} · {} · {}",
                n.at.map(format_datetime).unwrap_or_default(),
                if n.author.is_empty() { "?" } else { &n.author },
                if n.private { "privée" } else { "partagée" },
                n.text.lines().next().unwrap_or("")
            );
            let mut l = Line::from(truncate_width(&head, w));
            if pos == sel {
                l = l.style(style::selected());
            }
            l
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    if let Some(&i) = rows.get(sel) {
        let n = &file.data.notes[i];
        // Long notes: only the start is drawn (the editor shows everything).
        let text: String = n.text.chars().take(4000).collect();
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .block(Block::bordered().border_style(style::border())),
            detail,
        );
    }
}

/// The parcours list: étapes, saisines and veilles of the file, newest first, with the
/// selected row's details below.
fn draw_parcours(frame: &mut Frame, app: &App, file: &FileState) {
    use crate::app::file::parcours::{parcours_rows, ParcoursRow};
    let area = centered(frame.area(), 100, frame.area().height.saturating_sub(4));
    let (block, inner) = popup(frame, area, "Parcours — étapes, saisines, veille à 6 mois");
    frame.render_widget(block, area);
    let rows = parcours_rows(&file.data);
    let [list, detail] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Min(3)]).areas(inner);
    let rf = &app.rf;
    let d = |x: Option<chrono::NaiveDate>| x.map(format_date).unwrap_or_else(|| "?".into());
    if rows.is_empty() {
        let key = |a| app.keymap.key_label(Context::Parcours, a);
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "Rien d'enregistré : {} étape de parcours · {} saisine du Département · {} veille à 6 mois",
                    key(Action::AddEtape),
                    key(Action::AddSaisine),
                    key(Action::AddVeille)
                ),
                style::dim(),
            ))
            .wrap(Wrap { trim: true }),
            list,
        );
        return;
    }
    let line_of = |r: &ParcoursRow| -> (String, String) {
        match *r {
            ParcoursRow::Etape(i) => {
                let e = &file.data.etapes[i];
                let end = e
                    .fin
                    .map(|f| format!(" → {}", format_date(f)))
                    .unwrap_or_default();
                (
                    format!(
                        "{}{end} · Étape · {} · {}",
                        d(e.debut),
                        label_in(&rf.etape_types, &e.kind),
                        e.organisme
                    ),
                    e.note.clone(),
                )
            }
            ParcoursRow::Saisine(i) => {
                let s = &file.data.saisines[i];
                (
                    format!(
                        "{} · Saisine · {}",
                        d(s.date),
                        label_in(&rf.saisine_motifs, &s.motif)
                    ),
                    s.detail.clone(),
                )
            }
            ParcoursRow::Veille(i) => {
                let v = &file.data.veilles[i];
                (
                    format!(
                        "{} · Veille 6 mois · {}",
                        d(v.date),
                        label_in(&rf.veille_situations, &v.situation)
                    ),
                    v.note.clone(),
                )
            }
        }
    };
    let sel = file.parcours_selected;
    let w = list.width as usize;
    let off = scroll_offset(sel, list.height as usize);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(off)
        .take(list.height as usize)
        .map(|(pos, r)| {
            let mut l = Line::from(truncate_width(line_of(r).0.trim_end_matches(" · "), w));
            if pos == sel {
                l = l.style(style::selected());
            }
            l
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    if let Some(r) = rows.get(sel) {
        let (head, text) = line_of(r);
        let text: String = text.chars().take(4000).collect();
        frame.render_widget(
            Paragraph::new(format!("{head}\n{text}"))
                .wrap(Wrap { trim: false })
                .block(Block::bordered().border_style(style::border())),
            detail,
        );
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n > 1 { "s" } else { "" })
}

/// The mark of an objective of the contrat d'engagement in the plan pane (letters, not a
/// colour: it reads on any terminal).
pub(crate) fn contract_mark(in_contract: bool) -> &'static str {
    if in_contract {
        "[CE] "
    } else {
        ""
    }
}
