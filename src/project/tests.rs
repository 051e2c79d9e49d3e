use super::*;
use std::fs;
use std::path::Path;

/// Writes `text` at `rel` under `root`, making the directories (the readers' tests share it).
pub(super) fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// What the project's own files declare (no user or system file, no variable).
fn read_project(root: &Path) -> Found {
    let env = crate::env::Env::from_pairs(&[], Some(root.to_path_buf()));
    let mut found = Found {
        root: Some(root.to_path_buf()),
        ..Found::default()
    };
    found.read_project(root);
    uv::project(&env, root, &mut found);
    found
}

const CA: &str =
    "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/simple/";

fn summary(found: &Found) -> Vec<(Tool, Option<String>, String, Role, String, usize)> {
    found
        .entries
        .iter()
        .map(|e| {
            (
                e.tool,
                e.name.clone(),
                e.url.clone(),
                e.role,
                e.file.display().to_string(),
                e.line,
            )
        })
        .collect()
}

#[test]
fn the_root_is_the_nearest_directory_with_a_project_file() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("src/service");
    write(&project, "pyproject.toml", "");
    fs::create_dir_all(project.join("a/b")).unwrap();
    assert_eq!(
        root::find(&project.join("a/b"), Some(home.path())),
        Some(project.clone())
    );
    write(&project, "a/requirements/base.txt", "");
    assert_eq!(
        root::find(&project.join("a/b"), Some(home.path())),
        Some(project.join("a"))
    );
    assert_eq!(
        root::find(&project.join("a/requirements"), Some(home.path())),
        Some(project.join("a"))
    );
}

#[test]
fn the_walk_stops_at_home() {
    let top = tempfile::tempdir().unwrap();
    write(top.path(), "pyproject.toml", "");
    let home = top.path().join("home");
    fs::create_dir_all(home.join("dir")).unwrap();
    assert_eq!(root::find(&home.join("dir"), Some(&home)), None);
    write(&home, "requirements-dev.txt", "");
    assert_eq!(
        root::find(&home.join("dir"), Some(&home)),
        Some(home.clone())
    );
}

#[test]
fn every_kind_of_file_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "pyproject.toml",
        format!(
            r#"[tool.poetry]
name = "svc"

[[tool.poetry.source]]
name = "PyPI"
priority = "primary"

[[tool.poetry.source]]
name = "corp"
url = "{CA}"

[[tool.pdm.source]]
name = "pypi"
url = "{CA}"

[[tool.pdm.source]]
name = "links"
url = "https://example.com/links/"
type = "find_links"

[tool.uv]
index-url = "{CA}"
extra-index-url = ["https://pypi.org/simple/"]

[[tool.uv.index]]
name = "corp"
url = "{CA}"
publish-url = "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/"

[[tool.uv.index]]
url = "https://unnamed.example/simple/"
default = true

[tool.uv.pip]
extra-index-url = ["{CA}"]

[tool.poetry_codeartifact_login]
[[tool.poetry_codeartifact_login.source]]
name = "corp"
domain = "corp"
domain_owner = "111122223333"
aws_profile = "developer-profile"
"#
        ),
    );
    write(
        root,
        "poetry.toml",
        format!("[repositories.corp-upload]\nurl = \"{CA}\"\n"),
    );
    write(root, "pip.conf", format!("[global]\nindex_url = {CA}\nextra-index-url =\n    https://a.example/simple/\n    {CA}\n"));
    write(root, "pip.ini", format!("[install]\nindex-url: {CA}\n"));
    write(
        root,
        "requirements.txt",
        format!("# deps\n--index-url={CA}\nrequests\n-r requirements/dev.txt\n"),
    );
    write(
        root,
        "requirements/dev.txt",
        format!("-i {CA}  # primary\n--extra-index-url \\\n  {CA}\n-r ../requirements.txt\n"),
    );
    let found = read_project(root);
    let got = summary(&found);
    let s = |x: &str| x.to_string();
    use Role::*;
    use Tool::*;
    let want = vec![
        (
            Poetry,
            Some(s("corp")),
            s(CA),
            Index,
            s("pyproject.toml"),
            10,
        ),
        (Pdm, Some(s("pypi")), s(CA), Index, s("pyproject.toml"), 14),
        (
            Poetry,
            Some(s("corp-upload")),
            s(CA),
            Publish,
            s("poetry.toml"),
            2,
        ),
        (Pip, None, s(CA), Index, s("pip.conf"), 2),
        (
            Pip,
            None,
            s("https://a.example/simple/"),
            Extra,
            s("pip.conf"),
            4,
        ),
        (Pip, None, s(CA), Extra, s("pip.conf"), 5),
        (Pip, None, s(CA), Index, s("pip.ini"), 2),
        (Pip, None, s(CA), Index, s("requirements.txt"), 2),
        (Pip, None, s(CA), Index, s("requirements/dev.txt"), 1),
        (Pip, None, s(CA), Extra, s("requirements/dev.txt"), 2),
        // uv's settings are read where uv reads them, after the project's own files.
        (Uv, Some(s("corp")), s(CA), Index, s("pyproject.toml"), 27),
        (
            Uv,
            Some(s("corp")),
            s("https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/"),
            Publish,
            s("pyproject.toml"),
            28,
        ),
        (
            Uv,
            None,
            s("https://unnamed.example/simple/"),
            Index,
            s("pyproject.toml"),
            31,
        ),
        (Uv, None, s(CA), Index, s("pyproject.toml"), 22),
        (
            Uv,
            None,
            s("https://pypi.org/simple/"),
            Extra,
            s("pyproject.toml"),
            23,
        ),
        (Uv, None, s(CA), Extra, s("pyproject.toml"), 35),
    ];
    assert_eq!(got, want);
    let poetry = &found.entries[0];
    assert_eq!(poetry.profile.as_deref(), Some("developer-profile"));
    assert_eq!(poetry.expect, Some(("corp".into(), "111122223333".into())));
    // requirements/dev.txt includes requirements.txt back: a loop, reported once.
    assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
    assert!(
        found.problems[0]
            .to_string()
            .starts_with("requirements/dev.txt:4: include: an include loop"),
        "{:?}",
        found.problems
    );
}

