use super::{scroll_offset, style};
use crate::app::keys::{Action, Context};
use crate::app::{App, OpenFilter};
use crate::dates::{format_short_date, weekday_fr};
use crate::domain::referential::label_in;
use crate::text::truncate_width;
use chrono::NaiveDate;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let c = &app.caseload;
    let [search, filters, table] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    draw_search(frame, app, search);
    draw_filters(frame, app, filters);
    if c.rows.is_empty() {
        draw_welcome(frame, app, table);
    } else if c.search_waiting() {
        frame.render_widget(
            Paragraph::new("Recherche en préparation : la liste finit de se charger…")
                .block(Block::bordered().border_style(style::border())),
            table,
        );
    } else if c.visible.is_empty() {
        frame.render_widget(
            Paragraph::new(empty_message(app))
                .block(Block::bordered().border_style(style::border())),
            table,
        );
    } else {
        draw_table(frame, app, table);
    }
}

/// The search line: the query and its result count, or how to start a search.
fn draw_search(frame: &mut Frame, app: &App, search: Rect) {
    let c = &app.caseload;
    let q = c.query.text();
    let line = if c.searching || !q.is_empty() {
        Line::from(vec![
            Span::styled(" Recherche : ", style::title()),
            Span::raw(truncate_width(&q, search.width.saturating_sub(40) as usize)),
            Span::styled(
                if c.search_waiting() {
                    "  (recherche en préparation…)".to_string()
                } else {
                    format!(
                        "  ({} résultat{})",
                        c.visible.len(),
                        if c.visible.len() > 1 { "s" } else { "" }
                    )
                },
                style::dim(),
            ),
        ])
    } else {
        Line::from(Span::styled(
            format!(
                " {} pour chercher : nom, n° de dossier, commune, date de naissance",
                app.keymap.key_label(Context::Caseload, Action::Search)
            ),
            style::dim(),
        ))
    };
    frame.render_widget(Paragraph::new(line), search);
    if c.searching {
        let x = search.x
            + 13
            + unicode_width::UnicodeWidthStr::width(
                c.query
                    .text()
                    .chars()
                    .take(c.query.cursor())
                    .collect::<String>()
                    .as_str(),
            ) as u16;
        frame.set_cursor_position((x.min(search.right().saturating_sub(1)), search.y));
    }
}

/// The filters line: counts, queue, dispositif, open/closed and sort.
fn draw_filters(frame: &mut Frame, app: &App, filters: Rect) {
    let c = &app.caseload;
    let disp = c
        .dispositif
        .as_deref()
        .map(|d| label_in(&app.rf.dispositifs, d).to_string())
        .unwrap_or_else(|| "tous dispositifs".into());
    let who = if c.mine {
        format!("file de {}", app.me)
    } else {
        "toutes les personnes".into()
    };
    // The count matters most: it goes first; on narrow screens the labels get shorter.
    // While the list loads, its counts are not known yet.
    let counts = if c.is_loading() {
        "chargement…".to_string()
    } else {
        format!("{} / {}", c.visible.len(), c.rows.len())
    };
    let count = if c.is_loading() {
        "liste en chargement…".to_string()
    } else {
        format!("{counts} personnes")
    };
    let long = format!(
        " {count} · {who} · {disp} · {} · tri : {}",
        c.open.label(),
        c.sort.label()
    );
    let filt = if unicode_width::UnicodeWidthStr::width(long.as_str()) <= filters.width as usize {
        long
    } else {
        format!(
            " {counts} · {} · {} · {} · tri {}",
            if c.mine { "ma file" } else { "tous" },
            c.dispositif
                .as_deref()
                .map(str::to_uppercase)
                .unwrap_or_else(|| "tous disp.".into()),
            c.open.label(),
            c.sort.label()
        )
    };
    frame.render_widget(
        Paragraph::new(truncate_width(&filt, filters.width as usize)).style(style::dim()),
        filters,
    );
}

/// Why no person is shown although the base has some, and which key changes that.
fn empty_message(app: &App) -> String {
    let c = &app.caseload;
    let q = c.query.text();
    if !q.trim().is_empty() {
        format!(
            "Aucune personne ne correspond à « {} ».",
            truncate_width(&q, 40)
        )
    } else if c.mine {
        format!(
            "Aucune personne dans votre file active : {} pour voir toutes les personnes.",
            app.keymap.key_label(Context::Caseload, Action::ToggleMine)
        )
    } else if c.open != OpenFilter::Tous {
        format!(
            "Aucune personne avec ces filtres : {} pour changer (en cours / sortis / tous).",
            app.keymap.key_label(Context::Caseload, Action::CycleOpen)
        )
    } else {
        "Aucune personne avec ces filtres.".into()
    }
}

