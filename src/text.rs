//! Text helpers: accent/case folding for search and sorting, a sort key for names, and
//! width-aware truncation for terminal display.
//!
//! Folding lowercases and strips diacritics. A hand-written table covers Latin-1
//! Supplement and Latin Extended-A (the fast path for French names), the letters that
//! Unicode does not decompose (œ, æ, ß, ł, đ, ø, ı, þ, and their kin in Latin Extended-B),
//! typographic apostrophes and non-breaking spaces. Every other char is lowercased, then
//! decomposed (canonical decomposition, NFD) and its combining marks dropped, so stacked
//! accents fold too (Vietnamese « Nguyễn Thị » → `nguyen thi`).

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_width::UnicodeWidthChar;

/// ASCII replacement for a non-ASCII char, or `None` when the char is not
/// in the table (it is then lowercased and decomposed).
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
        // Latin Extended-B: Romanian comma-below letters (they decompose, but are common)
        'Ș' | 'ș' => "s",
        'Ț' | 'ț' => "t",
        // Latin Extended-B letters with a stroke or a hook: no decomposition exists
        'ƀ' | 'Ƀ' | 'Ɓ' | 'ɓ' => "b",
        'Ƈ' | 'ƈ' => "c",
        'Ɖ' | 'ɖ' | 'Ɗ' | 'ɗ' => "d",
        'Ƒ' | 'ƒ' => "f",
        'Ǥ' | 'ǥ' | 'Ɠ' | 'ɠ' => "g",
        'Ɨ' | 'ɨ' => "i",
        'Ƙ' | 'ƙ' => "k",
        'ƚ' | 'Ƚ' => "l",
        'Ɲ' | 'ɲ' => "n",
        'Ɵ' | 'ɵ' => "o",
        'Ƥ' | 'ƥ' => "p",
        'Ɍ' | 'ɍ' => "r",
        'Ƭ' | 'ƭ' | 'Ʈ' | 'ʈ' => "t",
        'Ʉ' | 'ʉ' => "u",
        'Ƴ' | 'ƴ' => "y",
        'Ƶ' | 'ƶ' => "z",
        'Ǆ'..='ǆ' | 'Ǳ'..='ǳ' => "dz",
        'Ǉ'..='ǉ' => "lj",
        'Ǌ'..='ǌ' => "nj",
        // Typographic apostrophes and quotes used as apostrophes
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' => "'",
        // Non-breaking spaces (French typography) become plain spaces
        '\u{00A0}' | '\u{202F}' | '\u{2007}' => " ",
        _ => return None,
    };
    Some(s)
}

/// Hangul syllables decompose into jamo under NFD; they carry no accent to drop, and a
/// syllable typed in the search must keep matching itself as a whole.
const HANGUL: std::ops::RangeInclusive<char> = '\u{AC00}'..='\u{D7A3}';

/// Folds one char, calling `push` for every output char.
#[inline]
fn fold_char(c: char, push: &mut impl FnMut(char)) {
    if c.is_ascii() {
        push(c.to_ascii_lowercase());
    } else if let Some(s) = fold_table(c) {
        s.chars().for_each(push);
    } else if is_combining_mark(c) {
        // A mark typed or stored apart from its letter ("e" + U+0301): dropped.
    } else if HANGUL.contains(&c) {
        push(c);
    } else {
        // Lowercase first: some lowercase forms decompose ('İ' → "i" + U+0307).
        for l in c.to_lowercase() {
            decompose_canonical(l, |d| {
                if d.is_ascii() {
                    push(d.to_ascii_lowercase());
                } else if let Some(s) = fold_table(d) {
                    // A decomposed base that does not decompose further ("Ǿ" → "Ø" + mark)
                    s.chars().for_each(&mut *push);
                } else if !is_combining_mark(d) {
                    d.to_lowercase().for_each(&mut *push);
                }
            });
        }
    }
}

/// Lowercases `s` and strips diacritics (`"Hélène Œuvre"` → `"helene oeuvre"`).
///
/// Combining marks are dropped (`"e\u{301}te\u{301}"` → `"ete"`); control characters are
/// kept as is.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        fold_char(c, &mut |f| out.push(f));
    }
    out
}

/// Same as [`fold`], plus for each char of the folded output the index (in
/// chars) of the source char it came from. `"Œu"` gives `("oeu", [0, 0, 1])`.
pub fn fold_with_map(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        fold_char(c, &mut |f| {
            out.push(f);
            map.push(i);
        });
    }
    (out, map)
}

/// Sort key of a name made of several fields (nom, then prénom), in French dictionary
/// order: the letters decide first, accents and case only between names whose letters
/// are the same. Build it once per row (`sort_by_cached_key`) and compare keys.
///
/// - Letters: each field [`fold`]ed; letters and digits kept, every run of anything
///   else (spaces, hyphens, apostrophes, control characters) one space, trimmed; the
///   fields joined by U+0001, so a shorter nom sorts before a longer one that starts
///   with it (« LE Zoé » before « LE BRIS Anne »).
/// - Then the lowercased text: an unaccented letter before an accented one (« cote »
///   before « côte »).
/// - Then the exact text (capitals first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    letters: String,
    exact: String,
}