#[test]
fn the_login_plugins_readme_example() {
    // poetry-codeartifact-login-plugin's README, verbatim: its owner has 13 digits, so the
    // source is found with the plugin's profile and the URL itself is judged later.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        r#"[[tool.poetry.source]]
name = "MyRepository"
url = "https://mydomain-1234567890123.d.codeartifact.us-west-2.amazonaws.com/pypi/my-repository/simple/"
default = true

[tool.poetry_codeartifact_login]
[[tool.poetry_codeartifact_login.source]]
name = "MyRepository"
domain = "mydomain"
domain_owner = "1234567890123"
aws_profile = "developer-profile"

[[tool.poetry_codeartifact_login.source]]
name = "Missing"
domain = "mydomain"
domain_owner = "123456789012"
"#,
    );
    let found = read_project(dir.path());
    assert_eq!(found.entries.len(), 1);
    assert_eq!(
        found.entries[0].profile.as_deref(),
        Some("developer-profile")
    );
    assert_eq!(found.problems.len(), 1);
    assert!(
        found.problems[0]
            .to_string()
            .contains("'Missing' names no [[tool.poetry.source]]"),
        "{:?}",
        found.problems
    );
}

fn only_problem(root: &Path) -> String {
    let found = read_project(root);
    assert!(found.entries.is_empty(), "{:?}", found.entries);
    assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
    found.problems[0].to_string()
}

#[test]
fn bad_toml_names_path_and_line_without_quoting() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.poetry]\nname = \"x\"\n[[tool.poetry.source]]\nname = \"SECRET-CONTENT\nurl = 1\n",
    );
    let p = only_problem(dir.path());
    assert!(p.starts_with("pyproject.toml:4: not valid TOML"), "{p}");
    assert!(!p.contains("SECRET"), "{p}");
}

#[test]
fn wrong_types_are_described_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pyproject.toml",
        "[[tool.poetry.source]]\nname = \"a\"\nurl = 5\n\n[tool.uv]\nindex-url = [\"x\", 7]\n",
    );
    let found = read_project(dir.path());
    let text = strings(&found.problems).join("\n");
    assert!(
        text.contains("pyproject.toml:3: the url of tool.poetry.source 'a' is not a string"),
        "{text}"
    );
    assert!(
        text.contains("pyproject.toml:6: uv's index-url is not a string"),
        "{text}"
    );
}

#[test]
fn bad_utf8_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("requirements.txt"),
        b"-i https://a/\n\n\xff\xfe secret\n",
    )
    .unwrap();
    let p = only_problem(dir.path());
    assert_eq!(p, "requirements.txt:3: not valid UTF-8; not read");
}

