//! Workload identity federation: application default credentials of `"type":
//! "external_account"`, as google-auth's `identity_pool.Credentials` and Go's `externalaccount`
//! use them. A subject token (an OIDC or SAML token another identity provider issued) is read
//! from the file or URL the configuration's `credential_source` names, exchanged at Google's
//! security token service (`token_url`, an RFC 8693 token exchange), and, when the configuration
//! names a service account to impersonate, the exchanged token is traded at IAM's
//! `generateAccessToken` for that account's; workforce identity federation's
//! `external_account_authorized_user` files are refreshed there too ([`refresh`]).
//! AWS-sourced (`environment_id`), executable-sourced and certificate-sourced configurations
//! are refused: ca-env signs no AWS request and runs no program a credentials file names.
//!
//! Google's libraries no longer check where `token_url` and `service_account_impersonation_url`
//! point (they warn that a configuration from elsewhere could send the subject token anywhere);
//! ca-env keeps the host patterns they checked before (google-auth 2.7.0 to 2.16.0, Go's
//! `externalaccount` until 2023), plus the regional `sts.LOCATION.rep.googleapis.com` Google
//! now documents, and loopback for tests.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::jwt::SCOPE;
use crate::provider::https::{self, Body};
use crate::provider::{cli, FetchError, Fetched, Key};

const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const REQUESTED_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
const AWS_TOKEN_TYPE: &str = "urn:ietf:params:aws:token-type:aws4_request";
/// Where a configuration names no `token_url` (Go's default; gcloud always writes one).
const DEFAULT_TOKEN_URL: &str = "https://sts.googleapis.com/v1/token";
/// An impersonated token's lifetime unless the configuration says otherwise, and the longest
/// IAM issues.
const LIFETIME: u64 = 3600;
const MAX_LIFETIME: u64 = 43200;
/// The most a subject token file may hold (Go's limit).
const MAX_SUBJECT: u64 = 1 << 20;

/// A configuration ca-env can use.
#[derive(Debug, PartialEq)]
pub struct Config {
    audience: String,
    subject_token_type: String,
    token_url: String,
    source: Source,
    format: Format,
    /// `client_id` and `client_secret`, sent as Basic authentication when there is an id.
    client: Option<(String, String)>,
    /// `service_account_impersonation_url` and the token's lifetime in seconds.
    impersonation: Option<(String, u64)>,
    /// A workforce pool's `workforce_pool_user_project`, sent as the exchange's `options` when
    /// there is no client (the client tells the project otherwise).
    user_project: Option<String>,
}

#[derive(Debug, PartialEq)]
enum Source {
    File(PathBuf),
    /// A URL and the headers to GET it with.
    Url(String, Vec<(String, String)>),
}

#[derive(Debug, PartialEq)]
enum Format {
    Text,
    /// A JSON object; the subject token is this field's string.
    Json(String),
}

