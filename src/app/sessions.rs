//! Collective sessions (« actions collectives »): the sessions list (one key from the
//! caseload), the session form, enrolment with the caseload's search (several people
//! marked, one key each, then confirmed) or from a person's file, the attendance screen
//! (each participant's status in one key, per-person notes, the shared report), deleting a
//! session (asked when attendance is set) and undo on these screens.

use super::form::{items, Field, Form, Purpose, Reader, Refusal};
use super::input::TextInput;
use super::keys::{Action, Context, Key};
use super::state::*;
use crate::domain::referential::label_in;
use crate::domain::*;
use crate::store::{Backend, StoreError};
use crossterm::event::KeyEvent;

/// What a sessions form does when confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionForm {
    New,
    Edit(Id),
    /// The shared report of a session.
    Report(Id),
    /// The note of one participant (session, person).
    Note(Id, Id),
    /// Enrol this person (from their file) in the session chosen.
    EnrolPerson(Id),
}

/// Field keys of the session form.
pub mod key {
    pub const TITLE: &str = "title";
    pub const KIND: &str = "kind";
    pub const START: &str = "start";
    pub const END: &str = "end";
    pub const PLACE: &str = "place";
    pub const PARTNER: &str = "partner";
    pub const CAPACITY: &str = "capacity";
    pub const THEMES: &str = "themes";
    pub const ANIMATEUR: &str = "animateur";
    pub const REPORT: &str = "report";
    pub const NOTE: &str = "note";
    pub const SESSION: &str = "session";
}

/// The form field of a `Session` struct field named by a rule.
fn key_of(field: &str) -> Option<&'static str> {
    match field {
        "title" => Some(key::TITLE),
        "start" => Some(key::START),
        "duration_min" => Some(key::END),
        "capacity" => Some(key::CAPACITY),
        _ => None,
    }
}

impl App {
    // ----- the list -----

    /// The sessions list (from the caseload, or back from a session).
    pub(super) fn show_sessions(&mut self, store: &dyn Backend) {
        if !matches!(
            self.screen,
            Screen::Sessions | Screen::Attendance | Screen::Enrol
        ) {
            self.sessions.back_to = Some(self.screen);
        }
        self.screen = Screen::Sessions;
        self.reload_sessions(store);
    }

    /// Reloads the sessions and rebuilds the list's rows (keeps the selected session).
    pub(super) fn reload_sessions(&mut self, store: &dyn Backend) {
        let keep = self.selected_session().map(|s| s.id);
        match store.sessions() {
            Ok(list) => self.sessions.list = list,
            Err(e) => self.set_error(e.to_string()),
        }
        let now = self.clock.now();
        let s = &mut self.sessions;
        let mut rows = Vec::new();
        let upcoming: Vec<usize> = (0..s.list.len())
            .filter(|i| s.list[*i].start.is_none_or(|t| t >= now))
            .collect();
        let mut past: Vec<usize> = (0..s.list.len())
            .filter(|i| s.list[*i].start.is_some_and(|t| t < now))
            .collect();
        past.reverse();
        let (to_set, done): (Vec<usize>, Vec<usize>) = past
            .into_iter()
            .partition(|i| s.list[*i].statuses_to_set(now) > 0);
        for (title, ids, empty) in [
            ("À venir", upcoming, "Aucune séance à venir"),
            ("Statuts à préciser", to_set, "Tout est à jour"),
            ("Passées", done, "Aucune séance passée"),
        ] {
            rows.push(SessionRow::Header(format!("{title} ({})", ids.len())));
            if ids.is_empty() {
                rows.push(SessionRow::Empty(empty.into()));
            }
            rows.extend(ids.into_iter().map(SessionRow::Session));
        }
        s.rows = rows;
        let pos = keep.and_then(|id| {
            s.rows
                .iter()
                .position(|r| matches!(r, SessionRow::Session(i) if s.list[*i].id == id))
        });
        s.selected = pos
            .or_else(|| {
                s.rows
                    .iter()
                    .position(|r| matches!(r, SessionRow::Session(_)))
            })
            .unwrap_or(0);
    }

    pub fn selected_session(&self) -> Option<&Session> {
        let s = &self.sessions;
        match s.rows.get(s.selected) {
            Some(SessionRow::Session(i)) => s.list.get(*i),
            _ => None,
        }
    }

