//! npm, pnpm and Yarn Berry, for real, through the bash hook: `npm publish` of a private
//! scoped package to the registry `publishConfig` names, then `npm install`, `pnpm install`
//! and `yarn install` of projects depending on it. The registry (verdaccio behind a proxy that
//! checks bearer tokens as CodeArtifact does) accepts only the token the stand-in issued last.
//! Each step also runs in a shell without ca-env, where it must fail. npm and pnpm get the
//! token from the npm configuration ca-env writes (a copy of the user's `~/.npmrc` with the
//! registry's `_authToken`), Yarn from `YARN_NPM_AUTH_TOKEN`; no token may land in a project
//! file, a lock file or the user's own `~/.npmrc`, whose settings keep applying.

use super::*;

use support::npmreg::{node_tool, NpmRegistry};

/// The private package.
const SCOPE: &str = "corp";
const PKG: &str = "@corp/private-pkg";

/// The user's own npm settings: one npm shows, and credentials for another host.
const USERS_NPMRC: &str =
    "fund=false\nupdate-notifier=false\n//other.example/:_authToken=users-own-secret\n";

struct NpmWorld {
    standin: StandIn,
    reg: NpmRegistry,
    sb: Sandbox,
}

impl NpmWorld {
    fn start() -> NpmWorld {
        let standin = StandIn::start();
        let reg = NpmRegistry::start();
        reg.follow(&standin);
        let mut sb = mapped_sandbox(&standin, &reg.url(), "npm-store");
        let bin = node_tool("pnpm").parent().unwrap().to_path_buf();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        sb.set_env("PATH", path);
        for (name, sub) in [("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")] {
            sb.set_env(name, sb.path().join(sub).display().to_string());
        }
        sb.set_env("YARN_ENABLE_TELEMETRY", "0");
        sb.set_env("YARN_ENABLE_IMMUTABLE_INSTALLS", "false");
        sb.set_env("COREPACK_ENABLE_STRICT", "0");
        sb.write(".npmrc", USERS_NPMRC);
        NpmWorld { standin, reg, sb }
    }

    fn token(&self) -> String {
        self.standin
            .calls()
            .into_iter()
            .filter_map(|c| c.token)
            .next_back()
            .expect("a token was issued")
    }

    /// The package to publish, and three projects depending on it (npm, pnpm, Yarn).
    fn projects(&self) {
        let url = self.reg.url();
        self.sb.write(
            "pkg/package.json",
            &format!(
                "{{\"name\": \"{PKG}\", \"version\": \"1.0.0\", \"main\": \"index.js\",\n \
                 \"publishConfig\": {{\"registry\": \"{url}\"}}}}\n"
            ),
        );
        self.sb
            .write("pkg/index.js", "module.exports = 'private 1.0.0';\n");
        let app = |name: &str, extra: &str| {
            format!(
                "{{\"name\": \"{name}\", \"version\": \"0.1.0\", \"private\": true,{extra}\n \
                 \"dependencies\": {{\"{PKG}\": \"1.0.0\"}}}}\n"
            )
        };
        self.sb.write("npm-app/package.json", &app("npm-app", ""));
        self.sb
            .write("npm-app/.npmrc", &format!("@{SCOPE}:registry={url}\n"));
        self.sb.write(
            "pnpm-app/package.json",
            &app("pnpm-app", " \"packageManager\": \"pnpm@10.34.9\","),
        );
        self.sb
            .write("pnpm-app/.npmrc", &format!("@{SCOPE}:registry={url}\n"));
        self.sb.write("yarn-app/package.json", &app("yarn-app", ""));
        self.sb.write("yarn-app/yarn.lock", "");
        self.sb.write(
            "yarn-app/.yarnrc.yml",
            &format!(
                "nodeLinker: node-modules\nenableGlobalCache: false\nenableTelemetry: false\n\
                 npmMinimalAgeGate: 0\nunsafeHttpWhitelist:\n  - 127.0.0.1\nnpmRegistryServer: \"{url}\"\n\
                 npmScopes:\n  {SCOPE}:\n    npmMinimalAgeGate: 0\n    npmRegistryServer: \"{url}\"\n"
            ),
        );
    }