/// Reads a configuration, or says in one line what it lacks (never a value from it: a
/// `client_secret` or a header may be secret).
pub fn parse(info: &serde_json::Value) -> Result<Config, String> {
    let text = |name: &str| -> Result<Option<String>, String> {
        match info.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("its {name} is not a string")),
        }
    };
    let source = match info.get("credential_source") {
        Some(serde_json::Value::Object(source)) => source,
        Some(_) => return Err("its credential_source is not an object".into()),
        None => return Err("it names no credential_source".into()),
    };
    let subject_token_type = text("subject_token_type")?;
    // google-auth's `_default` and Go's `parse` tell the kinds apart in this order.
    let environment = source.get("environment_id").and_then(|v| v.as_str());
    if subject_token_type.as_deref() == Some(AWS_TOKEN_TYPE)
        || environment.is_some_and(|e| e.starts_with("aws"))
    {
        return Err(
            "AWS-sourced credentials (environment_id aws1) are not supported; use a file- or URL-sourced configuration".into(),
        );
    }
    if source.contains_key("executable") {
        return Err("executable-sourced credentials are not supported: ca-env runs no program a credentials file names".into());
    }
    if source.contains_key("certificate") {
        return Err("certificate-sourced (X.509) credentials are not supported".into());
    }
    if source.contains_key("environment_id") {
        return Err("its credential_source has an environment_id ca-env does not know".into());
    }
    let audience = text("audience")?.ok_or("it names no audience")?;
    let subject_token_type = subject_token_type.ok_or("it names no subject_token_type")?;
    let token_url = text("token_url")?.unwrap_or_else(|| DEFAULT_TOKEN_URL.into());
    if !google_endpoint(&token_url, "sts") {
        return Err(
            "its token_url is not https://sts.googleapis.com or a regional or private form of it"
                .into(),
        );
    }
    let source_text = |name: &str| match source.get(name) {
        None => Ok(None),
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(format!("its credential_source {name} is not a string")),
    };
    let source = match (source_text("file")?, source_text("url")?) {
        (Some(_), Some(_)) => {
            return Err("its credential_source names both a file and a url".into());
        }
        (Some(file), None) => Source::File(file.into()),
        (None, Some(url)) => {
            if !subject_url(&url) {
                return Err("its credential_source url is not https (plain http only to the machine or a link-local address)".into());
            }
            Source::Url(url, headers(source.get("headers"))?)
        }
        (None, None) => return Err("its credential_source names no file or url".into()),
    };
    let format = match info["credential_source"].get("format") {
        None => Format::Text,
        Some(format) => match format.get("type").and_then(|t| t.as_str()) {
            None | Some("" | "text") => Format::Text,
            Some("json") => match format
                .get("subject_token_field_name")
                .and_then(|f| f.as_str())
            {
                Some(field) if !field.is_empty() => Format::Json(field.to_string()),
                _ => return Err(
                    "its credential_source format is json but names no subject_token_field_name"
                        .into(),
                ),
            },
            Some(_) => {
                return Err("its credential_source format type is neither text nor json".into())
            }
        },
    };
    let client = text("client_id")?.map(|id| {
        let secret = text("client_secret").ok().flatten().unwrap_or_default();
        (id, secret)
    });
    let impersonation = match text("service_account_impersonation_url")? {
        None => None,
        Some(url) => {
            let path = url.split(['?', '#']).next().unwrap_or_default();
            if !google_endpoint(&url, "iamcredentials") || !path.ends_with(":generateAccessToken") {
                return Err("its service_account_impersonation_url is not https://iamcredentials.googleapis.com/…:generateAccessToken or a regional or private form of it".into());
            }
            let lifetime = match info
                .get("service_account_impersonation")
                .and_then(|o| o.get("token_lifetime_seconds"))
            {
                None | Some(serde_json::Value::Null) => LIFETIME,
                Some(v) => v
                    .as_u64()
                    .filter(|s| (1..=MAX_LIFETIME).contains(s))
                    .ok_or("its token_lifetime_seconds is not a number of seconds up to 43200")?,
            };
            Some((url, lifetime))
        }
    };
    let user_project = text("workforce_pool_user_project")?;
    if user_project.is_some() && !is_workforce(&audience) {
        return Err(
            "it has a workforce_pool_user_project but its audience is no workforce pool's".into(),
        );
    }
    Ok(Config {
        audience,
        subject_token_type,
        token_url,
        source,
        format,
        client,
        impersonation,
        user_project,
    })
}

