//! bash 5.0 or later (`EPOCHSECONDS` for the fast path; `${var@a}` for attributes).

use super::names::BIN;
use super::posix::{self, Attributes};
use super::quote::posix as quote;
use super::{fill, Dialect, FastPath};

pub struct Bash;

const ATTRIBUTES: Attributes = Attributes {
    read_only: "${{}@a} == *r*",
    unexported: "${{}@a} != *x*",
};

impl Dialect for Bash {
    fn hook(&self, exe: &str) -> Option<String> {
        Some(fill(
            include_str!("../../shells/ca-env.bash"),
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
