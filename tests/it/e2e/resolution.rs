//! Each Python tool's own resolution of its index settings, with the real tool as the oracle:
//! pipenv's `Pipfile`, pip-tools' `requirements.in`, PDM's sources, uv's workspace root and a
//! member's own index, and the user's own `uv.toml` and `pip.conf` outside any project (the
//! latter with the stale token `aws codeartifact login --tool pip` leaves). Each installs
//! through the bash hook and fails without ca-env.

use super::*;

/// pipenv hands the Pipfile's source to pip on its command line; pip takes the credentials
/// from the netrc copy.
fn pipenv_case(index: &PyIndex) -> Case {
    Case {
        dir: "pipenv-app",
        files: vec![(
            "Pipfile",
            format!(
                "[[source]]\nname = \"corp\"\nurl = \"{}\"\nverify_ssl = false\n\n\
                 [packages]\n{PACKAGE} = \"*\"\n",
                index.simple()
            ),
        )],
        run: "PIPENV_VENV_IN_PROJECT=1 pipenv install",
        vars: &["NETRC"],
        sources: &[("pipenv", "index")],
        refused: "No matching distribution found for corp-private-lib",
    }
}

/// pip-compile reads the index from `requirements.in`; pip installs what it pinned.
fn pip_tools_case(index: &PyIndex) -> Case {
    Case {
        dir: "pip-tools-app",
        files: vec![(
            "requirements.in",
            format!("--index-url {}\n{PACKAGE}\n", index.simple()),
        )],
        run: "pip-compile --quiet requirements.in -o requirements.txt \
              && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt",
        vars: &["NETRC", "PIP_INDEX_URL", "UV_INDEX_URL"],
        sources: &[("pip", "index")],
        refused: "Could not find a version that satisfies the requirement corp-private-lib",
    }
}

/// PDM's `pypi` source (PDM_PYPI_*) and another source on the same index (the netrc).
fn pdm_case(index: &PyIndex) -> Case {
    Case {
        dir: "pdm-app",
        files: vec![(
            "pyproject.toml",
            format!(
                "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n\
                 dependencies = [\"{PACKAGE}\"]\n\n[tool.pdm]\ndistribution = false\n\n\
                 [[tool.pdm.source]]\nname = \"pypi\"\nurl = \"{0}\"\n\n\
                 [[tool.pdm.source]]\nname = \"corp\"\nurl = \"{0}\"\n",
                index.simple()
            ),
        )],
        run: "pdm install --no-self",
        vars: &["PDM_PYPI_USERNAME", "PDM_PYPI_PASSWORD", "NETRC"],
        sources: &[("pdm", "index"), ("pdm", "index")],
        refused: "Unable to find candidates for corp-private-lib",
    }
}

#[test]
fn bash_pipenv_pip_compile_and_pdm_install_with_the_hook_and_fail_without() {
    let mut w = World::start(None);
    w.sb.set_env("PIPENV_YES", "1");
    w.sb.set_env("PIPENV_NOSPIN", "1");
    w.sb.set_env("PIPENV_IGNORE_VIRTUALENVS", "1");
    w.sb.set_env("PDM_CHECK_UPDATE", "false");
    let cases = [
        pipenv_case(&w.index),
        pip_tools_case(&w.index),
        pdm_case(&w.index),
    ];
    with_and_without(&mut w, Kind::Bash, &cases);
    // pip-compile wrote what it pinned, and never the token.
    let written = fs::read_to_string(w.sb.home().join("pip-tools-app/requirements.txt")).unwrap();
    assert!(written.contains(PACKAGE), "{written}");
    assert!(!written.contains(&w.token()), "{written}");
    let lock = fs::read_to_string(w.sb.home().join("pipenv-app/Pipfile.lock")).unwrap();
    assert!(!lock.contains(&w.token()));
}

/// The one source `status --json` shows in `dir`, with its `origin` and `file`.
fn only_source(w: &World, dir: &str) -> Vec<(String, String, String, String)> {
    let status = w.sb.status(dir);
    let sources = status["sources"].as_array().unwrap();
    sources
        .iter()
        .map(|s| ["tool", "origin", "file", "name"].map(|k| s[k].as_str().unwrap().to_string()))
        .map(|[a, b, c, d]| (a, b, c, d))
        .collect()
}

