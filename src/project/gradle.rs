//! Gradle: `maven { url … }` in `settings.gradle(.kts)` and `build.gradle(.kts)`, read as text, never run.

use std::path::Path;

use super::Found;
use crate::env::Env;

/// Not read yet.
pub fn discover(_env: &Env, _cwd: &Path, _found: &mut Found) {}
