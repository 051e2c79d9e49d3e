//! The other formats' real clients against loopback registries that take only the token the
//! CodeArtifact stand-in issued last (`support::registry`): Cargo publishing to and building
//! from a sparse registry with `auth-required`, and Bundler installing from a gem source with
//! basic auth. Each runs through the bash hook, and first without ca-env, where it must fail.

use super::*;

use support::registry::{self, Auth, Registry};

/// A stand-in, a registry that follows its tokens, and a sandbox whose configuration maps the
/// registry to a trusted CodeArtifact repository.
struct Formats {
    standin: StandIn,
    registry: Registry,
    sb: Sandbox,
}

impl Formats {
    fn start(auth: Auth, handler: Option<registry::Handler>, repository: &str) -> Formats {
        let standin = StandIn::start();
        let registry = Registry::start(auth, handler);
        registry.follow(&standin);
        let sb = mapped_sandbox(&standin, &registry.url(), repository);
        let f = Formats {
            standin,
            registry,
            sb,
        };
        // A token stored before any scenario, as after a first `ca-env login`.
        let token = support::ok(&f.sb.run("", &["token", &f.registry.url()]));
        assert_eq!(Some(token.as_str()), f.token().as_deref());
        assert_eq!(f.registry.get("/", None), 401, "no token, nothing served");
        f
    }

    /// The token the registry accepts now.
    fn token(&self) -> Option<String> {
        self.standin.calls().into_iter().rev().find_map(|c| c.token)
    }

    /// Asserts `status --json` in `dir`: one source per (tool, role, name), each the registry,
    /// of `format`, trusted, from `origin`; `env` among the variables managed; no problem.
    fn assert_status(&self, dir: &str, want: &[(&str, &str, &str)], format: &str, env: &[&str]) {
        let status = self.sb.status(dir);
        let shown = serde_json::to_string_pretty(&status).unwrap();
        let sources = status["sources"].as_array().unwrap();
        let got: Vec<[String; 3]> = sources
            .iter()
            .map(|s| ["tool", "role", "name"].map(|k| s[k].as_str().unwrap_or_default().into()))
            .collect();
        let want: Vec<[String; 3]> = want
            .iter()
            .map(|(a, b, c)| [a.to_string(), b.to_string(), c.to_string()])
            .collect();
        assert_eq!(got, want, "{shown}");
        for s in sources {
            assert_eq!(
                s["url"].as_str(),
                Some(self.registry.url().as_str()),
                "{shown}"
            );
            assert_eq!(s["format"].as_str(), Some(format), "{shown}");
            assert_eq!(s["origin"].as_str(), Some("project"), "{shown}");
            assert_eq!(s["owner"].as_str(), Some(OWNER), "{shown}");
            assert_eq!(s["trusted"], true, "{shown}");
        }
        let managed = support::strings(&status["env"]);
        for name in env {
            assert!(managed.iter().any(|m| m == name), "{name}: {shown}");
        }
        assert!(status["problems"].as_array().unwrap().is_empty(), "{shown}");
    }

    /// Fresh caches and client homes for the runs from now on.
    fn caches(&mut self, label: &str) {
        let dir = self.sb.path().join("caches").join(label);
        for (name, sub) in [
            ("CARGO_HOME", "cargo"),
            ("BUNDLE_USER_HOME", "bundle"),
            ("GEM_HOME", "gem"),
            ("XDG_CACHE_HOME", "xdg"),
        ] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).unwrap();
            self.sb.set_env(name, path.display().to_string());
        }
    }
}

/// The directory of the cargo and rustc that build these tests (no rustup proxy, which would
/// look for its toolchains under the sandbox's HOME).
fn toolchain_bin() -> String {
    let cargo = Path::new(env!("CARGO"));
    let dir = cargo.parent().unwrap();
    assert!(
        dir.join("rustc").is_file(),
        "rustc beside {}",
        cargo.display()
    );
    dir.display().to_string()
}

/// Runs `line` in a shell without ca-env and asserts it fails saying `refused`.
fn fails(sh: &mut Shell, line: &str, refused: &str) {
    let ran = sh.run(line);
    assert_ne!(ran.status, 0, "`{line}` without ca-env:\n{}", ran.output);
    assert!(
        ran.output.contains(refused),
        "`{line}` without ca-env:\n{}",
        ran.output
    );
}

const CARGO_CONFIG: &str = "rust/.cargo/config.toml";
const CRATE: &str = "rust/corp-lib";
const APP: &str = "rust/app";

