//! The login screen, before any `App` exists: creation of the first (admin) account on a
//! new or plain database, login, and unlock after a lock. Passwords are typed in
//! [`FieldKind::Password`] fields: drawn as "•", zeroised after every submit.

use super::form::{Field, FieldKind, Form, FormOutcome, Hint, Purpose};
use super::keys::{Action, Context, Key, Keymap};
use crate::auth::{
    check_new_password, valid_login, Account, AuthError, Keyring, MIN_PASSWORD_CHARS,
};
use crate::clock::Clock;
use crate::session::{self, Opened, Place};
use chrono::NaiveDateTime;
use crossterm::event::KeyEvent;

/// Why the login screen is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginMode {
    /// No account yet: create the first one (admin). `plain`: an existing unencrypted
    /// database that the new account will encrypt.
    FirstAccount { plain: bool },
    /// Accounts exist: log in.
    Login,
    /// The session of `account` was locked: its password resumes where it was.
    Unlock { account: Account, idle: bool },
}

/// What a key did on the login screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    Continue,
    /// The form is complete: the caller checks the password (slow: Argon2) and logs in.
    Submit,
    Quit,
}

pub struct LoginScreen {
    pub mode: LoginMode,
    pub form: Form,
    /// A password check is pending (the screen says so while Argon2 works).
    pub busy: bool,
    /// Last key on this screen: a password left typed but not submitted is wiped after
    /// the idle delay.
    pub last_input: NaiveDateTime,
    /// The wait imposed after repeated failures (read from the accounts file), shown as it
    /// runs; what is typed meanwhile is kept.
    pub wait: Option<Wait>,
    /// The identifiers of the accounts file: one typed into the password field of a
    /// pre-filled form, then Tab or Entrée, is taken as the identifier (see
    /// [`LoginScreen::handle_key`]).
    pub logins: Vec<String>,
}

/// Attempts for `login` are refused until `until` (throttling after repeated failures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    pub login: String,
    pub until: NaiveDateTime,
    /// Entrée was pressed during the wait: the form is tried when it ends.
    pub queued: bool,
}

/// Explanation shown above the first-account form.
pub const FIRST_ACCOUNT_HINT: &str = "Premier démarrage : créez votre compte d'administrateur·rice. La base sera chiffrée : sans un mot de passe de compte, son contenu est illisible. Un mot de passe oublié ne peut pas être retrouvé (un·e autre administrateur·rice pourra vous créer un nouveau compte) : choisissez une phrase facile à retenir, d'au moins 12 caractères.";

const _: () = assert!(MIN_PASSWORD_CHARS == 12, "update FIRST_ACCOUNT_HINT");

/// The keys reminded under the login form and in the bottom bar (keys from the table).
pub const LOGIN_HINTS: &[Hint] = &[
    (Context::Form, Action::NextOrSubmit, "valider"),
    (Context::Form, Action::NextField, "champ suivant"),
    (Context::Login, Action::Quit, "quitter"),
];

/// The same for the first-account form, where Entrée moves on until the last field.
pub const FIRST_ACCOUNT_HINTS: &[Hint] = &[
    (
        Context::Form,
        Action::NextOrSubmit,
        "champ suivant ; au dernier : créer le compte",
    ),
    (Context::Login, Action::Quit, "quitter"),
];

impl LoginScreen {
    /// The screen for a database without accounts.
    pub fn first_account(plain: bool, now: NaiveDateTime) -> LoginScreen {
        let mut hint = FIRST_ACCOUNT_HINT.to_string();
        if plain {
            hint.push_str(" La base existante, pas encore chiffrée, le sera avec ce compte.");
        }
        let mut form = Form::new(
            "Création du premier compte (administrateur·rice)",
            Purpose::FirstAccount,
            vec![
                Field::text("login", "Identifiant", "").required(),
                Field::text("name", "Nom affiché", "").required(),
                Field::password("password", "Mot de passe").required(),
                Field::password("confirm", "Confirmation").required(),
            ],
        )
        .with_hint(&hint);
        form.footer = Some(FIRST_ACCOUNT_HINTS);
        LoginScreen {
            mode: LoginMode::FirstAccount { plain },
            form,
            busy: false,
            last_input: now,
            wait: None,
            logins: Vec::new(),
        }
    }

