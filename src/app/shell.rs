//! The whole interactive session: the login screen, then the `App` with its store, and the
//! lock in between. Independent of the terminal (tests drive it with key events and a
//! fixed clock); `tui` only draws it and feeds it events.
//!
//! Locking writes the audit entry, keeps a [`ResumePoint`] (ids and positions only), then
//! drops the `App` (everything shown), the store (the connection) and the key; the login
//! screen asks for the password again. The same account resumes where it was; another
//! account starts afresh.

use super::keys::{Action, Context, Key, Keymap};
use super::login::{LoginMode, LoginOutcome, LoginScreen};
use super::resume::ResumePoint;
use super::{App, Outcome, Screen};
use crate::auth::Keyring;
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::Referential;
use crate::session::{self, DbState, Opened, Place};
use crate::store::audit::actions;
use crossterm::event::{Event, KeyEventKind};
use std::path::Path;

/// A logged-in session: what is shown and the open store.
pub struct Running {
    pub app: App,
    pub session: Opened,
    /// The store's data version last seen (the file's `PRAGMA data_version`, the server's
    /// announcements): another instance's commits change it.
    data_version: u64,
}

pub enum Phase {
    Login(Box<LoginScreen>),
    Running(Box<Running>),
}

pub struct Shell {
    pub place: Place,
    pub clock: Clock,
    pub rf: Referential,
    pub keymap: Keymap,
    pub settings: Settings,
    pub phase: Phase,
    resume: Option<ResumePoint>,
    /// Configuration warnings, shown in the status line after the first login.
    warnings: Vec<String>,
    pub quit: bool,
    /// The terminal's size, as last drawn or resized: while it is too small for anything
    /// but « Fenêtre trop petite », keys are not applied blind (see [`Shell::handle_event`]).
    size: Option<(u16, u16)>,
}

impl Shell {
    /// The login screen for `path`: first-account creation on a new or plain database,
    /// login otherwise. Fails (plain French message, before the screen is taken) when the
    /// accounts file cannot be read.
    pub fn new(
        path: &Path,
        clock: Clock,
        rf: Referential,
        keymap: Keymap,
        settings: Settings,
    ) -> Result<Shell, String> {
        Shell::open(Place::File(path.to_path_buf()), clock, rf, keymap, settings)
    }

    /// [`Shell::new`] for a file or for the shared server (its own login screen: the
    /// staff member's server account; nothing is read before the login).
    pub fn open(
        place: Place,
        clock: Clock,
        rf: Referential,
        keymap: Keymap,
        settings: Settings,
    ) -> Result<Shell, String> {
        let now = clock.now();
        let path = match &place {
            Place::File(path) => path.clone(),
            Place::Server(url) => {
                let user = crate::store::server::url_user(url)
                    .map_err(|e| e.to_string())?
                    .unwrap_or_default();
                let label = crate::store::server::display_url(url);
                return Ok(Shell::with_login(
                    place,
                    clock,
                    rf,
                    keymap,
                    settings,
                    LoginScreen::server(&user, &label, now),
                ));
            }
        };
        let path = path.as_path();
        let login = match session::db_state(path) {
            DbState::New => LoginScreen::first_account(false, now),
            DbState::Plain => LoginScreen::first_account(true, now),
            DbState::Accounts => {
                let ring = Keyring::load(path).map_err(|e| e.to_string())?;
                let mut l = LoginScreen::login(&ring.accounts(), now);
                // Failures of an earlier run may impose a wait: shown from the start.
                l.refresh_wait(&place, now);
                l
            }
        };
        Ok(Shell::with_login(place, clock, rf, keymap, settings, login))
    }

    fn with_login(
        place: Place,
        clock: Clock,
        rf: Referential,
        keymap: Keymap,
        settings: Settings,
        login: LoginScreen,
    ) -> Shell {
        Shell {
            place,
            clock,
            rf,
            keymap,
            settings,
            phase: Phase::Login(Box::new(login)),
            resume: None,
            warnings: Vec::new(),
            quit: false,
            size: None,
        }
    }

