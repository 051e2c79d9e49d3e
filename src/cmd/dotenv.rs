//! `ca-env dotenv [-o FILE]`: the project's variables as a dotenv file, for docker compose build
//! args. `-` is standard output. A FIFO or a terminal (`/dev/stdout`, a pipe's `/proc/self/fd/1`)
//! is written through; a regular file or a new path is written whole through a 0600 temporary
//! file renamed over it, in the directory of the file a symlink leads to (a link the user keeps
//! stays a link); anything else is refused. An existing file holding lines ca-env did not
//! write (the user's own `.env`) is refused, a file git tracks is refused, and a file neither
//! git nor docker would leave out gets a warning.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::output;
use crate::vars::Plan;

/// Where the text goes.
enum Target {
    /// A FIFO or character device, opened for writing as it is.
    Through,
    /// A regular file or a new path (after symlinks), replaced by rename.
    Replace(PathBuf),
    /// A directory, socket or block device.
    Refused,
}

pub fn run(env: &Env, target: Option<&Path>) -> Result<()> {
    let plan = super::project_plan(env, crate::provider::Terminal::Detach)?;
    let text = render(&plan)?;
    let target = match target {
        Some(t) if t.as_os_str() != "-" => t,
        _ => return output::code(&text),
    };
    let target = match env.cwd() {
        Some(cwd) if target.is_relative() => cwd.join(target),
        _ => target.to_path_buf(),
    };
    let cannot = |e: &std::io::Error| {
        Error::new(
            Exit::Runtime,
            format!(
                "cannot write {}: {}",
                target.display(),
                crate::error::io_reason(e)
            ),
        )
    };
    let real = match kind(&target).map_err(|e| cannot(&e))? {
        Target::Through => return write_through(&target, &text).map_err(|e| cannot(&e)),
        Target::Replace(real) => real,
        Target::Refused => {
            return Err(Error::new(
                Exit::Input,
                format!(
                    "{} is not a regular file, FIFO or terminal; not written",
                    target.display()
                ),
            ))
        }
    };
    if tracked_by_git(&target) || (real != target && tracked_by_git(&real)) {
        return Err(Error::new(
            Exit::Input,
            format!("{} is tracked by git; not written", target.display()),
        )
        .with_hint("write the tokens to a file git ignores, e.g. .env.codeartifact"));
    }
    if !ours_to_replace(&real).map_err(|e| cannot(&e))? {
        return Err(Error::new(
            Exit::Input,
            format!(
                "{} holds settings ca-env did not write; not written",
                target.display()
            ),
        )
        .with_hint("write the tokens to another file, e.g. .env.codeartifact, and give docker compose both with --env-file"));
    }
    crate::state::replace_file(&real, text.as_bytes()).map_err(|e| cannot(&e))?;
    for warning in exposure(&target) {
        output::note(&warning);
    }
    Ok(())
}

/// What `path` is once symlinks are followed, and so how it is written; a directory, socket or
/// block device is refused.
#[cfg(unix)]
fn kind(path: &Path) -> std::io::Result<Target> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::metadata(path) {
        Ok(m) if m.file_type().is_fifo() || m.file_type().is_char_device() => Ok(Target::Through),
        Ok(m) if m.is_file() => Ok(Target::Replace(final_target(path)?)),
        Ok(_) => Ok(Target::Refused),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(Target::Replace(final_target(path)?))
        }
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn kind(path: &Path) -> std::io::Result<Target> {
    Ok(Target::Replace(final_target(path)?))
}

/// The path a chain of symlinks at `path` ends in (itself when it is none), existing or not.
fn final_target(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    // As many links as the kernel follows (MAXSYMLINKS).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Writes into a FIFO or device without creating or truncating anything.
fn write_through(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOCTTY);
    }
    let mut file = options.open(path)?;
    match file.write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// Whether the regular file at `path` (if any) is one ca-env wrote: every line empty or a
/// variable ca-env writes. Anything else is the user's, and replacing it would lose it.
fn ours_to_replace(path: &Path) -> std::io::Result<bool> {
    use crate::state::{read_regular, Unreadable};
    let bytes = match read_regular(path, 1024 * 1024) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(true),
        Err(Unreadable::NotRegular | Unreadable::TooLarge) => return Ok(false),
        Err(Unreadable::Io(e)) => return Err(e),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(false);
    };
    Ok(text.lines().all(|line| {
        line.trim().is_empty()
            || line
                .split_once('=')
                .is_some_and(|(name, _)| crate::tools::names::is_written(name))
    }))
}

