//! Shared by the integration tests: a sandbox with its own HOME, configuration and state
//! directories, and a way to run the real binary inside it with nothing inherited.

#[cfg(target_os = "linux")]
pub mod bounded;
pub mod clouds;
#[cfg(target_os = "linux")]
pub mod keyrings;
pub mod npmreg;
pub mod pyindex;
pub mod registry;
pub mod shells;
pub mod standin;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_ca-env");

pub const CA: &str =
    "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/simple/";

pub struct Sandbox {
    dir: tempfile::TempDir,
    pub extra_env: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "config", "state"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Sandbox {
            dir,
            extra_env: Vec::new(),
        }
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("config/ca-env/config.toml")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Writes `text` at `rel` under HOME, creating directories; returns the path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.home().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    pub fn write_config(&self, text: &str) {
        fs::create_dir_all(self.config_file().parent().unwrap()).unwrap();
        fs::write(self.config_file(), text).unwrap();
    }

    /// The ca-env command for `cwd` (relative to HOME) with only the sandbox's environment.
    pub fn command(&self, cwd: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args);
        self.inside(cmd, cwd)
    }

    /// `cmd` (ca-env under strace, script, …) run in `cwd` (relative to HOME) with nothing but
    /// the sandbox's environment.
    pub fn inside(&self, mut cmd: Command, cwd: &str) -> Command {
        let cwd = self.home().join(cwd);
        cmd.current_dir(&cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("PWD", &cwd)
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_STATE_HOME", self.state_dir())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("CA_ENV_CLOUD_METADATA", "off");
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    /// The sandbox's environment as pairs, for a shell started elsewhere (PWD left to it).
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        let path = |p: PathBuf| p.display().to_string();
        let mut pairs = vec![
            (
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_default(),
            ),
            ("HOME".to_string(), path(self.home())),
            (
                "XDG_CONFIG_HOME".to_string(),
                path(self.dir.path().join("config")),
            ),
            ("XDG_STATE_HOME".to_string(), path(self.state_dir())),
            ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
            ("CA_ENV_CLOUD_METADATA".to_string(), "off".to_string()),
            ("TERM".to_string(), "dumb".to_string()),
        ];
        pairs.extend(self.extra_env.iter().cloned());
        pairs
    }

    /// Runs ca-env in `cwd` (relative to HOME) with only the sandbox's environment.
    pub fn run(&self, cwd: &str, args: &[&str]) -> Output {
        self.command(cwd, args).output().unwrap()
    }

    /// Sets (or replaces) a variable for every later run.
    pub fn set_env(&mut self, name: &str, value: impl Into<String>) {
        self.extra_env.retain(|(k, _)| k != name);
        self.extra_env.push((name.to_string(), value.into()));
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `status --json` in `cwd`, parsed; asserts it succeeded with nothing on stderr.
    pub fn status(&self, cwd: &str) -> serde_json::Value {
        let out = self.run(cwd, &["status", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stderr(&out), "");
        serde_json::from_slice(&out.stdout).expect("status --json prints JSON")
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Sources as (name, tool, domain, owner, region, repository).
pub fn sources(status: &serde_json::Value) -> Vec<[String; 6]> {
    status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            ["name", "tool", "domain", "owner", "region", "repository"]
                .map(|k| s[k].as_str().unwrap().to_string())
        })
        .collect()
}

pub fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The project directory (under HOME) of the token tests.
pub const PROJECT: &str = "proj";

impl Sandbox {
    /// A trusted project naming `CA`, its AWS calls going to `standin` signed with the test
    /// keys, the sandbox's own (empty) AWS files, one attempt per call, and tokens in `store`.
    pub fn for_tokens(standin: &standin::StandIn, store: &str) -> Sandbox {
        let mut sb = Sandbox::new();
        sb.write(
            &format!("{PROJECT}/pyproject.toml"),
            &format!(
                "[[tool.poetry.source]]\nname = \"corp\"\nurl = \"{CA}\"\npriority = \"primary\"\n"
            ),
        );
        sb.write_config("[trust]\nowners = [\"111122223333\"]\n");
        let aws = sb.aws_dir();
        fs::create_dir_all(&aws).unwrap();
        sb.set_env("AWS_ENDPOINT_URL_CODEARTIFACT", standin.url());
        sb.set_env("AWS_CONFIG_FILE", aws.join("config").display().to_string());
        sb.set_env(
            "AWS_SHARED_CREDENTIALS_FILE",
            aws.join("credentials").display().to_string(),
        );
        sb.set_env("AWS_MAX_ATTEMPTS", "1");
        sb.set_env("AWS_ACCESS_KEY_ID", standin::TEST_KEY_ID);
        sb.set_env("AWS_SECRET_ACCESS_KEY", standin::TEST_SECRET);
        sb.set_env("CA_ENV_STORE", store);
        sb
    }

    /// Makes the stored token (file store) expire in `left` seconds, with a 12-hour lifetime.
    pub fn age_entry(&self, left: i64) {
        let dir = self.state_dir().join("ca-env/secrets");
        let entry = fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
        let mut e: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&entry).unwrap()).unwrap();
        let expires = now() + left;
        e["expires"] = expires.into();
        e["issued"] = (expires - 43200).into();
        fs::write(&entry, e.to_string()).unwrap();
    }

    /// Where the sandbox's AWS config and credentials files live.
    pub fn aws_dir(&self) -> PathBuf {
        self.dir.path().join("aws")
    }

    /// Drops the test keys from the environment, so credentials come from a profile.
    pub fn without_env_keys(&mut self) {
        self.extra_env
            .retain(|(k, _)| k != "AWS_ACCESS_KEY_ID" && k != "AWS_SECRET_ACCESS_KEY");
    }

    /// Writes the AWS credentials file: one profile per (name, key id, secret).
    pub fn write_credentials(&self, profiles: &[(&str, &str, &str)]) {
        let text: String = profiles
            .iter()
            .map(|(name, id, secret)| {
                format!("[{name}]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n")
            })
            .collect();
        fs::write(self.aws_dir().join("credentials"), text).unwrap();
    }
}