/// Outside any project, the user's own `uv.toml` and `pip.conf` name the index: uv and pip
/// install from it through the hook in every directory. The pip.conf holds the stale token
/// `aws codeartifact login --tool pip` leaves: ca-env's PIP_INDEX_URL wins over it, and the
/// stale token is in no variable, no state and no output.
#[test]
fn bash_the_users_own_uv_toml_and_pip_conf_serve_every_directory() {
    let mut w = World::start(None);
    // This test is about the user's pip files, which the sandbox otherwise turns off.
    w.sb.set_env("PIP_CONFIG_FILE", "");
    let config = w.sb.path().join("config");
    let uv_toml = config.join("uv/uv.toml");
    fs::create_dir_all(uv_toml.parent().unwrap()).unwrap();
    fs::write(
        &uv_toml,
        format!(
            "# the user's own\n[[index]]\nname = \"corp\"\nurl = \"{}\"\ndefault = true\n",
            w.index.simple()
        ),
    )
    .unwrap();
    let stale = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.STALE-TOKEN-FROM-LOGIN";
    let pip_conf = config.join("pip/pip.conf");
    fs::create_dir_all(pip_conf.parent().unwrap()).unwrap();
    let stale_url = w
        .index
        .simple()
        .replace("http://", &format!("http://aws:{stale}@"));
    fs::write(&pip_conf, format!("[global]\nindex-url = {stale_url}\n")).unwrap();
    fs::create_dir_all(w.sb.home().join("scratch")).unwrap();

    let status = w.sb.status("scratch");
    let shown = serde_json::to_string(&status).unwrap();
    assert!(!shown.contains("STALE"), "{shown}");
    assert_eq!(status["project"], serde_json::Value::Null, "{shown}");
    assert_eq!(
        only_source(&w, "scratch"),
        [
            (
                "uv".into(),
                "user-config".into(),
                uv_toml.display().to_string(),
                "corp".into()
            ),
            (
                "pip".into(),
                "user-config".into(),
                pip_conf.display().to_string(),
                "pypi-store".into()
            ),
        ],
        "{shown}"
    );
    let problems = support::strings(&status["problems"]);
    assert_eq!(problems.len(), 1, "{shown}");
    assert!(
        problems[0].starts_with(&format!(
            "{}:2: pip source: the URL holds credentials",
            pip_conf.display()
        )) && problems[0].contains("can be removed"),
        "{shown}"
    );
    let out = w.sb.run("scratch", &["status"]);
    assert!(!support::stdout(&out).contains("STALE"));
    assert!(
        support::stdout(&out).contains("user-config"),
        "{}",
        support::stdout(&out)
    );

    let run = "uv venv uv-env && VIRTUAL_ENV=uv-env uv pip install corp-private-lib \
               && python3 -m venv pip-env && pip-env/bin/pip install corp-private-lib";
    w.caches("without");
    let mut sh = Shell::start(&w, Kind::Bash, false);
    sh.cd("scratch");
    let ran = sh.run(run);
    assert_ne!(ran.status, 0, "{}", ran.output);
    assert!(ran.output.contains("401 Unauthorized"), "{}", ran.output);
    drop(sh);
    let _ = fs::remove_dir_all(w.sb.home().join("scratch/uv-env"));

    w.caches("with");
    let mut sh = Shell::start(&w, Kind::Bash, true);
    sh.cd("scratch");
    let token = w.token();
    assert_eq!(sh.var("UV_INDEX_CORP_PASSWORD"), Some(token.clone()));
    let with_token = w
        .index
        .simple()
        .replace("http://", &format!("http://aws:{token}@"));
    assert_eq!(sh.var("PIP_INDEX_URL"), Some(with_token));
    let ran = sh.ok(&format!("{run} 2>&1 | tee pip.log"));
    let looked = ran
        .lines()
        .find(|l| l.starts_with("Looking in indexes:"))
        .unwrap_or_else(|| panic!("pip names its indexes: {ran}"));
    // pip's own report: the one index, the one ca-env provides for (credentials masked).
    assert_eq!(
        looked,
        format!(
            "Looking in indexes: {}",
            w.index.simple().replace("http://", "http://aws:****@")
        )
    );
    let env = sh.ok("env");
    assert!(!env.contains("STALE"), "the stale token is in no variable");
    for venv in ["uv-env", "pip-env"] {
        let python = w.sb.home().join("scratch").join(venv).join("bin/python");
        let out = Command::new(python).args(["-c", IMPORT]).output().unwrap();
        assert_eq!(support::ok(&out), "1.0.0", "{venv}");
    }
}

