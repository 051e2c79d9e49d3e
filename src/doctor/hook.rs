//! The hook in the shell that runs doctor. A program cannot see its shell's functions or
//! prompt settings, so the hook's `ca-env` shell function hands them over when the command is
//! `doctor` (`__CA_ENV_SHELL`: the shell, the version and binary that printed the hook, and
//! how often the shell runs it before a prompt and at a `cd`). Without it, doctor knows only
//! whether its parent is a shell and whether a hook ever ran above it (`__CA_ENV_STATE`).

use std::path::{Path, PathBuf};

use super::{Check, Context};
use crate::tools::registry::{CA_ENV_SHELL, CA_ENV_STATE, DIRENV_FILE, SHELL, ZDOTDIR};

const GROUP: &str = "hook";

/// What the hook's function handed over.
#[derive(Debug, PartialEq, Eq)]
struct Handed {
    shell: String,
    version: String,
    bin: String,
    /// The hook function is defined.
    hook: bool,
    /// How often the shell runs it before a prompt.
    prompt: u32,
    /// How often at a change of directory (zsh, fish).
    cd: Option<u32>,
}

impl Handed {
    /// `key=value` lines; None unless the shell is one the hook supports.
    fn parse(text: &str) -> Option<Handed> {
        let get = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_string)
        };
        let count = |key: &str| get(key).and_then(|v| v.trim().parse::<u32>().ok());
        let shell = get("shell").filter(|s| ["bash", "zsh", "fish"].contains(&s.as_str()))?;
        Some(Handed {
            version: get("version").unwrap_or_default(),
            bin: get("bin").unwrap_or_default(),
            hook: get("hook").as_deref() == Some("1"),
            prompt: count("prompt").unwrap_or(0),
            cd: count("cd"),
            shell,
        })
    }
}

pub fn check(cx: &Context, out: &mut Vec<Check>) {
    let direnv = direnv_use(cx);
    let Some(handed) = cx.raw.var(CA_ENV_SHELL).and_then(|t| Handed::parse(&t)) else {
        out.push(not_handed(cx, direnv.as_ref()));
        return;
    };
    let shell = handed.shell.as_str();
    out.push(Check::ok(
        GROUP,
        "loaded",
        format!("loaded in this {shell}"),
    ));
    out.push(runs(cx, &handed));
    out.push(once(cx, &handed, direnv.as_ref()));
    out.push(version(cx, &handed));
}

/// Doctor was not called through the hook's function: from a shell without the hook (or with
/// one printed before doctor existed), from a script, or under direnv.
fn not_handed(cx: &Context, direnv: Option<&(PathBuf, usize)>) -> Check {
    if let Some((file, line)) = direnv {
        return Check::ok(
            GROUP,
            "loaded",
            format!(
                "direnv's 'use codeartifact' loads this project ({})",
                cx.shown_at(file, *line)
            ),
        )
        .at(Some(file.clone()), Some(*line));
    }
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let Some(shell) = parent_shell(cx).filter(|_| interactive) else {
        return Check::skip(
            GROUP,
            "loaded",
            "not run from an interactive bash, zsh or fish: the hook was not checked",
        );
    };
    let rc = rc_file(cx, shell);
    if cx.raw.is_set(CA_ENV_STATE) {
        return Check::fail(
            GROUP,
            "loaded",
            format!("this {shell} (or one it was started from) runs a hook that does not hand doctor what it knows: printed by an older ca-env, or doctor was run with 'command'"),
            format!("open a new shell (or run {} again)", hook_line(shell)),
        );
    }
    Check::fail(
        GROUP,
        "loaded",
        format!("not loaded in this {shell}"),
        format!(
            "add {} at the end of {}, then open a new shell",
            hook_line(shell),
            cx.shown(&rc)
        ),
    )
}

