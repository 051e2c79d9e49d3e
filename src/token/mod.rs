//! Tokens: the secret type, what an entry is and when it is fresh, the stores, and getting a
//! token once per entry however many processes ask at the same moment.
//!
//! A fetch takes the entry's lock, looks again (another process may have just stored a fresh
//! token), honours the back-off of a remembered failure when it runs unasked, calls AWS, and
//! stores the result. A refresh ahead of expiry runs the same fetch in a detached
//! `ca-env __refresh` process, so the command that noticed it does not wait.

pub mod entry;
mod index;
mod lock;
pub mod refresh;
pub mod store;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use entry::{Freshness, Key, Stored};

use crate::clock::Seconds;
use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::output::{log, Level};
use crate::provider::{FetchError, Provider, Terminal};
use crate::secret::Secret;
use crate::state::StateDir;
use index::Index;
use store::{Backend, Stores};

/// A token to get: which entry, and the lifetime to ask for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wanted {
    pub key: Key,
    pub duration: Seconds,
}

/// Who asked, which decides whether a remembered failure stops the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The hook or a background refresh: a failure remembered less than its back-off ago is
    /// reported again without calling AWS.
    Unasked,
    /// A command the user ran (`token`, `login`).
    ByUser,
    /// `login --force`: fetch even when fresh, unless another process fetched after we began.
    Forced,
}

/// What is known about an entry without any network.
pub struct Lookup {
    pub stored: Option<(Stored, Backend)>,
    /// The store could not be asked (locked keyring, no bus): why.
    pub unavailable: Option<String>,
}

pub struct Tokens {
    stores: Stores,
    state_dir: Option<StateDir>,
    index: Index,
    refresh_before: Seconds,
    terminal: Terminal,
    provider: &'static dyn Provider,
}

