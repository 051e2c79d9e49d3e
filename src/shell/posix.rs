//! What bash and zsh share: POSIX-quoted assignments made safe for a shell set up any way.
//!
//! Every command is `\\builtin` (an alias or function named `export` or `unset` changes
//! nothing); a read-only variable is left alone with one line instead of aborting the rest (zsh
//! stops an `eval` at the first assignment to one); and a shell variable the user had without
//! exporting it is kept in `_ca_env_local_NAME` while ca-env sets the variable, then given back
//! as it was, unexported. The two shells differ only in how they read a variable's attributes.

use super::names::{BIN, DEADLINE, DIR, DIRS, LOCAL, PROFILE, VERSION, WATCH};
use super::quote::posix;
use super::{fill, is_own, Dialect, FastPath};

/// bash or zsh: the hook script and how the shell reads attributes.
pub struct Posix {
    pub template: &'static str,
    pub attributes: Attributes,
}

impl Dialect for Posix {
    fn hook(&self, exe: &str) -> Option<String> {
        Some(fill(
            self.template,
            &[
                (format!("{BIN}='ca-env'"), format!("{BIN}={}", posix(exe))),
                (
                    format!("{VERSION}='dev'"),
                    format!("{VERSION}={}", posix(super::VERSION)),
                ),
            ],
        ))
    }

    fn set(&self, name: &str, value: &str) -> String {
        set(&self.attributes, name, value)
    }

    fn unset(&self, name: &str) -> String {
        unset(&self.attributes, name)
    }

    fn fast_path(&self, fast: &FastPath) -> String {
        fast_path(fast)
    }
}

/// How a shell tells a variable's attributes without starting a process: conditions for
/// `[[ ]]`, with `{}` for the name.
pub struct Attributes {
    pub read_only: &'static str,
    pub unexported: &'static str,
}

impl Attributes {
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

fn guard(attrs: &Attributes, name: &str) -> String {
    format!(
        "if [[ {} ]]; then \\builtin printf '%s\\n' {} >&2; ",
        attrs.read_only(name),
        read_only_line(name)
    )
}

fn set(attrs: &Attributes, name: &str, value: &str) -> String {
    if is_own(name) {
        return format!("\\builtin export {name}={};\n", posix(value));
    }
    let local = format!("{LOCAL}{name}");
    // Taking over a variable the shell has unexported keeps a copy; taking over an unset one
    // drops any stale copy; an exported one is the user's (given back by value) or already ours.
    format!(
        "{guard}else \
         if [[ -n ${{{name}+x}} && {unexported} ]]; then {local}=${{{name}}}; \
         elif [[ -z ${{{name}+x}} ]]; then \\builtin unset -v {local}; fi; \
         \\builtin export {name}={value}; fi\n",
        guard = guard(attrs, name),
        unexported = attrs.unexported(name),
        value = posix(value),
    )
}

fn unset(attrs: &Attributes, name: &str) -> String {
    if is_own(name) {
        return format!("\\builtin unset -v {name};\n");
    }
    let local = format!("{LOCAL}{name}");
    format!(
        "{guard}elif [[ -n ${{{local}+x}} ]]; then \
         \\builtin unset -v {name}; {name}=${{{local}}}; \\builtin unset -v {local}; \
         else \\builtin unset -v {name}; fi\n",
        guard = guard(attrs, name),
    )
}

/// The hook's `_ca_env_*` variables, compared before each prompt.
fn fast_path(f: &FastPath) -> String {
    let pairs = |list: &[(String, String)]| -> String {
        let words: Vec<String> = list
            .iter()
            .flat_map(|(path, reference)| [posix(path), posix(reference)])
            .collect();
        words.join(" ")
    };
    format!(
        "{DIR}={}; {PROFILE}={}; {DEADLINE}={}; {WATCH}=({}); {DIRS}=({});\n",
        posix(f.dir),
        posix(f.profile),
        f.deadline,
        pairs(f.watched),
        pairs(f.dirs),
    )
}
