//! End to end, with the real tools: Poetry, uv, pip, twine, direnv and docker-compose get their
//! credentials from ca-env for a real package index with basic auth (pypiserver on loopback,
//! mapped to a CodeArtifact repository in the user's configuration). The index accepts only
//! the token the CodeArtifact stand-in issued last, and holds a private package uploaded with
//! it. Every scenario also runs without ca-env — the same kind of shell, the same environment
//! and project, its own empty caches — and must fail there.

use crate::support::{self, pyindex, shells};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, UNIX_EPOCH};

use pyindex::{build_package, PyIndex, MODULE, PACKAGE};
use shells::{Interactive, Kind};
use support::standin::StandIn;
use support::{python_tool, Sandbox, BIN};

const OWNER: &str = "111122223333";

/// The longest one tool run may take on a slow, shared machine.
const LONG: Duration = Duration::from_secs(240);

/// Prints the installed package's version, run with a project's virtualenv.
const IMPORT: &str = "import corp_private_lib as m; print(m.VERSION)";

/// A stand-in for CodeArtifact, a package index that follows its tokens, and a sandbox whose
/// configuration maps the index to a trusted CodeArtifact repository.
struct World {
    standin: StandIn,
    index: PyIndex,
    sb: Sandbox,
}

impl World {
    /// `lifetime`: of the tokens the stand-in issues (None: what ca-env asks for, 12 h).
    fn start(lifetime: Option<u64>) -> World {
        let standin = StandIn::start();
        standin.expires_in(lifetime);
        let index = PyIndex::start();
        index.follow(&standin);
        let mut sb = mapped_sandbox(&standin, &index.url(), "pypi-store");
        let py_bin = python_tool("python").parent().unwrap().to_path_buf();
        let path = format!(
            "{}:{}",
            py_bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        sb.set_env("PATH", path);
        let data = sb.path().join("data");
        sb.set_env("XDG_DATA_HOME", data.display().to_string());
        sb.set_env("POETRY_VIRTUALENVS_IN_PROJECT", "true");
        sb.set_env("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring");
        sb.set_env("UV_PYTHON_DOWNLOADS", "never");
        // Without credentials uv would otherwise try trusted publishing over https first.
        sb.set_env("UV_TRUSTED_PUBLISHING", "never");
        // This machine's pip configuration (a local wheel folder) must not answer for the index.
        sb.set_env("PIP_FIND_LINKS", "");
        sb.set_env("PIP_CONFIG_FILE", "/dev/null");
        sb.set_env("PIP_NO_CACHE_DIR", "1");
        sb.set_env("PIP_NO_INPUT", "1");
        sb.set_env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        sb.set_env("TWINE_NON_INTERACTIVE", "1");
        let mut w = World { standin, index, sb };
        w.caches("setup");

        // The package is on the index before any scenario, uploaded with a token ca-env got.
        let token = support::ok(&w.sb.run("", &["token", &w.index.simple()]));
        assert_eq!(Some(&token), w.issued().last());
        let files = build_package(&w.sb.path().join("package"), "1.0.0", "", &w.sb.env_pairs());
        w.index.upload(&files, &token);
        assert_eq!(w.index.versions(&token), ["1.0.0"]);
        assert_eq!(
            w.index.get("/simple/", None).0,
            401,
            "no credentials, no index"
        );
        w
    }

    /// Every token the stand-in issued, in order.
    fn issued(&self) -> Vec<String> {
        self.standin.issued()
    }

    /// The token the index accepts now.
    fn token(&self) -> String {
        self.issued().pop().expect("a token was issued")
    }

    /// Fresh, empty caches for the tools started from now on, so that nothing one run
    /// downloaded can make another succeed.
    fn caches(&mut self, label: &str) {
        let dir = self.sb.path().join("caches").join(label);
        for (name, sub) in [
            ("POETRY_CACHE_DIR", "poetry"),
            ("UV_CACHE_DIR", "uv"),
            ("XDG_CACHE_HOME", "xdg"),
        ] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).unwrap();
            self.sb.set_env(name, path.display().to_string());
        }
    }

    /// Writes `case`'s project afresh (no virtualenv, no lock file).
    fn project(&self, case: &Case) {
        let _ = fs::remove_dir_all(self.sb.home().join(case.dir));
        for (name, text) in &case.files {
            self.sb.write(&format!("{}/{name}", case.dir), text);
        }
    }

    /// Removes what a run left in `dir` (virtualenv, lock files), keeping the project files.
    fn reset(&self, dir: &str) {
        let root = self.sb.home().join(dir);
        for name in [".venv", "poetry.lock", "uv.lock"] {
            let path = root.join(name);
            if path.is_dir() {
                fs::remove_dir_all(&path).unwrap();
            } else if path.exists() {
                fs::remove_file(&path).unwrap();
            }
        }
    }

    /// Asserts what `status --json` shows in `dir`: each source is the index (or its upload
    /// URL, for publish targets) mapped to corp/111122223333/us-west-2/pypi-store and trusted,
    /// with the given (tool, role, url) and the variables `env` among those managed.
    fn assert_status(&self, dir: &str, want: &[(&str, &str, String)], env: &[&str]) {
        let status = self.sb.status(dir);
        let shown = serde_json::to_string_pretty(&status).unwrap();
        let sources = status["sources"].as_array().unwrap();
        let got: Vec<(String, String, String)> = sources
            .iter()
            .map(|s| ["tool", "role", "url"].map(|k| s[k].as_str().unwrap_or_default().to_string()))
            .map(|[a, b, c]| (a, b, c))
            .collect();
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.clone()))
            .collect();
        assert_eq!(got, want, "{dir}: {shown}");
        for s in sources {
            for (key, value) in [
                ("domain", "corp"),
                ("owner", OWNER),
                ("region", "us-west-2"),
                ("repository", "pypi-store"),
            ] {
                assert_eq!(s[key].as_str(), Some(value), "{dir}: {shown}");
            }
            assert_eq!(s["trusted"], true, "{dir}: {shown}");
        }
        let managed = support::strings(&status["env"]);
        for name in env {
            assert!(managed.iter().any(|m| m == name), "{dir}: {name}: {shown}");
        }
        assert!(status["problems"].as_array().unwrap().is_empty(), "{shown}");
    }

    /// `tool` run directly in `dir` with the sandbox's environment and no ca-env.
    fn plain(&self, dir: &str, tool: &str, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(python_tool(tool));
        cmd.args(args).stdin(std::process::Stdio::null());
        self.sb.inside(cmd, dir).output().unwrap()
    }
}

