//! `ca-env prompt`: a few characters for a shell prompt (starship's `[custom]`, `PS1`,
//! `RPROMPT`, `fish_right_prompt`). It runs at every prompt, so it reads what the token index
//! already says: no network, no keyring, no process started.
//!
//! - nothing outside a project, or in one without CodeArtifact sources;
//! - `ca !` when a fetch failed for one of the project's trusted sources (within its back-off);
//! - `ca -` when one of them has no token yet (or an expired one), or none is trusted;
//! - else `ca 3h` / `ca 45m`: the time left on the token that expires first.

use crate::env::Env;
use crate::error::Result;
use crate::provider::Terminal;

pub fn run(env: &Env) -> Result<()> {
    let (config, _, project) = crate::sources::load(env);
    if project.sources.is_empty() {
        return Ok(());
    }
    let tokens = crate::credentials::tokens(env, &config, Terminal::Detach)?;
    let now = crate::clock::now();
    let mut nearest: Option<i64> = None;
    let mut missing = false;
    for source in project.sources.iter().filter(|s| s.trusted) {
        let key = crate::credentials::wanted(source, env).key;
        if tokens.remembered_failure(&key).is_some() {
            return crate::output::stdout("ca !");
        }
        match tokens.indexed_expiry(&key).filter(|e| *e > now) {
            Some(expires) => nearest = Some(nearest.map_or(expires, |n| n.min(expires))),
            None => missing = true,
        }
    }
    let shown = match nearest {
        Some(expires) if !missing => format!("ca {}", left(expires - now)),
        _ => "ca -".to_string(),
    };
    crate::output::stdout(&shown)
}

/// `3h` from 3 hours on, else `45m` (at least `1m`).
fn left(seconds: i64) -> String {
    if seconds >= 3600 {
        format!("{}h", seconds / 3600)
    } else {
        format!("{}m", (seconds / 60).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::left;

    #[test]
    fn hours_then_minutes() {
        assert_eq!(left(43_199), "11h");
        assert_eq!(left(3600), "1h");
        assert_eq!(left(3599), "59m");
        assert_eq!(left(30), "1m");
    }
}