    /// `status --json` in `dir`: one trusted npm source per (tool, role), the registry's.
    fn assert_status(&self, dir: &str, want: &[(&str, &str)], env: &[&str]) {
        let status = self.sb.status(dir);
        let shown = serde_json::to_string_pretty(&status).unwrap();
        let sources = status["sources"].as_array().unwrap();
        let got: Vec<(String, String)> = sources
            .iter()
            .map(|s| {
                (
                    s["tool"].as_str().unwrap().to_string(),
                    s["role"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(t, r)| (t.to_string(), r.to_string()))
            .collect();
        assert_eq!(got, want, "{dir}: {shown}");
        for s in sources {
            assert_eq!(s["format"], "npm", "{shown}");
            assert_eq!(s["repository"], "npm-store", "{shown}");
            assert_eq!(s["trusted"], true, "{shown}");
        }
        let managed = support::strings(&status["env"]);
        for name in env {
            assert!(managed.iter().any(|m| m == name), "{dir}: {name}: {shown}");
        }
        assert!(status["problems"].as_array().unwrap().is_empty(), "{shown}");
    }

    fn installed(&self, dir: &str) -> bool {
        self.sb
            .home()
            .join(dir)
            .join("node_modules/@corp/private-pkg/index.js")
            .is_file()
    }
}

/// Every file under `dir` (node_modules and the tools' stores included) holding `token`.
fn files_holding(dir: &Path, token: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            found.extend(files_holding(&path, token));
        } else if meta.is_file() {
            let bytes = fs::read(&path).unwrap_or_default();
            if bytes.windows(token.len()).any(|w| w == token.as_bytes()) {
                found.push(path);
            }
        }
    }
    found
}

const STEPS: [(&str, &str); 4] = [
    ("pkg", "npm publish"),
    ("npm-app", "npm install"),
    ("pnpm-app", "pnpm install"),
    ("yarn-app", "yarn install"),
];

#[test]
fn bash_npm_publish_and_npm_pnpm_yarn_install_with_the_hook_and_fail_without() {
    let w = NpmWorld::start();
    w.projects();
    // A token the registry accepts exists from the start: without ca-env the tools lack it.
    let token = support::ok(&w.sb.run("", &["token", &w.reg.url()]));
    assert_eq!(token, w.token());
    let path = "/@corp%2fprivate-pkg";
    assert_eq!(w.reg.status_of(path, None), 401, "{}", w.reg.log());
    assert_eq!(w.reg.status_of(path, Some("wrong")), 401);
    assert_eq!(w.reg.status_of(path, Some(&token)), 404, "{}", w.reg.log());

    w.assert_status("pkg", &[("npm", "publish")], &["NPM_CONFIG_USERCONFIG"]);
    w.assert_status("npm-app", &[("npm", "index")], &["NPM_CONFIG_USERCONFIG"]);
    w.assert_status("pnpm-app", &[("pnpm", "index")], &["NPM_CONFIG_USERCONFIG"]);
    w.assert_status(
        "yarn-app",
        &[("yarn", "index"), ("yarn", "index")],
        &["YARN_NPM_AUTH_TOKEN", "YARN_NPM_ALWAYS_AUTH"],
    );

    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, false);
    for (dir, run) in STEPS {
        sh.cd(dir);
        assert_eq!(sh.var("NPM_CONFIG_USERCONFIG"), None);
        let ran = sh.run(run);
        assert_ne!(ran.status, 0, "`{run}` without ca-env:\n{}", ran.output);
        // Turned away by the registry, not failing for another reason.
        assert!(
            ["401", "ENEEDAUTH", "Invalid authentication"]
                .iter()
                .any(|s| ran.output.contains(s)),
            "`{run}` without ca-env:\n{}",
            ran.output
        );
    }
    assert_eq!(
        w.reg.status_of(path, Some(&token)),
        404,
        "nothing was published"
    );
    drop(sh);
    for dir in ["npm-app", "pnpm-app", "yarn-app"] {
        assert!(!w.installed(dir), "{dir} without ca-env");
    }

    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, true);
    for (dir, run) in STEPS {
        sh.cd(dir);
        if dir == "yarn-app" {
            assert_eq!(sh.var("YARN_NPM_AUTH_TOKEN").as_deref(), Some(&*token));
            assert_eq!(sh.var("NPM_CONFIG_USERCONFIG"), None);
        } else {
            let file = sh
                .var("NPM_CONFIG_USERCONFIG")
                .expect("NPM_CONFIG_USERCONFIG");
            let text = fs::read_to_string(&file).unwrap();
            let dart = w.reg.url().replace("http:", "");
            assert!(
                text.contains(&format!("\n{dart}:_authToken={token}\n")),
                "{text}"
            );
            assert!(text.ends_with(USERS_NPMRC), "{text}");
            assert!(!Path::new(&file).starts_with(w.sb.home()), "{file}");
            // The user's own settings still apply through the generated file.
            assert_eq!(sh.ok("npm config get fund"), "false\n");
        }
        sh.ok(run);
        if dir == "pkg" {
            assert_eq!(w.reg.status_of(path, Some(&token)), 200, "published");
        } else {
            assert!(w.installed(dir), "{dir}");
        }
    }
    // Leaving the projects takes the variables away again.
    sh.cd(".");
    assert_eq!(sh.var("NPM_CONFIG_USERCONFIG"), None);
    assert_eq!(sh.var("YARN_NPM_AUTH_TOKEN"), None);
    drop(sh);

    assert_eq!(w.issued_count(), 1, "one token for everything");
    for (dir, _) in STEPS {
        let holding = files_holding(&w.sb.home().join(dir), &token);
        assert!(holding.is_empty(), "the token is in {holding:?}");
    }
    assert!(w.sb.home().join("npm-app/package-lock.json").is_file());
    assert_eq!(
        fs::read_to_string(w.sb.home().join(".npmrc")).unwrap(),
        USERS_NPMRC
    );
}

impl NpmWorld {
    fn issued_count(&self) -> usize {
        self.standin
            .calls()
            .into_iter()
            .filter(|c| c.token.is_some())
            .count()
    }
}