/// A sandbox whose configuration trusts the test account and maps `url` (a loopback
/// registry) to the CodeArtifact repository `repository`, with its AWS calls going to
/// `standin`; whatever a client sends elsewhere than 127.0.0.1 (a public registry, when it has
/// no credentials or no URL) goes to a closed port instead of the network.
fn mapped_sandbox(standin: &StandIn, url: &str, repository: &str) -> Sandbox {
    let mut sb = Sandbox::for_tokens(standin, "file");
    sb.write_config(&format!(
        "[trust]\nowners = [\"{OWNER}\"]\n\n[[mapping]]\nurl = \"{url}\"\ndomain = \"corp\"\n\
         owner = \"{OWNER}\"\nregion = \"us-west-2\"\nrepository = \"{repository}\"\n"
    ));
    sb.set_env("LC_ALL", "C.UTF-8");
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
        sb.set_env(name, "http://127.0.0.1:9");
    }
    for name in ["NO_PROXY", "no_proxy"] {
        sb.set_env(name, "127.0.0.1,localhost");
    }
    sb
}

/// A project and the command that installs the private package in it.
struct Case {
    dir: &'static str,
    files: Vec<(&'static str, String)>,
    /// Typed in the shell, in the project.
    run: &'static str,
    /// The variables ca-env sets there for the index.
    vars: &'static [&'static str],
    /// Source (tool, role) as `status` shows them, the url being the index's.
    sources: &'static [(&'static str, &'static str)],
    /// What the tool says when the index turns it away.
    refused: &'static str,
}

