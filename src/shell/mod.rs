//! The shells ca-env speaks. Each dialect is one file behind [`Dialect`]: its hook script (a
//! file in `shells/`, embedded at build time, with this binary's path filled in), how it sets
//! and unsets a variable, and what its hook remembers between prompts. Only the renderer here
//! turns data ([`Change`]s, the [`FastPath`]) into shell code.

mod bash;
mod direnv;
mod fish;
mod json;
mod posix;
mod quote;
mod zsh;

use crate::secret::Secret;

/// The `_ca_env_*` names the hook scripts in `shells/` and the renderer share (a unit test
/// checks that each script uses them).
pub mod names {
    /// The binary's quoted path, filled in by `ca-env hook`.
    pub const BIN: &str = "_ca_env_bin";
    /// The version of the ca-env that printed the hook, filled in by `ca-env hook` (`dev` in
    /// the file), for `ca-env doctor`.
    pub const VERSION: &str = "_ca_env_version";
    /// What the fast path compares: the directory, `AWS_PROFILE`, the deadline, the watched
    /// files and the watched directories, each with its reference file. fish keeps the
    /// deadline as a file dated then (and `CLOCK`, the file it empties to learn the time), and
    /// the watched paths as one `test` expression.
    pub const DIR: &str = "_ca_env_dir";
    pub const PROFILE: &str = "_ca_env_profile";
    pub const DEADLINE: &str = "_ca_env_deadline";
    pub const WATCH: &str = "_ca_env_watch";
    pub const DIRS: &str = "_ca_env_dirs";
    pub const CLOCK: &str = "_ca_env_clock";
    /// Prefix of the copy kept of a variable the user had without exporting it.
    pub const LOCAL: &str = "_ca_env_local_";
}

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

    /// Shells whose hook keeps its fast path in shell variables (no process per prompt; fish
    /// from 3.6 on).
    pub fn keeps_fast_path(self) -> bool {
        matches!(self, Shell::Bash | Shell::Zsh | Shell::Fish)
    }

    /// Shells whose hook reads no clock: it empties a file (the clock) and compares its date
    /// with that of a file dated at the deadline.
    pub fn reads_deadline_from_a_file(self) -> bool {
        matches!(self, Shell::Fish)
    }

    /// Whether this format carries ca-env's state between prompts (direnv keeps its own).
    pub fn keeps_state(self) -> bool {
        !matches!(self, Shell::Direnv)
    }
}

/// One variable to set or to unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub name: String,
    /// `None`: unset.
    pub value: Option<Secret>,
}

/// What the hooks compare before each prompt without starting a process.
#[derive(Debug, Clone, Copy)]
pub struct FastPath<'a> {
    /// `$PWD` and `AWS_PROFILE` at the last export.
    pub dir: &'a str,
    pub profile: &'a str,
    /// Unix time at which the tokens need another look.
    pub deadline: i64,
    /// For a shell that reads no clock (fish): a file dated at the deadline, and one it
    /// empties to learn the time.
    pub deadline_file: Option<&'a str>,
    pub clock: Option<&'a str>,
    /// Each watched file with its reference file: changed when dated otherwise.
    pub watched: &'a [(String, String)],
    /// Each watched directory with its reference file: changed when newer.
    pub dirs: &'a [(String, String)],
}

/// One shell's (or format's) way of saying things. Names are checked portable before they get
/// here (`tools::names::is_portable`), so they are spliced as they are; every value goes
/// through the dialect's quoting.
pub trait Dialect {
    /// The integration script for `ca-env hook`, naming this binary at `exe`.
    fn hook(&self, _exe: &str) -> Option<String> {
        None
    }

    /// Code that sets `name` to `value`.
    fn set(&self, name: &str, value: &str) -> String;

    /// Code that unsets `name`.
    fn unset(&self, name: &str) -> String;

    /// Code that keeps what the hook compares before each prompt (bash, zsh, fish).
    fn fast_path(&self, _fast: &FastPath) -> String {
        String::new()
    }

    /// Code that reloads when `files` change (direnv).
    fn watch(&self, _files: &[String]) -> String {
        String::new()
    }

    /// Everything, in order: the changes, the files to watch, the fast path. Empty when there
    /// is nothing to do.
    fn render(&self, changes: &[Change], fast: Option<FastPath>, watch: &[String]) -> String {
        let mut out = String::new();
        for c in changes {
            out.push_str(&match &c.value {
                Some(v) => self.set(&c.name, v.expose()),
                None => self.unset(&c.name),
            });
        }
        if !watch.is_empty() {
            out.push_str(&self.watch(watch));
        }
        if let Some(f) = fast {
            out.push_str(&self.fast_path(&f));
        }
        out
    }
}

impl Shell {
    pub fn dialect(self) -> &'static dyn Dialect {
        match self {
            Shell::Bash => &bash::BASH,
            Shell::Zsh => &zsh::ZSH,
            Shell::Fish => &fish::Fish,
            Shell::Direnv => &direnv::Direnv,
            Shell::Json => &json::Json,
        }
    }
}

/// The code that applies `changes` in `shell`, then, given `fast`, keeps what the hook
/// compares before each prompt; for direnv, the files to watch.
pub fn render(
    shell: Shell,
    changes: &[Change],
    fast: Option<FastPath>,
    watch_for_direnv: &[String],
) -> String {
    shell.dialect().render(changes, fast, watch_for_direnv)
}

/// The integration script for `ca-env hook SHELL`, with the path of this binary filled in.
pub fn hook_script(shell: Shell, exe: &str) -> String {
    shell
        .dialect()
        .hook(exe)
        .unwrap_or_else(|| unreachable!("{shell:?} has no hook"))
}

