//! What a shell remembers between prompts, in `__CA_ENV_STATE`, and the diff that moves it from
//! one project to the next (DESIGN §6, §7).
//!
//! For each variable ca-env set it keeps the name, a keyed hash of the value it set, and the
//! value the user had before (if any). The hash is an HMAC under a random key kept in the state
//! directory, so the state never holds a token nor a plain hash of one, yet ca-env can tell
//! whether the value is still the one it set: a variable the user changed is theirs from then
//! on, kept as they left it; one that is still ours gets the user's earlier value back when
//! ca-env stops managing it.

use std::path::Path;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::env::Env;
use crate::secret::Secret;
use crate::shell::Change;
use crate::state::StateDir;
use crate::vars::Plan;

pub use crate::tools::registry::CA_ENV_STATE as STATE_VAR;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct State {
    pub v: u32,
    /// `$PWD` and `AWS_PROFILE` at the last export: either changing means another look.
    pub dir: String,
    #[serde(default)]
    pub profile: String,
    /// Unix time at which the tokens need another look (renewal, a back-off ending).
    pub deadline: i64,
    /// For a shell that reads no clock (fish): a reference file dated at the deadline, and a
    /// file it empties at each prompt, whose date is then now, to compare with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Each watched file with a reference file dated as the file was at the last export: a file
    /// whose time differs from its reference's, either way, changed since.
    #[serde(default)]
    pub watched: Vec<(String, String)>,
    /// Each watched directory with its reference: one newer than it changed since (a
    /// directory's time only moves forward as entries come and go, so one test is enough).
    #[serde(default)]
    pub dirs: Vec<(String, String)>,
    /// The project root, when there was one.
    #[serde(default)]
    pub root: Option<String>,
    /// When the shell entered that project (Unix milliseconds): a `ca-env logout` after it
    /// holds in this shell.
    #[serde(default)]
    pub entered: i64,
    #[serde(default)]
    pub vars: Vec<Managed>,
    /// Messages already shown in this project, as short hashes, so each is said once.
    #[serde(default)]
    pub said: Vec<String>,
    /// Variables the user changed in this project after ca-env set them: theirs until they
    /// leave it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<String>,
}

/// A variable ca-env set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Managed {
    pub name: String,
    pub mac: String,
    /// The user's value before ca-env set it; absent when it was unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

impl State {
    /// What the hooks compare in the shell.
    pub fn fast_path(&self) -> crate::shell::FastPath<'_> {
        crate::shell::FastPath {
            dir: &self.dir,
            profile: &self.profile,
            deadline: self.deadline,
            deadline_file: self.deadline_file.as_deref(),
            clock: self.clock.as_deref(),
            watched: &self.watched,
            dirs: &self.dirs,
        }
    }
}

/// Watched paths, each with its reference file.
pub type Watched = Vec<(String, String)>;

/// The state's format. Version 1 kept one reference file for all watched paths; its variables
/// are still given back, but it is never current.
pub const VERSION: u32 = 2;

impl State {
    /// The state the shell passed in, if any and readable.
    pub fn from_env(env: &Env) -> Option<State> {
        let text = env.var(STATE_VAR)?;
        serde_json::from_str::<State>(&text)
            .ok()
            .filter(|s| s.v == 1 || s.v == VERSION)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("the state serialises")
    }

    /// Whether nothing this state depends on changed: same directory and profile, deadline not
    /// reached, each watched file dated exactly as its reference file, and no watched directory
    /// newer than its own. The same test the hooks make in the shell (and fish's deadline file
    /// and clock, when there are, still there for it to read).
    pub fn still_current(&self, env: &Env, now: i64) -> bool {
        let here = env.var(crate::tools::registry::PWD).unwrap_or_default();
        let profile = env
            .var(crate::tools::registry::AWS_PROFILE)
            .unwrap_or_default();
        if self.v != VERSION || self.dir != here || self.profile != profile || now >= self.deadline
        {
            return false;
        }
        let modified = |p: &str| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let files = self.watched.iter().all(|(path, reference)| {
            let time = modified(path);
            time.is_some() && time == modified(reference)
        });
        files
            && self.dirs.iter().all(|(path, reference)| {
                matches!((modified(path), modified(reference)), (Some(t), Some(r)) if t <= r)
            })
            && [&self.deadline_file, &self.clock]
                .into_iter()
                .flatten()
                .all(|f| modified(f).is_some())
    }
}

