use super::*;
use std::fs;

fn repo(domain: &str, owner: &str, region: &str, repository: &str) -> Repository {
    Repository {
        provider: Default::default(),
        domain: domain.into(),
        owner: owner.into(),
        region: region.into(),
        repository: repository.into(),
    }
}

/// A config dir holding `files` (path relative to XDG_CONFIG_HOME → text), plus extra vars.
fn load(files: &[(&str, &str)], vars: &[(&str, &str)]) -> (Config, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let xdg = dir.path().to_str().unwrap().to_string();
    let mut pairs = vec![("XDG_CONFIG_HOME", xdg.as_str()), ("HOME", "/nonexistent")];
    pairs.extend_from_slice(vars);
    (Config::load(&Env::from_pairs(&pairs, None)), dir)
}

const CORP: (&str, &str, &str, &str) = ("corp", "111122223333", "us-west-2", "pypi-store");

fn corp() -> Repository {
    repo(CORP.0, CORP.1, CORP.2, CORP.3)
}

#[test]
fn durations() {
    for (text, want) in [
        ("0", Some(0)),
        ("90", Some(90)),
        ("2s", Some(2)),
        ("15m", Some(900)),
        ("12h", Some(43200)),
        ("1h30m", Some(5400)),
    ] {
        assert_eq!(parse_duration(text), want, "{text}");
    }
    for bad in ["", "h", "1d", "-1h", "1.5h", "12h ", "m5"] {
        assert_eq!(parse_duration(bad), None, "{bad:?}");
    }
}

