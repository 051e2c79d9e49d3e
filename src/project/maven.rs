//! Maven: `pom.xml` repositories and the user's `settings.xml` mirrors.

use std::path::Path;

use super::Found;
use crate::env::Env;

/// Not read yet.
pub fn discover(_env: &Env, _cwd: &Path, _found: &mut Found) {}