impl Tokens {
    /// Tokens renewed `refresh_before` seconds ahead of expiry, fetched from `provider`. With
    /// `Terminal::Interactive` (only `login` on a terminal) the keyring may show an unlock
    /// dialog and the provider's credentials may prompt.
    pub fn new(
        env: &Env,
        refresh_before: Seconds,
        terminal: Terminal,
        provider: &'static dyn Provider,
    ) -> Result<Tokens> {
        let state_dir = crate::state::dir(env);
        log(Level::Debug, || {
            format!(
                "token store: {}; index in {}",
                env.var(crate::tools::registry::CA_ENV_STORE)
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "auto".into()),
                state_dir
                    .as_ref()
                    .map_or("(no state directory)".into(), |d| d.display().to_string())
            )
        });
        Ok(Tokens {
            stores: Stores::new(env, terminal == Terminal::Interactive)?,
            index: Index::load(state_dir.clone()),
            state_dir,
            refresh_before,
            terminal,
            provider,
        })
    }

    /// What to do when `key`'s store cannot be read: the advice fits that store.
    pub fn read_hint(&self, key: &Key) -> String {
        let recorded = self.index.get(key).and_then(index::Record::backend);
        self.stores.read_hint(recorded)
    }

    /// `$XDG_STATE_HOME/ca-env`, when known.
    pub fn state_dir(&self) -> Option<&StateDir> {
        self.state_dir.as_ref()
    }

    /// Reads the index again, after another process (a background refresh) wrote it.
    pub fn reload(&mut self) {
        self.index = Index::load(self.state_dir.clone());
    }

    /// When `stored` stops being fresh and needs renewing.
    pub fn refresh_at(&self, stored: &Stored) -> i64 {
        entry::refresh_at(stored.issued, stored.expires, self.refresh_before)
    }

    pub fn freshness(&self, stored: &Stored) -> Freshness {
        stored.freshness(crate::clock::now(), self.refresh_before)
    }

    /// The stored entry for `key`, if any. Reads the store, never the network.
    pub fn lookup(&self, key: &Key) -> Lookup {
        let recorded = self.index.get(key).and_then(index::Record::backend);
        let lookup = match self.stores.get(key, recorded) {
            Ok(stored) => Lookup {
                stored,
                unavailable: None,
            },
            Err(store::Unavailable(why)) => Lookup {
                stored: None,
                unavailable: Some(why),
            },
        };
        log(Level::Debug, || {
            let store = self.stores.describe(recorded);
            match (&lookup.stored, &lookup.unavailable) {
                (Some((stored, backend)), _) => format!(
                    "token for {} found in the {} store: {}, expiring {}",
                    key.describe(),
                    backend.as_str(),
                    self.freshness(stored).as_str(),
                    crate::clock::rfc3339(stored.expires)
                ),
                (None, Some(why)) => format!(
                    "the token for {} cannot be read ({store}): {why}",
                    key.describe()
                ),
                (None, None) => format!("no token stored for {} ({store})", key.describe()),
            }
        });
        lookup
    }

    /// When `ca-env logout` last removed `key` (Unix milliseconds), unless a token was
    /// stored since or the user asked for one.
    pub fn logged_out(&self, key: &Key) -> Option<i64> {
        self.index.get(key)?.logged_out
    }

    /// The user asked for `key`'s token (`login`, `token`, `exec`, `dotenv`): a logout no
    /// longer holds for it.
    pub fn forget_logout(&mut self, key: &Key) {
        if self.logged_out(key).is_some() {
            log(Level::Debug, || {
                format!("asked for {}: its logout no longer holds", key.describe())
            });
            let _ = self.index.update(key, |r| r.logged_out = None);
        }
    }

    /// A token for `wanted` that is not expired: the stored one when fresh (or expiring, with a
    /// background refresh started), else a new one fetched before `deadline`.
    pub fn get(&mut self, wanted: &Wanted, deadline: Instant, asked: Asked) -> Result<Stored> {
        if asked != Asked::Unasked {
            self.forget_logout(&wanted.key);
        }
        if asked != Asked::Forced {
            if let Some((stored, _)) = self.lookup(&wanted.key).stored {
                match self.freshness(&stored) {
                    Freshness::Fresh => return Ok(stored),
                    Freshness::Expiring => {
                        // Within a remembered failure's back-off, not even a process is started.
                        if self.remembered_failure(&wanted.key).is_none() {
                            refresh::in_background(wanted);
                        }
                        return Ok(stored);
                    }
                    Freshness::Expired => {
                        log(Level::Debug, || {
                            format!("fetching: the token for {} expired", wanted.key.describe())
                        });
                    }
                }
            }
        }
        self.fetch(wanted, deadline, asked)
            .map(|(s, _)| s)
            .map_err(|e| e.error)
    }

    /// Fetches and stores a new token for `wanted`, once across all processes: whoever holds
    /// the entry's lock fetches, the others wait for it and use what it stored.
    pub fn fetch(
        &mut self,
        wanted: &Wanted,
        deadline: Instant,
        asked: Asked,
    ) -> std::result::Result<(Stored, Backend), FetchError> {
        let key = &wanted.key;
        let began = crate::clock::now();
        let began_millis = crate::clock::now_millis();
        let _held = self.lock_entry(key, deadline)?;
        // Whoever held the lock before us may have stored a fresh token.
        self.index = Index::load(self.state_dir.clone());
        if let Some((stored, backend)) = self.lookup(key).stored {
            let fetched_meanwhile = stored.issued > began;
            let fresh = self.freshness(&stored) == Freshness::Fresh;
            if fetched_meanwhile || (fresh && asked != Asked::Forced) {
                log(Level::Debug, || {
                    format!(
                        "{} was fetched meanwhile by another process",
                        key.describe()
                    )
                });
                return Ok((stored, backend));
            }
        }
        if asked == Asked::Unasked {
            if let Some(failure) = self.remembered_failure(key) {
                let mut e = failure_error(failure);
                e.message = format!(
                    "{} (remembered from {} ago)",
                    e.message,
                    ago(crate::clock::now() - failure.at)
                );
                return Err(e.into());
            }
        } else {
            self.forget_logout(key);
        }
        if let Err(store::Unavailable(why)) = self.stores.check_writable() {
            let e = Error::new(Exit::Runtime, format!("cannot store a token: {why}"))
                .with_hint(self.stores.store_hint());
            self.remember_failure(key, &e, Some(self.stores.choice()));
            return Err(e.into());
        }
        let within = deadline.saturating_duration_since(Instant::now());
        log(Level::Debug, || {
            format!(
                "asking AWS for a token for {} lasting {} s (deadline in {} ms)",
                key.describe(),
                wanted.duration,
                within.as_millis()
            )
        });
        let fetched = self
            .provider
            .fetch(key, wanted.duration, within, self.terminal);
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => {
                self.remember_failure(key, &e.error, None);
                return Err(e);
            }
        };
        // A logout while this refresh waited or fetched: what it would store is unwanted.
        if asked == Asked::Unasked {
            self.index = Index::load(self.state_dir.clone());
            if self.logged_out(key).is_some_and(|at| at >= began_millis) {
                return Err(Error::new(
                    Exit::Runtime,
                    format!("{} was logged out meanwhile", key.describe()),
                )
                .into());
            }
        }
        let stored = Stored {
            token: fetched.token,
            issued: crate::clock::now(),
            expires: fetched.expires,
        };
        let backend = match self.stores.put(key, &stored) {
            Ok(b) => b,
            Err(store::Unavailable(why)) => {
                let e = Error::new(
                    Exit::Runtime,
                    format!("cannot store the token for {}: {why}", key.describe()),
                )
                .with_hint(self.stores.store_hint());
                self.remember_failure(key, &e, Some(self.stores.choice()));
                return Err(e.into());
            }
        };
        log(Level::Info, || {
            format!(
                "stored a token for {} in {}, expiring {}",
                key.describe(),
                backend.as_str(),
                crate::clock::rfc3339(stored.expires)
            )
        });
        let recorded = self.index.update(key, |r| {
            r.store = Some(backend.as_str().to_string());
            r.issued = Some(stored.issued);
            r.expires = Some(stored.expires);
            r.failure = None;
            r.logged_out = None;
        });
        // Unrecorded, the token cannot be found again (the index says which store holds it):
        // every later command would fetch anew.
        if let (Err(e), Some(dir)) = (recorded, &self.state_dir) {
            return Err(crate::error::cannot_write(&dir.index(), &e).into());
        }
        Ok((stored, backend))
    }

    /// Takes `key`'s lock, waiting for another process's fetch until `deadline` at most. A state
    /// directory that cannot hold the lock (a read-only HOME) does not stop the fetch: it only
    /// loses the once-at-a-time guarantee.
    fn lock_entry(
        &self,
        key: &Key,
        deadline: Instant,
    ) -> std::result::Result<Option<lock::Held>, FetchError> {
        let Some(dir) = &self.state_dir else {
            return Ok(None);
        };
        let path = dir.entry_lock(&key.file_stem());
        match lock::acquire(&path, deadline) {
            Ok(lock::Waited::Held(held)) => Ok(Some(held)),
            Ok(lock::Waited::TimedOut) => Err(Error::new(
                Exit::Deadline,
                format!(
                    "another ca-env was still fetching the token for {} at the deadline",
                    key.describe()
                ),
            )
            .into()),
            Err(e) => {
                log(Level::Warn, || {
                    format!(
                        "fetching without the entry lock: {}",
                        crate::error::io_reason(&e)
                    )
                });
                Ok(None)
            }
        }
    }

    /// `store`: the store chosen, when the failure was storing the token.
    fn remember_failure(&mut self, key: &Key, error: &Error, store: Option<&str>) {
        let reason = error.message.clone();
        let hint = error.hint.clone();
        let store = store.map(str::to_string);
        let _ = self.index.update(key, |r| {
            let count = r.failure.as_ref().map_or(0, |f| f.count);
            r.failure = Some(index::Failure {
                at: crate::clock::now(),
                count: count.saturating_add(1),
                reason,
                hint,
                store,
            });
        });
    }

    /// Removes `key` from every backend that may hold it; true when one did.
    pub fn remove(&mut self, key: &Key) -> Result<bool> {
        let recorded = self.index.get(key).and_then(index::Record::backend);
        let mut backends: Vec<Backend> = self.stores.backends();
        if let Some(b) = recorded {
            backends.retain(|x| *x != b);
            backends.insert(0, b);
        }
        let mut removed = false;
        for backend in backends {
            match self.stores.delete(key, backend) {
                Ok(found) => removed |= found,
                // A backend that is merely absent here cannot hold the entry; the one the
                // index names failing means the token is still there.
                Err(store::Unavailable(why)) if Some(backend) == recorded => {
                    return Err(Error::new(
                        Exit::Runtime,
                        format!(
                            "cannot remove the token for {} from {}: {why}",
                            key.describe(),
                            backend.as_str()
                        ),
                    ));
                }
                Err(_) => {}
            }
        }
        self.index
            .update(key, |r| {
                r.store = None;
                r.issued = None;
                r.expires = None;
                r.failure = None;
                r.logged_out = Some(crate::clock::now_millis());
            })
            .map_err(|e| match &self.state_dir {
                Some(dir) => crate::error::cannot_write(&dir.index(), &e),
                None => Error::new(Exit::Runtime, format!("cannot record the logout: {e}")),
            })?;
        Ok(removed)
    }

    /// Every entry the index knows of.
    pub fn known_keys(&self) -> Vec<Key> {
        self.index.records().map(index::Record::key).collect()
    }

    /// File-store entries no index line names (an index lost or from an older run).
    pub fn stray_files(&self) -> Vec<PathBuf> {
        self.stores.file_entries()
    }

    /// When `key`'s stored token expires, as the index says (no store is opened).
    pub fn indexed_expiry(&self, key: &Key) -> Option<i64> {
        let record = self.index.get(key)?;
        record.store.as_ref().and(record.expires)
    }

    /// The remembered failure for `key`, if its back-off has not passed. One recorded in the
    /// future (under a clock that was ahead and has been put right) is not: it would otherwise
    /// stop refreshes for as long as the clock was off, not at most the back-off.
    pub fn remembered_failure(&self, key: &Key) -> Option<&index::Failure> {
        let f = self.index.get(key)?.failure.as_ref()?;
        let now = crate::clock::now();
        let same_store = f.store.as_deref().is_none_or(|s| s == self.stores.choice());
        (same_store && f.at <= now && now < f.retry_at()).then_some(f)
    }
}

