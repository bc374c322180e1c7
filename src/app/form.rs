//! Forms: labelled fields, inline French validation; keys from the key table (contexts
//! `form`, `multiline`, `completion`, `choice`, `edit`): by default Esc cancels, Entrée /
//! F10 confirm.
//! A form never loses what was typed: a refused value stays in place with its message.

use super::input::TextInput;
use super::keys::{Action, Context, Key, Keymap};
use crate::dates;
use chrono::{NaiveDate, NaiveDateTime};
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Multiline,
    /// A date in forgiving French entry (12/03, demain, lundi...).
    Date,
    /// A date and time (12/03 14h30, demain 9h, lundi 14h...).
    DateTime,
    /// A whole number (e.g. minutes, months).
    Number,
    /// One of a fixed list; ←/→ or Espace to change.
    Choice,
    /// Free text with suggestions from a list (fuzzy); ↑/↓ pick, Tab accepts.
    Completion,
    /// Yes / no; Espace toggles.
    Check,
    /// Several of a list; ←/→ move, Espace toggles.
    MultiCheck,
    /// A password: shown as "•", zeroised by [`Form::wipe_secrets`] (and on drop).
    Password,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub key: &'static str,
    pub label: String,
    pub kind: FieldKind,
    pub input: TextInput,
    pub required: bool,
    pub error: Option<String>,
    /// (code, label) for Choice / Completion / MultiCheck.
    pub choices: Vec<(String, String)>,
    /// Selected choice (Choice), cursor (MultiCheck).
    pub choice: usize,
    /// Checked items (MultiCheck) or the value (Check, first item).
    pub checked: Vec<bool>,
    /// Highlighted suggestion (Completion).
    pub suggestion: Option<usize>,
    /// Codes of the choices suggested first among equally good matches (Completion): the
    /// referential's items of the theme in hand.
    pub preferred: Vec<String>,
    /// A pre-filled value that the first character typed replaces (the identifier of the
    /// login form); any editing key keeps it instead.
    pub replace_on_type: bool,
    /// The value a warning was shown for (see [`Form::warn`]): confirming again with the
    /// same value stores it as typed.
    pub warned: Option<String>,
    /// Completion over names of organisations (partners, prescripteur): text that starts
    /// one name only, or one of its words (`bailleur`, `france tr`), is that name when the
    /// field is left or the form saved, as if Tab had taken it (see [`Field::names`]).
    pub names: bool,
    /// Text was typed, pasted or edited in this field since the form opened (a value
    /// only passed through is never rewritten).
    pub edited: bool,
    /// The boxes last ticked by a suggestion from what was typed (MultiCheck, see
    /// `app::file::appointments::follow_demarche`): while they are as it left them, the
    /// suggestion follows the text; a box ticked or unticked by hand stops it.
    pub suggested: Option<Vec<bool>>,
}

impl Field {
    fn base(key: &'static str, label: &str, kind: FieldKind) -> Field {
        let multiline = kind == FieldKind::Multiline;
        Field {
            key,
            label: label.to_string(),
            kind,
            input: TextInput::new("", multiline),
            required: false,
            error: None,
            choices: Vec::new(),
            choice: 0,
            checked: Vec::new(),
            suggestion: None,
            preferred: Vec::new(),
            replace_on_type: false,
            warned: None,
            names: false,
            edited: false,
            suggested: None,
        }
    }

    /// A completion over names of organisations (see [`Field::names`]): a free text
    /// there is a full name (« Garage Dupont »), while the start of one listed name is
    /// that name being typed.
    pub fn names(mut self) -> Field {
        self.names = true;
        self
    }

    pub fn text(key: &'static str, label: &str, value: &str) -> Field {
        let mut f = Field::base(key, label, FieldKind::Text);
        f.input.set(value);
        f
    }

    pub fn multiline(key: &'static str, label: &str, value: &str) -> Field {
        let mut f = Field::base(key, label, FieldKind::Multiline);
        f.input.set(value);
        f
    }

    pub fn date(key: &'static str, label: &str, value: Option<NaiveDate>) -> Field {
        let mut f = Field::base(key, label, FieldKind::Date);
        f.input
            .set(&value.map(dates::format_date).unwrap_or_default());
        f
    }

    pub fn datetime(key: &'static str, label: &str, value: Option<NaiveDateTime>) -> Field {
        let mut f = Field::base(key, label, FieldKind::DateTime);
        f.input
            .set(&value.map(dates::format_datetime).unwrap_or_default());
        f
    }

    pub fn number(key: &'static str, label: &str, value: Option<u32>) -> Field {
        let mut f = Field::base(key, label, FieldKind::Number);
        f.input
            .set(&value.map(|v| v.to_string()).unwrap_or_default());
        f
    }

    pub fn choice(
        key: &'static str,
        label: &str,
        choices: Vec<(String, String)>,
        code: &str,
    ) -> Field {
        let mut f = Field::base(key, label, FieldKind::Choice);
        f.choice = choices.iter().position(|(c, _)| c == code).unwrap_or(0);
        f.choices = choices;
        f
    }

    pub fn completion(
        key: &'static str,
        label: &str,
        choices: Vec<(String, String)>,
        value: &str,
    ) -> Field {
        let mut f = Field::base(key, label, FieldKind::Completion);
        f.choices = choices;
        f.input.set(value);
        f
    }

    /// An empty password field (never pre-filled).
    pub fn password(key: &'static str, label: &str) -> Field {
        let mut f = Field::base(key, label, FieldKind::Password);
        f.input = TextInput::secret();
        f
    }

    pub fn check(key: &'static str, label: &str, value: bool) -> Field {
        let mut f = Field::base(key, label, FieldKind::Check);
        f.checked = vec![value];
        f
    }

    pub fn multicheck(
        key: &'static str,
        label: &str,
        choices: Vec<(String, String)>,
        checked_codes: &[String],
    ) -> Field {
        let mut f = Field::base(key, label, FieldKind::MultiCheck);
        f.checked = choices
            .iter()
            .map(|(c, _)| checked_codes.contains(c))
            .collect();
        f.choices = choices;
        f
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn is_text_like(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Text
                | FieldKind::Multiline
                | FieldKind::Date
                | FieldKind::DateTime
                | FieldKind::Number
                | FieldKind::Completion
                | FieldKind::Password
        )
    }

