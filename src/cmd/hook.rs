//! `ca-env hook SHELL`: prints the integration script for the rc file, with this binary's path
//! in it, so the hook needs no PATH lookup at each prompt.

use crate::error::{Error, Exit, Result};
use crate::output;
use crate::shell::Shell;

pub fn run(shell: Shell) -> Result<()> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::new(Exit::Runtime, format!("cannot find ca-env's own path: {e}")))?;
    let exe = exe.to_str().ok_or_else(|| {
        Error::new(Exit::Runtime, "ca-env's own path is not valid UTF-8")
            .with_hint("install it under a path made of UTF-8 characters")
    })?;
    output::code(&crate::shell::hook_script(shell, exe))
}