#[test]
fn files_over_one_mib_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("pyproject.toml"),
        vec![b'#'; 1024 * 1024 + 1],
    )
    .unwrap();
    assert_eq!(
        only_problem(dir.path()),
        "pyproject.toml: larger than 1 MiB; not read"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_project_devices_and_fifos_are_not_read() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "secret.toml",
        format!("[[tool.poetry.source]]\nname = \"x\"\nurl = \"{CA}\"\n"),
    );
    let dir = tempfile::tempdir().unwrap();
    symlink(
        outside.path().join("secret.toml"),
        dir.path().join("pyproject.toml"),
    )
    .unwrap();
    assert_eq!(
        only_problem(dir.path()),
        "pyproject.toml: leads outside the project; not read"
    );

    let dir = tempfile::tempdir().unwrap();
    symlink("/dev/zero", dir.path().join("pyproject.toml")).unwrap();
    assert!(only_problem(dir.path()).starts_with("pyproject.toml: "));

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("uv.toml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        only_problem(dir.path()),
        "uv.toml: not a regular file; not read"
    );

    let dir = tempfile::tempdir().unwrap();
    symlink("poetry.toml", dir.path().join("poetry.toml")).unwrap();
    assert_eq!(only_problem(dir.path()), "poetry.toml: a symlink loop");

    // A symlink that stays inside is followed.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "conf/real.toml",
        format!("[repositories.r]\nurl = \"{CA}\"\n"),
    );
    symlink("conf/real.toml", dir.path().join("poetry.toml")).unwrap();
    let found = read_project(dir.path());
    assert_eq!(found.entries.len(), 1, "{:?}", found.problems);
}

#[test]
fn includes_stay_inside_the_project() {
    let top = tempfile::tempdir().unwrap();
    write(top.path(), "outside.txt", format!("-i {CA}\n"));
    let root = top.path().join("p");
    write(
        &root,
        "requirements.txt",
        "-r ../outside.txt\n-r /etc/passwd\n-r https://example.com/r.txt\n-r missing.txt\n",
    );
    let found = read_project(&root);
    assert!(found.entries.is_empty(), "{:?}", found.entries);
    let p = strings(&found.problems);
    assert_eq!(p.len(), 3, "{p:?}");
    assert_eq!(
        p[0],
        "requirements.txt:1: include: leads outside the project; not read"
    );
    assert_eq!(
        p[1],
        "requirements.txt:2: include: leads outside the project; not read"
    );
    assert_eq!(p[2], "requirements.txt:4: include: file not found");
}

#[test]
fn a_self_include_is_a_loop() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "requirements.txt",
        format!("-r requirements.txt\n-i {CA}\n"),
    );
    let found = read_project(dir.path());
    assert_eq!(found.entries.len(), 1);
    assert_eq!(
        strings(&found.problems),
        vec!["requirements.txt:1: include: an include loop; not followed".to_string()]
    );
}

