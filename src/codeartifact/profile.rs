//! The user's AWS profiles, read from the files the SDK reads (`AWS_CONFIG_FILE` and
//! `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`) without any
//! call: whether a profile is defined, and where its credentials would come from. An SSO
//! session's cached token (`~/.aws/sso/cache/<sha1 of the session name>.json`) is looked at
//! for its expiry only; no key, secret or token is ever kept or shown.

use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};

use crate::env::Env;
use crate::ini::{self, Section};
use crate::output::{printable, tilde};
use crate::tools::registry::{
    AWS_ACCESS_KEY_ID, AWS_CONFIG_FILE, AWS_CONTAINER_CREDENTIALS_FULL_URI,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_EC2_METADATA_DISABLED, AWS_SECRET_ACCESS_KEY,
    AWS_SHARED_CREDENTIALS_FILE, AWS_WEB_IDENTITY_TOKEN_FILE,
};

/// The two AWS files, parsed.
pub struct Files {
    home: Option<PathBuf>,
    config: (PathBuf, Vec<Section>),
    credentials: (PathBuf, Vec<Section>),
}

/// Why a profile yields no credentials, where, and what to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub what: String,
    pub hint: String,
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
}

/// A key of a profile, and where it is written.
struct Found<'a> {
    value: String,
    file: &'a Path,
    line: usize,
}

impl Files {
    /// The files the SDK would read for this environment (absent ones read as empty).
    pub fn load(env: &Env) -> Files {
        let home = env.home();
        let file = |var: &str, default: &str| {
            let path = env
                .var(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(default)))
                .unwrap_or_default();
            let sections = crate::state::read_regular(&path, 1 << 20)
                .ok()
                .flatten()
                .map(|bytes| ini::parse(&String::from_utf8_lossy(&bytes)))
                .unwrap_or_default();
            (path, sections)
        };
        Files {
            config: file(AWS_CONFIG_FILE, ".aws/config"),
            credentials: file(AWS_SHARED_CREDENTIALS_FILE, ".aws/credentials"),
            home,
        }
    }

    /// Whether `profile` is a section of either file.
    pub fn defined(&self, profile: &str) -> bool {
        self.config_section(profile).is_some() || self.credentials_section(profile).is_some()
    }

    /// `[profile NAME]` in the config file (`[default]` too for the default profile).
    fn config_section(&self, profile: &str) -> Option<&Section> {
        let named = format!("profile {profile}");
        self.config.1.iter().rev().find(|s| {
            let name = s.name.trim();
            name == named || (profile == "default" && name == "default")
        })
    }

    fn credentials_section(&self, profile: &str) -> Option<&Section> {
        self.credentials
            .1
            .iter()
            .rev()
            .find(|s| s.name.trim() == profile)
    }

    /// A key of `profile`: the credentials file's over the config file's, as the SDK merges.
    fn key(&self, profile: &str, key: &str) -> Option<Found<'_>> {
        [
            (self.credentials_section(profile), &self.credentials.0),
            (self.config_section(profile), &self.config.0),
        ]
        .into_iter()
        .find_map(|(section, file)| {
            let s = section?;
            Some(Found {
                value: s.get(key)?,
                file,
                line: s.line_of(key)?,
            })
        })
    }

    fn shown(&self, path: &Path) -> String {
        tilde(path, self.home.as_deref())
    }

    fn both(&self) -> String {
        format!(
            "{} or {}",
            self.shown(&self.config.0),
            self.shown(&self.credentials.0)
        )
    }
}

/// Where the credentials for `profile` (None: the SDK's default chain, `AWS_PROFILE` aside)
/// would come from, in one phrase, or why there are none. Looks, never calls: a
/// credential_process is not run, a role is not assumed, the instance metadata is not asked.
pub fn credentials(
    env: &Env,
    files: &Files,
    profile: Option<&str>,
    now: i64,
) -> Result<String, Missing> {
    // The SDK's chain takes the environment's keys first, whatever profile is named.
    if [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]
        .iter()
        .all(|v| env.var(v).is_some_and(|v| !v.is_empty()))
    {
        return Ok(match profile {
            Some(p) => format!(
                "access keys in the environment ({AWS_ACCESS_KEY_ID}), which the SDK takes before profile '{}'",
                printable(p)
            ),
            None => format!("access keys in the environment ({AWS_ACCESS_KEY_ID})"),
        });
    }
    match profile {
        Some(p) => of_profile(files, p, now, 0),
        None if files.defined("default") => of_profile(files, "default", now, 0),
        None => without_profile(env, files),
    }
}