/// The table of visible persons, scrolled to the selection, with the alerts legend.
fn draw_table(frame: &mut Frame, app: &App, table: Rect) {
    let c = &app.caseload;
    let wide = table.width >= 96;
    let height = table.height.saturating_sub(3) as usize;
    let offset = scroll_offset(c.selected, height);
    // The name takes what the fixed columns leave.
    let fixed = 10 + 6 + 7 + 16 + 7 + 6 + 2 + if wide { 19 } else { 0 };
    let name_w = (table.width as usize).saturating_sub(fixed).max(12);
    let searching = !c.query.text().trim().is_empty();
    let today = app.clock.today();
    let rows: Vec<Row> = c
        .visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(pos, &i)| person_row(app, i, pos == c.selected, today, name_w, wide, searching))
        .collect();
    let mut header = vec!["Nom", "N° dossier", "Disp."];
    let mut widths = vec![
        Constraint::Length(name_w as u16),
        Constraint::Length(10),
        Constraint::Length(6),
    ];
    if wide {
        header.push("Référent·e");
        widths.push(Constraint::Length(18));
    }
    header.extend(["Dernier", "Prochain RDV", "Alertes"]);
    widths.extend([
        Constraint::Length(7),
        Constraint::Length(16),
        Constraint::Length(7),
    ]);
    let legend = if table.width >= 100 {
        " Alertes : C 1er contact > 15 j · M pas d'entretien > 1 mois · A actions en retard · S statut RDV à préciser "
    } else {
        " C contact · M mensuel · A actions · S statut "
    };
    let t = Table::new(rows, widths)
        .header(Row::new(header).style(style::title()))
        .block(
            Block::bordered()
                .border_style(style::border())
                .title_bottom(Span::styled(legend, style::dim())),
        )
        .column_spacing(1);
    frame.render_widget(t, table);
}

/// One person's row: name, dossier, dispositif, (referent), last contact, next
/// appointment and alert letters.
fn person_row(
    app: &App,
    i: usize,
    selected: bool,
    today: NaiveDate,
    name_w: usize,
    wide: bool,
    searching: bool,
) -> Row<'static> {
    let r = &app.caseload.rows[i];
    let name = name_cell(app, i, name_w, searching);
    let last = match r.days_since_contact(today) {
        Some(d) => format!("{d} j"),
        None => "—".into(),
    };
    let next = r
        .next_appt
        .map(|n| {
            format!(
                "{} {} {}",
                weekday_fr(n.date()),
                format_short_date(n.date(), today),
                n.format("%Hh%M")
            )
        })
        .unwrap_or_else(|| "—".into());
    let a = r.alerts(today);
    let mut alerts = String::new();
    for (on, g) in [
        (a.no_first_contact, 'C'),
        (a.no_interview, 'M'),
        (a.overdue_actions, 'A'),
        (a.status_to_set, 'S'),
    ] {
        alerts.push(if on { g } else { '·' });
    }
    let disp = r.dispositif.as_deref().unwrap_or("—").to_uppercase();
    let mut cells = vec![
        Cell::from(name),
        Cell::from(r.dossier.to_string()),
        Cell::from(disp),
    ];
    if wide {
        cells.push(Cell::from(truncate_width(&r.referent, 18)));
    }
    cells.extend([
        Cell::from(last),
        Cell::from(next),
        Cell::from(alerts).style(if a.count() > 0 {
            style::alert()
        } else {
            style::dim()
        }),
    ]);
    let mut row = Row::new(cells);
    if !r.is_open() {
        row = row.style(style::dim());
    }
    if selected {
        row = row.style(style::selected());
    }
    row
}

/// The name with matched letters highlighted (computed only for visible rows).
fn name_cell(app: &App, row: usize, width: usize, searching: bool) -> Line<'static> {
    let c = &app.caseload;
    let display = c.index.entry(row).display.clone();
    let display = truncate_width(&display, width);
    if !searching {
        return Line::from(display);
    }
    let marks = c.index.highlight(row, &c.query.text());
    let spans: Vec<Span> = display
        .chars()
        .enumerate()
        .map(|(i, ch)| {
            if marks.binary_search(&i).is_ok() {
                Span::styled(ch.to_string(), style::highlight())
            } else {
                Span::raw(ch.to_string())
            }
        })
        .collect();
    Line::from(spans)
}

fn draw_welcome(frame: &mut Frame, app: &App, area: Rect) {
    let key = |ctx, action| format!(" {} ", app.keymap.key_label(ctx, action));
    let text = vec![
        Line::from(Span::styled("Bienvenue dans parcours", style::title())),
        Line::from(""),
        Line::from("La base est vide. Pour commencer :"),
        Line::from(""),
        Line::from(vec![
            Span::styled(key(Context::Caseload, Action::NewPerson), style::key()),
            Span::raw(" créer une personne (son dossier s'ouvre aussitôt)"),
        ]),
        Line::from(vec![
            Span::styled(key(Context::Caseload, Action::LoadDemo), style::key()),
            Span::raw(" charger une file active de démonstration (60 personnes fictives)"),
        ]),
        Line::from(vec![
            Span::styled(key(Context::Global, Action::Help), style::key()),
            Span::raw(" toutes les touches"),
        ]),
        Line::from(""),
        Line::from(Span::styled(
            "Chaque saisie est enregistrée aussitôt : il n'y a pas de bouton «\u{a0}Enregistrer\u{a0}».",
            style::dim(),
        )),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().border_style(style::border())),
        area,
    );
}