/// A workforce pool's audience (`//iam.googleapis.com/locations/LOCATION/workforcePools/…`),
/// as google-auth's `is_workforce_pool` tells it.
fn is_workforce(audience: &str) -> bool {
    audience
        .strip_prefix("//iam.googleapis.com/locations/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, rest)| rest.starts_with("workforcePools/"))
}

/// The subject token URL's headers: an object of strings, none holding a control character
/// (the plain-HTTP request is written as text).
fn headers(value: Option<&serde_json::Value>) -> Result<Vec<(String, String)>, String> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let object = value
        .as_object()
        .ok_or("its credential_source headers are not an object")?;
    let mut headers = Vec::new();
    for (name, value) in object {
        let value = value
            .as_str()
            .ok_or("a credential_source header is not a string")?;
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token) || value.chars().any(char::is_control) {
            return Err("a credential_source header is not one HTTP can carry".into());
        }
        headers.push((name.clone(), value.to_string()));
    }
    Ok(headers)
}

/// The scheme, the host (lowercase) and the port (empty when none) of a URL without
/// whitespace, control characters, backslashes or userinfo, whose port is digits if any.
fn split_url(url: &str) -> Option<(&str, String, &str)> {
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, port)
        }
        Some(_) => return None,
        None => (authority, ""),
    };
    Some((scheme, host.to_ascii_lowercase(), port))
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost")
}

/// Whether `url` is one of Google's endpoints for `service` (`sts`, `iamcredentials`), in the
/// forms google-auth (2.7.0 to 2.16.0) and Go's `externalaccount` accepted: `S.googleapis.com`,
/// `X.S.googleapis.com`, `S.X.googleapis.com`, `X-S.googleapis.com`, `S-X.p.googleapis.com`
/// (Private Service Connect), and for the token service `sts.X.rep.googleapis.com` (regional),
/// X one DNS label; https only. Or loopback, a test's stand-in (https.rs takes plain http only
/// there).
fn google_endpoint(url: &str, service: &str) -> bool {
    let Some((scheme, host, port)) = split_url(url) else {
        return false;
    };
    if is_loopback(&host) {
        return matches!(scheme, "http" | "https");
    }
    if scheme != "https" || !matches!(port, "" | "443") {
        return false;
    }
    let label =
        |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let Some(name) = host.strip_suffix(".googleapis.com") else {
        return false;
    };
    let dotted = format!(".{service}");
    let dashed = format!("-{service}");
    name == service
        || name.strip_suffix(&dotted).is_some_and(label)
        || name.strip_prefix(&format!("{service}.")).is_some_and(|x| {
            label(x) || (service == "sts" && x.strip_suffix(".rep").is_some_and(label))
        })
        || name.strip_suffix(&dashed).is_some_and(label)
        || name
            .strip_prefix(&format!("{service}-"))
            .and_then(|x| x.strip_suffix(".p"))
            .is_some_and(label)
}

/// Whether a subject token may be fetched from `url`: https, or plain http to the machine or a
/// link-local address (Azure's instance metadata service, where Google's Azure configurations
/// point), no userinfo.
fn subject_url(url: &str) -> bool {
    match split_url(url) {
        Some(("https", _, _)) => true,
        Some(("http", host, _)) => {
            is_loopback(&host)
                || host
                    .parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_link_local())
        }
        _ => false,
    }
}

