//! Shared by the integration tests: a sandbox with its own HOME, configuration and state
//! directories, and a way to run the real binary inside it with nothing inherited.

#![allow(dead_code)]

pub mod keyrings;
pub mod standin;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
        let cwd = self.home().join(cwd);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca-env"));
        cmd.args(args)
            .current_dir(&cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("PWD", &cwd)
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_STATE_HOME", self.state_dir())
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
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

pub fn exists(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}