/// A remembered failure as the command that met it said it: the same cause and hint, for the
/// hook and the background refresh to repeat.
pub fn failure_error(f: &index::Failure) -> Error {
    Error::new(Exit::Runtime, f.reason.clone()).with_hint(
        f.hint
            .clone()
            .unwrap_or_else(|| "run 'ca-env login'".into()),
    )
}

/// Why a fetch that ended stored nothing and left no failure behind: most likely the state
/// directory cannot be written (then the failure could not be recorded either), which a small
/// write tells.
pub fn nothing_stored(key: &Key, state_dir: Option<&StateDir>) -> Error {
    if let Some(dir) = state_dir {
        let probe = dir.probe();
        let written = crate::state::write_atomic(&probe, b"probe");
        let _ = std::fs::remove_file(&probe);
        if let Err(e) = written {
            let mut err = crate::error::cannot_write(dir, &e);
            err.message = format!("no token for {}: {}", key.describe(), err.message);
            return err;
        }
    }
    let log = state_dir.map_or("refresh.log".into(), |d| {
        d.refresh_log().display().to_string()
    });
    Error::new(
        Exit::Runtime,
        format!("no token for {}: the fetch stored nothing", key.describe()),
    )
    .with_hint(format!("{log} says why; 'ca-env login' tries again"))
}

fn ago(seconds: i64) -> String {
    match seconds {
        s if s < 90 => format!("{} s", s.max(0)),
        s => format!("{} min", s / 60),
    }
}

/// How long `fetch` may wait, from a number of seconds in the configuration.
pub fn deadline_in(seconds: Seconds) -> Instant {
    Instant::now() + Duration::from_secs(seconds.max(1))
}

/// The token the user set in `CODEARTIFACT_AUTH_TOKEN` (CI does): used as it is, with no AWS
/// call and nothing stored. Set but not a token is an error rather than a silent fetch.
pub fn from_environment(env: &Env) -> Result<Option<Secret>> {
    match env
        .var(crate::tools::registry::CODEARTIFACT_AUTH_TOKEN)
        .filter(|v| !v.is_empty())
    {
        None => Ok(None),
        Some(text) => Secret::token(text).map(Some).ok_or_else(|| {
            Error::new(
                Exit::Input,
                "CODEARTIFACT_AUTH_TOKEN is set but does not hold a token",
            )
            .with_hint("unset it to let ca-env fetch one")
        }),
    }
}
