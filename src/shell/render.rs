//! Turns a list of changes into code for one dialect. Every value goes through the dialect's
//! quoting; names are checked portable before they get here (`tools::names::is_portable`), so
//! they are spliced as they are.
//!
//! The code bash, zsh and fish evaluate is written for a shell the user has set up their way:
//! every command is `\builtin` (an alias or function named `export` or `unset` changes
//! nothing); a read-only variable is left alone with one line instead of aborting the rest
//! (zsh stops an `eval` at the first assignment to one); and a shell variable the user had
//! without exporting it is kept in `_ca_env_local_NAME` while ca-env sets the variable, then
//! given back as it was, unexported.

use super::quote::{fish, posix};
use super::Shell;
use crate::secret::Secret;

/// What bash's and zsh's hooks compare before each prompt without starting a process.
#[derive(Debug, Clone, Copy)]
pub struct FastPath<'a> {
    /// `$PWD` and `AWS_PROFILE` at the last export.
    pub dir: &'a str,
    pub profile: &'a str,
    /// Unix time at which the tokens need another look.
    pub deadline: i64,
    /// Each watched path with its reference file.
    pub watched: &'a [(String, String)],
}

/// One variable to set or to unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub name: String,
    /// `None`: unset.
    pub value: Option<Secret>,
}

/// The code that applies `changes`, then, given `fast`, copies into bash's and zsh's `_ca_env_*`
/// variables what their hooks compare before each prompt without starting a process: the
/// state's directory, profile, deadline, and watched paths each with its reference file. Empty
/// when there is nothing to do.
pub fn render(
    dialect: Shell,
    changes: &[Change],
    fast: Option<FastPath>,
    watch_for_direnv: &[String],
) -> String {
    let mut out = String::new();
    match dialect {
        Shell::Json => {
            let map: serde_json::Map<String, serde_json::Value> = changes
                .iter()
                .map(|c| {
                    let v = match &c.value {
                        Some(v) => serde_json::Value::String(v.expose().to_string()),
                        None => serde_json::Value::Null,
                    };
                    (c.name.clone(), v)
                })
                .collect();
            if !map.is_empty() {
                out = serde_json::to_string_pretty(&map).expect("strings serialise");
                out.push('\n');
            }
        }
        // direnv evaluates `.envrc` in a bash of its own, without the user's aliases, and
        // restores what it changed by itself.
        Shell::Direnv => {
            for c in changes {
                match &c.value {
                    Some(v) => out.push_str(&format!("export {}={};\n", c.name, posix(v.expose()))),
                    None => out.push_str(&format!("unset {};\n", c.name)),
                }
            }
            if !watch_for_direnv.is_empty() {
                let files: Vec<String> = watch_for_direnv.iter().map(|f| posix(f)).collect();
                out.push_str(&format!("watch_file {};\n", files.join(" ")));
            }
        }
        Shell::Bash | Shell::Zsh => {
            let attrs = Attributes::of(dialect);
            for c in changes {
                out.push_str(&posix_change(&attrs, &c.name, c.value.as_ref()));
            }
            if let Some(f) = fast {
                let watch: Vec<String> = f
                    .watched
                    .iter()
                    .flat_map(|(path, reference)| [posix(path), posix(reference)])
                    .collect();
                out.push_str(&format!(
                    "_ca_env_dir={}; _ca_env_profile={}; _ca_env_deadline={}; _ca_env_watch=({});\n",
                    posix(f.dir),
                    posix(f.profile),
                    f.deadline,
                    watch.join(" ")
                ));
            }
        }
        Shell::Fish => {
            for c in changes {
                out.push_str(&fish_change(&c.name, c.value.as_ref()));
            }
        }
    }
    out
}

/// How bash and zsh tell a variable's attributes without starting a process: conditions for
/// `[[ ]]`, with `{}` for the name.
struct Attributes {
    read_only: &'static str,
    unexported: &'static str,
}

