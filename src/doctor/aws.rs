//! AWS: each profile this project's CodeArtifact sources use yields credentials (read from the AWS files,
//! no call), and with `--online`, one GetAuthorizationToken per entry, which also tells how
//! far this machine's clock is from the service's.

use std::time::Duration;

use super::{Check, Context};
use crate::codeartifact::client;
use crate::codeartifact::profile::{self, Files};
use crate::provider::{Key, ProviderKind};

const GROUP: &str = "aws";

/// How far the clocks may differ: ca-env renews a token with a minute left
/// (`token::entry::EXPIRED_MARGIN`), so a clock a minute slow could use an expired one.
const MAX_SKEW: i64 = 60;

pub fn check(cx: &Context, out: &mut Vec<Check>) {
    match crate::token::from_environment(cx.env) {
        Ok(Some(_)) => {
            out.push(Check::ok(
                GROUP,
                "credentials",
                "CODEARTIFACT_AUTH_TOKEN is set: ca-env uses it for every source and calls no AWS",
            ));
            return;
        }
        Ok(None) => {}
        Err(e) => {
            out.push(Check::fail(
                GROUP,
                "credentials",
                e.message,
                e.hint.unwrap_or_default(),
            ));
            return;
        }
    }
    // Azure's and Google's sources are the clouds group's.
    let sources: Vec<&crate::sources::Source> = cx
        .project
        .sources
        .iter()
        .filter(|s| s.url.repository.provider == ProviderKind::CodeArtifact)
        .collect();
    if sources.is_empty() {
        out.push(Check::skip(
            GROUP,
            "credentials",
            "no CodeArtifact source here: no AWS profile to check (run doctor in a project)",
        ));
        return;
    }
    let mut keys: Vec<Key> = sources
        .iter()
        .map(|s| crate::credentials::wanted(s, cx.env).key)
        .collect();
    keys.sort();
    keys.dedup();
    let mut profiles: Vec<Option<String>> = keys.iter().map(|k| k.profile.clone()).collect();
    profiles.sort();
    profiles.dedup();
    let files = Files::load(cx.env);
    let now = crate::clock::now();
    for p in &profiles {
        out.push(
            match profile::credentials(cx.env, &files, p.as_deref(), now) {
                Ok(from) => Check::ok(GROUP, "credentials", format!("credentials: {from}")),
                Err(missing) => Check::fail(GROUP, "credentials", missing.what, missing.hint)
                    .at(missing.file, missing.line),
            },
        );
    }
    if !cx.online {
        out.push(Check::skip(
            GROUP,
            "online",
            "AWS not asked: 'ca-env doctor --online' asks for a token per entry and compares clocks",
        ));
        return;
    }
    online(cx, &sources, &keys, out);
}

/// One GetAuthorizationToken per entry of a trusted source, and the clock against the
/// service's.
fn online(cx: &Context, sources: &[&crate::sources::Source], keys: &[Key], out: &mut Vec<Check>) {
    let within = Duration::from_secs(cx.config.defaults.command_deadline.max(1));
    let mut skew: Option<i64> = None;
    for key in keys {
        let trusted = sources
            .iter()
            .any(|s| s.trusted && crate::credentials::wanted(s, cx.env).key == *key);
        if !trusted {
            out.push(Check::skip(
                GROUP,
                "online",
                format!(
                    "not asked for {}: not trusted ('ca-env allow')",
                    key.describe(),
                ),
            ));
            continue;
        }
        let probe = client::probe(key, within);
        if let Some(s) = probe.skew {
            skew = Some(skew.map_or(s, |old: i64| if s.abs() > old.abs() { s } else { old }));
        }
        out.push(match probe.result {
            Ok(()) => Check::ok(
                GROUP,
                "online",
                format!("AWS gives {} a token (not kept)", key.describe()),
            ),
            Err(e) => Check::fail(
                GROUP,
                "online",
                e.error.message,
                e.error.hint.unwrap_or_else(|| "run 'ca-env login'".into()),
            ),
        });
    }
    match skew {
        None => {}
        Some(s) if s.abs() <= MAX_SKEW => out.push(Check::ok(
            GROUP,
            "clock",
            format!("this machine's clock is within {} s of AWS's", s.abs().max(1)),
        )),
        Some(s) => out.push(Check::fail(
            GROUP,
            "clock",
            format!(
                "this machine's clock is {} {} AWS's: AWS refuses requests signed 15 minutes off, and token expiry is judged by this clock",
                span(s.abs()),
                if s > 0 { "behind" } else { "ahead of" }
            ),
            "set the clock right, and keep it so (e.g. 'timedatectl set-ntp true')",
        )),
    }
}

/// `1 h 5 min`, `3 min 20 s`, `42 s`.
fn span(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s} s"),
        _ => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans() {
        assert_eq!(super::span(42), "42 s");
        assert_eq!(super::span(200), "3 min 20 s");
        assert_eq!(super::span(3900), "1 h 5 min");
    }
}