    /// The session of the attendance (or enrolment) screen, as last loaded.
    pub fn current_session(&self) -> Option<&Session> {
        let id = match (&self.sessions.enrol, self.screen) {
            (Some(e), Screen::Enrol) => e.session_id,
            _ => self.sessions.current?,
        };
        self.sessions.list.iter().find(|s| s.id == id)
    }

    pub(super) fn move_in_sessions(&mut self, step: impl Fn(usize, usize) -> usize) {
        let s = &mut self.sessions;
        match self.screen {
            Screen::Sessions => {
                let len = s.rows.len();
                let mut n = step(s.selected, len);
                // Skip headers, in the direction of the move.
                let down = n >= s.selected;
                while matches!(
                    s.rows.get(n),
                    Some(SessionRow::Header(_) | SessionRow::Empty(_))
                ) {
                    match (down, n) {
                        (true, n2) if n2 + 1 < len => n = n2 + 1,
                        (false, n2) if n2 > 0 => n = n2 - 1,
                        _ => break,
                    }
                }
                if matches!(s.rows.get(n), Some(SessionRow::Session(_))) {
                    s.selected = n;
                }
            }
            Screen::Attendance => {
                let len = self
                    .current_session()
                    .map(|x| x.participants.len())
                    .unwrap_or(0);
                let s = &mut self.sessions;
                s.participant = step(s.participant, len);
            }
            Screen::Enrol => {
                if let Some(e) = s.enrol.as_mut() {
                    e.selected = step(e.selected, e.hits.len());
                }
            }
            _ => {}
        }
    }

    /// Actions of the sessions screens; false when `action` is not one of theirs here.
    pub(super) fn session_action(&mut self, action: Action, store: &mut dyn Backend) -> bool {
        use Action as A;
        if action != A::Delete {
            self.sessions.pending_delete = None;
        }
        match (self.screen, action) {
            (Screen::Caseload, A::Sessions) => self.show_sessions(store),
            (Screen::File, A::Enrol) => self.open_enrol_person_form(store),
            (Screen::Sessions, A::NewSession) => {
                let form = session_form(&self.rf, &Session::default(), SessionForm::New);
                self.overlay = Some(Overlay::Form(Box::new(form)));
            }
            (Screen::Sessions, A::Open) => {
                if let Some(id) = self.selected_session().map(|s| s.id) {
                    self.sessions.current = Some(id);
                    self.sessions.participant = 0;
                    self.screen = Screen::Attendance;
                }
            }
            (Screen::Sessions, A::Edit) => {
                if let Some(s) = self.selected_session().cloned() {
                    let form = session_form(&self.rf, &s, SessionForm::Edit(s.id))
                        .with_origin(Record::Session(s));
                    self.overlay = Some(Overlay::Form(Box::new(form)));
                }
            }
            (Screen::Sessions, A::Enrol) => {
                if let Some(id) = self.selected_session().map(|s| s.id) {
                    self.start_enrol(id);
                }
            }
            (Screen::Attendance, A::Enrol) => {
                if let Some(id) = self.sessions.current {
                    self.start_enrol(id);
                }
            }
            (Screen::Sessions, A::Delete) => self.delete_session(store),
            (Screen::Sessions | Screen::Attendance, A::Undo) => self.undo_session(store),
            (Screen::Sessions, A::Back) => {
                let back = self.sessions.back_to.take().unwrap_or(Screen::Caseload);
                match back {
                    Screen::Today => self.show_today(store),
                    _ => self.back_to_caseload(store),
                }
            }
            (Screen::Attendance, A::Back) => {
                self.screen = Screen::Sessions;
                self.reload_sessions(store);
            }
            (Screen::Attendance, A::SetHonoured) => {
                self.set_attendance(codes::APPT_HONOURED, store)
            }
            (Screen::Attendance, A::SetExcused) => self.set_attendance(codes::APPT_EXCUSED, store),
            (Screen::Attendance, A::SetAbsent) => self.set_attendance(codes::APPT_ABSENT, store),
            (Screen::Attendance, A::EditComment) => self.open_participant_note(),
            (Screen::Attendance, A::SessionReport) => {
                if let Some(s) = self.current_session().cloned() {
                    let form = Form::new(
                        &format!("Compte rendu — {}", s.title),
                        Purpose::Session(SessionForm::Report(s.id)),
                        vec![Field::multiline(key::REPORT, "Compte rendu commun", &s.report)],
                    )
                    .with_hint("Commun à toutes les personnes inscrites : une note par personne se met avec c")
                    .with_origin(Record::Session(s));
                    self.overlay = Some(Overlay::Form(Box::new(form)));
                }
            }
            (Screen::Attendance, A::Delete) => self.unenrol_selected(store),
            _ => return false,
        }
        true
    }

