//! Real keyrings for one test at a time: a private Secret Service (its own D-Bus session bus and
//! GNOME Keyring daemon in a temporary directory) and a private kernel session keyring that
//! several processes of one test can share.
//!
//! Nothing here touches the machine's session bus, the user's keyrings or the user's keyutils
//! keyrings, so tests using these fixtures are safe to run in parallel and leave nothing behind.
//! A missing tool fails the test (see [`require`]); it is never a reason to skip.
//!
//! # What the `keyring` crate (3.6.3) writes
//!
//! Read from `keyring-3.6.3/src/secret_service.rs` and `src/keyutils.rs`, and checked by
//! `tests/it/keyrings_fixture.rs`, which drives the crate itself against these fixtures:
//!
//! * **Secret Service** (`SsCredential::new_with_target(None, service, user)`, which is what
//!   ca-env uses): the item goes in the *default* collection (alias `default`, which GNOME
//!   Keyring points at `/org/freedesktop/secrets/collection/login`) with attributes
//!   `service=<service>`, `username=<user>`, `target=default`, `application=rust-keyring`
//!   (the module's doc comment says `rust-keyring-client`; the code writes `rust-keyring`) and
//!   the label `<user>@<service>:default (keyring v3.6.3)`. No `xdg:schema` attribute.
//!   Lookups search the whole service for `service`, `username` and `target`; when nothing
//!   matches they search the default collection again for `service` and `username` alone (items
//!   written by keyring v1 or by other tools, e.g. `secret-tool store`). A locked item found by a
//!   search is unlocked with `Item.Unlock`, which asks for a *prompt*: on a desktop that is a
//!   dialog, here (no prompter on the private bus) it fails at once, and GNOME Keyring logs
//!   "couldn't create system prompt" (counted by [`SecretService::prompt_attempts`]). Writing into
//!   a locked default collection also asks for an unlock prompt first.
//! * **keyutils** (`KeyutilsCredential::new_with_target(None, service, user)`): a `user` key with
//!   description `keyring-rs:<user>@<service>` added to the *session* keyring (`@s`) and also
//!   linked into the user's *persistent* keyring (`keyctl get_persistent @s`), which every
//!   `Entry` creation links into the session keyring. Reads search the session keyring
//!   recursively, so through the persistent keyring they find keys written from *any* session of
//!   the same user in the same user namespace. That is why [`KeyutilsSession`] gives each test
//!   its own user namespace (and so its own persistent keyring), not just its own named session.

#![cfg(target_os = "linux")]

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a daemon may take to come up (an unlocked Secret Service takes about 40 ms).
pub const STARTUP_LIMIT: Duration = Duration::from_secs(10);

/// How long one helper command (`secret-tool`, `dbus-send`, `keyctl`) may take.
pub const TOOL_LIMIT: Duration = Duration::from_secs(10);

/// The login keyring's password in [`SecretService::unlocked`] and [`SecretService::locked`].
pub const PASSWORD: &str = "ca-env-test-password";

const LOGIN: &str = "/org/freedesktop/secrets/collection/login";

/// Panics unless `tool` is an executable on PATH: tests fail, never skip, when a tool is missing.
pub fn require(tool: &str) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| {
        fs::metadata(dir.join(tool))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    });
    if !found {
        panic!("{tool} is not installed; ./scripts/test installs it");
    }
}

/// Runs `cmd` to completion with stdout and stderr captured, feeding it `input` on stdin (or
/// nothing: stdin is /dev/null), and returns `None` if it is still running after `limit`: then
/// its whole process group is killed. The command is put in a process group of its own.
pub fn run_with_timeout(
    cmd: &mut Command,
    input: Option<&[u8]>,
    limit: Duration,
) -> Option<Output> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    if let Some(input) = input {
        let mut stdin = child.stdin.take().unwrap();
        // A child that exits without reading its input is not an error here.
        let _ = stdin.write_all(input);
    }
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(Output {
                status,
                stdout: stdout.join().unwrap(),
                stderr: stderr.join().unwrap(),
            });
        }
        if Instant::now() >= deadline {
            // SAFETY: kill(2) on the child's own process group.
            unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn drain(mut from: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        bytes
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A name no other fixture of any test process uses.
fn unique(prefix: &str) -> String {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}-{nanos:08x}", std::process::id())
}

/// Kills and reaps a child; for Drop, so it never panics.
fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// An item as `secret-tool search --all` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The item's object path as secret-tool prints it (e.g. `/1`).
    pub path: String,
    pub label: String,
    /// `None` when the collection is locked.
    pub secret: Option<String>,
    pub attributes: BTreeMap<String, String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    BusOnly,
    NoKeyring,
    Unlocked,
    Locked,
}

