//! Reading ca-env's own configuration file (TOML): each table into the policy, and whatever
//! cannot be used into a problem naming the file and line.

use std::path::Path;

use serde::Deserialize;

use super::{parse_duration, valid_token_duration, At, Config, Defaults, ProfileRule, Seconds};
use crate::codeartifact::url::{self, Mapping};
use crate::codeartifact::Repository;
use crate::problem::Problem;
use crate::provider::ProviderKind;
use crate::text::line_of;

impl Config {
    pub(super) fn read_toml(&mut self, path: &Path, bytes: &[u8]) {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let line = line_of(bytes, e.valid_up_to());
                self.problems
                    .push(Problem::in_file(path, Some(line), "not valid UTF-8"));
                return;
            }
        };
        let raw: RawConfig = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.span().map_or(1, |s| line_of(bytes, s.start));
                self.problems.push(Problem::in_file(
                    path,
                    Some(line),
                    e.message().lines().next().unwrap_or("invalid TOML"),
                ));
                return;
            }
        };
        let at = |span: &std::ops::Range<usize>, what: &str| {
            Problem::in_file(path, Some(line_of(bytes, span.start)), what)
        };
        self.read_defaults(raw.defaults.unwrap_or_default(), &at);
        self.read_profiles(raw.profile.unwrap_or_default(), &at);
        if let Some(trust) = raw.trust {
            self.read_trust(trust, &at);
        }
        self.read_mappings(raw.mapping.unwrap_or_default(), &at);
        self.read_azure(raw.azure.unwrap_or_default(), &at);
    }

    /// `[[azure]]`: the tenant and subscription the Azure CLI signs in to for an organization.
    fn read_azure(&mut self, rules: Vec<toml::Spanned<RawAzure>>, at: At) {
        // Passed to `az` as arguments of their own: plain words only.
        let plain = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        for r in rules {
            let (span, r) = (r.span(), r.into_inner());
            let problem = if !crate::azure::url::is_organization(&r.organization) {
                Some("[[azure]] organization is not a valid Azure DevOps organization name")
            } else if r.tenant.is_none() && r.subscription.is_none() {
                Some("[[azure]] names neither a tenant nor a subscription")
            } else if [&r.tenant, &r.subscription]
                .iter()
                .any(|v| v.as_deref().is_some_and(|v| !plain(v)))
            {
                Some(
                    "[[azure]] tenant and subscription take letters, digits, '.', '_' and '-' only",
                )
            } else {
                None
            };
            match problem {
                Some(why) => self.problems.push(at(&span, why)),
                None => self.azure.push(super::AzureRule {
                    organization: r.organization.to_ascii_lowercase(),
                    tenant: r.tenant,
                    subscription: r.subscription,
                }),
            }
        }
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
                    self.problems.push(at(&v.span(), what));
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
                    .push(at(&span, "[[profile]] needs a profile name"));
            } else if [&rule.domain, &rule.owner, &rule.region, &rule.repository]
                .iter()
                .all(|k| k.is_none())
            {
                self.problems.push(at(
                    &span,
                    "[[profile]] names none of domain, owner, region, repository; use [defaults] profile instead",
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
                self.problems.push(at(
                    &owner.span(),
                    "[trust] owners takes 12-digit account ids",
                ));
            }
        }
        for d in trust.domains.unwrap_or_default() {
            match crate::codeartifact::parse_trust_unit(d.get_ref()) {
                Some(pair) => self.trusted_domains.push(pair),
                None => self.problems.push(at(
                    &d.span(),
                    "[trust] domains takes DOMAIN-OWNER, e.g. \"corp-111122223333\"",
                )),
            }
        }
    }

    fn read_mappings(&mut self, mappings: Vec<toml::Spanned<RawMapping>>, at: At) {
        for m in mappings {
            let (span, m) = (m.span(), m.into_inner());
            let prefix = m.url.clone();
            let checked = url::parse_mapping_prefix(&prefix).and_then(|()| m.repository());
            match checked {
                Err(reason) => self
                    .problems
                    .push(at(&span, &format!("[[mapping]] {reason}"))),
                Ok(repository) => self.mappings.push(Mapping { prefix, repository }),
            }
        }
    }
}

impl RawMapping {
    /// The repository a mapping names, by its provider's rules: CodeArtifact's domain, owner,
    /// region and repository; an Azure DevOps organization, optional project and feed; a
    /// Google Cloud project, location and repository.
    fn repository(self) -> Result<Repository, &'static str> {
        let need = |v: Option<String>, what: &'static str| v.ok_or(what);
        let provider = match self.provider.as_deref() {
            None => ProviderKind::CodeArtifact,
            Some(p) => {
                ProviderKind::parse(p).ok_or("provider must be codeartifact, azure or google")?
            }
        };
        let repository = match provider {
            ProviderKind::CodeArtifact => Repository {
                provider,
                domain: need(self.domain, "needs a domain")?,
                owner: need(self.owner, "needs an owner")?,
                region: need(self.region, "needs a region")?,
                repository: need(self.repository, "needs a repository")?,
            },
            ProviderKind::Azure => Repository {
                provider,
                domain: need(self.organization, "needs an organization")?,
                owner: self.project.unwrap_or_default(),
                region: String::new(),
                repository: need(self.feed, "needs a feed")?,
            },
            ProviderKind::Google => Repository {
                provider,
                domain: need(self.project, "needs a project")?,
                owner: String::new(),
                region: need(self.location, "needs a location")?,
                repository: need(self.repository, "needs a repository")?,
            },
        };
        let r = &repository;
        match provider {
            ProviderKind::CodeArtifact if !url::is_domain(&r.domain) => {
                Err("not a valid domain name")
            }
            ProviderKind::CodeArtifact if !url::is_owner(&r.owner) => {
                Err("owner must be a 12-digit account id")
            }
            ProviderKind::CodeArtifact if !crate::codeartifact::regions::is_known(&r.region) => {
                Err("not a known AWS region")
            }
            ProviderKind::Azure if !url::is_repository(&r.domain) => {
                Err("not a valid organization name")
            }
            ProviderKind::Azure if !r.owner.is_empty() && !url::is_repository(&r.owner) => {
                Err("not a valid project name")
            }
            ProviderKind::Google if !url::is_repository(&r.domain) => Err("not a valid project id"),
            ProviderKind::Google if !url::is_repository(&r.region) => Err("not a valid location"),
            _ if !url::is_repository(&r.repository) => Err("not a valid repository name"),
            _ => Ok(repository),
        }
    }
}

#[derive(Deserialize, Default)]
struct RawConfig {
    defaults: Option<RawDefaults>,
    profile: Option<Vec<toml::Spanned<RawProfile>>>,
    trust: Option<RawTrust>,
    mapping: Option<Vec<toml::Spanned<RawMapping>>>,
    azure: Option<Vec<toml::Spanned<RawAzure>>>,
}

#[derive(Deserialize)]
struct RawAzure {
    organization: String,
    tenant: Option<String>,
    subscription: Option<String>,
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
    /// `codeartifact` (the default), `azure` or `google`.
    provider: Option<String>,
    domain: Option<String>,
    owner: Option<String>,
    region: Option<String>,
    repository: Option<String>,
    organization: Option<String>,
    project: Option<String>,
    feed: Option<String>,
    location: Option<String>,
}
