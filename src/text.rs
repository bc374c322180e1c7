//! Text helpers: accent/case folding for search and sorting, and
//! width-aware truncation for terminal display.
//!
//! Folding is done with a hand-written table (no extra crate) covering
//! Latin-1 Supplement and Latin Extended-A, plus a few common extras
//! (Romanian ș/ț, capital sharp s, typographic apostrophes and
//! non-breaking spaces). Everything else is lowercased with
//! [`char::to_lowercase`] and kept.

use unicode_width::UnicodeWidthChar;

/// ASCII replacement for a non-ASCII char, or `None` when the char is not
/// in the table (it is then lowercased with `char::to_lowercase`).
fn fold_table(c: char) -> Option<&'static str> {
    let s = match c {
        // Latin-1 Supplement
        'À'..='Å' | 'à'..='å' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' => "c",
        'È'..='Ë' | 'è'..='ë' => "e",
        'Ì'..='Ï' | 'ì'..='ï' => "i",
        'Ð' | 'ð' => "d",
        'Ñ' | 'ñ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' => "o",
        'Ù'..='Ü' | 'ù'..='ü' => "u",
        'Ý' | 'ý' | 'ÿ' => "y",
        'Þ' | 'þ' => "th",
        'ß' | 'ẞ' => "ss",
        // Latin Extended-A (U+0100..=U+017F)
        'Ā'..='ą' => "a",
        'Ć'..='č' => "c",
        'Ď'..='đ' => "d",
        'Ē'..='ě' => "e",
        'Ĝ'..='ģ' => "g",
        'Ĥ'..='ħ' => "h",
        'Ĩ'..='ı' => "i",
        'Ĳ' | 'ĳ' => "ij",
        'Ĵ' | 'ĵ' => "j",
        'Ķ'..='ĸ' => "k",
        'Ĺ'..='ł' => "l",
        'Ń'..='ŋ' => "n",
        'Ō'..='ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'Ś'..='š' | 'ſ' => "s",
        'Ţ'..='ŧ' => "t",
        'Ũ'..='ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ŷ'..='Ÿ' => "y",
        'Ź'..='ž' => "z",
        // Latin Extended-B: Romanian comma-below letters
        'Ș' | 'ș' => "s",
        'Ț' | 'ț' => "t",
        // Typographic apostrophes and quotes used as apostrophes
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' => "'",
        // Non-breaking spaces (French typography) become plain spaces
        '\u{00A0}' | '\u{202F}' | '\u{2007}' => " ",
        _ => return None,
    };
    Some(s)
}

/// Folds one char, calling `push` for every output char.
#[inline]
fn fold_char(c: char, mut push: impl FnMut(char)) {
    if c.is_ascii() {
        push(c.to_ascii_lowercase());
    } else if let Some(s) = fold_table(c) {
        s.chars().for_each(push);
    } else {
        c.to_lowercase().for_each(push);
    }
}

/// Lowercases `s` and strips diacritics (`"Hélène Œuvre"` → `"helene oeuvre"`).
///
/// Control characters are kept as is.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, |f| out.push(f));
    }
    out
}

/// Same as [`fold`], plus for each char of the folded output the index (in
/// chars) of the source char it came from. `"Œu"` gives `("oeu", [0, 0, 1])`.
pub fn fold_with_map(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        fold_char(c, |f| {
            out.push(f);
            map.push(i);
        });
    }
    (out, map)
}

