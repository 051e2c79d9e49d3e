//! Tokens for Azure Artifacts, in the order the users already use: a personal access
//! token the user exported (`AZURE_DEVOPS_EXT_PAT`, the Azure DevOps CLI's variable), else the
//! Azure CLI's Entra ID token for the Azure DevOps resource
//! (`az account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798`), which lasts
//! about an hour, else a managed identity's token where Azure provides one (App Service,
//! Functions, Container Apps, a VM). Azure DevOps takes any of them as the password of any
//! user name.

use std::time::Duration;

use crate::env::Env;
use crate::error::{Error, Exit};
use crate::provider::{cli, FetchError, Fetched, Key, Provider, Terminal};
use crate::tools::registry::{
    AZURE_AUTHORITY_HOST, AZURE_CLIENT_ID, AZURE_DEVOPS_EXT_PAT, AZURE_FEDERATED_TOKEN_FILE,
    AZURE_TENANT_ID, IDENTITY_ENDPOINT, IDENTITY_HEADER,
};

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
        // The Azure CLI when it is there; a managed identity where Azure provides one (the CLI
        // is seldom installed on an App Service or a VM that has an identity).
        let from_cli = match env.which("az") {
            Some(_) => match from_az(&env, key, within, terminal) {
                Ok(fetched) => return Ok(fetched),
                Err(e) => Some(e),
            },
            None => None,
        };
        // Workload identity (a Kubernetes service account federated with an app registration),
        // then a managed identity.
        if let Some(federated) = workload_identity(&env) {
            return from_workload_identity(&federated, key, within);
        }
        match (from_cli, managed_identity(&env)) {
            (_, Some(endpoint)) => from_managed_identity(&env, &endpoint, key, within),
            (Some(e), None) => Err(e),
            (None, None) => Err(FetchError {
                error: Error::new(
                    Exit::Runtime,
                    format!(
                        "no token for {}: az is not on PATH and no managed identity is here",
                        key.describe()
                    ),
                )
                .with_hint("install the Azure CLI and run 'az login', or set AZURE_DEVOPS_EXT_PAT"),
                credentials: true,
            }),
        }
    }
}

/// Where the next token would come from, without asking anyone (`ca-env doctor`): the first
/// of the chain [`Azure::fetch`] follows that is there, or None.
pub fn source(env: &Env) -> Option<String> {
    if env.var(AZURE_DEVOPS_EXT_PAT).is_some_and(|p| !p.is_empty()) {
        return Some(format!("{AZURE_DEVOPS_EXT_PAT} is set"));
    }
    if let Some(az) = env.which("az") {
        return Some(format!("the Azure CLI ({}; signed in?)", az.display()));
    }
    if workload_identity(env).is_some() {
        return Some(format!("workload identity ({AZURE_FEDERATED_TOKEN_FILE})"));
    }
    managed_identity(env).map(|endpoint| match endpoint {
        Endpoint::Service { .. } => format!("a managed identity ({IDENTITY_ENDPOINT})"),
        Endpoint::Instance => "the Azure VM's managed identity".to_string(),
    })
}

/// `az account get-access-token` for Azure DevOps, with `[[azure]]`'s tenant and subscription.
fn from_az(
    env: &Env,
    key: &Key,
    within: Duration,
    terminal: Terminal,
) -> Result<Fetched, FetchError> {
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
    let answer = crate::provider::cli::run(env, "az", &args, key, within, terminal, SIGN_IN)?;
    token_of(&answer, "accessToken", "az", key)
}

/// What Azure workload identity puts in a pod's environment (`AZURE_FEDERATED_TOKEN_FILE`,
/// `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_AUTHORITY_HOST`).
struct Federated {
    token_file: String,
    client: String,
    tenant: String,
    authority: String,
}

fn workload_identity(env: &Env) -> Option<Federated> {
    let var = |name| env.var(name).filter(|v| !v.is_empty());
    Some(Federated {
        token_file: var(AZURE_FEDERATED_TOKEN_FILE)?,
        client: var(AZURE_CLIENT_ID)?,
        tenant: var(AZURE_TENANT_ID)?,
        authority: var(AZURE_AUTHORITY_HOST)
            .unwrap_or_else(|| "https://login.microsoftonline.com/".into()),
    })
}

