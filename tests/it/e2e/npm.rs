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
        for_node(&mut sb, &std::env::var("PATH").unwrap_or_default());
        NpmWorld { standin, reg, sb }
    }

    fn token(&self) -> String {
        self.standin.issued().pop().expect("a token was issued")
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

/// The sandbox set up for the Node tools: pnpm and Yarn (under target/node) first on PATH,
/// then `path`; the tools' data and caches inside the sandbox; no telemetry, no Corepack
/// prompt; and the user's own `~/.npmrc`.
fn for_node(sb: &mut Sandbox, path: &str) {
    let bin = node_tool("pnpm").parent().unwrap().to_path_buf();
    sb.set_env("PATH", format!("{}:{path}", bin.display()));
    for (name, sub) in [("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")] {
        sb.set_env(name, sb.path().join(sub).display().to_string());
    }
    sb.set_env("YARN_ENABLE_TELEMETRY", "0");
    sb.set_env("YARN_ENABLE_IMMUTABLE_INSTALLS", "false");
    sb.set_env("COREPACK_ENABLE_STRICT", "0");
    sb.write(".npmrc", USERS_NPMRC);
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
        Shell::assert_turned_away(run, &sh.run(run));
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
        self.standin.issued().len()
    }
}

/// The same clients against an Azure Artifacts feed and an Artifact Registry repository: two
/// registries, each mapped in the user's configuration as one of them, taking only what that
/// service takes. Azure DevOps takes its token as a Basic password (npm's `username` and
/// `_password`, Yarn's `npmAuthIdent`), Artifact Registry as a bearer token (`_authToken`,
/// `npmAuthToken`); the tokens come from the `az` and `gcloud` stand-ins, one call each.
#[test]
fn bash_npm_pnpm_yarn_publish_and_install_from_azure_and_google_feeds_with_the_hook_and_fail_without(
) {
    use support::clouds::{Clouds, AZ_TOKEN, GCLOUD_TOKEN};
    use support::pyindex::base64;

    let standin = StandIn::start();
    let azure = NpmRegistry::start();
    let google = NpmRegistry::start();
    azure.accept(&format!("Basic {}", base64(&format!("corp:{AZ_TOKEN}"))));
    google.accept(&format!("Bearer {GCLOUD_TOKEN}"));
    let mut sb = mapped_sandbox(&standin, &azure.url(), "unused");
    sb.write_config(&format!(
        "[trust]\ndomains = [\"azure:contoso\", \"google:acme-prod\"]\n\n\
         [[mapping]]\nurl = \"{}\"\nprovider = \"azure\"\norganization = \"contoso\"\nproject = \"web\"\nfeed = \"corp\"\n\n\
         [[mapping]]\nurl = \"{}\"\nprovider = \"google\"\nproject = \"acme-prod\"\nlocation = \"us-central1\"\nrepository = \"npm-private\"\n",
        azure.url(),
        google.url()
    ));
    let clouds = Clouds::new(sb.path());
    for_node(&mut sb, &clouds.path());

    // Per service: the package published there, then npm, pnpm and Yarn projects using it.
    // Each Yarn project keeps its own metadata cache: Yarn's is keyed by host name alone, and
    // both registries are on 127.0.0.1.
    let services = [
        ("azure", &azure, AZ_TOKEN),
        ("google", &google, GCLOUD_TOKEN),
    ];
    let mut steps: Vec<(String, &str, &[&str])> = Vec::new();
    for (provider, reg, _) in &services {
        let url = reg.url();
        let dir = |kind: &str| format!("{provider}-{kind}");
        sb.write(
            &format!("{}/package.json", dir("pkg")),
            &format!(
                "{{\"name\": \"{PKG}\", \"version\": \"1.0.0\", \"main\": \"index.js\",\n \
                 \"publishConfig\": {{\"registry\": \"{url}\"}}}}\n"
            ),
        );
        sb.write(&format!("{}/index.js", dir("pkg")), "module.exports = 1;\n");
        let app = |name: &str, extra: &str| {
            format!(
                "{{\"name\": \"{name}\", \"version\": \"0.1.0\", \"private\": true,{extra}\n \
                 \"dependencies\": {{\"{PKG}\": \"1.0.0\"}}}}\n"
            )
        };
        for kind in ["npm", "pnpm"] {
            let extra = if kind == "pnpm" {
                " \"packageManager\": \"pnpm@10.34.9\","
            } else {
                ""
            };
            sb.write(&format!("{}/package.json", dir(kind)), &app(kind, extra));
            sb.write(
                &format!("{}/.npmrc", dir(kind)),
                &format!("@{SCOPE}:registry={url}\n"),
            );
        }
        sb.write(&format!("{}/package.json", dir("yarn")), &app("yarn", ""));
        sb.write(&format!("{}/yarn.lock", dir("yarn")), "");
        sb.write(
            &format!("{}/.yarnrc.yml", dir("yarn")),
            &format!(
                "nodeLinker: node-modules\nenableGlobalCache: false\nenableTelemetry: false\n\
                 npmMinimalAgeGate: 0\nunsafeHttpWhitelist:\n  - 127.0.0.1\nnpmRegistryServer: \"{url}\"\n\
                 globalFolder: ./.yarn/global\n"
            ),
        );
        let yarn: &[&str] = if *provider == "azure" {
            &["YARN_NPM_AUTH_IDENT", "YARN_NPM_ALWAYS_AUTH"]
        } else {
            &["YARN_NPM_AUTH_TOKEN", "YARN_NPM_ALWAYS_AUTH"]
        };
        let npmrc: &[&str] = &["NPM_CONFIG_USERCONFIG"];
        steps.push((dir("pkg"), "npm publish", npmrc));
        steps.push((dir("npm"), "npm install", npmrc));
        steps.push((dir("pnpm"), "pnpm install", npmrc));
        steps.push((dir("yarn"), "yarn install", yarn));
    }
    for (dir, _, env) in &steps {
        let status = sb.status(dir);
        let shown = status.to_string();
        let provider = dir.split('-').next().unwrap();
        for s in status["sources"].as_array().unwrap() {
            assert_eq!(s["provider"], provider, "{shown}");
            assert_eq!(s["format"], "npm", "{shown}");
            assert_eq!(s["trusted"], true, "{shown}");
        }
        assert_eq!(support::strings(&status["env"]), *env, "{shown}");
        assert!(status["problems"].as_array().unwrap().is_empty(), "{shown}");
    }

    let installed = |dir: &str| {
        sb.home()
            .join(dir)
            .join("node_modules/@corp/private-pkg/index.js")
            .is_file()
    };
    let mut sh = Shell::in_sandbox(&sb, Kind::Bash, false);
    for (dir, run, _) in &steps {
        sh.cd(dir);
        Shell::assert_turned_away(run, &sh.run(run));
        assert!(!installed(dir), "{dir} without ca-env");
    }
    drop(sh);
    assert!(clouds.calls().is_empty(), "{:?}", clouds.calls());

    let mut sh = Shell::in_sandbox(&sb, Kind::Bash, true);
    for (dir, run, env) in &steps {
        sh.cd(dir);
        let (provider, reg, token) = services.iter().find(|(p, ..)| dir.starts_with(p)).unwrap();
        let value = sh.await_var(env[0]);
        let dart = reg.url().replace("http:", "");
        match env[0] {
            "NPM_CONFIG_USERCONFIG" => {
                let text = fs::read_to_string(&value).unwrap();
                let lines = if *provider == "azure" {
                    format!(
                        "\n{dart}:username=corp\n{dart}:_password={}\n",
                        base64(token)
                    )
                } else {
                    format!("\n{dart}:_authToken={token}\n")
                };
                assert!(text.contains(&lines), "{text}");
                assert!(text.ends_with(USERS_NPMRC), "{text}");
            }
            "YARN_NPM_AUTH_IDENT" => {
                assert_eq!(value, format!("corp:{token}"));
                assert_eq!(sh.var("YARN_NPM_AUTH_TOKEN"), None);
            }
            _ => assert_eq!(value, *token),
        }
        sh.ok(run);
        if !dir.ends_with("-pkg") {
            assert!(installed(dir), "{dir}");
        }
        let holding = files_holding(&sb.home().join(dir), token);
        assert!(holding.is_empty(), "the token is in {holding:?}");
    }
    drop(sh);
    let calls = clouds.calls();
    for cli in ["az ", "gcloud "] {
        let n = calls.iter().filter(|c| c.starts_with(cli)).count();
        assert_eq!(n, 1, "{calls:?}");
    }
    assert_eq!(
        fs::read_to_string(sb.home().join(".npmrc")).unwrap(),
        USERS_NPMRC
    );
}
