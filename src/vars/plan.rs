//! The values a project's sources give their variables once each has a token (DESIGN §6):
//! `aws` and the token for the username/password pairs, the index URL with both in its
//! userinfo for pip and uv's URL variables, a netrc file for requirements files that name their
//! own index, and a provider's token variable (`CODEARTIFACT_AUTH_TOKEN`…) when its sources
//! share one domain.

use std::path::Path;

use crate::env::Env;
use crate::secret::Secret;
use crate::sources::Source;
use crate::tools::names;
use crate::tools::registry::{self, Kind};
use crate::tools::Form;

/// The variables to set, in order, each once.
#[derive(Debug, Default)]
pub struct Plan {
    vars: Vec<(String, Secret)>,
}

impl Plan {
    /// Sets `name`, unless an earlier source did (the first one wins); list variables collect
    /// every value instead.
    pub fn add(&mut self, name: &str, value: Secret) {
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            None => self.vars.push((name.to_string(), value)),
            Some((_, old)) if registry::kind(name) == Some(Kind::IndexUrls) => {
                if !old.expose().split(' ').any(|v| v == value.expose()) {
                    *old = Secret::plain(format!("{} {}", old.expose(), value.expose()));
                }
            }
            Some(_) => {}
        }
    }

    /// Puts `with` in place of each item of `name`'s list that is `declared` (or uv's
    /// `NAME=declared`), starting from the user's own value when the plan has none yet: the
    /// user's variable keeps its other items and their order.
    pub fn substitute(&mut self, name: &str, users: &str, declared: &str, with: &Secret) {
        let current = match self.vars.iter().find(|(n, _)| n == name) {
            Some((_, v)) => v.expose().to_string(),
            None => users.to_string(),
        };
        let items: Vec<String> = current
            .split_whitespace()
            .map(|item| match item.split_once('=') {
                _ if item == declared => with.expose().to_string(),
                Some((label, url)) if url == declared && !label.contains([':', '/']) => {
                    format!("{label}={}", with.expose())
                }
                _ => item.to_string(),
            })
            .collect();
        self.replace(name, Secret::plain(items.join(" ")));
    }

    /// Sets `name` to `value`, whatever it held.
    fn replace(&mut self, name: &str, value: Secret) {
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            Some((_, old)) => *old = value,
            None => self.vars.push((name.to_string(), value)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Secret)> {
        self.vars.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.vars.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Without the variables named in `names`.
    pub fn without(self, names: &[String]) -> Plan {
        Plan {
            vars: self
                .vars
                .into_iter()
                .filter(|(n, _)| !names.contains(n))
                .collect(),
        }
    }

    /// Only the names a shell can export (a Poetry name with a `.` cannot be).
    pub fn portable(self) -> Plan {
        Plan {
            vars: self
                .vars
                .into_iter()
                .filter(|(n, _)| names::is_portable(n))
                .collect(),
        }
    }
}

/// Builds the plan for `sources`, each with its token. `shared` names the providers' token
/// variables the project manages (`CODEARTIFACT_AUTH_TOKEN` when its CodeArtifact sources share
/// one domain and owner), each set to its provider's token. `netrc` is the file
/// written for requirements files that name their own index ([`super::netrc::write`]), `npmrc`
/// the npm configuration written for npm and pnpm ([`super::npmrc::write`]). `user`
/// is the user's own environment, whose URL variables get credentials in place.
pub fn build(
    with_tokens: &[(&Source, &Secret)],
    shared: &[&str],
    netrc: Option<&Path>,
    npmrc: Option<&Path>,
    user: &Env,
) -> Plan {
    let mut plan = Plan::default();
    for (source, token) in with_tokens {
        let user_name = source.url.repository.user_name();
        for var in &source.vars {
            let value = match var.kind {
                Kind::UserName => Secret::plain(user_name),
                // One token for every source, set below when they share one domain and owner.
                Kind::SharedToken => continue,
                Kind::Password => Secret::plain(token.expose()),
                Kind::Url => Secret::plain(source.url.url()),
                Kind::IndexUrl | Kind::IndexUrls => {
                    Secret::plain(with_credentials(&source.url.url(), user_name, token))
                }
                Kind::BearerToken => Secret::plain(format!("Bearer {}", token.expose())),
                Kind::UserToken => Secret::plain(format!("{user_name}:{}", token.expose())),
                Kind::UserInfo => Secret::plain(format!("{user_name}:{}", percent_encoded(token))),
                Kind::Fixed(value) => Secret::plain(value),
                Kind::NetrcPath => match netrc {
                    Some(path) => Secret::plain(path.to_string_lossy()),
                    None => continue,
                },
                Kind::NugetCredentials => {
                    Secret::plain(format!("Username={user_name};Password={}", token.expose()))
                }
                Kind::NetrcText => {
                    add_netrc_text(&mut plan, &var.name, source, token, user);
                    continue;
                }
                Kind::NpmrcPath => match npmrc {
                    Some(path) => Secret::plain(path.to_string_lossy()),
                    None => continue,
                },
            };
            if let Form::Variable(name) = source.form {
                let users = user.var(name).unwrap_or_default();
                plan.substitute(name, &users, &source.declared, &value);
                continue;
            }
            plan.add(&var.name, value);
        }
    }
    for (source, token) in with_tokens {
        let name = source.url.repository.provider.service().token_variable;
        if shared.contains(&name) {
            plan.add(name, Secret::plain(token.expose()));
        }
    }
    plan
}

/// Adds `source`'s host to the netrc text in `name`, which starts from the user's own value:
/// SwiftPM takes the last entry for a host, so ca-env's come after the user's. A token netrc
/// readers would split is left out (as from the netrc copy).
fn add_netrc_text(plan: &mut Plan, name: &str, source: &Source, token: &Secret, user: &Env) {
    if !super::netrc::safe(token) {
        return;
    }
    let host = source.url.host();
    let host = host.split(':').next().unwrap_or_default();
    let login = source.url.repository.user_name();
    let entry = format!("machine {host} login {login} password {}", token.expose());
    let text = match plan.get(name) {
        Some(old) if old.expose().lines().any(|l| l == entry) => return,
        Some(old) => format!("{}\n{entry}", old.expose()),
        None => match user.var(name).filter(|v| !v.trim().is_empty()) {
            Some(users) => format!("{}\n{entry}", users.trim_end()),
            None => entry,
        },
    };
    plan.replace(name, Secret::plain(text));
}

/// `scheme://USER:TOKEN@rest`, the token percent-encoded so that no character of it can end
/// the userinfo (the user name is one of the providers' plain words or a feed name, which
/// needs no encoding).
pub fn with_credentials(url: &str, user: &str, token: &Secret) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    format!("{scheme}://{user}:{}@{rest}", percent_encoded(token))
}

