//! `ca-env logout [--all]`: removes stored tokens — this project's, or every one ca-env stored —
//! with what the index remembers of them (expiry, failures).

use std::collections::BTreeSet;

use crate::env::Env;
use crate::error::{Error, Result};
use crate::output;
use crate::provider::Terminal;
use crate::token::Key;

pub fn run(env: &Env, all: bool) -> Result<()> {
    let (config, _, project) = crate::sources::load(env);
    let mut tokens = crate::credentials::tokens(env, &config, Terminal::Detach)?;
    let mut keys: BTreeSet<Key> = project
        .sources
        .iter()
        .map(|s| crate::credentials::wanted(s, env).key)
        .collect();
    if all {
        keys.extend(tokens.known_keys());
    } else {
        // No project or no source: the same errors as login's, with a hint of its own.
        super::sources_named(&project, &[])
            .map_err(|e| e.with_hint("'ca-env logout --all' removes every stored token"))?;
    }
    let mut removed = 0;
    let mut first_error = None;
    for key in &keys {
        match tokens.remove(key) {
            Ok(true) => removed += 1,
            Ok(false) => {}
            Err(e) => {
                output::error_line(&e);
                first_error.get_or_insert(e);
            }
        }
    }
    if all {
        for stray in tokens.stray_files() {
            if std::fs::remove_file(&stray).is_ok() {
                removed += 1;
            }
        }
    }
    // netrc and npm configuration files hold copies of tokens; the hook writes them again
    // where still wanted.
    for dir in crate::state::generated_dirs(env) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry
                .path()
                .extension()
                .is_some_and(|e| e == "netrc" || e == "npmrc")
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let plural = if removed == 1 { "" } else { "s" };
    output::stdout(&format!("removed {removed} stored token{plural}\n"))?;
    first_error.map_or(Ok(()), |e| Err(Error::already_said(&e)))
}