    /// The key-table contexts of this field, most specific first.
    pub fn contexts(&self) -> &'static [Context] {
        use Context as C;
        match self.kind {
            FieldKind::Multiline => &[C::Multiline, C::Edit, C::Form],
            FieldKind::Completion => &[C::Completion, C::Edit, C::Form],
            FieldKind::Choice | FieldKind::Check | FieldKind::MultiCheck => &[C::Choice, C::Form],
            FieldKind::Text
            | FieldKind::Date
            | FieldKind::DateTime
            | FieldKind::Number
            | FieldKind::Password => &[C::Edit, C::Form],
        }
    }

    /// Moves a choice list (or the cursor of a list of check boxes) to the next choice
    /// starting with `c` (accents and case ignored). True when exactly one choice starts
    /// with it (the letter names it: nothing more to choose).
    fn jump_to_letter(&mut self, c: char) -> bool {
        let c = crate::text::fold(&c.to_string());
        let starts = |l: &str| crate::text::fold(l).starts_with(&c);
        let n = self.choices.len();
        for step in 1..=n {
            let i = (self.choice + step) % n;
            if starts(&self.choices[i].1) {
                self.choice = i;
                break;
            }
        }
        self.choices.iter().filter(|(_, l)| starts(l)).count() == 1
    }

    /// Suggestions for a completion field: (index into choices), best first, at most 6.
    /// A label typed in other letters (`ofii`) comes first, in its own spelling; then the
    /// labels starting with what was typed, then those with a word starting with it (the
    /// [`Field::preferred`] ones first among these), then the other fuzzy matches; the
    /// referential's order breaks ties.
    pub fn suggestions(&self) -> Vec<usize> {
        if self.kind != FieldKind::Completion {
            return Vec::new();
        }
        let typed = self.input.text();
        let q = crate::text::fold(typed.trim());
        if q.is_empty() {
            return (0..self.choices.len().min(6)).collect();
        }
        let m = SkimMatcherV2::default();
        // (exact, word start, preferred, starts, -score, index): smallest first.
        let mut scored: Vec<(Rank, usize)> = self
            .choices
            .iter()
            .enumerate()
            .filter_map(|(i, (code, label))| {
                let l = crate::text::fold(label);
                let score = m.fuzzy_match(&l, &q)?;
                let starts = l.starts_with(&q);
                let word = starts || has_word_starting(&l, &q);
                let preferred = self.preferred.contains(code);
                let key = (
                    u8::from(l != q),
                    u8::from(!word),
                    u8::from(!(word && preferred)),
                    u8::from(!starts),
                    // Word-start matches keep the referential's order.
                    if word { 0 } else { -score },
                );
                Some((key, i))
            })
            .collect();
        scored.sort();
        // The label typed exactly as it is spelt: already chosen, nothing to suggest.
        if let Some((_, i)) = scored.first() {
            if scored.len() == 1 && self.choices[*i].1 == typed.trim() {
                return Vec::new();
            }
        }
        scored.into_iter().take(6).map(|(_, i)| i).collect()
    }

    /// A completion field holding a label (or code) of its list in other letters takes the
    /// label's own spelling (`ofii` becomes « OFII »).
    fn canonicalize(&mut self) {
        if self.kind != FieldKind::Completion {
            return;
        }
        let typed = self.input.text();
        let t = crate::text::fold(typed.trim());
        if t.is_empty() {
            return;
        }
        let exact = self
            .choices
            .iter()
            .find(|(c, l)| crate::text::fold(l) == t || crate::text::fold(c) == t)
            .map(|(_, l)| l.clone());
        let label = exact.or_else(|| self.only_name_started(&t));
        if let Some(l) = label.filter(|l| *l != typed) {
            self.input.set(&l);
        }
    }

    /// The name a field of names will take when left or saved, its text being only the
    /// start of it (shown with an arrow under the field); `None` otherwise.
    pub fn name_when_left(&self) -> Option<String> {
        let t = crate::text::fold(self.input.text().trim());
        if t.is_empty() || self.completion_code().is_some() {
            return None;
        }
        self.only_name_started(&t)
    }

    /// In a field of names (see [`Field::names`]), the one label that starts with the
    /// folded text `t` or has a word starting with it; `None` when none or several do.
    fn only_name_started(&self, t: &str) -> Option<String> {
        if !self.names || !self.edited {
            return None;
        }
        let mut started = self.choices.iter().filter(|(_, l)| {
            let l = crate::text::fold(l);
            l.starts_with(t) || has_word_starting(&l, t)
        });
        match (started.next(), started.next()) {
            (Some((_, l)), None) => Some(l.clone()),
            _ => None,
        }
    }

    /// The code of a completion field: the code of a list entry whose label was typed or
    /// picked, or `None` for free text.
    pub fn completion_code(&self) -> Option<String> {
        let t = crate::text::fold(self.input.text().trim());
        self.choices
            .iter()
            .find(|(c, l)| crate::text::fold(l) == t || crate::text::fold(c) == t)
            .map(|(c, _)| c.clone())
    }

    pub fn choice_code(&self) -> String {
        self.choices
            .get(self.choice)
            .map(|(c, _)| c.clone())
            .unwrap_or_default()
    }

    pub fn checked_codes(&self) -> Vec<String> {
        self.choices
            .iter()
            .zip(&self.checked)
            .filter(|(_, c)| **c)
            .map(|((code, _), _)| code.clone())
            .collect()
    }

    pub fn is_checked(&self) -> bool {
        self.checked.first().copied().unwrap_or(false)
    }

    /// The value as the advisor reads it (a choice's label, « oui » / « non », the ticked
    /// items): to tell a changed field and to name its new value. Never a password.
    pub fn shown(&self) -> String {
        match self.kind {
            FieldKind::Password => String::new(),
            FieldKind::Choice => self
                .choices
                .get(self.choice)
                .map(|(_, l)| l.clone())
                .unwrap_or_default(),
            FieldKind::Check => if self.is_checked() { "oui" } else { "non" }.to_string(),
            FieldKind::MultiCheck => self
                .choices
                .iter()
                .zip(&self.checked)
                .filter(|(_, c)| **c)
                .map(|((_, l), _)| l.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            _ => self.input.text().trim().to_string(),
        }
    }
}

