//! The shells ca-env speaks: how each one quotes a value, and how it is told to set, unset and
//! remember things. Only the renderer here turns data into shell code; the hook scripts
//! themselves are files in `shells/`, embedded at build time.

mod quote;
mod render;

pub use quote::{fish as quote_fish, posix as quote_posix};
pub use render::{render, Change};

/// A shell (or format) `export` can write for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Bash,
    Zsh,
    Fish,
    /// Plain `export`s and `watch_file`s inside a direnv `.envrc`; direnv restores on its own.
    Direnv,
    Json,
}

impl Dialect {
    /// Shells whose hook keeps its fast path in shell variables (no process per prompt).
    pub fn keeps_fast_path(self) -> bool {
        matches!(self, Dialect::Bash | Dialect::Zsh)
    }

    /// Whether this format carries ca-env's state between prompts (direnv keeps its own).
    pub fn keeps_state(self) -> bool {
        !matches!(self, Dialect::Direnv)
    }
}

/// The integration script for `ca-env hook SHELL`, with the path of this binary filled in.
/// Each script names the binary once, as `ca-env`, in a form that keeps the file itself a
/// valid, lintable and formatted script; that one spot is replaced by the quoted path.
pub fn hook_script(shell: crate::cli::HookShell, exe: &str) -> String {
    use crate::cli::HookShell;
    let (template, spot, filled) = match shell {
        HookShell::Bash => (
            include_str!("../../shells/ca-env.bash"),
            "_ca_env_bin='ca-env'",
            format!("_ca_env_bin={}", quote_posix(exe)),
        ),
        HookShell::Zsh => (
            include_str!("../../shells/ca-env.zsh"),
            "_ca_env_bin='ca-env'",
            format!("_ca_env_bin={}", quote_posix(exe)),
        ),
        HookShell::Fish => (
            include_str!("../../shells/ca-env.fish"),
            "set -g _ca_env_bin ca-env",
            format!("set -g _ca_env_bin {}", quote_fish(exe)),
        ),
        HookShell::Direnv => (
            include_str!("../../shells/direnv.sh"),
            "$('ca-env' export",
            format!("$({} export", quote_posix(exe)),
        ),
    };
    debug_assert!(template.contains(spot), "{shell:?} names its binary");
    template.replacen(spot, &filled, 1)
}
