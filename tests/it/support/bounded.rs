//! Runs a command with limits a hostile input cannot get past: an address-space limit set in the
//! child before exec, a wall-clock deadline after which it is killed (so a hang fails the test
//! instead of blocking it), and its peak memory read back from `wait4`.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Address space the child may map.
pub const MAX_ADDRESS_SPACE: u64 = 1024 * 1024 * 1024;
/// Resident memory the child may have used at its peak.
pub const MAX_RSS_KIB: i64 = 256 * 1024;
/// How long a command on hostile input may take.
pub const MAX_TIME: Duration = Duration::from_secs(5);
/// When the child is killed: later than `MAX_TIME`, so the failure says how long it took.
const KILL_AFTER: Duration = Duration::from_secs(15);

pub struct Bounded {
    /// `None`: killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub max_rss_kib: i64,
}

impl Bounded {
    /// Everything the command printed.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `cmd` (stdin from /dev/null) under the limits, and asserts it stayed within them.
pub fn run(mut cmd: Command, what: &str) -> Bounded {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: MAX_ADDRESS_SPACE,
                rlim_max: MAX_ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    // Reaped below with wait4, which also gives the peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let pid = child.id() as libc::pid_t;
    let pipe = |mut r: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = pipe(Box::new(child.stdout.take().unwrap()));
    let err = pipe(Box::new(child.stderr.take().unwrap()));
    let mut status = 0;
    // SAFETY: plain syscalls on our own child; rusage is written by the kernel.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "{what}: wait4 failed");
        if started.elapsed() > KILL_AFTER {
            let _ = child.kill();
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            panic!("{what}: still running after {KILL_AFTER:?}: killed");
        }
        thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let b = Bounded {
        code,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed,
        max_rss_kib: usage.ru_maxrss,
    };
    assert!(
        b.elapsed < MAX_TIME,
        "{what}: took {:?} (limit {MAX_TIME:?})",
        b.elapsed
    );
    assert!(
        b.max_rss_kib < MAX_RSS_KIB,
        "{what}: peak memory {} KiB",
        b.max_rss_kib
    );
    assert!(b.code.is_some(), "{what}: killed by a signal: {}", b.stderr);
    b
}
