//! Other programs ca-env runs: found on the user's PATH as the shell would find them, run with
//! the user's environment, no input, and a time limit (the tools doctor asks, the Azure and
//! Google CLIs a token comes from).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::env::Env;

/// The first executable file named `name` in `PATH`.
pub fn which(env: &Env, name: &str) -> Option<PathBuf> {
    env.which(name)
}

/// The interpreter a script's `#!` line names (`/usr/bin/env python3` looked up on PATH), or
/// the file itself when it has none (a binary, a Python launcher).
pub fn interpreter(env: &Env, script: &Path) -> Option<PathBuf> {
    let head = crate::state::read_regular(script, 1 << 20).ok().flatten()?;
    let Some(line) = head
        .strip_prefix(b"#!")
        .and_then(|rest| rest.split(|&b| b == b'\n').next())
    else {
        return Some(script.to_path_buf());
    };
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_whitespace();
    let first = words.next()?;
    if Path::new(first).file_name().is_some_and(|n| n == "env") {
        let program = words.find(|w| !w.starts_with('-'))?;
        return which(env, program);
    }
    Some(PathBuf::from(first))
}

/// What a program said, when it ran to the end in time.
pub struct Ran {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `program` with `args` in the user's environment and working directory, with no input,
/// for at most `within`; past it the program is killed and the run is an error.
pub fn run(env: &Env, program: &Path, args: &[&str], within: Duration) -> Result<Ran, String> {
    run_as(env, program, args, within, false)
}

/// [`run`], and with `detach` in a session of its own, so that nothing it starts can open the
/// terminal to ask the user (the hook must never prompt).
pub fn run_as(
    env: &Env,
    program: &Path,
    args: &[&str],
    within: Duration,
    detach: bool,
) -> Result<Ran, String> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(env.all())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(cwd) = env.cwd() {
        cmd.current_dir(cwd);
    }
    #[cfg(unix)]
    if detach {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches no memory of the parent's.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    #[cfg(not(unix))]
    let _ = detach;
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    // Read both pipes while waiting, so a talkative program never blocks on a full one.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(pipe) = pipe {
                let _ = pipe.take(1 << 20).read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + within;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} did not finish within {} s",
                    program.display(),
                    within.as_secs()
                ));
            }
            Err(e) => return Err(format!("cannot wait for {}: {e}", program.display())),
        }
    };
    Ok(Ran {
        success: status.success(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}