impl Attributes {
    fn of(dialect: Shell) -> Attributes {
        match dialect {
            Shell::Zsh => Attributes {
                read_only: "${(t){}} == *readonly*",
                unexported: "${(t){}} != *export*",
            },
            _ => Attributes {
                read_only: "${{}@a} == *r*",
                unexported: "${{}@a} != *x*",
            },
        }
    }

    fn read_only(&self, name: &str) -> String {
        self.read_only.replace("{}", name)
    }

    fn unexported(&self, name: &str) -> String {
        self.unexported.replace("{}", name)
    }
}

/// The line said instead of changing a read-only variable.
fn read_only_line(name: &str) -> String {
    posix(&format!(
        "ca-env: {name} is read-only in this shell; ca-env leaves it as it is"
    ))
}

/// ca-env's own variables (the state) are set and unset plainly: no user has them.
fn is_own(name: &str) -> bool {
    name.starts_with("__CA_ENV_")
}

fn posix_change(attrs: &Attributes, name: &str, value: Option<&Secret>) -> String {
    if is_own(name) {
        return match value {
            Some(v) => format!("\\builtin export {name}={};\n", posix(v.expose())),
            None => format!("\\builtin unset -v {name};\n"),
        };
    }
    let local = format!("_ca_env_local_{name}");
    let guard = format!(
        "if [[ {} ]]; then \\builtin printf '%s\\n' {} >&2; ",
        attrs.read_only(name),
        read_only_line(name)
    );
    match value {
        // Taking over a variable the shell has unexported keeps a copy; taking over an unset
        // one drops any stale copy; an exported one is the user's (given back by value) or
        // already ours.
        Some(v) => format!(
            "{guard}else \
             if [[ -n ${{{name}+x}} && {unexported} ]]; then {local}=${{{name}}}; \
             elif [[ -z ${{{name}+x}} ]]; then \\builtin unset -v {local}; fi; \
             \\builtin export {name}={value}; fi\n",
            unexported = attrs.unexported(name),
            value = posix(v.expose()),
        ),
        None => format!(
            "{guard}elif [[ -n ${{{local}+x}} ]]; then \
             \\builtin unset -v {name}; {name}=${{{local}}}; \\builtin unset -v {local}; \
             else \\builtin unset -v {name}; fi\n"
        ),
    }
}

fn fish_change(name: &str, value: Option<&Secret>) -> String {
    if is_own(name) {
        return match value {
            Some(v) => format!("set -gx {name} {};\n", fish(v.expose())),
            None => format!("set -e -g {name};\n"),
        };
    }
    let local = format!("_ca_env_local_{name}");
    match value {
        Some(v) => format!(
            "if set -qgu {name}; set -g {local} ${name}; \
             else if not set -q {name}; set -e -g {local}; end; \
             set -gx {name} {};\n",
            fish(v.expose())
        ),
        None => format!(
            "if set -q {local}; set -e -g {name}; set -g {name} ${local}; set -e -g {local}; \
             else; set -e -g {name}; end;\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, value: &str) -> Change {
        Change {
            name: name.into(),
            value: Some(Secret::plain(value)),
        }
    }

    fn unset(name: &str) -> Change {
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
    fn direnv_watches_and_bash_remembers_the_fast_path() {
        let out = render(Shell::Direnv, &[set("A", "1")], None, &["/p/a b".into()]);
        assert_eq!(out, "export A='1';\nwatch_file '/p/a b';\n");
        let watched = [
            ("/p/x".to_string(), "/s/1".to_string()),
            ("/p/y z".to_string(), "/s/2".to_string()),
        ];
        let fast = FastPath {
            dir: "/p",
            profile: "",
            deadline: 42,
            watched: &watched,
        };
        assert_eq!(
            render(Shell::Zsh, &[], Some(fast), &[]),
            "_ca_env_dir='/p'; _ca_env_profile=''; _ca_env_deadline=42; _ca_env_watch=('/p/x' '/s/1' '/p/y z' '/s/2');\n"
        );
    }
}
