//! The appointments pane: set a status, delete, the new appointment form and the report
//! form of an appointment.

use crate::app::form::{items, Field, Form, Purpose, Reader, Refusal};
use crate::app::keys::{Action, Context};
use crate::app::state::*;
use crate::domain::referential::label_in;
use crate::domain::*;
use crate::store::Backend;

/// Minutes proposed in the duration field of a new appointment.
pub const DEFAULT_MINUTES: u32 = 45;

impl App {
    /// Index in the file of the selected appointment.
    fn selected_appointment(&self) -> Option<usize> {
        let f = self.file.as_ref()?;
        let rows = self.appointment_rows(f, self.clock.now());
        rows.get(f.selected[Pane::Appointments.index()]).copied()
    }

    pub(crate) fn set_appointment_status(&mut self, status: &str, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        let Some(i) = self.selected_appointment() else {
            let add = self.key_here(crate::app::keys::Action::AddAppointment);
            self.set_info(format!("Aucun rendez-vous : {add} pour en ajouter un"));
            return;
        };
        let mut a = f.data.appointments[i].clone();
        if let Err(e) = a.check_status_at(status, self.clock.now()) {
            self.set_error(e.message);
            return;
        }
        // Honoured with nothing written yet: its report is the next thing to write, so its
        // form opens at once (Échap leaves it for later, the status stays saved).
        let report_next =
            status == codes::APPT_HONOURED && a.report.trim().is_empty() && a.demarches.is_empty();
        let id = a.id;
        a.status = status.to_string();
        let what = format!(
            "Rendez-vous : {}",
            label_in(&self.rf.appointment_statuses, status)
        );
        if let Err(e) = self.commit(store, Change::Upsert(Record::Appointment(a)), &what) {
            self.set_error(e);
            return;
        }
        if report_next {
            let label = label_in(&self.rf.appointment_statuses, status).to_string();
            self.open_report_after_status(id, &label);
        }
    }