/// A uv workspace: from a member's directory uv uses the root's index, and the index another
/// member declares for a package it pins there. `uv lock` from a member with no index of its
/// own needs both; without ca-env it fails.
#[test]
fn bash_a_uv_workspace_member_gets_the_roots_and_the_pinned_members_indexes() {
    let mut w = World::start(None);
    let simple = w.index.simple();
    // A mapped URL (so a CodeArtifact repository to ca-env) that nothing pins: uv never asks it.
    let unused = format!("{}unused/simple/", w.index.url());
    w.sb.write(
        "ws/pyproject.toml",
        &format!(
            "[project]\nname = \"ws\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n\
             dependencies = []\n\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\n\
             exclude = [\"packages/skipped\"]\n\n[[tool.uv.index]]\nname = \"corp\"\nurl = \"{simple}\"\n"
        ),
    );
    // The member that pins the private package to an index of its own.
    w.sb.write(
        "ws/packages/app/pyproject.toml",
        &format!(
            "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\n\
             dependencies = [\"{PACKAGE}\"]\n\n[[tool.uv.index]]\nname = \"mine\"\nurl = \"{simple}\"\n\n\
             [[tool.uv.index]]\nname = \"unused\"\nurl = \"{unused}\"\n\n\
             [tool.uv.sources]\n{PACKAGE} = {{ index = \"mine\" }}\n"
        ),
    );
    // A member with no index of its own.
    w.sb.write(
        "ws/packages/tool/pyproject.toml",
        "[project]\nname = \"tool\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = []\n",
    );
    // Excluded: its own root, which inherits nothing it does not declare.
    w.sb.write(
        "ws/packages/skipped/pyproject.toml",
        "[project]\nname = \"skipped\"\nversion = \"0.1.0\"\n",
    );
    let root = w.sb.home().join("ws");
    let sources = only_source(&w, "ws/packages/tool");
    assert_eq!(
        sources,
        [
            (
                "uv".into(),
                "workspace-root".into(),
                root.join("pyproject.toml").display().to_string(),
                "corp".into()
            ),
            (
                "uv".into(),
                "workspace-member".into(),
                root.join("packages/app/pyproject.toml")
                    .display()
                    .to_string(),
                "mine".into()
            ),
        ]
    );
    // The excluded project walks up to the root's settings, as uv does for a nested project.
    let skipped = only_source(&w, "ws/packages/skipped");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].1, "project");

    w.caches("without");
    let mut sh = Shell::start(&w, Kind::Bash, false);
    sh.cd("ws/packages/tool");
    let ran = sh.run("uv lock");
    assert_ne!(ran.status, 0, "{}", ran.output);
    assert!(ran.output.contains("401 Unauthorized"), "{}", ran.output);
    drop(sh);

    w.caches("with");
    let mut sh = Shell::start(&w, Kind::Bash, true);
    sh.cd("ws/packages/tool");
    let token = w.token();
    for name in ["UV_INDEX_CORP_PASSWORD", "UV_INDEX_MINE_PASSWORD"] {
        assert_eq!(sh.var(name), Some(token.clone()), "{name}");
    }
    sh.ok("uv lock && uv sync --all-packages");
    assert!(installed(&root));
    assert_eq!(
        sh.var("UV_INDEX_UNUSED_PASSWORD"),
        None,
        "an index nothing pins"
    );
}

/// The (name, url) pairs `poetry source show` reports in `dir`.
fn poetry_sources(w: &World, dir: &str) -> Vec<(String, String)> {
    let out = w.plain(dir, "poetry", &["source", "show"]);
    let text = support::ok(&out);
    let field = |line: &str, key: &str| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    };
    let names = text.lines().filter_map(|l| field(l, "name"));
    let urls = text.lines().filter_map(|l| field(l, "url"));
    names.zip(urls).collect()
}

