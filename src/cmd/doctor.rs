//! `ca-env doctor [--json] [--online]`: one line per check, ✓ or ✗ (– when it does not apply
//! here), a failure with what to run. Exit status 0 when nothing failed, 1 otherwise.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use crate::doctor::{Check, Status};
use crate::env::Env;
use crate::error::{Error, Exit, Result};
use crate::output::{self, printable};

pub fn run(raw: &Env, env: &Env, json: bool, online: bool) -> Result<()> {
    let checks = crate::doctor::run(raw, env, online);
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    if json {
        let report = serde_json::json!({ "ok": failed == 0, "checks": checks });
        let mut text = serde_json::to_string_pretty(&report).expect("the report serialises");
        text.push('\n');
        output::code(&text)?;
    } else {
        output::stdout(&text(&checks, failed))?;
    }
    match failed {
        0 => Ok(()),
        // Said already, line by line.
        _ => Err(Error::new(Exit::Runtime, "")),
    }
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const GOOD: Style = AnsiColor::Green.on_default();
const BAD: Style = AnsiColor::Red.on_default();

fn text(checks: &[Check], failed: usize) -> String {
    let mut out = String::new();
    let mut group = "";
    for c in checks {
        if c.group != group {
            group = c.group;
            let _ = writeln!(out, "{BOLD}{group}{BOLD:#}");
        }
        let message = printable(&c.message);
        let _ = match (c.status, &c.hint) {
            (Status::Ok, _) => writeln!(out, "  {GOOD}✓{GOOD:#} {message}"),
            (Status::Skip, _) => writeln!(out, "  {DIM}– {message}{DIM:#}"),
            (Status::Fail, Some(hint)) => {
                writeln!(out, "  {BAD}✗{BAD:#} {message}; hint: {}", printable(hint))
            }
            (Status::Fail, None) => writeln!(out, "  {BAD}✗{BAD:#} {message}"),
        };
    }
    let _ = match failed {
        0 => writeln!(out, "no problem found"),
        1 => writeln!(out, "1 problem found"),
        n => writeln!(out, "{n} problems found"),
    };
    out
}
