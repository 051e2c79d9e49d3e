//! npm and pnpm: `.npmrc` registries and `package.json` `publishConfig`.

use std::path::Path;

use super::Found;
use crate::env::Env;

/// Not read yet.
pub fn discover(_env: &Env, _cwd: &Path, _found: &mut Found) {}
