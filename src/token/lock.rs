//! Advisory file locks (flock): one refresh per entry at a time across every process, and one
//! writer of the index. The kernel drops a lock when its holder exits, even by SIGKILL, so a
//! crashed refresh never blocks the next.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

pub struct Held(#[allow(dead_code, reason = "held for its Drop")] File);

pub enum Waited {
    Held(Held),
    /// Someone else still held it at the deadline.
    TimedOut,
}

/// Takes the lock on `path` (creating the file 0600), waiting until `deadline` at most.
pub fn acquire(path: &Path, deadline: Instant) -> std::io::Result<Waited> {
    if let Some(dir) = path.parent() {
        crate::state::private_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Waited::Held(Held(file))),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(e),
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(Waited::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(15).min(deadline - now));
    }
}
