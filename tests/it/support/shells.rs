//! Drives real interactive bash, zsh and fish on a pseudo-terminal, for tests of the shell hook
//! (a function the shell runs before every prompt).
//!
//! A hook only behaves like it will for users when the shell is interactive and talks to a
//! terminal: fish fires its `fish_prompt` event only then, bash runs PROMPT_COMMAND only then, and
//! job control (Ctrl-C, process groups) only exists then. So each shell gets its own PTY
//! (`portable-pty`) and is typed at like a person would.
//!
//! How the driver knows a line has finished: the driver's own prompt prints a marker with a
//! counter that the shell itself increments once per prompt (`<@shells-prompt:N:@> `). Every
//! prompt hook under test runs before the prompt is printed, so once prompt N+1 is on the screen
//! the line ran and the hooks for that prompt have run too. A counter, not a fixed string, so that
//! a prompt redrawn without a new line being read (fish repaints) is never taken for the next one.
//!
//! Self-contained on purpose (only std, `portable-pty`, `libc` and `tempfile`): it needs nothing
//! else from `support`, so its own tests (`shell_driver`) check the driver alone.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::io::RawFd;
use std::path::{Path, PathBuf};
use std::process::{Child as Process, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

/// How long any single wait (a prompt, strace attaching) may take before the test fails. Generous
/// because a 2-core machine running several test binaries at once can be very slow.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Start and end of the prompt marker; the number between them is the shell's prompt counter.
/// Typed lines never contain this text (the setup that defines it is sourced from a file).
const MARK_OPEN: &str = "<@shells-prompt:";
const MARK_CLOSE: &str = ":@>";

/// The syscalls that start a process (or thread, filtered out afterwards).
const STRACE_CALLS: &str = "trace=fork,vfork,clone,clone3,execve,execveat";

/// A shell the hook supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bash,
    Zsh,
    Fish,
}

impl Kind {
    /// Every shell the hook supports; tests loop over this so none is forgotten.
    pub const ALL: [Kind; 3] = [Kind::Bash, Kind::Zsh, Kind::Fish];

    /// The binary's name, also the argument of `ca-env hook <name>`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Bash => "bash",
            Kind::Zsh => "zsh",
            Kind::Fish => "fish",
        }
    }

    /// Arguments that start the shell interactive and without any user or system rc file, so
    /// that only the test's `init` is in effect.
    fn args(self) -> &'static [&'static str] {
        match self {
            Kind::Bash => &["--norc", "--noprofile", "-i"],
            Kind::Zsh => &["-f", "-i"],
            Kind::Fish => &["--no-config", "-i"],
        }
    }

    /// The driver's own set-up, sourced before `init`: the counting prompt, no history file, no
    /// prompt decorations that would land in the output, and `__shells_var`, which writes a
    /// variable to a file byte for byte (and leaves no file when it is unset) while keeping `$?`.
    fn setup(self) -> &'static str {
        match self {
            // PS1 is expanded exactly once per prompt, in the shell itself, so `++` sticks.
            Kind::Bash => concat!(
                "unset HISTFILE\n",
                "__shells_prompts=0\n",
                "PS1='<@shells-prompt:$((++__shells_prompts)):@> '\n",
                "PS2='<@shells-continued> '\n",
                "__shells_var() {\n",
                "  local __shells_status=$?\n",
                "  if [ -n \"${!1+set}\" ]; then builtin printf '%s' \"${!1}\" > \"$2\"; fi\n",
                "  return \"$__shells_status\"\n",
                "}\n",
            ),
            // prompt_subst is needed for the counter; prompt_sp/prompt_cr would print a `%` and
            // a carriage return before every prompt after output without a final newline.
            Kind::Zsh => concat!(
                "unset HISTFILE zle_bracketed_paste\n",
                "unsetopt prompt_sp prompt_cr\n",
                "setopt prompt_subst\n",
                "__shells_prompts=0\n",
                "PS1='<@shells-prompt:$((++__shells_prompts)):@> '\n",
                "RPS1=''\n",
                "PS2='<@shells-continued> '\n",
                "__shells_var() {\n",
                "  local __shells_status=$?\n",
                "  if (( ${(P)+1} )); then builtin printf '%s' \"${(P)1}\" > \"$2\"; fi\n",
                "  return $__shells_status\n",
                "}\n",
            ),
            // fish runs the fish_prompt *function* on every repaint but fires the fish_prompt
            // *event* once per prompt, before the function; so the event counts and the function
            // only prints. `printf '%s\n' $list` prints one line per element (and one empty line
            // for an empty list); the driver drops the final newline.
            Kind::Fish => concat!(
                "set -g fish_greeting ''\n",
                "set -g fish_history ''\n",
                "set -g fish_autosuggestion_enabled 0\n",
                "set -g __shells_prompts 0\n",
                "function __shells_count --on-event fish_prompt\n",
                "    set -g __shells_prompts (math $__shells_prompts + 1)\n",
                "end\n",
                "function fish_prompt\n",
                "    builtin printf '<@shells-prompt:%s:@> ' $__shells_prompts\n",
                "end\n",
                "function fish_right_prompt\n",
                "end\n",
                "function fish_mode_prompt\n",
                "end\n",
                "function fish_title\n",
                "end\n",
                "function __shells_var\n",
                "    set -l __shells_status $status\n",
                "    set -l __shells_name $argv[1]\n",
                "    if set -q $__shells_name\n",
                "        builtin printf '%s\\n' $$__shells_name > $argv[2]\n",
                "    end\n",
                "    return $__shells_status\n",
                "end\n",
            ),
        }
    }

    /// The command that reads a file as if it were the rc file.
    fn source(self) -> &'static str {
        match self {
            Kind::Bash | Kind::Zsh => ".",
            Kind::Fish => "source",
        }
    }
}

