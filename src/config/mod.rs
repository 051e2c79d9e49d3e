//! The user's configuration (never the project's): `$CA_ENV_CONFIG` or
//! `$XDG_CONFIG_HOME/ca-env/config.toml`, and — only when that file does not exist — what the
//! tools ca-env replaces already know: keyrings.codeartifact's `keyringrc.cfg` sections and
//! `POETRY_CA_DEFAULT_AWS_PROFILE`.

use std::path::PathBuf;

use crate::codeartifact::url::Mapping;
use crate::codeartifact::{DomainOwner, Repository};
use crate::env::Env;
use crate::error::io_reason;
use crate::problem::Problem;

/// A problem at the file and line of a span.
type At<'a> = &'a dyn Fn(&std::ops::Range<usize>, &str) -> Problem;

use crate::clock::Seconds;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    pub profile: Option<String>,
    pub duration: Seconds,
    pub refresh_before: Seconds,
    pub hook_deadline: Seconds,
    pub command_deadline: Seconds,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            profile: None,
            duration: 12 * 3600,
            refresh_before: 15 * 60,
            hook_deadline: 2,
            command_deadline: 10,
        }
    }
}

/// A `[[profile]]` section, or a keyringrc `[codeartifact …]` section: which AWS profile (and
/// token lifetime) to use for the repositories it matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileRule {
    pub domain: Option<String>,
    pub owner: Option<String>,
    pub region: Option<String>,
    pub repository: Option<String>,
    pub profile: Option<String>,
    pub duration: Option<Seconds>,
}

/// `[[azure]]`: how the Azure CLI signs in for one organization's tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureRule {
    /// Lower-cased: Azure DevOps organization names compare ignoring case.
    pub organization: String,
    pub tenant: Option<String>,
    pub subscription: Option<String>,
}

impl AzureRule {
    /// The entry's profile: `tenant=T`, `subscription=S`, or both joined by `,` (a token for
    /// another tenant is another entry).
    pub fn profile(&self) -> String {
        let parts: Vec<String> = [
            ("tenant", &self.tenant),
            ("subscription", &self.subscription),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();
        parts.join(",")
    }
}

impl ProfileRule {
    /// How many keys it names, or None when a key it names does not match.
    fn specificity(&self, r: &Repository) -> Option<usize> {
        let keys = [
            (&self.domain, &r.domain),
            (&self.owner, &r.owner),
            (&self.region, &r.region),
            (&self.repository, &r.repository),
        ];
        let mut n = 0;
        for (want, have) in keys {
            if let Some(want) = want {
                if want != have {
                    return None;
                }
                n += 1;
            }
        }
        Some(n)
    }
}

/// Where the AWS profile of a source came from; shown by `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileOrigin {
    /// A matching `[[profile]]` section.
    Config,
    /// The project named it (poetry-codeartifact-login-plugin's `aws_profile`).
    Project,
    /// keyrings.codeartifact's `keyringrc.cfg`.
    Keyringrc,
    /// `[defaults] profile`.
    Default,
    /// `POETRY_CA_DEFAULT_AWS_PROFILE`.
    PoetryPluginEnv,
    /// None named: the AWS default chain (`AWS_PROFILE`, then `default`).
    AwsDefault,
    /// Not an AWS repository: the provider's own sign-in (`az`, `gcloud`, or their variables).
    ProviderSignIn,
}

impl ProfileOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileOrigin::Config => "config",
            ProfileOrigin::Project => "project",
            ProfileOrigin::Keyringrc => "keyringrc",
            ProfileOrigin::Default => "defaults",
            ProfileOrigin::PoetryPluginEnv => "POETRY_CA_DEFAULT_AWS_PROFILE",
            ProfileOrigin::AwsDefault => "aws-default-chain",
            ProfileOrigin::ProviderSignIn => "provider-sign-in",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The ca-env configuration file, when it exists.
    pub file: Option<PathBuf>,
    pub defaults: Defaults,
    pub profiles: Vec<ProfileRule>,
    pub trusted_owners: Vec<String>,
    pub trusted_domains: Vec<DomainOwner>,
    pub mappings: Vec<Mapping>,
    /// `[[azure]]`: the Azure CLI's tenant and subscription per organization.
    pub azure: Vec<AzureRule>,
    /// keyringrc.cfg's `[codeartifact …]` sections (only read without a ca-env file). The
    /// unqualified `[codeartifact]` section is the last, matching everything.
    pub keyringrc: Vec<ProfileRule>,
    /// `POETRY_CA_DEFAULT_AWS_PROFILE` (only read without a ca-env file).
    pub poetry_plugin_profile: Option<String>,
    /// One line per thing that could not be used, each naming the file and line.
    pub problems: Vec<Problem>,
}