    /// Writes a session change made on these screens and keeps its inverse for undo.
    fn commit_session(
        &mut self,
        store: &mut dyn Backend,
        change: Change,
        what: &str,
    ) -> Result<Id, String> {
        // A new session whose save met a closed connection may have been committed by the
        // server (only the answer lost): saved again, it is looked for first (as a file's
        // new records, see `App::commit_checked`).
        let new_session = matches!(&change, Change::Upsert(r @ Record::Session(_)) if r.id() == 0);
        if new_session {
            if let Some(id) = self.session_landed_before(store, &change) {
                self.sessions
                    .undo
                    .push((Change::Delete(RecordKind::Session, id), what.to_string()));
                self.remember_version(id);
                self.sessions.found_stored = true;
                return Ok(id);
            }
        }
        let before: Vec<Id> = self.sessions.list.iter().map(|s| s.id).collect();
        match store.apply(&change) {
            Err(StoreError::ServerGone(e)) => {
                if let (true, Change::Upsert(r)) = (new_session, &change) {
                    self.remember_lost_insert(r.clone(), before);
                }
                Err(StoreError::ServerGone(e).to_string())
            }
            Ok(applied) => {
                if let Some(inv) = applied.inverse {
                    self.sessions.undo.push((inv, what.to_string()));
                    if self.sessions.undo.len() > UNDO_DEPTH {
                        self.sessions.undo.remove(0);
                    }
                }
                self.reload_sessions(store);
                self.remember_version(applied.id);
                Ok(applied.id)
            }
            Err(StoreError::Conflict) => {
                self.reload_sessions(store);
                Err("Cette séance a été modifiée sur un autre poste : elle vient d'être rechargée. Refaites la modification si elle est toujours utile.".into())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// The session `change` creates, found stored after a save that met a closed
    /// connection: a session not listed before it, with the same content.
    fn session_landed_before(&mut self, store: &dyn Backend, change: &Change) -> Option<Id> {
        let Change::Upsert(record) = change else {
            return None;
        };
        let pending: Vec<usize> = (0..self.lost_inserts.len())
            .filter(|&i| self.lost_inserts[i].0.kind() == RecordKind::Session)
            .collect();
        if pending.is_empty() {
            return None;
        }
        self.reload_sessions(store);
        for i in pending.into_iter().rev() {
            let (attempt, before) = &self.lost_inserts[i];
            if attempt.with_identity(0, 0) != record.with_identity(0, 0) {
                continue;
            }
            let found = self.sessions.list.iter().find(|s| {
                !before.contains(&s.id)
                    && Record::Session((*s).clone()).with_identity(0, 0)
                        == attempt.with_identity(0, 0)
            });
            if let Some(id) = found.map(|s| s.id) {
                self.lost_inserts.remove(i);
                return Some(id);
            }
        }
        None
    }

    /// The version session `id` is at after this window's write (see `undo_session`).
    fn remember_version(&mut self, id: Id) {
        match self.sessions.list.iter().find(|s| s.id == id) {
            Some(s) => {
                self.sessions.written.insert(id, s.version);
            }
            None => {
                self.sessions.written.remove(&id);
            }
        }
    }

    fn undo_session(&mut self, store: &mut dyn Backend) {
        let Some((mut change, what)) = self.sessions.undo.pop() else {
            self.set_info("Rien à annuler");
            return;
        };
        // Undoing two edits of one session in a row: the older inverse carries a version
        // this window has since moved on. When the session is still at the version this
        // window last wrote (nobody else changed it), the inverse is applied on it; an
        // edit made elsewhere meanwhile still makes the undo refused.
        if let Change::Upsert(Record::Session(s)) = &mut change {
            let stored = store.session(s.id).ok().flatten().map(|x| x.version);
            if stored.is_some() && stored == self.sessions.written.get(&s.id).copied() {
                s.version = stored.unwrap_or(s.version);
            }
        }
        match store.apply(&change) {
            Ok(applied) => {
                self.reload_sessions(store);
                self.remember_version(applied.id);
                if self.screen == Screen::Attendance && self.current_session().is_none() {
                    self.screen = Screen::Sessions;
                }
                self.set_info(format!("Annulé : {what}"));
            }
            Err(e) => {
                self.reload_sessions(store);
                self.set_error(format!("Annulation impossible : {e}"));
            }
        }
    }

    /// Deletes the selected session; asked first (same key again) when attendance is set.
    fn delete_session(&mut self, store: &mut dyn Backend) {
        let Some(s) = self.selected_session().cloned() else {
            return;
        };
        let key = self.key_here(Action::Delete);
        let set = s.attendance_set();
        if set > 0 && self.sessions.pending_delete != Some(s.id) {
            self.sessions.pending_delete = Some(s.id);
            self.set_error(format!(
                "« {} » a déjà {set} présence{} saisie{} : {key} à nouveau pour la supprimer quand même (annulable), une autre touche pour la garder",
                s.title,
                if set > 1 { "s" } else { "" },
                if set > 1 { "s" } else { "" },
            ));
            return;
        }
        self.sessions.pending_delete = None;
        let what = format!("Séance « {} » supprimée", s.title);
        match self.commit_session(store, Change::Delete(RecordKind::Session, s.id), &what) {
            Ok(_) => {
                let hint = self.undo_hint(&what);
                self.set_info(hint);
            }
            Err(e) => self.set_error(e),
        }
    }

    fn selected_participant(&self) -> Option<(Session, Participation)> {
        let s = self.current_session()?;
        let p = s.participants.get(self.sessions.participant)?;
        Some((s.clone(), p.clone()))
    }

    /// A person's name from the caseload rows (every file, archived ones included).
    pub fn person_name(&self, id: Id) -> String {
        self.caseload
            .rows
            .iter()
            .find(|r| r.person_id == id)
            .map(|r| r.display_name())
            .unwrap_or_else(|| format!("personne n° {id}"))
    }

    fn set_attendance(&mut self, status: &str, store: &mut dyn Backend) {
        let Some((mut s, p)) = self.selected_participant() else {
            let key = self.key_here(Action::Enrol);
            self.set_info(format!("Personne d'inscrit : {key} pour inscrire"));
            return;
        };
        if let Err(e) = s.set_status(p.person_id, status, self.clock.now()) {
            self.set_error(e.message);
            return;
        }
        let what = format!(
            "{} : {}",
            self.person_name(p.person_id),
            label_in(&self.rf.appointment_statuses, status)
        );
        match self.commit_session(store, Change::Upsert(Record::Session(s)), &what) {
            Ok(_) => {
                self.set_info(format!("{what} — enregistré"));
                // Next participant: a whole list is one key each.
                let n = self
                    .current_session()
                    .map(|s| s.participants.len())
                    .unwrap_or(0);
                if self.sessions.participant + 1 < n {
                    self.sessions.participant += 1;
                }
            }
            Err(e) => self.set_error(e),
        }
    }

    fn unenrol_selected(&mut self, store: &mut dyn Backend) {
        let Some((mut s, p)) = self.selected_participant() else {
            return;
        };
        s.unenrol(p.person_id);
        let what = format!(
            "{} désinscrit·e de « {} »",
            self.person_name(p.person_id),
            s.title
        );
        match self.commit_session(store, Change::Upsert(Record::Session(s)), &what) {
            Ok(_) => {
                let hint = self.undo_hint(&what);
                self.set_info(hint);
                let n = self
                    .current_session()
                    .map(|s| s.participants.len())
                    .unwrap_or(0);
                self.sessions.participant = self.sessions.participant.min(n.saturating_sub(1));
            }
            Err(e) => self.set_error(e),
        }
    }

    fn open_participant_note(&mut self) {
        let Some((s, p)) = self.selected_participant() else {
            return;
        };
        let form = Form::new(
            &format!("Note — {} · {}", self.person_name(p.person_id), s.title),
            Purpose::Session(SessionForm::Note(s.id, p.person_id)),
            vec![Field::multiline(key::NOTE, "Note sur la personne", &p.note)],
        )
        .with_hint("La personne peut lire cette note (droit d'accès)")
        .with_origin(Record::Session(s));
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    // ----- enrolment with the caseload's search -----

    fn start_enrol(&mut self, session_id: Id) {
        let back_to = self.screen;
        self.sessions.enrol = Some(EnrolState {
            session_id,
            query: TextInput::new("", false),
            hits: Vec::new(),
            selected: 0,
            marked: Vec::new(),
            back_to,
        });
        self.refresh_enrol();
        self.screen = Screen::Enrol;
    }

    /// The enrolment list: the caseload's search on the typed text (files in progress
    /// first when nothing is typed).
    fn refresh_enrol(&mut self) {
        let Some(e) = self.sessions.enrol.as_mut() else {
            return;
        };
        let query = e.query.text();
        let rows = &self.caseload.rows;
        e.hits = if query.trim().is_empty() {
            (0..rows.len())
                .filter(|i| rows[*i].is_open() && !rows[*i].archived)
                .collect()
        } else {
            self.caseload
                .index
                .search(&query)
                .iter()
                .map(|h| h.index)
                .collect()
        };
        e.selected = e.selected.min(e.hits.len().saturating_sub(1));
    }

    /// Keys of the enrolment screen: a printable character goes into the search. Returns
    /// true when the key was used.
    pub(super) fn enrol_key(&mut self, key: &KeyEvent, store: &mut dyn Backend) -> bool {
        let k = Key::from_event(key);
        if let Some(ch) = k.text() {
            if let Some(e) = self.sessions.enrol.as_mut() {
                e.query.insert(ch);
                e.selected = 0;
            }
            self.refresh_enrol();
            return true;
        }
        match self.keymap.lookup(&[Context::Enrol, Context::Edit], &k) {
            Some(Action::Toggle) => self.toggle_mark(),
            Some(Action::Submit) => self.confirm_enrol(store),
            Some(Action::Cancel) => {
                let back = self
                    .sessions
                    .enrol
                    .take()
                    .map(|e| e.back_to)
                    .unwrap_or(Screen::Sessions);
                self.screen = back;
                self.set_info("Inscription abandonnée : personne n'a été inscrit");
            }
            Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown)) => {
                self.status = None;
                self.move_selection(a);
            }
            Some(a) => {
                let changed =
                    self.sessions.enrol.as_mut().and_then(|e| e.query.apply(a)) == Some(true);
                if changed {
                    self.refresh_enrol();
                }
            }
            None => return false,
        }
        true
    }

    fn toggle_mark(&mut self) {
        let Some(session) = self.current_session().cloned() else {
            return;
        };
        let Some(e) = self.sessions.enrol.as_ref() else {
            return;
        };
        let Some(row) = e
            .hits
            .get(e.selected)
            .and_then(|i| self.caseload.rows.get(*i))
        else {
            return;
        };
        let (id, name) = (row.person_id, row.display_name());
        if session.participation(id).is_some() {
            self.set_error(format!("{name} est déjà inscrit·e à « {} »", session.title));
            return;
        }
        let marked = e.marked.len();
        let Some(e) = self.sessions.enrol.as_mut() else {
            return;
        };
        if let Some(pos) = e.marked.iter().position(|m| *m == id) {
            e.marked.remove(pos);
        } else if marked >= session.places_left() {
            self.set_error(format!(
                "Plus de place : {} et {marked} cochée{}. Augmentez la capacité de la séance pour en inscrire davantage",
                session.capacity_label(),
                if marked > 1 { "s" } else { "" }
            ));
            return;
        } else {
            e.marked.push(id);
        }
        // Next row: marking a list is one key per person.
        if e.selected + 1 < e.hits.len() {
            e.selected += 1;
        }
        self.status = None;
    }

    fn standing(&self, id: Id) -> (String, Standing) {
        let row = self.caseload.rows.iter().find(|r| r.person_id == id);
        let standing = match row {
            Some(r) if r.archived => Standing::Archived,
            Some(r) if !r.is_open() => Standing::Exited,
            _ => Standing::Followed,
        };
        (self.person_name(id), standing)
    }

    fn confirm_enrol(&mut self, store: &mut dyn Backend) {
        let Some(e) = self.sessions.enrol.clone() else {
            return;
        };
        let mut ids = e.marked.clone();
        if ids.is_empty() {
            if let Some(r) = e
                .hits
                .get(e.selected)
                .and_then(|i| self.caseload.rows.get(*i))
            {
                ids.push(r.person_id);
            }
        }
        if ids.is_empty() {
            self.set_error("Personne à inscrire : cherchez un nom puis cochez avec Tab");
            return;
        }
        // The session as stored now (another window may have enrolled people meanwhile).
        let mut session = match store.session(e.session_id) {
            Ok(Some(s)) => s,
            Ok(None) => {
                self.set_error("Cette séance a été supprimée sur un autre poste");
                return;
            }
            Err(err) => {
                self.set_error(err.to_string());
                return;
            }
        };
        let people: Vec<(Id, String, Standing)> = ids
            .iter()
            .map(|id| {
                let (name, st) = self.standing(*id);
                (*id, name, st)
            })
            .collect();
        let warnings = match session.enrol_all(&people) {
            Ok(w) => w,
            Err(err) => {
                self.set_error(err.message);
                return;
            }
        };
        let n = ids.len();
        let what = format!(
            "{n} personne{} inscrite{} à « {} »",
            if n > 1 { "s" } else { "" },
            if n > 1 { "s" } else { "" },
            session.title
        );
        let label = format!("{} ({})", what, session.capacity_label());
        match self.commit_session(store, Change::Upsert(Record::Session(session)), &what) {
            Ok(_) => {
                self.screen = e.back_to;
                self.sessions.enrol = None;
                if e.back_to == Screen::Sessions {
                    // Straight to the session's attendance: the next thing to do there.
                    self.sessions.current = Some(e.session_id);
                    self.screen = Screen::Attendance;
                }
                if warnings.is_empty() {
                    self.set_info(label);
                } else {
                    self.set_error(format!("{label} — attention : {}", warnings.join(" ; ")));
                }
            }
            Err(err) => self.set_error(err),
        }
    }

    // ----- from a person's file -----

    fn open_enrol_person_form(&mut self, store: &dyn Backend) {
        let Some(pid) = self.file.as_ref().map(|f| f.data.person.id) else {
            return;
        };
        if let Ok(list) = store.sessions() {
            self.sessions.list = list;
        }
        let now = self.clock.now();
        let choices: Vec<(String, String)> = self
            .sessions
            .list
            .iter()
            .filter(|s| s.start.is_some_and(|t| t.date() >= now.date()))
            .map(|s| (s.id.to_string(), session_choice_label(&self.rf, s)))
            .collect();
        if choices.is_empty() {
            self.set_info("Aucune séance à venir : créez-la depuis les actions collectives (c dans la file active)");
            return;
        }
        let form = Form::new(
            "Inscrire à une action collective",
            Purpose::Session(SessionForm::EnrolPerson(pid)),
            vec![Field::choice(key::SESSION, "Séance", choices, "")],
        );
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }

    /// The open file's sessions (rendez-vous pane), reloaded with the file.
    pub(super) fn load_file_sessions(&mut self, store: &dyn Backend) {
        self.sessions.of_person = match &self.file {
            Some(f) => store.person_sessions(f.data.person.id).unwrap_or_default(),
            None => Vec::new(),
        };
    }

    // ----- forms -----

    /// Reads a sessions form and writes it. From a person's file the change goes through
    /// the file's commit (undo with the file's `u`); elsewhere through these screens'.
    pub(super) fn apply_session_form(
        &mut self,
        form: &Form,
        purpose: SessionForm,
        r: &Reader,
        store: &mut dyn Backend,
    ) -> Result<(), Refusal> {
        let stored = |id: Id| -> Result<Session, Refusal> {
            // The version the form was opened on (a change elsewhere is a conflict).
            match &form.origin {
                Some(Record::Session(s)) if s.id == id => Ok(s.clone()),
                _ => match store.session(id) {
                    Ok(Some(s)) => Ok(s),
                    Ok(None) => Err(Refusal::Error(
                        "Cette séance a été supprimée sur un autre poste".into(),
                    )),
                    Err(e) => Err(Refusal::Error(e.to_string())),
                },
            }
        };
        let (session, what) = match &purpose {
            SessionForm::New => (
                read_session(r, Session::default())?,
                "Séance créée".to_string(),
            ),
            SessionForm::Edit(id) => (
                read_session(r, stored(*id)?)?,
                "Séance modifiée".to_string(),
            ),
            SessionForm::Report(id) => {
                let mut s = stored(*id)?;
                s.report = r.raw(key::REPORT)?;
                (s, "Compte rendu de la séance".to_string())
            }
            SessionForm::Note(id, pid) => {
                let mut s = stored(*id)?;
                let note = r.raw(key::NOTE)?;
                match s.participants.iter_mut().find(|p| p.person_id == *pid) {
                    Some(p) => p.note = note,
                    None => {
                        return Err(Refusal::Error(
                            "Cette personne n'est plus inscrite à la séance".into(),
                        ))
                    }
                }
                (s, format!("Note de {}", self.person_name(*pid)))
            }
            SessionForm::EnrolPerson(pid) => {
                let id: Id = r.choice(key::SESSION)?.parse().unwrap_or(0);
                let mut s = match store.session(id) {
                    Ok(Some(s)) => s,
                    _ => return Err(Refusal::field(key::SESSION, "Séance introuvable")),
                };
                let (name, standing) = self.standing(*pid);
                let warning = s
                    .enrol(*pid, &name, standing)
                    .map_err(|e| Refusal::field(key::SESSION, e.message))?;
                let what = format!("Inscrit·e à « {} » ({})", s.title, s.capacity_label());
                let what = match warning {
                    Some(w) => format!("{what} — attention : {w}"),
                    None => what,
                };
                self.commit(store, Change::Upsert(Record::Session(s)), &what)
                    .map_err(Refusal::Error)?;
                self.load_file_sessions(store);
                return Ok(());
            }
        };
        match self.commit_session(store, Change::Upsert(Record::Session(session)), &what) {
            Ok(id) => {
                if purpose == SessionForm::New {
                    // Select the new session in the list.
                    if let Some(pos) = self.sessions.rows.iter().position(
                        |row| matches!(row, SessionRow::Session(i) if self.sessions.list[*i].id == id),
                    ) {
                        self.sessions.selected = pos;
                    }
                }
                let hint = if std::mem::take(&mut self.sessions.found_stored) {
                    format!("{what} — déjà enregistrée : le serveur l'avait reçue juste avant la coupure (rien en double)")
                } else {
                    self.undo_hint(&what)
                };
                self.set_info(hint);
                Ok(())
            }
            Err(e) => Err(Refusal::Error(e)),
        }
    }

    /// The monthly-interview rule counts honoured collective sessions too when
    /// `reglages.toml` says so (`collectif_compte_comme_entretien = true`).
    pub(super) fn with_collective_contacts(&self, store: &dyn Backend, rows: &mut [CaseloadRow]) {
        if !self.sessions.counts_as_interview {
            return;
        }
        let Ok(last) = store.last_honoured_sessions() else {
            return;
        };
        for r in rows {
            if let Some(t) = last.get(&r.person_id) {
                if r.last_honoured.is_none_or(|h| h < *t) {
                    r.last_honoured = Some(*t);
                }
            }
        }
    }
}

/// « mar. 12/03 14h00 · Atelier CV (7 / 10 inscrits) ».
pub fn session_choice_label(rf: &Referential, s: &Session) -> String {
    format!(
        "{} · {} — {} ({})",
        s.start
            .map(crate::dates::format_datetime)
            .unwrap_or_default(),
        label_in(&rf.session_types, &s.kind),
        s.title,
        s.capacity_label()
    )
}

/// The form of a new or existing session.
pub fn session_form(rf: &Referential, s: &Session, purpose: SessionForm) -> Form {
    use key as k;
    let title = match purpose {
        SessionForm::New => "Nouvelle séance collective".to_string(),
        _ => format!("Séance — {}", s.title),
    };
    let end = s
        .end()
        .map(|e| e.format("%Hh%M").to_string())
        .unwrap_or_default();
    let themes = rf
        .active_themes()
        .map(|t| (t.code.clone(), t.short.clone()))
        .collect();
    let capacity = if s.capacity == 0 {
        SESSION_DEFAULT_CAPACITY
    } else {
        s.capacity
    };
    let kind = if s.kind.is_empty() {
        "atelier"
    } else {
        s.kind.as_str()
    };
    Form::new(
        &title,
        Purpose::Session(purpose),
        vec![
            Field::text(k::TITLE, "Intitulé", &s.title).required(),
            Field::choice(k::KIND, "Type", items(&rf.session_types), kind),
            Field::datetime(k::START, "Date et heure", s.start).required(),
            Field::text(k::END, "Fin (heure)", &end),
            Field::number(k::CAPACITY, "Capacité (places)", Some(capacity)),
            Field::text(k::PLACE, "Lieu", &s.place),
            Field::completion(k::PARTNER, "Partenaire", items(&rf.partners), &s.partner).names(),
            Field::multicheck(k::THEMES, "Thèmes", themes, &s.theme_codes()),
            Field::text(k::ANIMATEUR, "Animateur·rice", &s.animateur),
        ],
    )
    .with_hint("Fin : 16h30 (vide : 2 heures) · Exemples de date : 12/03 14h00 · lundi 9h30")
}

/// The session form read back onto `s` (participants, report and version kept).
pub fn read_session(r: &Reader, mut s: Session) -> Result<Session, Refusal> {
    use key as k;
    s.title = r.text(k::TITLE)?;
    s.kind = r.choice(k::KIND)?;
    s.start = r.datetime(k::START)?;
    let end = r.text(k::END)?;
    s.duration_min = match (s.start, end.trim()) {
        (_, "") => {
            if s.duration_min == 0 {
                SESSION_DEFAULT_MINUTES
            } else {
                s.duration_min
            }
        }
        (Some(start), text) => {
            let at = crate::dates::parse_datetime(text, start).map_err(|e| {
                Refusal::field(k::END, format!("Heure de fin illisible : {e} (ex. 16h30)"))
            })?;
            Session::minutes_until(start, at.time()).map_err(|e| Refusal::rule(e, key_of))?
        }
        (None, _) => s.duration_min,
    };
    s.place = r.text(k::PLACE)?;
    s.partner = r.code_or_text(k::PARTNER)?;
    s.capacity = r
        .number(k::CAPACITY)?
        .ok_or_else(|| Refusal::field(k::CAPACITY, "Indiquez la capacité (nombre de places)"))?;
    s.set_themes(&r.checked_codes(k::THEMES)?);
    s.animateur = r.text(k::ANIMATEUR)?;
    s.check().map_err(|e| Refusal::rule(e, key_of))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::form::tests::{now, set, validated};

    #[test]
    fn the_session_form_reads_back_and_refuses_bad_input() {
        let rf = Referential::embedded();
        let s = Session {
            participants: (1..=4)
                .map(|i| Participation {
                    person_id: i,
                    status: codes::APPT_PLANNED.into(),
                    note: String::new(),
                })
                .collect(),
            ..Default::default()
        };
        let build = |f: fn(&mut Form)| {
            let mut form = session_form(&rf, &s, SessionForm::Edit(1));
            set(&mut form, key::TITLE, "Atelier CV");
            set(&mut form, key::START, "12/03/2027 14h00");
            f(&mut form);
            validated(form)
        };
        let ok = build(|f| set(f, key::END, "16h30"));
        let read = read_session(&Reader::new(&ok, now()), s.clone()).unwrap();
        assert_eq!(read.duration_min, 150);
        assert_eq!(read.capacity, SESSION_DEFAULT_CAPACITY);
        assert_eq!(read.participants.len(), 4);

        let before = build(|f| set(f, key::END, "13h00"));
        match read_session(&Reader::new(&before, now()), s.clone()) {
            Err(Refusal::Field { key, message }) => {
                assert_eq!(key, key::END);
                assert_eq!(message, "La fin (13h00) doit être après le début (14h00)");
            }
            other => panic!("{other:?}"),
        }
        let below = build(|f| set(f, key::CAPACITY, "3"));
        match read_session(&Reader::new(&below, now()), s.clone()) {
            Err(Refusal::Field { key, message }) => {
                assert_eq!(key, key::CAPACITY);
                assert!(
                    message.contains("4 personnes sont déjà inscrites"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        let zero = build(|f| set(f, key::CAPACITY, "0"));
        assert!(matches!(
            read_session(&Reader::new(&zero, now()), s.clone()),
            Err(Refusal::Field {
                key: key::CAPACITY,
                ..
            })
        ));
    }
}