/// The access token `config` gives, within `within`; `failed` makes a reason the one-line error
/// naming the credentials file.
pub fn fetch(
    config: &Config,
    key: &Key,
    within: Duration,
    failed: &dyn Fn(&str) -> FetchError,
) -> Result<Fetched, FetchError> {
    let deadline = Instant::now() + within;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    let subject = subject_token(config, left()).map_err(|why| failed(&why))?;

    // A workforce pool without a client names the project to bill in `options`, JSON sent as
    // one form value (Go's `stsexchange`; google-auth percent-encodes it once more).
    let options = match (&config.user_project, &config.client) {
        (Some(project), None) => Some(serde_json::json!({ "userProject": project }).to_string()),
        _ => None,
    };
    let mut form = vec![
        ("grant_type", GRANT_TYPE),
        ("audience", config.audience.as_str()),
        ("scope", SCOPE),
        ("requested_token_type", REQUESTED_TOKEN_TYPE),
        ("subject_token", subject.as_str()),
        ("subject_token_type", config.subject_token_type.as_str()),
    ];
    if let Some(options) = &options {
        form.push(("options", options.as_str()));
    }
    let basic = config
        .client
        .as_ref()
        .map(|(id, secret)| format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))));
    let headers: Vec<(&str, &str)> = basic
        .iter()
        .map(|b| ("authorization", b.as_str()))
        .collect();
    let result = https::request(&config.token_url, &headers, Body::Form(&form), left());
    let answer = cli::answered(json(result), "the security token service", failed)?;
    let Some((url, lifetime)) = &config.impersonation else {
        return cli::lasting(&answer, "the security token service", key);
    };

    let Some(federated) = answer.get("access_token").and_then(|t| t.as_str()) else {
        return Err(cli::unreadable("the security token service", key));
    };
    let bearer = format!("Bearer {federated}");
    let body = serde_json::json!({"scope": [SCOPE], "lifetime": format!("{lifetime}s")});
    let result = https::request(
        url,
        &[("authorization", bearer.as_str())],
        Body::Json(&body),
        left(),
    );
    let answer = cli::answered(json(result), "IAM's generateAccessToken", failed)?;
    let token = answer.get("accessToken").and_then(|t| t.as_str());
    let expires = answer
        .get("expireTime")
        .and_then(|t| t.as_str())
        .and_then(crate::clock::parse_rfc3339);
    match (token, expires) {
        (Some(token), Some(expires)) => {
            cli::token(token.to_string(), expires, "IAM's generateAccessToken")
        }
        _ => Err(cli::unreadable("IAM's generateAccessToken", key)),
    }
}

/// Where an `external_account_authorized_user` file names no `token_url` (google-auth's).
const DEFAULT_REFRESH_URL: &str = "https://sts.googleapis.com/v1/oauthtoken";