/// A crate published with `cargo publish --registry corp-repo` through the hook, then a crate
/// depending on it built with `cargo build`. Without ca-env Cargo has no token and no
/// credential provider for the registry, and both fail.
#[test]
fn bash_cargo_publish_and_build_with_the_hook_and_fail_without() {
    let mut f = Formats::start(Auth::Bearer, Some(registry::cargo_publish()), "cargo-store");
    registry::cargo_config(&f.registry);
    let path = format!("{}:{}", toolchain_bin(), std::env::var("PATH").unwrap());
    f.sb.set_env("PATH", path);
    f.sb.set_env("CARGO_TERM_COLOR", "never");
    f.sb.set_env("CARGO_NET_RETRY", "0");
    f.sb.write(
        CARGO_CONFIG,
        &format!(
            "[registries.corp-repo]\nindex = \"sparse+{}\"\n",
            f.registry.url()
        ),
    );
    let package = |name: &str, rest: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{rest}")
    };
    f.sb.write(
        &format!("{CRATE}/Cargo.toml"),
        &package(
            "corp-lib",
            "description = \"A private crate\"\nlicense = \"MIT\"\npublish = [\"corp-repo\"]\n",
        ),
    );
    f.sb.write(
        &format!("{CRATE}/src/lib.rs"),
        "pub const VERSION: &str = \"0.1.0\";\n",
    );
    f.sb.write(
        &format!("{APP}/Cargo.toml"),
        &package(
            "app",
            "publish = false\n\n[dependencies]\ncorp-lib = { version = \"0.1\", registry = \"corp-repo\" }\n",
        ),
    );
    f.sb.write(
        &format!("{APP}/src/main.rs"),
        "fn main() {\n    println!(\"{}\", corp_lib::VERSION);\n}\n",
    );
    let vars = [
        "CARGO_REGISTRIES_CORP_REPO_TOKEN",
        "CARGO_REGISTRIES_CORP_REPO_CREDENTIAL_PROVIDER",
    ];
    for dir in [CRATE, APP] {
        f.assert_status(dir, &[("cargo", "index", "corp-repo")], "cargo", &vars);
    }
    let index_file = f
        .registry
        .dir()
        .join(registry::cargo_index_path("corp-lib"));
    let refused = "authenticated registries require a credential-provider to be configured";

    f.caches("publish-without");
    let mut sh = Shell::in_sandbox(&f.sb, Kind::Bash, false);
    sh.cd(CRATE);
    for name in vars {
        assert_eq!(sh.var(name), None, "{name} without ca-env");
    }
    fails(&mut sh, "cargo publish --registry corp-repo", refused);
    drop(sh);
    assert!(!index_file.exists(), "nothing published without ca-env");

    f.caches("publish-with");
    let mut sh = Shell::in_sandbox(&f.sb, Kind::Bash, true);
    sh.cd(CRATE);
    let token = f.token().unwrap();
    assert_eq!(
        sh.var(vars[0]),
        Some(format!("Bearer {token}")),
        "AWS's documented form"
    );
    assert_eq!(sh.var(vars[1]).as_deref(), Some("cargo:token"));
    sh.ok("cargo publish --registry corp-repo");
    drop(sh);
    let published = fs::read_to_string(&index_file).unwrap();
    assert!(published.contains("\"vers\":\"0.1.0\""), "{published}");
    assert!(f
        .registry
        .seen()
        .contains(&("PUT".into(), "/api/v1/crates/new".into(), 200)));

    f.caches("build-without");
    let mut sh = Shell::in_sandbox(&f.sb, Kind::Bash, false);
    sh.cd(APP);
    fails(&mut sh, "cargo build", refused);
    drop(sh);
    let app = f.sb.home().join(APP);
    assert!(!app.join("target/debug/app").exists());
    let _ = fs::remove_file(app.join("Cargo.lock"));

    f.caches("build-with");
    let mut sh = Shell::in_sandbox(&f.sb, Kind::Bash, true);
    sh.cd(APP);
    // The token alone is not enough: Cargo reads it only through a provider it was told of.
    let alone = format!("env -u {} cargo build", vars[1]);
    let ran = sh.run(&alone);
    assert_ne!(ran.status, 0, "{}", ran.output);
    assert!(ran.output.contains(refused), "{}", ran.output);
    sh.ok("cargo build");
    assert_eq!(sh.ok("./target/debug/app"), "0.1.0\n");
    let seen = f.registry.seen();
    let download = ("GET".into(), "/dl/corp-lib/0.1.0/download".into(), 200);
    assert!(seen.contains(&download), "{seen:?}");
    assert_eq!(f.token(), Some(token), "one token throughout");
}

const GEM_APP: &str = "ruby-app";