/// A private, real Secret Service (GNOME Keyring) on a private D-Bus session bus.
///
/// Everything lives in one temporary directory: `run/bus` (the bus socket; `run` is also the
/// daemon's XDG_RUNTIME_DIR, so its control socket is `run/keyring/control`), `data/keyrings`
/// (the keyring files: XDG_DATA_HOME), `home`, and the daemons' logs. The bus has no service
/// directories, so nothing is ever D-Bus-activated on it: not a second keyring daemon, and not
/// a prompter either, so anything that needs an unlock or create-keyring prompt fails at once
/// instead of waiting for a dialog.
///
/// The bus is started as
/// `dbus-daemon --config-file=DIR/bus.conf --nofork --print-address=1` (a session-type config
/// listening on `unix:path=DIR/run/bus`, EXTERNAL auth, allow-all policy, no servicedirs), and
/// the keyring as `gnome-keyring-daemon --foreground --components=secrets [--unlock]` with only
/// PATH, HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_RUNTIME_DIR and
/// DBUS_SESSION_BUS_ADDRESS set; with `--unlock` the password is written on its stdin, which is
/// then closed, as `echo -n pass | gnome-keyring-daemon --unlock` does.
///
/// Give child processes [`env`](Self::env). Dropping the fixture kills both daemons.
/// One fixture per test; never keep one in a `static` (statics are not dropped).
pub struct SecretService {
    keyring: Option<Child>,
    bus: Option<Child>,
    address: String,
    dir: tempfile::TempDir,
}

impl SecretService {
    /// A Secret Service whose default collection (`login`) exists and is unlocked.
    pub fn unlocked() -> SecretService {
        SecretService::start(Kind::Unlocked)
    }

    /// A Secret Service whose default collection (`login`) exists but is locked: reading a
    /// secret or creating an item needs an unlock prompt, which fails at once here. To have
    /// items in the locked collection, use [`unlocked`](Self::unlocked), [`store`](Self::store)
    /// them, then [`lock`](Self::lock).
    pub fn locked() -> SecretService {
        SecretService::start(Kind::Locked)
    }

    /// A Secret Service with no keyring at all: the daemon answers on the bus but there is no
    /// `login` collection and the `default` alias points nowhere (`/`), as for a user who has
    /// never had a keyring. Creating one needs a prompt, which fails at once here.
    pub fn without_keyring() -> SecretService {
        SecretService::start(Kind::NoKeyring)
    }

    /// A session bus with nothing on it: no Secret Service, and none can be activated.
    pub fn bus_only() -> SecretService {
        SecretService::start(Kind::BusOnly)
    }

    fn start(kind: Kind) -> SecretService {
        require("dbus-daemon");
        require("dbus-send");
        if kind != Kind::BusOnly {
            require("gnome-keyring-daemon");
        }
        let dir = tempfile::Builder::new()
            .prefix("ca-env-ss.")
            .tempdir()
            .unwrap();
        for sub in ["run", "home", "data", "config", "cache"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        fs::set_permissions(dir.path().join("run"), fs::Permissions::from_mode(0o700)).unwrap();
        let socket = dir.path().join("run/bus");
        let config = dir.path().join("bus.conf");
        fs::write(&config, bus_config(&socket)).unwrap();

        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(dir.path().join("bus.log")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dbus-daemon: {e}"));
        let stdout = bus.stdout.take().unwrap();
        // From here on, Drop stops whatever has been started if anything below panics.
        let mut ss = SecretService {
            keyring: None,
            bus: Some(bus),
            address: String::new(),
            dir,
        };
        // dbus-daemon prints its address once it is listening.
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next().and_then(|l| l.ok()));
            for _ in lines {}
        });
        match rx.recv_timeout(STARTUP_LIMIT) {
            Ok(Some(address)) if !address.trim().is_empty() => ss.address = address.trim().into(),
            _ => panic!("dbus-daemon did not print its address\n{}", ss.logs()),
        }
        if kind == Kind::BusOnly {
            return ss;
        }