/// A word of the folded label `l` starts with the folded text `q`.
fn has_word_starting(l: &str, q: &str) -> bool {
    l.split(|c: char| !c.is_alphanumeric())
        .any(|w| w.starts_with(q))
}

/// A suggestion's rank, smallest first: (not the exact label, no word starting with the
/// text, not preferred, not starting with the text, fuzzy score negated).
type Rank = (u8, u8, u8, u8, i64);

/// Width of a value named in a « changed elsewhere » message.
const CHANGED_VALUE_WIDTH: usize = 24;

/// Why a submitted form was not applied. The form stays open with what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A field's value is refused: the message goes under that field.
    Field { key: &'static str, message: String },
    /// The record the form edits is no longer there (file closed or reloaded).
    Stale,
    /// The record (or the file) changed elsewhere since the form opened: nothing written.
    Conflict,
    /// An error not tied to a field (store, disk...): shown under the form.
    Error(String),
    /// Values that look wrong but may be right (key, message): each message goes under
    /// its field, and confirming again with the values unchanged stores them.
    Unusual(Vec<(&'static str, String)>),
    /// A reader asked for a key its form does not have: a bug, caught by each form's unit
    /// test; at run time it refuses loudly rather than saving an empty value.
    UnknownField(&'static str),
}

impl Refusal {
    /// A domain rule was broken: its message goes under the form field that `key_of`
    /// names for the struct field, or under the form when no field shows it.
    pub fn rule(e: crate::domain::RuleError, key_of: fn(&str) -> Option<&'static str>) -> Refusal {
        match key_of(e.field) {
            Some(key) => Refusal::Field {
                key,
                message: e.message,
            },
            None => Refusal::Error(e.message),
        }
    }

    pub fn field(key: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::Field {
            key,
            message: message.into(),
        }
    }
}

/// (code, label) choices of a referential list.
pub fn items<T: crate::domain::referential::Coded>(list: &[T]) -> Vec<(String, String)> {
    list.iter()
        .map(|i| (i.code().to_string(), i.label().to_string()))
        .collect()
}

/// Reads a validated form back by key. Every accessor fails with
/// [`Refusal::UnknownField`] for a key the form does not have (never a silent empty value);
/// optional fields are asked with [`Reader::has`] first.
pub struct Reader<'a> {
    form: &'a Form,
    now: NaiveDateTime,
}

impl<'a> Reader<'a> {
    pub fn new(form: &'a Form, now: NaiveDateTime) -> Reader<'a> {
        Reader { form, now }
    }

    pub fn now(&self) -> NaiveDateTime {
        self.now
    }

    pub fn has(&self, key: &str) -> bool {
        self.form.field(key).is_some()
    }

    pub fn get(&self, key: &'static str) -> Result<&'a Field, Refusal> {
        self.form.field(key).ok_or(Refusal::UnknownField(key))
    }

    /// Trimmed text.
    pub fn text(&self, key: &'static str) -> Result<String, Refusal> {
        Ok(self.get(key)?.input.text().trim().to_string())
    }

    /// Text as typed (multi-line fields keep their spaces and line breaks).
    pub fn raw(&self, key: &'static str) -> Result<String, Refusal> {
        Ok(self.get(key)?.input.text())
    }

    pub fn date(&self, key: &'static str) -> Result<Option<NaiveDate>, Refusal> {
        let v = self.text(key)?;
        Ok(if v.is_empty() {
            None
        } else {
            dates::parse_date(&v, self.now.date()).ok()
        })
    }

    pub fn datetime(&self, key: &'static str) -> Result<Option<NaiveDateTime>, Refusal> {
        let v = self.text(key)?;
        Ok(if v.is_empty() {
            None
        } else {
            dates::parse_datetime(&v, self.now).ok()
        })
    }

    pub fn number(&self, key: &'static str) -> Result<Option<u32>, Refusal> {
        Ok(self.text(key)?.parse().ok())
    }

    /// The code of a choice field.
    pub fn choice(&self, key: &'static str) -> Result<String, Refusal> {
        Ok(self.get(key)?.choice_code())
    }

    /// The code of a choice field, `None` for its empty choice (« (aucun) »).
    pub fn opt_choice(&self, key: &'static str) -> Result<Option<String>, Refusal> {
        let c = self.choice(key)?;
        Ok(if c.is_empty() { None } else { Some(c) })
    }

    /// A completion field: the code of the list entry typed or picked, else the free text.
    pub fn code_or_text(&self, key: &'static str) -> Result<String, Refusal> {
        let f = self.get(key)?;
        Ok(f.completion_code()
            .unwrap_or_else(|| f.input.text().trim().to_string()))
    }

    /// Did the advisor confirm this field again, unchanged, after a warning about it?
    pub fn insisted(&self, key: &'static str) -> Result<bool, Refusal> {
        let f = self.get(key)?;
        Ok(f.warned.as_deref() == Some(f.input.text().trim()))
    }

    pub fn checked(&self, key: &'static str) -> Result<bool, Refusal> {
        Ok(self.get(key)?.is_checked())
    }

    pub fn checked_codes(&self, key: &'static str) -> Result<Vec<String>, Refusal> {
        Ok(self.get(key)?.checked_codes())
    }
}

/// What confirming a form does (the app turns it into store changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Erasure of a person (id, n° de dossier to retype).
    ErasePerson(i64, String),
    NewPerson,
    EditPerson,
    /// The person's benefits and administrative situation (same record as EditPerson).
    EditRights,
    EditSuivi,
    ThemeComment(String),
    Professional,
    BarrierDetails(i64),
    FreeBarrier,
    NewAction,
    EditAction(i64),
    NewObjective,
    EditObjective(i64),
    NewAppointment,
    Report(i64),
    NewNote,
    EditNote(i64),
    NewEtape,
    EditEtape(i64),
    NewSaisine,
    EditSaisine(i64),
    NewVeille,
    EditVeille(i64),
    /// Collective sessions' forms (see `app::sessions`).
    Session(crate::app::sessions::SessionForm),
    /// The proof seen for criterion N of the eligibility view (the draft, not the store).
    EligibilityProof(usize),
    /// The period of the activity report screen (see `app::report`).
    ReportPeriod,
    /// The login screen (see `app::login`).
    Login,
    FirstAccount,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Reminder shown above the fields (e.g. right of access for notes).
    pub hint: Option<String>,
    /// Error not tied to a field (e.g. disk full): the form stays open, nothing lost.
    pub error: Option<String>,
    pub purpose: Purpose,
    /// Keys reminder drawn under the form; `None` = the usual save / cancel line.
    pub footer: Option<&'static [Hint]>,
    /// The record the form edits as it was when the form opened (or was last rebased, see
    /// [`Form::rebase`]): the reader starts from it, so the save carries the version the
    /// advisor saw, never the one a refresh reloaded underneath the form.
    pub origin: Option<crate::domain::Record>,
    /// Each field's value (as [`Field::shown`]) when the form opened or was last rebased:
    /// tells what the advisor typed from what was already there.
    pub opened: Vec<String>,
    /// The message when the form is cancelled, instead of « rien n'a été modifié » (the
    /// report form opened by `h` after the status was saved).
    pub cancel_info: Option<String>,
    /// The focus has just moved on by itself (a whole date typed, a choice picked by its
    /// only initial): an Entrée or Tab pressed right after, out of the habit of moving on
    /// by hand, is taken as that move rather than skipping the next field.
    pub moved_on: bool,
}

/// A key reminder: the key(s) of `action` in `context` (from the key table, so it follows
/// `touches.toml`), then what it does here.
pub type Hint = (Context, Action, &'static str);

/// Result of a key in a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    Continue,
    Submit,
    /// Save, then open the same form empty (see [`Form::repeatable`]).
    SubmitAndNew,
    Cancel,
}

impl Form {
    pub fn new(title: &str, purpose: Purpose, fields: Vec<Field>) -> Form {
        let opened = fields.iter().map(Field::shown).collect();
        Form {
            title: title.to_string(),
            fields,
            focus: 0,
            hint: None,
            error: None,
            purpose,
            footer: None,
            origin: None,
            opened,
            cancel_info: None,
            moved_on: false,
        }
    }

    /// A form that adds one record to a list typed several in a row (an action, an
    /// objective, an appointment, a free obstacle; all one-line fields, not a note): it
    /// can be saved and opened again empty for the next one.
    pub fn repeatable(&self) -> bool {
        matches!(
            self.purpose,
            Purpose::NewAction
                | Purpose::NewObjective
                | Purpose::NewAppointment
                | Purpose::FreeBarrier
        )
    }

    /// Remembers the record this form edits (see [`Form::origin`]).
    pub fn with_origin(mut self, record: crate::domain::Record) -> Form {
        self.origin = Some(record);
        self
    }

    /// The record changed elsewhere while the form was open: `fresh` is the same form built
    /// from the record as stored now. Each field the advisor left untouched takes the new
    /// value; each typed one keeps what was typed. The form then edits the new version.
    /// Returns « label : new value » for every field changed elsewhere (long values cut).
    pub fn rebase(&mut self, fresh: Form) -> Vec<String> {
        let mut changed = Vec::new();
        for (i, field) in self.fields.iter_mut().enumerate() {
            let Some(new) = fresh.field(field.key) else {
                continue;
            };
            let (was, now) = (self.opened.get(i).cloned().unwrap_or_default(), new.shown());
            if now == was {
                continue;
            }
            let shown = if now.is_empty() {
                "(vide)".to_string()
            } else {
                crate::text::truncate_width(&now, CHANGED_VALUE_WIDTH)
            };
            changed.push(format!("{} : {shown}", field.label));
            if field.shown() == was {
                let label = std::mem::take(&mut field.label);
                *field = new.clone();
                field.label = label;
                field.error = None;
            }
        }
        self.opened = self
            .fields
            .iter()
            .map(|f| {
                fresh
                    .field(f.key)
                    .map(Field::shown)
                    .unwrap_or_else(|| f.shown())
            })
            .collect();
        self.origin = fresh.origin;
        changed
    }

    /// The text of a password field, in a buffer zeroised on drop.
    pub fn secret(&self, key: &str) -> zeroize::Zeroizing<String> {
        self.field(key)
            .map(|f| f.input.secret_text())
            .unwrap_or_default()
    }

    /// Zeroises and empties every password field (after a submit, successful or not).
    pub fn wipe_secrets(&mut self) {
        for f in self
            .fields
            .iter_mut()
            .filter(|f| f.kind == FieldKind::Password)
        {
            f.input.wipe();
        }
    }

    pub fn with_hint(mut self, hint: &str) -> Form {
        self.hint = Some(hint.to_string());
        self
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn field_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key == key)
    }

    /// The trimmed text of a field, `""` when the form has no such key: for the login
    /// screen and tests. Readers of the app's forms use [`Reader`], which refuses unknown
    /// keys instead.
    pub fn value(&self, key: &str) -> String {
        self.field(key)
            .map(|f| f.input.text().trim().to_string())
            .unwrap_or_default()
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    fn next(&mut self) {
        if self.focus + 1 < self.fields.len() {
            self.leave_field();
            self.focus += 1;
        }
    }

    fn prev(&mut self) {
        if self.focus > 0 {
            self.leave_field();
            self.focus -= 1;
        }
    }

    /// The focused field is left: a label typed in other letters takes its own spelling.
    fn leave_field(&mut self) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.canonicalize();
            f.replace_on_type = false;
        }
    }

    /// Handles one key, looked up in the focused field's contexts of the key table (see
    /// [`Field::contexts`]): by default Entrée moves on and confirms on the last field,
    /// F10 / Ctrl+S confirm from anywhere, Échap cancels. A printable character is always
    /// text in a text field; in a choice list it jumps to the next choice with that letter.
    pub fn handle_key(&mut self, key: &crossterm::event::KeyEvent, keymap: &Keymap) -> FormOutcome {
        let key = Key::from_event(key);
        let moved_on = std::mem::take(&mut self.moved_on);
        let Some(field) = self.fields.get_mut(self.focus) else {
            return FormOutcome::Cancel;
        };
        if let Some(c) = key.text().filter(|_| field.is_text_like()) {
            if std::mem::take(&mut field.replace_on_type) {
                field.input.set("");
            }
            field.input.insert(c);
            field.edited = true;
            field.error = None;
            field.suggestion = None;
            // A date typed whole (day, month, four-digit year) is done: on to the next field.
            if field.kind == FieldKind::Date && dates::is_whole_date(&field.input.text()) {
                self.move_on();
            }
            return FormOutcome::Continue;
        }
        let contexts = field.contexts();
        let actions: Vec<Action> = keymap.actions(contexts, &key).collect();
        if moved_on
            && actions
                .iter()
                .any(|a| matches!(a, Action::NextOrSubmit | Action::NextField))
        {
            return FormOutcome::Continue;
        }
        for action in actions {
            if let Some(outcome) = self.apply(action) {
                return outcome;
            }
        }
        // A letter without an action of its own jumps in a choice list or a list of check
        // boxes (« lettre » in the table); in a choice list, the only choice with that
        // initial is picked and the focus moves on, as a level does in the diagnostic.
        if let (Some(c), Some(field)) = (key.letter(), self.fields.get_mut(self.focus)) {
            let jumps = keymap.letter_action(field.contexts()) == Some(Action::JumpToLetter);
            if jumps && matches!(field.kind, FieldKind::Choice | FieldKind::MultiCheck) {
                let only = field.jump_to_letter(c);
                if only && field.kind == FieldKind::Choice {
                    self.move_on();
                }
            }
        }
        FormOutcome::Continue
    }

    /// The focused field is filled: the focus moves on by itself (not past the last field,
    /// which the advisor confirms).
    fn move_on(&mut self) {
        if self.focus + 1 < self.fields.len() {
            self.next();
            self.moved_on = true;
        }
    }

    /// Carries out `action` on the focused field; `None` when it does not apply there (the
    /// next action bound to the same key is tried).
    fn apply(&mut self, action: Action) -> Option<FormOutcome> {
        use FormOutcome::{Cancel, Continue, Submit};
        let last = self.focus + 1 >= self.fields.len();
        let repeatable = self.repeatable();
        let field = self.fields.get_mut(self.focus)?;
        let kind = field.kind.clone();
        match action {
            Action::Cancel => return Some(Cancel),
            Action::Submit => return Some(Submit),
            // Elsewhere the key does nothing (it is not in those forms' footers).
            Action::SubmitAndNew if repeatable => return Some(FormOutcome::SubmitAndNew),
            Action::SubmitAndNew => return Some(Continue),
            Action::NextOrSubmit if last => return Some(Submit),
            // In a list of check boxes ↑/↓ move among the boxes, and leave the list only
            // past its first / last box.
            Action::Down
                if kind == FieldKind::MultiCheck && field.choice + 1 < field.choices.len() =>
            {
                field.choice += 1
            }
            Action::Up if kind == FieldKind::MultiCheck && field.choice > 0 => field.choice -= 1,
            Action::FirstChoice if kind == FieldKind::MultiCheck => field.choice = 0,
            Action::LastChoice if kind == FieldKind::MultiCheck => {
                field.choice = field.choices.len().saturating_sub(1)
            }
            Action::FirstChoice | Action::LastChoice => return None,
            Action::NextOrSubmit | Action::NextField | Action::Down => self.next(),
            Action::PrevField | Action::Up => self.prev(),
            Action::Newline => field.input.newline(),
            Action::LineUp => return field.input.up().then_some(Continue),
            Action::LineDown => return field.input.down().then_some(Continue),
            // Completion: Entrée takes the highlighted suggestion (↓ to highlight); Tab takes
            // the highlighted one or, when none is, the first; otherwise the text stays free.
            Action::PickSuggestion | Action::Complete => {
                let sugg = field.suggestions();
                let usable = field.suggestion.is_some()
                    || (action == Action::Complete && !field.input.is_empty() && !sugg.is_empty());
                if !usable {
                    return None;
                }
                if let Some(i) = sugg.get(field.suggestion.unwrap_or(0)) {
                    let label = field.choices[*i].1.clone();
                    field.input.set(&label);
                }
                field.suggestion = None;
                if action == Action::Complete {
                    self.next();
                }
            }
            Action::PrevSuggestion => {
                field.suggestion?;
                field.suggestion = field.suggestion.and_then(|s| s.checked_sub(1));
            }
            Action::NextSuggestion => {
                let n = field.suggestions().len();
                if n == 0 {
                    return None;
                }
                field.suggestion = Some(field.suggestion.map(|s| (s + 1).min(n - 1)).unwrap_or(0));
            }
            Action::PrevChoice => match kind {
                FieldKind::Choice => {
                    let n = field.choices.len().max(1);
                    field.choice = (field.choice + n - 1) % n;
                }
                FieldKind::MultiCheck => field.choice = field.choice.saturating_sub(1),
                _ => {}
            },
            Action::NextChoice => match kind {
                FieldKind::Choice => {
                    field.choice = (field.choice + 1) % field.choices.len().max(1);
                }
                FieldKind::MultiCheck => {
                    field.choice = (field.choice + 1).min(field.choices.len().saturating_sub(1))
                }
                _ => {}
            },
            Action::Toggle => match kind {
                FieldKind::Choice => {
                    field.choice = (field.choice + 1) % field.choices.len().max(1);
                }
                FieldKind::Check => {
                    if let Some(v) = field.checked.first_mut() {
                        *v = !*v;
                    }
                }
                FieldKind::MultiCheck => {
                    if let Some(v) = field.checked.get_mut(field.choice) {
                        *v = !*v;
                    }
                }
                _ => return None,
            },
            other => {
                let changed = field.input.apply(other)?;
                // Moving in or editing the pre-filled value keeps it.
                field.replace_on_type = false;
                if changed {
                    field.edited = true;
                    field.error = None;
                    field.suggestion = None;
                }
            }
        }
        Some(Continue)
    }
    /// Pasted text goes into the focused text field (newlines flattened in one-line fields).
    pub fn paste(&mut self, text: &str) {
        self.moved_on = false;
        if let Some(f) = self.fields.get_mut(self.focus) {
            if f.is_text_like() {
                if std::mem::take(&mut f.replace_on_type) {
                    f.input.set("");
                }
                f.input.insert_str(text);
                f.edited = true;
                f.error = None;
            }
        }
    }

    /// Checks required fields and parses dates / numbers; marks each bad field with a
    /// French message and focuses the first one. Returns true when all is valid.
    pub fn validate(&mut self, now: NaiveDateTime) -> bool {
        let mut first_bad = None;
        for (i, f) in self.fields.iter_mut().enumerate() {
            f.error = None;
            f.canonicalize();
            if f.kind == FieldKind::Password {
                // No copy of a password: only its presence is checked here.
                if f.required && f.input.is_empty() {
                    f.error = Some("Champ obligatoire".into());
                    first_bad = first_bad.or(Some(i));
                }
                continue;
            }
            let text = f.input.text();
            let t = text.trim();
            if f.required && t.is_empty() && f.is_text_like() {
                f.error = Some("Champ obligatoire".into());
            } else if !t.is_empty() {
                match f.kind {
                    FieldKind::Date => {
                        if let Err(e) = dates::parse_date(t, now.date()) {
                            f.error = Some(e.message());
                        }
                    }
                    FieldKind::DateTime => {
                        if let Err(e) = dates::parse_datetime(t, now) {
                            f.error = Some(e.message());
                        }
                    }
                    FieldKind::Number if t.parse::<u32>().is_err() => {
                        f.error = Some(format!(
                            "Nombre entier attendu (reçu « {} »)",
                            crate::text::truncate_width(t, 20)
                        ));
                    }
                    _ => {}
                }
            }
            if f.error.is_some() && first_bad.is_none() {
                first_bad = Some(i);
            }
        }
        if let Some(i) = first_bad {
            self.focus = i;
            false
        } else {
            true
        }
    }

    /// Marks a field as refused with a message (used for checks beyond format). A key the
    /// form does not have puts the message under the form: it is never lost.
    pub fn refuse(&mut self, key: &str, message: &str) {
        match self.fields.iter().position(|f| f.key == key) {
            Some(i) => {
                self.fields[i].error = Some(message.to_string());
                self.focus = i;
            }
            None => self.error = Some(message.to_string()),
        }
    }
}

impl Form {
    /// Warns about an unusual value (see [`Refusal::Unusual`]): the message goes under the
    /// field and the value is remembered, so that confirming again without changing it
    /// stores it. The focus stays where it is, so the same key (Entrée on the last field,
    /// F10) confirms again.
    pub fn warn(&mut self, key: &str, message: &str) {
        match self.fields.iter_mut().find(|f| f.key == key) {
            Some(f) => {
                f.warned = Some(f.input.text().trim().to_string());
                f.error = Some(message.to_string());
            }
            None => self.error = Some(message.to_string()),
        }
    }
}

/// Helpers for the forms' unit tests: fill a built form as a user would.
#[cfg(test)]
pub mod tests {
    use super::*;

    /// The fixed "now" of reader tests: Tuesday 10 March 2026, 9h.
    pub fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 10)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
    }

    fn field<'a>(form: &'a mut Form, key: &str) -> &'a mut Field {
        form.field_mut(key)
            .unwrap_or_else(|| panic!("the form has no field « {key} »"))
    }

    /// Types `text` in a text-like field (replacing what it held).
    pub fn set(form: &mut Form, key: &str, text: &str) {
        field(form, key).input.set(text);
    }

    /// Picks the choice whose code is `code`.
    pub fn choose(form: &mut Form, key: &str, code: &str) {
        let f = field(form, key);
        f.choice = f
            .choices
            .iter()
            .position(|(c, _)| c == code)
            .unwrap_or_else(|| panic!("« {key} » has no choice « {code} »"));
    }

    /// Toggles a check field.
    pub fn toggle(form: &mut Form, key: &str) {
        let f = field(form, key);
        f.checked[0] = !f.checked[0];
    }

    /// Toggles the item `code` of a multi-check field.
    pub fn toggle_item(form: &mut Form, key: &str, code: &str) {
        let f = field(form, key);
        let i = f.choices.iter().position(|(c, _)| c == code).unwrap();
        f.checked[i] = !f.checked[i];
    }

    /// Submits as the app does: validation first, which must pass.
    pub fn validated(mut form: Form) -> Form {
        assert!(
            form.validate(now()),
            "form refused: {:?}",
            form.fields
                .iter()
                .filter_map(|f| f.error.as_ref().map(|e| (f.key, e.clone())))
                .collect::<Vec<_>>()
        );
        form
    }

    #[test]
    fn reader_refuses_a_key_the_form_does_not_have() {
        let form = Form::new("t", Purpose::NewNote, vec![Field::text("a", "A", "x")]);
        let r = Reader::new(&form, now());
        assert_eq!(r.text("a"), Ok("x".to_string()));
        assert_eq!(r.text("b"), Err(Refusal::UnknownField("b")));
        assert_eq!(r.date("b"), Err(Refusal::UnknownField("b")));
        assert_eq!(r.choice("b"), Err(Refusal::UnknownField("b")));
        assert_eq!(r.checked("b"), Err(Refusal::UnknownField("b")));
        assert!(!r.has("b"));
    }

    #[test]
    fn rebase_takes_new_values_where_nothing_was_typed_and_keeps_the_typing() {
        let yes_no = || {
            vec![
                ("oui".to_string(), "Oui".to_string()),
                ("non".to_string(), "Non".to_string()),
            ]
        };
        let build = |phone: &str, commune: &str, answer: &str, note: &str| {
            Form::new(
                "t",
                Purpose::EditPerson,
                vec![
                    Field::text("phone", "Téléphone", phone),
                    Field::text("commune", "Commune", commune),
                    Field::choice("answer", "Réponse", yes_no(), answer),
                    Field::multiline("note", "Note", note),
                ],
            )
        };
        let mut mine = build("06 12", "Arras", "oui", "");
        set(&mut mine, "commune", "Lens");
        set(&mut mine, "note", "tapé ici");
        let long = "une très longue note écrite sur l'autre poste pendant la saisie";
        let fresh = build("06 99", "Arras", "non", long).with_origin(crate::domain::Record::Note(
            crate::domain::Note {
                id: 5,
                version: 2,
                ..Default::default()
            },
        ));
        let changed = mine.rebase(fresh);
        assert_eq!(
            changed,
            vec![
                "Téléphone : 06 99".to_string(),
                "Réponse : Non".to_string(),
                "Note : une très longue note éc…".to_string(),
            ]
        );
        // Untouched fields follow the other window, typed ones are kept (both sides: the
        // typing, named in the message).
        assert_eq!(mine.value("phone"), "06 99");
        assert_eq!(mine.field("answer").unwrap().choice_code(), "non");
        assert_eq!(mine.value("commune"), "Lens");
        assert_eq!(mine.value("note"), "tapé ici");
        assert_eq!(mine.origin.as_ref().map(|r| r.id()), Some(5));
        // The new version is the reference now: nothing more differs.
        let again = build("06 99", "Arras", "non", long);
        assert!(mine.rebase(again).is_empty());
    }

    #[test]
    fn a_refusal_for_a_missing_key_shows_under_the_form() {
        let mut form = Form::new("t", Purpose::NewNote, vec![Field::text("a", "A", "x")]);
        form.refuse("b", "Indiquez la date de sortie");
        assert_eq!(form.error.as_deref(), Some("Indiquez la date de sortie"));
        assert_eq!(form.fields[0].error, None);
        form.refuse("a", "Champ obligatoire");
        assert_eq!(form.fields[0].error.as_deref(), Some("Champ obligatoire"));
    }
}

