//! Cargo's and Bundler's readers: each client's own order of files, and hostile input.

use super::*;

const CARGO_CA: &str =
    "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/cargo/cargo-store/";
const CARGO_CA2: &str =
    "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/cargo/other/";

/// The Cargo entries as (origin, name, url, role, file, line).
fn cargo(found: &Found) -> Vec<(Origin, String, String, Role, String, usize)> {
    found
        .entries
        .iter()
        .filter(|e| e.tool == Tool::Cargo)
        .map(|e| {
            (
                e.origin,
                e.name.clone().unwrap_or_default(),
                e.url.clone(),
                e.role,
                e.file.display().to_string(),
                e.line,
            )
        })
        .collect()
}

#[test]
fn cargo_reads_config_up_the_tree_closest_first_then_cargo_home() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let at = |rel: &str| h.join(rel).display().to_string();
    write(
        h,
        ".cargo/config.toml",
        format!(
            "[registry]\ndefault = \"corp\"\n\n[registries.corp]\nindex = \"sparse+{CARGO_CA2}\"\n\n\
             [registries.user-only]\nindex = \"sparse+{CARGO_CA2}\"\n"
        ),
    );
    write(
        h,
        "ws/.cargo/config.toml",
        format!(
            "[registries.corp]\nindex = \"sparse+{CARGO_CA}\"\n\n\
             [registries.git-index]\nindex = \"{CARGO_CA}\"\n"
        ),
    );
    // Both in one directory: Cargo takes the file without extension.
    write(
        h,
        "ws/app/.cargo/config",
        format!("[registries.app]\nindex = \"sparse+{CARGO_CA}\"\n"),
    );
    write(
        h,
        "ws/app/.cargo/config.toml",
        format!("[registries.ignored]\nindex = \"sparse+{CARGO_CA}\"\n"),
    );
    fs::create_dir_all(h.join("ws/app/src")).unwrap();
    let found = discover_in(h, "ws/app/src", &[]);
    assert_eq!(found.problems, []);
    let (p, u) = (Origin::Project, Origin::UserConfig);
    assert_eq!(
        cargo(&found),
        [
            (
                p,
                "app".into(),
                CARGO_CA.into(),
                Role::Index,
                at("ws/app/.cargo/config"),
                2
            ),
            (
                p,
                "corp".into(),
                CARGO_CA.into(),
                Role::Index,
                at("ws/.cargo/config.toml"),
                2
            ),
            (
                p,
                "git-index".into(),
                CARGO_CA.into(),
                Role::Index,
                at("ws/.cargo/config.toml"),
                5
            ),
            (
                u,
                "user-only".into(),
                CARGO_CA2.into(),
                Role::Index,
                at(".cargo/config.toml"),
                8
            ),
            (
                p,
                "corp".into(),
                CARGO_CA.into(),
                Role::Publish,
                at("ws/.cargo/config.toml"),
                2
            ),
        ]
    );
    let forms: Vec<_> = found.entries.iter().map(|e| e.form).collect();
    assert!(matches!(forms[2], Form::Unusable(why) if why.contains("sparse")));
    assert!(forms
        .iter()
        .enumerate()
        .all(|(i, f)| i == 2 || *f == Form::ToolConfig));
    // The home's own `.cargo` is read once, as the user's, from anywhere.
    let found = discover_in(h, "ws", &[]);
    assert_eq!(
        cargo(&found).iter().filter(|e| e.1 == "user-only").count(),
        1
    );
}

