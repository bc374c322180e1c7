//! The IAE eligibility view of a file (a pure function of the state): the 18 criteria with
//! what the file says and from which field, the advisor's confirmation and proof, the
//! result, and the last recorded diagnostic with its expiry.

use super::{popup, scroll_offset, style};
use crate::app::file::eligibility::EligibilityDraft;
use crate::app::keys::{Action, Context};
use crate::app::{App, FileState};
use crate::dates::format_date;
use crate::domain::eligibility::{decide, Criterion, Status, Verdict};
use crate::domain::Validity;
use crate::text::truncate_width;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, app: &App, file: &FileState, draft: &EligibilityDraft, area: Rect) {
    let title = format!(
        "Éligibilité IAE — {} ({} pour fermer)",
        draft.kind.code(),
        app.keymap.key_label(Context::Eligibility, Action::Back)
    );
    let (block, inner) = popup(frame, area, &title);
    frame.render_widget(block, area);
    let detail_rows = if inner.height >= 28 { 3 } else { 0 };
    let [head, list, detail] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Min(1),
        Constraint::Length(detail_rows),
    ])
    .areas(inner);
    let evaluations = app.eligibility_evaluations(file);
    let w = inner.width as usize;
    frame.render_widget(
        Paragraph::new(head_lines(app, file, draft, &evaluations, w)),
        head,
    );

    // The criteria table.
    let wide = w >= 110;
    // Short labels: the source is what the advisor reads; the full label is below.
    let label_w = 18;
    // Narrow: « oui / non / ? » for what the file says, so the source keeps its room.
    let status_w = if wide { 10 } else { 4 };
    let rest = w.saturating_sub(2 + label_w + 1 + status_w + 1 + 4 + 1);
    let source_w = rest * 2 / 3;
    let proof_w = rest.saturating_sub(source_w + 1);
    let pad = |s: &str, n: usize| {
        let t = truncate_width(s, n);
        let fill = n.saturating_sub(t.width());
        format!("{t}{}", " ".repeat(fill))
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "N {} {} {} {} {}",
            pad("Critère", label_w),
            pad(if wide { "Dossier" } else { "Dos." }, status_w),
            pad("Source", source_w),
            pad("Conf", 4),
            pad("Justificatif vu", proof_w)
        ),
        style::title(),
    ))];
    let rows = list.height.saturating_sub(1) as usize;
    let off = scroll_offset(draft.selected, rows);
    for (i, e) in evaluations.iter().enumerate().skip(off).take(rows) {
        let c = e.criterion;
        let label = c.short();
        let (conf, conf_style) = match draft.confirmed[i] {
            Some(true) => ("oui", style::ok()),
            Some(false) => ("non", Style::default()),
            None => ("—", style::dim()),
        };
        let status_style = match e.status {
            Status::Met => style::ok(),
            Status::NotMet => Style::default(),
            Status::Unknown => style::warn(),
        };
        let mut line = Line::from(vec![
            Span::raw(format!("{} {} ", c.level(), pad(label, label_w))),
            Span::styled(pad(status_text(e.status, wide), status_w), status_style),
            Span::styled(format!(" {} ", pad(&e.source, source_w)), style::dim()),
            Span::styled(pad(conf, 4), conf_style),
            Span::raw(format!(" {}", pad(&draft.proofs[i], proof_w))),
        ]);
        if i == draft.selected {
            line = line.style(style::selected());
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), list);

    if detail_rows > 0 {
        let i = draft.selected;
        let c = draft.criterion();
        let e = &evaluations[i];
        let proof = if draft.proofs[i].is_empty() {
            format!(
                "aucun ({} pour choisir parmi : {})",
                app.keymap
                    .key_label(Context::Eligibility, Action::CycleProof),
                c.proofs().join(", ")
            )
        } else {
            draft.proofs[i].clone()
        };
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(
                    format!("{} (niveau {})", c.label(), c.level()),
                    style::title(),
                )),
                Line::from(format!(
                    "Selon le dossier : {} — {}",
                    e.status.label(),
                    e.source
                )),
                Line::from(format!("Justificatif vu : {proof}")),
            ])
            .wrap(Wrap { trim: true }),
            detail,
        );
    }
}

