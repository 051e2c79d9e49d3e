//! `ca-env completions SHELL`: clap_complete's script for the command line, the same text as
//! the files under `completions/` (a test keeps those current).

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Result;
use crate::shell::Shell;

pub fn script(shell: Shell) -> String {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Direnv | Shell::Json => unreachable!("completions for {shell:?}"),
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ca-env", &mut out);
    String::from_utf8(out).expect("completions are UTF-8")
}

pub fn run(shell: Shell) -> Result<()> {
    crate::output::stdout(&script(shell))
}
