//! The diagnostic pane: levels per theme, the theme comment form, the professional form,
//! a new review snapshot.

use crate::app::form::{Field, Form, Purpose, Reader, Refusal};
use crate::app::state::*;
use crate::domain::referential::{label_in, next_code};
use crate::domain::*;
use crate::store::Backend;

impl App {
    pub(crate) fn selected_theme(&self) -> Option<String> {
        let f = self.file.as_ref()?;
        self.diag_rows()
            .get(f.selected[Pane::Diagnostic.index()])
            .map(|t| t.code.clone())
    }

    /// The diagnostic to edit: the latest, or a new initial one dated today.
    pub(crate) fn working_diagnostic(&self) -> Option<Diagnostic> {
        let f = self.file.as_ref()?;
        Some(
            f.data
                .current_diagnostic()
                .cloned()
                .unwrap_or_else(|| Diagnostic {
                    person_id: f.data.person.id,
                    kind: codes::DIAG_INITIAL.into(),
                    date: Some(self.clock.today()),
                    ..Default::default()
                }),
        )
    }

    /// The working diagnostic, for a form's reader.
    pub(crate) fn diag(&self) -> Result<Diagnostic, Refusal> {
        self.working_diagnostic().ok_or(Refusal::Stale)
    }

    fn set_level(&mut self, level: String, store: &mut dyn Backend) {
        let (Some(theme), Some(mut d)) = (self.selected_theme(), self.working_diagnostic()) else {
            return;
        };
        d.assessment_mut(&theme).level = level.clone();
        let what = format!(
            "{} : {}",
            self.rf
                .theme(&theme)
                .map(|t| t.label.as_str())
                .unwrap_or(&theme),
            label_in(&self.rf.levels, &level)
        );
        self.commit_or_report(store, Change::Upsert(Record::Diagnostic(d)), &what);
    }

    /// A level key (`0`–`4`): sets the level, then moves to the next theme (unless
    /// `reglages.toml` says otherwise), so a whole grid is one digit per theme.
    pub(crate) fn set_level_rank(&mut self, rank: u8, store: &mut dyn Backend) {
        let Some(code) = self
            .rf
            .levels
            .iter()
            .find(|l| l.rank == rank)
            .map(|l| l.code.clone())
        else {
            return;
        };
        let before = self.file.as_ref().map(|f| f.data.person.version);
        self.set_level(code, store);
        let written = self.file.as_ref().map(|f| f.data.person.version) != before
            && self
                .status
                .as_ref()
                .is_some_and(|s| s.kind == StatusKind::Info);
        let len = self.diag_rows().len();
        if let Some(f) = self
            .file
            .as_mut()
            .filter(|_| written && self.level_advances)
        {
            let sel = &mut f.selected[Pane::Diagnostic.index()];
            if *sel + 1 < len {
                *sel += 1;
            }
        }
    }

    /// A letter in the diagnostic: the next theme (after the selected one, wrapping round)
    /// whose label or short label starts with it.
    pub(crate) fn jump_diagnostic(&mut self, c: char) {
        let rows = self.diag_rows();
        let Some(f) = self.file.as_ref() else { return };
        let sel = f.selected[Pane::Diagnostic.index()];
        let n = rows.len();
        let found = (1..=n)
            .map(|step| (sel + step) % n)
            .find(|&i| super::theme_starts_with(rows[i], c));
        match found {
            Some(i) => {
                if let Some(f) = self.file.as_mut() {
                    f.selected[Pane::Diagnostic.index()] = i;
                }
            }
            None => self.set_info(format!("Aucun thème ne commence par « {c} »")),
        }
    }

    pub(crate) fn cycle_level(&mut self, store: &mut dyn Backend) {
        let (Some(theme), Some(d)) = (self.selected_theme(), self.working_diagnostic()) else {
            return;
        };
        let next = next_code(&self.rf.levels, d.level_of(&theme));
        self.set_level(next, store);
    }

    pub(crate) fn new_review(&mut self, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        let Some(cur) = f.data.current_diagnostic() else {
            self.set_info(
                "Pas encore de diagnostic : réglez un niveau (touches 0 à 4) pour le commencer",
            );
            return;
        };
        let review = cur.next_review(codes::DIAG_REVIEW, self.clock.today());
        self.commit_or_report(
            store,
            Change::Upsert(Record::Diagnostic(review)),
            "Nouveau bilan intermédiaire (repris du précédent)",
        );
    }

