//! Tokens for Google Artifact Registry: an access token the user exported
//! (`GOOGLE_OAUTH_ACCESS_TOKEN`, the variable Google's Terraform provider and others read, for
//! CI), else the gcloud CLI's, from `gcloud config config-helper --format=json` (the helper
//! gcloud offers other programs: the token and its expiry, refreshed when due). Tokens last an
//! hour; the user name is `oauth2accesstoken`.

use std::time::Duration;

use crate::env::Env;
use crate::provider::{FetchError, Fetched, Key, Provider, Terminal};
use crate::tools::registry::GOOGLE_OAUTH_ACCESS_TOKEN;

/// How long an exported token is kept before the variable is read again (an access token
/// lasts an hour at most).
const EXPORTED_KEPT: i64 = 600;

pub struct Google;

impl Provider for Google {
    fn fetch(
        &self,
        key: &Key,
        _duration: u64,
        within: Duration,
        terminal: Terminal,
    ) -> Result<Fetched, FetchError> {
        let env = Env::from_process();
        if let Some(token) = env.var(GOOGLE_OAUTH_ACCESS_TOKEN).filter(|t| !t.is_empty()) {
            let expires = crate::clock::now() + EXPORTED_KEPT;
            return crate::provider::cli::token(token, expires, "GOOGLE_OAUTH_ACCESS_TOKEN");
        }
        let args = ["config", "config-helper", "--format=json"];
        let answer =
            crate::provider::cli::run(&env, "gcloud", &args, key, within, terminal, SIGN_IN)?;
        let credential = answer.get("credential");
        let token = credential
            .and_then(|c| c.get("access_token"))
            .and_then(|t| t.as_str());
        let expires = credential
            .and_then(|c| c.get("token_expiry"))
            .and_then(|t| t.as_str())
            .and_then(crate::clock::parse_rfc3339);
        match (token, expires) {
            (Some(token), Some(expires)) => {
                crate::provider::cli::token(token.to_string(), expires, "gcloud")
            }
            _ => Err(crate::provider::cli::unreadable("gcloud", key)),
        }
    }
}

/// How the user signs the CLI in (`ca-env login` runs it on a terminal).
pub const SIGN_IN: &[&str] = &["gcloud", "auth", "login"];
