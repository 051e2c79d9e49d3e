//! Pull mode: `ca-env keyring get|install|uninstall`, and ca-env run as `keyring`. Tools
//! started where no hook set variables (an IDE's interpreter, `uv tool install`, pipx, a cron
//! job) ask a `keyring` program for credentials for exactly the URL they are about to fetch
//! (uv's and pip's subprocess keyring provider). ca-env answers as Python's keyring would, from
//! its own store: a trusted CodeArtifact repository or a mapped host gets its token, anything
//! else exit status 1 with nothing on stdout, so another credential source can answer. It never
//! prompts and waits for AWS at most `hook_deadline`.

use std::path::{Path, PathBuf};

use crate::cli::{KeyringAction, KeyringGet, KeyringMode, KeyringOutput};
use crate::codeartifact::url::{judge_request, Requested};
use crate::config::Config;
use crate::env::Env;
use crate::error::{io_reason, Error, Exit, Result};
use crate::output::{self, log, Level};
use crate::secret::Secret;
use crate::sources::Project;
use crate::token::{self, Wanted};
use crate::trust::{is_trusted, Allowed};

/// The program uv and pip run.
const LINK: &str = if cfg!(windows) {
    "keyring.exe"
} else {
    "keyring"
};

pub fn run(env: &Env, action: KeyringAction) -> Result<()> {
    match action {
        // Every answer that is not a token is status 1, as Python's keyring gives it: uv and
        // pip then go on without (or to another source), whatever the cause.
        KeyringAction::Get(get) => answer(env, &get).map_err(|e| Error {
            exit: Exit::Runtime,
            ..e
        }),
        KeyringAction::Install { dir } => install(env, dir.as_deref()),
        KeyringAction::Uninstall { dir } => uninstall(env, dir.as_deref()),
    }
}

/// Prints the token for what `get` names, in the form it asks for.
fn answer(env: &Env, get: &KeyringGet) -> Result<()> {
    let (config, allowed, project) = crate::sources::load(env);
    let Some(requested) = judge_request(&get.service, &config.mappings) else {
        log(Level::Debug, || {
            "keyring get: not a CodeArtifact repository or a mapped host; no answer".into()
        });
        // Nothing to say: another credential source may well answer for it.
        return Err(Error::new(Exit::Runtime, ""));
    };
    let wanted = wanted(env, &config, &allowed, &project, &requested)?;
    let token = match token::from_environment(env)? {
        Some(token) => token,
        None => crate::credentials::token_for_tool(env, &config, &wanted)?,
    };
    // The user name the repository's service takes (`aws` for CodeArtifact).
    let user = requested.repository.user_name();
    let text = Secret::plain(match (get.mode, get.output) {
        (KeyringMode::Password, KeyringOutput::Plain) => format!("{}\n", token.expose()),
        (KeyringMode::Creds, KeyringOutput::Plain) => {
            format!("{user}\n{}\n", token.expose())
        }
        (KeyringMode::Password, KeyringOutput::Json) => {
            format!("{}\n", serde_json::json!({ "password": token.expose() }))
        }
        (KeyringMode::Creds, KeyringOutput::Json) => format!(
            "{}\n",
            serde_json::json!({ "username": user, "password": token.expose() })
        ),
    });
    output::code(text.expose())
}

/// The entry whose token answers `requested`: a trusted source of this directory's project in
/// the same domain (so its profile, as the hook fetched it), else one the user's configuration
/// makes (a mapped host, or a domain trusted by `[trust]` or `ca-env allow`).
fn wanted(
    env: &Env,
    config: &Config,
    allowed: &Allowed,
    project: &Project,
    requested: &Requested,
) -> Result<Wanted> {
    let repo = &requested.repository;
    let pair = repo.domain_owner();
    let source = project.sources.iter().filter(|s| s.trusted).find(|s| {
        let r = &s.url.repository;
        r.domain_owner() == pair
            && r.region == repo.region
            && (repo.repository.is_empty() || r.repository == repo.repository)
    });
    if let Some(source) = source {
        return Ok(crate::credentials::wanted(source, env));
    }
    if !requested.mapped && !is_trusted(config, allowed, &pair) {
        return Err(Error::new(
            Exit::Input,
            format!("{} is not trusted; no token given for it", pair.describe()),
        )
        .with_hint("run 'ca-env allow' in a project that uses it, or list it under [trust]"));
    }
    let (profile, _) = config.profile_for(repo, None);
    Ok(crate::credentials::wanted_for(
        repo,
        profile,
        config.duration_for(repo),
        env,
    ))
}