#[test]
fn cargo_variables_win_over_files_and_cargo_home_moves() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        h,
        "app/.cargo/config.toml",
        format!(
            "[registries.corp-repo]\nindex = \"sparse+{CARGO_CA}\"\n\n\
             [registries.kept]\nindex = \"sparse+{CARGO_CA}\"\n"
        ),
    );
    write(
        h,
        "cargo-home/config.toml",
        format!("[registries.from-home]\nindex = \"sparse+{CARGO_CA2}\"\n"),
    );
    write(
        h,
        ".cargo/config.toml",
        format!("[registries.in-home]\nindex = \"sparse+{CARGO_CA2}\"\n"),
    );
    let cargo_home = h.join("cargo-home").display().to_string();
    let index = format!("sparse+{CARGO_CA2}");
    let found = discover_in(
        h,
        "app",
        &[
            ("CARGO_HOME", &cargo_home),
            ("CARGO_REGISTRIES_CORP_REPO_INDEX", &index),
            ("CARGO_REGISTRY_DEFAULT", "kept"),
        ],
    );
    let got: Vec<_> = cargo(&found)
        .into_iter()
        .map(|(o, n, u, r, f, _)| (o, n, u, r, f))
        .collect();
    let file = h.join("app/.cargo/config.toml").display().to_string();
    let (p, e, u) = (Origin::Project, Origin::Environment, Origin::UserConfig);
    assert_eq!(
        got,
        [
            (
                e,
                "corp_repo".into(),
                CARGO_CA2.into(),
                Role::Index,
                "env:CARGO_REGISTRIES_CORP_REPO_INDEX".into()
            ),
            (p, "kept".into(), CARGO_CA.into(), Role::Index, file.clone()),
            (
                u,
                "in-home".into(),
                CARGO_CA2.into(),
                Role::Index,
                h.join(".cargo/config.toml").display().to_string()
            ),
            (
                u,
                "from-home".into(),
                CARGO_CA2.into(),
                Role::Index,
                format!("{cargo_home}/config.toml")
            ),
            (p, "kept".into(), CARGO_CA.into(), Role::Publish, file),
        ]
    );
}

#[test]
fn cargo_source_replacement_needs_a_registry_name() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        h,
        "app/.cargo/config.toml",
        format!(
            "[source.crates-io]\nreplace-with = \"corp-mirror\"\n\n\
             [source.corp-mirror]\nregistry = \"sparse+{CARGO_CA}\"\n\n\
             [source.unused]\nregistry = \"sparse+{CARGO_CA2}\"\n"
        ),
    );
    let found = discover_in(h, "app", &[]);
    let got = cargo(&found);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].1.as_str(), got[0].2.as_str(), got[0].5),
        ("corp-mirror", CARGO_CA, 5)
    );
    assert!(matches!(found.entries[0].form, Form::Unusable(why) if why.contains("[registries")));
    // The same index under [registries]: Cargo finds the name by the URL, and the registry's
    // token serves the replacement.
    write(
        h,
        "app/.cargo/config.toml",
        format!(
            "[source.crates-io]\nreplace-with = \"corp\"\n\n\
             [source.corp-mirror]\nregistry = \"sparse+{CARGO_CA}\"\n\n\
             [registries.corp]\nindex = \"sparse+{CARGO_CA}\"\n"
        ),
    );
    let found = discover_in(h, "app", &[]);
    let got = cargo(&found);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "corp");
    assert_eq!(found.entries[0].form, Form::ToolConfig);
}

#[test]
fn hostile_cargo_config_is_one_problem_each_never_quoted() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let cases: &[(&str, &str)] = &[
        ("[registries.corp]\nindex = \"SECRET-CONTENT\n", "2: not valid TOML"),
        ("registries = \"SECRET-CONTENT\"\n", "1: registries is not a table"),
        ("[registries]\ncorp = \"SECRET-CONTENT\"\n", "2: registries.'corp' is not a table"),
        ("[registries.corp]\nindex = [\"SECRET-CONTENT\"]\n", "2: the index of registry 'corp' is not a string"),
        ("[registry]\ndefault = 7\n", "2: registry.default is not a string"),
        ("registry = 7\n", "1: registry is not a table"),
        ("[source.x]\nreplace-with = {}\n", "2: replace-with of source 'x' is not a string"),
        ("[source.x]\nregistry = 1\n", "2: the registry of source 'x' is not a string"),
        ("[registries.\"\\u001b[31m\"]\nindex = true\n", "2: the index of registry (a name with unprintable or unusual characters) is not a string"),
        (&"[a]\n".repeat(3), "2: not valid TOML"),
    ];
    for (text, want) in cases {
        write(h, "app/.cargo/config.toml", text);
        let found = discover_in(h, "app", &[]);
        let shown: Vec<String> = found.problems.iter().map(|p| p.to_string()).collect();
        let file = h.join("app/.cargo/config.toml").display().to_string();
        assert_eq!(shown, [format!("{file}:{want}")], "{text}");
        assert!(!format!("{found:?}").contains("SECRET"));
    }
    let deep = format!("x = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
    write(h, "app/.cargo/config.toml", &deep);
    assert_eq!(discover_in(h, "app", &[]).problems.len(), 1);
    write(h, "app/.cargo/config.toml", "#".repeat(2 * 1024 * 1024));
    let shown: Vec<String> = discover_in(h, "app", &[])
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(shown.len(), 1);
    assert!(
        shown[0].ends_with("larger than 1 MiB; not read"),
        "{shown:?}"
    );
}