/// `NAME=value` lines. Values are left bare when made of characters no dotenv reader treats
/// specially, else single-quoted (literal in docker compose and python-dotenv alike).
fn render(plan: &Plan) -> Result<String> {
    let mut out = String::new();
    for (name, value) in plan.iter() {
        let v = value.expose();
        let bare = v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/@%+=,".contains(&b));
        if bare {
            out.push_str(&format!("{name}={v}\n"));
        } else if !v.contains(['\'', '\n', '\r']) {
            out.push_str(&format!("{name}='{v}'\n"));
        } else {
            return Err(Error::new(
                Exit::Input,
                format!("the value of {name} cannot be written safely to a dotenv file"),
            ));
        }
    }
    Ok(out)
}

fn git(dir: &Path, args: &[&str]) -> Option<bool> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()
        .map(|s| s.success())
}

fn split(path: &Path) -> Option<(&Path, &std::ffi::OsStr)> {
    Some((path.parent()?, path.file_name()?))
}

fn tracked_by_git(path: &Path) -> bool {
    let Some((dir, name)) = split(path) else {
        return false;
    };
    let name = name.to_string_lossy();
    git(dir, &["ls-files", "--error-unmatch", "--", &name]) == Some(true)
}

/// Warnings for a token file that could leave the machine: in a git work tree that does not
/// ignore it, or beside a Dockerfile or .dockerignore that does not leave it out of the build
/// context.
fn exposure(path: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    let Some((dir, name)) = split(path) else {
        return warnings;
    };
    let name = name.to_string_lossy();
    if git(dir, &["rev-parse", "--is-inside-work-tree"]) == Some(true)
        && git(dir, &["check-ignore", "-q", "--", &name]) == Some(false)
    {
        warnings.push(format!(
            "{} holds tokens and git does not ignore it; hint: add it to .gitignore",
            path.display()
        ));
    }
    let dockerignore = dir.join(".dockerignore");
    let docker_here = dockerignore.exists() || dir.join("Dockerfile").exists();
    if docker_here && !docker_ignores(&dockerignore, &name) {
        warnings.push(format!(
            "{} holds tokens and .dockerignore does not leave it out of the build context; hint: add it to .dockerignore",
            path.display()
        ));
    }
    warnings
}

/// Whether a .dockerignore line matches `name` (a file in the context's top directory): the
/// last matching pattern wins, `!` re-includes, `*` and `?` match within a name.
fn docker_ignores(dockerignore: &Path, name: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(dockerignore) else {
        return false;
    };
    let mut ignored = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (negate, pattern) = match line.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, line),
        };
        let pattern = pattern.trim_start_matches("./").trim_start_matches('/');
        if glob(pattern.as_bytes(), name.as_bytes()) {
            ignored = !negate;
        }
    }
    ignored
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && s[0] != b'/' && glob(p, &s[1..])),
        (Some(b'?'), Some(c)) if *c != b'/' => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn values_are_bare_or_single_quoted() {
        let mut plan = Plan::default();
        plan.add("A", Secret::plain("https://aws:t.k-n@h/pypi/r/simple/"));
        plan.add("B", Secret::plain("tok$en`x"));
        assert_eq!(
            render(&plan).unwrap(),
            "A=https://aws:t.k-n@h/pypi/r/simple/\nB='tok$en`x'\n"
        );
        let mut bad = Plan::default();
        bad.add("C", Secret::plain("it's"));
        assert!(render(&bad).is_err());
    }

    #[test]
    fn dockerignore_patterns() {
        assert!(glob(b".env*", b".env.codeartifact"));
        assert!(glob(b"*.env", b"ca.env"));
        assert!(!glob(b"*.env", b"ca.envx"));
        assert!(glob(b"?a", b"ba"));
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(".dockerignore");
        std::fs::write(&f, "# tokens\n.env*\n!.env.keep\n").unwrap();
        assert!(docker_ignores(&f, ".env.codeartifact"));
        assert!(!docker_ignores(&f, ".env.keep"));
        assert!(!docker_ignores(&f, "other"));
    }
}