impl Config {
    /// Loads the user's configuration. Never fails: what cannot be used becomes a problem and
    /// the built-in defaults stand in.
    pub fn load(env: &Env) -> Config {
        let path = config_path(env);
        let mut config = Config::default();
        match path.as_deref().map(std::fs::read) {
            Some(Ok(bytes)) => {
                let path = path.unwrap_or_default();
                config.file = Some(path.clone());
                config.read_toml(&path, &bytes);
            }
            Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                let path = path.unwrap_or_default();
                config.file = Some(path.clone());
                config.problems.push(Problem::in_file(
                    &path,
                    None,
                    format!("cannot read: {}", io_reason(&e)),
                ));
            }
            _ => {
                config.read_peers(env);
            }
        }
        config
    }

    /// The AWS profile for a repository: a matching `[[profile]]` (most specific first), the
    /// project's own naming, keyringrc.cfg, `[defaults] profile`, the Poetry plugin's variable,
    /// else the AWS default chain.
    pub fn profile_for(
        &self,
        repo: &Repository,
        project_named: Option<&str>,
    ) -> (Option<String>, ProfileOrigin) {
        if repo.provider == crate::provider::ProviderKind::Azure {
            let org = repo.domain.to_ascii_lowercase();
            if let Some(rule) = self.azure.iter().find(|r| r.organization == org) {
                return (Some(rule.profile()), ProfileOrigin::Config);
            }
        }
        if repo.provider != crate::provider::ProviderKind::CodeArtifact {
            return (None, ProfileOrigin::ProviderSignIn);
        }
        if let Some(rule) = best_match(&self.profiles, repo) {
            return (rule.profile.clone(), ProfileOrigin::Config);
        }
        if let Some(p) = project_named.filter(|p| !p.is_empty()) {
            return (Some(p.to_string()), ProfileOrigin::Project);
        }
        if let Some(p) = best_match(self.keyringrc.iter().filter(|r| r.profile.is_some()), repo) {
            return (p.profile.clone(), ProfileOrigin::Keyringrc);
        }
        if let Some(p) = &self.defaults.profile {
            return (Some(p.clone()), ProfileOrigin::Default);
        }
        if let Some(p) = &self.poetry_plugin_profile {
            return (Some(p.clone()), ProfileOrigin::PoetryPluginEnv);
        }
        (None, ProfileOrigin::AwsDefault)
    }

    /// Token lifetime to ask for: keyringrc's `token_duration` when it is what we read, else
    /// `[defaults] duration`.
    pub fn duration_for(&self, repo: &Repository) -> Seconds {
        best_match(self.keyringrc.iter().filter(|r| r.duration.is_some()), repo)
            .and_then(|r| r.duration)
            .unwrap_or(self.defaults.duration)
    }

    /// Trusted by the configuration itself (`[trust]`), as opposed to `ca-env allow`.
    pub fn trusts(&self, pair: &DomainOwner) -> bool {
        let account = pair.provider == crate::provider::ProviderKind::CodeArtifact
            && self.trusted_owners.contains(&pair.owner);
        account || self.trusted_domains.contains(pair)
    }
}

fn best_match<'a>(
    rules: impl IntoIterator<Item = &'a ProfileRule>,
    repo: &Repository,
) -> Option<&'a ProfileRule> {
    let mut best: Option<(usize, &ProfileRule)> = None;
    for rule in rules {
        if let Some(n) = rule.specificity(repo) {
            if best.is_none_or(|(b, _)| n > b) {
                best = Some((n, rule));
            }
        }
    }
    best.map(|(_, r)| r)
}

/// The file ca-env reads its configuration from.
pub fn config_path(env: &Env) -> Option<PathBuf> {
    match env
        .var(crate::tools::registry::CA_ENV_CONFIG)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(PathBuf::from(p)),
        None => env.xdg_config_home().map(|d| d.join("ca-env/config.toml")),
    }
}

/// `0`, or 15 minutes to 12 hours: what GetAuthorizationToken accepts.
pub fn valid_token_duration(s: Seconds) -> bool {
    s == 0 || (900..=43200).contains(&s)
}

/// Parses `"0"`, `"90"` (seconds), `"2s"`, `"15m"`, `"12h"`, `"1h30m"`.
pub fn parse_duration(s: &str) -> Option<Seconds> {
    if s == "0" {
        return Some(0);
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let mut total: Seconds = 0;
    let mut number = String::new();
    for c in s.chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' | 's' if !number.is_empty() => {
                let n: Seconds = number.parse().ok()?;
                let unit = match c {
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                };
                total = total.checked_add(n.checked_mul(unit)?)?;
                number.clear();
            }
            _ => return None,
        }
    }
    (number.is_empty() && !s.is_empty()).then_some(total)
}

mod file;
mod keyringrc;

#[cfg(test)]
mod tests;