/// Workforce identity federation's `external_account_authorized_user` file (what
/// `gcloud auth application-default login --login-config` writes): its refresh token sent to
/// the security token service's `oauthtoken` endpoint with the workforce pool's client as Basic
/// authentication, as google-auth's `external_account_authorized_user.Credentials` refreshes.
pub fn refresh(
    info: &serde_json::Value,
    key: &Key,
    within: Duration,
    failed: &dyn Fn(&str) -> FetchError,
) -> Result<Fetched, FetchError> {
    let text = |name: &str| {
        info.get(name)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let token_url = text("token_url").unwrap_or(DEFAULT_REFRESH_URL);
    // Google now also names the Cloud OAuth API for workforce pools' traffic.
    if !google_endpoint(token_url, "sts") && !google_endpoint(token_url, "cloudoauth") {
        return Err(failed(
            "its token_url is not Google's security token service",
        ));
    }
    let (Some(refresh_token), Some(id), Some(secret)) = (
        text("refresh_token"),
        text("client_id"),
        text("client_secret"),
    ) else {
        return Err(failed(
            "it lacks the refresh_token, client_id or client_secret a refresh needs",
        ));
    };
    let basic = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    let result = https::request(
        token_url,
        &[("authorization", basic.as_str())],
        Body::Form(&form),
        within,
    );
    let answer = cli::answered(json(result), "the security token service", failed)?;
    cli::lasting(&answer, "the security token service", key)
}

fn json(result: Result<(u16, Vec<u8>), String>) -> Result<(u16, serde_json::Value), String> {
    result.map(|(status, body)| (status, serde_json::from_slice(&body).unwrap_or_default()))
}

/// The subject token from the file or URL, in its format; why not, never quoting it.
fn subject_token(config: &Config, within: Duration) -> Result<String, String> {
    let bytes = match &config.source {
        Source::File(path) => match crate::state::read_regular(path, MAX_SUBJECT) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Err(format!(
                    "the subject token file {} is not there",
                    path.display()
                ))
            }
            Err(_) => {
                return Err(format!(
                    "cannot read the subject token file {}",
                    path.display()
                ))
            }
        },
        Source::Url(url, headers) => {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            // Plain http (a metadata service) through the plain-HTTP client; https through
            // the HTTPS one.
            let (status, bytes) = if url.starts_with("http://") {
                crate::provider::metadata::get(url, &headers, within)?
            } else {
                https::request(url, &headers, Body::Nothing, within)?
            };
            if status != 200 {
                return Err(format!("the subject token URL answered {status}"));
            }
            bytes
        }
    };
    let text =
        String::from_utf8(bytes).map_err(|_| "the subject token is not UTF-8".to_string())?;
    let token = match &config.format {
        Format::Text => text.trim().to_string(),
        Format::Json(field) => serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get(field)?.as_str().map(str::to_string))
            .ok_or_else(|| format!("the subject token's JSON has no string field {field}"))?,
    };
    if token.is_empty() {
        return Err("the subject token is empty".into());
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> serde_json::Value {
        json!({
            "type": "external_account",
            "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": "https://sts.googleapis.com/v1/token",
            "credential_source": {"file": "/var/run/token"},
        })
    }

    type Change = Box<dyn FnOnce(&mut serde_json::Value)>;

    fn with(change: impl FnOnce(&mut serde_json::Value)) -> Result<Config, String> {
        let mut info = base();
        change(&mut info);
        parse(&info)
    }

    #[test]
    fn a_file_sourced_configuration_as_gcloud_writes_it() {
        let config = parse(&base()).unwrap();
        assert_eq!(config.source, Source::File("/var/run/token".into()));
        assert_eq!(config.format, Format::Text);
        assert_eq!(config.client, None);
        assert_eq!(config.impersonation, None);
        let config = with(|i| {
            i["credential_source"] = json!({
                "url": "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01",
                "headers": {"Metadata": "True"},
                "format": {"type": "json", "subject_token_field_name": "access_token"},
            });
            i["client_id"] = json!("id");
            i["service_account_impersonation_url"] = json!("https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a@p.iam.gserviceaccount.com:generateAccessToken");
            i["service_account_impersonation"] = json!({"token_lifetime_seconds": 600});
        })
        .unwrap();
        assert!(
            matches!(&config.source, Source::Url(_, h) if h == &[("Metadata".to_string(), "True".to_string())])
        );
        assert_eq!(config.format, Format::Json("access_token".into()));
        assert_eq!(config.client, Some(("id".into(), String::new())));
        assert_eq!(config.impersonation.unwrap().1, 600);
        // No token_url: Go's default.
        let config = with(|i| {
            i.as_object_mut().unwrap().remove("token_url");
        })
        .unwrap();
        assert_eq!(config.token_url, DEFAULT_TOKEN_URL);
        // A workforce pool's project to bill; on a workload pool it is a mistake.
        let workforce = "//iam.googleapis.com/locations/global/workforcePools/pool/providers/idp";
        let config = with(|i| {
            i["audience"] = json!(workforce);
            i["workforce_pool_user_project"] = json!("acme-billing");
        })
        .unwrap();
        assert_eq!(config.user_project.as_deref(), Some("acme-billing"));
        let refused = with(|i| i["workforce_pool_user_project"] = json!("acme-billing"));
        assert!(refused.unwrap_err().contains("no workforce pool's"));
    }

    #[test]
    fn missing_and_mistyped_fields_are_one_reason_each() {
        let cases: Vec<(Change, &str)> = vec![
            (
                Box::new(|i| {
                    i.as_object_mut().unwrap().remove("audience");
                }),
                "no audience",
            ),
            (
                Box::new(|i| {
                    i.as_object_mut().unwrap().remove("subject_token_type");
                }),
                "no subject_token_type",
            ),
            (
                Box::new(|i| {
                    i.as_object_mut().unwrap().remove("credential_source");
                }),
                "no credential_source",
            ),
            (
                Box::new(|i| i["credential_source"] = json!("/var/run/token")),
                "not an object",
            ),
            (
                Box::new(|i| i["credential_source"] = json!({})),
                "no file or url",
            ),
            (
                Box::new(|i| i["credential_source"] = json!({"file": 3})),
                "file is not a string",
            ),
            (
                Box::new(|i| i["credential_source"] = json!({"file": "/a", "url": "https://a/"})),
                "both",
            ),
            (
                Box::new(|i| i["audience"] = json!(["a"])),
                "audience is not a string",
            ),
            (
                Box::new(|i| i["credential_source"]["format"] = json!({"type": "json"})),
                "no subject_token_field_name",
            ),
            (
                Box::new(|i| i["credential_source"]["format"] = json!({"type": "xml"})),
                "neither text nor json",
            ),
            (
                Box::new(|i| {
                    i["credential_source"] = json!({"url": "https://a/", "headers": {"X": 1}})
                }),
                "header is not a string",
            ),
            (
                Box::new(|i| {
                    i["credential_source"] =
                        json!({"url": "https://a/", "headers": {"X": "a\r\nHost: b"}})
                }),
                "not one HTTP can carry",
            ),
            (
                Box::new(|i| {
                    i["credential_source"] = json!({"url": "https://a/", "headers": {"X Y": "a"}})
                }),
                "not one HTTP can carry",
            ),
            (
                Box::new(|i| i["credential_source"] = json!({"url": "http://tokens.example/t"})),
                "url is not https",
            ),
            (
                Box::new(|i| {
                    i["credential_source"] = json!({"url": "https://u:p@tokens.example/t"})
                }),
                "url is not https",
            ),
            (
                Box::new(|i| {
                    i["credential_source"] =
                        json!({"environment_id": "aws1", "region_url": "http://169.254.169.254/"})
                }),
                "AWS-sourced credentials (environment_id aws1) are not supported",
            ),
            (
                Box::new(|i| i["subject_token_type"] = json!(AWS_TOKEN_TYPE)),
                "AWS-sourced",
            ),
            (
                Box::new(|i| {
                    i["credential_source"] =
                        json!({"executable": {"command": "/bin/sh -c 'curl evil'"}})
                }),
                "executable-sourced credentials are not supported",
            ),
            (
                Box::new(|i| {
                    i["credential_source"] =
                        json!({"certificate": {"use_default_certificate_config": true}})
                }),
                "certificate-sourced",
            ),
            (
                Box::new(|i| {
                    i["credential_source"] = json!({"environment_id": "gcp1", "file": "/a"})
                }),
                "environment_id",
            ),
            (
                Box::new(|i| {
                    i["service_account_impersonation_url"] = json!(
                        "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a"
                    )
                }),
                "generateAccessToken",
            ),
            (
                Box::new(|i| {
                    i["service_account_impersonation_url"] = json!("https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a:generateAccessToken");
                    i["service_account_impersonation"] = json!({"token_lifetime_seconds": "3600"});
                }),
                "token_lifetime_seconds",
            ),
            (
                Box::new(|i| {
                    i["service_account_impersonation_url"] = json!("https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a:generateAccessToken");
                    i["service_account_impersonation"] = json!({"token_lifetime_seconds": 86400});
                }),
                "token_lifetime_seconds",
            ),
        ];
        for (change, reason) in cases {
            let why = with(change).unwrap_err();
            assert!(why.contains(reason), "{why} (wanted {reason})");
            assert!(!why.contains('\n'));
        }
    }

    #[test]
    fn token_urls_are_googles_hosts_over_https_or_loopback() {
        for good in [
            "https://sts.googleapis.com/v1/token",
            "https://STS.googleapis.com/v1/token",
            "https://sts.googleapis.com:443/v1/token",
            "https://us-east-1.sts.googleapis.com/v1/token",
            "https://sts.us-east-1.googleapis.com/v1/token",
            "https://us-east-1-sts.googleapis.com/v1/token",
            "https://sts-xyz.p.googleapis.com/v1/token",
            "https://sts.europe-west3.rep.googleapis.com/v1/token",
            "http://127.0.0.1:8080/v1/token",
            "https://localhost/v1/token",
        ] {
            assert!(google_endpoint(good, "sts"), "{good}");
        }
        for bad in [
            "http://sts.googleapis.com/v1/token",
            "https://sts.googleapis.com.evil.example/v1/token",
            "https://evil.example/sts.googleapis.com/v1/token",
            "https://evil.example?.sts.googleapis.com",
            "https://sts.googleapis.com@evil.example/v1/token",
            "https://user@sts.googleapis.com/v1/token",
            "https://sts.googleapis.com:8443/v1/token",
            "https://sts.googleapis.com:/v1/token",
            "https://a.b.sts.googleapis.com/v1/token",
            "https://sts.a.b.googleapis.com/v1/token",
            "https://.sts.googleapis.com/v1/token",
            "https://sts..googleapis.com/v1/token",
            "https://-sts.googleapis.com/v1/token",
            "https://evilsts.googleapis.com.example/v1/token",
            "https://sts.googleapis.com\\@evil.example/",
            "https://sts.googleapis.com /v1/token",
            " https://sts.googleapis.com/v1/token",
            "https://iamcredentials.googleapis.com/v1/token",
            "https://sts.googleapis.co/v1/token",
            "https://stsXgoogleapis.com/v1/token",
            "https://googleapis.com/v1/token",
            "https://127.0.0.1.evil.example/v1/token",
            "ftp://sts.googleapis.com/v1/token",
            "sts.googleapis.com/v1/token",
        ] {
            assert!(!google_endpoint(bad, "sts"), "{bad}");
        }
        for good in [
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/a:generateAccessToken",
            "https://iamcredentials-xyz.p.googleapis.com/v1/x",
            "https://us-east1-iamcredentials.googleapis.com/v1/x",
        ] {
            assert!(google_endpoint(good, "iamcredentials"), "{good}");
        }
        for bad in [
            "https://iamcredentials.googleapis.com.evil.example/v1/x",
            "https://sts.googleapis.com/v1/x",
            "https://iamcredentials.x.rep.googleapis.com/v1/x",
        ] {
            assert!(!google_endpoint(bad, "iamcredentials"), "{bad}");
        }
        // A look-alike host in a file is refused before anything is read or sent.
        let why =
            with(|i| i["token_url"] = json!("https://sts.googleapis.com.evil.example/v1/token"))
                .unwrap_err();
        assert!(why.contains("token_url is not"), "{why}");
        let why =
            with(|i| i["token_url"] = json!("http://sts.googleapis.com/v1/token")).unwrap_err();
        assert!(why.contains("token_url is not"), "{why}");
        let why = with(|i| i["service_account_impersonation_url"] = json!("https://iamcredentials.googleapis.com.evil.example/v1/projects/-/serviceAccounts/a:generateAccessToken")).unwrap_err();
        assert!(
            why.contains("service_account_impersonation_url is not"),
            "{why}"
        );
    }

    #[test]
    fn subject_urls_are_https_or_the_machine_or_link_local() {
        for good in [
            "https://token.actions.githubusercontent.com/x?audience=y",
            "https://ghes.example:8443/x",
            "http://169.254.169.254/metadata/identity/oauth2/token",
            "http://127.0.0.1:9000/token",
        ] {
            assert!(subject_url(good), "{good}");
        }
        for bad in [
            "http://tokens.example/t",
            "http://10.0.0.1/t",
            "http://169.254.169.254.evil.example/t",
            "https://a@b/t",
            "file:///etc/passwd",
            "http://127.0.0.1/t\r\nX: y",
        ] {
            assert!(!subject_url(bad), "{bad}");
        }
    }
}