    pub(crate) fn open_comment_form(&mut self) {
        let (Some(theme), Some(d)) = (self.selected_theme(), self.working_diagnostic()) else {
            return;
        };
        let form = with_stored(comment_form(&self.rf, &d, &theme), d);
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    pub(crate) fn open_professional_form(&mut self) {
        let Some(d) = self.working_diagnostic() else {
            return;
        };
        let form = with_stored(professional_form(&self.rf, &d), d);
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }
}

/// A form on the working diagnostic remembers it when it is stored (a new one has
/// nothing to compare with).
fn with_stored(form: Form, d: Diagnostic) -> Form {
    if d.id > 0 {
        form.with_origin(Record::Diagnostic(d))
    } else {
        form
    }
}

// ----- the theme comment form -----

/// Field keys of the theme comment form.
pub mod comment_key {
    pub const LEVEL: &str = "level";
    pub const COMMENT: &str = "comment";
}

pub fn comment_form(rf: &Referential, d: &Diagnostic, theme: &str) -> Form {
    use comment_key as k;
    let comment = d
        .themes
        .iter()
        .find(|t| t.theme == theme)
        .map(|t| t.comment.clone())
        .unwrap_or_default();
    let label = rf
        .theme(theme)
        .map(|t| t.label.clone())
        .unwrap_or(theme.to_string());
    let levels: Vec<(String, String)> = rf
        .levels
        .iter()
        .map(|l| (l.code.clone(), format!("{} {}", l.glyph, l.label)))
        .collect();
    let mut form = Form::new(
        &format!("Diagnostic — {label}"),
        Purpose::ThemeComment(theme.to_string()),
        vec![
            Field::choice(k::LEVEL, "Niveau", levels, d.level_of(theme)),
            Field::multiline(k::COMMENT, "Commentaire", &comment),
        ],
    );
    form.focus = 1;
    form
}

pub fn read_comment(r: &Reader, mut d: Diagnostic, theme: &str) -> Result<Change, Refusal> {
    use comment_key as k;
    let a = d.assessment_mut(theme);
    a.level = r.choice(k::LEVEL)?;
    a.comment = r.text(k::COMMENT)?;
    Ok(Change::Upsert(Record::Diagnostic(d)))
}

// ----- the professional form -----

/// Field keys of the professional form.
pub mod professional_key {
    pub const NIVEAU: &str = "niveau";
    pub const DIPLOMES: &str = "diplomes";
    pub const SITUATION: &str = "situation";
    pub const DERNIER: &str = "dernier";
    pub const INACTIVITE: &str = "inactivite";
    pub const FT: &str = "ft";
    pub const FT_DATE: &str = "ft_date";
    pub const PROJET: &str = "projet";
    pub const METIERS: &str = "metiers";
    pub const COMPETENCES: &str = "competences";
    pub const ENVIES: &str = "envies";
}

pub fn professional_form(rf: &Referential, d: &Diagnostic) -> Form {
    use professional_key as k;
    let mut niveaux = vec![(String::new(), "(non renseigné)".to_string())];
    niveaux.extend(
        rf.niveaux
            .iter()
            .map(|n| (n.code.clone(), format!("{} — {}", n.code, n.label))),
    );
    Form::new(
        "Volet professionnel",
        Purpose::Professional,
        vec![
            Field::choice(k::NIVEAU, "Niveau de formation", niveaux, &d.niveau),
            Field::text(k::DIPLOMES, "Diplômes, formations", &d.diplomes),
            Field::text(k::SITUATION, "Situation actuelle", &d.situation_pro),
            Field::text(k::DERNIER, "Dernier emploi", &d.dernier_emploi),
            Field::number(k::INACTIVITE, "Inactivité (mois)", d.inactivite_mois),
            Field::check(k::FT, "Inscrit·e à FT", d.ft_inscrit),
            Field::date(k::FT_DATE, "Inscrit·e depuis le", d.ft_date),
            Field::text(k::PROJET, "Projet professionnel", &d.projet),
            Field::text(k::METIERS, "Métiers visés", &d.metiers_cibles),
            Field::multiline(k::COMPETENCES, "Compétences, atouts", &d.competences),
            Field::multiline(k::ENVIES, "Envies", &d.envies),
        ],
    )
}

/// The form field showing a diagnostic's struct field named by
/// `Diagnostic::check_professional`.
fn professional_key_of(field: &str) -> Option<&'static str> {
    match field {
        "inactivite_mois" => Some(professional_key::INACTIVITE),
        "ft_date" => Some(professional_key::FT_DATE),
        _ => None,
    }
}