    /// The report form of appointment `id` (as reloaded), opened right after its status
    /// (`label`) was saved: said above the fields and when the form is cancelled.
    fn open_report_after_status(&mut self, id: Id, label: &str) {
        let Some(a) = self
            .file
            .as_ref()
            .and_then(|f| f.data.appointments.iter().find(|a| a.id == id))
        else {
            return;
        };
        let cancel = self.keymap.key_label(Context::Form, Action::Cancel);
        let mut form = report_form(&self.rf, a)
            .with_origin(Record::Appointment(a.clone()))
            .with_hint(&format!(
                "Statut « {label} » enregistré. Le compte rendu ({cancel} : plus tard) :"
            ));
        form.cancel_info = Some(self.undo_hint(&format!(
            "Rendez-vous : {label} — enregistré, sans compte rendu"
        )));
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    pub(crate) fn delete_selected_appointment(&mut self, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        if let Some(i) = self.selected_appointment() {
            let id = f.data.appointments[i].id;
            self.commit_or_report(
                store,
                Change::Delete(RecordKind::Appointment, id),
                &self.undo_hint("Rendez-vous supprimé"),
            );
        }
    }

    pub(crate) fn open_appointment_form(&mut self) {
        let form = new_form(&self.rf);
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    pub(crate) fn open_report_form(&mut self) {
        let Some(f) = &self.file else { return };
        if let Some(i) = self.selected_appointment() {
            let a = &f.data.appointments[i];
            let form = report_form(&self.rf, a).with_origin(Record::Appointment(a.clone()));
            self.overlay = Some(Overlay::Form(Box::new(form)));
        }
    }
}

// ----- a new appointment -----

/// Field keys of the new appointment form.
pub mod new_key {
    pub const START: &str = "start";
    pub const DURATION: &str = "duration";
    pub const MEDIUM: &str = "medium";
}

/// The form field showing an appointment's struct field named by a rule of
/// `Appointment::check`.
fn key_of(field: &str) -> Option<&'static str> {
    match field {
        "start" => Some(new_key::START),
        "duration_min" => Some(new_key::DURATION),
        _ => None,
    }
}

pub fn new_form(rf: &Referential) -> Form {
    use new_key as k;
    Form::new(
        "Nouveau rendez-vous",
        Purpose::NewAppointment,
        vec![
            Field::datetime(k::START, "Date et heure", None).required(),
            Field::number(k::DURATION, "Durée (minutes)", Some(DEFAULT_MINUTES)),
            Field::choice(
                k::MEDIUM,
                "Modalité",
                items(&rf.appointment_media),
                codes::MEDIUM_DEFAULT,
            ),
        ],
    )
    .with_hint("Exemples : 12/03 14h30 · 12/03/2027 · demain 9h · lundi 14h")
}

pub fn read_new(r: &Reader, person_id: Id) -> Result<Change, Refusal> {
    use new_key as k;
    let a = Appointment {
        person_id,
        start: r.datetime(k::START)?,
        // A cleared duration is refused, never silently replaced by the default.
        duration_min: Appointment::typed_duration(r.number(k::DURATION)?)
            .map_err(|e| Refusal::rule(e, key_of))?,
        medium: r.choice(k::MEDIUM)?,
        status: codes::APPT_PLANNED.into(),
        ..Default::default()
    };
    a.check(r.now().date())
        .map_err(|e| Refusal::rule(e, key_of))?;
    Ok(Change::Upsert(Record::Appointment(a)))
}

// ----- the report of an appointment -----

/// Field keys of the report form.
pub mod report_key {
    pub const REPORT: &str = "report";
    pub const THEMES: &str = "themes";
    pub const DEMARCHES: &str = "demarches";
}

/// Label of the report's theme boxes.
const THEMES_LABEL: &str = "Thèmes de démarche";

pub fn report_form(rf: &Referential, a: &Appointment) -> Form {
    use report_key as k;
    let tagged: Vec<String> = a.demarches.iter().map(|d| d.theme.clone()).collect();
    let labels = a
        .demarches
        .iter()
        .map(|d| d.label.clone())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ; ");
    let title = format!(
        "Compte rendu — {}",
        a.start
            .map(crate::dates::format_datetime)
            .unwrap_or_default()
    );
    // The social themes, then the employment categories and the link with the prescripteur.
    let themes = rf
        .demarche_tags()
        .into_iter()
        .map(|(code, short, _)| (code, short))
        .collect();
    Form::new(
        &title,
        Purpose::Report(a.id),
        vec![
            Field::multiline(k::REPORT, "Compte rendu", &a.report),
            Field::text(k::DEMARCHES, "Démarches faites", &labels),
            Field::multicheck(k::THEMES, THEMES_LABEL, themes, &tagged),
        ],
    )
}

/// The report as typed; one démarche per theme ticked, each with the label typed.
pub fn read_report(r: &Reader, mut a: Appointment) -> Result<Change, Refusal> {
    use report_key as k;
    a.report = r.raw(k::REPORT)?;
    let label = r.text(k::DEMARCHES)?;
    let themes = r.checked_codes(k::THEMES)?;
    // A démarche is counted per theme: typed without one, it would be lost (the themes
    // its words name are ticked while it is typed, see `follow_demarche`).
    if themes.is_empty() && !label.is_empty() {
        return Err(Refusal::field(
            k::THEMES,
            format!(
                "Cochez le thème de la démarche « {} » : sans thème elle ne serait pas comptée (rien n'est perdu)",
                crate::text::truncate_width(&label, 40)
            ),
        ));
    }
    a.demarches = themes
        .into_iter()
        .map(|theme| Demarche {
            theme,
            label: label.clone(),
        })
        .collect();
    Ok(Change::Upsert(Record::Appointment(a)))
}

/// Label of the report's theme boxes while they follow the démarche typed (the label
/// column holds 20 characters).
const THEMES_FOLLOWING: &str = "Thèmes suggérés";

/// After each key in the report form: while the theme boxes are as the text left them
/// (none ticked when the form opened, none touched by hand since), they are the themes
/// the démarche's words name (`Referential::demarche_tags_named_in`), and their label
/// says so. A box ticked or unticked by hand stops it; what is ticked is saved as shown.
pub fn follow_demarche(rf: &Referential, form: &mut Form) {
    use report_key as k;
    let text = form.value(k::DEMARCHES);
    let Some(f) = form.field_mut(k::THEMES) else {
        return;
    };
    let untouched = match &f.suggested {
        Some(s) => *s == f.checked,
        None => f.checked.iter().all(|b| !b),
    };
    if !untouched {
        return;
    }
    let codes = rf.demarche_tags_named_in(&text);
    f.checked = f.choices.iter().map(|(c, _)| codes.contains(c)).collect();
    f.suggested = Some(f.checked.clone());
    f.label = if codes.is_empty() {
        THEMES_LABEL
    } else {
        THEMES_FOLLOWING
    }
    .to_string();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::form::tests::{choose, now, set, toggle_item, validated};
    use chrono::NaiveDate;

    fn appointment(c: Result<Change, Refusal>) -> Result<Appointment, Refusal> {
        match c? {
            Change::Upsert(Record::Appointment(a)) => Ok(a),
            other => panic!("not an appointment upsert: {other:?}"),
        }
    }

    const RANGE: &str = "un rendez-vous dure de 5 à 480 minutes (8 heures), 45 le plus souvent";

    #[test]
    fn new_reader_cases() {
        let rf = Referential::embedded();
        let at = |y, m, d, h| {
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        let medium = rf.appointment_media.last().unwrap().code.clone();
        // (name, start typed, duration typed, want start and duration, or the refusal)
        type Want = Result<(chrono::NaiveDateTime, u32), Refusal>;
        let cases: Vec<(&str, &str, &str, Want)> = vec![
            (
                "default_duration",
                "12/03/2026 14h",
                "45",
                Ok((at(2026, 3, 12, 14), 45)),
            ),
            (
                "cleared_duration_refused",
                "12/03/2026 14h",
                "",
                Err(Refusal::field(
                    new_key::DURATION,
                    format!("Indiquez la durée : {RANGE}"),
                )),
            ),
            (
                "working_day",
                "12/03/2026 9h",
                "480",
                Ok((at(2026, 3, 12, 9), 480)),
            ),
            (
                "shortest",
                "12/03/2026 9h",
                "5",
                Ok((at(2026, 3, 12, 9), 5)),
            ),
            (
                "zero_minutes",
                "12/03/2026 9h",
                "0",
                Err(Refusal::field(
                    new_key::DURATION,
                    format!("Durée de 0 min hors limites : {RANGE}"),
                )),
            ),
            (
                "year_typo",
                "12/03/2036 14h",
                "45",
                Err(Refusal::field(
                    new_key::START,
                    "Date à plus de 3 ans d'aujourd'hui : vérifiez l'année",
                )),
            ),
            (
                "too_long",
                "12/03/2026 14h",
                "481",
                Err(Refusal::field(
                    new_key::DURATION,
                    format!("Durée de 481 min hors limites : {RANGE}"),
                )),
            ),
            (
                "a_whole_day",
                "12/03/2026 9h",
                "1440",
                Err(Refusal::field(
                    new_key::DURATION,
                    format!("Durée de 1440 min hors limites : {RANGE}"),
                )),
            ),
        ];
        for (name, start, duration, want) in cases {
            let mut form = new_form(&rf);
            set(&mut form, new_key::START, start);
            set(&mut form, new_key::DURATION, duration);
            choose(&mut form, new_key::MEDIUM, &medium);
            let form = validated(form);
            let got = appointment(read_new(&Reader::new(&form, now()), 9));
            match (got, want) {
                (Ok(a), Ok((start, minutes))) => assert_eq!(
                    a,
                    Appointment {
                        person_id: 9,
                        start: Some(start),
                        duration_min: minutes,
                        medium: medium.clone(),
                        status: codes::APPT_PLANNED.into(),
                        ..Default::default()
                    },
                    "{name}"
                ),
                (got, want) => assert_eq!(got.map(|_| ()), want.map(|_| ()), "{name}"),
            }
        }
    }

    #[test]
    fn report_reader_reads_every_key_of_its_form() {
        let rf = Referential::embedded();
        let theme = rf.active_themes().next().unwrap().code.clone();
        let a = Appointment {
            id: 8,
            person_id: 9,
            report: "Point sur le CV".into(),
            demarches: vec![Demarche {
                theme,
                label: "CV mis à jour".into(),
            }],
            ..Default::default()
        };
        let form = validated(report_form(&rf, &a));
        let got = appointment(read_report(&Reader::new(&form, now()), a.clone()));
        assert_eq!(got, Ok(a), "an untouched form changes nothing");
    }

    #[test]
    fn the_themes_follow_the_demarche_typed_until_a_box_is_touched() {
        let rf = Referential::embedded();
        let a = Appointment {
            id: 8,
            person_id: 9,
            ..Default::default()
        };
        let ticked = |f: &Form| f.field(report_key::THEMES).unwrap().checked_codes();
        let mut form = report_form(&rf, &a);
        let plain = form.field(report_key::THEMES).unwrap().label.clone();
        set(&mut form, report_key::DEMARCHES, "Point budget");
        follow_demarche(&rf, &mut form);
        assert_eq!(ticked(&form), ["finances"]);
        assert_ne!(form.field(report_key::THEMES).unwrap().label, plain);
        set(&mut form, report_key::DEMARCHES, "Point budget et mobilité");
        follow_demarche(&rf, &mut form);
        assert_eq!(ticked(&form), ["mobilite", "finances"]);
        set(&mut form, report_key::DEMARCHES, "Appel");
        follow_demarche(&rf, &mut form);
        assert!(ticked(&form).is_empty());
        assert_eq!(form.field(report_key::THEMES).unwrap().label, plain);
        // Ticked by hand: the text no longer moves the boxes.
        set(&mut form, report_key::DEMARCHES, "Point budget");
        follow_demarche(&rf, &mut form);
        toggle_item(&mut form, report_key::THEMES, "sante");
        set(&mut form, report_key::DEMARCHES, "Point mobilité");
        follow_demarche(&rf, &mut form);
        assert_eq!(ticked(&form), ["sante", "finances"]);
        // A report already tagged keeps its boxes.
        let tagged = Appointment {
            demarches: vec![Demarche {
                theme: "justice".into(),
                label: "Point budget".into(),
            }],
            ..a
        };
        let mut form = report_form(&rf, &tagged);
        set(&mut form, report_key::DEMARCHES, "Point budget et mobilité");
        follow_demarche(&rf, &mut form);
        assert_eq!(ticked(&form), ["justice"]);
    }

    #[test]
    fn report_reader_one_demarche_per_theme_ticked() {
        let rf = Referential::embedded();
        let themes: Vec<String> = rf.active_themes().take(2).map(|t| t.code.clone()).collect();
        let a = Appointment {
            id: 8,
            person_id: 9,
            ..Default::default()
        };
        let mut form = report_form(&rf, &a);
        set(&mut form, report_key::REPORT, "  Ligne 1\nLigne 2 ");
        for t in &themes {
            toggle_item(&mut form, report_key::THEMES, t);
        }
        set(&mut form, report_key::DEMARCHES, " appel CAF ");
        let form = validated(form);
        let got = appointment(read_report(&Reader::new(&form, now()), a)).unwrap();
        assert_eq!(
            got.report, "  Ligne 1\nLigne 2 ",
            "the report is kept as typed"
        );
        assert_eq!(
            got.demarches,
            themes
                .iter()
                .map(|t| Demarche {
                    theme: t.clone(),
                    label: "appel CAF".into()
                })
                .collect::<Vec<_>>()
        );
    }
}
