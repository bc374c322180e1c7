//! A text field: single- or multi-line, with a cursor counted in chars (never bytes, so
//! accents, emoji and right-to-left text cannot split a character).

use super::keys::Action;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct TextInput {
    chars: Vec<char>,
    /// Cursor position in chars, 0..=len.
    cursor: usize,
    pub multiline: bool,
    /// A password: never shown (views draw "•"), not in `Debug`, zeroised on drop and by
    /// [`TextInput::wipe`].
    secret: bool,
}

/// Room reserved in a secret field so that typing a password never reallocates (a
/// reallocation would leave a copy of the first characters in freed memory).
const SECRET_CAPACITY: usize = 256;

impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.secret {
            write!(f, "TextInput(secret, {} chars)", self.chars.len())
        } else {
            f.debug_struct("TextInput")
                .field("chars", &self.text())
                .field("cursor", &self.cursor)
                .field("multiline", &self.multiline)
                .finish()
        }
    }
}

impl Drop for TextInput {
    fn drop(&mut self) {
        if self.secret {
            self.wipe();
        }
    }
}

/// Longest text a field accepts (a 100,000-character note fits; beyond, typing stops and
/// the form says so rather than freezing an old PC).
pub const MAX_CHARS: usize = 200_000;

impl TextInput {
    pub fn new(text: &str, multiline: bool) -> Self {
        let mut t = TextInput {
            chars: Vec::new(),
            cursor: 0,
            multiline,
            secret: false,
        };
        t.set(text);
        t
    }

    /// An empty one-line field for a password (see [`TextInput::secret`]).
    pub fn secret() -> Self {
        TextInput {
            chars: Vec::with_capacity(SECRET_CAPACITY),
            cursor: 0,
            multiline: false,
            secret: true,
        }
    }

    pub fn is_secret(&self) -> bool {
        self.secret
    }

    /// The text of a secret field, in a buffer zeroised on drop.
    pub fn secret_text(&self) -> zeroize::Zeroizing<String> {
        let mut s = zeroize::Zeroizing::new(String::with_capacity(self.chars.len() * 4));
        s.extend(self.chars.iter());
        s
    }

    /// Overwrites the text with zeros and empties the field.
    pub fn wipe(&mut self) {
        use zeroize::Zeroize;
        self.chars.zeroize();
        self.cursor = 0;
    }