/// The token with every character but the unreserved ones percent-encoded.
fn percent_encoded(token: &Secret) -> String {
    crate::text::percent_encode(token.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_collect_and_others_keep_the_first() {
        let mut plan = Plan::default();
        plan.add("PIP_INDEX_URL", Secret::plain("a"));
        plan.add("PIP_INDEX_URL", Secret::plain("b"));
        plan.add("PIP_EXTRA_INDEX_URL", Secret::plain("x"));
        plan.add("PIP_EXTRA_INDEX_URL", Secret::plain("y"));
        plan.add("PIP_EXTRA_INDEX_URL", Secret::plain("x"));
        assert_eq!(plan.get("PIP_INDEX_URL").unwrap().expose(), "a");
        assert_eq!(plan.get("PIP_EXTRA_INDEX_URL").unwrap().expose(), "x y");
    }

    #[test]
    fn the_users_own_list_gets_credentials_in_place() {
        let mut plan = Plan::default();
        let users = "https://pypi.org/simple/ https://ca/simple/ name=https://ca/simple/";
        let with = Secret::plain("https://aws:T@ca/simple/");
        plan.substitute("UV_INDEX", users, "https://ca/simple/", &with);
        assert_eq!(
            plan.get("UV_INDEX").unwrap().expose(),
            "https://pypi.org/simple/ https://aws:T@ca/simple/ name=https://aws:T@ca/simple/"
        );
        let other = Secret::plain("https://aws:T@ca2/");
        plan.substitute(
            "UV_INDEX",
            "ignored now",
            "https://pypi.org/simple/",
            &other,
        );
        assert!(plan
            .get("UV_INDEX")
            .unwrap()
            .expose()
            .starts_with("https://aws:T@ca2/ "));
    }

    #[test]
    fn credentials_are_percent_encoded_in_the_userinfo() {
        let t = Secret::token("eyJ.ab-_c".into()).unwrap();
        assert_eq!(
            with_credentials("https://h.example/pypi/r/simple/", "aws", &t),
            "https://aws:eyJ.ab-_c@h.example/pypi/r/simple/"
        );
        let odd = Secret::token("a@b/c:d%'$(x)".into()).unwrap();
        assert_eq!(
            with_credentials("http://127.0.0.1:8/simple/", "aws", &odd),
            "http://aws:a%40b%2Fc%3Ad%25%27%24%28x%29@127.0.0.1:8/simple/"
        );
        // Bundler's `aws:TOKEN` is decoded with `CGI.unescape`, where a raw `+` is a space.
        let plus = Secret::token("a+b/c=d%".into()).unwrap();
        assert_eq!(percent_encoded(&plus), "a%2Bb%2Fc%3Dd%25");
        assert!(!super::super::netrc::safe(&odd));
        assert!(super::super::netrc::safe(&t));
    }
}
