//! The one-page A4 summary of an IAE eligibility diagnostic, to print and sign: the 18
//! criteria with what the file says (and from which field), what the advisor confirmed and
//! the proof seen, the result and its validity. Self-contained HTML like the person's
//! document ([`crate::document`]): no script, no image, no outside link; written 0600.

use crate::dates::{format_date, format_datetime};
use crate::document::{create_private, esc};
use crate::domain::eligibility::{decide, evaluate, Criterion, Facts, Status, StructureKind};
use crate::domain::*;
use crate::export::ExportError;
use crate::store::Backend;
use chrono::NaiveDateTime;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9pt; color: #000;
       max-width: 48em; margin: 1em auto; padding: 0 1em; line-height: 1.25; }
h1 { font-size: 14pt; margin: 0 0 0.1em; }
h2 { font-size: 10.5pt; margin: 0.7em 0 0.25em; border-bottom: 1px solid #444; }
p { margin: 0.2em 0; }
p.meta { color: #333; }
table { border-collapse: collapse; width: 100%; margin: 0.2em 0 0.3em; }
th, td { border: 1px solid #999; padding: 0.12em 0.35em; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: bold; }
table.fields th { width: 28%; background: #f4f4f4; }
col.c { width: 31%; } col.f { width: 37%; } col.k { width: 9%; } col.p { width: 23%; }
td.st { white-space: nowrap; }
td.src { color: #222; font-size: 8pt; }
.result { border: 2px solid #000; padding: 0.35em 0.6em; margin: 0.5em 0; font-size: 10.5pt; }
.result b { font-size: 11.5pt; }
.draft { border: 1px dashed #000; padding: 0.2em 0.5em; margin: 0.3em 0; }
.sign { display: flex; gap: 1em; margin-top: 0.6em; }
.sign div { flex: 1; border: 1px solid #999; height: 4.2em; padding: 0.25em 0.4em; }
footer { margin-top: 0.5em; font-size: 7.5pt; color: #333; }
@page { size: A4; margin: 1.2cm; }
@media print { body { margin: 0; max-width: none; } }
";

/// File name of the summary: `eligibilite-2026-00042-20261122-100000.html`.
pub fn file_name(dossier: &str, now: NaiveDateTime) -> String {
    crate::document::file_name(dossier, now).replacen("dossier-", "eligibilite-", 1)
}

/// What the summary shows: the diagnostic (recorded, or the draft on screen), and whether
/// it is recorded.
pub struct Summary<'a> {
    pub file: &'a PersonFile,
    pub diagnostic: &'a Eligibility,
    pub recorded: bool,
}

/// The summary of the latest recorded diagnostic of `person_id`, or, when none was
/// recorded, of what the file says today for `kind` (marked as not recorded).
pub fn write_latest<W: std::io::Write>(
    store: &dyn Backend,
    rf: &Referential,
    person_id: Id,
    kind: StructureKind,
    mut out: W,
) -> Result<(), ExportError> {
    let file = store.person_file(person_id)?;
    let now = store.clock().now();
    let draft;
    let (diagnostic, recorded) = match file.eligibilities.last() {
        Some(e) => (e, true),
        None => {
            draft = Eligibility {
                person_id,
                date: Some(now.date()),
                structure: kind.code().to_string(),
                ..Default::default()
            };
            (&draft, false)
        }
    };
    let html = html(
        &Summary {
            file: &file,
            diagnostic,
            recorded,
        },
        rf,
        now,
    );
    out.write_all(html.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes the summary into `dir` (created if needed), readable by its owner only.
pub fn write_to_dir(
    summary: &Summary<'_>,
    rf: &Referential,
    now: NaiveDateTime,
    dir: &Path,
) -> Result<PathBuf, ExportError> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(file_name(&summary.file.person.dossier, now));
    let mut f = create_private(&path)?;
    std::io::Write::write_all(&mut f, html(summary, rf, now).as_bytes())?;
    f.sync_all()?;
    Ok(path)
}

fn status_text(s: Status) -> &'static str {
    match s {
        Status::Met => "Rempli",
        Status::NotMet => "Non rempli",
        Status::Unknown => "Inconnu",
    }
}

/// The page, as one HTML string.
pub fn html(summary: &Summary<'_>, rf: &Referential, now: NaiveDateTime) -> String {
    let (file, e) = (summary.file, summary.diagnostic);
    let p = &file.person;
    let on = e.date.unwrap_or(now.date());
    let evaluations = evaluate(&Facts::from_file(file, rf, on), on);
    let kind = e.kind().unwrap_or(StructureKind::Aci);
    let decision = e.decision();
    let mut h = String::with_capacity(12 * 1024);
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Éligibilité IAE — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&p.display_name())
    );
    let _ = writeln!(
        h,
        "<h1>Diagnostic d'éligibilité IAE</h1>\n<p class=\"meta\">{} · n° de dossier {} · \
         document établi le {}</p>",
        esc(&p.display_name()),
        esc(&p.dossier),
        esc(&format_datetime(now))
    );
    if !summary.recorded {
        h.push_str(
            "<p class=\"draft\"><b>Projet non enregistré</b> : ce que le dossier indique, à \
             confirmer critère par critère avec les justificatifs.</p>\n",
        );
    }
    let validity = match (e.expires, e.prescriber) {
        (Some(end), _) => format!("jusqu'au {}", format_date(end)),
        (None, true) => "6 mois à compter de l'enregistrement".to_string(),
        (None, false) => "sans échéance (diagnostic de la structure)".to_string(),
    };
    let rows = [
        (
            "Date de naissance",
            p.birth_date.map(format_date).unwrap_or_default(),
        ),
        ("Type de structure", kind.label().to_string()),
        ("Date du diagnostic", format_date(on)),
        (
            "Réalisé par",
            if e.prescriber {
                "un prescripteur habilité"
            } else {
                "la structure"
            }
            .to_string(),
        ),
        ("Validité", validity),
        ("Conseiller·ère", e.author.clone()),
    ];
    h.push_str("<table class=\"fields\">\n");
    for (k, v) in rows.iter().filter(|(_, v)| !v.is_empty()) {
        let _ = writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    }
    h.push_str("</table>\n");
    let from_file = decide(kind, evaluations.iter().map(|x| (x.criterion, x.status)));
    let rule = format!(
        "il faut 1 critère de niveau 1, ou {} de niveau 2 pour une {}",
        decision.level2_needed,
        kind.code()
    );
    if summary.recorded || !e.criteria.is_empty() {
        let _ = writeln!(
            h,
            "<div class=\"result\"><b>{}</b> — critères confirmés : {} de niveau 1, {} de \
             niveau 2 ({}).</div>",
            esc(decision.verdict.label()),
            decision.level1_met,
            decision.level2_met,
            esc(&rule)
        );
    }
    if !summary.recorded {
        let _ = writeln!(
            h,
            "<div class=\"result\">Selon le dossier : <b>{}</b> — {} de niveau 1, {} de niveau 2 \
             ({}).</div>",
            esc(from_file.verdict.label()),
            from_file.level1_met,
            from_file.level2_met,
            esc(&rule)
        );
    }
    for level in [1u8, 2] {
        let _ = writeln!(h, "<h2>Critères de niveau {level}</h2>");
        h.push_str(
            "<table>\n<colgroup><col class=\"c\"><col class=\"f\"><col class=\"k\">\
             <col class=\"p\"></colgroup>\n<tr><th>Critère</th><th>Selon le dossier</th><th>Confirmé</th>\
             <th>Justificatif vu</th></tr>\n",
        );
        for ev in evaluations.iter().filter(|x| x.criterion.level() == level) {
            criterion_row(&mut h, e, ev.criterion, ev.status, &ev.source);
        }
        h.push_str("</table>\n");
    }
    h.push_str(
        "<div class=\"sign\"><div>Le ou la conseiller·ère (nom, signature)</div>\
         <div>La personne (signature)</div></div>\n",
    );
    h.push_str(
        "<footer>Règle de l'IAE : un critère de niveau 1, ou au moins 3 critères de niveau 2 \
         (ACI, EI, EITI) ou 2 (AI, ETTI). Un diagnostic réalisé par un prescripteur habilité \
         est valable 6 mois. La personne peut demander l'accès à ces informations et leur \
         rectification auprès de la structure qui l'accompagne.</footer>\n</body>\n</html>\n",
    );
    h
}

fn criterion_row(h: &mut String, e: &Eligibility, c: Criterion, status: Status, source: &str) {
    let confirmed = e.criterion(c);
    let (conf, proof) = match confirmed {
        Some(x) => (if x.met { "Oui" } else { "Non" }, x.proof.as_str()),
        None => ("—", ""),
    };
    let _ = writeln!(
        h,
        "<tr><td>{}</td><td class=\"src\"><b>{}</b> · {}</td><td class=\"st\">{}</td>\
         <td>{}</td></tr>",
        esc(c.label()),
        status_text(status),
        esc(source),
        conf,
        esc(proof)
    );
}
