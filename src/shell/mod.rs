//! The shells ca-env speaks: how each one quotes a value, and how it is told to set, unset and
//! remember things. Only the renderer here turns data into shell code; the hook scripts
//! themselves are files in `shells/`, embedded at build time.

mod quote;
mod render;

pub use quote::{fish as quote_fish, posix as quote_posix};
pub use render::{render, Change, FastPath};

/// A shell, or a format another program evaluates: the one list `hook`, `export` and
/// `completions` choose from, each the ones it serves (`HOOK`, `EXPORT`, `COMPLETIONS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    // Plain `export`s and `watch_file`s inside a direnv `.envrc`; direnv restores on its own.
    Direnv,
    Json,
}

impl Shell {
    /// What `ca-env hook` prints an integration for.
    pub const HOOK: &'static [Shell] = &[Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Direnv];
    /// What `ca-env export` writes.
    pub const EXPORT: &'static [Shell] = &[
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Json,
        Shell::Direnv,
    ];
    /// What `ca-env completions` writes for.
    pub const COMPLETIONS: &'static [Shell] = &[Shell::Bash, Shell::Zsh, Shell::Fish];

    /// A command-line parser taking the names of `allowed` only (and listing them in help and
    /// completions), with `help` for some of them.
    pub fn parser(
        allowed: &'static [Shell],
        help: &'static [(Shell, &'static str)],
    ) -> impl clap::builder::TypedValueParser<Value = Shell> {
        use clap::builder::TypedValueParser;
        use clap::ValueEnum;
        let names: Vec<clap::builder::PossibleValue> = allowed
            .iter()
            .filter_map(|s| {
                let value = s.to_possible_value()?;
                Some(match help.iter().find(|(h, _)| h == s) {
                    Some((_, text)) => value.help(*text),
                    None => value,
                })
            })
            .collect();
        clap::builder::PossibleValuesParser::new(names)
            .map(|name| Shell::from_str(&name, false).expect("a possible value is a shell"))
    }

    /// Shells whose hook keeps its fast path in shell variables (no process per prompt).
    pub fn keeps_fast_path(self) -> bool {
        matches!(self, Shell::Bash | Shell::Zsh)
    }

    /// Whether this format carries ca-env's state between prompts (direnv keeps its own).
    pub fn keeps_state(self) -> bool {
        !matches!(self, Shell::Direnv)
    }
}

/// The integration script for `ca-env hook SHELL`, with the path of this binary filled in.
/// Each script names the binary once, as `ca-env`, in a form that keeps the file itself a
/// valid, lintable and formatted script; that one spot is replaced by the quoted path.
pub fn hook_script(shell: Shell, exe: &str) -> String {
    let (template, spot, filled) = match shell {
        Shell::Bash => (
            include_str!("../../shells/ca-env.bash"),
            "_ca_env_bin='ca-env'",
            format!("_ca_env_bin={}", quote_posix(exe)),
        ),
        Shell::Zsh => (
            include_str!("../../shells/ca-env.zsh"),
            "_ca_env_bin='ca-env'",
            format!("_ca_env_bin={}", quote_posix(exe)),
        ),
        Shell::Fish => (
            include_str!("../../shells/ca-env.fish"),
            "set -g _ca_env_bin ca-env",
            format!("set -g _ca_env_bin {}", quote_fish(exe)),
        ),
        Shell::Direnv => (
            include_str!("../../shells/direnv.sh"),
            "$('ca-env' export",
            format!("$({} export", quote_posix(exe)),
        ),
        Shell::Json => unreachable!("json is not a hook"),
    };
    debug_assert!(template.contains(spot), "{shell:?} names its binary");
    template.replacen(spot, &filled, 1)
}
