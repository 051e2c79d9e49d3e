//! zsh (`zsh/datetime` for the fast path; `${(t)var}` for attributes).

use super::posix::{Attributes, Posix};

pub const ZSH: Posix = Posix {
    template: include_str!("../../shells/ca-env.zsh"),
    attributes: Attributes {
        read_only: "${(t){}} == *readonly*",
        unexported: "${(t){}} != *export*",
    },
};