const RUBY_CA: &str =
    "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/ruby/gems-store/";

fn bundler(found: &Found) -> Vec<(String, Role, String, usize)> {
    found
        .entries
        .iter()
        .filter(|e| e.tool == Tool::Bundler)
        .map(|e| (e.url.clone(), e.role, e.file.display().to_string(), e.line))
        .collect()
}

#[test]
fn bundler_reads_the_gemfile_it_would_use_as_text() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let gemfile = format!(
        "# frozen_string_literal: true\n\
         source \"https://rubygems.org\"\n\
         source('{RUBY_CA}') do\n  gem \"corp-lib\"\nend\n\
         =begin\nsource \"{RUBY_CA}commented\"\n=end\n\
         # source \"{RUBY_CA}also-commented\"\n\
         source \"https://#{{ENV['HOST']}}/ruby/r/\"\n\
         source ENV.fetch(\"GEMS\")\n\
         gem \"other\", source: \"{RUBY_CA}\"\n\
         gem \"plain\", \"~> 1.0\"\n"
    );
    write(h, "app/Gemfile", &gemfile);
    fs::create_dir_all(h.join("app/lib/deep")).unwrap();
    let found = discover_in(h, "app/lib/deep", &[]);
    let file = h.join("app/Gemfile").display().to_string();
    assert_eq!(
        bundler(&found),
        [
            ("https://rubygems.org".into(), Role::Index, file.clone(), 2),
            (RUBY_CA.into(), Role::Extra, file.clone(), 3),
            (RUBY_CA.into(), Role::Extra, file.clone(), 12),
        ]
    );
    let shown: Vec<String> = found.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        shown,
        [
            format!("{file}:10: a gem source built with interpolation is not read (ca-env reads only plain strings)"),
            format!("{file}:11: a gem source that is not a plain string is not read"),
        ]
    );
    assert!(found.entries.iter().all(|e| e.origin == Origin::Project));

    // gems.rb comes first in a directory; BUNDLE_GEMFILE names another file.
    write(h, "app/gems.rb", format!("source \"{RUBY_CA}\"\n"));
    let found = discover_in(h, "app", &[]);
    let file = h.join("app/gems.rb").display().to_string();
    assert_eq!(bundler(&found), [(RUBY_CA.into(), Role::Index, file, 1)]);
    let named = write_path(
        h,
        "elsewhere/Gemfile.ci",
        "source 'https://gems.example/'\n",
    );
    let found = discover_in(h, "app", &[("BUNDLE_GEMFILE", &named)]);
    assert_eq!(
        bundler(&found),
        [("https://gems.example/".into(), Role::Index, named, 1)]
    );
}