#[test]
fn the_contract_keys_are_read() {
    let (c, _d) = load(
        &[(
            "ca-env/config.toml",
            r#"
[defaults]
profile = "dev"
duration = "1h"
refresh_before = "20m"
hook_deadline = "3s"
command_deadline = "30s"

[[profile]]
owner = "111122223333"
domain = "corp"
profile = "corp-dev"

[trust]
owners = ["111122223333"]
domains = ["other-444455556666"]

[[mapping]]
url = "https://pypi.corp.example/simple/"
domain = "corp"
owner = "111122223333"
region = "us-west-2"
repository = "pypi"
"#,
        )],
        &[],
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(
        c.defaults,
        Defaults {
            profile: Some("dev".into()),
            duration: 3600,
            refresh_before: 1200,
            hook_deadline: 3,
            command_deadline: 30,
        }
    );
    assert_eq!(
        c.profile_for(&corp(), None),
        (Some("corp-dev".into()), ProfileOrigin::Config)
    );
    let elsewhere = repo("other", "444455556666", "us-east-1", "r1");
    assert_eq!(
        c.profile_for(&elsewhere, None),
        (Some("dev".into()), ProfileOrigin::Default)
    );
    assert!(c.trusts(&corp().domain_owner()));
    assert!(c.trusts(&elsewhere.domain_owner()));
    assert!(!c.trusts(&repo("corp", "999999999999", "us-west-2", "r1").domain_owner()));
    assert_eq!(c.mappings.len(), 1);
    assert_eq!(c.mappings[0].repository.repository, "pypi");
}

#[test]
fn the_most_specific_profile_wins_and_one_matching_nothing_never_does() {
    let (c, _d) = load(
        &[(
            "ca-env/config.toml",
            r#"
[[profile]]
region = "us-west-2"
profile = "by-region"

[[profile]]
domain = "corp"
owner = "111122223333"
repository = "pypi-store"
profile = "by-three"

[[profile]]
domain = "corp"
owner = "111122223333"
profile = "by-two"

[[profile]]
domain = "nomatch"
owner = "111122223333"
region = "us-west-2"
repository = "pypi-store"
profile = "never"
"#,
        )],
        &[],
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(c.profile_for(&corp(), None).0.as_deref(), Some("by-three"));
    assert_eq!(
        c.profile_for(&repo("corp", "111122223333", "us-west-2", "other"), None)
            .0
            .as_deref(),
        Some("by-two")
    );
    assert_eq!(
        c.profile_for(&repo("x", "222233334444", "us-west-2", "r1"), None)
            .0
            .as_deref(),
        Some("by-region")
    );
    // Nothing matches: the project's naming, else the AWS default chain; never "never".
    let none = repo("x", "222233334444", "eu-west-1", "r1");
    assert_eq!(
        c.profile_for(&none, Some("named")),
        (Some("named".into()), ProfileOrigin::Project)
    );
    assert_eq!(
        c.profile_for(&none, None),
        (None, ProfileOrigin::AwsDefault)
    );
}

#[test]
fn bad_values_become_problems_naming_the_line() {
    let (c, _d) = load(
        &[(
            "ca-env/config.toml",
            "[defaults]\nduration = \"13h\"\nhook_deadline = \"soon\"\n\n[trust]\nowners = [\"1234\"]\n\n[[mapping]]\nurl = \"http://pypi.corp.example/\"\ndomain = \"corp\"\nowner = \"111122223333\"\nregion = \"us-west-2\"\nrepository = \"pypi\"\n\n[[profile]]\nprofile = \"catch-all\"\n",
        )],
        &[],
    );
    let text = strings(&c.problems).join("\n");
    assert!(text.contains("config.toml:2: duration"), "{text}");
    assert!(text.contains("config.toml:3: hook_deadline"), "{text}");
    assert!(text.contains("config.toml:6: [trust] owners"), "{text}");
    assert!(
        text.contains(
            "config.toml:8: [[mapping]] a mapping may use http only on a loopback address"
        ),
        "{text}"
    );
    assert!(text.contains("[[profile]] names none of"), "{text}");
    assert_eq!(c.defaults.duration, 43200, "the default stands in");
    assert!(c.mappings.is_empty());
    assert!(c.profiles.is_empty());
}

#[test]
fn broken_toml_is_one_problem_with_its_line() {
    let (c, _d) = load(&[("ca-env/config.toml", "[defaults]\nprofile = \n")], &[]);
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
    assert!(
        c.problems[0].to_string().contains("config.toml:2:"),
        "{:?}",
        c.problems
    );
}

#[test]
fn ca_env_config_overrides_the_location() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("elsewhere.toml");
    fs::write(&file, "[defaults]\nprofile = \"from-env\"\n").unwrap();
    let env = Env::from_pairs(
        &[
            ("CA_ENV_CONFIG", file.to_str().unwrap()),
            ("HOME", "/nonexistent"),
        ],
        None,
    );
    let c = Config::load(&env);
    assert_eq!(c.defaults.profile.as_deref(), Some("from-env"));
    assert_eq!(c.file.as_deref(), Some(file.as_path()));
}

/// keyrings.codeartifact's README example, as its users have it.
const KEYRINGRC_README: &str = "\
[codeartifact]
# Tokens should only be valid for 30 minutes.
token_duration=1800

# Use the 'default' profile name.
profile_name=default

# Use the following access keys.
aws_access_key_id=xxxxxxxxx
aws_secret_access_key=xxxxxxxxx
";

#[test]
fn keyringrc_single_section_from_its_readme() {
    let (c, _d) = load(&[("python_keyring/keyringrc.cfg", KEYRINGRC_README)], &[]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(
        c.profile_for(&corp(), None),
        (Some("default".into()), ProfileOrigin::Keyringrc)
    );
    assert_eq!(c.duration_for(&corp()), 1800);
}

#[test]
fn keyringrc_qualified_sections_pick_the_most_specific() {
    let text = "\
[codeartifact]
profile_name=fallback

[codeartifact domain=corp account=111122223333]
profile_name=corp-dev
token_duration=3600

[codeartifact domain=corp account=111122223333 region=us-west-2 name=\"pypi-store\"]
profile_name=store-only

[codeartifact domain=other]
profile_name=other ; an inline comment
";
    let (c, _d) = load(&[("python_keyring/keyringrc.cfg", text)], &[]);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(
        c.profile_for(&corp(), None).0.as_deref(),
        Some("store-only")
    );
    assert_eq!(
        c.profile_for(&repo("corp", "111122223333", "us-west-2", "r2"), None)
            .0
            .as_deref(),
        Some("corp-dev")
    );
    assert_eq!(
        c.duration_for(&repo("corp", "111122223333", "us-west-2", "r2")),
        3600
    );
    assert_eq!(
        c.profile_for(&repo("other", "111122223333", "us-west-2", "r2"), None)
            .0
            .as_deref(),
        Some("other")
    );
    assert_eq!(
        c.profile_for(&repo("third", "111122223333", "us-west-2", "r2"), None)
            .0
            .as_deref(),
        Some("fallback")
    );
}

#[test]
fn keyringrc_is_not_read_once_ca_env_has_a_configuration() {
    let (c, _d) = load(
        &[
            ("python_keyring/keyringrc.cfg", KEYRINGRC_README),
            ("ca-env/config.toml", "[defaults]\nduration = \"2h\"\n"),
        ],
        &[("POETRY_CA_DEFAULT_AWS_PROFILE", "plugin")],
    );
    assert_eq!(
        c.profile_for(&corp(), None),
        (None, ProfileOrigin::AwsDefault)
    );
    assert_eq!(c.duration_for(&corp()), 7200);
}

#[test]
fn poetry_plugin_variable_names_the_default_profile() {
    // poetry-codeartifact-auth: `export POETRY_CA_DEFAULT_AWS_PROFILE=...` in ~/.bashrc.
    let (c, _d) = load(&[], &[("POETRY_CA_DEFAULT_AWS_PROFILE", "my-sso-profile")]);
    assert_eq!(
        c.profile_for(&corp(), None),
        (
            Some("my-sso-profile".into()),
            ProfileOrigin::PoetryPluginEnv
        )
    );
    // The project's own naming (poetry-codeartifact-login-plugin) comes first.
    assert_eq!(
        c.profile_for(&corp(), Some("developer-profile"))
            .0
            .as_deref(),
        Some("developer-profile")
    );
}

#[test]
fn an_unreadable_configuration_is_a_problem_not_a_silent_default() {
    let (c, d) = load(&[], &[]);
    drop(c);
    let file = d.path().join("ca-env/config.toml");
    fs::create_dir_all(&file).unwrap(); // a directory where the file should be
    let env = Env::from_pairs(&[("XDG_CONFIG_HOME", d.path().to_str().unwrap())], None);
    let c = Config::load(&env);
    assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
}

fn strings(problems: &[crate::problem::Problem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}
