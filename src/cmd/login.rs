//! `ca-env login [--force] [NAME…]`: gets tokens for this project's sources now and trusts their
//! domains. The one command that may be interactive: on a terminal the keyring may ask to be
//! unlocked, an expired AWS SSO session is renewed with `aws sso login --profile P`, and a
//! signed-out Azure or Google CLI is signed in with `az login` or `gcloud auth login`.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use crate::clock::rfc3339;
use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::output::{self, printable};
use crate::provider::{ProviderKind, Terminal};
use crate::token::{self, Asked, Freshness, Wanted};

pub fn run(env: &Env, force: bool, names: &[String]) -> Result<()> {
    let (config, mut allowed, project) = crate::sources::load(env);
    let sources = super::sources_named(&project, names)?;
    // Logging in is consent: the hook may use these domains from now on.
    let mut changed = false;
    for s in &sources {
        changed |= allowed.insert(s.domain_owner());
    }
    if changed {
        super::trust::save(&allowed)?;
    }
    if token::from_environment(env)?.is_some() {
        output::note("CODEARTIFACT_AUTH_TOKEN is set: ca-env uses it and stores nothing");
        return Ok(());
    }

    // One fetch per entry, however many sources share it.
    let mut wanted: BTreeMap<Wanted, Vec<String>> = BTreeMap::new();
    for s in &sources {
        wanted
            .entry(crate::credentials::wanted(s, env))
            .or_default()
            .push(printable(&s.name));
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let terminal = if interactive {
        Terminal::Interactive
    } else {
        Terminal::Detach
    };
    let mut tokens = crate::credentials::tokens(env, &config, terminal)?;
    let asked = if force { Asked::Forced } else { Asked::ByUser };
    let mut first_error = None;
    for (w, names) in &wanted {
        let what = format!("{} ({})", w.key.describe(), names.join(", "));
        if !force {
            if let Some((stored, backend)) = tokens.lookup(&w.key).stored {
                if tokens.freshness(&stored) == Freshness::Fresh {
                    output::stdout(&format!(
                        "{what}: token valid until {} in {}; --force gets a new one\n",
                        rfc3339(stored.expires),
                        backend.as_str()
                    ))?;
                    continue;
                }
            }
        }
        let deadline = || token::deadline_in(config.defaults.command_deadline);
        let mut result = tokens.fetch(w, deadline(), asked);
        if let Err(e) = &result {
            if e.credentials && interactive {
                let signed_in = match sign_in_for(w.key.provider) {
                    // The other clouds' CLIs sign in on the terminal, then the fetch is tried again.
                    Some(command) => run_sign_in(command),
                    None => sso_profile(env, w.key.profile.as_deref())
                        .is_some_and(|profile| aws_sso_login(&profile)),
                };
                if signed_in {
                    result = tokens.fetch(w, deadline(), asked);
                }
            }
        }
        match result {
            Ok((stored, backend)) => output::stdout(&format!(
                "{what}: token valid until {} in {}\n",
                rfc3339(stored.expires),
                backend.as_str()
            ))?,
            Err(e) => {
                output::error_line(&e.error);
                first_error.get_or_insert(e.error);
            }
        }
    }
    first_error.map_or(Ok(()), |e| Err(Error::already_said(&e)))
}

/// The command that signs a provider's CLI in; None for CodeArtifact (an SSO profile's login).
fn sign_in_for(provider: ProviderKind) -> Option<&'static [&'static str]> {
    match provider {
        ProviderKind::CodeArtifact => None,
        ProviderKind::Azure => Some(crate::azure::client::SIGN_IN),
        ProviderKind::Google => Some(crate::google::client::SIGN_IN),
    }
}

/// Runs a CLI's sign-in on the user's terminal; true when it succeeded.
fn run_sign_in(command: &[&str]) -> bool {
    output::note(&format!("running '{}'", command.join(" ")));
    match std::process::Command::new(command[0])
        .args(&command[1..])
        .status()
    {
        Ok(status) => status.success(),
        Err(e) => {
            output::error_line(&Error::new(
                Exit::Runtime,
                format!("cannot run '{}': {e}", command[0]),
            ));
            false
        }
    }
}

/// The profile's name when the AWS config file gives it an SSO session (`sso_session` or the
/// legacy `sso_start_url`): the credentials a browser login can renew.
fn sso_profile(env: &Env, profile: Option<&str>) -> Option<String> {
    let profile = profile
        .map(str::to_string)
        .or_else(|| env.var(crate::tools::registry::AWS_PROFILE))
        .unwrap_or_else(|| "default".into());
    let file = env
        .var(crate::tools::registry::AWS_CONFIG_FILE)
        .map(std::path::PathBuf::from)
        .or_else(|| env.home().map(|h| h.join(".aws/config")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let header = if profile == "default" {
        "default".to_string()
    } else {
        format!("profile {profile}")
    };
    let section = crate::ini::parse(&text)
        .into_iter()
        .rev()
        .find(|s| s.name.trim() == header)?;
    (section.get("sso_session").is_some() || section.get("sso_start_url").is_some())
        .then_some(profile)
}

/// Runs `aws sso login --profile P` on the user's terminal; true when it succeeded.
fn aws_sso_login(profile: &str) -> bool {
    output::note(&format!(
        "the AWS SSO session of profile '{}' has expired; running 'aws sso login --profile {0}'",
        printable(profile)
    ));
    match std::process::Command::new("aws")
        .args(["sso", "login", "--profile", profile])
        .status()
    {
        Ok(status) => status.success(),
        Err(e) => {
            output::error_line(
                &Error::new(Exit::Runtime, format!("cannot run 'aws': {e}"))
                    .with_hint("install the AWS CLI, or renew the session another way"),
            );
            false
        }
    }
}
