//! The background refresh: `ca-env __refresh`, started detached to renew one entry's token
//! ahead of expiry so that the command that noticed need not wait. Its arguments are defined
//! here once, for the command line that parses them and the process that starts it.

use clap::Args;

use super::Wanted;
use crate::env::Env;
use crate::output::{log, Level};
use crate::provider::ProviderKind;

/// The hidden subcommand's name.
pub const COMMAND: &str = "__refresh";

/// Which entry to refresh, and the lifetime to ask for.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct RefreshArgs {
    #[arg(long, default_value = "codeartifact", value_parser = parse_provider)]
    pub provider: ProviderKind,
    #[arg(long)]
    pub domain: String,
    #[arg(long)]
    pub owner: String,
    #[arg(long)]
    pub region: String,
    #[arg(long)]
    pub profile: Option<String>,
    #[arg(long)]
    pub duration: u64,
}

fn parse_provider(s: &str) -> Result<ProviderKind, String> {
    ProviderKind::parse(s).ok_or_else(|| format!("not a provider: {s}"))
}

impl RefreshArgs {
    pub fn of(wanted: &Wanted) -> RefreshArgs {
        let key = &wanted.key;
        RefreshArgs {
            provider: key.provider,
            domain: key.domain.clone(),
            owner: key.owner.clone(),
            region: key.region.clone(),
            profile: key.profile.clone(),
            duration: wanted.duration,
        }
    }

    /// The arguments that parse back into `self`.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![
            "--provider".to_string(),
            self.provider.as_str().to_string(),
            "--domain".into(),
            self.domain.clone(),
            "--owner".into(),
            self.owner.clone(),
            "--region".into(),
            self.region.clone(),
            "--duration".into(),
            self.duration.to_string(),
        ];
        if let Some(p) = &self.profile {
            args.extend(["--profile".to_string(), p.clone()]);
        }
        args
    }
}

/// Starts `ca-env __refresh` for `wanted`, detached: its own session (no terminal to prompt
/// on, not killed by the shell's Ctrl-C), no input, messages appended to the refresh log.
pub fn in_background(wanted: &Wanted) {
    let started = spawn(wanted);
    log(Level::Debug, || match started {
        Ok(child) => format!(
            "refreshing {} in the background (process {})",
            wanted.key.describe(),
            child.id()
        ),
        Err(e) => format!("cannot start a background refresh: {e}"),
    });
}

pub fn spawn(wanted: &Wanted) -> std::io::Result<std::process::Child> {
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.arg(COMMAND).args(RefreshArgs::of(wanted).to_args());
    cmd.stdin(Stdio::null()).stdout(Stdio::null());
    cmd.stderr(match refresh_log() {
        Some(f) => Stdio::from(f),
        None => Stdio::null(),
    });
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe; it only detaches the child from the terminal.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    cmd.spawn()
}

/// `$XDG_STATE_HOME/ca-env/refresh.log`, opened for appending (started afresh past 64 KiB).
fn refresh_log() -> Option<std::fs::File> {
    let dir = crate::state::dir(&Env::from_process())?;
    crate::state::private_dir(&dir).ok()?;
    let path = dir.refresh_log();
    let too_big = std::fs::metadata(&path).is_ok_and(|m| m.len() > 64 * 1024);
    let mut options = std::fs::OpenOptions::new();
    options.create(true);
    if too_big {
        options.write(true).truncate(true);
    } else {
        options.append(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: RefreshArgs,
    }

    #[test]
    fn the_arguments_parse_back() {
        for profile in [None, Some("dev --owner x".to_string())] {
            let args = RefreshArgs {
                provider: crate::provider::ProviderKind::Azure,
                domain: "corp".into(),
                owner: "111122223333".into(),
                region: "us-west-2".into(),
                profile,
                duration: 43200,
            };
            let argv = std::iter::once("ca-env".to_string()).chain(args.to_args());
            assert_eq!(Wrapper::parse_from(argv).args, args);
        }
    }
}
