//! The login screen, before any `App` exists: creation of the first (admin) account on a
//! new or plain database, login, and unlock after a lock. Passwords are typed in
//! [`FieldKind::Password`] fields: drawn as "•", zeroised after every submit.

use super::form::{Field, FieldKind, Form, FormOutcome, Hint, Purpose};
use super::keys::{Action, Context, Key, Keymap};
use crate::auth::{check_new_password, valid_login, Account, AuthError, MIN_PASSWORD_CHARS};
use crate::clock::Clock;
use crate::session::{self, Session};
use chrono::NaiveDateTime;
use crossterm::event::KeyEvent;
use std::path::Path;

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
        form.footer = Some(LOGIN_HINTS);
        LoginScreen {
            mode: LoginMode::FirstAccount { plain },
            form,
            busy: false,
            last_input: now,
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
            form.focus = 1;
        }
        LoginScreen {
            mode,
            form,
            busy: false,
            last_input: now,
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
        match self.form.handle_key(key, keymap) {
            FormOutcome::Continue => LoginOutcome::Continue,
            // Nothing to cancel: Échap only clears the message.
            FormOutcome::Cancel => {
                self.form.error = None;
                LoginOutcome::Continue
            }
            FormOutcome::Submit => {
                if self.form.validate(now) {
                    self.busy = true;
                    LoginOutcome::Submit
                } else {
                    LoginOutcome::Continue
                }
            }
        }
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
    pub fn submit(&mut self, path: &Path, clock: &Clock) -> Option<Session> {
        self.busy = false;
        let result = self.try_submit(path, clock);
        self.form.wipe_secrets();
        match result {
            Ok(s) => Some(s),
            Err(msg) => {
                self.form.error = msg;
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
    fn try_submit(&mut self, path: &Path, clock: &Clock) -> Result<Session, Option<String>> {
        let login = self.form.value("login");
        let password = self.form.secret("password");
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
                    .map_err(Some)
            }
            LoginMode::Login | LoginMode::Unlock { .. } => {
                session::login(path, clock.clone(), &login, &password).map_err(Some)
            }
        }
    }
}