/// The key for the hashes of managed values: 32 random bytes in a 0600 file of the state
/// directory, made on first use.
pub struct MacKey([u8; 32]);

impl MacKey {
    /// The key, made now if there is none yet.
    pub fn load(state_dir: &StateDir) -> std::io::Result<MacKey> {
        if let Some(key) = MacKey::read(state_dir) {
            return Ok(key);
        }
        let mut key = [0u8; 32];
        getrandom::getrandom(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
        crate::state::write_atomic(&state_dir.shell_key(), &key)?;
        Ok(MacKey(key))
    }

    /// The key, if one was made (no key: nothing was ever set by a hook here).
    pub fn read(state_dir: &StateDir) -> Option<MacKey> {
        let bytes = std::fs::read(state_dir.shell_key()).ok()?;
        <[u8; 32]>::try_from(bytes.as_slice()).ok().map(MacKey)
    }

    pub fn mac(&self, name: &str, value: &str) -> String {
        let mut m = <Hmac<Sha256>>::new_from_slice(&self.0).expect("any key length works");
        m.update(name.as_bytes());
        m.update(&[0]);
        m.update(value.as_bytes());
        let bytes = m.finalize().into_bytes();
        bytes[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The user's own environment: `raw` with each variable still holding the value ca-env set
/// given back the user's earlier value. Also returns those variables (the ones still ours);
/// a variable whose value changed since is the user's and is left alone.
pub fn user_env(raw: &Env, state: Option<&State>, key: Option<&MacKey>) -> (Env, Vec<Managed>) {
    let mut env = raw.clone();
    env.put(STATE_VAR, None);
    let (Some(state), Some(key)) = (state, key) else {
        return (env, Vec::new());
    };
    let mut ours = Vec::new();
    for m in &state.vars {
        let unchanged = raw
            .var(&m.name)
            .is_some_and(|v| key.mac(&m.name, &v) == m.mac);
        if unchanged {
            env.put(&m.name, m.prev.as_deref());
            ours.push(m.clone());
        }
    }
    (env, ours)
}

/// The user's environment for a command run from a shell with the hook: what `token`,
/// `status`, `exec` and the others must see (not the hook's own `CODEARTIFACT_AUTH_TOKEN`, say).
pub fn user_env_of(raw: &Env) -> Env {
    let state = State::from_env(raw);
    let key = state
        .as_ref()
        .and_then(|_| crate::state::dir(raw))
        .and_then(|d| MacKey::read(&d));
    user_env(raw, state.as_ref(), key.as_ref()).0
}

/// The changes that take a shell from `raw` (with `ours` still set by ca-env) to `plan`, and
/// the variables ca-env manages afterwards. A variable of the plan the user had set is
/// remembered with its value; one ca-env stops setting gets that value back, or is unset.
///
/// `key` may be missing only when the plan is empty (nothing new is set then).
pub fn diff(
    raw: &Env,
    ours: &[Managed],
    plan: &Plan,
    key: Option<&MacKey>,
) -> (Vec<Change>, Vec<Managed>) {
    let mut changes = Vec::new();
    let mut managed = Vec::new();
    // Room left for earlier values in the state (those already kept always stay).
    let mut room = PREV_ROOM.saturating_sub(
        ours.iter()
            .filter(|m| plan.get(&m.name).is_some())
            .map(|m| escaped_len(m.prev.as_deref()))
            .sum(),
    );
    for (name, value) in plan.iter() {
        let prev = match ours.iter().find(|m| m.name == name) {
            Some(m) => m.prev.clone(),
            // A value that is not UTF-8 could not be given back exactly: leave it alone.
            None if raw.is_set(name) && raw.var(name).is_none() => continue,
            // Already the user's own value (their CODEARTIFACT_AUTH_TOKEN, say): nothing to
            // set, nothing to give back.
            None if raw.var(name).as_deref() == Some(value.expose()) => continue,
            // Too long to keep in the state: leave it alone too (see PREV_ROOM).
            None if escaped_len(raw.var(name).as_deref()) > room => continue,
            None => {
                let prev = raw.var(name);
                room -= escaped_len(prev.as_deref());
                prev
            }
        };
        if raw.var(name).as_deref() != Some(value.expose()) {
            changes.push(Change {
                name: name.to_string(),
                value: Some(value.clone()),
            });
        }
        let Some(key) = key else {
            continue;
        };
        managed.push(Managed {
            name: name.to_string(),
            mac: key.mac(name, value.expose()),
            prev,
        });
    }
    for m in ours.iter().filter(|m| plan.get(&m.name).is_none()) {
        if raw.var(&m.name) != m.prev {
            changes.push(Change {
                name: m.name.clone(),
                value: m.prev.as_deref().map(Secret::plain),
            });
        }
    }
    (changes, managed)
}

/// How many bytes the earlier values may take in the exported state, JSON-escaped, all together.
/// The kernel refuses an environment string over 128 KiB (E2BIG): a state past that would make
/// every command the shell runs fail. A variable whose earlier value does not fit is left as the
/// user set it, which loses nothing.
const PREV_ROOM: usize = 64 * 1024;

fn escaped_len(prev: Option<&str>) -> usize {
    prev.map_or(0, |p| {
        serde_json::to_string(p).map_or(usize::MAX, |s| s.len())
    })
}

/// A short, stable name for a message, so the state can say it was shown.
pub fn message_id(message: &str) -> String {
    use sha2::Digest;
    let d = Sha256::digest(message.as_bytes());
    d[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The clock fish's hook empties at each prompt to learn the time (see
/// [`crate::state::clock_files`]): the first that can be made. Made before the reference
/// files, so that making it is no change the next prompt sees.
pub fn clock_file(env: &Env) -> Option<String> {
    crate::state::clock_files(env).into_iter().find_map(|f| {
        crate::state::private_dir(f.parent()?).ok()?;
        let mut open = std::fs::OpenOptions::new();
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        open.create(true).append(true).open(&f).ok()?;
        f.to_str().map(str::to_string)
    })
}

/// The reference files of one export: each watched path that exists with its own, and, when
/// asked for, the one dated at the deadline.
#[derive(Debug, Default)]
pub struct References {
    pub files: Watched,
    /// Watched directories (see [`State::dirs`]).
    pub dirs: Watched,
    pub deadline: Option<String>,
}

/// Each of `paths` that exists, with a reference file dated as the path is now: one file per
/// such time, named after it, shared by every shell and path. A path dated otherwise than its
/// reference changed after the export looked: edited (newer), or replaced by an older file
/// (`cp -p`, `mv`, `tar x`, `rsync -a`), which a single "newer than" test would miss. Shells
/// compare nanoseconds. Files unused for a day are removed; a shell whose reference is gone
/// exports again (bash and fish at once; zsh's tests are false for a missing file, so at its
/// deadline, within the hour).
///
/// With `deadline` (Unix seconds), also a reference file dated then, for a shell that reads no
/// clock (fish), which compares it with a file it empties at each prompt. It goes a day after
/// it was made, long after the deadline (at most an hour ahead).
pub fn reference_files(
    state_dir: &StateDir,
    paths: &[String],
    deadline: Option<i64>,
) -> std::io::Result<References> {
    let dir = state_dir.references();
    // First, so that making the folder is not a change the next prompt sees.
    crate::state::private_dir(&dir)?;
    let mut out = References::default();
    let mut made = false;
    for p in paths {
        let Ok(meta) = std::fs::metadata(p) else {
            continue;
        };
        let Ok(time) = meta.modified() else {
            continue;
        };
        let (reference, new) = reference_file(&dir, time)?;
        made |= new;
        let pair = (p.clone(), reference);
        if meta.is_dir() {
            out.dirs.push(pair);
        } else {
            out.files.push(pair);
        }
    }
    if let Some(d) = deadline {
        let time = std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(u64::try_from(d).unwrap_or_default());
        let (reference, new) = reference_file(&dir, time)?;
        made |= new;
        out.deadline = Some(reference);
    }
    if made {
        let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        for e in std::fs::read_dir(&dir)?.flatten() {
            let used = e.metadata().and_then(|m| m.accessed().or(m.modified()));
            let current = out
                .files
                .iter()
                .chain(&out.dirs)
                .map(|(_, r)| r)
                .chain(&out.deadline)
                .any(|r| Path::new(r) == e.path());
            if used.is_ok_and(|t| t < day_ago) && !current {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(out)
}

/// The reference file dated `time` in `dir` (the references directory), made if missing;
/// true when it was made.
fn reference_file(dir: &Path, time: std::time::SystemTime) -> std::io::Result<(String, bool)> {
    let since = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let reference = dir.join(format!("{}.{:09}", since.as_secs(), since.subsec_nanos()));
    let dated = std::fs::metadata(&reference)
        .and_then(|m| m.modified())
        .ok();
    if dated != Some(time) {
        let file = std::fs::File::create(&reference)?;
        file.set_modified(time)?;
    }
    let name = reference.to_string_lossy().into_owned();
    Ok((name, dated != Some(time)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MacKey {
        MacKey([7; 32])
    }

    fn plan(pairs: &[(&str, &str)]) -> Plan {
        let mut p = Plan::default();
        for (n, v) in pairs {
            p.add(n, Secret::plain(*v));
        }
        p
    }

    fn apply(env: &mut Env, changes: &[Change]) {
        for c in changes {
            env.put(&c.name, c.value.as_ref().map(Secret::expose));
        }
    }

    fn state(vars: Vec<Managed>) -> State {
        State {
            v: 1,
            vars,
            ..State::default()
        }
    }

    #[test]
    fn entering_and_leaving_gives_back_set_empty_and_unset() {
        let start = Env::from_pairs(&[("A", "mine"), ("B", "")], None);
        let p = plan(&[("A", "tok"), ("B", "tok"), ("C", "tok")]);
        let (changes, managed) = diff(&start, &[], &p, Some(&key()));
        assert_eq!(changes.len(), 3);
        let mut env = start.clone();
        apply(&mut env, &changes);
        assert_eq!(env.var("A").as_deref(), Some("tok"));

        let s = state(managed);
        let (user, ours) = user_env(&env, Some(&s), Some(&key()));
        assert_eq!(user.var("A").as_deref(), Some("mine"));
        assert_eq!(user.var("B").as_deref(), Some(""));
        assert_eq!(user.var("C"), None);
        let (changes, managed) = diff(&env, &ours, &Plan::default(), Some(&key()));
        assert!(managed.is_empty());
        apply(&mut env, &changes);
        assert_eq!(env.var("A").as_deref(), Some("mine"));
        assert_eq!(env.var("B").as_deref(), Some(""));
        assert!(!env.is_set("C"));
    }

    #[test]
    fn a_value_the_user_changed_is_kept() {
        let start = Env::from_pairs(&[("A", "mine")], None);
        let (changes, managed) = diff(&start, &[], &plan(&[("A", "tok")]), Some(&key()));
        let mut env = start;
        apply(&mut env, &changes);
        env.put("A", Some("edited"));
        let s = state(managed);
        let (user, ours) = user_env(&env, Some(&s), Some(&key()));
        assert!(ours.is_empty());
        assert_eq!(user.var("A").as_deref(), Some("edited"));
        let (changes, _) = diff(&env, &ours, &Plan::default(), Some(&key()));
        assert!(changes.is_empty());
    }

    #[test]
    fn swapping_projects_keeps_the_first_earlier_value() {
        let start = Env::from_pairs(&[("A", "mine")], None);
        let (c1, m1) = diff(
            &start,
            &[],
            &plan(&[("A", "one"), ("X", "1")]),
            Some(&key()),
        );
        let mut env = start;
        apply(&mut env, &c1);
        let (_, ours) = user_env(&env, Some(&state(m1)), Some(&key()));
        let (c2, m2) = diff(
            &env,
            &ours,
            &plan(&[("A", "two"), ("Y", "2")]),
            Some(&key()),
        );
        apply(&mut env, &c2);
        assert_eq!(env.var("A").as_deref(), Some("two"));
        assert!(!env.is_set("X"));
        assert_eq!(env.var("Y").as_deref(), Some("2"));
        let a = m2.iter().find(|m| m.name == "A").unwrap();
        assert_eq!(a.prev.as_deref(), Some("mine"));
    }

    #[test]
    fn the_state_holds_no_value_ca_env_set() {
        let start = Env::from_pairs(&[], None);
        let (_, managed) = diff(&start, &[], &plan(&[("P", "s3cret-token")]), Some(&key()));
        let json = state(managed).to_json();
        assert!(!json.contains("s3cret"));
        let plain_hash: String = {
            use sha2::Digest;
            Sha256::digest(b"s3cret-token")
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert!(!json.contains(&plain_hash[..16]));
    }
}
