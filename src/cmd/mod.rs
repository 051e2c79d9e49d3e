//! One module per subcommand, each thin: they gather what `project`, `sources`, `config` and
//! `trust` know and hand it to `output`.

mod status;
mod trust;

use crate::cli::Command;
use crate::config::Config;
use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::sources::{self, Project};
use crate::trust::Allowed;

pub fn run(command: Command, env: &Env) -> Result<()> {
    match command {
        Command::Status { json } => status::run(env, json),
        Command::Allow => trust::allow(env),
        Command::Deny => trust::deny(env),
        Command::Hook { .. }
        | Command::Export { .. }
        | Command::Login { .. }
        | Command::Token { .. }
        | Command::Logout { .. }
        | Command::Exec { .. }
        | Command::Dotenv { .. }
        | Command::Completions { .. } => Err(Error::new(
            Exit::Runtime,
            "this command is not available in this version yet",
        )
        .with_hint("'ca-env status' shows what ca-env found")),
    }
}

/// The user's configuration, the allowed pairs and this directory's project, resolved.
pub fn load(env: &Env) -> (Config, Allowed, Project) {
    let config = Config::load(env);
    let allowed = Allowed::load(env);
    let project = sources::resolve(crate::project::discover(env), &config, &allowed);
    (config, allowed, project)
}
