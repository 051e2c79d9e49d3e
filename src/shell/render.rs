//! Turns a list of changes into code for one dialect. Every value goes through the dialect's
//! quoting; names are checked portable before they get here (`vars::names::is_portable`).

use super::quote::{fish, posix};
use super::Dialect;
use crate::vars::state::State;
use crate::vars::Value;

/// One variable to set or to unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub name: String,
    /// `None`: unset.
    pub value: Option<Value>,
}

/// The code that applies `changes`, then, given `fast`, copies into bash's and zsh's `_ca_env_*`
/// variables what their hooks compare before each prompt without starting a process: the
/// state's directory, profile, deadline, reference file and watched files. Empty when there
/// is nothing to do.
pub fn render(
    dialect: Dialect,
    changes: &[Change],
    fast: Option<&State>,
    watch_for_direnv: &[String],
) -> String {
    let mut out = String::new();
    match dialect {
        Dialect::Json => {
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
        Dialect::Bash | Dialect::Zsh | Dialect::Direnv => {
            for c in changes {
                match &c.value {
                    Some(v) => {
                        out.push_str(&format!("export {}={};\n", c.name, posix(v.expose())));
                    }
                    None => out.push_str(&format!("unset {};\n", c.name)),
                }
            }
            if dialect == Dialect::Direnv && !watch_for_direnv.is_empty() {
                let files: Vec<String> = watch_for_direnv.iter().map(|f| posix(f)).collect();
                out.push_str(&format!("watch_file {};\n", files.join(" ")));
            }
            if let Some(f) = fast {
                let watch: Vec<String> = f.watch.iter().map(|w| posix(w)).collect();
                out.push_str(&format!(
                    "_ca_env_dir={}; _ca_env_profile={}; _ca_env_deadline={}; _ca_env_ref={}; _ca_env_watch=({});\n",
                    posix(&f.dir),
                    posix(&f.profile),
                    f.deadline,
                    posix(&f.reference),
                    watch.join(" ")
                ));
            }
        }
        Dialect::Fish => {
            for c in changes {
                match &c.value {
                    Some(v) => {
                        out.push_str(&format!("set -gx {} {};\n", c.name, fish(v.expose())));
                    }
                    None => out.push_str(&format!("set -e -g {};\n", c.name)),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, value: &str) -> Change {
        Change {
            name: name.into(),
            value: Some(Value::plain(value)),
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
        assert_eq!(
            render(Dialect::Bash, &changes, None, &[]),
            "export A='it'\\''s $x';\nunset B;\n"
        );
        assert_eq!(
            render(Dialect::Fish, &changes, None, &[]),
            "set -gx A 'it\\'s $x';\nset -e -g B;\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(Dialect::Json, &changes, None, &[])).unwrap();
        assert_eq!(json, serde_json::json!({"A": "it's $x", "B": null}));
        assert_eq!(render(Dialect::Json, &[], None, &[]), "");
    }

    #[test]
    fn direnv_watches_and_bash_remembers_the_fast_path() {
        let out = render(Dialect::Direnv, &[set("A", "1")], None, &["/p/a b".into()]);
        assert_eq!(out, "export A='1';\nwatch_file '/p/a b';\n");
        let fast = State {
            dir: "/p".into(),
            deadline: 42,
            reference: "/s/ref".into(),
            watch: vec!["/p/x".into(), "/p/y z".into()],
            ..State::default()
        };
        assert_eq!(
            render(Dialect::Zsh, &[], Some(&fast), &[]),
            "_ca_env_dir='/p'; _ca_env_profile=''; _ca_env_deadline=42; _ca_env_ref='/s/ref'; _ca_env_watch=('/p/x' '/p/y z');\n"
        );
    }
}