fn strings(problems: &[crate::problem::Problem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

#[test]
fn deep_nesting_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("a = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    write(dir.path(), "pyproject.toml", &deep);
    let p = only_problem(dir.path());
    assert!(p.starts_with("pyproject.toml:1: not valid TOML"), "{p}");
}

mod properties {
    use super::*;
    use crate::config::Config;
    use crate::sources::resolve;
    use crate::trust::Allowed;
    use proptest::prelude::*;

    /// Pieces real project files are made of, and the characters that break parsers.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("[[tool.poetry.source]]\n".to_string()),
            Just("[[tool.uv.index]]\n".to_string()),
            Just("[tool.uv]\n".to_string()),
            Just("[[tool.pdm.source]]\n".to_string()),
            Just("[[tool.poetry_codeartifact_login.source]]\n".to_string()),
            Just("[global]\n".to_string()),
            Just(format!("url = \"{CA}\"\n")),
            Just("name = \"corp\"\n".to_string()),
            Just("name = \"corp.repo\"\n".to_string()),
            Just("domain = \"corp\"\ndomain_owner = \"111122223333\"\n".to_string()),
            Just(format!("index-url = {CA}\n")),
            Just(format!("-i {CA}\n")),
            Just("-r requirements.txt\n".to_string()),
            Just("--extra-index-url \\\n".to_string()),
            "[ -~\\n\\t\"'\\[\\]{}=#\\\\]{0,40}",
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever the files hold, discovery and resolution finish without panicking, and
        /// every source they keep has a URL that passed the rules.
        #[test]
        fn any_project_files_are_survived(parts in proptest::collection::vec(fragment(), 0..12)) {
            let text: String = parts.concat();
            let dir = tempfile::tempdir().unwrap();
            for file in ["pyproject.toml", "uv.toml", "pip.conf", "requirements.txt"] {
                fs::write(dir.path().join(file), &text).unwrap();
            }
            let found = read_project(dir.path());
            let project = resolve(found, &Config::default(), &Allowed::default());
            for s in &project.sources {
                let accepted = matches!(
                    crate::codeartifact::url::judge(&s.url.url(), &[]),
                    crate::codeartifact::url::Verdict::Accepted(_)
                );
                prop_assert!(accepted);
            }
        }
    }
}

/// A home with the user's configuration under `config/`, the system's under `etc/`, and the
/// working directory `cwd` (relative to the home); `vars` added to the environment.
fn discover_in(home: &Path, cwd: &str, vars: &[(&str, &str)]) -> Found {
    let config = home.join("config");
    let etc = home.join("etc");
    let (h, c, e) = (
        home.display().to_string(),
        config.display().to_string(),
        etc.display().to_string(),
    );
    let mut pairs = vec![
        ("HOME", h.as_str()),
        ("XDG_CONFIG_HOME", c.as_str()),
        ("XDG_CONFIG_DIRS", e.as_str()),
    ];
    pairs.extend_from_slice(vars);
    let env = crate::env::Env::from_pairs(&pairs, Some(home.join(cwd)));
    let mut found = discover(&env);
    // This machine's own /etc files are not the test's.
    found
        .entries
        .retain(|e| !e.file.starts_with("/etc") || e.origin != Origin::SystemConfig);
    found
}

fn rules(found: &Found) -> Vec<(Tool, Origin, Option<String>, String, Role)> {
    found
        .entries
        .iter()
        .map(|e| (e.tool, e.origin, e.name.clone(), e.url.clone(), e.role))
        .collect()
}

const CA2: &str =
    "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/other/simple/";

#[test]
fn uv_reads_the_project_then_the_user_then_the_system_and_single_values_once() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    fs::create_dir_all(h.join("scratch")).unwrap();
    write(
        h,
        "config/uv/uv.toml",
        format!("index-url = \"{CA}\"\n[[index]]\nname = \"user\"\nurl = \"{CA}\"\n"),
    );
    write(
        h,
        "etc/uv/uv.toml",
        format!("index-url = \"{CA2}\"\nextra-index-url = [\"{CA2}\"]\n"),
    );
    use Origin::*;
    let found = discover_in(h, "scratch", &[]);
    assert_eq!(found.root, None);
    assert_eq!(
        rules(&found),
        [
            (
                Tool::Uv,
                UserConfig,
                Some("user".into()),
                CA.into(),
                Role::Index
            ),
            (Tool::Uv, UserConfig, None, CA.into(), Role::Index),
            (Tool::Uv, SystemConfig, None, CA2.into(), Role::Extra),
        ]
    );
    // A project's index-url wins over the user's; the user's named index adds up.
    write(h, "app/uv.toml", format!("index-url = \"{CA2}\"\n"));
    let found = discover_in(h, "app", &[]);
    let got = rules(&found);
    assert_eq!(got[0], (Tool::Uv, Project, None, CA2.into(), Role::Index));
    assert!(!got.iter().any(|r| r.1 == UserConfig && r.2.is_none()));
    // UV_CONFIG_FILE alone, even with UV_NO_CONFIG; UV_NO_CONFIG alone: nothing.
    let named = write_path(h, "mine.toml", &format!("index-url = \"{CA}\"\n"));
    let found = discover_in(
        h,
        "app",
        &[("UV_CONFIG_FILE", &named), ("UV_NO_CONFIG", "1")],
    );
    assert_eq!(
        rules(&found),
        [(Tool::Uv, EnvConfig, None, CA.into(), Role::Index)]
    );
    let found = discover_in(h, "app", &[("UV_NO_CONFIG", "1")]);
    assert_eq!(rules(&found), []);
    // The user's variable replaces every file's index-url.
    let found = discover_in(
        h,
        "app",
        &[("UV_INDEX_URL", "https://pypi.example/simple/")],
    );
    let got = rules(&found);
    assert_eq!(got[0].1, Environment);
    assert!(!got
        .iter()
        .any(|r| r.1 != Environment && r.2.is_none() && r.4 == Role::Index));
}

fn write_path(root: &Path, rel: &str, text: &str) -> String {
    write(root, rel, text);
    root.join(rel).display().to_string()
}

