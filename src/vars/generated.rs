//! What the files ca-env generates for tools share (the netrc copy, the npm configuration):
//! reading the user's own file they copy, and storing the result in the first of the generated
//! directories that takes it, named by a hash of what it is for, so that the name stays the
//! same when the tokens in it are renewed.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What a writer did.
#[derive(Debug, Default)]
pub struct Written {
    /// The file to point the tool's variable at, when a source wants one.
    pub path: Option<PathBuf>,
    /// Why the user's own file is not in it, or why there is none (the user's file named by
    /// path, never its text).
    pub problem: Option<String>,
    /// The user's own file, when there is one: its edits change the generated file.
    pub user: Option<PathBuf>,
}

/// A user file larger than this is left out (a netrc or an npmrc is a few lines).
const MAX_USER_FILE: u64 = 256 * 1024;

/// The user's file as text; empty when there is no such file. Opened without blocking, so a
/// FIFO there never holds the hook.
fn read_user(path: &Path) -> Result<String, String> {
    use crate::state::{read_regular, Unreadable};
    let bytes = match read_regular(path, MAX_USER_FILE) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(String::new()),
        Err(Unreadable::NotRegular) => return Err("not a regular file".into()),
        Err(Unreadable::TooLarge) => return Err("larger than 256 KiB".into()),
        Err(Unreadable::Io(e)) => {
            return Err(format!("cannot read: {}", crate::error::io_reason(&e)))
        }
    };
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".into())
}

/// One kind of generated file: its extension, its name in errors (`the netrc file`), and what
/// a problem with the user's own file costs (`its entries are not in the netrc file ca-env
/// gives pip`).
pub struct Kind {
    pub extension: &'static str,
    pub what: &'static str,
    pub left_out: &'static str,
}

/// Appends the user's own file (`user`, read and passed through `keep`, which drops what ca-env
/// writes itself) to `text`, its path to `name`, and stores the result ([`store`]). A user file
/// that cannot be read or kept is left out, and `problem` says why.
pub fn finish(
    dirs: &[PathBuf],
    mut name: Sha256,
    mut text: String,
    user: Option<PathBuf>,
    keep: impl Fn(&str) -> Result<String, String>,
    kind: &Kind,
) -> Result<Written, String> {
    let mut problem = None;
    if let Some(user) = &user {
        name.update(user.as_os_str().as_encoded_bytes());
        match read_user(user).and_then(|t| keep(&t)) {
            Ok(kept) => {
                text.push_str(&kept);
                if !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            Err(why) => problem = Some(format!("{}: {why}; {}", user.display(), kind.left_out)),
        }
    }
    let path = store(dirs, name, kind.extension, &text, kind.what)?;
    Ok(Written {
        path: Some(path),
        problem,
        user: user.filter(|p| p.exists()),
    })
}

/// Stores `text` as `<hash of name>.<extension>` in the first of `dirs` that takes it,
/// rewriting it only when it changed; `what` names it in the error (`the netrc file`).
fn store(
    dirs: &[PathBuf],
    name: Sha256,
    extension: &str,
    text: &str,
    what: &str,
) -> Result<PathBuf, String> {
    let digest = name.finalize();
    let stem: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let mut failed = format!("no directory for {what}");
    for dir in dirs {
        let path = dir.join(format!("{stem}.{extension}"));
        let current = std::fs::read(&path).unwrap_or_default();
        let stored = if current == text.as_bytes() {
            Ok(())
        } else {
            crate::state::write_atomic(&path, text.as_bytes())
        };
        match stored {
            Ok(()) => return Ok(path),
            Err(e) => {
                failed = format!(
                    "cannot write {what} in {}: {}",
                    dir.display(),
                    crate::error::io_reason(&e)
                )
            }
        }
    }
    Err(failed)
}
