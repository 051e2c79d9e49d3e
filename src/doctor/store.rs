//! Where tokens go and ca-env's own files: the store `auto` picks now and why (a locked
//! keyring is a failure: tokens stored there cannot be read until it is unlocked), the state
//! directory's permissions, and what the configuration file holds that cannot be used.

use super::{Check, Context};
use crate::token::store::{Backend, Stores, Unavailable};

const GROUP: &str = "store";

pub fn check(cx: &Context, out: &mut Vec<Check>) {
    out.push(store(cx));
    out.extend(state_dir(cx));
    out.extend(configuration(cx));
}

fn store(cx: &Context) -> Check {
    let stores = match Stores::new(cx.env, false) {
        Ok(stores) => stores,
        Err(e) => {
            return Check::fail(
                GROUP,
                "store",
                e.message,
                "unset CA_ENV_STORE, or set it to auto, keyring, keyutils or file",
            )
        }
    };
    if let Some(only) = stores.chosen() {
        return match stores.probe(only) {
            Ok(()) => Check::ok(
                GROUP,
                "store",
                format!("tokens go to {} (CA_ENV_STORE)", only.as_str()),
            ),
            Err(Unavailable(why)) => Check::fail(
                GROUP,
                "store",
                format!(
                    "{} (CA_ENV_STORE) cannot take a token: {why}",
                    only.as_str()
                ),
                stores.store_hint(),
            ),
        };
    }
    let mut passed: Vec<(Backend, Unavailable)> = Vec::new();
    let mut picked = None;
    for backend in Backend::ALL {
        match stores.probe(backend) {
            Ok(()) => {
                picked = Some(backend);
                break;
            }
            Err(why) => passed.push((backend, why)),
        }
    }
    let why: Vec<String> = passed
        .iter()
        .map(|(b, Unavailable(why))| {
            // The probe's own prefix names the store already.
            let why = why
                .strip_prefix(&format!("{}: ", b.as_str()))
                .unwrap_or(why);
            format!("not {}: {why}", b.as_str())
        })
        .collect();
    let Some(picked) = picked else {
        return Check::fail(
            GROUP,
            "store",
            format!("no store takes a token ({})", why.join("; ")),
            stores.store_hint(),
        );
    };
    if let Some((_, locked)) = passed
        .iter()
        .find(|(b, why)| *b == Backend::Keyring && why.is_locked())
    {
        return Check::fail(
            GROUP,
            "store",
            format!(
                "the keyring is locked: auto stores new tokens in {} until it is unlocked, and tokens already in the keyring cannot be read ({})",
                picked.as_str(),
                locked.0
            ),
            "unlock the keyring (your desktop's keyring, or 'ca-env login' on a terminal, which may ask)",
        );
    }
    let because = if why.is_empty() {
        "the first it tries".to_string()
    } else {
        why.join("; ")
    };
    Check::ok(
        GROUP,
        "store",
        format!("auto stores tokens in {} ({because})", name(picked)),
    )
}

fn name(b: Backend) -> &'static str {
    match b {
        Backend::Keyring => "the keyring",
        Backend::Keyutils => "keyutils",
        Backend::File => "the file store",
    }
}

/// `$XDG_STATE_HOME/ca-env`: this user's, not open to others (nor its token files and the
/// key of the shell state's hashes), writable.
fn state_dir(cx: &Context) -> Vec<Check> {
    let Some(dir) = crate::state::dir(cx.env) else {
        return vec![Check::fail(
            GROUP,
            "state-dir",
            "no state directory: neither XDG_STATE_HOME nor HOME is set",
            "set HOME (or XDG_STATE_HOME)",
        )];
    };
    let shown = cx.shown(&dir);
    let Ok(meta) = std::fs::symlink_metadata(&*dir) else {
        return vec![Check::ok(
            GROUP,
            "state-dir",
            format!(
                "state directory {shown}: not made yet (ca-env makes it, private, at first use)"
            ),
        )];
    };
    if !meta.is_dir() {
        return vec![Check::fail(
            GROUP,
            "state-dir",
            format!("{shown} is not a directory (a symlink?): ca-env refuses to keep tokens there"),
            format!("remove {shown}; ca-env makes it again"),
        )];
    }
    let checks = private(cx, &dir, &meta);
    if !checks.is_empty() {
        return checks;
    }
    vec![Check::ok(
        GROUP,
        "state-dir",
        format!("state directory {shown}: yours, private and writable"),
    )]
}

/// What is wrong with the state directory's owner, modes (its token files' and the shell
/// key's too) and writability.
#[cfg(unix)]
fn private(cx: &Context, dir: &crate::state::StateDir, meta: &std::fs::Metadata) -> Vec<Check> {
    use std::os::unix::fs::MetadataExt;
    let shown = cx.shown(dir);
    // SAFETY: geteuid cannot fail.
    if meta.uid() != unsafe { libc::geteuid() } {
        return vec![Check::fail(
            GROUP,
            "state-dir",
            format!("{shown} belongs to another user"),
            format!("remove {shown}, or set XDG_STATE_HOME to a directory of yours"),
        )];
    }
    let mut checks = Vec::new();
    let mut paths = vec![
        (dir.to_path_buf(), true),
        (dir.secrets(), true),
        (dir.shell_key(), false),
    ];
    if let Ok(entries) = std::fs::read_dir(dir.secrets()) {
        paths.extend(entries.flatten().map(|e| (e.path(), false)));
    }
    for (path, is_dir) in paths {
        let Ok(m) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let mode = m.mode() & 0o777;
        if mode & 0o077 != 0 {
            let want = if is_dir { "700" } else { "600" };
            checks.push(
                Check::fail(
                    GROUP,
                    "state-dir",
                    format!("{} is open to others (mode {mode:o})", cx.shown(&path)),
                    format!("chmod {want} {}", cx.shown(&path)),
                )
                .at(Some(path), None),
            );
        }
    }
    let path = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).ok();
    // SAFETY: access(2) reads a NUL-terminated path we own.
    let writable = path.is_some_and(|p| unsafe { libc::access(p.as_ptr(), libc::W_OK) } == 0);
    if !writable {
        checks.push(Check::fail(
            GROUP,
            "state-dir",
            format!("{shown} is not writable: no token, trust or renewal can be recorded"),
            crate::error::write_hint(dir, std::io::ErrorKind::PermissionDenied).unwrap_or_default(),
        ));
    }
    checks
}

#[cfg(not(unix))]
fn private(_: &Context, _: &crate::state::StateDir, _: &std::fs::Metadata) -> Vec<Check> {
    Vec::new()
}

/// What ca-env's configuration (and keyringrc.cfg, read while there is none) holds that cannot
/// be used, each at its file and line.
fn configuration(cx: &Context) -> Vec<Check> {
    let problems = &cx.config.problems;
    if problems.is_empty() {
        return vec![Check::ok(
            GROUP,
            "config",
            match &cx.config.file {
                Some(file) => format!("configuration {} read without problems", cx.shown(file)),
                None => "no configuration file: the built-in defaults".to_string(),
            },
        )];
    }
    problems
        .iter()
        .map(|p| {
            let at = match (&p.file, p.line) {
                (Some(f), Some(l)) => format!("{}: ", cx.shown_at(f, l)),
                (Some(f), None) => format!("{}: ", cx.shown(f)),
                _ => String::new(),
            };
            Check::fail(
                GROUP,
                "config",
                format!("{at}{}", crate::output::printable(&p.what)),
                "fix that line: until then ca-env uses the default for it",
            )
            .at(p.file.clone(), p.line)
        })
        .collect()
}