/// Everything the PTY has shown, filled by a reader thread so that the shell never blocks on a
/// full terminal while the test is not looking.
struct Screen {
    bytes: Mutex<Vec<u8>>,
    grew: Condvar,
}

/// One interactive shell on its own PTY. Dropping it ends the shell.
pub struct Interactive {
    kind: Kind,
    pid: u32,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Screen>,
    /// Offset in `screen` just after the last prompt marker that was waited for.
    seen: usize,
    /// The counter shown by that prompt.
    prompts: u64,
    /// A line was typed with `send_line` and its prompt has not been waited for yet.
    pending: bool,
    /// Holds the setup file, files written by `var` and strace logs.
    dir: tempfile::TempDir,
    files: u32,
}

impl Interactive {
    /// Starts `kind` interactively on a fresh PTY (500 columns, so nothing wraps) with exactly
    /// `env` as its environment (the caller passes PATH, HOME, TERM=dumb, a UTF-8 LANG when lines
    /// contain non-ASCII text, ...), in `cwd`.
    /// bash: `bash --norc --noprofile -i`; zsh: `zsh -f -i`; fish: `fish --no-config -i`.
    /// `init` is shell code (e.g. `eval "$(/path/ca-env hook bash)"`) that is sourced from a file
    /// as the first command, after the driver's own prompt set-up, so its prompt hooks have run
    /// once, as for an rc file, when this returns.
    /// Panics with a clear message when the shell binary is missing: these tests must fail, never
    /// skip, on a machine without the shell.
    pub fn start(kind: Kind, env: &[(String, String)], cwd: &Path, init: &str) -> Interactive {
        let binary = find_program(kind.name());
        assert!(
            cwd.is_dir(),
            "{}: working directory {} is not a directory",
            kind.name(),
            cwd.display()
        );
        let dir = tempfile::tempdir().expect("temporary directory for the shell driver");
        let rc = dir.path().join(format!("init.{}", kind.name()));
        fs::write(&rc, format!("{}\n{}\n", kind.setup(), init)).expect("write the init file");

        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 50,
                cols: 500,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap_or_else(|e| panic!("{}: cannot open a pseudo-terminal: {e:#}", kind.name()));
        // portable-pty always sets SHELL (to the user's login shell) on top of the given
        // environment; `env -u SHELL` takes it out again unless the caller asked for one, and
        // then execs the shell in the same process, so the pid is the shell's.
        let mut cmd = if env.iter().any(|(k, _)| k == "SHELL") {
            CommandBuilder::new(&binary)
        } else {
            let mut cmd = CommandBuilder::new(find_program("env"));
            cmd.args(["-u", "SHELL"]);
            cmd.arg(&binary);
            cmd
        };
        cmd.args(kind.args());
        cmd.env_clear();
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(cwd);
        let child = pair.slave.spawn_command(cmd).unwrap_or_else(|e| {
            panic!("{}: cannot start {}: {e:#}", kind.name(), binary.display())
        });
        // Only the shell may hold the terminal's slave side, or reading would never see EOF.
        drop(pair.slave);
        let pid = child.process_id().expect("pid of the shell");
        let master = pair.master;
        let writer = master.take_writer().expect("PTY writer");
        let mut reader = master.try_clone_reader().expect("PTY reader");
        let screen = Arc::new(Screen {
            bytes: Mutex::new(Vec::new()),
            grew: Condvar::new(),
        });
        let filling = Arc::clone(&screen);
        thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        filling.bytes.lock().unwrap().extend_from_slice(&buf[..n]);
                        filling.grew.notify_all();
                    }
                }
            }
            filling.grew.notify_all();
        });

        let mut shell = Interactive {
            kind,
            pid,
            child,
            master,
            writer,
            screen,
            seen: 0,
            prompts: 0,
            pending: false,
            dir,
            files: 0,
        };
        let line = format!("{} {}", kind.source(), quote(&rc));
        shell.send_line(&line);
        shell.wait_prompt();
        shell
    }

    /// Types one command line (plus Enter) and waits until it ran AND the next prompt was
    /// printed, so the prompt hooks for that prompt have run. Returns what the terminal showed in
    /// between: stdout and stderr mixed, without the echo of the typed line, escape sequences and
    /// carriage returns. `line` must be one line; put longer code in a file and source it.
    /// Panics with the transcript after 20 s.
    pub fn run(&mut self, line: &str) -> String {
        self.send_line(line);
        self.wait_prompt()
    }

    /// Types `line` and Enter without waiting for it to finish, for commands that are to be
    /// interrupted; follow with `interrupt` or `wait_prompt`.
    pub fn send_line(&mut self, line: &str) {
        assert!(
            !self.pending,
            "{}: send_line({line:?}) while the previous line is still running",
            self.kind.name()
        );
        assert!(
            !line.contains(['\n', '\r']),
            "{}: a line to type must not contain a newline: {line:?}",
            self.kind.name()
        );
        self.wait_line_editor();
        self.type_bytes(format!("{line}\r").as_bytes());
        self.pending = true;
    }

    /// Waits for the prompt after a line typed with `send_line`; returns what `run` returns.
    pub fn wait_prompt(&mut self) -> String {
        assert!(
            self.pending,
            "{}: wait_prompt() without a line typed",
            self.kind.name()
        );
        let (start, end, number) = self.wait_next_prompt();
        let shown = clean(&self.screen.bytes.lock().unwrap()[self.seen..start]);
        self.seen = end;
        self.prompts = number;
        self.pending = false;
        // The line editor echoes the typed line up to the newline of Enter before anything runs.
        match shown.split_once('\n') {
            Some((_echo, rest)) => rest.to_string(),
            None => String::new(),
        }
    }

    /// The value of an environment or shell variable as the shell sees it after the last
    /// prompt: None when unset, Some("") when set empty; a fish list comes back joined with
    /// newlines, a bash/zsh array as the shell expands `$NAME`. Exact for any bytes (quotes,
    /// backslashes, newlines, `$`, non-ASCII) because the shell writes the value to a file
    /// instead of the terminal. It is itself a typed line, so prompt hooks run once more after it
    /// (`$?` is kept); it starts no process.
    pub fn var(&mut self, name: &str) -> Option<String> {
        assert!(
            is_name(name),
            "{}: var({name:?}) is not a variable name",
            self.kind.name()
        );
        let file = self.new_file("var");
        self.run(&format!("__shells_var {name} {}", quote(&file)));
        let bytes = match fs::read(&file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => panic!("{}: reading {}: {e}", self.kind.name(), file.display()),
        };
        let mut value = String::from_utf8(bytes).unwrap_or_else(|e| {
            panic!(
                "{}: ${name} is not UTF-8: {:?}",
                self.kind.name(),
                e.as_bytes()
            )
        });
        if self.kind == Kind::Fish {
            let newline = value.pop();
            assert_eq!(
                newline,
                Some('\n'),
                "fish: __shells_var wrote no final newline"
            );
        }
        Some(value)
    }

    /// The processes the shell (or anything it started) created while `lines` ran, one strace
    /// line per fork/vfork/clone/clone3/execve/execveat; thread creation (CLONE_THREAD, fish
    /// has worker threads) is not a process and is left out. strace attaches to the running shell
    /// with `-f -p`, so its own attach is never in the list; the lines are run with `run` after
    /// strace is known to be tracing, and strace is stopped after the last prompt.
    /// Panics if strace is missing or cannot attach.
    pub fn processes_during(&mut self, lines: &[&str]) -> Vec<String> {
        let strace = find_program("strace");
        let log = self.new_file("strace");
        let mut tracer = Tracer(
            Command::new(&strace)
                .args(["-f", "-e", STRACE_CALLS, "-o"])
                .arg(&log)
                .args(["-p", &self.pid.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", strace.display())),
        );
        let errors = Arc::new(Mutex::new(String::new()));
        let mut stderr = tracer.0.stderr.take().expect("strace stderr");
        let filling = Arc::clone(&errors);
        thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                filling
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });

        // strace says "attached" right after PTRACE_SEIZE, a moment before it really traces
        // the syscalls. A SIGCHLD (which every shell takes as "check your children": none) only
        // shows up in the log once strace has taken over, so poke until it does.
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if errors.lock().unwrap().contains("attached") {
                let logged = fs::read_to_string(&log).unwrap_or_default();
                if logged.contains("SIGCHLD") {
                    break;
                }
                // SAFETY: kill(2) has no memory effects; the pid is our child's.
                unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGCHLD) };
            }
            if let Ok(Some(status)) = tracer.0.try_wait() {
                panic!(
                    "{}: strace exited ({status}) before tracing: {}",
                    self.kind.name(),
                    errors.lock().unwrap()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{}: strace did not start tracing within {TIMEOUT:?}: {}",
                self.kind.name(),
                errors.lock().unwrap()
            );
            thread::sleep(Duration::from_millis(20));
        }

        for line in lines {
            self.run(line);
        }

        // SIGTERM makes strace detach from everything and flush its log.
        // SAFETY: as above, for strace's pid.
        unsafe { libc::kill(tracer.0.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + TIMEOUT;
        while tracer.0.try_wait().ok().flatten().is_none() {
            assert!(
                Instant::now() < deadline,
                "{}: strace did not exit after SIGTERM",
                self.kind.name()
            );
            thread::sleep(Duration::from_millis(10));
        }
        let logged = fs::read_to_string(&log).expect("strace log");
        logged
            .lines()
            .map(str::trim)
            .filter(|line| starts_process(line))
            .map(str::to_string)
            .collect()
    }

    /// Sends Ctrl-C (0x03) to the line started with `send_line` and waits for the next prompt;
    /// returns what `wait_prompt` returns. Waits first (up to 2 s) until the line runs as a
    /// foreground job, so the ^C reaches the command rather than the line editor.
    pub fn interrupt(&mut self) -> String {
        assert!(
            self.pending,
            "{}: interrupt() without a running line (use send_line)",
            self.kind.name()
        );
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && !self.foreground_command_running() {
            thread::sleep(Duration::from_millis(10));
        }
        self.type_bytes(b"\x03");
        self.wait_prompt()
    }

    /// Everything the terminal showed since start, without escape sequences and carriage
    /// returns; for assertion messages.
    pub fn transcript(&self) -> String {
        clean(&self.screen.bytes.lock().unwrap())
    }

    /// Which shell this is, for assertion messages in helpers that only get the shell.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether another program owns the terminal: a process group other than the shell's is in
    /// the foreground and its leader has exec'd (no longer has the shell's command line). A
    /// ^C that arrives between the shell's fork and the exec is caught by the shell's own handler
    /// in the child and lost, so the exec matters.
    fn foreground_command_running(&self) -> bool {
        match self.master.process_group_leader() {
            Some(group) if group != self.pid as libc::pid_t => {
                let shell = fs::read(format!("/proc/{}/cmdline", self.pid));
                let job = fs::read(format!("/proc/{group}/cmdline"));
                matches!((shell, job), (Ok(shell), Ok(job)) if !job.is_empty() && job != shell)
            }
            _ => false,
        }
    }

    fn type_bytes(&mut self, bytes: &[u8]) {
        let kind = self.kind.name();
        self.writer
            .write_all(bytes)
            .and_then(|()| self.writer.flush())
            .unwrap_or_else(|e| panic!("{kind}: typing into the terminal: {e}"));
    }

    /// Waits until the line editor owns the terminal (it turns off canonical mode and echo while
    /// reading a line). Typed before that, the kernel would echo the line a second time.
    fn wait_line_editor(&mut self) {
        let Some(fd) = self.master.as_raw_fd() else {
            return;
        };
        let deadline = Instant::now() + TIMEOUT;
        while !line_editor_reading(fd) {
            self.assert_alive("waiting for the line editor");
            assert!(
                Instant::now() < deadline,
                "{}: the line editor did not take the terminal within {TIMEOUT:?}; transcript:\n{}",
                self.kind.name(),
                self.transcript()
            );
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the first prompt marker after `seen` with a counter above `prompts`:
    /// (start, end, counter), offsets into the screen. Panics with the transcript on timeout or
    /// when the shell exits.
    fn wait_next_prompt(&mut self) -> (usize, usize, u64) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            {
                let screen = self.screen.bytes.lock().unwrap();
                if let Some((start, end, number)) = next_prompt(&screen[self.seen..], self.prompts)
                {
                    return (self.seen + start, self.seen + end, number);
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    drop(screen);
                    panic!(
                        "{}: no prompt {} within {TIMEOUT:?}; transcript:\n{}",
                        self.kind.name(),
                        self.prompts + 1,
                        self.transcript()
                    );
                }
                // Woken by new output; the timeout only bounds how late a dead shell is noticed.
                let _ = self
                    .screen
                    .grew
                    .wait_timeout(screen, left.min(Duration::from_millis(100)))
                    .unwrap();
            }
            self.assert_alive("waiting for a prompt");
        }
    }

    fn assert_alive(&mut self, doing: &str) {
        if let Ok(Some(status)) = self.child.try_wait() {
            // Let the reader catch the last output before showing it.
            thread::sleep(Duration::from_millis(100));
            panic!(
                "{}: the shell exited ({status:?}) while {doing}; transcript:\n{}",
                self.kind.name(),
                self.transcript()
            );
        }
    }

    fn new_file(&mut self, what: &str) -> PathBuf {
        self.files += 1;
        let path = self.dir.path().join(format!("{what}-{}", self.files));
        let _ = fs::remove_file(&path);
        path
    }
}