    /// The login form; with a single account, its identifier is filled in.
    pub fn login(accounts: &[Account], now: NaiveDateTime) -> LoginScreen {
        let only = match accounts {
            [one] => one.login.as_str(),
            _ => "",
        };
        let mut s = LoginScreen::with_login_form("Connexion", only, LoginMode::Login, now);
        s.form.hint = Some("Identifiez-vous pour ouvrir la base (chiffrée).".into());
        s.logins = accounts.iter().map(|a| a.login.clone()).collect();
        s
    }

    /// The login screen of the shared server: the staff member's own server account
    /// (`user`: the one the address names, if any).
    pub fn server(user: &str, label: &str, now: NaiveDateTime) -> LoginScreen {
        let mut s =
            LoginScreen::with_login_form("Connexion au serveur", user, LoginMode::Login, now);
        s.form.hint = Some(format!(
            "Base partagée {label} : identifiez-vous avec votre compte du serveur."
        ));
        s
    }

    /// The lock screen of `account`'s session.
    pub fn unlock(account: &Account, idle: bool, now: NaiveDateTime) -> LoginScreen {
        let mut s = LoginScreen::with_login_form(
            "Écran verrouillé",
            &account.login,
            LoginMode::Unlock {
                account: account.clone(),
                idle,
            },
            now,
        );
        s.form.hint = Some(format!(
            "{}Session de {} : son mot de passe reprend là où elle en était. Une autre personne peut se connecter avec son propre identifiant.",
            if idle {
                "Verrouillé après une période sans activité. "
            } else {
                ""
            },
            account.display_name
        ));
        s
    }

    fn with_login_form(
        title: &str,
        login: &str,
        mode: LoginMode,
        now: NaiveDateTime,
    ) -> LoginScreen {
        let mut form = Form::new(
            title,
            Purpose::Login,
            vec![
                Field::text("login", "Identifiant", login).required(),
                Field::password("password", "Mot de passe").required(),
            ],
        );
        form.footer = Some(LOGIN_HINTS);
        if !login.is_empty() {
            // The password is what is left to type; someone who types the identifier
            // anyway (after Maj+Tab) replaces the one shown.
            form.focus = 1;
            form.fields[0].replace_on_type = true;
        }
        LoginScreen {
            mode,
            form,
            busy: false,
            last_input: now,
            wait: None,
            logins: vec![login.to_string()],
        }
    }

    /// One key: context `login` (Ctrl+C quits), then the form's contexts.
    pub fn handle_key(
        &mut self,
        key: &KeyEvent,
        keymap: &Keymap,
        now: NaiveDateTime,
    ) -> LoginOutcome {
        self.last_input = now;
        if self.busy {
            return LoginOutcome::Continue;
        }
        if keymap.lookup(&[Context::Login], &Key::from_event(key)) == Some(Action::Quit) {
            return LoginOutcome::Quit;
        }
        if self.identifier_typed_as_password(key, keymap) {
            return LoginOutcome::Continue;
        }
        match self.form.handle_key(key, keymap) {
            // « Save and add » is for forms adding to a list, never the login form.
            FormOutcome::Continue | FormOutcome::SubmitAndNew => LoginOutcome::Continue,
            // Nothing to cancel: Échap only clears the message (and a queued attempt).
            FormOutcome::Cancel => {
                self.form.error = None;
                if let Some(w) = self.wait.as_mut() {
                    w.queued = false;
                }
                LoginOutcome::Continue
            }
            FormOutcome::Submit => {
                if !self.form.validate(now) {
                    LoginOutcome::Continue
                } else if self.remaining(now).is_some() {
                    // Too early: kept, and tried when the wait ends.
                    if let Some(w) = self.wait.as_mut() {
                        w.queued = true;
                    }
                    LoginOutcome::Continue
                } else {
                    self.busy = true;
                    LoginOutcome::Submit
                }
            }
        }
    }

