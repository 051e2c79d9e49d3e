//! bash 5.0 or later (`EPOCHSECONDS` for the fast path; `${var@a}` for attributes).

use super::posix::{Attributes, Posix};

pub const BASH: Posix = Posix {
    template: include_str!("../../shells/ca-env.bash"),
    attributes: Attributes {
        read_only: "${{}@a} == *r*",
        unexported: "${{}@a} != *x*",
    },
};
