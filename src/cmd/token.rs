//! `ca-env token URL|NAME`: prints a token that is not expired, for scripts. A token the user
//! set in `CODEARTIFACT_AUTH_TOKEN` (CI) is printed as it is, and AWS is not called.

use crate::codeartifact::url::{judge, Verdict};
use crate::config::Config;
use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::output::{self, printable};
use crate::sources::Project;
use crate::token::{self, Asked, Wanted};

pub fn run(env: &Env, which: &str) -> Result<()> {
    // A URL names its repository itself: no project is looked for (the lookup a script makes
    // over and over stays as cheap as the store).
    let (config, wanted) = if which.contains("://") {
        let config = Config::load(env);
        let wanted = wanted_for_url(env, &config, which)?;
        (config, wanted)
    } else {
        let (config, _, project) = crate::sources::load(env);
        let wanted = wanted_for_name(env, &project, which)?;
        (config, wanted)
    };
    if let Some(token) = token::from_environment(env)? {
        return output::stdout(&format!("{}\n", token.expose()));
    }
    let mut tokens = crate::credentials::tokens(env, &config, crate::provider::Terminal::Detach)?;
    let deadline = token::deadline_in(config.defaults.command_deadline);
    let stored = tokens.get(&wanted, deadline, Asked::ByUser)?;
    output::stdout(&format!("{}\n", stored.token.expose()))
}

/// The entry a repository URL typed by the user names (no trust needed: they chose it).
fn wanted_for_url(env: &Env, config: &Config, which: &str) -> Result<Wanted> {
    match judge(which, &config.mappings) {
        Verdict::Accepted(url) => {
            let repo = &url.repository;
            let (profile, _) = config.profile_for(repo, None);
            Ok(crate::credentials::wanted_for(repo, profile, config.duration_for(repo), env))
        }
        Verdict::Rejected(reason) => Err(Error::new(
            Exit::Input,
            format!("not a usable repository URL: {reason}"),
        )),
        Verdict::Other => Err(Error::new(Exit::Input, "not a CodeArtifact, Azure Artifacts or Artifact Registry URL")
            .with_hint("give a https://DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com/… URL (or an Azure DevOps feed's, an Artifact Registry repository's) or a source name")),
    }
}

/// The entry one of this project's sources (which must be trusted) is kept under.
fn wanted_for_name(env: &Env, project: &Project, which: &str) -> Result<Wanted> {
    let source = super::sources_named(project, &[which.to_string()])?
        .into_iter()
        .next()
        .expect("sources_named returns one per name");
    if !source.trusted {
        let pair = source.domain_owner();
        return Err(Error::new(
            Exit::Input,
            format!(
                "{} uses {}, which is not trusted",
                printable(&source.name),
                pair.describe()
            ),
        )
        .with_hint("run 'ca-env allow' (or 'ca-env login') here to trust it"));
    }
    Ok(crate::credentials::wanted(source, env))
}