        let unlock = kind != Kind::NoKeyring;
        let path = ss.dir.path();
        let mut keyring = Command::new("gnome-keyring-daemon");
        keyring
            .args(["--foreground", "--components=secrets"])
            .args(unlock.then_some("--unlock"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", path.join("home"))
            .env("XDG_DATA_HOME", path.join("data"))
            .env("XDG_CONFIG_HOME", path.join("config"))
            .env("XDG_CACHE_HOME", path.join("cache"))
            .env("XDG_RUNTIME_DIR", path.join("run"))
            .env("DBUS_SESSION_BUS_ADDRESS", &ss.address)
            .stdin(if unlock {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(File::create(path.join("keyring.out")).unwrap())
            .stderr(File::create(path.join("keyring.log")).unwrap());
        let mut child = keyring
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start gnome-keyring-daemon: {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(PASSWORD.as_bytes()).unwrap();
            // Dropping stdin closes it: the daemon reads the password up to end of file.
        }
        ss.keyring = Some(child);

        let deadline = Instant::now() + STARTUP_LIMIT;
        loop {
            let ready = if unlock {
                ss.locked_state() == Some(false)
            } else {
                ss.name_has_owner("org.freedesktop.secrets")
            };
            if ready {
                break;
            }
            if let Some(status) = ss.keyring.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "gnome-keyring-daemon exited ({status}) before it answered\n{}",
                    ss.logs()
                );
            }
            if Instant::now() >= deadline {
                panic!(
                    "org.freedesktop.secrets did not answer within {STARTUP_LIMIT:?}\n{}",
                    ss.logs()
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
        if kind == Kind::Locked {
            ss.lock();
        }
        ss
    }

    /// What a child process needs to reach this Secret Service: DBUS_SESSION_BUS_ADDRESS, and
    /// XDG_RUNTIME_DIR (the directory holding the bus socket as `bus`, which is where libdbus
    /// and sd-bus look when DBUS_SESSION_BUS_ADDRESS is unset, and the keyring's control socket).
    /// GNOME Keyring's clients need only the bus address.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.address.clone()),
            (
                "XDG_RUNTIME_DIR".into(),
                self.runtime_dir().display().to_string(),
            ),
        ]
    }

    /// The bus address (`unix:path=…/run/bus,guid=…`).
    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn runtime_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// Where GNOME Keyring keeps its keyring files (`login.keyring`).
    pub fn keyrings_dir(&self) -> PathBuf {
        self.dir.path().join("data/keyrings")
    }

    /// `program` with nothing but PATH, a private HOME and [`env`](Self::env).
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path().join("home"))
            .envs(self.env());
        cmd
    }

    /// Runs `secret-tool ARGS` against this Secret Service (bounded by [`TOOL_LIMIT`]; panics if
    /// it takes longer).
    pub fn secret_tool(&self, args: &[&str], input: Option<&str>) -> Output {
        require("secret-tool");
        let mut cmd = self.command("secret-tool");
        cmd.args(args);
        self.bounded(&mut cmd, input)
    }

    fn bounded(&self, cmd: &mut Command, input: Option<&str>) -> Output {
        let shown = format!("{cmd:?}");
        run_with_timeout(cmd, input.map(str::as_bytes), TOOL_LIMIT).unwrap_or_else(|| {
            panic!(
                "{shown} did not finish within {TOOL_LIMIT:?}\n{}",
                self.logs()
            )
        })
    }

    /// `secret-tool lookup`: the secret of the item matching `attrs`, or `None` when there is
    /// none, or it cannot be read (locked collection, no Secret Service).
    pub fn lookup(&self, attrs: &[(&str, &str)]) -> Option<String> {
        let mut args = vec!["lookup"];
        args.extend(attrs.iter().flat_map(|(k, v)| [*k, *v]));
        let out = self.secret_tool(&args, None);
        out.status.success().then(|| text(&out.stdout))
    }