impl Drop for Interactive {
    /// Types `exit` when the shell is idle, then hangs up (which also ends its jobs) and kills
    /// it if it is still there after a short grace.
    fn drop(&mut self) {
        if !self.pending {
            let _ = self.writer.write_all(b"exit\r");
            let _ = self.writer.flush();
        }
        let pid = self.pid as libc::pid_t;
        for signal in [None, Some(libc::SIGHUP), Some(libc::SIGKILL)] {
            if let Some(signal) = signal {
                // SAFETY: kill(2) on our own child, which has not been reaped yet.
                unsafe { libc::kill(pid, signal) };
            }
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                if !matches!(self.child.try_wait(), Ok(None)) {
                    return;
                }
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Stops strace even when a test panics half-way through `processes_during`.
struct Tracer(Process);

impl Drop for Tracer {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The absolute path of `name` on this test process's PATH; panics when it is not installed.
fn find_program(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not installed (not on PATH={}); the shell tests need bash, zsh, fish \
                 and strace and must not be skipped",
                path.to_string_lossy()
            )
        })
}

/// `path` in single quotes, which bash, zsh and fish all read literally (paths from tempfile
/// contain neither quotes nor backslashes).
fn quote(path: &Path) -> String {
    let text = path.to_str().expect("temporary paths are UTF-8");
    assert!(
        !text.contains(['\'', '\\']),
        "cannot quote {text:?} for every shell"
    );
    format!("'{text}'")
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// True while a line editor reads: canonical mode and echo are off on the terminal.
fn line_editor_reading(fd: RawFd) -> bool {
    // SAFETY: tcgetattr only writes into the termios we own; on Linux the master side reports
    // the terminal's (slave side's) settings.
    unsafe {
        let mut termios: libc::termios = std::mem::zeroed();
        libc::tcgetattr(fd, &mut termios) == 0 && termios.c_lflag & (libc::ICANON | libc::ECHO) == 0
    }
}

/// The first prompt marker in `screen` with a counter above `after`: (start, end, counter).
fn next_prompt(screen: &[u8], after: u64) -> Option<(usize, usize, u64)> {
    let open = MARK_OPEN.as_bytes();
    let close = MARK_CLOSE.as_bytes();
    let mut from = 0;
    while let Some(at) = find(&screen[from..], open) {
        let start = from + at;
        let digits_at = start + open.len();
        let digits = screen[digits_at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = digits_at + digits;
        if digits > 0 && screen[end..].starts_with(close) {
            let number: u64 = std::str::from_utf8(&screen[digits_at..end])
                .unwrap()
                .parse()
                .unwrap();
            if number > after {
                return Some((start, end + close.len(), number));
            }
        }
        from = start + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Terminal output as text: escape sequences (CSI, OSC, charset and keypad switches), fish's
/// missing-newline marks, carriage returns and bells removed.
fn clean(bytes: &[u8]) -> String {
    let text = drop_escapes(bytes);
    drop_newline_marks(&text).replace(['\r', '\x07'], "")
}

/// Before each prompt fish prints `⏎` (or `¶`), spaces up to the right margin and a carriage
/// return, twice: on a real terminal that leaves a visible mark only when the output did not end
/// with a newline. It is no output of any command, so it goes.
fn drop_newline_marks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['\u{23ce}', '\u{b6}']) {
        out.push_str(&rest[..at]);
        let mark = rest[at..].chars().next().unwrap();
        let after = rest[at + mark.len_utf8()..].trim_start_matches(' ');
        match after.strip_prefix('\r') {
            Some(after) => rest = after,
            None => {
                out.push(mark);
                rest = &rest[at + mark.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escape sequences removed; everything else kept.
fn drop_escapes(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    // Parameters and intermediates, then one final byte in @..~.
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') | Some('P') | Some('_') | Some('^') | Some('X') => {
                    // A string ended by BEL or ESC \.
                    while let Some(c) = chars.next() {
                        if c == '\x07' {
                            break;
                        }
                        if c == '\x1b' {
                            chars.next_if_eq(&'\\');
                            break;
                        }
                    }
                }
                Some('(') | Some(')') | Some('*') | Some('+') | Some('#') => {
                    chars.next();
                }
                _ => {}
            },
            c => out.push(c),
        }
    }
    out
}

/// Whether a line of strace's log is a process being started (not a thread, not a resumed
/// call, a signal or an exit).
fn starts_process(line: &str) -> bool {
    // With -f every line starts with the pid.
    let call = line
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start();
    let starts = [
        "fork(",
        "vfork(",
        "clone(",
        "clone3(",
        "execve(",
        "execveat(",
    ]
    .iter()
    .any(|name| call.starts_with(name));
    starts && !call.contains("CLONE_THREAD")
}
