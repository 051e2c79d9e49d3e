//! fish 3.6 or later (older fish runs `ca-env export fish` at every prompt). Its single quotes
//! are not POSIX's: `\\'` and `\\\\` are escapes inside them. fish reserves its keywords,
//! `set`, `test` and `string`, so no alias or function can stand in for them (`true`, `path`,
//! `printf` and `source` are called as builtins); a variable the user had without exporting
//! it is kept aside as in bash and zsh.

use super::names::{BIN, CLOCK, DEADLINE, DIR, LOCAL, PROFILE, VERSION, WATCH};
use super::quote::fish as quote;
use super::{fill, is_own, Dialect, FastPath};

pub struct Fish;

impl Dialect for Fish {
    fn hook(&self, exe: &str) -> Option<String> {
        Some(fill(
            include_str!("../../shells/ca-env.fish"),
            &[
                (
                    format!("set -g {BIN} ca-env"),
                    format!("set -g {BIN} {}", quote(exe)),
                ),
                (
                    format!("set -g {VERSION} dev"),
                    format!("set -g {VERSION} {}", quote(super::VERSION)),
                ),
            ],
        ))
    }

    fn set(&self, name: &str, value: &str) -> String {
        if is_own(name) {
            return format!("set -gx {name} {};\n", quote(value));
        }
        let local = format!("{LOCAL}{name}");
        format!(
            "if set -qgu {name}; set -g {local} ${name}; \
             else if not set -q {name}; set -e -g {local}; end; \
             set -gx {name} {};\n",
            quote(value)
        )
    }

    /// The hook's fast path tests every watched path in one `test`, so they come as the rest
    /// of its expression (after the deadline): each file neither newer nor older than its
    /// reference, each directory not newer than its own.
    fn fast_path(&self, f: &FastPath) -> String {
        let mut watch: Vec<String> = Vec::new();
        for (path, reference) in f.watched {
            let (p, r) = (operand(path), operand(reference));
            for op in ["-nt", "-ot"] {
                watch.extend(["-a".into(), "!".into(), p.clone(), op.into(), r.clone()]);
            }
        }
        for (path, reference) in f.dirs {
            watch.extend(["-a", "!"].map(String::from));
            watch.extend([operand(path), "-nt".into(), operand(reference)]);
        }
        let file = |f: Option<&str>| f.map(|f| format!(" {}", operand(f))).unwrap_or_default();
        format!(
            "set -g {DIR} {}; set -g {PROFILE} {}; set -g {DEADLINE}{}; set -g {CLOCK}{}; \
             set -g {WATCH}{};\n",
            quote(f.dir),
            quote(f.profile),
            file(f.deadline_file),
            file(f.clock),
            watch.iter().map(|w| format!(" {w}")).collect::<String>(),
        )
    }

    fn unset(&self, name: &str) -> String {
        if is_own(name) {
            return format!("set -e -g {name};\n");
        }
        let local = format!("{LOCAL}{name}");
        format!(
            "if set -q {local}; set -e -g {name}; set -g {name} ${local}; set -e -g {local}; \
             else; set -e -g {name}; end;\n"
        )
    }
}

/// A path as an operand of `test`, quoted: a relative one gets `./` in front, so that it can
/// never pass for one of test's operators (`!`, `(`, `-a`).
fn operand(path: &str) -> String {
    if path.starts_with('/') {
        quote(path)
    } else {
        quote(&format!("./{path}"))
    }
}
