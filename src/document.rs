//! The readable document of one person's complete file (right of access): a self-contained
//! HTML page in French, to print or hand over. Labels come from the referential, dates are
//! dd/mm/yyyy, every table that refers to the person is there (notes included, private ones
//! marked as such); the audit log is not part of it.
//!
//! The page has no script, no image and no link to anything outside itself: it opens the
//! same on a PC without network and prints on A4 (`@page`).

use crate::dates::{format_date, format_datetime};
use crate::domain::referential::label_in;
use crate::domain::*;
use crate::export::ExportError;
use crate::store::Backend;
use chrono::NaiveDateTime;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Section of the document showing each table that refers to a person. A test checks that
/// every such table (read from the schema) is listed here and shows in the document.
pub const TABLE_SECTIONS: &[(&str, &str)] = &[
    ("persons", "Identité"),
    ("suivis", "Accompagnement"),
    ("diagnostics", "Diagnostic socio-professionnel"),
    ("diagnostic_themes", "Diagnostic socio-professionnel"),
    ("barriers", "Obstacles"),
    ("objectives", "Plan d'action"),
    ("actions", "Plan d'action"),
    ("appointments", "Rendez-vous"),
    ("demarches", "Rendez-vous"),
    ("notes", "Journal"),
    ("etapes", "Étapes de parcours"),
    ("saisines", "Saisines du Département"),
    ("veilles", "Veille à 6 mois"),
    ("session_participants", SESSIONS_SECTION),
    ("eligibilities", "Éligibilité IAE"),
    ("eligibility_criteria", "Éligibilité IAE"),
];

/// Section of the document listing the person's collective sessions.
pub const SESSIONS_SECTION: &str = "Actions collectives";

/// Label of a private note in the document.
pub const PRIVATE_NOTE: &str = "Note privée (équipe)";
/// Label of a shared note in the document.
pub const SHARED_NOTE: &str = "Note partagée";

/// Where the app writes documents: `exports/` in the user's data directory.
pub const EXPORT_DIR: &str = "exports";

/// File name of a person's document: `dossier-2026-00042-20261122-1000.html`.
pub fn file_name(dossier: &str, now: NaiveDateTime) -> String {
    let safe: String = dossier
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("dossier-{safe}-{}.html", now.format("%Y%m%d-%H%M%S"))
}