/// A Poetry 2 project whose only source, primary, is the index (so PyPI is never asked).
fn poetry_case(index: &PyIndex) -> Case {
    Case {
        dir: "poetry-app",
        files: vec![(
            "pyproject.toml",
            format!(
                "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n\
                 dependencies = [\"{PACKAGE}\"]\n\n[tool.poetry]\npackage-mode = false\n\n\
                 [[tool.poetry.source]]\nname = \"corp-private\"\nurl = \"{}\"\npriority = \"primary\"\n",
                index.simple()
            ),
        )],
        run: "poetry lock && poetry install",
        vars: &[
            "POETRY_HTTP_BASIC_CORP_PRIVATE_USERNAME",
            "POETRY_HTTP_BASIC_CORP_PRIVATE_PASSWORD",
        ],
        sources: &[("poetry", "index")],
        refused: "Authorization error accessing",
    }
}

/// A uv project with a named index and the dependency pinned to it.
fn uv_sync_case(index: &PyIndex) -> Case {
    Case {
        dir: "uv-app",
        files: vec![(
            "pyproject.toml",
            format!(
                "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n\
                 dependencies = [\"{PACKAGE}\"]\n\n[[tool.uv.index]]\nname = \"corp\"\nurl = \"{}\"\n\n\
                 [tool.uv.sources]\n{PACKAGE} = {{ index = \"corp\" }}\n",
                index.simple()
            ),
        )],
        run: "uv sync",
        vars: &["UV_INDEX_CORP_USERNAME", "UV_INDEX_CORP_PASSWORD"],
        sources: &[("uv", "index")],
        refused: "401 Unauthorized",
    }
}

/// uv's pip interface with `[tool.uv] index-url`.
fn uv_pip_case(index: &PyIndex) -> Case {
    Case {
        dir: "uv-pip-app",
        files: vec![(
            "pyproject.toml",
            format!("[tool.uv]\nindex-url = \"{}\"\n", index.simple()),
        )],
        run: "uv venv && uv pip install corp-private-lib",
        vars: &["UV_INDEX_URL"],
        sources: &[("uv", "index")],
        refused: "401 Unauthorized",
    }
}

/// pip with a requirements file that names the index itself (pip then reads NETRC).
fn pip_case(index: &PyIndex) -> Case {
    Case {
        dir: "pip-app",
        files: vec![(
            "requirements.txt",
            format!("--index-url {}\n{PACKAGE}\n", index.simple()),
        )],
        run: "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt",
        vars: &["NETRC", "PIP_INDEX_URL", "UV_INDEX_URL"],
        sources: &[("pip", "index")],
        refused: "No matching distribution found for corp-private-lib",
    }
}

/// The line an rc file holds.
fn hook_line(kind: Kind) -> String {
    match kind {
        Kind::Fish => format!("{BIN} hook fish | source"),
        _ => format!("eval \"$({BIN} hook {})\"", kind.name()),
    }
}

/// What a command typed in the shell did.
struct Ran {
    status: i32,
    output: String,
}

/// An interactive shell in the sandbox's HOME, with or without the hook, that runs tool
/// commands taking longer than a prompt may.
struct Shell {
    sh: Interactive,
    kind: Kind,
    home: PathBuf,
    out: tempfile::TempDir,
    runs: u32,
}

impl Shell {
    fn start(w: &World, kind: Kind, hooked: bool) -> Shell {
        Shell::in_sandbox(&w.sb, kind, hooked)
    }