    /// The form opened with the identifier filled in and the cursor in the password: someone
    /// used to typing « identifier, Tab, password » types the identifier there. When the
    /// password field holds exactly an identifier of the accounts file and Tab or Entrée
    /// is pressed, it becomes the identifier and the password field is emptied, ready for
    /// the password. (Only a known identifier moves: a password is never shown in clear.)
    fn identifier_typed_as_password(&mut self, key: &KeyEvent, keymap: &Keymap) -> bool {
        if matches!(self.mode, LoginMode::FirstAccount { .. }) {
            return false;
        }
        let Some(field) = self
            .form
            .focused()
            .filter(|f| f.kind == FieldKind::Password)
        else {
            return false;
        };
        let moves_on = keymap
            .actions(field.contexts(), &Key::from_event(key))
            .any(|a| matches!(a, Action::NextField | Action::NextOrSubmit | Action::Submit));
        if !moves_on {
            return false;
        }
        let typed = field.input.secret_text();
        let Some(login) = self
            .logins
            .iter()
            .find(|l| !l.is_empty() && **l == *typed)
            .cloned()
        else {
            return false;
        };
        let focus = self.form.focus;
        if let Some(id) = self.form.field_mut("login") {
            id.input.set(&login);
            id.replace_on_type = false;
            id.error = None;
        }
        self.form.wipe_secrets();
        self.form.focus = focus;
        self.form.error = None;
        true
    }

    /// Seconds left before the identifier typed may be tried again (`None`: no wait).
    pub fn remaining(&self, now: NaiveDateTime) -> Option<i64> {
        let w = self.wait.as_ref()?;
        let left = (w.until - now).num_seconds();
        (left > 0 && w.login == self.form.value("login")).then_some(left)
    }

    /// Reads the wait of the identifier typed from the accounts file (after a failure, or
    /// when the screen is shown: failures of an earlier run count too).
    /// On the server there is no accounts file: the server itself refuses a wrong password.
    pub fn refresh_wait(&mut self, place: &Place, now: NaiveDateTime) {
        let Some(path) = place.file() else {
            self.wait = None;
            return;
        };
        if matches!(self.mode, LoginMode::FirstAccount { .. }) {
            return;
        }
        let login = self.form.value("login");
        let secs = Keyring::load(path).map_or(0, |ring| ring.wait_secs(&login, now));
        let queued = self
            .wait
            .as_ref()
            .is_some_and(|w| w.queued && w.login == login);
        self.wait = (secs > 0).then(|| Wait {
            login,
            until: now + chrono::Duration::seconds(secs),
            queued,
        });
    }

    /// The loop's wake-up during a wait: when it is over, a queued attempt starts (the
    /// caller runs it as any submit). Returns true when the screen must be redrawn.
    pub fn wait_tick(&mut self, now: NaiveDateTime) -> bool {
        let Some(w) = &self.wait else {
            return false;
        };
        if now < w.until {
            return true;
        }
        let queued = w.queued;
        self.wait = None;
        if queued && !self.busy && self.form.validate(now) {
            self.busy = true;
        }
        true
    }

    /// The line shown while a wait runs, counting down (keys named from the table).
    pub fn wait_message(&self, now: NaiveDateTime, keymap: &Keymap) -> Option<String> {
        let left = format_wait(self.remaining(now)?);
        let queued = self.wait.as_ref().is_some_and(|w| w.queued);
        Some(if queued {
            format!(
                "Trop d'essais manqués : votre saisie sera essayée dans {left} ({} pour ne pas l'essayer).",
                keymap.key_label(Context::Form, Action::Cancel)
            )
        } else {
            format!(
                "Trop d'essais manqués : nouvel essai possible dans {left}. Tapez votre mot de passe, il est gardé : {} l'essaiera à la fin de l'attente.",
                keymap.key_label(Context::Form, Action::NextOrSubmit)
            )
        })
    }

