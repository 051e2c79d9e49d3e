//! `ca-env allow` / `ca-env deny`: trust, or stop trusting, the (domain, owner) pairs of this
//! project's sources.

use crate::codeartifact::DomainOwner;
use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::output;
use crate::sources::Project;
use crate::trust::Allowed;

pub fn allow(env: &Env) -> Result<()> {
    let (_, mut allowed, project) = crate::sources::load(env);
    for pair in pairs(&project)? {
        let verb = if allowed.insert(pair.clone()) {
            "allowed"
        } else {
            "already allowed"
        };
        output::note(&format!("{verb} {}", pair.describe()));
    }
    save(&allowed)
}

pub fn deny(env: &Env) -> Result<()> {
    let (config, mut allowed, project) = crate::sources::load(env);
    for pair in pairs(&project)? {
        let verb = if allowed.remove(&pair) {
            "denied"
        } else {
            "was not allowed:"
        };
        output::note(&format!("{verb} {}", pair.describe()));
        if config.trusts(&pair) {
            output::note(&format!(
                "{} stays trusted by [trust] in {}",
                pair.describe(),
                config
                    .file
                    .as_ref()
                    .map_or("the configuration".into(), |f| f.display().to_string())
            ));
        }
    }
    save(&allowed)
}

/// This project's distinct (domain, owner) pairs; an error when there are none.
fn pairs(project: &Project) -> Result<Vec<DomainOwner>> {
    let mut pairs: Vec<DomainOwner> = super::sources_named(project, &[])?
        .iter()
        .map(|s| s.domain_owner())
        .collect();
    pairs.sort();
    pairs.dedup();
    Ok(pairs)
}

pub(super) fn save(allowed: &Allowed) -> Result<()> {
    allowed.save().map_err(|e| match allowed.path() {
        Some(path) => crate::error::cannot_write(path, &e),
        None => Error::new(
            Exit::Runtime,
            format!("cannot keep the allowed domains: {e}"),
        ),
    })
}
