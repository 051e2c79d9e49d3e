//! Which (domain, owner) pairs the user allowed with `ca-env allow`: one `DOMAIN-OWNER` a line
//! in `$XDG_STATE_HOME/ca-env/allowed`, replaced atomically. (`[trust]` in the configuration
//! is the other way to trust; see `Config::trusts`.)

use std::collections::BTreeSet;
use std::io::Write;
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
        let path = env.xdg_state_home().map(|d| d.join("ca-env/allowed"));
        let pairs = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|text| {
                text.lines()
                    .filter_map(|l| DomainOwner::parse(l.trim()))
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

    /// Writes the file through a temporary file in the same directory and a rename, so a
    /// reader sees the old list or the new one, never half of either.
    pub fn save(&self) -> std::io::Result<()> {
        let path = self.path.as_ref().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no state directory (HOME is not set)",
            )
        })?;
        let dir = path.parent().expect("the state file has a parent");
        create_private_dir(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        for pair in &self.pairs {
            writeln!(tmp, "{pair}")?;
        }
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    pub fn path(&self) -> Option<&PathBuf> {
        self.path.as_ref()
    }
}

/// Whether sources in `pair` may be used without asking: trusted by `[trust]` or allowed.
pub fn is_trusted(config: &Config, allowed: &Allowed, pair: &DomainOwner) -> bool {
    config.trusts(pair) || allowed.contains(pair)
}

/// Creates `dir` (and parents) readable by the user only.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}