    pub fn set(&mut self, text: &str) {
        if self.secret {
            self.wipe();
            self.insert_str(text);
            return;
        }
        self.chars = sanitize(text, self.multiline)
            .chars()
            .take(MAX_CHARS)
            .collect();
        self.cursor = self.chars.len();
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_full(&self) -> bool {
        self.chars.len() >= MAX_CHARS
    }

    /// Inserts typed or pasted text. In a one-line field, newlines become spaces (a pasted
    /// address stays one line); control characters are dropped.
    pub fn insert_str(&mut self, s: &str) {
        if self.secret {
            // No intermediate copy of a password: characters go straight in.
            for c in s.chars().filter(|c| !c.is_control()) {
                if self.chars.len() >= SECRET_CAPACITY {
                    break;
                }
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
            return;
        }
        for c in sanitize(s, self.multiline).chars() {
            if self.chars.len() >= MAX_CHARS {
                break;
            }
            self.chars.insert(self.cursor, c);
            self.cursor += 1;
        }
    }

    pub fn insert(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.insert_str(c.encode_utf8(&mut buf));
    }

    pub fn newline(&mut self) {
        if self.multiline {
            self.insert_str("\n");
        }
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            self.chars.remove(self.cursor);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.chars.len() {
            self.chars.remove(self.cursor);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.chars.len());
    }

    fn line_start(&self, pos: usize) -> usize {
        self.chars[..pos]
            .iter()
            .rposition(|c| *c == '\n')
            .map(|p| p + 1)
            .unwrap_or(0)
    }

    fn line_end(&self, pos: usize) -> usize {
        self.chars[pos..]
            .iter()
            .position(|c| *c == '\n')
            .map(|p| pos + p)
            .unwrap_or(self.chars.len())
    }

    pub fn home(&mut self) {
        self.cursor = self.line_start(self.cursor);
    }

    pub fn end(&mut self) {
        self.cursor = self.line_end(self.cursor);
    }

    pub fn word_left(&mut self) {
        while self.cursor > 0 && self.chars[self.cursor - 1].is_whitespace() {
            self.cursor -= 1;
        }
        while self.cursor > 0 && !self.chars[self.cursor - 1].is_whitespace() {
            self.cursor -= 1;
        }
    }

    pub fn word_right(&mut self) {
        let n = self.chars.len();
        while self.cursor < n && !self.chars[self.cursor].is_whitespace() {
            self.cursor += 1;
        }
        while self.cursor < n && self.chars[self.cursor].is_whitespace() {
            self.cursor += 1;
        }
    }

    /// Deletes the word before the cursor (Ctrl+W).
    pub fn delete_word(&mut self) {
        let end = self.cursor;
        self.word_left();
        self.chars.drain(self.cursor..end);
    }

    /// Moves up one line, keeping the column when possible. Returns false on the first line.
    pub fn up(&mut self) -> bool {
        let start = self.line_start(self.cursor);
        if start == 0 {
            return false;
        }
        let col = self.cursor - start;
        let prev_start = self.line_start(start - 1);
        self.cursor = (prev_start + col).min(start - 1);
        true
    }

    /// Moves down one line. Returns false on the last line.
    pub fn down(&mut self) -> bool {
        let end = self.line_end(self.cursor);
        if end >= self.chars.len() {
            return false;
        }
        let col = self.cursor - self.line_start(self.cursor);
        let next_start = end + 1;
        let next_end = self.line_end(next_start);
        self.cursor = (next_start + col).min(next_end);
        true
    }

    /// (line, column) of the cursor, both in chars.
    pub fn cursor_line_col(&self) -> (usize, usize) {
        let line = self.chars[..self.cursor]
            .iter()
            .filter(|c| **c == '\n')
            .count();
        (line, self.cursor - self.line_start(self.cursor))
    }

    pub fn lines(&self) -> Vec<String> {
        self.text().split('\n').map(str::to_string).collect()
    }
}

impl TextInput {
    /// Carries out a text-editing action of the key table (context `edit`). Returns `None`
    /// for an action that is not text editing, else whether the text changed.
    pub fn apply(&mut self, action: Action) -> Option<bool> {
        let before = self.chars.len();
        match action {
            Action::CursorLeft => self.left(),
            Action::CursorRight => self.right(),
            Action::WordLeft => self.word_left(),
            Action::WordRight => self.word_right(),
            Action::LineStart => self.home(),
            Action::LineEnd => self.end(),
            Action::DeleteBefore => self.backspace(),
            Action::DeleteAfter => self.delete(),
            Action::DeleteWord => self.delete_word(),
            Action::ClearText => self.set(""),
            _ => return None,
        }
        // Every edit that changes the text removes characters.
        Some(self.chars.len() != before)
    }
}

/// Drops control characters (keeps newlines and tabs in multi-line text, tabs as spaces).
fn sanitize(s: &str, multiline: bool) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars()
        .filter_map(|c| match c {
            '\n' if multiline => Some('\n'),
            '\n' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_by_char_not_byte() {
        let mut t = TextInput::new("Hélène", false);
        t.left();
        t.backspace();
        assert_eq!(t.text(), "Hélèe");
        t.home();
        t.insert('É');
        assert_eq!(t.text(), "ÉHélèe");
    }

    #[test]
    fn paste_into_one_line_field_flattens_newlines() {
        let mut t = TextInput::new("", false);
        t.insert_str("12 rue des Lilas\r\n59000 Lille\u{7}");
        assert_eq!(t.text(), "12 rue des Lilas 59000 Lille");
    }

    #[test]
    fn multiline_moves_keep_column() {
        let mut t = TextInput::new("abcdef\nxy\nlonger line", true);
        assert_eq!(t.cursor_line_col(), (2, 11));
        assert!(t.up());
        assert_eq!(t.cursor_line_col(), (1, 2));
        assert!(t.up());
        assert_eq!(t.cursor_line_col(), (0, 2));
        assert!(!t.up());
        assert!(t.down());
        assert_eq!(t.cursor_line_col(), (1, 2));
    }

    #[test]
    fn emoji_with_joiners_and_rtl_survive() {
        let s = "👩‍👩‍👧 سلام";
        let mut t = TextInput::new(s, false);
        assert_eq!(t.text(), s);
        for _ in 0..20 {
            t.left();
        }
        t.delete_word();
        t.word_right();
        t.backspace();
        assert!(t.cursor() <= t.len());
    }

    #[test]
    fn secret_field_hides_and_wipes() {
        let mut t = TextInput::secret();
        t.insert_str("motdepasse-très-long");
        assert_eq!(t.secret_text().as_str(), "motdepasse-très-long");
        assert!(!format!("{t:?}").contains("motdepasse"));
        let cap = t.chars.capacity();
        t.wipe();
        assert!(t.is_empty());
        assert_eq!(t.cursor(), 0);
        assert_eq!(
            cap, SECRET_CAPACITY,
            "typing a password must not reallocate"
        );
    }

    #[test]
    fn editing_actions_move_and_delete() {
        let mut t = TextInput::new("Jean Dupont", false);
        assert_eq!(t.apply(Action::WordLeft), Some(false));
        assert_eq!(t.apply(Action::DeleteBefore), Some(true));
        assert_eq!(t.text(), "JeanDupont");
        assert_eq!(t.apply(Action::LineEnd), Some(false));
        assert_eq!(t.apply(Action::DeleteWord), Some(true));
        assert_eq!(t.text(), "");
        assert_eq!(t.apply(Action::Submit), None);
    }

    #[test]
    fn length_is_capped() {
        let mut t = TextInput::new("", true);
        t.insert_str(&"a".repeat(MAX_CHARS + 10));
        assert_eq!(t.len(), MAX_CHARS);
        assert!(t.is_full());
    }
}