#[test]
fn hostile_gemfiles_are_one_problem_each() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let file = h.join("app/Gemfile").display().to_string();
    let shown = |h: &Path| -> Vec<String> {
        let found = discover_in(h, "app", &[]);
        assert!(bundler(&found).is_empty());
        assert!(!format!("{found:?}").contains("SECRET"));
        found.problems.iter().map(|p| p.to_string()).collect()
    };
    write(
        h,
        "app/Gemfile",
        format!("source \"{}\n", "x".repeat(2 * 1024 * 1024)),
    );
    assert_eq!(shown(h), [format!("{file}: larger than 1 MiB; not read")]);
    fs::write(h.join("app/Gemfile"), b"source 'SECRET\xff'\n").unwrap();
    assert_eq!(shown(h).len(), 1);
    write(
        h,
        "app/Gemfile",
        "source \"SECRET-unfinished\n=begin\nsource \"x\"\n",
    );
    assert_eq!(
        shown(h),
        [format!(
            "{file}:1: a gem source that is not a plain string is not read"
        )]
    );
    // Many sources: read, and left to the cap on sources.
    let many: String = (0..20_000)
        .map(|i| format!("source \"https://h{i}.example/\"\n"))
        .collect();
    write(h, "app/Gemfile", &many);
    let found = discover_in(h, "app", &[]);
    assert_eq!(bundler(&found).len(), 20_000);
    assert!(found.problems.is_empty());
}

#[test]
fn bundler_settings_mirrors_and_credentials_that_come_first() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(
        h,
        "app/Gemfile",
        format!("source \"https://rubygems.org\"\nsource \"{RUBY_CA}\" do\n  gem \"x\"\nend\n"),
    );
    let ca_key = "CORP___111122223333__D__CODEARTIFACT__US___WEST___2__AMAZONAWS__COM";
    // What `bundle config set --local` writes.
    write(
        h,
        "app/.bundle/config",
        format!(
            "---\nBUNDLE_PATH: \"vendor/bundle\"\n\
             BUNDLE_MIRROR__HTTPS://RUBYGEMS__ORG/: \"{CARGO_CA2}\"\n\
             BUNDLE_MIRROR__HTTPS://RUBYGEMS__ORG/__FALLBACK_TIMEOUT: \"1\"\n\
             BUNDLE_MIRROR__HTTPS://OTHER__EXAMPLE/: \"{CA}\"\n\
             BUNDLE_{ca_key}: \"aws:SECRET-TOKEN\"\n\
             BUNDLE_MIRROR__RUBYGEMS__ORG: '{CARGO_CA}'\n"
        ),
    );
    // What `bundle config set --global URL aws:TOKEN` writes; a host key there loses to the
    // environment.
    let ruby_key = RUBY_CA
        .replace('.', "__")
        .replace('-', "___")
        .to_uppercase();
    write(
        h,
        ".bundle/config",
        format!("---\nBUNDLE_{ruby_key}: \"aws:SECRET-TOKEN\"\nBUNDLE_{ca_key}: \"aws:SECRET\"\n"),
    );
    let found = discover_in(h, "app", &[]);
    assert!(!format!("{found:?}").contains("SECRET"));
    let got: Vec<_> = found
        .entries
        .iter()
        .filter(|e| e.tool == Tool::Bundler)
        .map(|e| (e.url.as_str(), e.form, e.origin, e.line))
        .collect();
    let shadowed = |e: &(&str, Form, Origin, usize)| matches!(e.1, Form::Unusable(_));
    assert_eq!(got.len(), 6, "{got:?}");
    assert_eq!(got[2], (CARGO_CA2, Form::ToolConfig, Origin::Project, 3));
    assert!(
        shadowed(&got[3]) && got[3].0 == RUBY_CA && got[3].3 == 6,
        "{got:?}"
    );
    assert_eq!(got[4], (CARGO_CA, Form::ToolConfig, Origin::Project, 7));
    assert!(shadowed(&got[5]) && got[5].2 == Origin::UserConfig && got[5].3 == 2);
    // BUNDLE_USER_HOME moves the user's file; nothing there.
    let elsewhere = h.join("bundle-home").display().to_string();
    let found = discover_in(h, "app", &[("BUNDLE_USER_HOME", &elsewhere)]);
    assert_eq!(bundler(&found).len(), 5);
}