    /// A warning to show once logged in (bad configuration file...).
    pub fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }

    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn app(&self) -> Option<&App> {
        match &self.phase {
            Phase::Running(r) => Some(&r.app),
            Phase::Login(_) => None,
        }
    }

    pub fn running(&mut self) -> Option<&mut Running> {
        match &mut self.phase {
            Phase::Running(r) => Some(r),
            Phase::Login(_) => None,
        }
    }

    pub fn login_screen(&self) -> Option<&LoginScreen> {
        match &self.phase {
            Phase::Login(l) => Some(l),
            Phase::Running(_) => None,
        }
    }

    pub fn is_locked(&self) -> bool {
        matches!(&self.phase, Phase::Login(l) if matches!(l.mode, LoginMode::Unlock { .. }))
    }

    /// The size of the terminal (the loop tells it after each draw; resize events too).
    pub fn set_size(&mut self, width: u16, height: u16) {
        self.size = Some((width, height));
    }

    /// The screen shows only « Fenêtre trop petite ».
    pub fn too_small(&self) -> bool {
        self.size.is_some_and(|(w, h)| crate::ui::too_small(w, h))
    }

    /// One terminal event. Returns true when the screen must be redrawn.
    pub fn handle_event(&mut self, event: &Event) -> bool {
        if let Event::Resize(w, h) = event {
            self.set_size(*w, *h);
        }
        // Nothing but the message is shown: only resizing, quit (Ctrl+C) and lock (Ctrl+L)
        // act; every other key (and a paste) is ignored, so nothing reaches a form unseen.
        if self.too_small() {
            let Event::Key(k) = event else {
                return matches!(event, Event::Resize(..));
            };
            let key = Key::from_event(k);
            let action = match self.phase {
                Phase::Login(_) => self.keymap.lookup(&[Context::Login], &key),
                Phase::Running(_) => self.keymap.lookup(&[Context::Global], &key),
            };
            match action {
                // Through the app: with a form open, a first press asks for a second.
                Some(Action::Quit) => {}
                Some(Action::Lock) if k.kind != KeyEventKind::Release && self.app().is_some() => {
                    self.lock(false);
                    return true;
                }
                _ => return false,
            }
        }
        let now = self.clock.now();
        match &mut self.phase {
            Phase::Login(login) => match event {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    match login.handle_key(k, &self.keymap, now) {
                        LoginOutcome::Continue | LoginOutcome::Submit => {}
                        LoginOutcome::Quit => self.quit = true,
                    }
                    true
                }
                Event::Paste(text) => {
                    login.paste(text, now);
                    true
                }
                Event::Resize(..) => true,
                _ => false,
            },
            Phase::Running(r) => {
                let outcome = r.app.handle_event(event, &mut *r.session.store);
                // A write or read that found the server gone: the banner at once.
                let lost = r.session.store.connection_lost() && r.app.offline.is_none();
                if lost {
                    r.app.offline = Some(now);
                }
                match outcome {
                    Outcome::Idle => lost,
                    Outcome::Redraw => true,
                    Outcome::Quit => {
                        self.logout();
                        self.quit = true;
                        true
                    }
                    Outcome::Lock => {
                        self.lock(false);
                        true
                    }
                }
            }
        }
    }

    /// A wait after repeated failures runs on the login screen: the loop must wake up each
    /// second to show it counting down, and to try a queued attempt when it ends.
    pub fn counting_down(&self) -> bool {
        matches!(&self.phase, Phase::Login(l) if l.wait.is_some())
    }

    /// A password check is waiting (the screen shows "Vérification…" first).
    pub fn pending(&self) -> bool {
        matches!(&self.phase, Phase::Login(l) if l.busy)
    }

    /// Performs the pending login (Argon2: a fraction of a second). Returns true when the
    /// screen must be redrawn.
    pub fn run_pending(&mut self) -> bool {
        let Phase::Login(login) = &mut self.phase else {
            return false;
        };
        if !login.busy {
            return false;
        }
        let first = matches!(login.mode, LoginMode::FirstAccount { .. });
        let Some(session) = login.submit(&self.place, &self.clock) else {
            return true;
        };
        self.start(session, first);
        true
    }

    /// Builds the `App` for a new session, restoring the resume point of the same account.
    fn start(&mut self, session: Opened, first_account: bool) {
        let resume = self.resume.take();
        let app = App::new_progressive(
            &*session.store,
            self.rf.clone(),
            self.keymap.clone(),
            self.clock.clone(),
            session.account.display_name.clone(),
            self.size
                .map_or(crate::app::FIRST_SCREEN, |(_, h)| usize::from(h)),
        );
        let mut app = match app {
            Ok(app) => app,
            Err(e) => {
                // Keep the login screen, with the reason.
                let now = self.clock.now();
                let mut l = LoginScreen::login(std::slice::from_ref(&session.account), now);
                l.form.error = Some(e.to_string());
                self.phase = Phase::Login(Box::new(l));
                return;
            }
        };
        app.idle_lock = self.settings.lock_after();
        app.sessions.counts_as_interview = self.settings.collective_counts_as_interview;
        if app.sessions.counts_as_interview {
            if let Err(e) = app.reload_caseload(&*session.store) {
                app.set_error(e.to_string());
            }
        }
        app.level_advances = self.settings.level_advances;
        if let Some(rp) = resume.filter(|rp| rp.login == session.account.login) {
            app.restore(&rp, &*session.store);
        } else if first_account {
            app.set_info(format!(
                "Compte « {} » créé : la base est chiffrée. Comptes des collègues : commande « parcours compte ajouter ».",
                session.account.login
            ));
        }
        if !self.warnings.is_empty() {
            app.set_error(self.warnings.join(" · "));
            self.warnings.clear();
        }
        let mut session = session;
        let data_version = session.store.data_version().unwrap_or(0);
        self.phase = Phase::Running(Box::new(Running {
            app,
            session,
            data_version,
        }));
    }

    /// Locks the session: audit entry, resume point, then the `App`, the store and the key
    /// are dropped and the login screen asks for the password.
    pub fn lock(&mut self, idle: bool) {
        let now = self.clock.now();
        let placeholder = Phase::Login(Box::new(LoginScreen::login(&[], now)));
        let Phase::Running(r) = std::mem::replace(&mut self.phase, placeholder) else {
            return;
        };
        let audit_error = r.session.store.audit(actions::LOCK, None).err();
        let account = r.session.account.clone();
        self.resume = Some(r.app.resume_point(&account.login));
        // Everything shown, the connection and the key (zeroised) go here.
        drop(r);
        let mut screen = LoginScreen::unlock(&account, idle, now);
        if let Some(e) = audit_error {
            screen.form.error = Some(format!("Verrouillage non journalisé : {e}"));
        }
        screen.refresh_wait(&self.place, now);
        self.phase = Phase::Login(Box::new(screen));
    }

    /// Records the end of the session (once); called on quit.
    pub fn logout(&mut self) {
        if let Phase::Running(r) = &mut self.phase {
            let _ = r.session.store.audit(actions::LOGOUT, None);
            let now = self.clock.now();
            self.phase = Phase::Login(Box::new(LoginScreen::login(&[], now)));
        }
    }

    /// The caseload is still loading in the background (the loop polls it).
    pub fn loading(&self) -> bool {
        self.app().is_some_and(|a| a.caseload.is_loading())
    }

    /// Takes the caseload once loaded. Returns true when the screen must be redrawn.
    pub fn poll_loading(&mut self) -> bool {
        match &mut self.phase {
            Phase::Running(r) => r.app.poll_caseload(),
            Phase::Login(_) => false,
        }
    }

    /// Deferred work before drawing (the caseload search).
    pub fn settle(&mut self) {
        if let Phase::Running(r) = &mut self.phase {
            r.app.settle();
        }
    }

    /// The loop's periodic wake-up: idle lock, changes made by another instance, and the
    /// clock in the top line. Returns true when the screen must be redrawn.
    pub fn tick(&mut self) -> bool {
        let now = self.clock.now();
        let after = self.settings.lock_after();
        if self.app().is_some_and(|a| a.idle_expired(now)) {
            self.lock(true);
            return true;
        }
        match &mut self.phase {
            Phase::Login(l) => {
                l.wipe_if_idle(now, after);
                // The end of a wait: an attempt queued during it starts (see `pending`).
                l.wait_tick(now);
                true
            }
            Phase::Running(r) => {
                let mut dirty = false;
                let store = &mut r.session.store;
                if store.connection_lost() {
                    // Tried in the background (`reconnect` never waits for the network):
                    // the banner stays until a new connection is ready.
                    match store.reconnect() {
                        Ok(()) => {
                            r.app.offline = None;
                            r.app
                                .set_info("Connexion au serveur rétablie : l'écran est à jour.");
                        }
                        // The server answers but refuses (password changed, account
                        // removed, another schema): say why; the banner stays.
                        Err(e) if !matches!(e, crate::store::StoreError::ServerGone(_)) => {
                            r.app.offline.get_or_insert(now);
                            r.app.set_error(e.to_string());
                        }
                        Err(_) => {
                            r.app.offline.get_or_insert(now);
                        }
                    }
                    dirty = true;
                }
                match r.session.store.data_version() {
                    Ok(v) if v != r.data_version => {
                        r.data_version = v;
                        r.app.external_change(&*r.session.store);
                        dirty = true;
                    }
                    Ok(_) => {}
                    Err(_) if r.session.store.connection_lost() => {
                        if r.app.offline.is_none() {
                            r.app.offline = Some(now);
                        }
                        dirty = true;
                    }
                    Err(_) => {}
                }
                // Minute changes show in the top line and in "statut à préciser".
                dirty || r.app.screen != Screen::File || r.app.overlay.is_none()
            }
        }
    }

    /// What the loop must do after the last event: quit and log out.
    pub fn shutdown(&mut self) {
        self.logout();
    }
}
