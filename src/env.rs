//! The one place ca-env reads its process environment, so tests can hand it any other.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<OsString, OsString>,
    cwd: Option<PathBuf>,
}

impl Env {
    /// This process's environment and working directory.
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os().collect(),
            cwd: std::env::current_dir().ok(),
        }
    }

    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)], cwd: Option<PathBuf>) -> Env {
        Env {
            vars: pairs
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v)))
                .collect(),
            cwd,
        }
    }

    /// A variable's value when it is set and valid UTF-8.
    pub fn var(&self, name: &str) -> Option<String> {
        self.vars
            .get(std::ffi::OsStr::new(name))?
            .to_str()
            .map(str::to_string)
    }

    /// Whether `name` is set at all, whatever its bytes.
    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(std::ffi::OsStr::new(name))
    }

    /// Sets (`Some`) or removes (`None`) a variable in this copy.
    pub fn put(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(v) => self.vars.insert(name.into(), v.into()),
            None => self.vars.remove(std::ffi::OsStr::new(name)),
        };
    }

    /// Every variable, for a child's environment.
    pub fn all(&self) -> impl Iterator<Item = (&OsString, &OsString)> {
        self.vars.iter()
    }

    fn path_var(&self, name: &str) -> Option<PathBuf> {
        let v = self.vars.get(std::ffi::OsStr::new(name))?;
        let p = PathBuf::from(v);
        p.is_absolute().then_some(p)
    }

    pub fn home(&self) -> Option<PathBuf> {
        self.path_var(crate::tools::registry::HOME)
    }

    /// `$XDG_CONFIG_HOME`, else `~/.config` (relative values are ignored, as the spec says).
    pub fn xdg_config_home(&self) -> Option<PathBuf> {
        self.path_var(crate::tools::registry::XDG_CONFIG_HOME)
            .or_else(|| self.home().map(|h| h.join(".config")))
    }

    /// `$XDG_STATE_HOME`, else `~/.local/state`.
    pub fn xdg_state_home(&self) -> Option<PathBuf> {
        self.path_var(crate::tools::registry::XDG_STATE_HOME)
            .or_else(|| self.home().map(|h| h.join(".local/state")))
    }

    /// The first executable file named `name` in `PATH` (absolute entries only), as a
    /// program looking it up would run it.
    pub fn which(&self, name: &str) -> Option<PathBuf> {
        let path = self.var(crate::tools::registry::PATH)?;
        std::env::split_paths(&path)
            .filter(|dir| dir.is_absolute())
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }

    /// The directory the user is in: `$PWD` when it names the working directory (keeping the
    /// user's symlinked path, as shells show it), else the working directory itself.
    pub fn cwd(&self) -> Option<PathBuf> {
        let cwd = self.cwd.clone()?;
        if let Some(pwd) = self.path_var(crate::tools::registry::PWD) {
            if same_file(&pwd, &cwd) {
                return Some(pwd);
            }
        }
        Some(cwd)
    }
}

/// Whether two paths lead to the same file (symlinks followed).
#[cfg(unix)]
pub fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Whether two paths lead to the same file (symlinks followed).
#[cfg(not(unix))]
pub fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

#[cfg(unix)]
fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &std::path::Path) -> bool {
    path.is_file()
}