/// No profile named and no `default` one: what is left of the SDK's chain.
fn without_profile(env: &Env, files: &Files) -> Result<String, Missing> {
    if let Some(file) = env
        .var(AWS_WEB_IDENTITY_TOKEN_FILE)
        .filter(|f| !f.is_empty())
    {
        return web_identity(files, Path::new(&file), None);
    }
    if [
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
        AWS_CONTAINER_CREDENTIALS_FULL_URI,
    ]
    .iter()
    .any(|v| env.var(v).is_some_and(|v| !v.is_empty()))
    {
        return Ok("the container's credentials endpoint (AWS_CONTAINER_CREDENTIALS_*)".into());
    }
    let imds = if env.var(AWS_EC2_METADATA_DISABLED).as_deref() == Some("true") {
        "and the instance metadata service is off (AWS_EC2_METADATA_DISABLED)".to_string()
    } else {
        "only an EC2 instance's role could give some ('ca-env doctor --online' asks)".to_string()
    };
    Err(Missing {
        what: format!(
            "no credentials: none in the environment, no default profile in {}, {imds}",
            files.both()
        ),
        hint: "run 'aws configure' (or 'aws configure sso'), or name a profile under [[profile]] in ca-env's configuration".into(),
        file: None,
        line: None,
    })
}

fn of_profile(files: &Files, profile: &str, now: i64, depth: usize) -> Result<String, Missing> {
    let name = printable(profile);
    if !files.defined(profile) {
        return Err(Missing {
            what: format!("profile '{name}' is in neither {}", files.both()),
            hint: "check AWS_PROFILE and the profiles in ca-env's configuration ('ca-env status' shows each source's), or create it with 'aws configure --profile NAME'".into(),
            file: None,
            line: None,
        });
    }
    if let Some(role) = files.key(profile, "role_arn") {
        let at = format!("{}:{}", files.shown(role.file), role.line);
        if let Some(token_file) = files.key(profile, "web_identity_token_file") {
            return web_identity(files, Path::new(&token_file.value), Some(&at));
        }
        if let Some(source) = files.key(profile, "credential_source") {
            return Ok(format!(
                "profile '{name}' assumes a role ({at}) with credential_source {}",
                printable(&source.value)
            ));
        }
        let Some(source) = files.key(profile, "source_profile") else {
            return Err(Missing {
                what: format!("profile '{name}' has role_arn ({at}) but neither source_profile nor credential_source"),
                hint: format!("add source_profile to profile '{name}'"),
                file: Some(role.file.to_path_buf()),
                line: Some(role.line),
            });
        };
        if depth >= 4 || source.value == profile {
            return Err(Missing {
                what: format!(
                    "profile '{name}': its source_profile chain goes round or is too long"
                ),
                hint:
                    "give the chain an end: a profile with access keys, SSO or a credential_process"
                        .into(),
                file: Some(source.file.to_path_buf()),
                line: Some(source.line),
            });
        }
        let from = of_profile(files, &source.value, now, depth + 1)?;
        return Ok(format!(
            "profile '{name}' assumes a role ({at}) with {from}"
        ));
    }
    let session = files.key(profile, "sso_session");
    let start_url = files.key(profile, "sso_start_url");
    if let Some(found) = session.as_ref().or(start_url.as_ref()) {
        let label = match &session {
            Some(s) => format!("SSO session '{}'", printable(&s.value)),
            None => "its SSO sign-in (sso_start_url)".to_string(),
        };
        return sso(files, profile, &found.value, &label, now);
    }
    if let Some(process) = files.key(profile, "credential_process") {
        return Ok(format!(
            "profile '{name}' runs a credential_process ({}:{}; doctor does not run it)",
            files.shown(process.file),
            process.line
        ));
    }
    if let Some(keys) = files.key(profile, "aws_access_key_id") {
        if files.key(profile, "aws_secret_access_key").is_none() {
            return Err(Missing {
                what: format!("profile '{name}' has an access key id but no secret access key"),
                hint: format!("run 'aws configure --profile {name}'"),
                file: Some(keys.file.to_path_buf()),
                line: Some(keys.line),
            });
        }
        return Ok(format!(
            "profile '{name}' has access keys ({}:{})",
            files.shown(keys.file),
            keys.line
        ));
    }
    Err(Missing {
        what: format!(
            "profile '{name}' names no credentials: no access keys, SSO session, credential_process or role in {}",
            files.both()
        ),
        hint: format!("run 'aws configure --profile {name}' (or 'aws configure sso')"),
        file: None,
        line: None,
    })
}

