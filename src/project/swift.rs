//! Swift: `.swiftpm/configuration/registries.json`.

use std::path::Path;

use super::Found;
use crate::env::Env;

/// Not read yet.
pub fn discover(_env: &Env, _cwd: &Path, _found: &mut Found) {}
