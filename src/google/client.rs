//! Tokens for Google Artifact Registry: an access token the user exported
//! (`GOOGLE_OAUTH_ACCESS_TOKEN`, the variable Google's Terraform provider and others read, for
//! CI), else application default credentials (a user's refresh token, a service account key,
//! or workload identity federation), else the metadata server's on Google Cloud (Compute Engine, Cloud Run, GKE with
//! `GCE_METADATA_HOST`), else the gcloud CLI's, from `gcloud config config-helper --format=json` (the helper
//! gcloud offers other programs: the token and its expiry, refreshed when due). Tokens last an
//! hour; the user name is `oauth2accesstoken`.

use std::time::Duration;

use crate::env::Env;
use crate::provider::{cli, FetchError, Fetched, Key, Provider, Terminal};
use crate::tools::registry::{
    CLOUDSDK_CONFIG, GCE_METADATA_HOST, GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_OAUTH_ACCESS_TOKEN,
    K_SERVICE,
};

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
        // Application default credentials (a file), then on Google Cloud the metadata server,
        // then gcloud: the order google-auth's `default()` follows, the CLI last.
        if let Some(file) = adc_file(&env) {
            return from_adc_file(&file, key, within);
        }
        if let Some(host) = metadata_host(&env) {
            return from_metadata(&host, key, within);
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

/// Where the next token would come from, without asking anyone (`ca-env doctor`): the first
/// of the chain [`Google::fetch`] follows that is there, or None.
pub fn source(env: &Env) -> Option<String> {
    if env
        .var(GOOGLE_OAUTH_ACCESS_TOKEN)
        .is_some_and(|t| !t.is_empty())
    {
        return Some(format!("{GOOGLE_OAUTH_ACCESS_TOKEN} is set"));
    }
    if let Some(file) = adc_file(env) {
        return Some(format!(
            "application default credentials ({})",
            file.display()
        ));
    }
    if let Some(host) = metadata_host(env) {
        return Some(format!("the metadata server ({host})"));
    }
    env.which("gcloud")
        .map(|gcloud| format!("the gcloud CLI ({}; signed in?)", gcloud.display()))
}

/// The application default credentials file: the one `GOOGLE_APPLICATION_CREDENTIALS` names,
/// else the one `gcloud auth application-default login` writes (in `$CLOUDSDK_CONFIG`, else
/// `~/.config/gcloud`), when it is there.
fn adc_file(env: &Env) -> Option<std::path::PathBuf> {
    if let Some(named) = env
        .var(GOOGLE_APPLICATION_CREDENTIALS)
        .filter(|v| !v.is_empty())
    {
        return Some(named.into());
    }
    let dir = match env.var(CLOUDSDK_CONFIG).filter(|v| !v.is_empty()) {
        Some(dir) => std::path::PathBuf::from(dir),
        None => env.home()?.join(".config/gcloud"),
    };
    Some(dir.join("application_default_credentials.json")).filter(|p| p.is_file())
}

/// A token from an application default credentials file: a user's refresh token
/// (`authorized_user`) or a service account key (`service_account`, an RS256-signed
/// assertion), exchanged at the file's `token_uri` (Google's OAuth endpoint by default); or
/// workload identity federation (`external_account`, see `external`).
fn from_adc_file(
    path: &std::path::Path,
    key: &Key,
    within: Duration,
) -> Result<Fetched, FetchError> {
    let from = format!("the application default credentials in {}", path.display());
    let failed = |why: &str| {
        cli::no_token(
            &from,
            key,
            why,
            "run 'gcloud auth application-default login', or point GOOGLE_APPLICATION_CREDENTIALS at a working key",
        )
    };
    let text = match crate::state::read_regular(path, 64 * 1024) {
        Ok(Some(bytes)) => String::from_utf8(bytes).map_err(|_| failed("not UTF-8"))?,
        _ => return Err(failed("cannot read it")),
    };
    let info: serde_json::Value = serde_json::from_str(&text).map_err(|_| failed("not JSON"))?;
    if info.get("type").and_then(|t| t.as_str()) == Some("external_account") {
        let failed = |why: &str| {
            cli::no_token(
                &from,
                key,
                why,
                "check the workload identity pool's provider and the file's credential_source, or regenerate the file with 'gcloud iam workload-identity-pools create-cred-config'",
            )
        };
        let config = super::external::parse(&info).map_err(|why| failed(&why))?;
        return super::external::fetch(&config, key, within, &failed);
    }
    if info.get("type").and_then(|t| t.as_str()) == Some("external_account_authorized_user") {
        let failed = |why: &str| {
            cli::no_token(
                &from,
                key,
                why,
                "sign in again with 'gcloud auth application-default login --login-config=FILE'",
            )
        };
        return super::external::refresh(&info, key, within, &failed);
    }
    let field = |name: &str| {
        info.get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let token_uri = match field("token_uri") {
        u if u.is_empty() => TOKEN_URI.to_string(),
        u => u,
    };
    let form: Vec<(&str, String)> = match field("type").as_str() {
        "authorized_user" => vec![
            ("grant_type", "refresh_token".into()),
            ("client_id", field("client_id")),
            ("client_secret", field("client_secret")),
            ("refresh_token", field("refresh_token")),
        ],
        "service_account" => {
            let assertion = super::jwt::assertion(
                &field("client_email"),
                &field("private_key"),
                &field("private_key_id"),
                &token_uri,
            )
            .map_err(&failed)?;
            vec![
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
                ),
                ("assertion", assertion),
            ]
        }
        _ => {
            return Err(failed(
                "only authorized_user, service_account, external_account and external_account_authorized_user files are served",
            ))
        }
    };
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let result = crate::provider::https::post_form(&token_uri, &form, within);
    let answer = cli::answered(result, "the token endpoint", failed)?;
    cli::lasting(&answer, "application default credentials", key)
}

/// Google's OAuth token endpoint, where a credentials file names none.
const TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The metadata server's `host[:port]` where there is one: `GCE_METADATA_HOST` (google-auth's
/// variable), else its address on Compute Engine (the firmware says Google) and Cloud Run
/// (`K_SERVICE`). Never asked elsewhere: off Google Cloud it would only time out.
fn metadata_host(env: &Env) -> Option<String> {
    if let Some(host) = env.var(GCE_METADATA_HOST).filter(|h| !h.is_empty()) {
        return Some(host);
    }
    let on_google = env.is_set(K_SERVICE) || crate::provider::metadata::dmi_says(env, "Google");
    on_google.then(|| "169.254.169.254".to_string())
}

/// The default service account's token from the metadata server.
fn from_metadata(host: &str, key: &Key, within: Duration) -> Result<Fetched, FetchError> {
    let url = format!("http://{host}/computeMetadata/v1/instance/service-accounts/default/token");
    let failed = |why: &str| {
        cli::no_token(
            "the metadata server",
            key,
            why,
            "check the service account's access to the repository, or set GOOGLE_OAUTH_ACCESS_TOKEN",
        )
    };
    let result =
        crate::provider::metadata::get_json(&url, &[("Metadata-Flavor", "Google")], within);
    let answer = cli::answered(result, "it", failed)?;
    cli::lasting(&answer, "the metadata server", key)
}

/// How the user signs the CLI in (`ca-env login` runs it on a terminal).
pub const SIGN_IN: &[&str] = &["gcloud", "auth", "login"];