/// Exchanges the federated token for an Entra ID token for Azure DevOps (the client
/// credentials flow with a client assertion, as `azure_identity`'s `WorkloadIdentityCredential`
/// does).
fn from_workload_identity(
    f: &Federated,
    key: &Key,
    within: Duration,
) -> Result<Fetched, FetchError> {
    let failed = |why: &str| {
        cli::no_token(
            "workload identity",
            key,
            why,
            "check the federated credential of AZURE_CLIENT_ID and its access to the organization",
        )
    };
    let path = std::path::Path::new(&f.token_file);
    let assertion = match crate::state::read_regular(path, 64 * 1024) {
        Ok(Some(bytes)) => {
            String::from_utf8(bytes).map_err(|_| failed("the federated token is not text"))?
        }
        _ => return Err(failed(&format!("cannot read {}", path.display()))),
    };
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        f.authority.trim_end_matches('/'),
        f.tenant
    );
    let scope = format!("{RESOURCE}/.default");
    let form = [
        ("client_id", f.client.as_str()),
        ("scope", scope.as_str()),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.trim()),
        ("grant_type", "client_credentials"),
    ];
    let answer = cli::answered(
        crate::provider::https::post_form(&url, &form, within),
        "it",
        failed,
    )?;
    cli::lasting(&answer, "workload identity", key)
}

/// Where a managed identity answers, as Azure's own libraries find it: App Service, Functions
/// and Container Apps name their endpoint (`IDENTITY_ENDPOINT`, with `IDENTITY_HEADER`); an
/// Azure VM has the instance metadata service, asked only when the firmware says Microsoft.
enum Endpoint {
    Service { url: String, header: String },
    Instance,
}

fn managed_identity(env: &Env) -> Option<Endpoint> {
    match (env.var(IDENTITY_ENDPOINT), env.var(IDENTITY_HEADER)) {
        (Some(url), Some(header)) if !url.is_empty() => Some(Endpoint::Service { url, header }),
        _ if crate::provider::metadata::dmi_says(env, "Microsoft Corporation") => {
            Some(Endpoint::Instance)
        }
        _ => None,
    }
}

/// A token for Azure DevOps from the managed identity (`AZURE_CLIENT_ID` picks a user-assigned
/// one).
fn from_managed_identity(
    env: &Env,
    endpoint: &Endpoint,
    key: &Key,
    within: Duration,
) -> Result<Fetched, FetchError> {
    let client = env
        .var(AZURE_CLIENT_ID)
        .filter(|c| c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(|c| format!("&client_id={c}"))
        .unwrap_or_default();
    let (url, headers) = match endpoint {
        Endpoint::Service { url, header } => (
            format!("{url}?api-version=2019-08-01&resource={RESOURCE}{client}"),
            vec![("X-IDENTITY-HEADER", header.as_str())],
        ),
        Endpoint::Instance => (
            format!("http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource={RESOURCE}{client}"),
            vec![("Metadata", "true")],
        ),
    };
    let failed = |why: &str| {
        cli::no_token(
            "the managed identity",
            key,
            why,
            "check the identity's access to the organization, or set AZURE_DEVOPS_EXT_PAT",
        )
    };
    let result = crate::provider::metadata::get_json(&url, &headers, within);
    let answer = cli::answered(result, "it", failed)?;
    token_of(&answer, "access_token", "the managed identity", key)
}

/// The token and its expiry (`expires_on`, Unix seconds as a number or a string) of an answer.
fn token_of(
    answer: &serde_json::Value,
    field: &str,
    from: &str,
    key: &Key,
) -> Result<Fetched, FetchError> {
    let expires = answer
        .get("expires_on")
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
    let token = answer.get(field).and_then(|t| t.as_str());
    match (token, expires) {
        (Some(token), Some(expires)) => {
            crate::provider::cli::token(token.to_string(), expires, from)
        }
        _ => Err(crate::provider::cli::unreadable(from, key)),
    }
}

/// How the user signs the CLI in (`ca-env login` runs it on a terminal).
pub const SIGN_IN: &[&str] = &["az", "login"];