    pub fn paste(&mut self, text: &str, now: NaiveDateTime) {
        self.last_input = now;
        if !self.busy {
            self.form.paste(text);
        }
    }

    /// Wipes a password typed and left there (called on the loop's tick).
    pub fn wipe_if_idle(&mut self, now: NaiveDateTime, after: chrono::Duration) -> bool {
        let typed = self
            .form
            .fields
            .iter()
            .any(|f| f.kind == FieldKind::Password && !f.input.is_empty());
        if typed && !self.busy && now - self.last_input >= after {
            self.form.wipe_secrets();
            if let Some(w) = self.wait.as_mut() {
                w.queued = false;
            }
            true
        } else {
            false
        }
    }

    /// The identifier typed in the form.
    pub fn login_typed(&self) -> String {
        self.form.value("login")
    }

    /// Checks the form against the accounts and opens the database: a session, or `None`
    /// with the French reason shown in place. Password fields are wiped in every case.
    ///
    /// During a wait after repeated failures nothing is tried and nothing is wiped: the
    /// attempt is queued for the end of the wait.
    pub fn submit(&mut self, place: &Place, clock: &Clock) -> Option<Opened> {
        self.busy = false;
        self.refresh_wait(place, clock.now());
        if let Some(w) = self
            .wait
            .as_mut()
            .filter(|w| w.login == self.form.value("login"))
        {
            w.queued = true;
            return None;
        }
        let result = self.try_submit(place, clock);
        self.form.wipe_secrets();
        match result {
            Ok(s) => Some(s),
            Err(msg) => {
                self.form.error = msg;
                // The failure may start a wait: shown at once, counting down.
                self.refresh_wait(place, clock.now());
                // Back to the first password field, to type it again.
                if let Some(i) = self
                    .form
                    .fields
                    .iter()
                    .position(|f| f.kind == FieldKind::Password)
                {
                    if self.form.fields[..i].iter().all(|f| f.error.is_none()) {
                        self.form.focus = i;
                    }
                }
                None
            }
        }
    }

    /// Err(None): a field was refused in place; Err(Some(msg)): the general reason.
    fn try_submit(&mut self, place: &Place, clock: &Clock) -> Result<Opened, Option<String>> {
        let login = self.form.value("login");
        let password = self.form.secret("password");
        let path = match place {
            Place::File(path) => path,
            Place::Server(url) => {
                return session::login_server(url, clock.clone(), &login, &password).map_err(Some)
            }
        };
        match self.mode {
            LoginMode::FirstAccount { .. } => {
                if !valid_login(&login) {
                    self.form.refuse("login", &AuthError::BadLogin.to_string());
                    return Err(None);
                }
                let confirm = self.form.secret("confirm");
                if let Err(e) = check_new_password(&password, &confirm) {
                    let field = if e == AuthError::Mismatch {
                        "confirm"
                    } else {
                        "password"
                    };
                    self.form.refuse(field, &e.to_string());
                    return Err(None);
                }
                let name = self.form.value("name");
                session::create_first_account(path, clock.clone(), &login, &name, &password)
                    .map(Opened::from)
                    .map_err(Some)
            }
            LoginMode::Login | LoginMode::Unlock { .. } => {
                session::login(path, clock.clone(), &login, &password)
                    .map(Opened::from)
                    .map_err(Some)
            }
        }
    }
}

/// « 45 s », « 2 min 05 s ».
pub fn format_wait(secs: i64) -> String {
    if secs < 60 {
        format!("{secs} s")
    } else {
        format!("{} min {:02} s", secs / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::format_wait;

    #[test]
    fn waits_read_in_seconds_then_minutes() {
        assert_eq!(format_wait(1), "1 s");
        assert_eq!(format_wait(59), "59 s");
        assert_eq!(format_wait(60), "1 min 00 s");
        assert_eq!(format_wait(125), "2 min 05 s");
        assert_eq!(format_wait(300), "5 min 00 s");
    }
}
