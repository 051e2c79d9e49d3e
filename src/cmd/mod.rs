//! One module per subcommand, each thin: they gather what `project`, `sources`, `config` and
//! `trust` know and hand it to `output`.

mod completions;
mod doctor;
mod dotenv;
mod exec;
mod hook;
mod keyring;
mod login;
mod logout;
mod man;
mod prompt;
mod refresh;
mod status;
mod token;
mod trust;

use crate::cli::Command;
use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::sources::{Project, Source};

pub fn run(command: Command, raw: &Env) -> Result<()> {
    // `export` compares the shell as it is with what it should be; every other command sees
    // the user's own environment, without what the hook set.
    if let Command::Export { format } = command {
        return crate::hook::run(raw, format);
    }
    let env = &crate::hook::state::user_env_of(raw);
    match command {
        Command::Status { json } => status::run(env, json),
        Command::Allow => trust::allow(env),
        Command::Deny => trust::deny(env),
        Command::Login { force, names } => login::run(env, force, &names),
        Command::Token { source } => token::run(env, &source),
        Command::Logout { all } => logout::run(env, all),
        Command::Refresh(args) => refresh::run(env, args),
        Command::Hook { shell } => hook::run(shell),
        Command::Exec { command } => exec::run(env, &command),
        Command::Dotenv { output } => dotenv::run(env, output.as_deref()),
        Command::Completions { shell } => completions::run(shell),
        Command::Prompt => prompt::run(env),
        Command::Doctor { json, online } => doctor::run(raw, env, json, online),
        Command::Man { dir } => man::run(&dir),
        Command::Keyring { action } => keyring::run(env, action),
        Command::Export { .. } => unreachable!("handled above"),
    }
}

/// Every variable of this project's sources (names no shell can export included), with tokens
/// fetched as a command the user ran would: an untrusted source or a failed fetch is an error.
/// No project, or one without CodeArtifact sources, sets nothing.
pub fn project_plan(env: &Env, terminal: crate::provider::Terminal) -> Result<crate::vars::Plan> {
    let (config, _, project) = crate::sources::load(env);
    if project.sources.is_empty() {
        return Ok(crate::vars::Plan::default());
    }
    crate::credentials::gather(
        env,
        &config,
        &project,
        crate::credentials::Mode::Command(terminal),
    )
    .map(|o| o.plan)
}

/// This project's sources with the given names (all of them when `names` is empty). No
/// project or no source is bad input (3); a name that is not a source's is a usage error (2).
pub fn sources_named<'p>(project: &'p Project, names: &[String]) -> Result<Vec<&'p Source>> {
    if project.root.is_none() && project.sources.is_empty() {
        return Err(Error::new(Exit::Input, "no project here").with_hint(
            "run it in a directory with a pyproject.toml, uv.toml, Pipfile, pip.conf or requirements file, or name an index in the tools' user configuration",
        ));
    }
    if project.sources.is_empty() {
        return Err(Error::new(
            Exit::Input,
            "this project names no usable CodeArtifact source",
        )
        .with_hint("'ca-env status' shows what was found and any problems"));
    }
    if names.is_empty() {
        return Ok(project.sources.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            project
                .sources
                .iter()
                .find(|s| &s.name == name)
                .ok_or_else(|| {
                    let known: Vec<String> = project
                        .sources
                        .iter()
                        .map(|s| crate::output::printable(&s.name))
                        .collect();
                    Error::new(
                        Exit::Usage,
                        format!("no source named {} here", crate::output::printable(name)),
                    )
                    .with_hint(format!("this project's sources: {}", known.join(", ")))
                })
        })
        .collect()
}