#[cfg(test)]
mod key_tests {
    use super::tests::now;
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn form() -> Form {
        let partners = vec![
            ("ft".to_string(), "France Travail".to_string()),
            ("ml".to_string(), "Mission locale".to_string()),
        ];
        let yes_no = vec![
            ("oui".to_string(), "Oui".to_string()),
            ("non".to_string(), "Non".to_string()),
        ];
        Form::new(
            "Essai",
            Purpose::NewNote,
            vec![
                Field::text("name", "Nom", ""),
                Field::choice("answer", "Réponse", yes_no, "oui"),
                Field::completion("partner", "Partenaire", partners, ""),
                Field::multiline("note", "Note", ""),
            ],
        )
    }

    /// Sends `keys` to a fresh form focused on field `focus`, with the default keys.
    fn run(focus: usize, keys: &[KeyEvent]) -> (Form, FormOutcome) {
        let map = Keymap::defaults();
        let mut f = form();
        f.focus = focus;
        let mut out = FormOutcome::Continue;
        for k in keys {
            out = f.handle_key(k, &map);
        }
        (f, out)
    }

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn text(s: &str) -> Vec<KeyEvent> {
        s.chars().map(|c| k(KeyCode::Char(c))).collect()
    }

    #[test]
    fn keys_from_the_table_by_field_kind() {
        use KeyCode as K;
        // (case, focused field, keys, focus after, outcome)
        let cases: Vec<(&str, usize, Vec<KeyEvent>, usize, FormOutcome)> = vec![
            (
                "space_is_text_in_a_text_field",
                0,
                text("a b"),
                0,
                FormOutcome::Continue,
            ),
            (
                "enter_moves_on",
                0,
                vec![k(K::Enter)],
                1,
                FormOutcome::Continue,
            ),
            (
                "down_moves_on",
                0,
                vec![k(K::Down)],
                1,
                FormOutcome::Continue,
            ),
            ("esc_cancels", 2, vec![k(K::Esc)], 2, FormOutcome::Cancel),
            (
                "ctrl_s_saves",
                1,
                vec![KeyEvent::new(
                    K::Char('S'),
                    KeyModifiers::CONTROL | KeyModifiers::SHIFT,
                )],
                1,
                FormOutcome::Submit,
            ),
            (
                "tab_without_text_goes_on",
                2,
                vec![k(K::Tab)],
                3,
                FormOutcome::Continue,
            ),
            (
                "up_on_first_line_goes_up",
                3,
                vec![k(K::Up)],
                2,
                FormOutcome::Continue,
            ),
            (
                "enter_in_a_note_is_a_newline",
                3,
                vec![k(K::Enter)],
                3,
                FormOutcome::Continue,
            ),
            (
                "alt_enter_on_the_last_field_saves",
                3,
                vec![KeyEvent::new(K::Enter, KeyModifiers::ALT)],
                3,
                FormOutcome::Submit,
            ),
        ];
        for (case, focus, keys, after, outcome) in cases {
            let (f, out) = run(focus, &keys);
            assert_eq!((f.focus, out), (after, outcome), "{case}");
        }
    }

