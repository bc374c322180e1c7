//! Refusing weak passwords: one repeated character, a short pattern repeated, or one of the
//! few hundred most common passwords (embedded list), with the reason in French.

/// Most common French and English passwords, lower case, one per line (`#` comments).
const COMMON: &str = include_str!("../../assets/mots-de-passe-courants.txt");

/// Why `password` is too weak, in French, or `None`. Length is checked apart
/// ([`super::MIN_PASSWORD_CHARS`]).
pub fn weakness(password: &str) -> Option<String> {
    let chars: Vec<char> = password.chars().collect();
    if chars.is_empty() {
        return None;
    }
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() == 1 {
        return Some("Le mot de passe est un seul caractère répété : choisissez une phrase de plusieurs mots.".into());
    }
    // The shortest period: "abcabcabcabc" is "abc" repeated. A pattern of up to 6 characters
    // repeated at least twice is as weak as the pattern.
    if let Some(p) =
        (1..=chars.len() / 2).find(|&p| (p..chars.len()).all(|i| chars[i] == chars[i - p]))
    {
        if p <= 6 {
            let pattern: String = chars[..p].iter().collect();
            return Some(format!(
                "Le mot de passe répète le motif « {pattern} » : choisissez une phrase de plusieurs mots."
            ));
        }
    }
    if distinct.len() < 4 {
        return Some("Le mot de passe utilise moins de 4 caractères différents : choisissez une phrase de plusieurs mots.".into());
    }
    let lower = password.to_lowercase();
    // "motdepasse2024!" is "motdepasse": digits and punctuation around a common word add little.
    let core =
        lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ');
    let common = COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|w| {
            w == lower || w == core || w == lower.replace(' ', "") || w == core.replace(' ', "")
        });
    if common {
        return Some("Ce mot de passe fait partie des plus courants (listes de mots de passe divulgués) : choisissez une phrase de plusieurs mots.".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::weakness;

    #[test]
    fn weak_passwords_are_refused_and_strong_ones_pass() {
        for weak in [
            "aaaaaaaaaaaa",
            "abcabcabcabc",
            "abababababab",
            "azertyazerty",
            "motdepasse2024!",
            "azertyuiop123",
            "Password123!",
            "123456789012",
            "aabbaabbaabbab",
        ] {
            assert!(weakness(weak).is_some(), "{weak} accepted");
        }
        for strong in [
            "correct horse battery staple",
            "un autre mot de passe solide",
            "KyCC-anjj-Nnyw-R7mU",
        ] {
            assert_eq!(weakness(strong), None, "{strong} refused");
        }
    }

    #[test]
    fn the_list_holds_a_few_hundred_lower_case_entries() {
        let n = super::COMMON
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .inspect(|l| assert_eq!(*l, l.to_lowercase()))
            .count();
        assert!((250..1000).contains(&n), "{n}");
    }
}
