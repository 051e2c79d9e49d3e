//! Azure Artifacts and Google Artifact Registry through the hook, with the real tools: the
//! loopback index mapped as an Azure DevOps feed (uv and Poetry, user name the feed's) and a
//! second one as an Artifact Registry repository (pip with a requirements file, through the
//! netrc copy, user `oauth2accesstoken`). Each index accepts only the token the `az` or
//! `gcloud` stand-in prints, for that user; every scenario fails without ca-env.

use super::*;
use crate::support::clouds::{Clouds, AZ_TOKEN, GCLOUD_TOKEN};

fn azure_cases(index: &PyIndex) -> [Case; 2] {
    let mut uv = uv_sync_case(index);
    uv.dir = "azure-uv";
    let mut poetry = poetry_case(index);
    poetry.dir = "azure-poetry";
    [uv, poetry]
}

fn google_case(index: &PyIndex) -> Case {
    let mut pip = pip_case(index);
    pip.dir = "google-pip";
    pip
}

#[test]
fn bash_uv_poetry_and_pip_install_from_azure_and_google_feeds_with_the_hook_and_fail_without() {
    let mut w = World::start(None);
    let clouds = Clouds::new(w.sb.path());
    // The second index, with the package on it too.
    let google = PyIndex::start();
    let upload = w.token();
    google.accept("aws", &upload);
    let files = build_package(
        &w.sb.path().join("package-g"),
        "1.0.0",
        "",
        &w.sb.env_pairs(),
    );
    google.upload(&files, &upload);
    w.index.accept("corp", AZ_TOKEN);
    google.accept("oauth2accesstoken", GCLOUD_TOKEN);
    w.sb.write_config(&format!(
        "[trust]\ndomains = [\"azure:contoso\", \"google:acme-prod\"]\n\n\
         [[mapping]]\nurl = \"{}\"\nprovider = \"azure\"\norganization = \"contoso\"\nproject = \"web\"\nfeed = \"corp\"\n\n\
         [[mapping]]\nurl = \"{}\"\nprovider = \"google\"\nproject = \"acme-prod\"\nlocation = \"us-central1\"\nrepository = \"py-private\"\n",
        w.index.url(),
        google.url()
    ));
    // The last PATH pair is the one set for the sandbox (the Python tools first).
    let path =
        w.sb.env_pairs()
            .into_iter()
            .rfind(|(k, _)| k == "PATH")
            .unwrap()
            .1;
    w.sb.set_env("PATH", format!("{}:{path}", clouds.bin.display()));

    let mut cases: Vec<(Case, &str, String)> = Vec::new();
    for case in azure_cases(&w.index) {
        cases.push((case, "azure", w.index.simple()));
    }
    cases.push((google_case(&google), "google", google.simple()));
    for (case, provider, url) in &cases {
        w.project(case);
        let status = w.sb.status(case.dir);
        let shown = status.to_string();
        let sources = status["sources"].as_array().unwrap();
        assert!(!sources.is_empty(), "{shown}");
        for s in sources {
            assert_eq!(s["provider"], *provider, "{shown}");
            assert_eq!(s["url"], url.as_str(), "{shown}");
            assert_eq!(s["trusted"], true, "{shown}");
        }
        let managed = crate::support::strings(&status["env"]);
        for name in case.vars {
            assert!(managed.iter().any(|m| m == name), "{name}: {shown}");
        }
        assert!(status["problems"].as_array().unwrap().is_empty(), "{shown}");
    }

    w.caches("providers-without");
    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, false);
    for (case, ..) in &cases {
        sh.cd(case.dir);
        let ran = sh.run(case.run);
        assert_ne!(
            ran.status, 0,
            "`{}` without ca-env:\n{}",
            case.run, ran.output
        );
        assert!(
            ran.output.contains(case.refused),
            "`{}` without ca-env:\n{}",
            case.run,
            ran.output
        );
    }
    drop(sh);
    assert!(clouds.calls().is_empty(), "{:?}", clouds.calls());

    for (case, ..) in &cases {
        w.reset(case.dir);
    }
    w.caches("providers-with");
    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, true);
    for (case, provider, _) in &cases {
        sh.cd(case.dir);
        sh.await_var(case.vars[0]);
        let token = if *provider == "azure" {
            AZ_TOKEN
        } else {
            GCLOUD_TOKEN
        };
        for name in case.vars {
            let value = sh.var(name).unwrap_or_default();
            match *name {
                "NETRC" => {
                    let text = fs::read_to_string(&value).unwrap();
                    assert!(
                        text.contains(&format!("login oauth2accesstoken password {token}")),
                        "{name}"
                    );
                }
                n if n.ends_with("_USERNAME") => assert_eq!(value, "corp", "{name}"),
                n if n.ends_with("_PASSWORD") => assert_eq!(value, token, "{name}"),
                _ => assert!(value.contains(token), "{name}"),
            }
        }
        sh.ok(case.run);
        assert!(installed(&w.sb.home().join(case.dir)), "{}", case.dir);
    }
    // One token per organization and per project, whatever the number of prompts.
    let calls = clouds.calls();
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("az ")).count(),
        1,
        "{calls:?}"
    );
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("gcloud ")).count(),
        1,
        "{calls:?}"
    );
}

/// Twenty interactive bash shells with the hook enter a project of an Azure feed at once,
/// while `az` takes half a second: the background fetches they start wait on one another (the
/// single-flight lock), and `az` runs once. Every shell then has the token.
#[test]
fn twenty_shells_entering_an_azure_project_at_once_make_one_az_call() {
    let mut sb = Sandbox::new();
    let clouds = Clouds::new(sb.path());
    clouds.slow(true);
    sb.set_env("PATH", clouds.path());
    sb.set_env("CA_ENV_STORE", "file");
    sb.write_config("[trust]\ndomains = [\"azure:contoso\"]\n");
    sb.write(
        "app/pyproject.toml",
        "[[tool.uv.index]]\nname = \"corp\"\n\
         url = \"https://pkgs.dev.azure.com/contoso/web/_packaging/corp/pypi/simple/\"\n",
    );
    let app = sb.home().join("app");
    let mut shells: Vec<Interactive> = (0..20)
        .map(|_| {
            Interactive::start(
                Kind::Bash,
                &sb.env_pairs(),
                &sb.home(),
                &hook_line(Kind::Bash),
            )
        })
        .collect();
    // Typed into all twenty before any prompt is awaited: the hooks run at the same time.
    for sh in &mut shells {
        sh.send_line(&format!("cd '{}'", app.display()));
    }
    for sh in &mut shells {
        sh.wait_prompt();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for (i, sh) in shells.iter_mut().enumerate() {
        while sh.var("UV_INDEX_CORP_PASSWORD").is_none() {
            assert!(Instant::now() < deadline, "shell {i}: no token after 30 s");
            std::thread::sleep(Duration::from_millis(100));
            sh.run("true");
        }
        assert_eq!(sh.var("UV_INDEX_CORP_PASSWORD").as_deref(), Some(AZ_TOKEN));
        assert_eq!(sh.var("UV_INDEX_CORP_USERNAME").as_deref(), Some("corp"));
    }
    let calls = clouds.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].starts_with("az account get-access-token"),
        "{calls:?}"
    );
}
