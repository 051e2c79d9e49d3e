//! Cargo: `[registries]`, `[registry]` and `[source]` in `.cargo/config.toml` up the tree and in `$CARGO_HOME`.

use std::path::Path;

use super::Found;
use crate::env::Env;

/// Not read yet.
pub fn discover(_env: &Env, _cwd: &Path, _found: &mut Found) {}
