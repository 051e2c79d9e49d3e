//! ca-env: AWS CodeArtifact credentials for Poetry, pip and uv, following the shell from
//! project to project. Data flows top to bottom: project files (`project`) → sources
//! (`sources`, judged by `codeartifact::url`) → tokens → variables (`vars`) → shell code.

// The shell evaluates our stdout: only `output` writes to it, never a stray print.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

mod azure;
mod cli;
mod clock;
mod cmd;
mod codeartifact;
mod config;
mod credentials;
mod doctor;
mod env;
mod error;
mod google;
mod hook;
mod ini;
mod output;
mod problem;
mod process;
mod project;
mod provider;
mod secret;
mod shell;
mod sources;
mod state;
mod text;
mod token;
mod tools;
mod trust;
mod vars;

use std::process::ExitCode;

fn main() -> ExitCode {
    no_core_dumps();
    let command = match cli::parse() {
        Ok(command) => command,
        Err(e) => return output::clap_error(e),
    };
    match cmd::run(command, &env::Env::from_process()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::error_line(&e);
            e.exit_code()
        }
    }
}

/// A crash must not write the tokens this process holds into a core file. Not dumpable also
/// keeps other processes of the user from reading its memory; an `exec`'d command is
/// dumpable again (the kernel resets the flag at execve), so the user's own programs are
/// unaffected.
fn no_core_dumps() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_DUMPABLE) only changes a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}
