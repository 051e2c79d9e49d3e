//! `ca-env __refresh` (hidden): fetches one entry's token and stores it. Started detached by
//! ca-env itself to refresh a token ahead of expiry, so the command that noticed need not wait.
//! It runs unasked: a failure remembered within its back-off is not retried.

use crate::codeartifact::Repository;
use crate::env::Env;
use crate::error::Result;
use crate::provider::Terminal;
use crate::token::refresh::RefreshArgs;
use crate::token::{self, Asked};

pub fn run(env: &Env, args: RefreshArgs) -> Result<()> {
    let config = crate::config::Config::load(env);
    let repo = Repository {
        provider: args.provider,
        domain: args.domain,
        owner: args.owner,
        region: args.region,
        repository: String::new(),
    };
    let wanted = crate::credentials::wanted_for(&repo, args.profile, args.duration, env);
    let mut tokens = crate::credentials::tokens(env, &config, Terminal::Detach)?;
    let deadline = token::deadline_in(config.defaults.command_deadline);
    tokens
        .fetch(&wanted, deadline, Asked::Unasked)
        .map(|_| ())
        .map_err(|e| e.error)
}