/// [`SortKey`] of `fields`, compared field after field.
pub fn sort_key(fields: &[&str]) -> SortKey {
    let mut letters = String::new();
    let mut exact = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            letters.push('\u{1}');
            exact.push('\u{1}');
        }
        exact.push_str(field);
        let start = letters.len();
        let mut gap = false;
        for c in fold(field).chars() {
            if c.is_alphanumeric() {
                if gap && letters.len() > start {
                    letters.push(' ');
                }
                gap = false;
                letters.push(c);
            } else {
                gap = true;
            }
        }
    }
    SortKey { letters, exact }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.letters
            .cmp(&other.letters)
            .then_with(|| {
                let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
                lower(&self.exact).cmp(&lower(&other.exact))
            })
            .then_with(|| self.exact.cmp(&other.exact))
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
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
    fn folds_stacked_accents_by_decomposition() {
        // Vietnamese: ễ, ị, ơ, ư stack two marks or carry a horn; đ has a stroke.
        assert_eq!(fold("Nguyễn Thị Minh Khai"), "nguyen thi minh khai");
        assert_eq!(fold("Trần Văn Đức"), "tran van duc");
        assert_eq!(fold("Phạm Thị Hương"), "pham thi huong");
        assert_eq!(fold("Lê Quốc Việt Ơn Ư"), "le quoc viet on u");
        // Letters without decomposition, in and out of Latin Extended-A.
        assert_eq!(
            fold("œ æ ß ł đ ø ı Œ Æ Ł Đ Ø"),
            "oe ae ss l d o i oe ae l d o"
        );
        assert_eq!(fold("Ǿ ƒ ɨ Ƶ ǅ"), "o f i z dz");
        // Marks typed apart from their letter (NFD input) are dropped.
        assert_eq!(fold("e\u{301}te\u{301} Nguye\u{302}\u{303}n"), "ete nguyen");
        // Other scripts: accents dropped, letters kept, Hangul untouched.
        assert_eq!(fold("Άρης Ελένη"), "αρης ελενη");
        assert_eq!(fold("김민준"), "김민준");
        assert_eq!(fold("İstanbul"), "istanbul");
    }

    #[test]
    fn sort_key_orders_letters_first() {
        let mut names = vec![
            ("VIDAL", "Paul"),
            ("\u{1b}[2J\u{1b}[31mrouge", "Rose"),
            ("dupont", "jean"),
            ("ŒUVRAY", "Anne"),
            ("ŻÓŁĆ", "Jan"),
            ("HUET", "Yasmine"),
            ("HUET", "Émilie"),
            ("Côte", "Anne"),
            ("COTE", "Bernard"),
            ("LE BRIS", "Anne"),
            ("LE", "Zoé"),
            ("LEBRUN", "Alain"),
            ("DUPONT", "Jean"),
        ];
        names.sort_by_cached_key(|(n, p)| sort_key(&[n, p]));
        let got: Vec<String> = names.iter().map(|(n, p)| format!("{n} {p}")).collect();
        assert_eq!(
            got,
            vec![
                "\u{1b}[2J\u{1b}[31mrouge Rose",
                "Côte Anne",
                "COTE Bernard",
                "DUPONT Jean",
                "dupont jean",
                "HUET Émilie",
                "HUET Yasmine",
                "LE Zoé",
                "LE BRIS Anne",
                "LEBRUN Alain",
                "ŒUVRAY Anne",
                "VIDAL Paul",
                "ŻÓŁĆ Jan",
            ]
        );
        // Accents, then case, decide only between the same letters.
        assert!(sort_key(&["cote"]) < sort_key(&["côte"]));
        assert!(sort_key(&["COTE"]) < sort_key(&["cote"]));
        assert!(sort_key(&["côte"]) < sort_key(&["cotes"]));
        assert_eq!(sort_key(&["a", "b"]), sort_key(&["a", "b"]));
    }

    #[test]
    fn map_points_back_to_source() {
        let (f, m) = fold_with_map("Œuf");
        assert_eq!(f, "oeuf");
        assert_eq!(m, vec![0, 0, 1, 2]);
        let (f, m) = fold_with_map("aßé");
        assert_eq!(f, "asse");
        assert_eq!(m, vec![0, 1, 1, 2]);
        // dropped marks map nothing; the letters after them still point right
        let (f, m) = fold_with_map("Nguye\u{302}\u{303}n ễ");
        assert_eq!(f, "nguyen e");
        assert_eq!(m, vec![0, 1, 2, 3, 4, 7, 8, 9]);
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
