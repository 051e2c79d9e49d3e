//! The npm user configuration file `NPM_CONFIG_USERCONFIG` points at, for npm and pnpm. Their
//! credentials are `//host/path/:_authToken=TOKEN` keys (or `:username` and `:_password`) in
//! a configuration file, names no shell can export; and a project's `.npmrc` is no place for a
//! token (pnpm 10.34 and later also ignore `${…}` auth there). npm and pnpm read their user
//! configuration from the file `NPM_CONFIG_USERCONFIG` names, so ca-env writes one: its own
//! credential lines per registry first, then every line of the user's own npmrc (their
//! `NPM_CONFIG_USERCONFIG` file, else `~/.npmrc`) except the credentials it had for those
//! registries. The user's settings (other registries' credentials, `fund=false`…) keep
//! applying through it.
//!
//! npm and pnpm read `npm_config_userconfig` in any case, and when both spellings are set the
//! later one in the environment wins; so a lower-case one of the user's is not overridden
//! (the user is told).

use std::path::Path;

use super::generated::{finish, Kind, Written};
use crate::env::Env;
use crate::secret::Secret;
use crate::sources::Source;
use crate::tools::registry::{NPM_CONFIG_USERCONFIG, NPM_CONFIG_USERCONFIG_LC};

const NPMRC_FILE: Kind = Kind {
    extension: "npmrc",
    what: "the npm configuration",
    left_out: "its settings are not in the npm configuration ca-env gives npm",
};

/// A token npm's `ini` reader takes as one plain value.
fn safe(token: &Secret) -> bool {
    token.expose().bytes().all(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'=' | b'+' | b'/')
    })
}

/// npm's key for a registry's credentials (`npm-registry-fetch`'s nerf dart): the URL without
/// its scheme, ending in `/`.
pub fn nerf_dart(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    if rest.ends_with('/') {
        format!("//{rest}")
    } else {
        format!("//{rest}/")
    }
}

/// Writes (when something changed) the npm configuration for the sources that list
/// `NPM_CONFIG_USERCONFIG`, into the first of [`crate::state::generated_dirs`] that takes it. One file
/// per set of registries and user file, so its name stays the same when the tokens are renewed.
pub fn write(with_tokens: &[(&Source, &Secret)], env: &Env) -> Result<Written, String> {
    use sha2::{Digest, Sha256};
    let wanted: Vec<&(&Source, &Secret)> = with_tokens
        .iter()
        .filter(|(s, _)| s.vars.iter().any(|v| v.name == NPM_CONFIG_USERCONFIG))
        .collect();
    if wanted.is_empty() {
        return Ok(Written::default());
    }
    let dirs = crate::state::generated_dirs(env);
    if dirs.is_empty() {
        return Ok(Written::default());
    }
    let ours = |p: &Path| dirs.iter().any(|d| p.starts_with(d));
    if let Some(lower) = env.var(NPM_CONFIG_USERCONFIG_LC).filter(|v| !v.is_empty()) {
        if !ours(Path::new(&lower)) {
            return Ok(Written {
                problem: Some(format!(
                    "{NPM_CONFIG_USERCONFIG_LC} is set: npm and pnpm would read it or ca-env's {NPM_CONFIG_USERCONFIG}, whichever comes later in the environment, so npm gets no credentials; set {NPM_CONFIG_USERCONFIG} instead"
                )),
                ..Written::default()
            });
        }
    }
    let mut darts: Vec<String> = Vec::new();
    let mut text = String::from(
        "; Written by ca-env: its registries' credentials, then the user's own npm settings.\n",
    );
    let mut name = Sha256::new();
    for (source, token) in wanted {
        let dart = nerf_dart(&source.url.url());
        if darts.contains(&dart) || !safe(token) {
            continue;
        }
        name.update(dart.as_bytes());
        name.update([0]);
        text.push_str(&credential_lines(&dart, source, token));
        darts.push(dart);
    }
    if darts.is_empty() {
        return Ok(Written::default());
    }
    let user = crate::project::npm_user_file(env).map(|(p, _)| p);
    let keep = |t: &str| Ok(without_credentials_for(t, &darts));
    finish(&dirs, name, text, user, keep, &NPMRC_FILE)
}

/// The lines that give npm `source`'s credentials: the token as `_authToken` (sent as a bearer
/// token), or for a service that takes none that way (Azure DevOps) the user name and the token
/// base64-encoded as `_password`, which npm sends as Basic, as Azure DevOps documents.
fn credential_lines(dart: &str, source: &Source, token: &Secret) -> String {
    use base64::Engine;
    let repository = &source.url.repository;
    if repository.provider.service().bearer {
        return format!("{dart}:_authToken={}\n", token.expose());
    }
    let password = base64::engine::general_purpose::STANDARD.encode(token.expose());
    format!(
        "{dart}:username={}\n{dart}:_password={password}\n",
        repository.user_name()
    )
}

/// `text` without its lines setting anything of `darts`' (`//host/path/:_authToken=…`,
/// `:_auth`, `:_password`, `:username`…; hosts compared ignoring case), the rest verbatim.
fn without_credentials_for(text: &str, darts: &[String]) -> String {
    let mut kept = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let drop = crate::project::npmrc_line(line).is_some_and(|(key, _)| {
            let key = key.to_ascii_lowercase();
            darts
                .iter()
                .any(|d| key.starts_with(&format!("{}:", d.to_ascii_lowercase())))
        });
        if !drop {
            kept.push_str(line);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_keys_as_npm_makes_them() {
        assert_eq!(
            nerf_dart("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/web/"),
            "//corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/web/"
        );
        assert_eq!(nerf_dart("http://127.0.0.1:4873"), "//127.0.0.1:4873/");
    }

    #[test]
    fn the_users_credentials_for_our_registries_go_and_the_rest_stays() {
        let darts = vec!["//ca.example/npm/web/".to_string()];
        let user = "fund=false\n//CA.example/npm/web/:_authToken=old\n//ca.example/npm/web/:username=u\n//other.example/:_authToken=mine\n; //ca.example/npm/web/:_authToken=comment\n//ca.example/npm/webx/:_authToken=keep\n@corp:registry=https://ca.example/npm/web/";
        assert_eq!(
            without_credentials_for(user, &darts),
            "fund=false\n//other.example/:_authToken=mine\n; //ca.example/npm/web/:_authToken=comment\n//ca.example/npm/webx/:_authToken=keep\n@corp:registry=https://ca.example/npm/web/"
        );
    }

    #[test]
    fn odd_tokens_are_not_written() {
        assert!(safe(&Secret::plain("eyJ.ab-_c=")));
        assert!(!safe(&Secret::plain("a\nb")));
        assert!(!safe(&Secret::plain("a;b")));
        assert!(!safe(&Secret::plain("a b")));
    }
}
