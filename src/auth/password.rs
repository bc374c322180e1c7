//! Reading a password for the command line: from a file (`--mot-de-passe-fichier`), from
//! the terminal without echo, or a line of standard input when it is not a terminal
//! (scripts, tests). Never from arguments or the environment.

use std::io::IsTerminal;
use std::path::Path;
use zeroize::Zeroizing;

pub fn read_secret(prompt: &str, file: Option<&Path>) -> Result<Zeroizing<String>, String> {
    if let Some(f) = file {
        let text = Zeroizing::new(
            std::fs::read_to_string(f)
                .map_err(|e| format!("fichier de mot de passe « {} » : {e}", f.display()))?,
        );
        let line = text.lines().next().unwrap_or("");
        return Ok(Zeroizing::new(line.to_string()));
    }
    if std::io::stdin().is_terminal() {
        read_from_terminal(prompt)
    } else {
        read_line()
    }
}

/// One line of standard input, without its line ending.
pub fn read_line() -> Result<Zeroizing<String>, String> {
    let mut s = Zeroizing::new(String::new());
    std::io::stdin()
        .read_line(&mut s)
        .map_err(|e| format!("lecture du mot de passe : {e}"))?;
    while s.ends_with('\n') || s.ends_with('\r') {
        s.pop();
    }
    Ok(s)
}

fn read_from_terminal(prompt: &str) -> Result<Zeroizing<String>, String> {
    use crossterm::event::{read, Event, KeyCode, KeyEventKind, KeyModifiers};
    use crossterm::terminal::{disable_raw_mode, enable_raw_mode};
    eprint!("{prompt}");
    enable_raw_mode().map_err(|e| e.to_string())?;
    let mut s = Zeroizing::new(String::new());
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err("saisie abandonnée".to_string())
                }
                KeyCode::Backspace => {
                    s.pop();
                }
                KeyCode::Char(c) => s.push(c),
                _ => {}
            },
            Ok(Event::Paste(p)) => s.push_str(p.trim_end_matches(['\r', '\n'])),
            Ok(_) => {}
            Err(e) => break Err(e.to_string()),
        }
    };
    let _ = disable_raw_mode();
    eprintln!();
    result.map(|_| s)
}