#[test]
fn pip_reads_its_files_in_its_order_and_the_last_one_wins() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    fs::create_dir_all(h.join("scratch")).unwrap();
    write(
        h,
        "etc/pip/pip.conf",
        format!("[global]\nindex-url = {CA2}\nextra-index-url = {CA2}\n"),
    );
    write(h, ".pip/pip.conf", format!("[global]\nindex-url = {CA2}\n"));
    write(
        h,
        "config/pip/pip.conf",
        format!(
            "[install]\nindex-url = https://aws:OLD-TOKEN@{}\n[freeze]\nindex-url = {CA2}\n",
            &CA[8..]
        ),
    );
    use Origin::*;
    let found = discover_in(h, "scratch", &[]);
    let user = h.join("config/pip/pip.conf");
    assert_eq!(
        rules(&found),
        [
            (Tool::Pip, SystemConfig, None, CA2.into(), Role::Extra),
            (Tool::Pip, UserConfig, None, CA.into(), Role::Index),
        ]
    );
    let stale = &found.entries[1];
    assert!(stale.had_credentials);
    assert_eq!(stale.file, user);
    assert_eq!(stale.line, 2);
    assert!(!format!("{found:?}").contains("OLD-TOKEN"));
    // A virtual environment's file over the user's; PIP_CONFIG_FILE over both, and the
    // user's files skipped since it exists; /dev/null: no file at all.
    write(h, "venv/pip.conf", format!("[global]\nindex-url = {CA2}\n"));
    let venv = h.join("venv").display().to_string();
    let found = discover_in(h, "scratch", &[("VIRTUAL_ENV", &venv)]);
    assert!(rules(&found).contains(&(Tool::Pip, SiteConfig, None, CA2.into(), Role::Index)));
    let named = write_path(h, "named.conf", "[global]\ntimeout = 5\n");
    let found = discover_in(h, "scratch", &[("PIP_CONFIG_FILE", &named)]);
    assert_eq!(
        rules(&found),
        [
            (Tool::Pip, SystemConfig, None, CA2.into(), Role::Index),
            (Tool::Pip, SystemConfig, None, CA2.into(), Role::Extra)
        ]
    );
    let found = discover_in(h, "scratch", &[("PIP_CONFIG_FILE", "/dev/null")]);
    assert_eq!(rules(&found), []);
    // The user's own variable replaces the files' and gets credentials in place.
    let found = discover_in(
        h,
        "scratch",
        &[("PIP_INDEX_URL", CA), ("PIP_CONFIG_FILE", "/dev/null")],
    );
    assert_eq!(found.entries[0].form, Form::Variable("PIP_INDEX_URL"));
    assert_eq!(found.entries[0].file, Path::new("env:PIP_INDEX_URL"));
    // A URL that has credentials is the user's to keep.
    let with = format!("https://aws:x@{}", &CA[8..]);
    let found = discover_in(
        h,
        "scratch",
        &[("PIP_INDEX_URL", &with), ("PIP_CONFIG_FILE", "/dev/null")],
    );
    assert_eq!(rules(&found), []);
}

#[test]
fn poetry_pdm_pipenv_and_pixi_beyond_pyproject() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        h,
        "config/pypoetry/config.toml",
        format!("[repositories.upload]\nurl = \"{CA}\"\n"),
    );
    write(
        h,
        "config/pdm/config.toml",
        format!("[pypi]\nurl = \"{CA}\"\n[pypi.extra]\nurl = \"{CA2}\"\n"),
    );
    write(h, "app/Pipfile", "[[source]]\nname = \"corp\"\nurl = \"https://${DOMAIN}-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/\"\n\n[[source]]\nurl = \"https://pypi.org/simple\"\n");
    write(h, "app/pixi.toml", format!("[workspace]\nname = \"x\"\n[pypi-options]\nindex-url = \"{CA}\"\n[feature.dev.pypi-options]\nextra-index-urls = [\"{CA2}\"]\n"));
    write(
        h,
        "app/pdm.toml",
        format!("[pypi.local]\nurl = \"{CA2}\"\n"),
    );
    use Origin::*;
    let found = discover_in(h, "app", &[("DOMAIN", "corp")]);
    let got = rules(&found);
    let pipenv_url =
        "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/simple/";
    for want in [
        (
            Tool::Pdm,
            Project,
            Some("local".to_string()),
            CA2.to_string(),
            Role::Index,
        ),
        (
            Tool::Pipenv,
            Project,
            Some("corp".into()),
            pipenv_url.into(),
            Role::Index,
        ),
        (
            Tool::Pipenv,
            Project,
            None,
            "https://pypi.org/simple".into(),
            Role::Extra,
        ),
        (Tool::Pixi, Project, None, CA.into(), Role::Index),
        (Tool::Pixi, Project, None, CA2.into(), Role::Extra),
        (
            Tool::Poetry,
            UserConfig,
            Some("upload".into()),
            CA.into(),
            Role::Publish,
        ),
        (
            Tool::Pdm,
            UserConfig,
            Some("pypi".into()),
            CA.into(),
            Role::Index,
        ),
        (
            Tool::Pdm,
            UserConfig,
            Some("extra".into()),
            CA2.into(),
            Role::Index,
        ),
    ] {
        assert!(got.contains(&want), "{want:?} in {got:#?}");
    }
    assert_eq!(found.problems, []);
    // Repositories from variables replace the files' for Poetry.
    let found = discover_in(
        h,
        "app",
        &[
            ("POETRY_REPOSITORIES_CORP_UPLOAD_URL", CA2),
            ("POETRY_REPOSITORIES_X1_URL", CA),
        ],
    );
    let poetry: Vec<_> = rules(&found)
        .into_iter()
        .filter(|r| r.0 == Tool::Poetry)
        .collect();
    assert_eq!(
        poetry,
        [(
            Tool::Poetry,
            Environment,
            Some("corp-upload".into()),
            CA2.into(),
            Role::Publish
        )]
    );
}