/// Cuts `s` to at most `width` terminal columns, appending `…` when cut (the
/// ellipsis counts in the width). Never splits a char. `\n`, `\t` and `\r`
/// become spaces; other control characters are removed.
pub fn truncate_width(s: &str, width: usize) -> String {
    let clean = s.chars().filter_map(|c| match c {
        '\n' | '\t' | '\r' => Some(' '),
        c if c.is_control() => None,
        c => Some(c),
    });

    let total: usize = clean.clone().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return clean.collect();
    }
    if width == 0 {
        return String::new();
    }

    let budget = width - 1; // keep one column for the ellipsis
    let mut used = 0;
    let mut out = String::new();
    for c in clean {
        let w = c.width().unwrap_or(0);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn folds_french_names() {
        assert_eq!(fold("Hélène"), "helene");
        assert_eq!(fold("FRANÇOIS"), "francois");
        assert_eq!(fold("Œuvre Cœur"), "oeuvre coeur");
        assert_eq!(fold("Lætitia ÆSOP"), "laetitia aesop");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("àâäáãå ÀÂÄÁÃÅ"), "aaaaaa aaaaaa");
        assert_eq!(fold("éèêë ÉÈÊË"), "eeee eeee");
        assert_eq!(fold("îïíì ôöóòõø ùûüú ÿý Ÿ ñ"), "iiii oooooo uuuu yy y n");
        assert_eq!(fold("L’Haÿ-les-Roses"), "l'hay-les-roses");
        assert_eq!(
            fold("DUPONT Marie (née MARTIN)"),
            "dupont marie (nee martin)"
        );
    }

    #[test]
    fn folds_latin_extended_a() {
        assert_eq!(fold("Şţćčłńśźżğı"), "stcclnszzgi");
        assert_eq!(fold("ŞŢĆČŁŃŚŹŻĞİ"), "stcclnszzgi");
        assert_eq!(fold("Dvořák Łódź Ștefan"), "dvorak lodz stefan");
        assert_eq!(fold("Ĳssel"), "ijssel");
    }

    #[test]
    fn keeps_other_chars_lowercased() {
        assert_eq!(fold("ΑΒΓ"), "αβγ");
        assert_eq!(fold("Ж"), "ж");
        assert_eq!(fold("a\tb\u{1}"), "a\tb\u{1}");
        assert_eq!(fold("12/03/1985"), "12/03/1985");
        assert_eq!(fold("a\u{00A0}:"), "a :");
    }

    #[test]
    fn map_points_back_to_source() {
        let (f, m) = fold_with_map("Œuf");
        assert_eq!(f, "oeuf");
        assert_eq!(m, vec![0, 0, 1, 2]);
        let (f, m) = fold_with_map("aßé");
        assert_eq!(f, "asse");
        assert_eq!(m, vec![0, 1, 1, 2]);
    }

    #[test]
    fn truncates_by_width() {
        assert_eq!(truncate_width("Hélène", 10), "Hélène");
        assert_eq!(truncate_width("Hélène", 6), "Hélène");
        assert_eq!(truncate_width("Hélène", 5), "Hélè…");
        assert_eq!(truncate_width("Hélène", 1), "…");
        assert_eq!(truncate_width("Hélène", 0), "");
        assert_eq!(truncate_width("", 0), "");
        // wide chars are never split
        assert_eq!(truncate_width("日本語", 4), "日…");
        assert_eq!(truncate_width("日本語", 3), "日…");
        assert_eq!(truncate_width("日本語", 6), "日本語");
        // control chars
        assert_eq!(truncate_width("a\nb\tc\rd\u{7}e", 20), "a b c de");
        // combining accents stay with their base
        assert_eq!(truncate_width("e\u{301}te\u{301}!", 3), "e\u{301}t…");
    }

    proptest! {
        #[test]
        fn fold_map_is_consistent(s in "\\PC{0,40}") {
            let (f, m) = fold_with_map(&s);
            prop_assert_eq!(&f, &fold(&s));
            prop_assert_eq!(f.chars().count(), m.len());
            let n = s.chars().count();
            prop_assert!(m.iter().all(|&i| i < n));
            prop_assert!(m.windows(2).all(|w| w[0] <= w[1]));
        }

        #[test]
        fn truncate_fits(s in "\\PC{0,40}|[a-zé日\n\t\u{1}]{0,40}", w in 0usize..50) {
            let t = truncate_width(&s, w);
            prop_assert!(t.width() <= w);
            prop_assert!(!t.chars().any(|c| c.is_control()));
        }
    }
}