/// Puts a `keyring` link to this ca-env in `dir` (default `~/.local/bin`), replacing only a
/// link of ca-env's own, and says when another `keyring` comes first on PATH.
fn install(env: &Env, dir: Option<&Path>) -> Result<()> {
    let dir = link_dir(env, dir)?;
    let link = dir.join(LINK);
    let exe = this_program()?;
    if let AtLink::Other = at_link(&link, &exe)? {
        return Err(Error::new(
            Exit::Runtime,
            format!(
                "{} exists and is not a link to ca-env; not replaced",
                link.display()
            ),
        )
        .with_hint(
            "remove it (a Python keyring: 'pipx uninstall keyring'), or give another --dir",
        ));
    }
    make_link(&exe, &dir, &link)?;
    output::stdout(&format!("{} -> {}\n", link.display(), exe.display()))?;
    // The `keyring` a program looking it up on PATH (as uv and pip do) would run.
    match env.which(LINK) {
        Some(first) if crate::env::same_file(&first, &link) => {}
        Some(first) => output::note(&format!(
            "{} comes first on PATH, so uv and pip run it, not ca-env (a Python keyring?); hint: put {} before {} in PATH, or remove it",
            first.display(),
            dir.display(),
            first.parent().unwrap_or(&first).display()
        )),
        None => output::note(&format!(
            "{} is not on PATH, so uv and pip do not find the link; hint: add it to PATH",
            dir.display()
        )),
    }
    Ok(())
}

/// Removes the `keyring` link from `dir` when it is ca-env's.
fn uninstall(env: &Env, dir: Option<&Path>) -> Result<()> {
    let dir = link_dir(env, dir)?;
    let link = dir.join(LINK);
    match at_link(&link, &this_program()?)? {
        AtLink::Nothing => {
            output::note(&format!("no keyring link in {}", dir.display()));
            Ok(())
        }
        AtLink::Other => Err(Error::new(
            Exit::Runtime,
            format!("{} is not a link to ca-env; left as it is", link.display()),
        )),
        AtLink::Ours => {
            std::fs::remove_file(&link).map_err(|e| cannot(&link, "remove", &e))?;
            output::stdout(&format!("removed {}\n", link.display()))
        }
    }
}

/// `dir` made absolute, or `~/.local/bin`.
fn link_dir(env: &Env, dir: Option<&Path>) -> Result<PathBuf> {
    let missing = |what: &str| {
        Error::new(Exit::Runtime, format!("{what} is not known")).with_hint("give --dir DIR")
    };
    match dir {
        Some(d) if d.is_absolute() => Ok(d.to_path_buf()),
        Some(d) => Ok(env
            .cwd()
            .ok_or_else(|| missing("the working directory"))?
            .join(d)),
        None => Ok(env
            .home()
            .ok_or_else(|| missing("HOME"))?
            .join(".local/bin")),
    }
}

/// This program's own file, which the link leads to.
fn this_program() -> Result<PathBuf> {
    std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| {
            Error::new(
                Exit::Runtime,
                format!("cannot tell where ca-env is: {}", io_reason(&e)),
            )
        })
}

enum AtLink {
    Nothing,
    /// A link to ca-env: this one, or another copy (a link left by an older install).
    Ours,
    /// Anything else: a Python keyring, the user's own script.
    Other,
}

fn at_link(link: &Path, exe: &Path) -> Result<AtLink> {
    let meta = match std::fs::symlink_metadata(link) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AtLink::Nothing),
        Err(e) => return Err(cannot(link, "read", &e)),
    };
    if !meta.file_type().is_symlink() {
        return Ok(AtLink::Other);
    }
    let to_ca_env = std::fs::read_link(link)
        .is_ok_and(|target| target.file_stem().is_some_and(|name| name == "ca-env"));
    Ok(if to_ca_env || crate::env::same_file(link, exe) {
        AtLink::Ours
    } else {
        AtLink::Other
    })
}

/// A symbolic link at `link` to `exe`, made beside it and renamed over it, so a link there is
/// replaced at once.
#[cfg(unix)]
fn make_link(exe: &Path, dir: &Path, link: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| cannot(dir, "create", &e))?;
    let new = dir.join(format!(".{LINK}.ca-env-{}", std::process::id()));
    let _ = std::fs::remove_file(&new);
    std::os::unix::fs::symlink(exe, &new).map_err(|e| cannot(link, "write", &e))?;
    std::fs::rename(&new, link).map_err(|e| {
        let _ = std::fs::remove_file(&new);
        cannot(link, "write", &e)
    })
}

#[cfg(not(unix))]
fn make_link(_exe: &Path, _dir: &Path, _link: &Path) -> Result<()> {
    Err(
        Error::new(Exit::Runtime, "ca-env makes the keyring link on Unix only")
            .with_hint("copy ca-env.exe to keyring.exe in a directory on PATH"),
    )
}

fn cannot(path: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::new(
        Exit::Runtime,
        format!("cannot {what} {}: {}", path.display(), io_reason(e)),
    )
}