#[test]
fn a_uv_workspace_member_reads_the_roots_settings_and_pinned_member_indexes() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(h, "ws/pyproject.toml", format!("[tool.uv.workspace]\nmembers = [\"libs/*\"]\nexclude = [\"libs/out\"]\n\n[[tool.uv.index]]\nname = \"root\"\nurl = \"{CA}\"\n\n[tool.uv.sources]\nx = {{ index = \"pinned\" }}\n"));
    write(
        h,
        "ws/libs/a/pyproject.toml",
        format!("[project]\nname = \"a\"\n[tool.uv]\nindex-url = \"{CA2}\"\n"),
    );
    write(h, "ws/libs/b/pyproject.toml", format!("[project]\nname = \"b\"\n[[tool.uv.index]]\nname = \"pinned\"\nurl = \"{CA2}\"\n[[tool.uv.index]]\nname = \"loose\"\nurl = \"{CA2}\"\n"));
    write(
        h,
        "ws/libs/out/pyproject.toml",
        "[project]\nname = \"out\"\n",
    );
    use Origin::*;
    let found = discover_in(h, "ws/libs/a", &[]);
    assert_eq!(found.root.as_deref(), Some(h.join("ws/libs/a").as_path()));
    assert_eq!(
        rules(&found),
        [
            (
                Tool::Uv,
                WorkspaceRoot,
                Some("root".into()),
                CA.into(),
                Role::Index
            ),
            (
                Tool::Uv,
                WorkspaceMember,
                Some("pinned".into()),
                CA2.into(),
                Role::Index
            ),
        ]
    );
    // Excluded: its own root, walking up to the nearest settings.
    let found = discover_in(h, "ws/libs/out", &[]);
    assert_eq!(
        rules(&found),
        [(
            Tool::Uv,
            Project,
            Some("root".into()),
            CA.into(),
            Role::Index
        )]
    );
}

#[cfg(unix)]
#[test]
fn hostile_user_files_are_one_problem_each_naming_the_path_never_the_content() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    fs::create_dir_all(h.join("scratch")).unwrap();
    write(h, "config/uv/uv.toml", "index-url = \"SECRET-CONTENT\n");
    write(
        h,
        "config/pypoetry/config.toml",
        "x".repeat(2 * 1024 * 1024),
    );
    fs::create_dir_all(h.join("config/pip")).unwrap();
    let fifo = h.join("config/pip/pip.conf");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // A symlink out of the user's directory is followed: dotfiles often are links.
    write(h, "dotfiles/pdm.toml", format!("[pypi]\nurl = \"{CA}\"\n"));
    fs::create_dir_all(h.join("config/pdm")).unwrap();
    std::os::unix::fs::symlink(
        h.join("dotfiles/pdm.toml"),
        h.join("config/pdm/config.toml"),
    )
    .unwrap();
    let found = discover_in(h, "scratch", &[]);
    let shown: Vec<String> = found.problems.iter().map(|p| p.to_string()).collect();
    let at = |rel: &str| h.join(rel).display().to_string();
    assert_eq!(
        shown,
        [
            format!("{}:1: not valid TOML", at("config/uv/uv.toml")),
            format!(
                "{}: not a regular file; not read",
                at("config/pip/pip.conf")
            ),
            format!(
                "{}: larger than 1 MiB; not read",
                at("config/pypoetry/config.toml")
            ),
        ]
    );
    assert!(!format!("{found:?}").contains("SECRET"));
    assert_eq!(
        rules(&found),
        [(
            Tool::Pdm,
            Origin::UserConfig,
            Some("pypi".into()),
            CA.into(),
            Role::Index
        )]
    );
}

#[test]
fn pipenv_finds_the_pipfile_up_the_tree_or_where_pipenv_pipfile_says() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(h, "app/Pipfile", format!("[[source]]\nurl = \"{CA}\"\n"));
    // A nearer project file makes the project root, but pipenv still uses the Pipfile above.
    write(h, "app/sub/requirements.txt", "requests\n");
    let found = discover_in(h, "app/sub", &[]);
    assert_eq!(found.root.as_deref(), Some(h.join("app/sub").as_path()));
    let pipenv: Vec<_> = found
        .entries
        .iter()
        .filter(|e| e.tool == Tool::Pipenv)
        .collect();
    assert_eq!(pipenv.len(), 1);
    assert_eq!(pipenv[0].file, h.join("app/Pipfile"));
    let named = write_path(
        h,
        "elsewhere/Pipfile",
        &format!("[[source]]\nurl = \"{CA2}\"\n"),
    );
    let found = discover_in(h, "app", &[("PIPENV_PIPFILE", &named)]);
    let urls: Vec<_> = found
        .entries
        .iter()
        .filter(|e| e.tool == Tool::Pipenv)
        .map(|e| e.url.as_str())
        .collect();
    assert_eq!(urls, [CA2]);
}