/// A project inside a Poetry project, and not a member of any workspace, is a project of its
/// own: Poetry uses the nearest `pyproject.toml`, and so does ca-env. Poetry is the oracle: in
/// each directory the Poetry sources ca-env provides for are the ones `poetry source show`
/// reports.
#[test]
fn a_nested_project_inside_a_poetry_project_gets_what_poetry_reports_there() {
    let w = World::start(None);
    let project = |name: &str, url: &str| {
        format!(
            "[project]\nname = \"{name}\"\nversion = \"0.1.0\"\n\n[tool.poetry]\npackage-mode = false\n\n\
             [[tool.poetry.source]]\nname = \"{name}-index\"\nurl = \"{url}\"\npriority = \"primary\"\n"
        )
    };
    let inner_url = format!("{}inner/simple/", w.index.url());
    w.sb.write("outer/pyproject.toml", &project("outer", &w.index.simple()));
    w.sb.write(
        "outer/tools/inner/pyproject.toml",
        &project("inner", &inner_url),
    );
    fs::create_dir_all(w.sb.home().join("outer/src/pkg")).unwrap();
    for (dir, want) in [
        ("outer", ("outer-index", w.index.simple())),
        ("outer/src/pkg", ("outer-index", w.index.simple())),
        ("outer/tools/inner", ("inner-index", inner_url.clone())),
    ] {
        let poetry = poetry_sources(&w, dir);
        assert_eq!(poetry, [(want.0.to_string(), want.1.clone())], "{dir}");
        let status = w.sb.status(dir);
        let ours: Vec<(String, String)> = status["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().into(),
                    s["url"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(ours, poetry, "{dir}: {status}");
    }
}

/// The user's own variables name the index (`PIP_INDEX_URL`, and `UV_DEFAULT_INDEX` with a
/// name) and Poetry's user configuration a publish target: in a directory outside any project
/// pip and uv install and `poetry publish -r` uploads through the hook, each failing without.
/// The variables get credentials in place, and the user's own values come back exactly when
/// ca-env stops managing them (`ca-env logout`).
#[test]
fn bash_the_users_own_variables_and_poetrys_user_repositories() {
    let mut w = World::start(None);
    let simple = w.index.simple();
    w.sb.set_env("PIP_INDEX_URL", simple.clone());
    w.sb.set_env("UV_DEFAULT_INDEX", format!("corp={simple}"));
    let poetry_config = w.sb.path().join("config/pypoetry/config.toml");
    fs::create_dir_all(poetry_config.parent().unwrap()).unwrap();
    fs::write(
        &poetry_config,
        format!("[repositories.corp-upload]\nurl = \"{}\"\n", w.index.url()),
    )
    .unwrap();
    let lib = w.sb.home().join("lib");
    build_package(&lib, "3.0.0", "", &w.sb.env_pairs());
    fs::create_dir_all(w.sb.home().join("scratch")).unwrap();

    let status = w.sb.status("scratch");
    let got: Vec<[String; 4]> = status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| ["tool", "role", "origin", "file"].map(|k| s[k].as_str().unwrap().to_string()))
        .collect();
    let want = [
        ["pip", "index", "environment", "env:PIP_INDEX_URL"],
        ["uv", "index", "environment", "env:UV_DEFAULT_INDEX"],
        [
            "poetry",
            "publish",
            "user-config",
            &poetry_config.display().to_string(),
        ],
    ];
    assert_eq!(got, want.map(|r| r.map(str::to_string)), "{status}");

    let install = "python3 -m venv pip-env && pip-env/bin/pip install corp-private-lib \
                   && uv venv uv-env && VIRTUAL_ENV=uv-env uv pip install corp-private-lib";
    w.caches("without");
    let mut sh = Shell::start(&w, Kind::Bash, false);
    sh.cd("scratch");
    let ran = sh.run(install);
    assert_ne!(ran.status, 0, "{}", ran.output);
    sh.cd("lib");
    let ran = sh.run("poetry publish -r corp-upload");
    assert_ne!(ran.status, 0, "{}", ran.output);
    assert!(ran.output.contains("401"), "{}", ran.output);
    drop(sh);
    for venv in ["pip-env", "uv-env"] {
        let _ = fs::remove_dir_all(w.sb.home().join("scratch").join(venv));
    }

    w.caches("with");
    let mut sh = Shell::start(&w, Kind::Bash, true);
    sh.cd("scratch");
    let token = w.token();
    let with_token = simple.replace("http://", &format!("http://aws:{token}@"));
    assert_eq!(sh.var("PIP_INDEX_URL"), Some(with_token.clone()));
    assert_eq!(
        sh.var("UV_DEFAULT_INDEX"),
        Some(format!("corp={with_token}"))
    );
    assert_eq!(
        sh.var("POETRY_HTTP_BASIC_CORP_UPLOAD_PASSWORD"),
        Some(token.clone())
    );
    sh.ok(install);
    for venv in ["pip-env", "uv-env"] {
        let python = w.sb.home().join("scratch").join(venv).join("bin/python");
        let out = Command::new(python).args(["-c", IMPORT]).output().unwrap();
        assert_eq!(support::ok(&out), "1.0.0", "{venv}");
    }
    sh.cd("lib");
    sh.ok("poetry publish -r corp-upload");
    assert_eq!(w.index.versions(&token), ["1.0.0", "3.0.0"]);

    sh.ok(&format!("{BIN} logout"));
    sh.sh.run(":");
    assert_eq!(sh.var("PIP_INDEX_URL"), Some(simple.clone()));
    assert_eq!(sh.var("UV_DEFAULT_INDEX"), Some(format!("corp={simple}")));
    assert_eq!(sh.var("POETRY_HTTP_BASIC_CORP_UPLOAD_PASSWORD"), None);
}
