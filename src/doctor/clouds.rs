//! Azure Artifacts and Google Artifact Registry: for each of them this project uses, where its
//! token would come from (a variable, application default credentials, a managed identity, the
//! cloud's CLI), read without a call; with `--online`, one token per trusted entry, not kept.

use std::time::Duration;

use super::{Check, Context};
use crate::provider::{Key, Provider, ProviderKind, Terminal};

const GROUP: &str = "clouds";

pub fn check(cx: &Context, out: &mut Vec<Check>) {
    for provider in [ProviderKind::Azure, ProviderKind::Google] {
        let sources: Vec<_> = cx
            .project
            .sources
            .iter()
            .filter(|s| s.url.repository.provider == provider)
            .collect();
        if sources.is_empty() {
            continue;
        }
        let (name, source, hint) = match provider {
            ProviderKind::Azure => (
                "Azure Artifacts",
                crate::azure::client::source(cx.env),
                "install the Azure CLI and run 'az login', or set AZURE_DEVOPS_EXT_PAT",
            ),
            _ => (
                "Artifact Registry",
                crate::google::client::source(cx.env),
                "install the gcloud CLI and run 'gcloud auth login', or 'gcloud auth application-default login'",
            ),
        };
        out.push(match source {
            Some(from) => Check::ok(GROUP, "credentials", format!("{name}: tokens from {from}")),
            None => Check::fail(
                GROUP,
                "credentials",
                format!("{name}: no source of tokens here"),
                hint,
            ),
        });
        let key_of = |s: &&crate::sources::Source| crate::credentials::wanted(s, cx.env).key;
        let mut keys: Vec<Key> = sources.iter().map(key_of).collect();
        keys.sort();
        keys.dedup();
        if !cx.online {
            out.push(Check::skip(
                GROUP,
                "online",
                format!("{name} not asked: 'ca-env doctor --online' asks for a token per entry"),
            ));
            continue;
        }
        let within = Duration::from_secs(cx.config.defaults.command_deadline.max(1));
        for key in &keys {
            let trusted = sources.iter().any(|s| s.trusted && key_of(s) == *key);
            out.push(online(key, trusted, within));
        }
    }
}

/// One token for `key` from its provider, not kept; an untrusted one is not asked.
fn online(key: &Key, trusted: bool, within: Duration) -> Check {
    if !trusted {
        return Check::skip(
            GROUP,
            "online",
            format!(
                "not asked for {}: not trusted ('ca-env allow')",
                key.describe()
            ),
        );
    }
    match crate::credentials::Providers.fetch(key, 0, within, Terminal::Detach) {
        Ok(_) => Check::ok(
            GROUP,
            "online",
            format!("{} gets a token (not kept)", key.describe()),
        ),
        Err(e) => Check::fail(
            GROUP,
            "online",
            e.error.message,
            e.error.hint.unwrap_or_else(|| "run 'ca-env login'".into()),
        ),
    }
}
