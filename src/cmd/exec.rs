//! `ca-env exec -- CMD [ARG…]`: runs CMD with this project's variables. The user's own
//! environment is the base (the hook's variables from another project are not), and every
//! name is set, even those no shell can export. On Unix ca-env becomes CMD (exec), so signals
//! reach it directly and its exit status is the status.

use std::ffi::OsString;
use std::process::Command;

use crate::env::Env;
use crate::error::{Error, Exit, Result};

pub fn run(env: &Env, argv: &[OsString]) -> Result<()> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| Error::new(Exit::Usage, "no command given"))?;
    // The command needs the terminal ca-env was given; a fetch must not give it up for good.
    let plan = super::project_plan(env, crate::provider::Terminal::Keep)?;
    let mut cmd = Command::new(program);
    cmd.args(args).env_clear().envs(env.all());
    for (name, value) in plan.iter() {
        cmd.env(name, value.expose());
    }
    Err(run_as(cmd, program))
}

#[cfg(unix)]
fn run_as(mut cmd: Command, program: &OsString) -> Error {
    use std::os::unix::process::CommandExt;
    cannot_run(program, &cmd.exec())
}

#[cfg(not(unix))]
fn run_as(mut cmd: Command, program: &OsString) -> Error {
    match cmd.status() {
        Ok(status) => Error::new(Exit::Child(status.code().unwrap_or(1) as u8), ""),
        Err(e) => cannot_run(program, &e),
    }
}

/// 127 when there is no such command, 126 when it cannot be run, as shells and `env` say.
fn cannot_run(program: &OsString, e: &std::io::Error) -> Error {
    let exit = if e.kind() == std::io::ErrorKind::NotFound {
        Exit::NotFound
    } else {
        Exit::CannotRun
    };
    Error::new(
        exit,
        format!(
            "cannot run {}: {}",
            crate::output::printable(&program.to_string_lossy()),
            crate::error::io_reason(e)
        ),
    )
}