/// An SSO profile: signed in while the token the AWS CLI cached for its session (the session
/// name, or the start URL of a legacy profile) has not expired, or can be refreshed.
fn sso(files: &Files, profile: &str, id: &str, label: &str, now: i64) -> Result<String, Missing> {
    let name = printable(profile);
    let signed_out = |what: String| Missing {
        what,
        hint: format!(
            "run 'ca-env login' on a terminal (it runs 'aws sso login --profile {name}')"
        ),
        file: None,
        line: None,
    };
    let digest = Sha1::digest(id.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let Some(cache) = files
        .home
        .as_ref()
        .map(|h| h.join(".aws/sso/cache").join(format!("{hex}.json")))
    else {
        return Err(signed_out(format!(
            "profile '{name}' uses {label}, and HOME is not set to find its sign-in"
        )));
    };
    let cached: Option<serde_json::Value> = crate::state::read_regular(&cache, 1 << 20)
        .ok()
        .flatten()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let Some(cached) = cached else {
        return Err(signed_out(format!(
            "profile '{name}' uses {label}: not signed in (no sign-in cached in {})",
            files.shown(&cache)
        )));
    };
    let expires = cached["expiresAt"].as_str().and_then(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    });
    let Some(expires) = expires.map(time::OffsetDateTime::unix_timestamp) else {
        return Err(signed_out(format!(
            "profile '{name}' uses {label}: its cached sign-in ({}) has no expiry",
            files.shown(&cache)
        )));
    };
    let until = crate::clock::rfc3339(expires);
    if expires > now {
        return Ok(format!(
            "profile '{name}' uses {label}, signed in until {until}"
        ));
    }
    if cached["refreshToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty())
    {
        return Ok(format!(
            "profile '{name}' uses {label}: its access token ended at {until}, and the SDK renews it with the cached refresh token"
        ));
    }
    Err(signed_out(format!(
        "profile '{name}' uses {label}: signed out since {until}"
    )))
}

fn web_identity(files: &Files, token_file: &Path, role: Option<&str>) -> Result<String, Missing> {
    let shown = files.shown(token_file);
    if token_file.is_file() {
        Ok(match role {
            Some(at) => format!("a role ({at}) assumed with the web identity token in {shown}"),
            None => format!("the web identity token in {shown} ({AWS_WEB_IDENTITY_TOKEN_FILE})"),
        })
    } else {
        Err(Missing {
            what: format!("the web identity token file {shown} does not exist"),
            hint: "check web_identity_token_file or AWS_WEB_IDENTITY_TOKEN_FILE".into(),
            file: None,
            line: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Home(tempfile::TempDir);

    impl Home {
        fn new(config: &str, credentials: &str) -> Home {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join(".aws/sso/cache")).unwrap();
            std::fs::write(dir.path().join(".aws/config"), config).unwrap();
            std::fs::write(dir.path().join(".aws/credentials"), credentials).unwrap();
            Home(dir)
        }

        fn env(&self, extra: &[(&str, &str)]) -> Env {
            let home = self.0.path().display().to_string();
            let mut pairs = vec![("HOME", home.as_str())];
            pairs.extend_from_slice(extra);
            Env::from_pairs(&pairs, None)
        }

        fn check(&self, profile: Option<&str>, extra: &[(&str, &str)]) -> Result<String, Missing> {
            let env = self.env(extra);
            credentials(&env, &Files::load(&env), profile, 1_000_000)
        }

        fn cache(&self, id: &str, json: &str) {
            let hex: String = Sha1::digest(id.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            std::fs::write(
                self.0.path().join(format!(".aws/sso/cache/{hex}.json")),
                json,
            )
            .unwrap();
        }
    }

    #[test]
    fn keys_processes_roles_and_missing_profiles() {
        let home = Home::new(
            "[profile dev]\ncredential_process = /bin/creds\n[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\n[profile loop]\nrole_arn = x\nsource_profile = loop\n[profile empty]\nregion = us-west-2\n",
            "[keys]\naws_access_key_id = AKID\naws_secret_access_key = s\n[half]\naws_access_key_id = AKID\n",
        );
        assert!(home
            .check(Some("keys"), &[])
            .unwrap()
            .contains("has access keys (~/.aws/credentials:2)"));
        assert!(home
            .check(Some("dev"), &[])
            .unwrap()
            .contains("credential_process (~/.aws/config:2"));
        let role = home.check(Some("role"), &[]).unwrap();
        assert!(
            role.contains("assumes a role") && role.contains("profile 'keys' has access keys"),
            "{role}"
        );
        assert!(home
            .check(Some("loop"), &[])
            .unwrap_err()
            .what
            .contains("goes round"));
        assert!(home
            .check(Some("empty"), &[])
            .unwrap_err()
            .what
            .contains("names no credentials"));
        assert_eq!(home.check(Some("half"), &[]).unwrap_err().line, Some(5));
        let missing = home.check(Some("nope"), &[]).unwrap_err();
        assert!(
            missing
                .what
                .contains("'nope' is in neither ~/.aws/config or ~/.aws/credentials"),
            "{missing:?}"
        );
        // The environment's keys come first, as in the SDK.
        let keys = [(AWS_ACCESS_KEY_ID, "AKID"), (AWS_SECRET_ACCESS_KEY, "s")];
        assert!(home
            .check(Some("nope"), &keys)
            .unwrap()
            .contains("before profile 'nope'"));
        // No profile and no default: nothing, unless a container or web identity gives some.
        let none = home
            .check(None, &[(AWS_EC2_METADATA_DISABLED, "true")])
            .unwrap_err();
        assert!(
            none.what.contains("instance metadata service is off"),
            "{none:?}"
        );
        assert!(home
            .check(None, &[(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, "/v2/x")])
            .is_ok());
        let files = Files::load(&home.env(&[]));
        assert!(files.defined("keys") && files.defined("dev") && !files.defined("nope"));
    }

    #[test]
    fn sso_sessions_are_judged_by_their_cached_sign_in() {
        let home = Home::new(
            "[profile sso]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x\n[profile legacy]\nsso_start_url = https://legacy\n",
            "",
        );
        let out = home.check(Some("sso"), &[]).unwrap_err();
        assert!(out.what.contains("not signed in"), "{out:?}");
        assert!(out.hint.contains("aws sso login --profile sso"), "{out:?}");
        home.cache(
            "corp",
            r#"{"accessToken":"secret-token","expiresAt":"1970-01-02T00:00:00Z"}"#,
        );
        let out = home.check(Some("sso"), &[]).unwrap_err();
        assert!(
            out.what.contains("signed out since 1970-01-02T00:00:00Z"),
            "{out:?}"
        );
        assert!(!format!("{out:?}").contains("secret-token"));
        home.cache(
            "corp",
            r#"{"accessToken":"t","expiresAt":"1970-01-02T00:00:00Z","refreshToken":"r"}"#,
        );
        assert!(home.check(Some("sso"), &[]).unwrap().contains("renews it"));
        home.cache(
            "https://legacy",
            r#"{"accessToken":"t","expiresAt":"2999-01-01T00:00:00Z"}"#,
        );
        let ok = home.check(Some("legacy"), &[]).unwrap();
        assert!(ok.contains("signed in until 2999-01-01T00:00:00Z"), "{ok}");
    }
}