/// Asserts the command succeeded; its stdout without the final newline.
pub fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
    stdout(out).trim_end().to_string()
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Writes an executable script.
pub fn write_executable(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A Python tool (poetry, uv, twine, pypi-server, python, …) from the virtualenv that
/// `scripts/python-tools` (run by `scripts/test`) installs under target/py. Fails, rather than
/// skips, when it is missing.
pub fn python_tool(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/py/bin")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/python-tools (scripts/test does)",
        path.display()
    );
    path
}

/// A loopback port that must never be contacted: its URL goes where a hostile project or a
/// wrong code path could send a request (a decoy endpoint, an index that is not CodeArtifact).
pub struct Decoy(std::net::TcpListener);

impl Decoy {
    pub fn new() -> Decoy {
        Decoy(std::net::TcpListener::bind("127.0.0.1:0").expect("bind a decoy on loopback"))
    }

    pub fn port(&self) -> u16 {
        self.0.local_addr().unwrap().port()
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port())
    }

    /// Fails with `what` if anything connected (a connection waits in the backlog).
    pub fn assert_untouched(&self, what: &str) {
        self.0.set_nonblocking(true).unwrap();
        assert!(self.0.accept().is_err(), "{what}");
    }
}

/// The background refresh of `CA`'s entry, as ca-env starts it.
pub const REFRESH: [&str; 9] = [
    "__refresh",
    "--domain",
    "corp",
    "--owner",
    "111122223333",
    "--region",
    "us-west-2",
    "--duration",
    "43200",
];

static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Held by the tests that start many processes at once and by those that time a bound, so that
/// they never overlap in the one test binary: a bound then measures ca-env, not the load.
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts a server on a free loopback port: `command(port)` is the server's command line,
/// logging to `log`; `answers(port)` is true once it serves. The port is free when asked for;
/// another process taking it in between makes the server exit, and then another is tried (5
/// times). Panics with the log when it never serves within `limit` (it is killed then).
pub fn serve_on_free_port(
    what: &str,
    log: &Path,
    limit: std::time::Duration,
    command: impl Fn(u16) -> std::process::Command,
    answers: impl Fn(u16) -> bool,
) -> (std::process::Child, u16) {
    use std::time::Instant;
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let file = fs::File::create(log).unwrap();
        let mut child = command(port)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(std::process::Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            if answers(port) {
                return (child, port);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{what} did not answer on port {port} within {limit:?}: {}",
                    fs::read_to_string(log).unwrap_or_default()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    panic!(
        "{what} did not start on any of 5 ports: {}",
        fs::read_to_string(log).unwrap_or_default()
    );
}