    /// `secret-tool store`: stores `secret` in the default collection; panics if that fails.
    /// (secret-tool adds `xdg:schema=org.freedesktop.Secret.Generic`.)
    pub fn store(&self, label: &str, attrs: &[(&str, &str)], secret: &str) {
        let label = format!("--label={label}");
        let mut args = vec!["store", label.as_str()];
        args.extend(attrs.iter().flat_map(|(k, v)| [*k, *v]));
        let out = self.secret_tool(&args, Some(secret));
        assert!(
            out.status.success(),
            "secret-tool store failed: {}\n{}",
            text(&out.stderr),
            self.logs()
        );
    }

    /// Every item matching `attrs` (`secret-tool search --all`), in the order secret-tool
    /// prints them. Secrets containing newlines do not survive the parsing.
    pub fn search(&self, attrs: &[(&str, &str)]) -> Vec<Item> {
        require("secret-tool");
        // secret-tool prints attributes on stderr and the rest on stdout, flushing each line;
        // one pipe for both keeps them in order.
        let mut cmd = self.command("sh");
        cmd.args(["-c", "exec secret-tool search --all \"$@\" 2>&1", "sh"])
            .args(attrs.iter().flat_map(|(k, v)| [*k, *v]));
        let out = self.bounded(&mut cmd, None);
        let printed = text(&out.stdout);
        let items = parse_items(&printed);
        if !out.status.success() && items.is_empty() && !printed.trim().is_empty() {
            panic!("secret-tool search failed: {printed}\n{}", self.logs());
        }
        items
    }

    /// Every item with `service=ca-env`.
    pub fn items(&self) -> Vec<Item> {
        self.search(&[("service", "ca-env")])
    }

    /// Locks the `login` collection (`org.freedesktop.Secret.Service.Lock`, which needs no
    /// prompt) and checks that it is locked. There is no `unlock`: unlocking needs a prompt,
    /// and `gnome-keyring-daemon --unlock` cannot unlock a running daemon (it starts another).
    pub fn lock(&self) {
        let out = self.dbus_send(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            &format!("array:objpath:{LOGIN}"),
        ]);
        assert!(
            out.status.success(),
            "Lock failed: {}\n{}",
            text(&out.stderr),
            self.logs()
        );
        assert!(
            self.is_locked(),
            "the collection is still unlocked\n{}",
            self.logs()
        );
    }

    /// The `login` collection's `Locked` property; panics if there is no such collection.
    pub fn is_locked(&self) -> bool {
        self.locked_state()
            .unwrap_or_else(|| panic!("there is no login collection\n{}", self.logs()))
    }

    /// `Some(locked)`, or `None` when there is no `login` collection (or no Secret Service).
    pub fn locked_state(&self) -> Option<bool> {
        let out = self.dbus_send(&[
            "--dest=org.freedesktop.secrets",
            LOGIN,
            "org.freedesktop.DBus.Properties.Get",
            "string:org.freedesktop.Secret.Collection",
            "string:Locked",
        ]);
        let reply = text(&out.stdout);
        if !out.status.success() {
            None
        } else if reply.contains("boolean true") {
            Some(true)
        } else if reply.contains("boolean false") {
            Some(false)
        } else {
            None
        }
    }

    /// The object path the `default` alias points at (`/` when there is none).
    pub fn default_collection(&self) -> Option<String> {
        let out = self.dbus_send(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.ReadAlias",
            "string:default",
        ]);
        let reply = text(&out.stdout);
        out.status.success().then(|| {
            let at = reply.find("object path \"").map(|i| i + 13);
            at.and_then(|i| reply[i..].split('"').next())
                .unwrap_or_default()
                .to_string()
        })
    }

    /// Whether some connection owns `name` on this bus.
    pub fn name_has_owner(&self, name: &str) -> bool {
        let out = self.dbus_send(&[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ]);
        out.status.success() && text(&out.stdout).contains("boolean true")
    }

    /// `dbus-send --bus=ADDRESS --print-reply ARGS`.
    pub fn dbus_send(&self, args: &[&str]) -> Output {
        let mut cmd = self.command("dbus-send");
        cmd.arg(format!("--bus={}", self.address))
            .args(["--print-reply", "--reply-timeout=5000"])
            .args(args);
        self.bounded(&mut cmd, None)
    }

    /// How many times GNOME Keyring tried to show a prompt (unlock or create a keyring) since
    /// it started: each attempt fails here, and logs "couldn't create system prompt".
    pub fn prompt_attempts(&self) -> usize {
        let log = fs::read_to_string(self.dir.path().join("keyring.log")).unwrap_or_default();
        log.matches("couldn't create system prompt").count()
    }

    /// The daemons' output so far, for failure messages.
    pub fn logs(&self) -> String {
        let mut all = String::new();
        for (what, file) in [
            ("dbus-daemon stderr", "bus.log"),
            ("gnome-keyring-daemon stdout", "keyring.out"),
            ("gnome-keyring-daemon stderr", "keyring.log"),
        ] {
            if let Ok(log) = fs::read_to_string(self.dir.path().join(file)) {
                all.push_str(&format!("--- {what}:\n{}\n", log.trim_end()));
            }
        }
        all
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        // The keyring daemon first: it would exit anyway once its bus is gone.
        if let Some(child) = self.keyring.as_mut() {
            stop(child);
        }
        if let Some(child) = self.bus.as_mut() {
            stop(child);
        }
    }
}

