//! Tokens for Azure Artifacts, in the order the users already use: a personal access
//! token the user exported (`AZURE_DEVOPS_EXT_PAT`, the Azure DevOps CLI's variable), else the
//! Azure CLI's Entra ID token for the Azure DevOps resource
//! (`az account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798`), which lasts
//! about an hour. Azure DevOps takes either as the password of any user name.

use std::time::Duration;

use crate::env::Env;
use crate::provider::{FetchError, Fetched, Key, Provider, Terminal};
use crate::tools::registry::AZURE_DEVOPS_EXT_PAT;

/// The application id of Azure DevOps, the resource its tokens are for.
const RESOURCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";

/// How long a personal access token is kept before the variable is read again: its own expiry
/// is not known to ca-env.
const PAT_KEPT: i64 = 3600;

pub struct Azure;

impl Provider for Azure {
    fn fetch(
        &self,
        key: &Key,
        _duration: u64,
        within: Duration,
        terminal: Terminal,
    ) -> Result<Fetched, FetchError> {
        let env = Env::from_process();
        if let Some(pat) = env.var(AZURE_DEVOPS_EXT_PAT).filter(|p| !p.is_empty()) {
            return crate::provider::cli::token(
                pat,
                crate::clock::now() + PAT_KEPT,
                "AZURE_DEVOPS_EXT_PAT",
            );
        }
        let mut args = vec![
            "account",
            "get-access-token",
            "--resource",
            RESOURCE,
            "--output",
            "json",
        ];
        // `[[azure]]`'s choice for the organization, carried as the entry's profile.
        for part in key.profile.as_deref().unwrap_or_default().split(',') {
            match part.split_once('=') {
                Some(("tenant", t)) => args.extend(["--tenant", t]),
                Some(("subscription", s)) => args.extend(["--subscription", s]),
                _ => {}
            }
        }
        let answer = crate::provider::cli::run(&env, "az", &args, key, within, terminal, SIGN_IN)?;
        let expires = answer
            .get("expires_on")
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
        let token = answer.get("accessToken").and_then(|t| t.as_str());
        match (token, expires) {
            (Some(token), Some(expires)) => {
                crate::provider::cli::token(token.to_string(), expires, "az")
            }
            _ => Err(crate::provider::cli::unreadable("az", key)),
        }
    }
}

/// How the user signs the CLI in (`ca-env login` runs it on a terminal).
pub const SIGN_IN: &[&str] = &["az", "login"];
