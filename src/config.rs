//! The user's configuration (never the project's): `$CA_ENV_CONFIG` or
//! `$XDG_CONFIG_HOME/ca-env/config.toml`, and — only when that file does not exist — what the
//! tools ca-env replaces already know: keyrings.codeartifact's `keyringrc.cfg` sections and
//! `POETRY_CA_DEFAULT_AWS_PROFILE`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::codeartifact::url::{self, Mapping};
use crate::codeartifact::{DomainOwner, Repository};
use crate::env::Env;
use crate::error::io_reason;
use crate::ini;
use crate::text::line_of;

/// Names the file and line of a span, for problems.
type At<'a> = &'a dyn Fn(&std::ops::Range<usize>) -> String;

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
    /// keyringrc.cfg's `[codeartifact …]` sections (only read without a ca-env file). The
    /// unqualified `[codeartifact]` section is the last, matching everything.
    pub keyringrc: Vec<ProfileRule>,
    /// `POETRY_CA_DEFAULT_AWS_PROFILE` (only read without a ca-env file).
    pub poetry_plugin_profile: Option<String>,
    /// One line per thing that could not be used, each naming the file and line.
    pub problems: Vec<String>,
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
                config.problems.push(format!(
                    "{}: cannot read: {}",
                    path.display(),
                    io_reason(&e)
                ));
            }
            _ => {
                config.read_keyringrc(env);
                config.poetry_plugin_profile = env
                    .var("POETRY_CA_DEFAULT_AWS_PROFILE")
                    .filter(|p| !p.is_empty());
            }
        }
        config
    }

    fn read_toml(&mut self, path: &Path, bytes: &[u8]) {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let line = line_of(bytes, e.valid_up_to());
                self.problems
                    .push(format!("{}:{line}: not valid UTF-8", path.display()));
                return;
            }
        };
        let raw: RawConfig = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.span().map_or(1, |s| line_of(bytes, s.start));
                self.problems.push(format!(
                    "{}:{line}: {}",
                    path.display(),
                    e.message().lines().next().unwrap_or("invalid TOML")
                ));
                return;
            }
        };
        // `file:line` of a span, for problems.
        let at = |span: &std::ops::Range<usize>| {
            format!("{}:{}", path.display(), line_of(bytes, span.start))
        };
        self.read_defaults(raw.defaults.unwrap_or_default(), &at);
        self.read_profiles(raw.profile.unwrap_or_default(), &at);
        if let Some(trust) = raw.trust {
            self.read_trust(trust, &at);
        }
        self.read_mappings(raw.mapping.unwrap_or_default(), &at);
    }

    fn read_defaults(&mut self, d: RawDefaults, at: At) {
        let mut duration = |v: Option<toml::Spanned<RawDuration>>,
                            ok: fn(Seconds) -> bool,
                            what: &str,
                            default: Seconds| {
            let Some(v) = v else { return default };
            let secs = match v.get_ref() {
                RawDuration::Text(t) => parse_duration(t),
                RawDuration::Seconds(n) => Some(*n),
            };
            match secs.filter(|s| ok(*s)) {
                Some(s) => s,
                None => {
                    self.problems.push(format!("{}: {what}", at(&v.span())));
                    default
                }
            }
        };
        let defaults = Defaults::default();
        let duration_secs = duration(
            d.duration,
            valid_token_duration,
            "duration must be \"0\" or between 15m and 12h",
            defaults.duration,
        );
        let refresh_before = duration(
            d.refresh_before,
            |s| s <= 12 * 3600,
            "refresh_before must be a duration such as \"15m\", at most 12h",
            defaults.refresh_before,
        );
        let hook_deadline = duration(
            d.hook_deadline,
            |s| (1..=60).contains(&s),
            "hook_deadline must be between 1s and 60s",
            defaults.hook_deadline,
        );
        let command_deadline = duration(
            d.command_deadline,
            |s| (1..=3600).contains(&s),
            "command_deadline must be between 1s and 1h",
            defaults.command_deadline,
        );
        self.defaults = Defaults {
            profile: d.profile.filter(|p| !p.is_empty()),
            duration: duration_secs,
            refresh_before,
            hook_deadline,
            command_deadline,
        };
    }

    fn read_profiles(&mut self, profiles: Vec<toml::Spanned<RawProfile>>, at: At) {
        for p in profiles {
            let (span, p) = (p.span(), p.into_inner());
            let rule = ProfileRule {
                domain: p.domain,
                owner: p.owner,
                region: p.region,
                repository: p.repository,
                profile: p.profile.filter(|s| !s.is_empty()),
                duration: None,
            };
            if rule.profile.is_none() {
                self.problems
                    .push(format!("{}: [[profile]] needs a profile name", at(&span)));
            } else if [&rule.domain, &rule.owner, &rule.region, &rule.repository]
                .iter()
                .all(|k| k.is_none())
            {
                self.problems.push(format!(
                    "{}: [[profile]] names none of domain, owner, region, repository; use [defaults] profile instead",
                    at(&span)
                ));
            } else {
                self.profiles.push(rule);
            }
        }
    }

    fn read_trust(&mut self, trust: RawTrust, at: At) {
        for owner in trust.owners.unwrap_or_default() {
            if url::is_owner(owner.get_ref()) {
                self.trusted_owners.push(owner.into_inner());
            } else {
                self.problems.push(format!(
                    "{}: [trust] owners takes 12-digit account ids",
                    at(&owner.span())
                ));
            }
        }
        for d in trust.domains.unwrap_or_default() {
            match DomainOwner::parse(d.get_ref()) {
                Some(pair) => self.trusted_domains.push(pair),
                None => self.problems.push(format!(
                    "{}: [trust] domains takes DOMAIN-OWNER, e.g. \"corp-111122223333\"",
                    at(&d.span())
                )),
            }
        }
    }

    fn read_mappings(&mut self, mappings: Vec<toml::Spanned<RawMapping>>, at: At) {
        for m in mappings {
            let (span, m) = (m.span(), m.into_inner());
            let repository = Repository {
                domain: m.domain,
                owner: m.owner,
                region: m.region,
                repository: m.repository,
            };
            let problem = url::parse_mapping_prefix(&m.url).err().or_else(|| {
                if !url::is_domain(&repository.domain) {
                    Some("not a valid domain name")
                } else if !url::is_owner(&repository.owner) {
                    Some("owner must be a 12-digit account id")
                } else if !crate::codeartifact::regions::is_known(&repository.region) {
                    Some("not a known AWS region")
                } else if !url::is_repository(&repository.repository) {
                    Some("not a valid repository name")
                } else {
                    None
                }
            });
            match problem {
                Some(reason) => self
                    .problems
                    .push(format!("{}: [[mapping]] {reason}", at(&span))),
                None => self.mappings.push(Mapping {
                    prefix: m.url,
                    repository,
                }),
            }
        }
    }

    fn read_keyringrc(&mut self, env: &Env) {
        let Some(path) = env
            .xdg_config_home()
            .map(|d| d.join("python_keyring/keyringrc.cfg"))
        else {
            return;
        };
        let Ok(bytes) = std::fs::read(&path) else {
            return;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            self.problems
                .push(format!("{}: not valid UTF-8", path.display()));
            return;
        };
        let mut default_rule = None;
        for section in ini::parse(&text) {
            let Some(qualifiers) = keyringrc_qualifiers(&section.name) else {
                continue;
            };
            let mut rule = ProfileRule::default();
            for (key, value) in qualifiers {
                match key.as_str() {
                    "domain" => rule.domain = Some(value),
                    "account" => rule.owner = Some(value),
                    "region" => rule.region = Some(value),
                    "name" => rule.repository = Some(value),
                    _ => {}
                }
            }
            rule.profile = section.get("profile_name").filter(|p| !p.is_empty());
            if let Some(d) = section.get("token_duration") {
                match d
                    .parse::<Seconds>()
                    .ok()
                    .filter(|s| valid_token_duration(*s))
                {
                    Some(s) => rule.duration = Some(s),
                    None => self.problems.push(format!(
                        "{}:{}: token_duration must be 0 or 900 to 43200 seconds",
                        path.display(),
                        section.line_of("token_duration").unwrap_or(section.line)
                    )),
                }
            }
            if section.name.trim() == "codeartifact" {
                default_rule = Some(rule);
            } else {
                self.keyringrc.push(rule);
            }
        }
        self.keyringrc.extend(default_rule);
    }

    /// The AWS profile for a repository: a matching `[[profile]]` (most specific first), the
    /// project's own naming, keyringrc.cfg, `[defaults] profile`, the Poetry plugin's variable,
    /// else the AWS default chain.
    pub fn profile_for(
        &self,
        repo: &Repository,
        project_named: Option<&str>,
    ) -> (Option<String>, ProfileOrigin) {
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
        self.trusted_owners.contains(&pair.owner) || self.trusted_domains.contains(pair)
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
    match env.var("CA_ENV_CONFIG").filter(|p| !p.is_empty()) {
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

/// keyrings.codeartifact's section names: `codeartifact` then `key=value` qualifiers
/// (`domain`, `account`, `region`, `name`), values optionally quoted.
fn keyringrc_qualifiers(section: &str) -> Option<Vec<(String, String)>> {
    let rest = section.strip_prefix("codeartifact")?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    let mut out = Vec::new();
    for word in rest.split_whitespace() {
        let (k, v) = word.split_once('=')?;
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(v);
        out.push((k.to_ascii_lowercase(), v.to_string()));
    }
    Some(out)
}

#[derive(Deserialize, Default)]
struct RawConfig {
    defaults: Option<RawDefaults>,
    profile: Option<Vec<toml::Spanned<RawProfile>>>,
    trust: Option<RawTrust>,
    mapping: Option<Vec<toml::Spanned<RawMapping>>>,
}

#[derive(Deserialize, Default)]
struct RawDefaults {
    profile: Option<String>,
    duration: Option<toml::Spanned<RawDuration>>,
    refresh_before: Option<toml::Spanned<RawDuration>>,
    hook_deadline: Option<toml::Spanned<RawDuration>>,
    command_deadline: Option<toml::Spanned<RawDuration>>,
}

/// `"12h"`, or a bare number of seconds.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawDuration {
    Text(String),
    Seconds(Seconds),
}

#[derive(Deserialize)]
struct RawProfile {
    domain: Option<String>,
    owner: Option<String>,
    region: Option<String>,
    repository: Option<String>,
    profile: Option<String>,
}

#[derive(Deserialize)]
struct RawTrust {
    owners: Option<Vec<toml::Spanned<String>>>,
    domains: Option<Vec<toml::Spanned<String>>>,
}

#[derive(Deserialize)]
struct RawMapping {
    url: String,
    domain: String,
    owner: String,
    region: String,
    repository: String,
}

#[cfg(test)]
mod tests;
