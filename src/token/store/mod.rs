//! Where tokens live: the OS keyring, Linux keyutils, or a private file. `CA_ENV_STORE` picks
//! one; `auto` (the default) writes to the first that answers without an unlock prompt and
//! verifies what it wrote. Every backend holds the same text (`Stored::encode`) under the same
//! name (`Key::id`); which backend holds which key is recorded in the index.

mod file;
mod keyring;
mod keyutils;
#[cfg(target_os = "linux")]
mod secret_service;

use std::path::PathBuf;
use std::time::Duration;

use super::entry::{Key, Stored};
use crate::env::Env;
use crate::error::{Error, Exit};

const KEYUTILS_HINT: &str =
    "set CA_ENV_STORE=auto: keyutils holds tokens only where a session keyring exists";

/// The service name every keyring entry is filed under.
pub const SERVICE: &str = "ca-env";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Backend {
    Keyring,
    Keyutils,
    File,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Keyring, Backend::Keyutils, Backend::File];

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Keyring => "keyring",
            Backend::Keyutils => "keyutils",
            Backend::File => "file",
        }
    }

    pub fn parse(s: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// Why a backend could not be used. Holds platform messages only, never an entry's text.
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

impl Unavailable {
    /// The keyring is there but locked (or refused access): an unlock would make it usable.
    pub fn is_locked(&self) -> bool {
        self.0.starts_with(keyring::LOCKED)
    }
}

type Answer<T> = std::result::Result<T, Unavailable>;

pub struct Stores {
    /// None: `auto`.
    only: Option<Backend>,
    file_dir: Option<PathBuf>,
    /// `login` on a terminal may let the keyring show its unlock dialog; nothing else may.
    interactive: bool,
    /// How long a keyring call may take before it counts as unavailable.
    patience: Duration,
    /// Whether the keyring answers without a dialog, asked once per process.
    keyring_ready: std::sync::OnceLock<Answer<()>>,
    /// Why the keyring let a call run out of patience (a hung bus or Secret Service): it is
    /// not asked again by this process, so a command waits for it once.
    keyring_stalled: std::sync::OnceLock<Unavailable>,
    /// Why the file store last refused a write (a full disk, a read-only one): it decides the
    /// hint.
    file_refused: std::cell::Cell<Option<std::io::ErrorKind>>,
}

impl Stores {
    pub fn new(env: &Env, interactive: bool) -> crate::error::Result<Stores> {
        let only = match env.var(crate::tools::registry::CA_ENV_STORE).as_deref() {
            None | Some("" | "auto") => None,
            Some(name) => Some(Backend::parse(name).ok_or_else(|| {
                Error::new(
                    Exit::Usage,
                    format!(
                        "CA_ENV_STORE={} is not one of auto, keyring, keyutils, file",
                        crate::output::printable(name)
                    ),
                )
            })?),
        };
        Ok(Stores {
            only,
            file_dir: crate::state::dir(env).map(|d| d.secrets()),
            interactive,
            // A person typing a password into the unlock dialog needs longer than a hung
            // service deserves.
            patience: Duration::from_secs(if interactive { 120 } else { 2 }),
            keyring_ready: std::sync::OnceLock::new(),
            keyring_stalled: std::sync::OnceLock::new(),
            file_refused: std::cell::Cell::new(None),
        })
    }

    /// For debug lines: the store chosen, or `auto` and where the index says the entry is.
    pub fn describe(&self, recorded: Option<Backend>) -> String {
        match (self.only, recorded) {
            (Some(b), _) => format!("{} (CA_ENV_STORE)", b.as_str()),
            (None, Some(b)) => format!("{} (auto, as recorded)", b.as_str()),
            (None, None) => "auto, none recorded".into(),
        }
    }

    /// The backends to read `key` from: the one chosen, else the one the index recorded.
    fn readable(&self, recorded: Option<Backend>) -> Option<Backend> {
        self.only.or(recorded)
    }

    /// The entry for `key`, from the backend the index recorded (or the one chosen). A corrupt
    /// or foreign entry is `Ok(None)`, as is an entry nobody recorded.
    pub fn get(&self, key: &Key, recorded: Option<Backend>) -> Answer<Option<(Stored, Backend)>> {
        let Some(backend) = self.readable(recorded) else {
            return Ok(None);
        };
        let text = self.raw_get(backend, key)?;
        Ok(text
            .and_then(|t| Stored::decode(key, &t))
            .map(|s| (s, backend)))
    }

    /// Stores the entry: in the chosen backend, or in the first of keyring, keyutils, file that
    /// takes it and gives it back. Returns where it went.
    pub fn put(&self, key: &Key, stored: &Stored) -> Answer<Backend> {
        let text = stored.encode(key);
        let mut reasons = Vec::new();
        for backend in self.backends() {
            match self.put_verified(backend, key, &text) {
                Ok(()) => return Ok(backend),
                Err(Unavailable(why)) => {
                    crate::output::log(crate::output::Level::Debug, || {
                        format!("the {} store is not used: {why}", backend.as_str())
                    });
                    reasons.push(format!("{}: {why}", backend.as_str()));
                }
            }
        }
        Err(Unavailable(reasons.join("; ")))
    }

    fn put_verified(&self, backend: Backend, key: &Key, text: &str) -> Answer<()> {
        self.raw_set(backend, key, text)?;
        // keyutils without a session keyring reports a failed write as success and the read as
        // "no entry": only reading it back tells.
        match self.raw_get(backend, key)? {
            Some(back) if back == text => Ok(()),
            _ => Err(Unavailable(
                "what was written could not be read back".into(),
            )),
        }
    }

    /// Whether a fetched token will have somewhere to go: with `CA_ENV_STORE=keyring`, a
    /// keyring that would need unlocking is known before AWS is asked.
    pub fn check_writable(&self) -> Answer<()> {
        match self.only {
            Some(Backend::Keyring) => self.keyring_ready(),
            // A kernel (or seccomp policy) refusing keyutils answers every read "no entry":
            // only a write read back tells, before a token is fetched for nowhere.
            Some(Backend::Keyutils) => self.probe(Backend::Keyutils),
            _ => Ok(()),
        }
    }

    /// Whether `backend` would take a token now without a dialog: the keyring's lock is read;
    /// keyutils and the file store are written with a probe entry, read back and cleared.
    pub fn probe(&self, backend: Backend) -> Answer<()> {
        if backend == Backend::Keyring {
            return self.keyring_ready();
        }
        let probe = Key {
            provider: Default::default(),
            domain: "probe".into(),
            owner: String::new(),
            region: String::new(),
            profile: None,
            endpoint: None,
        };
        let written = self.put_verified(backend, &probe, "probe");
        let _ = self.delete(&probe, backend);
        written.map_err(|Unavailable(why)| Unavailable(format!("{}: {why}", backend.as_str())))
    }

    /// The store `CA_ENV_STORE` chose, if any (`auto` otherwise).
    pub fn chosen(&self) -> Option<Backend> {
        self.only
    }

    /// Removes `key` from `backend`; true when something was there.
    pub fn delete(&self, key: &Key, backend: Backend) -> Answer<bool> {
        match backend {
            Backend::Keyring => {
                self.keyring_ready()?;
                let key = key.clone();
                self.keyring(|| bounded(self.patience, move || keyring::delete(&key))?)
            }
            Backend::Keyutils => keyutils::delete(key),
            Backend::File => file::delete(self.file_dir()?, key),
        }
    }

    /// The backends in use: the chosen one, or all in the order `auto` tries them.
    pub fn backends(&self) -> Vec<Backend> {
        match self.only {
            Some(b) => vec![b],
            None => Backend::ALL.to_vec(),
        }
    }

    /// Keys of the file backend's entries whose owner is unknown (index lost): their file names.
    pub fn file_entries(&self) -> Vec<PathBuf> {
        self.file_dir
            .as_deref()
            .map(file::entries)
            .unwrap_or_default()
    }

    fn raw_get(&self, backend: Backend, key: &Key) -> Answer<Option<String>> {
        match backend {
            // Without a dialog allowed, the lock check and the read share one connection,
            // bounded by its own time limits.
            Backend::Keyring if !self.interactive => {
                self.keyring(|| keyring::get_without_prompt(key, self.patience))
            }
            Backend::Keyring => {
                let key = key.clone();
                self.keyring(|| bounded(self.patience, move || keyring::get(&key))?)
            }
            Backend::Keyutils => keyutils::get(key),
            Backend::File => file::get(self.file_dir()?, key),
        }
    }

    fn raw_set(&self, backend: Backend, key: &Key, text: &str) -> Answer<()> {
        match backend {
            Backend::Keyring => {
                self.keyring_ready()?;
                let (key, text) = (key.clone(), text.to_string());
                self.keyring(|| bounded(self.patience, move || keyring::set(&key, &text))?)
            }
            Backend::Keyutils => keyutils::set(key, text),
            Backend::File => file::set(self.file_dir()?, key, text).map_err(|(why, kind)| {
                self.file_refused.set(Some(kind));
                why
            }),
        }
    }

    /// The store chosen: `CA_ENV_STORE`'s value, `auto` when unset.
    pub fn choice(&self) -> &'static str {
        self.only.map_or("auto", Backend::as_str)
    }

    /// What to do when the store holding an entry (`recorded`, or the one chosen) cannot be
    /// read.
    pub fn read_hint(&self, recorded: Option<Backend>) -> String {
        match self.readable(recorded) {
            Some(Backend::Keyring) => {
                "unlock the keyring, or run 'ca-env login' on a terminal".into()
            }
            Some(Backend::Keyutils) => KEYUTILS_HINT.into(),
            _ => "run 'ca-env login'".into(),
        }
    }

    /// What to do when a token could not be stored (or the chosen store cannot take one): the
    /// advice fits the store in use.
    pub fn store_hint(&self) -> String {
        match self.only {
            Some(Backend::Keyring) => "unlock the keyring, or set CA_ENV_STORE=auto".into(),
            Some(Backend::Keyutils) => KEYUTILS_HINT.into(),
            // The file store is the last `auto` tries: it refused too.
            Some(Backend::File) | None => self
                .file_refused
                .get()
                .zip(self.file_dir.as_deref())
                .and_then(|(kind, dir)| crate::error::write_hint(dir, kind))
                .unwrap_or_else(|| "'ca-env status' shows the store in use".into()),
        }
    }

    /// The keyring may be used without a dialog (or a dialog is allowed).
    fn keyring_ready(&self) -> Answer<()> {
        if self.interactive {
            return Ok(());
        }
        self.keyring_ready
            .get_or_init(|| self.keyring(|| keyring::ready_without_prompt(self.patience)))
            .clone()
    }

    /// A keyring call, unless one already ran out of patience in this process.
    fn keyring<T>(&self, call: impl FnOnce() -> Answer<T>) -> Answer<T> {
        if let Some(why) = self.keyring_stalled.get() {
            return Err(why.clone());
        }
        let started = std::time::Instant::now();
        let answer = call();
        if let Err(why) = &answer {
            if started.elapsed() >= self.patience {
                let _ = self.keyring_stalled.set(why.clone());
            }
        }
        answer
    }

    fn file_dir(&self) -> Answer<&std::path::Path> {
        self.file_dir
            .as_deref()
            .ok_or_else(|| Unavailable("neither XDG_STATE_HOME nor HOME is set".into()))
    }
}

/// Runs a keyring crate call on its own thread and gives up after `patience`: a hung D-Bus
/// service must not hold a prompt or a command past its deadline. A call that overruns is left
/// to finish (or not) on its thread; the process exits without it.
fn bounded<T: Send + 'static>(
    patience: Duration,
    f: impl FnOnce() -> Answer<T> + Send + 'static,
) -> Answer<Answer<T>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(patience).map_err(|_| {
        Unavailable(format!(
            "the keyring did not answer within {} ms",
            patience.as_millis()
        ))
    })
}