/// Writes a tiny gem's sources in `dir` and builds it with `gem build`; the `.gem` file.
fn build_gem(f: &Formats, dir: &Path) -> PathBuf {
    fs::create_dir_all(dir.join("lib")).unwrap();
    fs::write(
        dir.join("lib/corp_gem.rb"),
        "module CorpGem\n  VERSION = \"1.0.0\"\nend\n",
    )
    .unwrap();
    fs::write(
        dir.join("corp_gem.gemspec"),
        "Gem::Specification.new do |s|\n  s.name = \"corp_gem\"\n  s.version = \"1.0.0\"\n  \
         s.summary = \"A private gem\"\n  s.authors = [\"Corp\"]\n  s.license = \"MIT\"\n  \
         s.files = [\"lib/corp_gem.rb\"]\nend\n",
    )
    .unwrap();
    let mut cmd = Command::new("gem");
    cmd.args(["build", "corp_gem.gemspec"])
        .current_dir(dir)
        .env_clear()
        .envs(f.sb.env_pairs())
        .stdin(std::process::Stdio::null());
    let out = cmd
        .output()
        .expect("gem runs (the test command installs ruby)");
    support::ok(&out);
    dir.join("corp_gem-1.0.0.gem")
}

/// A Gemfile whose only source is the registry: `bundle install` through the hook, then the
/// gem loaded with `bundle exec`. Without ca-env Bundler has no credentials for the host.
#[test]
fn bash_bundle_install_with_the_hook_and_fails_without() {
    let mut f = Formats::start(Auth::Basic, None, "gems-store");
    f.caches("setup");
    let gem = build_gem(&f, &f.sb.path().join("gem"));
    f.registry
        .put_file("gems/corp_gem-1.0.0.gem", &fs::read(&gem).unwrap());
    let mut cmd = Command::new("gem");
    cmd.args(["generate_index", "--directory"])
        .arg(f.registry.dir())
        .env_clear()
        .envs(f.sb.env_pairs())
        .stdin(std::process::Stdio::null());
    support::ok(&cmd.output().unwrap());
    assert!(f.registry.dir().join("specs.4.8.gz").is_file());

    f.sb.set_env("BUNDLE_PATH", "vendor/bundle");
    f.sb.write(
        &format!("{GEM_APP}/Gemfile"),
        &format!(
            "# frozen_string_literal: true\n\nsource \"{}\"\n\ngem \"corp_gem\"\n",
            f.registry.url()
        ),
    );
    let var = "BUNDLE_127__0__0__1";
    f.assert_status(
        GEM_APP,
        &[("bundler", "index", "gems-store")],
        "ruby",
        &[var],
    );
    let app = f.sb.home().join(GEM_APP);
    let run = "bundle install && bundle exec ruby -e 'require \"corp_gem\"; puts CorpGem::VERSION'";

    f.caches("without");
    let mut sh = Shell::in_sandbox(&f.sb, Kind::Bash, false);
    sh.cd(GEM_APP);
    assert_eq!(sh.var(var), None);
    fails(&mut sh, run, "Authentication is required for 127.0.0.1");
    drop(sh);
    assert!(!installed_gem(&app));
    let _ = fs::remove_dir_all(app.join("vendor"));
    let _ = fs::remove_file(app.join("Gemfile.lock"));

    f.caches("with");
    let mut sh = Shell::in_sandbox(&f.sb, Kind::Bash, true);
    sh.cd(GEM_APP);
    let token = f.token().unwrap();
    assert_eq!(sh.var(var), Some(format!("aws:{token}")));
    let shown = sh.ok(run);
    assert!(shown.ends_with("1.0.0\n"), "{shown}");
    assert!(installed_gem(&app));
    assert_eq!(f.token(), Some(token), "one token throughout");
    assert!(f
        .registry
        .seen()
        .contains(&("GET".into(), "/gems/corp_gem-1.0.0.gem".into(), 200)));
    drop(sh);

    // A credential in the project's own settings comes before the variable: Bundler sends it,
    // and `status` names the line.
    f.sb.write(
        &format!("{GEM_APP}/.bundle/config"),
        &format!(
            "---
{var}: \"aws:stale\"\n"
        ),
    );
    let status = f.sb.status(GEM_APP);
    let problems = support::strings(&status["problems"]);
    let at = format!(
        "{}:2: bundler source: ",
        app.join(".bundle/config").display()
    );
    assert!(
        problems.len() == 1 && problems[0].starts_with(&at),
        "{problems:?}"
    );
    assert!(!problems[0].contains("stale"));
    let _ = fs::remove_dir_all(app.join("vendor"));
    f.caches("stale");
    let mut sh = Shell::in_sandbox(&f.sb, Kind::Bash, true);
    sh.cd(GEM_APP);
    assert_eq!(sh.var(var), Some(format!("aws:{}", f.token().unwrap())));
    fails(&mut sh, "bundle install", "Bad username or password for");
}

/// Whether Bundler installed the gem under the project's `vendor/bundle`.
fn installed_gem(app: &Path) -> bool {
    let Ok(rubies) = fs::read_dir(app.join("vendor/bundle/ruby")) else {
        return false;
    };
    rubies.filter_map(Result::ok).any(|r| {
        r.path()
            .join("gems/corp_gem-1.0.0/lib/corp_gem.rb")
            .is_file()
    })
}
