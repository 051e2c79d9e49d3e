//! `ca-env dotenv [-o FILE]`: the project's variables as a dotenv file, for docker compose build
//! args. The file holds tokens, so it is written whole through a 0600 temporary file renamed
//! over the target (a symlink there is replaced, never written through), a file git tracks is
//! refused, and a file neither git nor docker would leave out gets a warning.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::output;
use crate::vars::Plan;

pub fn run(env: &Env, target: Option<&Path>) -> Result<()> {
    let plan = super::project_plan(env)?;
    let text = render(&plan)?;
    let Some(target) = target else {
        return output::code(&text);
    };
    let target = match env.cwd() {
        Some(cwd) if target.is_relative() => cwd.join(target),
        _ => target.to_path_buf(),
    };
    if tracked_by_git(&target) {
        return Err(Error::new(
            Exit::Input,
            format!("{} is tracked by git; not written", target.display()),
        )
        .with_hint("write the tokens to a file git ignores, e.g. .env.codeartifact"));
    }
    crate::state::replace_file(&target, text.as_bytes()).map_err(|e| {
        Error::new(
            Exit::Runtime,
            format!(
                "cannot write {}: {}",
                target.display(),
                crate::config::io_reason(&e)
            ),
        )
    })?;
    for warning in exposure(&target) {
        output::note(&warning);
    }
    Ok(())
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
    use crate::vars::Value;

    #[test]
    fn values_are_bare_or_single_quoted() {
        let mut plan = Plan::default();
        plan.add("A", Value::plain("https://aws:t.k-n@h/pypi/r/simple/"));
        plan.add("B", Value::plain("tok$en`x"));
        assert_eq!(
            render(&plan).unwrap(),
            "A=https://aws:t.k-n@h/pypi/r/simple/\nB='tok$en`x'\n"
        );
        let mut bad = Plan::default();
        bad.add("C", Value::plain("it's"));
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