    #[test]
    fn choice_completion_and_text_edits() {
        use KeyCode as K;
        let (f, _) = run(0, &text("a b"));
        assert_eq!(f.value("name"), "a b");
        // Space and → change a choice; a letter jumps to it.
        let (f, _) = run(1, &[k(K::Char(' '))]);
        assert_eq!(f.fields[1].choice_code(), "non");
        let (f, _) = run(1, &[k(K::Right), k(K::Char('o'))]);
        assert_eq!(f.fields[1].choice_code(), "oui");
        // ↓ highlights a suggestion, Entrée takes it and stays; Tab completes and moves on.
        let (f, _) = run(2, &[k(K::Down), k(K::Down), k(K::Enter)]);
        assert_eq!(
            (f.value("partner").as_str(), f.focus),
            ("Mission locale", 2)
        );
        let mut keys = text("fra");
        keys.push(k(K::Tab));
        let (f, _) = run(2, &keys);
        assert_eq!(
            (f.value("partner").as_str(), f.focus),
            ("France Travail", 3)
        );
        // Edit keys: Ctrl+W deletes a word, Ctrl+U the field.
        let mut keys = text("Jean Dupont");
        keys.push(KeyEvent::new(K::Char('w'), KeyModifiers::CONTROL));
        let (f, _) = run(0, &keys);
        assert_eq!(f.value("name"), "Jean");
        keys.push(KeyEvent::new(K::Char('u'), KeyModifiers::CONTROL));
        let (f, _) = run(0, &keys);
        assert_eq!(f.value("name"), "");
    }