fn status_text(s: Status, wide: bool) -> &'static str {
    match (s, wide) {
        (_, true) => s.label(),
        (Status::Met, false) => "oui",
        (Status::NotMet, false) => "non",
        (Status::Unknown, false) => "?",
    }
}

/// Structure kind and who makes it; the result from the file and from the confirmations;
/// the last recorded diagnostic and its expiry (the alert a month before).
fn head_lines(
    app: &App,
    file: &FileState,
    draft: &EligibilityDraft,
    evaluations: &[crate::domain::eligibility::Evaluation],
    w: usize,
) -> Vec<Line<'static>> {
    let by = if draft.prescriber {
        "prescripteur (valable 6 mois)"
    } else {
        "structure (sans échéance)"
    };
    let n2 = draft.kind.level2_needed();
    let kind_line = if w >= 110 {
        format!(
            "Structure : {} — 1 critère de niveau 1 ou {n2} de niveau 2 · {by}",
            draft.kind.label()
        )
    } else {
        format!(
            "{} : 1 critère niv. 1 ou {n2} niv. 2 · {by}",
            draft.kind.code()
        )
    };
    let from_file = decide(
        draft.kind,
        evaluations.iter().map(|e| (e.criterion, e.status)),
    );
    let confirmed = draft.decision();
    let n = draft.confirmed.iter().filter(|c| c.is_some()).count();
    let verdict_style = |v: Verdict| match v {
        Verdict::Eligible => style::ok(),
        Verdict::NotEligible => Style::default(),
        Verdict::ToComplete => style::warn(),
    };
    let result = Line::from(vec![
        Span::raw("Selon le dossier : "),
        Span::styled(from_file.summary(), verdict_style(from_file.verdict)),
        Span::raw(format!(" · confirmés {n}/{} : ", Criterion::ALL.len())),
        Span::styled(
            if n == 0 {
                "—".to_string()
            } else {
                confirmed.summary()
            },
            verdict_style(confirmed.verdict),
        ),
    ]);
    let today = app.clock.today();
    let last = match file.data.eligibilities.last() {
        None => Line::from(Span::styled(
            "Aucun diagnostic enregistré".to_string(),
            style::dim(),
        )),
        Some(e) => {
            let what = format!(
                "Diagnostic du {}, {}, {}",
                e.date.map(format_date).unwrap_or_default(),
                e.structure,
                if e.eligible {
                    "éligible"
                } else {
                    "non éligible"
                }
            );
            let (tail, st) = match e.validity(today) {
                Validity::Valid => (
                    format!(
                        ", valable jusqu'au {}",
                        e.expires.map(format_date).unwrap_or_default()
                    ),
                    Style::default(),
                ),
                Validity::ExpiresSoon(d) => (
                    format!(" : expire le {}, à renouveler", format_date(d)),
                    style::alert(),
                ),
                Validity::Expired(d) => {
                    (format!(" : expiré le {}", format_date(d)), style::alert())
                }
                Validity::NoExpiry => {
                    (", diagnostic de la structure".to_string(), Style::default())
                }
            };
            Line::from(Span::styled(
                truncate_width(&format!("{what}{tail}"), w),
                st,
            ))
        }
    };
    // The keys the bottom bar leaves out.
    let key = |a| app.keymap.key_label(Context::Eligibility, a);
    let hint = format!(
        "{} rempli/non/à voir · {} justificatif libre · {} prescripteur/structure",
        key(Action::CycleConfirm),
        key(Action::EditProof),
        key(Action::TogglePrescriber)
    );
    vec![
        Line::from(truncate_width(&kind_line, w)),
        result,
        last,
        Line::from(Span::styled(truncate_width(&hint, w), style::dim())),
    ]
}