/// Whether the shell still runs the hook before each prompt (and at each `cd`).
fn runs(cx: &Context, h: &Handed) -> Check {
    let shell = h.shell.as_str();
    let rc = rc_file(cx, shell);
    let where_ = match shell {
        "bash" => "PROMPT_COMMAND",
        "zsh" => "precmd_functions",
        _ => "the fish_prompt event",
    };
    if !h.hook {
        return Check::fail(
            GROUP,
            "prompt",
            format!("the hook's function _ca_env_hook is gone from this {shell} (something after the hook removed it)"),
            format!("load the hook last in {}, then open a new shell", cx.shown(&rc)),
        );
    }
    if h.prompt == 0 {
        let message =
            format!("the hook is loaded but no longer runs before each prompt: {where_} lost it");
        return match later_assignment(&rc, shell) {
            Some((line, hook_line)) => Check::fail(
                GROUP,
                "prompt",
                format!(
                    "{message}: {} sets it after the hook's line {hook_line}",
                    cx.shown_at(&rc, line)
                ),
                format!(
                    "move the hook's line below line {line}, to the end of {}",
                    cx.shown(&rc)
                ),
            )
            .at(Some(rc), Some(line)),
            None => Check::fail(
                GROUP,
                "prompt",
                format!(
                    "{message} (a theme, a plugin or a line loaded after the hook replaced it)"
                ),
                format!(
                    "load the hook last in {}, then open a new shell",
                    cx.shown(&rc)
                ),
            ),
        };
    }
    if h.cd == Some(0) {
        let where_ = if shell == "zsh" {
            "chpwd_functions"
        } else {
            "changes of PWD"
        };
        return Check::fail(
            GROUP,
            "prompt",
            format!("the hook runs before each prompt but no longer at each cd ({where_} lost it): 'cd project && poetry install' on one line misses the credentials"),
            format!("load the hook last in {}, then open a new shell", cx.shown(&rc)),
        );
    }
    Check::ok(
        GROUP,
        "prompt",
        match shell {
            "bash" => "runs before each prompt (PROMPT_COMMAND)",
            "zsh" => "runs before each prompt and at each cd (precmd_functions, chpwd_functions)",
            _ => "runs before each prompt and at each cd (fish_prompt, PWD)",
        },
    )
}

/// Loaded once: the shell runs it once a prompt, and direnv does not load ca-env here too.
fn once(cx: &Context, h: &Handed, direnv: Option<&(PathBuf, usize)>) -> Check {
    let rc = rc_file(cx, &h.shell);
    if let Some((file, line)) = direnv {
        return Check::fail(
            GROUP,
            "once",
            format!(
                "loaded twice: direnv's 'use codeartifact' ({}) sets this project's variables too, and each undoes the other's",
                cx.shown_at(file, *line)
            ),
            format!(
                "keep one: remove 'use codeartifact' from {}, or the hook's line from {}",
                cx.shown(file),
                cx.shown(&rc)
            ),
        )
        .at(Some(file.clone()), Some(*line));
    }
    if h.prompt > 1 {
        return Check::fail(
            GROUP,
            "once",
            format!("the hook runs {} times before each prompt", h.prompt),
            format!(
                "keep one hook line in {}, then open a new shell",
                cx.shown(&rc)
            ),
        );
    }
    Check::ok(
        GROUP,
        "once",
        "loaded once (direnv does not load ca-env here)",
    )
}

/// The hook was printed by this version of ca-env, and the binary it runs is still there.
fn version(cx: &Context, h: &Handed) -> Check {
    let again = format!("open a new shell (or run {} again)", hook_line(&h.shell));
    let mine = crate::shell::VERSION;
    if h.version != mine {
        let theirs = if h.version.is_empty() {
            "an unknown version"
        } else {
            h.version.as_str()
        };
        return Check::fail(
            GROUP,
            "version",
            format!("the hook was printed by ca-env {theirs}; this ca-env is {mine}"),
            again,
        );
    }
    let bin = Path::new(&h.bin);
    if !bin.is_file() {
        return Check::fail(
            GROUP,
            "version",
            format!("the hook runs {}, which is gone", cx.shown(bin)),
            again,
        );
    }
    let exe = std::env::current_exe().ok();
    let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
    match exe {
        Some(exe) if !same(bin, &exe) => Check::ok(
            GROUP,
            "version",
            format!(
                "printed by ca-env {mine}, as this one; the hook runs {}, 'ca-env' here is {}",
                cx.shown(bin),
                cx.shown(&exe)
            ),
        ),
        _ => Check::ok(
            GROUP,
            "version",
            format!("printed by ca-env {mine}, as this one"),
        ),
    }
}

/// The `.envrc` direnv loaded here and the line where it uses ca-env, if it does.
fn direnv_use(cx: &Context) -> Option<(PathBuf, usize)> {
    let file = PathBuf::from(cx.raw.var(DIRENV_FILE).filter(|f| !f.is_empty())?);
    let bytes = crate::state::read_regular(&file, 1 << 20).ok().flatten()?;
    let line = String::from_utf8_lossy(&bytes).lines().position(|l| {
        let l = l.trim_start();
        l.starts_with("use codeartifact") || l.starts_with("use_codeartifact")
    })?;
    Some((file, line + 1))
}