fn bus_config(socket: &Path) -> String {
    let socket = socket
        .display()
        .to_string()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#
    )
}

/// Parses `secret-tool search --all` output (stdout and stderr together).
fn parse_items(printed: &str) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    for line in printed.lines() {
        if line.starts_with('[') && line.ends_with(']') {
            items.push(Item {
                path: line[1..line.len() - 1].to_string(),
                label: String::new(),
                secret: None,
                attributes: BTreeMap::new(),
            });
            continue;
        }
        let (Some(item), Some((key, value))) = (items.last_mut(), line.split_once(" = ")) else {
            continue;
        };
        match key {
            "label" => item.label = value.to_string(),
            "secret" => item.secret = Some(value.to_string()),
            _ => {
                if let Some(name) = key.strip_prefix("attribute.") {
                    item.attributes.insert(name.to_string(), value.to_string());
                }
            }
        }
    }
    items
}

/// A kernel session keyring shared by the processes of one test, in a user namespace of its
/// own.
///
/// Why not just `keyctl session NAME` twice: joining a session keyring *by name* only finds an
/// existing keyring if the caller has *search* permission on it as its user (not possessor);
/// keyrings made by `keyctl session NAME` are `0x3f130000` (user: view, read, link), so the
/// second `keyctl session NAME` silently creates a second keyring of the same name, and the
/// first one is garbage as soon as its last process exits. And the `keyring` crate also links
/// every key into the user's persistent keyring, shared by all sessions of the user, so a named
/// session alone would not isolate tests from each other (or from earlier runs: persistent
/// keyrings outlive processes for days).
///
/// So `new` starts a holder process,
/// `unshare --map-current-user keyctl session NAME sh -c 'keyctl setperm @s 0x3f1b0000 && echo
/// ready && exec cat >/dev/null'`: a new user namespace (its own keyring names, user keyrings
/// and persistent keyring), in it the session keyring NAME made searchable by its user, kept
/// alive as long as the holder runs. The holder's stdin is a pipe from the test; it exits when
/// the fixture is dropped (or the test process dies). [`wrap`](Self::wrap) makes a command
/// enter that namespace (`setns`) and join NAME (`KEYCTL_JOIN_SESSION_KEYRING`) between fork
/// and exec, as `nsenter --user --preserve-credentials --target HOLDER keyctl session NAME …`
/// would, but keeping every setting of the command (env, env_clear, cwd, stdio). Processes in
/// the namespace keep their uid; they see files as before.
pub struct KeyutilsSession {
    name: String,
    c_name: Arc<CString>,
    user_ns: Arc<File>,
    holder: Child,
}

