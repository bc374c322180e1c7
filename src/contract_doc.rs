//! The contrat d'engagement to print and sign (issue 12 §3): one self-contained A4 HTML
//! page (two at most), in plain French and large print, handed to people without digital
//! access. Identity, the référent·e and the structure, the contract's terms, the
//! objectives of the plan with their actions and dates, both sides' commitments, the date
//! and two signature boxes. No script, no image, no link outside the page; the file is
//! readable by its owner only (like every export).

use crate::dates::format_date;
use crate::document::{create_private, esc};
use crate::domain::contract::CONTRACT_ENGAGEMENT;
use crate::domain::referential::label_in;
use crate::domain::*;
use crate::export::ExportError;
use crate::store::Backend;
use crate::structure::Structure;
use chrono::NaiveDateTime;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// File name of a person's contract: `contrat-2026-00042-20261122-100000.html`.
pub fn file_name(dossier: &str, now: NaiveDateTime) -> String {
    crate::document::file_name(dossier, now).replacen("dossier-", "contrat-", 1)
}

/// Said when the person has no suivi (the contract belongs to one).
pub const NO_SUIVI: &str =
    "pas de contrat à imprimer : ce dossier n'a aucun suivi (renseignez-le d'abord, touche du suivi dans le dossier)";

/// Writes the contract of `person_id`'s current suivi to `out`.
pub fn write_contract<W: std::io::Write>(
    store: &dyn Backend,
    rf: &Referential,
    st: &Structure,
    person_id: Id,
    mut out: W,
) -> Result<(), ExportError> {
    let file = store.person_file(person_id)?;
    let html = contract_html(&file, rf, st, store.clock().now())?;
    out.write_all(html.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes the contract into `dir` (created if needed), 0600; returns its path.
pub fn write_to_dir(
    store: &dyn Backend,
    rf: &Referential,
    st: &Structure,
    person_id: Id,
    dir: &Path,
) -> Result<PathBuf, ExportError> {
    let file = store.person_file(person_id)?;
    let now = store.clock().now();
    let html = contract_html(&file, rf, st, now)?;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(file_name(&file.person.dossier, now));
    let mut f = create_private(&path)?;
    std::io::Write::write_all(&mut f, html.as_bytes())?;
    f.sync_all()?;
    Ok(path)
}

const STYLE: &str = "
@page { size: A4; margin: 16mm 16mm 14mm 16mm; }
* { box-sizing: border-box; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 13pt; line-height: 1.3;
       color: #000; max-width: 178mm; margin: 0 auto; }
h1 { font-size: 19pt; margin: 0 0 1pt; }
p.sub { margin: 0 0 6pt; font-size: 11.5pt; }
h2 { font-size: 14pt; margin: 9pt 0 3pt; border-bottom: 1.5pt solid #000; padding-bottom: 1pt;
     break-after: avoid; page-break-after: avoid; }
.parties { display: flex; gap: 6mm; }
.parties > div { flex: 1; border: 1pt solid #000; padding: 4pt 8pt; }
.parties h3 { font-size: 13pt; margin: 0 0 2pt; }
.parties p { margin: 0; }
dl.terms { display: grid; grid-template-columns: 52mm 1fr; margin: 0; gap: 0 4mm; }
dl.terms dt { font-weight: bold; } dl.terms dd { margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1pt solid #555; padding: 2pt 5pt; text-align: left; vertical-align: top; }
th { background: #eee; }
td.date { white-space: nowrap; width: 30mm; }
td.status, th.status { width: 38mm; }
tr { break-inside: avoid; page-break-inside: avoid; }
tr.objective td { font-weight: bold; background: #f4f4f4; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.commit { border: 1pt solid #000; padding: 3pt 8pt; margin: 0 0 5pt; break-inside: avoid; }
.commit h3 { font-size: 13pt; margin: 0 0 2pt; }
.commit p { margin: 0; }
.empty { font-style: italic; }
.signatures { break-inside: avoid; page-break-inside: avoid; margin-top: 6pt; }
.signatures > p { margin: 0; }
.boxes { display: flex; gap: 6mm; margin-top: 6pt; }
.boxes > div { flex: 1; border: 1.5pt solid #000; height: 32mm; padding: 4pt 8pt; }
.boxes p { margin: 0; font-weight: bold; }
.boxes p.who { font-weight: normal; }
p.note { margin: 4pt 0 0; font-size: 11.5pt; }
";

/// The contract of the person's current suivi, as one HTML page.
pub fn contract_html(
    file: &PersonFile,
    rf: &Referential,
    st: &Structure,
    now: NaiveDateTime,
) -> Result<String, ExportError> {
    let Some(s) = file.current_suivi() else {
        return Err(ExportError::Invalid(NO_SUIVI.into()));
    };
    let p = &file.person;
    let mut h = String::with_capacity(12 * 1024);
    let kind = if s.contrat.is_empty() || s.contrat == codes::CONTRACT_NONE {
        label_in(&rf.contracts, CONTRACT_ENGAGEMENT).to_string()
    } else {
        label_in(&rf.contracts, &s.contrat).to_string()
    };
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{} — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&kind),
        esc(&p.display_name())
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&kind));
    let legal = if s.contrat == CONTRACT_ENGAGEMENT || s.contrat == codes::CONTRACT_NONE {
        "Article L5411-6 du code du travail. "
    } else {
        ""
    };
    let _ = writeln!(
        h,
        "<p class=\"sub\">{legal}Dossier n° {} · document du {}</p>",
        esc(&p.dossier),
        esc(&format_date(now.date()))
    );

    // ----- the parties -----
    h.push_str("<section class=\"parties\">\n<div>\n<h3>La personne</h3>\n");
    let mut person = vec![p.display_name()];
    if let Some(b) = p.birth_date {
        person.push(format!("née ou né le {}", format_date(b)));
    }
    for v in [&p.commune, &p.phone, &p.email] {
        if !v.trim().is_empty() {
            person.push(v.clone());
        }
    }
    for l in person {
        let _ = writeln!(h, "<p>{}</p>", esc(&l));
    }
    h.push_str("</div>\n<div>\n<h3>La structure</h3>\n");
    let mut structure = Vec::new();
    if !st.nom.is_empty() {
        structure.push(st.nom.clone());
    }
    structure.extend(st.adresse.lines().map(str::to_string));
    if !st.telephone.is_empty() {
        structure.push(format!("Tél. {}", st.telephone));
    }
    if structure.is_empty() {
        structure.push("(nom de la structure : à renseigner dans structure.toml)".into());
    }
    if !s.referent.trim().is_empty() {
        structure.push(format!("Référent·e : {}", s.referent));
    }
    for l in structure {
        let _ = writeln!(h, "<p>{}</p>", esc(&l));
    }
    h.push_str("</div>\n</section>\n");

    // ----- the terms -----
    h.push_str("<h2>Le contrat</h2>\n<dl class=\"terms\">\n");
    let date = |d: Option<chrono::NaiveDate>| d.map(format_date).unwrap_or_default();
    let period = match (s.contrat_debut, s.contrat_fin) {
        (Some(a), Some(b)) => format!("du {} au {}", format_date(a), format_date(b)),
        (Some(a), None) => format!("à partir du {}", format_date(a)),
        (None, Some(b)) => format!("jusqu'au {}", format_date(b)),
        _ => String::new(),
    };
    let terms = [
        (
            "Accompagnement",
            label_in(&rf.dispositifs, &s.dispositif).to_string(),
        ),
        ("Orientation le", date(s.date_orientation)),
        ("Signé le", date(s.contrat_signe_le)),
        ("Durée", period),
        ("Point d'étape le", date(s.contrat_revision)),
        (
            "Temps consacré",
            s.contrat_intensite
                .map(|n| format!("{n} heure{} par semaine", if n > 1 { "s" } else { "" }))
                .unwrap_or_default(),
        ),
        ("Métiers recherchés", s.contrat_metiers.clone()),
        ("Zone de recherche", s.contrat_zone.clone()),
    ];
    for (k, v) in terms {
        let v = if v.trim().is_empty() {
            "<span class=\"empty\">à compléter</span>".to_string()
        } else {
            esc(&v)
        };
        let _ = writeln!(h, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    }
    h.push_str("</dl>\n");

    plan(&mut h, file, rf);

    // ----- commitments -----
    h.push_str("<h2>Nos engagements</h2>\n");
    let commitments = [
        ("Je m'engage à", &s.engagements_personne),
        (
            "La structure et votre référent·e s'engagent à",
            &s.engagements_structure,
        ),
    ];
    for (title, text) in commitments {
        let body = if text.trim().is_empty() {
            "<p class=\"empty\">à compléter ensemble</p>".to_string()
        } else {
            format!("<p class=\"text\">{}</p>", esc(text.trim()))
        };
        let _ = writeln!(
            h,
            "<div class=\"commit\"><h3>{}</h3>{body}</div>",
            esc(title)
        );
    }

    h.push_str(
        "<p class=\"note\">Ce contrat peut être revu à tout moment, à votre demande ou à celle \
         de votre référent·e. Gardez votre exemplaire : il rappelle ce que nous avons décidé \
         ensemble.</p>\n",
    );

    // ----- date and signatures (last: the boxes stay together at the foot) -----
    let signed = s
        .contrat_signe_le
        .map(format_date)
        .unwrap_or_else(|| "…… / …… / ……………".into());
    let _ = writeln!(
        h,
        "<section class=\"signatures\">\n<p>Fait le {}, en deux exemplaires.</p>\n<div class=\"boxes\">\n\
         <div><p>La personne</p><p class=\"who\">{}</p></div>\n\
         <div><p>Pour la structure</p><p class=\"who\">{}</p></div>\n</div>\n</section>",
        esc(&signed),
        esc(&p.display_name()),
        esc(&s.referent)
    );
    h.push_str("</body>\n</html>\n");
    Ok(h)
}

/// The plan: the contract's objectives (all objectives when none is marked), each with
/// its actions, their due dates and status.
fn plan(h: &mut String, file: &PersonFile, rf: &Referential) {
    h.push_str("<h2>Le plan d'action</h2>\n");
    let marked: Vec<&Objective> = file.objectives.iter().filter(|o| o.contrat).collect();
    let objectives: Vec<&Objective> = if marked.is_empty() {
        file.objectives.iter().collect()
    } else {
        marked
    };
    if objectives.is_empty() {
        h.push_str("<p class=\"empty\">Objectifs et actions : à définir ensemble.</p>\n");
        return;
    }
    h.push_str(
        "<table>\n<tr><th>Objectif et actions</th><th>Échéance</th><th class=\"status\">Où en est-on</th></tr>\n",
    );
    for o in objectives {
        let _ = writeln!(
            h,
            "<tr class=\"objective\"><td class=\"text\" colspan=\"2\">{}</td><td class=\"status\">{}</td></tr>",
            esc(&o.label),
            esc(label_in(&rf.objective_statuses, &o.status))
        );
        for a in file.actions.iter().filter(|a| a.objective_id == Some(o.id)) {
            let _ = writeln!(
                h,
                "<tr><td class=\"text\">• {}</td><td class=\"date\">{}</td><td class=\"status\">{}</td></tr>",
                esc(&a.label),
                esc(&a.due.map(format_date).unwrap_or_default()),
                esc(label_in(&rf.action_statuses, &a.status))
            );
        }
    }
    h.push_str("</table>\n");
}
