//! fish 3.6 or later. Its single quotes are not POSIX's: `\\'` and `\\\\` are escapes inside
//! them. fish reserves its keywords and `set`, so no alias or function can stand in for them;
//! a variable the user had without exporting it is kept aside as in bash and zsh.

use super::names::{BIN, LOCAL, VERSION};
use super::quote::fish as quote;
use super::{fill, is_own, Dialect};

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
