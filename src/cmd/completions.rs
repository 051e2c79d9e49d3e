//! `ca-env completions SHELL`: clap_complete's script for the command line, the same text as
//! the files under `completions/` (a test keeps those current).

use clap::CommandFactory;

use crate::cli::{Cli, CompletionShell};
use crate::error::Result;

pub fn script(shell: CompletionShell) -> String {
    use clap_complete::Shell;
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ca-env", &mut out);
    String::from_utf8(out).expect("completions are UTF-8")
}

pub fn run(shell: CompletionShell) -> Result<()> {
    crate::output::stdout(&script(shell))
}