const NPM_CA: &str = "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/web/";
const NPM_CA2: &str = "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/ui/";

fn npm_rules(found: &Found) -> Vec<(Tool, Origin, Option<String>, String, Role)> {
    let mut r = rules(found);
    r.retain(|(t, ..)| matches!(t, Tool::Npm | Tool::Pnpm | Tool::Yarn));
    r
}

#[test]
fn npm_reads_the_user_file_the_project_at_its_prefix_and_variables_and_the_highest_wins() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        h,
        ".npmrc",
        format!("registry={NPM_CA}\n@corp:registry=https://npm.example/\nfund=false\n"),
    );
    write(
        h,
        "app/package.json",
        format!("{{\"name\": \"a\",\n \"publishConfig\": {{\n  \"registry\": \"{NPM_CA2}\"}}}}"),
    );
    write(
        h,
        "app/.npmrc",
        format!("; mine\n@corp:registry=\"{NPM_CA2}\"\n"),
    );
    fs::create_dir_all(h.join("app/src/deep")).unwrap();
    let found = discover_in(h, "app/src/deep", &[]);
    assert_eq!(
        npm_rules(&found),
        [
            (
                Tool::Npm,
                Origin::UserConfig,
                None,
                NPM_CA.into(),
                Role::Index
            ),
            (
                Tool::Npm,
                Origin::Project,
                Some("@corp".into()),
                NPM_CA2.into(),
                Role::Index
            ),
            (
                Tool::Npm,
                Origin::Project,
                None,
                NPM_CA2.into(),
                Role::Publish
            ),
        ]
    );
    let lines: Vec<usize> = found.entries.iter().map(|e| e.line).collect();
    assert_eq!(lines, [1, 2, 3]);

    // npm's own variable over every file; a user file a variable names instead of ~/.npmrc.
    let other = write_path(h, "elsewhere/npmrc", "@other:registry=https://x.example/\n");
    let found = discover_in(
        h,
        "app",
        &[
            ("npm_config_registry", NPM_CA2),
            ("NPM_CONFIG_USERCONFIG", &other),
        ],
    );
    let r = npm_rules(&found);
    assert_eq!(
        r[0],
        (
            Tool::Npm,
            Origin::EnvConfig,
            Some("@other".into()),
            "https://x.example/".into(),
            Role::Index
        )
    );
    assert!(r.contains(&(
        Tool::Npm,
        Origin::Environment,
        None,
        NPM_CA2.into(),
        Role::Index
    )));
    assert!(!r.iter().any(|e| e.3 == NPM_CA));
}

#[test]
fn pnpm_projects_are_pnpms_and_read_the_workspace_roots_npmrc() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(h, "mono/pnpm-workspace.yaml", "packages: ['pkgs/*']\n");
    write(h, "mono/.npmrc", format!("registry={NPM_CA}\n"));
    write(h, "mono/pkgs/a/package.json", "{}");
    write(
        h,
        "mono/pkgs/a/.npmrc",
        format!("@corp:registry={NPM_CA2}\n"),
    );
    let found = discover_in(h, "mono/pkgs/a", &[]);
    assert_eq!(
        npm_rules(&found),
        [
            (
                Tool::Pnpm,
                Origin::WorkspaceRoot,
                None,
                NPM_CA.into(),
                Role::Index
            ),
            (
                Tool::Pnpm,
                Origin::Project,
                Some("@corp".into()),
                NPM_CA2.into(),
                Role::Index
            ),
        ]
    );
    write(
        h,
        "solo/package.json",
        "{\"packageManager\": \"pnpm@10.34.9\"}",
    );
    write(h, "solo/.npmrc", format!("registry={NPM_CA}\n"));
    assert_eq!(npm_rules(&discover_in(h, "solo", &[]))[0].0, Tool::Pnpm);
    write(
        h,
        "plain/package.json",
        "{\"packageManager\": \"yarn@4.1.0\"}",
    );
    write(h, "plain/.npmrc", format!("registry={NPM_CA}\n"));
    assert_eq!(npm_rules(&discover_in(h, "plain", &[]))[0].0, Tool::Npm);
}