/// `template` with each spot (the binary, written as `ca-env`, and the version, written as
/// `dev`, so the file itself stays a valid, lintable and formatted script) replaced once by
/// what fills it.
fn fill(template: &str, spots: &[(String, String)]) -> String {
    let mut out = template.to_string();
    for (spot, filled) in spots {
        debug_assert!(out.contains(spot.as_str()), "the template holds {spot}");
        out = out.replacen(spot.as_str(), filled, 1);
    }
    out
}

/// The version `ca-env hook` writes into the scripts, and `ca-env doctor` compares.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// ca-env's own variables (the state) are set and unset plainly: no user has them.
fn is_own(name: &str) -> bool {
    name.starts_with("__CA_ENV_")
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn set(name: &str, value: &str) -> Change {
        Change {
            name: name.into(),
            value: Some(Secret::plain(value)),
        }
    }

    pub fn unset(name: &str) -> Change {
        Change {
            name: name.into(),
            value: None,
        }
    }

    #[test]
    fn each_dialect_sets_and_unsets() {
        let changes = [set("A", "it's $x"), unset("B")];
        let bash = render(Shell::Bash, &changes, None, &[]);
        assert!(
            bash.contains("\\builtin export A='it'\\''s $x'; fi\n"),
            "{bash}"
        );
        assert!(bash.contains("else \\builtin unset -v B; fi\n"), "{bash}");
        assert!(bash.contains("[[ ${A@a} == *r* ]]"), "{bash}");
        let zsh = render(Shell::Zsh, &changes, None, &[]);
        assert!(zsh.contains("[[ ${(t)B} == *readonly* ]]"), "{zsh}");
        let fish = render(Shell::Fish, &changes, None, &[]);
        assert!(fish.contains("set -gx A 'it\\'s $x';\n"), "{fish}");
        assert!(fish.contains("else; set -e -g B; end;\n"), "{fish}");
        let json: serde_json::Value =
            serde_json::from_str(&render(Shell::Json, &changes, None, &[])).unwrap();
        assert_eq!(json, serde_json::json!({"A": "it's $x", "B": null}));
        assert_eq!(render(Shell::Json, &[], None, &[]), "");
    }

    #[test]
    fn direnv_watches_and_the_shells_remember_the_fast_path() {
        let out = render(Shell::Direnv, &[set("A", "1")], None, &["/p/a b".into()]);
        assert_eq!(out, "export A='1';\nwatch_file '/p/a b';\n");
        let watched = [
            ("/p/x".to_string(), "/s/1".to_string()),
            ("/p/y z".to_string(), "/s/2".to_string()),
        ];
        let dirs = [("/p".to_string(), "/s/0".to_string())];
        let fast = FastPath {
            dir: "/p",
            profile: "",
            deadline: 42,
            deadline_file: Some("/s/42"),
            clock: Some("/r/clock"),
            watched: &watched,
            dirs: &dirs,
        };
        assert_eq!(
            render(Shell::Zsh, &[], Some(fast), &[]),
            "_ca_env_dir='/p'; _ca_env_profile=''; _ca_env_deadline=42; _ca_env_watch=('/p/x' '/s/1' '/p/y z' '/s/2'); _ca_env_dirs=('/p' '/s/0');\n"
        );
        assert_eq!(
            render(Shell::Fish, &[], Some(fast), &[]),
            "set -g _ca_env_dir '/p'; set -g _ca_env_profile ''; set -g _ca_env_deadline '/s/42'; \
             set -g _ca_env_clock '/r/clock'; set -g _ca_env_watch -a ! '/p/x' -nt '/s/1' -a ! '/p/x' -ot '/s/1' \
             -a ! '/p/y z' -nt '/s/2' -a ! '/p/y z' -ot '/s/2' -a ! '/p' -nt '/s/0';\n"
        );
        let none = FastPath {
            profile: "it's",
            deadline_file: None,
            clock: Some("clock"),
            watched: &[],
            dirs: &[],
            ..fast
        };
        assert_eq!(
            render(Shell::Fish, &[], Some(none), &[]),
            "set -g _ca_env_dir '/p'; set -g _ca_env_profile 'it\\'s'; set -g _ca_env_deadline; set -g _ca_env_clock './clock'; set -g _ca_env_watch;\n"
        );
    }

    #[test]
    fn the_hook_scripts_use_the_shared_names() {
        let exe = "/opt/ca env/bin/ca-env";
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = hook_script(shell, exe);
            let version = match shell {
                Shell::Fish => format!("set -g {} '{VERSION}'\n", names::VERSION),
                _ => format!("{}='{VERSION}'\n", names::VERSION),
            };
            assert!(script.contains(&version), "{shell:?}: {version}");
            for name in [
                names::BIN,
                names::VERSION,
                names::DIR,
                names::PROFILE,
                names::DEADLINE,
                names::WATCH,
                names::DIRS,
                names::CLOCK,
            ] {
                let uses = script.contains(name);
                // fish's one `test` expression holds the directories too; only fish, which
                // reads no clock, has a file for it.
                let wanted = match shell {
                    Shell::Fish => name != names::DIRS,
                    _ => name != names::CLOCK,
                };
                assert_eq!(uses, wanted, "{shell:?}: {name}");
            }
            assert!(
                !script.contains("'ca-env'") || shell == Shell::Fish,
                "{shell:?}"
            );
        }
        assert!(hook_script(Shell::Direnv, exe).contains("'/opt/ca env/bin/ca-env' export"));
    }
}
