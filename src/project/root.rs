//! Finding the project root: the nearest directory, from the working directory up, that holds
//! a file naming package indexes. The walk stops at the home directory (which is still
//! looked at), the filesystem root, or a change of device (a mount point), like git's.

use std::path::{Path, PathBuf};

use super::requirements;

/// The files whose presence makes a directory a project root.
const MARKERS: &[&str] = &[
    "pyproject.toml",
    "uv.toml",
    "poetry.toml",
    "pdm.toml",
    "Pipfile",
    "pixi.toml",
    "pip.conf",
    "pip.ini",
];

pub fn find(cwd: &Path, home: Option<&Path>) -> Option<PathBuf> {
    nearest(cwd, home, is_root)
}

/// The nearest directory from `cwd` up for which `is_root` holds, with the walk's limits.
pub fn nearest(
    cwd: &Path,
    home: Option<&Path>,
    is_root: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let mut dir = cwd.to_path_buf();
    let mut device = device_of(&dir);
    loop {
        if is_root(&dir) {
            return Some(dir);
        }
        if home.is_some_and(|h| h == dir) {
            return None;
        }
        let parent = dir.parent()?.to_path_buf();
        let parent_device = device_of(&parent);
        if device.is_some() && parent_device != device {
            return None;
        }
        device = parent_device;
        dir = parent;
    }
}

fn is_root(dir: &Path) -> bool {
    MARKERS
        .iter()
        .any(|m| std::fs::symlink_metadata(dir.join(m)).is_ok())
        || has_requirements(dir, false)
        || has_requirements(&dir.join("requirements"), true)
}

/// A `requirements*.txt` or pip-tools' `requirements*.in` in `dir`, or any such file when `dir`
/// is a `requirements/` folder.
fn has_requirements(dir: &Path, in_folder: bool) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        requirements::is_requirements(&name) && (in_folder || name.starts_with("requirements"))
    })
}

#[cfg(unix)]
fn device_of(dir: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).ok().map(|m| m.dev())
}

#[cfg(not(unix))]
fn device_of(_dir: &Path) -> Option<u64> {
    None
}
