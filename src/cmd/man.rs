//! `ca-env __man DIR` (hidden): the manual pages, `ca-env.1` and one per subcommand, made by
//! clap_mangen from the command line itself, so they say what `--help` says. They are checked
//! in under `man/`, as the completions are, and a test keeps them current.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Exit, Result};

pub fn run(dir: &Path) -> Result<()> {
    clap_mangen::generate_to(Cli::command(), dir).map_err(|e| {
        Error::new(
            Exit::Runtime,
            format!(
                "cannot write the manual pages to {}: {}",
                dir.display(),
                crate::error::io_reason(&e)
            ),
        )
    })
}