pub fn read_professional(r: &Reader, mut d: Diagnostic) -> Result<Change, Refusal> {
    use professional_key as k;
    let before = d.clone();
    d.niveau = r.choice(k::NIVEAU)?;
    d.diplomes = r.text(k::DIPLOMES)?;
    d.situation_pro = r.text(k::SITUATION)?;
    d.dernier_emploi = r.text(k::DERNIER)?;
    d.inactivite_mois = r.number(k::INACTIVITE)?;
    d.ft_inscrit = r.checked(k::FT)?;
    d.ft_date = r.date(k::FT_DATE)?;
    d.projet = r.text(k::PROJET)?;
    d.metiers_cibles = r.text(k::METIERS)?;
    d.competences = r.text(k::COMPETENCES)?;
    d.envies = r.text(k::ENVIES)?;
    d.check_professional(&before, r.now().date())
        .map_err(|e| Refusal::rule(e, professional_key_of))?;
    Ok(Change::Upsert(Record::Diagnostic(d)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::form::tests::{choose, now, set, toggle};

    fn diag() -> Diagnostic {
        Diagnostic {
            id: 4,
            person_id: 9,
            kind: codes::DIAG_INITIAL.into(),
            ..Default::default()
        }
    }

    fn upserted(c: Change) -> Diagnostic {
        match c {
            Change::Upsert(Record::Diagnostic(d)) => d,
            other => panic!("not a diagnostic upsert: {other:?}"),
        }
    }

    #[test]
    fn comment_reader_reads_every_key_of_its_form() {
        let rf = Referential::embedded();
        let theme = rf.active_themes().next().unwrap().code.clone();
        let form = comment_form(&rf, &diag(), &theme);
        let d = upserted(read_comment(&Reader::new(&form, now()), diag(), &theme).unwrap());
        assert_eq!(d.themes[0].level, codes::LEVEL_NOT_ADDRESSED);
        assert_eq!(d.themes[0].comment, "");
    }

    #[test]
    fn comment_reader_sets_level_and_trimmed_comment_of_the_theme() {
        let rf = Referential::embedded();
        let theme = rf.active_themes().next().unwrap().code.clone();
        let mut form = comment_form(&rf, &diag(), &theme);
        let level = rf.levels.last().unwrap().code.clone();
        choose(&mut form, comment_key::LEVEL, &level);
        set(&mut form, comment_key::COMMENT, "  Permis B en cours \n");
        let d = upserted(read_comment(&Reader::new(&form, now()), diag(), &theme).unwrap());
        assert_eq!(d.id, 4, "same snapshot");
        assert_eq!(d.themes.len(), 1);
        assert_eq!(d.themes[0].theme, theme);
        assert_eq!(d.themes[0].level, level);
        assert_eq!(d.themes[0].comment, "Permis B en cours");
    }

    #[test]
    fn professional_reader_reads_every_key_of_its_form() {
        let rf = Referential::embedded();
        let form = professional_form(&rf, &diag());
        let d = upserted(read_professional(&Reader::new(&form, now()), diag()).unwrap());
        assert_eq!(d, diag(), "an untouched form changes nothing");
    }

    #[test]
    fn professional_reader_reads_each_field() {
        use professional_key as k;
        let rf = Referential::embedded();
        let mut form = professional_form(&rf, &diag());
        let niveau = rf.niveaux[0].code.clone();
        choose(&mut form, k::NIVEAU, &niveau);
        set(&mut form, k::DIPLOMES, "CAP cuisine");
        set(&mut form, k::SITUATION, "sans emploi");
        set(&mut form, k::DERNIER, "commis");
        set(&mut form, k::INACTIVITE, "14");
        toggle(&mut form, k::FT);
        set(&mut form, k::FT_DATE, "01/02/2026");
        set(&mut form, k::PROJET, "cuisine collective");
        set(&mut form, k::METIERS, "cuisinier");
        set(&mut form, k::COMPETENCES, "rigueur");
        set(&mut form, k::ENVIES, "travailler en équipe");
        let d = upserted(read_professional(&Reader::new(&form, now()), diag()).unwrap());
        assert_eq!(d.niveau, niveau);
        assert_eq!(d.diplomes, "CAP cuisine");
        assert_eq!(d.situation_pro, "sans emploi");
        assert_eq!(d.dernier_emploi, "commis");
        assert_eq!(d.inactivite_mois, Some(14));
        assert!(d.ft_inscrit);
        assert_eq!(d.ft_date, chrono::NaiveDate::from_ymd_opt(2026, 2, 1));
        assert_eq!(d.projet, "cuisine collective");
        assert_eq!(d.metiers_cibles, "cuisinier");
        assert_eq!(d.competences, "rigueur");
        assert_eq!(d.envies, "travailler en équipe");
    }
}