/// Writes the document of one person to `out`.
pub fn write_document<W: std::io::Write>(
    store: &dyn Backend,
    rf: &Referential,
    person_id: Id,
    mut out: W,
) -> Result<(), ExportError> {
    let file = store.person_file(person_id)?;
    let structure = crate::structure::load().0;
    let html = person_html_for(&file, rf, store.clock().now(), &structure.nom, false);
    let html = with_sessions(html, store, rf, person_id)?;
    out.write_all(html.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes the document of one person into `dir` (created if needed) and returns its path.
/// The file is readable by its owner only: it is not encrypted.
pub fn write_to_dir(
    store: &dyn Backend,
    rf: &Referential,
    person_id: Id,
    dir: &Path,
) -> Result<PathBuf, ExportError> {
    write_to_dir_nir(store, rf, person_id, dir, false)
}

/// [`write_to_dir`], the NIR in full when `nir_shown` (the advisor shows it in the file).
pub fn write_to_dir_nir(
    store: &dyn Backend,
    rf: &Referential,
    person_id: Id,
    dir: &Path,
    nir_shown: bool,
) -> Result<PathBuf, ExportError> {
    let file = store.person_file(person_id)?;
    let now = store.clock().now();
    std::fs::create_dir_all(dir)?;
    let path = dir.join(file_name(&file.person.dossier, now));
    let structure = crate::structure::load().0;
    let html = person_html_for(&file, rf, now, &structure.nom, nir_shown);
    let html = with_sessions(html, store, rf, person_id)?;
    let mut f = create_private(&path)?;
    std::io::Write::write_all(&mut f, html.as_bytes())?;
    f.sync_all()?;
    Ok(path)
}

/// Creates (or truncates) a file readable by its owner only (on Unix; on Windows the
/// user's profile folder already is).
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Escapes text for HTML (element content and attribute values).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 11pt; color: #000;
       max-width: 60em; margin: 1.5em auto; padding: 0 1em; line-height: 1.35; }
h1 { font-size: 16pt; margin-bottom: 0.2em; }
h2 { font-size: 13pt; border-bottom: 1px solid #444; margin-top: 1.6em; padding-bottom: 0.1em; }
h3 { font-size: 11.5pt; margin: 1.1em 0 0.4em; }
p.meta { color: #333; margin-top: 0; }
p.intro { border: 1px solid #888; padding: 0.6em 0.8em; background: #f4f4f4; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 0.8em; }
th, td { border: 1px solid #999; padding: 0.25em 0.45em; text-align: left; vertical-align: top; }
th { background: #eee; }
table.fields th { width: 30%; }
.text { white-space: pre-wrap; }
.empty { font-style: italic; color: #444; }
.note { border: 1px solid #999; padding: 0.4em 0.7em; margin: 0.5em 0; page-break-inside: avoid; }
.note .head { font-weight: bold; }
.private { border-left: 4px solid #000; }
footer { margin-top: 2em; font-size: 9.5pt; color: #333; border-top: 1px solid #999; padding-top: 0.5em; }
@page { size: A4; margin: 1.5cm; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } }
";

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(format_date).unwrap_or_default()
}

fn datetime(d: Option<NaiveDateTime>) -> String {
    d.map(format_datetime).unwrap_or_default()
}

/// A partner or other code-or-free-text value: the label when the code is known.
fn partner(rf: &Referential, v: &str) -> String {
    label_in(&rf.partners, v).to_string()
}

fn theme(rf: &Referential, code: &str) -> String {
    rf.demarche_label(code)
        .map(str::to_string)
        .unwrap_or_else(|| code.to_string())
}

struct Page {
    html: String,
}

impl Page {
    fn raw(&mut self, s: &str) {
        self.html.push_str(s);
    }

    fn h2(&mut self, title: &str) {
        let _ = writeln!(self.html, "<h2>{}</h2>", esc(title));
    }

    fn h3(&mut self, title: &str) {
        let _ = writeln!(self.html, "<h3>{}</h3>", esc(title));
    }

    fn empty(&mut self, text: &str) {
        let _ = writeln!(self.html, "<p class=\"empty\">{}</p>", esc(text));
    }

    /// A two-column table of labelled values; empty values are left out.
    fn fields(&mut self, rows: &[(&str, String)]) {
        let rows: Vec<&(&str, String)> = rows.iter().filter(|(_, v)| !v.is_empty()).collect();
        if rows.is_empty() {
            return;
        }
        self.raw("<table class=\"fields\">\n");
        for (k, v) in rows {
            let _ = writeln!(
                self.html,
                "<tr><th>{}</th><td class=\"text\">{}</td></tr>",
                esc(k),
                esc(v)
            );
        }
        self.raw("</table>\n");
    }

    /// A table with a header row.
    fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        self.raw("<table>\n<tr>");
        for h in header {
            let _ = write!(self.html, "<th>{}</th>", esc(h));
        }
        self.raw("</tr>\n");
        for r in rows {
            self.raw("<tr>");
            for c in r {
                let _ = write!(self.html, "<td class=\"text\">{}</td>", esc(c));
            }
            self.raw("</tr>\n");
        }
        self.raw("</table>\n");
    }
}

/// The whole document, as one HTML string.
/// « oui », « non », or nothing when not known (the row is then left out).
fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "oui".into(),
        Some(false) => "non".into(),
        None => String::new(),
    }
}

/// « Droit ouvert depuis le 01/03/2024 »; empty when neither is known.
fn benefit(rf: &Referential, statut: &str, since: Option<chrono::NaiveDate>) -> String {
    let mut s = label_in(&rf.benefit_statuses, statut).to_string();
    if let Some(d) = since {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("depuis le {}", format_date(d)));
    }
    s
}

/// The person's identity fields after the contact details (issue 13).
fn more_identity(rf: &Referential, p: &Person, nir_shown: bool) -> Vec<(&'static str, String)> {
    let caf = match (p.caf_numero.is_empty(), p.caf_organisme.is_empty()) {
        (false, false) => format!(
            "{} ({})",
            p.caf_numero,
            label_in(&rf.benefit_organisms, &p.caf_organisme)
        ),
        (false, true) => p.caf_numero.clone(),
        (true, false) => label_in(&rf.benefit_organisms, &p.caf_organisme).to_string(),
        (true, true) => String::new(),
    };
    let nir = if p.nir.is_empty() || nir_shown {
        nir::display(&p.nir, nir_shown)
    } else {
        format!("{} (masqué)", nir::masked(&p.nir))
    };
    vec![
        ("Nom de naissance", p.nom_naissance.clone()),
        ("Adresse", p.adresse.clone()),
        ("Code postal", p.code_postal.clone()),
        ("N° allocataire", caf),
        ("NIR", nir),
        ("ID France Travail", p.id_france_travail.clone()),
        ("ID Département", p.id_departement.clone()),
        (
            "Rôle dans le foyer",
            label_in(&rf.household_roles, &p.role_foyer).to_string(),
        ),
    ]
}

/// Section « Droits et situation administrative » (benefits, sources of the IAE criteria).
fn rights_section(page: &mut Page, rf: &Referential, p: &Person) {
    page.h2("Droits et situation administrative");
    let rqth = match (p.rqth, p.rqth_fin) {
        (Some(true), Some(end)) => format!("oui, jusqu'au {}", format_date(end)),
        (v, _) => yes_no(v),
    };
    let rows = [
        ("RSA", benefit(rf, &p.rsa_statut, p.rsa_depuis)),
        ("ASS", benefit(rf, &p.ass_statut, p.ass_depuis)),
        ("AAH", benefit(rf, &p.aah_statut, p.aah_depuis)),
        ("Sortant·e de l'ASE", yes_no(p.ase_sortant)),
        (
            "Statut de protection",
            label_in(&rf.protection_statuses, &p.protection).to_string(),
        ),
        ("RQTH", rqth),
        ("Résident·e ZRR / FRR", yes_no(p.zrr)),
        ("Résident·e QPV", yes_no(p.qpv)),
        (
            "Niveau de français",
            label_in(&rf.french_levels, &p.niveau_francais).to_string(),
        ),
        ("Parent isolé·e", yes_no(p.parent_isole)),
    ];
    if rows.iter().all(|(_, v)| v.is_empty()) {
        page.empty("Aucune information enregistrée.");
    }
    page.fields(&rows);
}

/// The document, the NIR masked.
pub fn person_html(file: &PersonFile, rf: &Referential, now: NaiveDateTime) -> String {
    person_html_for(file, rf, now, "", false)
}

/// The document, the NIR in full when `nir_shown`, with the name of the structure
/// (`structure.toml`, empty: none) under the title.
pub fn person_html_for(
    file: &PersonFile,
    rf: &Referential,
    now: NaiveDateTime,
    structure: &str,
    nir_shown: bool,
) -> String {
    let p = &file.person;
    let mut page = Page {
        html: String::with_capacity(16 * 1024),
    };
    let title = format!("Dossier n° {} — {}", p.dossier, p.display_name());
    let _ = writeln!(
        page.html,
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&title)
    );
    let _ = writeln!(
        page.html,
        "<h1>Dossier d'accompagnement de {}</h1>\n<p class=\"meta\">{}N° de dossier {} · document établi le {}</p>",
        esc(&p.display_name()),
        if structure.is_empty() {
            String::new()
        } else {
            format!("{} · ", esc(structure))
        },
        esc(&p.dossier),
        esc(&format_datetime(now))
    );
    page.raw(
        "<p class=\"intro\">Ce document reprend toutes les informations enregistrées sur la \
         personne dans son dossier d'accompagnement : identité, accompagnement, diagnostic, \
         obstacles, plan d'action, rendez-vous, notes du journal (y compris les notes \
         privées, réservées à l'équipe) et diagnostics d'éligibilité IAE. Il est remis au titre du droit d'accès (RGPD, \
         article 15).</p>\n",
    );

    // ----- identité (persons) -----
    page.h2("Identité");
    let mut identity = vec![
        ("N° de dossier", p.dossier.clone()),
        ("Nom", p.nom.clone()),
        ("Prénom", p.prenom.clone()),
        ("Nom d'usage", p.nom_usage.clone()),
        ("Date de naissance", date(p.birth_date)),
        ("Sexe", label_in(&rf.sexes, &p.sexe).to_string()),
        ("Téléphone", p.phone.clone()),
        ("E-mail", p.email.clone()),
        ("Commune", p.commune.clone()),
    ];
    identity.extend(more_identity(rf, p, nir_shown));
    identity.extend([
        ("Dossier créé le", datetime(p.created_at)),
        ("Dernière modification le", datetime(p.updated_at)),
    ]);
    page.fields(&identity);
    rights_section(&mut page, rf, p);

    // ----- accompagnement (suivis) -----
    page.h2("Accompagnement");
    if file.suivis.is_empty() {
        page.empty("Aucune période d'accompagnement enregistrée.");
    }
    for (i, s) in file.suivis.iter().enumerate() {
        page.h3(&format!(
            "Période {} : {}",
            i + 1,
            label_in(&rf.dispositifs, &s.dispositif)
        ));
        page.fields(&[
            (
                "Dispositif",
                label_in(&rf.dispositifs, &s.dispositif).to_string(),
            ),
            ("Référent·e", s.referent.clone()),
            ("Prescripteur", partner(rf, &s.prescripteur)),
            ("Date d'orientation", date(s.date_orientation)),
            ("Premier contact", date(s.date_premier_contact)),
            ("Entrée", date(s.date_entree)),
            ("Contrat", label_in(&rf.contracts, &s.contrat).to_string()),
            ("Contrat du", date(s.contrat_debut)),
            ("Contrat au", date(s.contrat_fin)),
            ("Sortie le", date(s.sortie_date)),
            (
                "Motif de sortie",
                s.sortie_categorie
                    .as_deref()
                    .map(|c| label_in(&rf.exit_categories, c).to_string())
                    .unwrap_or_default(),
            ),
            ("Précision sur la sortie", s.sortie_detail.clone()),
            ("Contrat signé le", date(s.contrat_signe_le)),
            ("Révision du contrat le", date(s.contrat_revision)),
            (
                "Intensité",
                s.contrat_intensite
                    .map(|h| format!("{h} h par semaine"))
                    .unwrap_or_default(),
            ),
            ("Métiers recherchés", s.contrat_metiers.clone()),
            ("Zone de recherche", s.contrat_zone.clone()),
            ("Engagements de la personne", s.engagements_personne.clone()),
            (
                "Engagements de la structure",
                s.engagements_structure.clone(),
            ),
        ]);
    }

    // ----- diagnostic (diagnostics, diagnostic_themes) -----
    page.h2("Diagnostic socio-professionnel");
    if file.diagnostics.is_empty() {
        page.empty("Aucun diagnostic enregistré.");
    }
    for d in &file.diagnostics {
        let kind = label_in(&rf.diagnostic_kinds, &d.kind);
        match d.date {
            Some(day) => page.h3(&format!("{kind} du {}", format_date(day))),
            None => page.h3(kind),
        }
        let niveau = if d.niveau.is_empty() {
            String::new()
        } else {
            format!("{} — {}", d.niveau, label_in(&rf.niveaux, &d.niveau))
        };
        page.fields(&[
            ("Niveau de formation", niveau),
            ("Diplômes, formations", d.diplomes.clone()),
            ("Situation actuelle", d.situation_pro.clone()),
            ("Dernier emploi", d.dernier_emploi.clone()),
            (
                "Inactivité",
                d.inactivite_mois
                    .map(|m| format!("{m} mois"))
                    .unwrap_or_default(),
            ),
            (
                "Inscrit·e à France Travail",
                match (d.ft_inscrit, d.ft_date) {
                    (true, Some(day)) => format!("oui, depuis le {}", format_date(day)),
                    (true, None) => "oui".into(),
                    (false, _) => "non".into(),
                },
            ),
            ("Projet professionnel", d.projet.clone()),
            ("Métiers visés", d.metiers_cibles.clone()),
            ("Compétences, points forts", d.competences.clone()),
            ("Envies", d.envies.clone()),
        ]);
        if !d.themes.is_empty() {
            let rows: Vec<Vec<String>> = d
                .themes
                .iter()
                .map(|t| {
                    vec![
                        theme(rf, &t.theme),
                        label_in(&rf.levels, &t.level).to_string(),
                        t.comment.clone(),
                    ]
                })
                .collect();
            page.table(&["Thème", "Niveau", "Commentaire"], &rows);
        }
    }

    // ----- obstacles (barriers) -----
    page.h2("Obstacles");
    if file.barriers.is_empty() {
        page.empty("Aucun obstacle enregistré.");
    } else {
        let rows: Vec<Vec<String>> = file
            .barriers
            .iter()
            .map(|b| {
                vec![
                    theme(rf, &b.theme),
                    rf.barrier_label(b).to_string(),
                    label_in(&rf.barrier_statuses, &b.status).to_string(),
                    date(b.since),
                    date(b.resolved),
                    b.note.clone(),
                ]
            })
            .collect();
        page.table(
            &["Thème", "Situation", "Statut", "Depuis", "Levé le", "Note"],
            &rows,
        );
    }

    // ----- plan d'action (objectives, actions) -----
    page.h2("Plan d'action");
    page.h3("Objectifs");
    if file.objectives.is_empty() {
        page.empty("Aucun objectif enregistré.");
    } else {
        let rows: Vec<Vec<String>> = file
            .objectives
            .iter()
            .map(|o| {
                vec![
                    o.theme.as_deref().map(|t| theme(rf, t)).unwrap_or_default(),
                    o.label.clone(),
                    label_in(&rf.objective_statuses, &o.status).to_string(),
                    if o.contrat { "oui" } else { "non" }.to_string(),
                ]
            })
            .collect();
        page.table(
            &["Thème", "Objectif", "Statut", "Au contrat d'engagement"],
            &rows,
        );
    }
    page.h3("Actions");
    if file.actions.is_empty() {
        page.empty("Aucune action enregistrée.");
    } else {
        let rows: Vec<Vec<String>> = file
            .actions
            .iter()
            .map(|a| {
                let objective = a
                    .objective_id
                    .and_then(|id| file.objectives.iter().find(|o| o.id == id))
                    .map(|o| o.label.clone())
                    .unwrap_or_default();
                let barrier = a
                    .barrier_id
                    .and_then(|id| file.barriers.iter().find(|b| b.id == id))
                    .map(|b| rf.barrier_label(b).to_string())
                    .unwrap_or_default();
                let linked = [objective, barrier]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ; ");
                vec![
                    a.label.clone(),
                    a.action_type
                        .as_deref()
                        .map(|t| label_in(&rf.action_types, t).to_string())
                        .unwrap_or_default(),
                    partner(rf, &a.partner),
                    date(a.due),
                    label_in(&rf.action_statuses, &a.status).to_string(),
                    a.outcome.clone(),
                    linked,
                ]
            })
            .collect();
        page.table(
            &[
                "Action",
                "Type",
                "Partenaire",
                "Échéance",
                "Statut",
                "Résultat",
                "Pour",
            ],
            &rows,
        );
    }

    // ----- rendez-vous (appointments, demarches) -----
    page.h2("Rendez-vous");
    if file.appointments.is_empty() {
        page.empty("Aucun rendez-vous enregistré.");
    } else {
        let rows: Vec<Vec<String>> = file
            .appointments
            .iter()
            .map(|a| {
                let status = a.effective_status(now);
                let status = if status == codes::APPT_TO_SET {
                    "statut à préciser".to_string()
                } else {
                    label_in(&rf.appointment_statuses, status).to_string()
                };
                let demarches = a
                    .demarches
                    .iter()
                    .map(|d| {
                        if d.label.is_empty() {
                            theme(rf, &d.theme)
                        } else {
                            format!("{} : {}", theme(rf, &d.theme), d.label)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                vec![
                    datetime(a.start),
                    if a.duration_min > 0 {
                        format!("{} min", a.duration_min)
                    } else {
                        String::new()
                    },
                    label_in(&rf.appointment_media, &a.medium).to_string(),
                    status,
                    a.report.clone(),
                    demarches,
                ]
            })
            .collect();
        page.table(
            &[
                "Date",
                "Durée",
                "Modalité",
                "Statut",
                "Compte rendu",
                "Démarches",
            ],
            &rows,
        );
    }

    parcours_sections(&mut page, file, rf);

    // ----- journal (notes) -----
    page.h2("Journal");
    if file.notes.is_empty() {
        page.empty("Aucune note.");
    }
    for n in &file.notes {
        let kind = if n.private { PRIVATE_NOTE } else { SHARED_NOTE };
        let mut head = vec![datetime(n.at)];
        if !n.author.is_empty() {
            head.push(n.author.clone());
        }
        head.push(kind.to_string());
        let _ = writeln!(
            page.html,
            "<div class=\"note{}\"><div class=\"head\">{}</div><div class=\"text\">{}</div></div>",
            if n.private { " private" } else { "" },
            esc(&head.join(" · ")),
            esc(&n.text)
        );
    }

    // ----- éligibilité IAE (eligibilities, eligibility_criteria) -----
    eligibility_section(&mut page, file);

    page.raw(
        "<footer>Vous pouvez demander la rectification des informations inexactes ou \
         incomplètes, et l'effacement de celles qui ne sont plus nécessaires, auprès de la \
         structure qui vous accompagne. Les notes privées sont réservées à l'équipe \
         d'accompagnement mais font partie de votre dossier.</footer>\n</body>\n</html>\n",
    );
    page.html
}

/// The suivi a saisine or veille is on, as « dispositif (entrée → sortie) ».
fn suivi_label(rf: &Referential, file: &PersonFile, id: Id) -> String {
    file.suivis
        .iter()
        .find(|s| s.id == id)
        .map(|s| {
            let d = label_in(&rf.dispositifs, &s.dispositif);
            match s.sortie_date {
                Some(x) => format!("{d} (sortie le {})", format_date(x)),
                None => d.to_string(),
            }
        })
        .unwrap_or_default()
}

/// Étapes de parcours, saisines and veilles à 6 mois.
fn parcours_sections(page: &mut Page, file: &PersonFile, rf: &Referential) {
    page.h2("Étapes de parcours");
    if file.etapes.is_empty() {
        page.empty("Aucune étape de parcours enregistrée.");
    } else {
        let rows: Vec<Vec<String>> = file
            .etapes
            .iter()
            .map(|e| {
                vec![
                    label_in(&rf.etape_types, &e.kind).to_string(),
                    date(e.debut),
                    date(e.fin),
                    e.organisme.clone(),
                    e.note.clone(),
                ]
            })
            .collect();
        page.table(
            &["Étape", "Début", "Fin", "Employeur ou organisme", "Note"],
            &rows,
        );
    }
    page.h2("Saisines du Département");
    if file.saisines.is_empty() {
        page.empty("Aucune saisine.");
    } else {
        let rows: Vec<Vec<String>> = file
            .saisines
            .iter()
            .map(|s| {
                vec![
                    date(s.date),
                    label_in(&rf.saisine_motifs, &s.motif).to_string(),
                    s.detail.clone(),
                    suivi_label(rf, file, s.suivi_id),
                ]
            })
            .collect();
        page.table(&["Date", "Motif", "Précisions", "Suivi"], &rows);
    }
    page.h2("Veille à 6 mois");
    if file.veilles.is_empty() {
        page.empty("Aucune veille enregistrée.");
    } else {
        let rows: Vec<Vec<String>> = file
            .veilles
            .iter()
            .map(|v| {
                vec![
                    date(v.date),
                    label_in(&rf.veille_situations, &v.situation).to_string(),
                    v.note.clone(),
                    suivi_label(rf, file, v.suivi_id),
                ]
            })
            .collect();
        page.table(&["Date", "Situation", "Note", "Suivi"], &rows);
    }
}

/// `html` (a person's document) with the section of their collective sessions before the
/// journal: their own status and note at each (the other participants are not named).
fn with_sessions(
    html: String,
    store: &dyn Backend,
    rf: &Referential,
    person_id: Id,
) -> Result<String, ExportError> {
    let sessions = store.person_sessions(person_id)?;
    let now = store.clock().now();
    let mut page = Page {
        html: String::new(),
    };
    page.h2(SESSIONS_SECTION);
    if sessions.is_empty() {
        page.empty("Aucune action collective.");
    } else {
        let rows: Vec<Vec<String>> = sessions
            .iter()
            .map(|s| {
                let status = s.effective_status(now);
                let status = if status == codes::APPT_TO_SET {
                    "statut à préciser".to_string()
                } else {
                    label_in(&rf.appointment_statuses, status).to_string()
                };
                let themes = s
                    .themes
                    .split_whitespace()
                    .map(|t| theme(rf, t))
                    .collect::<Vec<_>>()
                    .join(", ");
                vec![
                    datetime(s.start),
                    format!("{} min", s.duration_min),
                    format!("{} — {}", label_in(&rf.session_types, &s.kind), s.title),
                    [
                        s.place.clone(),
                        partner(rf, &s.partner),
                        s.animateur.clone(),
                    ]
                    .into_iter()
                    .filter(|v| !v.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                    themes,
                    status,
                    s.note.clone(),
                ]
            })
            .collect();
        page.table(
            &[
                "Date",
                "Durée",
                "Séance",
                "Lieu, partenaire, animation",
                "Thèmes",
                "Statut",
                "Note",
            ],
            &rows,
        );
    }
    let journal = "<h2>Journal</h2>";
    Ok(match html.find(journal) {
        Some(at) => format!("{}{}{}", &html[..at], page.html, &html[at..]),
        None => html + &page.html,
    })
}

/// The recorded IAE eligibility diagnostics, each with its confirmed criteria and proofs.
fn eligibility_section(page: &mut Page, file: &PersonFile) {
    use crate::domain::eligibility::Criterion;
    page.h2("Éligibilité IAE");
    if file.eligibilities.is_empty() {
        page.empty("Aucun diagnostic d'éligibilité enregistré.");
    }
    for e in &file.eligibilities {
        page.h3(&format!(
            "Diagnostic du {} ({})",
            date(e.date),
            e.kind().map(|k| k.label()).unwrap_or(e.structure.as_str())
        ));
        page.fields(&[
            (
                "Résultat",
                if e.eligible {
                    "Éligible"
                } else {
                    "Non éligible"
                }
                .to_string(),
            ),
            (
                "Réalisé par",
                if e.prescriber {
                    "un prescripteur habilité"
                } else {
                    "la structure"
                }
                .to_string(),
            ),
            ("Valable jusqu'au", date(e.expires)),
            ("Enregistré par", e.author.clone()),
        ]);
        let rows: Vec<Vec<String>> = e
            .criteria
            .iter()
            .map(|c| {
                vec![
                    Criterion::from_code(&c.criterion)
                        .map(|k| k.label().to_string())
                        .unwrap_or_else(|| c.criterion.clone()),
                    if c.met { "Rempli" } else { "Non rempli" }.to_string(),
                    c.proof.clone(),
                    c.source.clone(),
                ]
            })
            .collect();
        if !rows.is_empty() {
            page.table(&["Critère", "Confirmé", "Justificatif vu", "Source"], &rows);
        }
    }
}