    /// A field of names takes the one name its text starts (or starts a word of) when
    /// left or saved; several, none, a field not of names, or a value only passed
    /// through: the text stays as it is.
    #[test]
    fn a_field_of_names_takes_the_only_name_typed_so_far() {
        use KeyCode as K;
        let partners = [
            "France Travail",
            "Bailleur social",
            "Banque de France",
            "Épicerie sociale / banque alimentaire",
            "Auto-école sociale",
        ]
        .iter()
        .map(|l| (l.to_lowercase(), l.to_string()))
        .collect::<Vec<_>>();
        let map = Keymap::defaults();
        let left = |names: bool, value: &str, typed: &str| {
            let mut field = Field::completion("p", "Partenaire", partners.clone(), value);
            if names {
                field = field.names();
            }
            let mut f = Form::new(
                "Essai",
                Purpose::NewAction,
                vec![field, Field::text("t", "Suite", "")],
            );
            for key in text(typed) {
                f.handle_key(&key, &map);
            }
            f.handle_key(&k(K::Enter), &map);
            f.value("p")
        };
        assert_eq!(left(true, "", "bailleur"), "Bailleur social");
        assert_eq!(left(true, "", "france tr"), "France Travail");
        assert_eq!(left(true, "", "AUTO-ECOLE"), "Auto-école sociale");
        assert_eq!(
            left(true, "", "alimentaire"),
            "Épicerie sociale / banque alimentaire"
        );
        assert_eq!(
            left(true, "", "banque"),
            "banque",
            "two names: the text stays"
        );
        assert_eq!(left(true, "", "Garage Dupont"), "Garage Dupont");
        assert_eq!(
            left(false, "", "bailleur"),
            "bailleur",
            "not a field of names"
        );
        assert_eq!(
            left(true, "bailleur", ""),
            "bailleur",
            "passed through, not typed"
        );
        // Saving takes it too.
        let mut f = Form::new(
            "Essai",
            Purpose::NewAction,
            vec![Field::completion("p", "Partenaire", partners.clone(), "").names()],
        );
        for key in text("bail") {
            f.handle_key(&key, &map);
        }
        assert!(f.validate(now()));
        assert_eq!(f.value("p"), "Bailleur social");
    }

