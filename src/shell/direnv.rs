//! direnv's `.envrc`: `use codeartifact` evaluates plain `export`s in direnv's own bash (no
//! user aliases there), and direnv restores what it changed by itself; `watch_file` makes it
//! reload when the project, the configuration or the state directory changes.

use super::quote::posix as quote;
use super::{fill, Dialect};

pub struct Direnv;

impl Dialect for Direnv {
    fn hook(&self, exe: &str) -> Option<String> {
        Some(fill(
            include_str!("../../shells/direnv.sh"),
            &[(
                "$('ca-env' export".to_string(),
                format!("$({} export", quote(exe)),
            )],
        ))
    }

    fn set(&self, name: &str, value: &str) -> String {
        format!("export {name}={};\n", quote(value))
    }

    fn unset(&self, name: &str) -> String {
        format!("unset {name};\n")
    }

    fn watch(&self, files: &[String]) -> String {
        let files: Vec<String> = files.iter().map(|f| quote(f)).collect();
        format!("watch_file {};\n", files.join(" "))
    }
}