/// The shell that started doctor: the parent process's name (Linux), else the login shell.
fn parent_shell(cx: &Context) -> Option<&'static str> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getppid cannot fail.
        let ppid = unsafe { libc::getppid() };
        if let Ok(comm) = std::fs::read_to_string(format!("/proc/{ppid}/comm")) {
            return known(comm.trim().trim_start_matches('-'));
        }
    }
    let shell = cx.env.var(SHELL)?;
    known(Path::new(&shell).file_name()?.to_str()?)
}

fn known(name: &str) -> Option<&'static str> {
    ["bash", "zsh", "fish"].into_iter().find(|s| *s == name)
}

/// The rc file the hook's line goes in.
fn rc_file(cx: &Context, shell: &str) -> PathBuf {
    let home = cx.home.clone().unwrap_or_default();
    match shell {
        "zsh" => cx
            .env
            .var(ZDOTDIR)
            .filter(|d| Path::new(d).is_absolute())
            .map_or(home, PathBuf::from)
            .join(".zshrc"),
        "fish" => cx
            .env
            .xdg_config_home()
            .unwrap_or_else(|| home.join(".config"))
            .join("fish/config.fish"),
        _ => home.join(".bashrc"),
    }
}

/// The line that loads the hook in `shell`'s rc file.
fn hook_line(shell: &str) -> String {
    match shell {
        "fish" => "'ca-env hook fish | source'".into(),
        shell => format!("'eval \"$(ca-env hook {shell})\"'"),
    }
}

/// In `rc`, a line after the hook's that replaces what runs the hook (bash: `PROMPT_COMMAND=`
/// without `$PROMPT_COMMAND` in its value; zsh: `precmd_functions=`), as (that line, the
/// hook's line). A hint only: a theme sourced from elsewhere is not followed.
fn later_assignment(rc: &Path, shell: &str) -> Option<(usize, usize)> {
    let variable = match shell {
        "bash" => "PROMPT_COMMAND",
        "zsh" => "precmd_functions",
        _ => return None,
    };
    let bytes = crate::state::read_regular(rc, 1 << 20).ok().flatten()?;
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    let code = |l: &str| !l.trim_start().starts_with('#');
    let hook = lines
        .iter()
        .position(|l| code(l) && l.contains("ca-env hook"))?;
    let assigned = format!("{variable}=");
    let later = lines[hook + 1..].iter().position(|l| {
        let Some(at) = l.find(&assigned) else {
            return false;
        };
        let word_start = at == 0
            || !l.as_bytes()[at - 1].is_ascii_alphanumeric() && l.as_bytes()[at - 1] != b'_';
        let keeps = l.contains(&format!("${variable}")) || l.contains(&format!("${{{variable}"));
        code(l) && word_start && !keeps
    })?;
    Some((hook + 2 + later, hook + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_function_hands_over() {
        let h = Handed::parse(
            "shell=zsh\nversion=0.1.0\nbin=/opt/ca env/ca-env\nhook=1\nprompt=1\ncd=0",
        )
        .unwrap();
        assert_eq!(
            h,
            Handed {
                shell: "zsh".into(),
                version: "0.1.0".into(),
                bin: "/opt/ca env/ca-env".into(),
                hook: true,
                prompt: 1,
                cd: Some(0),
            }
        );
        assert_eq!(Handed::parse("shell=bash\nprompt=x").unwrap().prompt, 0);
        assert_eq!(Handed::parse("shell=tcsh"), None);
        assert_eq!(Handed::parse(""), None);
    }

    #[test]
    fn a_later_prompt_command_assignment_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let rc = dir.path().join(".bashrc");
        let write = |text: &str| std::fs::write(&rc, text).unwrap();
        write("# PROMPT_COMMAND=x\neval \"$(ca-env hook bash)\"\nPROMPT_COMMAND+=';b'\nPROMPT_COMMAND=\"a;$PROMPT_COMMAND\"\nMY_PROMPT_COMMAND=x\n  export PROMPT_COMMAND='history -a'\n");
        assert_eq!(later_assignment(&rc, "bash"), Some((6, 2)));
        write("PROMPT_COMMAND=x\neval \"$(ca-env hook bash)\"\n");
        assert_eq!(later_assignment(&rc, "bash"), None);
        write("eval \"$(ca-env hook zsh)\"\nprecmd_functions=(theme)\n");
        assert_eq!(later_assignment(&rc, "zsh"), Some((2, 1)));
        assert_eq!(later_assignment(&rc, "fish"), None);
    }
}