    /// A whole date and a choice named by its only initial move on by themselves; an
    /// Entrée or Tab typed right after (the habit of moving on by hand) is that same move,
    /// so both ways fill the same fields. A shared initial, a date without its year, or a
    /// key in between: nothing moves by itself.
    #[test]
    fn filled_fields_move_on_and_the_habitual_enter_is_the_same_move() {
        use KeyCode as K;
        let sexes = ["Femme", "Homme", "Autre", "Non renseigné", "Neutre"]
            .iter()
            .map(|l| (l.to_string(), l.to_string()))
            .collect::<Vec<_>>();
        let fresh = || {
            Form::new(
                "Essai",
                Purpose::NewPerson,
                vec![
                    Field::date("birth", "Date de naissance", None),
                    Field::choice("sexe", "Sexe", sexes.clone(), "Autre"),
                    Field::text("phone", "Téléphone", ""),
                    Field::date("last", "Dernier", None),
                ],
            )
        };
        let map = Keymap::defaults();
        let typed = |keys: Vec<KeyEvent>| {
            let mut f = fresh();
            for key in &keys {
                f.handle_key(key, &map);
            }
            f
        };
        let cat = |parts: Vec<Vec<KeyEvent>>| parts.concat();
        let short = typed(cat(vec![text("14/03/1991"), text("F"), text("0612")]));
        assert_eq!(
            (
                short.value("birth"),
                short.fields[1].choice_code(),
                short.value("phone")
            ),
            ("14/03/1991".into(), "Femme".into(), "0612".into())
        );
        for habit in [K::Enter, K::Tab] {
            let f = typed(cat(vec![
                text("14/03/1991"),
                vec![k(habit)],
                text("F"),
                vec![k(habit)],
                text("0612"),
            ]));
            assert_eq!(
                (
                    f.value("birth"),
                    f.fields[1].choice_code(),
                    f.value("phone"),
                    f.focus
                ),
                ("14/03/1991".into(), "Femme".into(), "0612".into(), 2),
                "{habit:?}"
            );
        }
        // A second Entrée does move on (leaving the next field empty on purpose).
        let mut f = fresh();
        f.focus = 1;
        for key in [k(K::Char('f')), k(K::Enter), k(K::Enter)] {
            f.handle_key(&key, &map);
        }
        assert_eq!(f.focus, 3);
        // « N » starts two choices: it only jumps; a date without year stays.
        let mut f = fresh();
        f.focus = 1;
        f.handle_key(&k(K::Char('n')), &map);
        assert_eq!(
            (f.focus, f.fields[1].choice_code()),
            (1, "Non renseigné".into())
        );
        let f = typed(text("14/03"));
        assert_eq!(f.focus, 0);
        // A whole date in the last field stays there (the advisor confirms it).
        let mut f = fresh();
        f.focus = 3;
        for key in text("01/02/2026") {
            f.handle_key(&key, &map);
        }
        assert_eq!((f.focus, f.moved_on), (3, false));
        assert_eq!(f.handle_key(&k(K::Enter), &map), FormOutcome::Submit);
    }
}
