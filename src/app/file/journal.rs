//! The journal: notes of the file (open it, add, edit, delete, private or shared).

use crate::app::form::{Field, Form, Purpose, Reader, Refusal};
use crate::app::state::*;
use crate::domain::*;
use crate::store::Backend;
use chrono::NaiveDateTime;

/// Right-of-access reminder shown in the note editor (CNIL).
pub const NOTE_REMINDER: &str =
    "La personne peut demander à lire ses notes (droit d'accès) : écrivez des faits, sans jugement. Privée = visible de l'équipe seulement.";

impl App {
    pub(crate) fn open_journal(&mut self) {
        if let Some(f) = self.file.as_mut() {
            f.journal = Some(0);
            f.journal_selected = 0;
        }
    }

    /// Index in the file of the selected note.
    fn selected_note(&self) -> Option<usize> {
        let f = self.file.as_ref()?;
        self.journal_rows(f).get(f.journal_selected).copied()
    }

    pub(crate) fn edit_selected_note(&mut self) {
        let Some(f) = &self.file else { return };
        if let Some(i) = self.selected_note() {
            let n = f.data.notes[i].clone();
            self.open_note_form(Some(n));
        }
    }

    pub(crate) fn delete_selected_note(&mut self, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        if let Some(i) = self.selected_note() {
            let id = f.data.notes[i].id;
            self.commit_or_report(
                store,
                Change::Delete(RecordKind::Note, id),
                &self.undo_hint("Note supprimée"),
            );
        }
    }

    pub(crate) fn toggle_private(&mut self, store: &mut dyn Backend) {
        let Some(f) = &self.file else { return };
        if let Some(i) = self.selected_note() {
            let mut n = f.data.notes[i].clone();
            n.private = !n.private;
            let what = if n.private {
                "Note privée"
            } else {
                "Note partagée"
            };
            self.commit_or_report(store, Change::Upsert(Record::Note(n)), what);
        }
    }

    pub(crate) fn open_note_form(&mut self, existing: Option<Note>) {
        let origin = existing.clone().map(Record::Note);
        let mut form = note_form(existing);
        form.origin = origin;
        self.overlay = Some(Overlay::Form(Box::new(form)));
    }
}

/// Field keys of the note form.
pub mod key {
    pub const TEXT: &str = "text";
    pub const PRIVATE: &str = "private";
}

/// A new note of the open file, written now by `author`, before its form is read.
pub fn new_note(person_id: Id, at: NaiveDateTime, author: &str) -> Note {
    Note {
        person_id,
        at: Some(at),
        author: author.to_string(),
        ..Default::default()
    }
}

/// The note form; a new note is private until the advisor shares it.
pub fn note_form(existing: Option<Note>) -> Form {
    let n = existing.clone().unwrap_or(Note {
        private: true,
        ..Default::default()
    });
    let (title, purpose) = match existing {
        Some(n) => ("Modifier la note", Purpose::EditNote(n.id)),
        None => ("Nouvelle note", Purpose::NewNote),
    };
    Form::new(
        title,
        purpose,
        vec![
            Field::multiline(key::TEXT, "Note", &n.text).required(),
            Field::check(key::PRIVATE, "Note privée", n.private),
        ],
    )
    .with_hint(NOTE_REMINDER)
}

/// Reads the note form into `n` (a copy of the edited note, or [`new_note`]).
pub fn read_note(r: &Reader, mut n: Note) -> Result<Change, Refusal> {
    n.text = r.raw(key::TEXT)?;
    n.private = r.checked(key::PRIVATE)?;
    Ok(Change::Upsert(Record::Note(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::form::tests::{now, set, toggle, validated};

    fn note(c: Result<Change, Refusal>) -> Note {
        match c {
            Ok(Change::Upsert(Record::Note(n))) => n,
            other => panic!("not a note upsert: {other:?}"),
        }
    }

    #[test]
    fn note_reader_reads_every_key_of_its_form() {
        let existing = Note {
            id: 2,
            person_id: 9,
            at: Some(now()),
            author: "Camille".into(),
            text: "Appel de la CAF".into(),
            ..Default::default()
        };
        let form = validated(note_form(Some(existing.clone())));
        assert_eq!(
            note(read_note(&Reader::new(&form, now()), existing.clone())),
            existing
        );
    }

    #[test]
    fn note_reader_cases() {
        // (name, text typed, toggle private, want private)
        for (name, text, toggled, private) in [
            ("new_note_is_private", " Rappeler lundi\n", false, true),
            ("shared_note", "Inscription faite", true, false),
        ] {
            let mut form = note_form(None);
            set(&mut form, key::TEXT, text);
            if toggled {
                toggle(&mut form, key::PRIVATE);
            }
            let form = validated(form);
            let n = note(read_note(
                &Reader::new(&form, now()),
                new_note(9, now(), "Camille"),
            ));
            assert_eq!(
                n,
                Note {
                    person_id: 9,
                    at: Some(now()),
                    author: "Camille".into(),
                    private,
                    text: text.into(),
                    ..Default::default()
                },
                "{name}: the text is kept as typed"
            );
        }
    }
}