impl KeyutilsSession {
    pub fn new() -> KeyutilsSession {
        require("keyctl");
        require("unshare");
        require("sh");
        let name = unique("ca-env-test");
        let mut holder = Command::new("unshare")
            .args(["--map-current-user", "keyctl", "session", &name, "sh", "-c"])
            .arg("keyctl setperm @s 0x3f1b0000 && echo ready && exec cat >/dev/null")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start unshare: {e}"));
        let stdout = holder.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        if rx.recv_timeout(STARTUP_LIMIT).ok().as_deref() != Some("ready\n") {
            stop(&mut holder);
            let mut stderr = String::new();
            let _ = holder.stderr.take().unwrap().read_to_string(&mut stderr);
            panic!("could not set up a session keyring in a new user namespace: {stderr}");
        }
        let user_ns = File::open(format!("/proc/{}/ns/user", holder.id()))
            .unwrap_or_else(|e| panic!("cannot open the holder's user namespace: {e}"));
        KeyutilsSession {
            c_name: Arc::new(CString::new(name.clone()).unwrap()),
            name,
            user_ns: Arc::new(user_ns),
            holder,
        }
    }

    /// The session keyring's name (the same in every test's namespace would do; it is unique
    /// anyway, which makes `/proc/keys` readable).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Makes `cmd` run in this session (see the type's documentation); returns it.
    pub fn wrap(&self, mut cmd: Command) -> Command {
        self.apply(&mut cmd);
        cmd
    }

    /// [`wrap`](Self::wrap) for a command held by reference.
    pub fn apply<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        let user_ns = Arc::clone(&self.user_ns);
        let name = Arc::clone(&self.c_name);
        // SAFETY: the closure runs in the forked child before exec and only makes two system
        // calls on values prepared beforehand: no allocation, no locks.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setns(user_ns.as_raw_fd(), libc::CLONE_NEWUSER) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let joined = libc::syscall(
                    libc::SYS_keyctl,
                    libc::KEYCTL_JOIN_SESSION_KEYRING as libc::c_long,
                    name.as_ptr(),
                );
                if joined < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            })
        }
    }

    /// `keyctl ARGS` run in this session (bounded by [`TOOL_LIMIT`]).
    pub fn keyctl(&self, args: &[&str], input: Option<&str>) -> Output {
        let mut cmd = Command::new("keyctl");
        cmd.args(args);
        self.run(cmd, input)
    }

    fn run(&self, cmd: Command, input: Option<&str>) -> Output {
        let mut cmd = self.wrap(cmd);
        let shown = format!("{cmd:?}");
        run_with_timeout(&mut cmd, input.map(str::as_bytes), TOOL_LIMIT)
            .unwrap_or_else(|| panic!("{shown} did not finish within {TOOL_LIMIT:?}"))
    }

    /// The payload of the `user` key with this description reachable from the session keyring
    /// (`keyctl search @s user DESC`, then `keyctl pipe`), or `None`.
    pub fn read(&self, description: &str) -> Option<String> {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "id=$(keyctl search @s user \"$1\") || exit 1; exec keyctl pipe \"$id\"",
            "sh",
            description,
        ]);
        let out = self.run(cmd, None);
        out.status.success().then(|| text(&out.stdout))
    }

    /// What the `keyring` crate's keyutils backend stored for `service` and `user`
    /// (description `keyring-rs:<user>@<service>`).
    pub fn read_entry(&self, service: &str, user: &str) -> Option<String> {
        self.read(&format!("keyring-rs:{user}@{service}"))
    }

    /// Adds a `user` key to the session keyring (`keyctl padd user DESC @s`); returns its id.
    pub fn add(&self, description: &str, value: &str) -> String {
        let out = self.keyctl(&["padd", "user", description, "@s"], Some(value));
        assert!(
            out.status.success(),
            "keyctl padd failed: {}",
            text(&out.stderr)
        );
        text(&out.stdout).trim().to_string()
    }

    /// Adds what the `keyring` crate's keyutils backend would find for `service` and `user`.
    pub fn add_entry(&self, service: &str, user: &str, value: &str) -> String {
        self.add(&format!("keyring-rs:{user}@{service}"), value)
    }

    /// `keyctl show @s`, for failure messages.
    pub fn show(&self) -> String {
        text(&self.keyctl(&["show", "@s"], None).stdout)
    }
}

impl Default for KeyutilsSession {
    fn default() -> Self {
        KeyutilsSession::new()
    }
}

impl Drop for KeyutilsSession {
    fn drop(&mut self) {
        // End of file on its stdin ends the holder; with it the session keyring, and once no
        // process is left in it (and no wrapped Command holds it), the user namespace with its
        // persistent keyring.
        drop(self.holder.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.holder.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(5));
        }
        stop(&mut self.holder);
    }
}
