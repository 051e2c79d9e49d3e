//! The only writers of stdout and stderr. Shells evaluate our stdout, so data goes there and
//! nothing else; messages go to stderr, one line each. A closed pipe ends output quietly.

use std::io::Write;
use std::process::ExitCode;

use crate::error::{Error, Exit};

/// Writes data to stdout; colour codes are stripped unless it is a terminal (and `NO_COLOR`
/// is honoured). A reader that went away is not an error.
pub fn stdout(text: &str) -> crate::error::Result<()> {
    write_out(&mut anstream::stdout().lock(), text)
}

/// Shell code, dotenv and JSON for other programs, written byte for byte. Not through
/// [`stdout`]: anstream drops whatever looks like a terminal escape sequence when stdout is a
/// pipe (as it always is under the hook), and an ESC in a quoted value would take the closing
/// quote with it, turning the rest of the value into code.
pub fn code(text: &str) -> crate::error::Result<()> {
    write_out(&mut std::io::stdout().lock(), text)
}

fn write_out(out: &mut impl Write, text: &str) -> crate::error::Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::new(
            Exit::Runtime,
            format!("cannot write output: {e}"),
        )),
    }
}

/// How much ca-env says on stderr: `CA_ENV_LOG` = off, error (default), warn, info, debug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Off,
    Error,
    Warn,
    Info,
    Debug,
}

fn level() -> Level {
    static LEVEL: std::sync::OnceLock<Level> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(
        || match std::env::var(crate::tools::registry::CA_ENV_LOG).as_deref() {
            Ok("off") => Level::Off,
            Ok("warn") => Level::Warn,
            Ok("info") => Level::Info,
            Ok("debug") => Level::Debug,
            _ => Level::Error,
        },
    )
}

/// A log line (`ca-env[debug]: …`) when `CA_ENV_LOG` asks for `at` or more. The message is
/// built only then. Messages name entries and stores, never a token (the type redacts it).
pub fn log(at: Level, message: impl FnOnce() -> String) {
    if at <= level() && at != Level::Off {
        let tag = format!("{at:?}").to_lowercase();
        let _ = writeln!(std::io::stderr().lock(), "ca-env[{tag}]: {}", message());
    }
}

/// `ca-env: message` on stderr.
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "ca-env: {message}");
}

/// The error's one line, unless `CA_ENV_LOG=off`.
pub fn error_line(e: &Error) {
    if level() == Level::Off || e.message.is_empty() {
        return;
    }
    let _ = writeln!(std::io::stderr().lock(), "{e}");
}

/// Help and version go to stdout with status 0; usage errors become one line and status 2.
pub fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            let err =
                Error::new(Exit::Usage, "a command is required").with_hint("see 'ca-env --help'");
            error_line(&err);
            err.exit_code()
        }
        kind => {
            let text = e.to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid usage");
            let mut first: String = first
                .trim_start_matches("error: ")
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            // clap names the missing arguments on the lines after this one, which the one-line
            // form drops: take them from the error's context instead.
            if kind == ErrorKind::MissingRequiredArgument {
                use clap::error::{ContextKind, ContextValue};
                if let Some(ContextValue::Strings(args)) = e.get(ContextKind::InvalidArg) {
                    first = format!("{} {}", first.trim_end(), args.join(", "));
                }
            }
            let err = Error::new(Exit::Usage, first).with_hint("see 'ca-env --help'");
            error_line(&err);
            err.exit_code()
        }
    }
}

/// A value from a project file made safe for a terminal: control characters shown as `?`.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A path for people: under `home` as `~/…`, else as it is, control characters shown as `?`.
pub fn tilde(path: &std::path::Path, home: Option<&std::path::Path>) -> String {
    let shown = match home.and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) if !rest.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => path.display().to_string(),
    };
    printable(&shown)
}
