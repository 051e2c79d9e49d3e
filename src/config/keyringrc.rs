//! Migration from the peers: keyrings.codeartifact's `keyringrc.cfg` sections and the Poetry
//! plugins' `POETRY_CA_DEFAULT_AWS_PROFILE`, read only when there is no ca-env configuration
//! file, so their users switch with no edits.

use super::{valid_token_duration, Config, ProfileRule, Seconds};
use crate::env::Env;
use crate::ini;
use crate::problem::Problem;

impl Config {
    /// What the peers' users configured: keyringrc.cfg's sections and the Poetry plugins'
    /// default profile.
    pub(super) fn read_peers(&mut self, env: &Env) {
        self.read_keyringrc(env);
        self.poetry_plugin_profile = env
            .var(crate::tools::registry::POETRY_CA_DEFAULT_AWS_PROFILE)
            .filter(|p| !p.is_empty());
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
                .push(Problem::in_file(&path, None, "not valid UTF-8"));
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
                    None => self.problems.push(Problem::in_file(
                        &path,
                        Some(section.line_of("token_duration").unwrap_or(section.line)),
                        "token_duration must be 0 or 900 to 43200 seconds",
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
