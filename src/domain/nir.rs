//! The NIR (« numéro de sécurité sociale »): normalisation, control key, masked display.
//!
//! 15 characters: sex (1), year (2), month (2), département (2, « 2A » / « 2B » in
//! Corsica), commune (3), order (3), then the control key (2) = 97 − (the 13-digit number
//! mod 97). For Corsica the key is computed with 2A read as 19 and 2B as 18.

/// Length of a NIR with its key.
pub const LEN: usize = 15;

/// The NIR as stored: spaces, dots and dashes removed, letters upper case.
pub fn normalise(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '_'))
        .flat_map(char::to_uppercase)
        .collect()
}

/// The 13-digit number the key is computed on (Corsica: 2A → 19, 2B → 18), or `None`
/// when the first 13 characters are not digits (but for 2A / 2B at the département).
fn number(nir: &str) -> Option<u64> {
    let body = nir.get(..13)?;
    let digits = match body.get(5..7) {
        Some("2A") => format!("{}19{}", &body[..5], &body[7..]),
        Some("2B") => format!("{}18{}", &body[..5], &body[7..]),
        _ => body.to_string(),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The control key of a NIR's first 13 characters.
pub fn key(nir: &str) -> Option<u64> {
    number(nir).map(|n| 97 - n % 97)
}

/// Checks a normalised NIR (see [`normalise`]); empty is fine (the NIR is optional).
/// The message is French, for under the field.
pub fn check(nir: &str) -> Result<(), String> {
    if nir.is_empty() {
        return Ok(());
    }
    let n = nir.chars().count();
    if n != LEN {
        return Err(format!(
            "NIR : 15 caractères attendus (13 chiffres et la clé), {n} saisi{}",
            if n > 1 { "s" } else { "" }
        ));
    }
    let Some(k) = key(nir) else {
        return Err(
            "NIR : chiffres seulement attendus (2A ou 2B pour un département de Corse)".into(),
        );
    };
    if !matches!(nir.as_bytes()[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
        return Err(
            "NIR : le premier chiffre est 1 (homme) ou 2 (femme), 3, 4, 7 ou 8 pour un numéro provisoire"
                .into(),
        );
    }
    let typed: Option<u64> = nir[13..]
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| nir[13..].parse().ok())
        .flatten();
    match typed {
        Some(t) if t == k => Ok(()),
        Some(_) => Err("NIR : la clé ne correspond pas au numéro (vérifiez chaque chiffre)".into()),
        None => Err("NIR : la clé (2 derniers caractères) doit être en chiffres".into()),
    }
}

/// « 1 85 05 78 006 084 36 »: the groups of the card. A value that is not 15 characters
/// long is given back as it is.
pub fn spaced(nir: &str) -> String {
    if nir.chars().count() != LEN || !nir.is_ascii() {
        return nir.to_string();
    }
    [
        &nir[0..1],
        &nir[1..3],
        &nir[3..5],
        &nir[5..7],
        &nir[7..10],
        &nir[10..13],
        &nir[13..15],
    ]
    .join(" ")
}

/// « 1 85 05 •• ••• ••• •• »: sex, year and month of birth only (what the file shows
/// anyway); empty for no NIR. Never gives more than these 5 characters.
pub fn masked(nir: &str) -> String {
    if nir.is_empty() {
        return String::new();
    }
    let head: Vec<char> = nir.chars().take(5).collect();
    let c = |i: usize| head.get(i).copied().unwrap_or('•');
    format!("{} {}{} {}{} •• ••• ••• ••", c(0), c(1), c(2), c(3), c(4))
}

/// The NIR as shown: spaced when `shown`, else masked.
pub fn display(nir: &str, shown: bool) -> String {
    if shown {
        spaced(nir)
    } else {
        masked(nir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid NIR made from 13 characters and their computed key.
    fn with_key(body: &str) -> String {
        format!("{body}{:02}", key(body).unwrap())
    }

    #[test]
    fn check_cases() {
        let valid = with_key("1850578006084");
        let corsica_a = with_key("290012A012345");
        let corsica_b = with_key("175042B045018");
        let mut wrong_key = valid.clone();
        let last = wrong_key.pop().unwrap();
        wrong_key.push(if last == '0' { '1' } else { '0' });
        // (name, normalised NIR, accepted)
        let cases: Vec<(&str, String, Result<(), &str>)> = vec![
            ("empty", String::new(), Ok(())),
            ("valid", valid.clone(), Ok(())),
            ("corsica_2a", corsica_a.clone(), Ok(())),
            ("corsica_2b", corsica_b.clone(), Ok(())),
            (
                "wrong_key",
                wrong_key,
                Err("NIR : la clé ne correspond pas au numéro (vérifiez chaque chiffre)"),
            ),
            (
                "corsica_key_of_the_other_department",
                corsica_a.replacen("2A", "2B", 1),
                Err("NIR : la clé ne correspond pas au numéro (vérifiez chaque chiffre)"),
            ),
            (
                "too_short",
                valid[..13].to_string(),
                Err("NIR : 15 caractères attendus (13 chiffres et la clé), 13 saisis"),
            ),
            (
                "too_long",
                format!("{valid}1"),
                Err("NIR : 15 caractères attendus (13 chiffres et la clé), 16 saisis"),
            ),
            (
                "letters",
                valid.replacen('8', "B", 1),
                Err("NIR : chiffres seulement attendus (2A ou 2B pour un département de Corse)"),
            ),
            (
                "letters_in_key",
                format!("{}AB", &valid[..13]),
                Err("NIR : la clé (2 derniers caractères) doit être en chiffres"),
            ),
            (
                "bad_sex_digit",
                with_key("5850578006084"),
                Err("NIR : le premier chiffre est 1 (homme) ou 2 (femme), 3, 4, 7 ou 8 pour un numéro provisoire"),
            ),
        ];
        for (name, nir, want) in cases {
            assert_eq!(check(&nir), want.map_err(String::from), "{name}: {nir}");
        }
    }

    #[test]
    fn known_keys() {
        // 97 − (1850578006084 mod 97) and the Corsican substitutions, computed by hand.
        assert_eq!(key("1850578006084"), Some(97 - 1850578006084 % 97));
        assert_eq!(key("290012A012345"), Some(97 - 2900119012345 % 97));
        assert_eq!(key("290012B012345"), Some(97 - 2900118012345 % 97));
        assert_eq!(key("29001XX012345"), None);
    }

    #[test]
    fn normalise_spaced_and_masked() {
        let valid = with_key("1850578006084");
        let typed = format!(
            " {} {}.{}-{} ",
            &valid[..1],
            &valid[1..5],
            &valid[5..10],
            &valid[10..]
        );
        assert_eq!(normalise(&typed), valid);
        assert_eq!(normalise("2 90 01 2a 012 345 67"), "290012A01234567");
        assert_eq!(
            spaced(&valid),
            format!("1 85 05 78 006 084 {}", &valid[13..])
        );
        assert_eq!(masked(&valid), "1 85 05 •• ••• ••• ••");
        assert_eq!(masked(""), "");
        assert_eq!(display(&valid, false), masked(&valid));
        assert_eq!(display(&valid, true), spaced(&valid));
        // Nothing past the month ever shows masked, whatever the value.
        assert_eq!(masked("12"), "1 2• •• •• ••• ••• ••");
    }
}
