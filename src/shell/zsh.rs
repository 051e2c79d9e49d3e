//! zsh (`zsh/datetime` for the fast path; `${(t)var}` for attributes).

use super::names::BIN;
use super::posix::{self, Attributes};
use super::quote::posix as quote;
use super::{fill, Dialect, FastPath};

pub struct Zsh;

const ATTRIBUTES: Attributes = Attributes {
    read_only: "${(t){}} == *readonly*",
    unexported: "${(t){}} != *export*",
};

impl Dialect for Zsh {
    fn hook(&self, exe: &str) -> Option<String> {
        Some(fill(
            include_str!("../../shells/ca-env.zsh"),
            &format!("{BIN}='ca-env'"),
            &format!("{BIN}={}", quote(exe)),
        ))
    }

    fn set(&self, name: &str, value: &str) -> String {
        posix::set(&ATTRIBUTES, name, value)
    }

    fn unset(&self, name: &str) -> String {
        posix::unset(&ATTRIBUTES, name)
    }

    fn fast_path(&self, fast: &FastPath) -> String {
        posix::fast_path(fast)
    }
}