#[test]
fn yarn_merges_its_files_up_the_tree_and_knows_which_registries_have_their_own_auth() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        h,
        ".yarnrc.yml",
        "npmRegistryServer: https://registry.example/\n",
    );
    write(
        h,
        "mono/.yarnrc.yml",
        format!(
            "npmScopes:\n  corp:\n    npmRegistryServer: \"{NPM_CA}\"\n  ui:\n    npmRegistryServer: {NPM_CA2}\n    npmAuthToken: \"${{CODEARTIFACT_AUTH_TOKEN}}\"\n\
             npmRegistries:\n  \"//corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/web\":\n    npmAuthToken: stale\n"
        ),
    );
    write(
        h,
        "mono/app/.yarnrc.yml",
        format!("npmRegistryServer: {NPM_CA}\n"),
    );
    let found = discover_in(h, "mono/app", &[]);
    let yarn: Vec<_> = found
        .entries
        .iter()
        .filter(|e| e.tool == Tool::Yarn)
        .collect();
    let got: Vec<(Option<&str>, &str, Form, usize)> = yarn
        .iter()
        .map(|e| (e.name.as_deref(), e.url.as_str(), e.form, e.line))
        .collect();
    let web_registry = NPM_CA.trim_end_matches('/');
    assert_eq!(
        got,
        [
            (
                Some("@corp"),
                NPM_CA,
                Form::OwnAuth { placeholder: false },
                3
            ),
            (Some("@ui"), NPM_CA2, Form::OwnAuth { placeholder: true }, 5),
            (
                Some("//corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/web"),
                web_registry,
                Form::OwnAuth { placeholder: false },
                9
            ),
            (None, NPM_CA, Form::OwnAuth { placeholder: false }, 1),
        ]
    );
    // Yarn's default registry counts when no file names one.
    let other = tempfile::tempdir().unwrap();
    write(
        other.path(),
        "p/.yarnrc.yml",
        "npmScopes:\n  corp:\n    npmRegistryServer: x\n",
    );
    let found = discover_in(other.path(), "p", &[]);
    assert!(found
        .entries
        .iter()
        .any(|e| e.tool == Tool::Yarn && e.url == yarn::DEFAULT_REGISTRY));
}

#[test]
fn hostile_npm_and_yarn_files_are_one_problem_each() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        h,
        "app/package.json",
        format!("{}SECRET", "[".repeat(100_000)),
    );
    write(
        h,
        "app/.npmrc",
        format!("registry=SECRET{}\n", "x".repeat(2 * 1024 * 1024)),
    );
    write(h, "app/.yarnrc.yml", "npmRegistryServer: [SECRET\n");
    write(h, ".yarnrc.yml", "- ".repeat(10_000));
    let found = discover_in(h, "app", &[]);
    let shown = strings(&found.problems);
    let at = |rel: &str| h.join(rel).display().to_string();
    assert_eq!(
        shown,
        [
            format!("{}: larger than 1 MiB; not read", at("app/.npmrc")),
            format!("{}:1: not valid JSON", at("app/package.json")),
            format!("{}:1: nested too deeply", at(".yarnrc.yml")),
            format!("{}:2: not valid YAML", at("app/.yarnrc.yml")),
        ]
    );
    assert!(!format!("{found:?}").contains("SECRET"));
}
mod formats;

/// In an npm workspace the root's `.npmrc` is the one npm reads (checked with npm 11: `npm view`
/// in a member asks the root's registry); the member's own `package.json` still names its
/// publish target.
#[test]
fn an_npm_workspace_member_reads_the_roots_npmrc() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        h,
        "mono/package.json",
        "{\"name\": \"root\", \"workspaces\": [\"packages/*\", \"!packages/skip\"]}",
    );
    write(h, "mono/.npmrc", format!("registry={NPM_CA}\n"));
    write(
        h,
        "mono/packages/a/package.json",
        format!("{{\"name\": \"a\", \"publishConfig\": {{\"registry\": \"{NPM_CA2}\"}}}}"),
    );
    write(
        h,
        "mono/packages/a/.npmrc",
        "registry=https://ignored.example/\n",
    );
    fs::create_dir_all(h.join("mono/packages/a/src")).unwrap();
    let found = discover_in(h, "mono/packages/a/src", &[]);
    assert_eq!(
        npm_rules(&found),
        [
            (Tool::Npm, Origin::Project, None, NPM_CA.into(), Role::Index),
            (
                Tool::Npm,
                Origin::Project,
                None,
                NPM_CA2.into(),
                Role::Publish
            ),
        ]
    );
    // Not a member (excluded): its own .npmrc.
    write(h, "mono/packages/skip/package.json", "{}");
    write(
        h,
        "mono/packages/skip/.npmrc",
        format!("registry={NPM_CA2}\n"),
    );
    let found = discover_in(h, "mono/packages/skip", &[]);
    assert_eq!(
        npm_rules(&found),
        [(
            Tool::Npm,
            Origin::Project,
            None,
            NPM_CA2.into(),
            Role::Index
        )]
    );
}
