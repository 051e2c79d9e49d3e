//! Which (domain, owner) pairs the user allowed with `ca-env allow`: one `DOMAIN-OWNER` a line
//! in `$XDG_STATE_HOME/ca-env/allowed`, replaced atomically. (`[trust]` in the configuration
//! is the other way to trust; see `Config::trusts`.)

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::codeartifact::DomainOwner;
use crate::config::Config;
use crate::env::Env;

#[derive(Debug, Default)]
pub struct Allowed {
    path: Option<PathBuf>,
    pairs: BTreeSet<DomainOwner>,
}

impl Allowed {
    /// Reads the allowed pairs; a missing or unreadable file allows nothing.
    pub fn load(env: &Env) -> Allowed {
        let path = crate::state::dir(env).map(|d| d.allowed());
        let pairs = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| {
                text.lines()
                    .filter_map(|l| crate::codeartifact::parse_trust_unit(l.trim()))
                    .collect()
            })
            .unwrap_or_default();
        Allowed { path, pairs }
    }

    pub fn contains(&self, pair: &DomainOwner) -> bool {
        self.pairs.contains(pair)
    }

    /// Adds a pair; whether it was new.
    pub fn insert(&mut self, pair: DomainOwner) -> bool {
        self.pairs.insert(pair)
    }

    /// Removes a pair; whether it was there.
    pub fn remove(&mut self, pair: &DomainOwner) -> bool {
        self.pairs.remove(pair)
    }

    /// Writes the file whole, by rename.
    pub fn save(&self) -> std::io::Result<()> {
        let path = self.path.as_ref().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no state directory (HOME is not set)",
            )
        })?;
        let text: String = self.pairs.iter().map(|p| format!("{p}\n")).collect();
        crate::state::write_atomic(path, text.as_bytes())
    }

    pub fn path(&self) -> Option<&PathBuf> {
        self.path.as_ref()
    }
}

/// Whether sources in `pair` may be used without asking: trusted by `[trust]` or allowed.
pub fn is_trusted(config: &Config, allowed: &Allowed, pair: &DomainOwner) -> bool {
    config.trusts(pair) || allowed.contains(pair)
}