    /// The same in any sandbox (the npm tests have their own world).
    fn in_sandbox(sb: &Sandbox, kind: Kind, hooked: bool) -> Shell {
        let init = if hooked {
            hook_line(kind)
        } else {
            String::new()
        };
        Shell {
            sh: Interactive::start(kind, &sb.env_pairs(), &sb.home(), &init),
            kind,
            home: sb.home(),
            out: tempfile::tempdir().unwrap(),
            runs: 0,
        }
    }

    /// `cd` into `dir` under HOME; the hook runs at the prompt after it.
    fn cd(&mut self, dir: &str) {
        let path = self.home.join(dir);
        self.sh.run(&format!("cd '{}'", path.display()));
    }

    fn var(&mut self, name: &str) -> Option<String> {
        self.sh.var(name)
    }

    /// `name`'s value once a prompt has exported it: the first prompt in a new organization or
    /// project starts the fetch in the background, a later one exports. Panics after 20 s.
    fn await_var(&mut self, name: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(value) = self.sh.var(name) {
                return value;
            }
            assert!(Instant::now() < deadline, "no {name} after 20 s");
            self.sh.run("true");
        }
    }

    /// Asserts that `run` failed because the registry turned it away, not for another reason.
    fn assert_turned_away(run: &str, ran: &Ran) {
        assert_ne!(ran.status, 0, "`{run}` without ca-env:\n{}", ran.output);
        assert!(
            ["401", "ENEEDAUTH", "Invalid authentication"]
                .iter()
                .any(|s| ran.output.contains(s)),
            "`{run}` without ca-env:\n{}",
            ran.output
        );
    }

    /// Types `line`, with stdin from /dev/null (no tool may prompt) and its output into a
    /// file, and waits for it as long as a tool run may take (a prompt alone may take 20 s).
    fn run(&mut self, line: &str) -> Ran {
        self.runs += 1;
        let log = self.out.path().join(format!("{}.log", self.runs));
        let rc = self.out.path().join(format!("{}.rc", self.runs));
        let (l, r) = (log.display(), rc.display());
        let typed = match self.kind {
            Kind::Fish => {
                format!("begin; {line}; end < /dev/null > '{l}' 2>&1; echo $status > '{r}'")
            }
            _ => format!("{{ {line}; }} < /dev/null > '{l}' 2>&1; echo $? > '{r}'"),
        };
        self.sh.send_line(&typed);
        let started = Instant::now();
        let status = loop {
            if let Ok(text) = fs::read_to_string(&rc) {
                if let Some(code) = text.strip_suffix('\n') {
                    break code.trim().parse().unwrap();
                }
            }
            assert!(
                started.elapsed() < LONG,
                "{:?}: `{line}` still running after {LONG:?}: {}",
                self.kind,
                fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        self.sh.wait_prompt();
        Ran {
            status,
            output: fs::read_to_string(&log).unwrap(),
        }
    }

    /// Runs `line` and asserts it succeeded; its output.
    fn ok(&mut self, line: &str) -> String {
        let ran = self.run(line);
        assert_eq!(ran.status, 0, "{:?}: `{line}`:\n{}", self.kind, ran.output);
        ran.output
    }
}

/// Whether the private package is installed in `dir`'s `.venv`.
fn installed(dir: &Path) -> bool {
    let Ok(libs) = fs::read_dir(dir.join(".venv/lib")) else {
        return false;
    };
    libs.filter_map(Result::ok).any(|lib| {
        lib.path()
            .join("site-packages")
            .join(MODULE)
            .join("__init__.py")
            .is_file()
    })
}

/// Asserts the shell's variables for the index carry `token`.
fn assert_vars(sh: &mut Shell, w: &World, case: &Case, token: &str) {
    let kind = sh.kind;
    let with_token = w
        .index
        .simple()
        .replace("http://", &format!("http://aws:{token}@"));
    for name in case.vars {
        let value = sh.var(name);
        let value = value.unwrap_or_else(|| panic!("{kind:?}: {}: {name} is not set", case.dir));
        if name.ends_with("_USERNAME") {
            assert_eq!(value, "aws", "{kind:?}: {name}");
        } else if name.ends_with("_PASSWORD") {
            assert_eq!(value, token, "{kind:?}: {name}");
        } else if name.ends_with("_URL") {
            assert_eq!(value, with_token, "{kind:?}: {name}");
        } else if *name == "NETRC" {
            assert_eq!(
                fs::read_to_string(&value).unwrap(),
                format!("machine 127.0.0.1 login aws password {token}\n"),
                "{kind:?}: {name}"
            );
        } else {
            panic!("no rule for {name}");
        }
    }
}

/// Each case in `kind`: first in a shell without ca-env, where it must fail, then in one with
/// the hook, where it must install the package (imported afterwards with the project's venv).
fn with_and_without(w: &mut World, kind: Kind, cases: &[Case]) {
    for case in cases {
        w.project(case);
        let sources: Vec<_> = case
            .sources
            .iter()
            .map(|(tool, role)| (*tool, *role, w.index.simple()))
            .collect();
        w.assert_status(case.dir, &sources, case.vars);
    }

    w.caches(&format!("{}-without", kind.name()));
    let mut sh = Shell::start(w, kind, false);
    for case in cases {
        sh.cd(case.dir);
        for name in case.vars {
            assert_eq!(sh.var(name), None, "{kind:?}: {name} without ca-env");
        }
        let ran = sh.run(case.run);
        assert_ne!(
            ran.status, 0,
            "{kind:?}: `{}` without ca-env:\n{}",
            case.run, ran.output
        );
        assert!(
            ran.output.contains(case.refused),
            "{kind:?}: `{}` without ca-env:\n{}",
            case.run,
            ran.output
        );
        assert!(
            !installed(&w.sb.home().join(case.dir)),
            "{kind:?}: {}",
            case.dir
        );
    }
    drop(sh);

    for case in cases {
        w.reset(case.dir);
    }
    w.caches(&format!("{}-with", kind.name()));
    let mut sh = Shell::start(w, kind, true);
    for case in cases {
        sh.cd(case.dir);
        let token = w.token();
        assert_eq!(
            w.issued().len(),
            1,
            "the hook uses the token stored at setup"
        );
        assert_vars(&mut sh, w, case, &token);
        sh.ok(case.run);
        assert!(
            installed(&w.sb.home().join(case.dir)),
            "{kind:?}: {}",
            case.dir
        );
        let shown = sh.ok(&format!(".venv/bin/python -c '{IMPORT}'"));
        assert_eq!(shown, "1.0.0\n", "{kind:?}: {}", case.dir);
    }
}

#[test]
fn bash_poetry_uv_and_pip_install_with_the_hook_and_fail_without() {
    let mut w = World::start(None);
    let cases = [
        poetry_case(&w.index),
        uv_sync_case(&w.index),
        uv_pip_case(&w.index),
        pip_case(&w.index),
    ];
    with_and_without(&mut w, Kind::Bash, &cases);
}

#[test]
fn zsh_and_fish_uv_sync_and_pip_install_with_the_hook_and_fail_without() {
    let mut w = World::start(None);
    let cases = [uv_sync_case(&w.index), pip_case(&w.index)];
    for kind in [Kind::Zsh, Kind::Fish] {
        with_and_without(&mut w, kind, &cases);
    }
}

/// `[tool.uv] publish-url`: a plain `uv publish` and a plain `twine upload` reach the index with
/// the token in the hooked shell; without ca-env both fail and nothing is uploaded.
#[test]
fn bash_uv_publish_and_twine_upload_with_the_hook_and_fail_without() {
    let mut w = World::start(None);
    let dir = "corp-private-lib";
    let project = w.sb.home().join(dir);
    let extra = format!(
        "\n[tool.uv]\npublish-url = \"{}\"\n\n[[tool.uv.index]]\nname = \"corp\"\nurl = \"{}\"\n",
        w.index.url(),
        w.index.simple()
    );
    build_package(&project, "2.0.0", &extra, &w.sb.env_pairs());
    let publish = [
        "UV_PUBLISH_URL",
        "UV_PUBLISH_USERNAME",
        "UV_PUBLISH_PASSWORD",
        "TWINE_REPOSITORY_URL",
        "TWINE_USERNAME",
        "TWINE_PASSWORD",
    ];
    w.assert_status(
        dir,
        &[
            ("uv", "index", w.index.simple()),
            ("uv", "publish", w.index.url()),
        ],
        &publish,
    );

    w.caches("without");
    let mut sh = Shell::start(&w, Kind::Bash, false);
    sh.cd(dir);
    let ran = sh.run("uv publish dist/*");
    assert_ne!(ran.status, 0, "{}", ran.output);
    assert!(
        ran.output
            .contains(&format!("Missing credentials for: {}", w.index.url())),
        "{}",
        ran.output
    );
    let ran = sh.run("twine upload dist/*");
    assert_ne!(ran.status, 0, "{}", ran.output);
    assert_eq!(w.index.versions(&w.token()), ["1.0.0"]);
    drop(sh);

    w.caches("with");
    let mut sh = Shell::start(&w, Kind::Bash, true);
    sh.cd(dir);
    let token = w.token();
    for name in publish {
        let want = match name {
            _ if name.ends_with("_URL") => w.index.url(),
            _ if name.ends_with("_USERNAME") => "aws".to_string(),
            _ => token.clone(),
        };
        assert_eq!(sh.var(name), Some(want), "{name}");
    }
    sh.ok("uv publish dist/*");
    assert_eq!(w.index.versions(&token), ["1.0.0", "2.0.0"]);

    build_package(&project, "2.1.0", &extra, &w.sb.env_pairs());
    let shown = sh.ok("twine upload dist/*");
    assert!(
        shown.contains(&format!("Uploading distributions to {}", w.index.url())),
        "{shown}"
    );
    assert_eq!(w.index.versions(&w.token()), ["1.0.0", "2.0.0", "2.1.0"]);
    let files = w.index.files(&w.token());
    for version in ["2.0.0", "2.1.0"] {
        for file in [
            format!("{MODULE}-{version}-py3-none-any.whl"),
            format!("{MODULE}-{version}.tar.gz"),
        ] {
            assert!(files.contains(&file), "{file} in {files:?}");
        }
    }
    assert_eq!(token, w.token(), "one token for both uploads");
}

/// No hook at all: `ca-env exec -- poetry install` from a script, and direnv's
/// `use codeartifact` with `direnv exec`. The same `poetry install` without either fails.
#[test]
fn exec_and_direnv_poetry_install_without_a_hook() {
    let mut w = World::start(None);
    let case = poetry_case(&w.index);
    w.project(&case);
    let root = w.sb.home().join(case.dir);
    let python = || {
        let out = Command::new(root.join(".venv/bin/python"))
            .args(["-c", IMPORT])
            .output()
            .unwrap();
        support::ok(&out)
    };

    w.caches("without");
    let out = w.plain(case.dir, "poetry", &["install"]);
    assert_ne!(out.status.code(), Some(0));
    let said = format!("{}{}", support::stdout(&out), support::stderr(&out));
    assert!(said.contains(case.refused), "{said}");
    assert!(!installed(&root));

    w.reset(case.dir);
    w.caches("exec");
    let out = w.sb.run(case.dir, &["exec", "--", "poetry", "install"]);
    support::ok(&out);
    assert!(installed(&root));
    assert_eq!(python(), "1.0.0");

    w.reset(case.dir);
    w.caches("direnv");
    let lib = w.sb.path().join("config/direnv/lib/ca-env.sh");
    fs::create_dir_all(lib.parent().unwrap()).unwrap();
    let hook = support::ok(&w.sb.run("", &["hook", "direnv"]));
    fs::write(&lib, hook).unwrap();
    w.sb.write(&format!("{}/.envrc", case.dir), "use codeartifact\n");
    let direnv = |w: &World, args: &[&str]| {
        let mut cmd = Command::new("direnv");
        cmd.args(args).stdin(std::process::Stdio::null());
        w.sb.inside(cmd, case.dir)
            .output()
            .expect("direnv runs (the test command installs it)")
    };
    let out = direnv(&w, &["allow", "."]);
    assert!(out.status.success(), "{}", support::stderr(&out));
    let out = direnv(&w, &["exec", ".", "poetry", "install"]);
    assert!(
        out.status.success(),
        "{}{}",
        support::stdout(&out),
        support::stderr(&out)
    );
    assert!(installed(&root));
    assert_eq!(python(), "1.0.0");
}

/// A short-lived token runs out while the shell sits in the project: the prompt after it has
/// less than a minute left renews it, the index then takes only the new token, and the next
/// `poetry install` (virtualenv and cache gone, so it downloads again) works.
#[test]
fn bash_a_token_that_expires_in_the_project_is_renewed_and_poetry_install_works() {
    let mut w = World::start(Some(75));
    let case = poetry_case(&w.index);
    w.project(&case);
    let root = w.sb.home().join(case.dir);
    w.caches("renewal");
    let mut sh = Shell::start(&w, Kind::Bash, true);
    sh.cd(case.dir);
    let first = w.token();
    assert_vars(&mut sh, &w, &case, &first);
    // The renewed token lives the usual 12 hours, so nothing renews it again in this test.
    w.standin.expires_in(None);
    sh.ok(case.run);
    assert!(installed(&root));

    let issued_at = w
        .standin
        .calls()
        .into_iter()
        .find(|c| c.token.as_deref() == Some(first.as_str()))
        .unwrap()
        .at
        .duration_since(UNIX_EPOCH)
        .unwrap();
    // Less than a minute left from issued + 15 s on; one second more for rounding.
    let due = UNIX_EPOCH + issued_at + Duration::from_secs(17);
    if let Ok(wait) = due.duration_since(std::time::SystemTime::now()) {
        std::thread::sleep(wait);
    }
    sh.ok("rm -rf .venv \"$POETRY_CACHE_DIR\"");
    // The prompt after that renewed it (given a slow stand-in, a detached fetch finishing
    // later, which the next prompt picks up).
    let waited = Instant::now();
    while w.token() == first && waited.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = w.token();
    assert_ne!(first, second, "renewed");
    assert_vars(&mut sh, &w, &case, &second);
    assert_eq!(w.index.get("/simple/", Some(&second)).0, 200);
    let (old, _) = w.index.get("/simple/", Some(&first));
    assert!(old == 401 || old == 403, "the old token is refused: {old}");

    // The old token no longer installs anything.
    w.caches("old-token");
    let mut cmd = Command::new(python_tool("poetry"));
    cmd.arg("install")
        .stdin(std::process::Stdio::null())
        .env("POETRY_HTTP_BASIC_CORP_PRIVATE_USERNAME", "aws")
        .env("POETRY_HTTP_BASIC_CORP_PRIVATE_PASSWORD", &first);
    let out = w.sb.inside(cmd, case.dir).output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", support::stdout(&out));
    assert!(!installed(&root));
    let _ = fs::remove_dir_all(root.join(".venv"));

    sh.ok("poetry install");
    assert!(installed(&root));
    let shown = sh.ok(&format!(".venv/bin/python -c '{IMPORT}'"));
    assert_eq!(shown, "1.0.0\n");
    assert_eq!(w.token(), second, "no further token");
}

/// `ca-env dotenv -o .env.codeartifact` for docker-compose: `config` resolves the build args
/// and the service environment from the written file, to the values `export json` gives, and
/// the resolved index URL installs the package.
#[test]
fn dotenv_feeds_docker_compose_config() {
    let mut w = World::start(None);
    let dir = "compose-app";
    w.sb.write(
        &format!("{dir}/pyproject.toml"),
        &format!("[tool.uv]\nindex-url = \"{}\"\n", w.index.simple()),
    );
    w.sb.write(
        &format!("{dir}/docker-compose.yml"),
        "version: \"3.8\"\nservices:\n  app:\n    image: corp/app\n    build:\n      context: .\n      args:\n        UV_INDEX_URL: ${UV_INDEX_URL}\n        TOKEN: ${CODEARTIFACT_AUTH_TOKEN}\n    env_file: .env.codeartifact\n",
    );
    w.sb.write(&format!("{dir}/.dockerignore"), ".env.codeartifact\n");
    w.assert_status(dir, &[("uv", "index", w.index.simple())], &["UV_INDEX_URL"]);
    let compose = |w: &World| {
        let mut cmd = Command::new("docker-compose");
        cmd.args(["--env-file", ".env.codeartifact", "config"])
            .stdin(std::process::Stdio::null());
        w.sb.inside(cmd, dir)
            .output()
            .expect("docker-compose runs (the test command installs it)")
    };

    // Without the file there is nothing to resolve.
    let out = compose(&w);
    assert_ne!(out.status.code(), Some(0), "{}", support::stdout(&out));

    let written = w.sb.run(dir, &["dotenv", "-o", ".env.codeartifact"]);
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        support::stderr(&written)
    );
    let token = w.token();
    let url = w
        .index
        .simple()
        .replace("http://", &format!("http://aws:{token}@"));
    let dotenv = fs::read_to_string(w.sb.home().join(dir).join(".env.codeartifact")).unwrap();
    let mut lines: Vec<&str> = dotenv.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            format!("CODEARTIFACT_AUTH_TOKEN={token}"),
            format!("UV_INDEX_URL={url}"),
        ]
    );
    let exported: serde_json::Value =
        serde_json::from_str(&support::ok(&w.sb.run(dir, &["export", "json"]))).unwrap();
    assert_eq!(exported["UV_INDEX_URL"].as_str(), Some(url.as_str()));
    assert_eq!(
        exported["CODEARTIFACT_AUTH_TOKEN"].as_str(),
        Some(token.as_str())
    );

    let out = compose(&w);
    let config = support::ok(&out);
    let count = |needle: &str| config.lines().filter(|l| l.trim() == needle).count();
    // Once as a build arg and once in the service's environment.
    assert_eq!(count(&format!("UV_INDEX_URL: {url}")), 2, "{config}");
    assert_eq!(count(&format!("TOKEN: {token}")), 1, "{config}");
    assert_eq!(
        count(&format!("CODEARTIFACT_AUTH_TOKEN: {token}")),
        1,
        "{config}"
    );

    // What a Dockerfile would do with the build arg.
    w.caches("compose");
    let venv = w.sb.path().join("compose-venv");
    let out = w.plain(dir, "uv", &["venv", &venv.display().to_string()]);
    support::ok(&out);
    let mut cmd = Command::new(python_tool("uv"));
    cmd.args(["pip", "install", "--python"])
        .arg(&venv)
        .args(["--index-url", &url, PACKAGE])
        .stdin(std::process::Stdio::null());
    let out = w.sb.inside(cmd, "").output().unwrap();
    support::ok(&out);
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", IMPORT])
        .output()
        .unwrap();
    assert_eq!(support::ok(&out), "1.0.0");
}

mod formats;
mod maven;
mod npm;
mod providers;
mod pull;
mod resolution;
