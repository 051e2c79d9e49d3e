//! Swift: the package registries SwiftPM uses, from `registries.json` (`"registries"`: the
//! `[default]` registry and one per scope, each with its `url`), in the root package's
//! `.swiftpm/configuration/` (the nearest directory from the working directory up that holds
//! `Package.swift`) and in the user's `~/.swiftpm/configuration/`
//! (swift-package-manager `Workspace+Configuration.swift`, `RegistryConfiguration.swift`).
//!
//! SwiftPM 6.4 reads per-host credentials from `SWIFTPM_NETRC_DATA`, netrc text in a variable
//! (`AuthorizationProvider.swift`: the last entry for a host wins); older SwiftPM reads only
//! `~/.netrc` or `--netrc-file`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{quoted_name, Collector, Entry, Form, Found, Origin, Role, Tool};
use crate::env::Env;

const CONFIGURATION: &str = ".swiftpm/configuration";
const FILE: &str = "registries.json";

pub fn discover(env: &Env, cwd: &Path, found: &mut Found) {
    let home = env.home();
    let manifest = |dir: &Path| dir.join("Package.swift").is_file();
    if let Some(root) = super::nearest(cwd, home.as_deref(), manifest) {
        found.read_in(&root.join(CONFIGURATION), Origin::Project, |c| {
            read(c, Path::new(FILE))
        });
    }
    if let Some(home) = home {
        let user: PathBuf = home.join(CONFIGURATION).join(FILE);
        found.read_file(&user, Origin::UserConfig, read);
    }
}

fn read(c: &mut Collector, rel: &Path) {
    let Some(text) = c.read(rel) else {
        return;
    };
    // serde_json refuses nesting deeper than 128 levels.
    let doc: Value = match serde_json::from_str(&text) {
        Ok(doc) => doc,
        Err(e) => return c.problem(rel, Some(e.line()), "not valid JSON"),
    };
    let Some(registries) = doc.get("registries") else {
        return;
    };
    let Value::Object(registries) = registries else {
        return c.problem(rel, None, "registries is not an object");
    };
    for (scope, registry) in registries {
        let name = (scope != "[default]").then_some(scope.as_str());
        let Some(Value::String(url)) = registry.get("url") else {
            let what = name.map_or("the default registry".into(), |n| {
                format!("the registry of scope {}", quoted_name(n))
            });
            c.problem(rel, None, format!("{what} has no url string"));
            continue;
        };
        let line = line_of(&text, url);
        c.add(Entry::new(
            Tool::Swift,
            Form::ToolConfig,
            Role::Index,
            name,
            url,
            rel,
            line,
        ));
    }
}

/// The line of the first place `url` is written as a JSON string (0 when it is written with
/// escapes, which no registry URL needs).
fn line_of(text: &str, url: &str) -> usize {
    text.find(&format!("\"{url}\""))
        .map_or(0, |at| crate::text::line_of(text.as_bytes(), at))
}

#[cfg(test)]
mod tests {
    use super::super::{discover, Origin, Role, Tool};
    use crate::env::Env;
    use crate::project::tests::write;
    use std::fs;
    use std::path::Path;

    const CA: &str =
        "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/swift/swift-store/";

    fn found_in(home: &Path, cwd: &str) -> super::Found {
        let h = home.display().to_string();
        let config = home.join("config").display().to_string();
        let env = Env::from_pairs(
            &[("HOME", h.as_str()), ("XDG_CONFIG_HOME", config.as_str())],
            Some(home.join(cwd)),
        );
        discover(&env)
    }

    #[test]
    fn the_root_packages_registries_then_the_users() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        write(h, "app/Package.swift", "// swift-tools-version:5.9\n");
        write(
            h,
            "app/.swiftpm/configuration/registries.json",
            format!(
                "{{\n  \"registries\": {{\n    \"[default]\": {{ \"url\": \"{CA}\" }},\n    \
                 \"corp\": {{\n      \"url\": \"https://registry.example.com/\"\n    }}\n  }},\n  \
                 \"version\": 1\n}}\n"
            ),
        );
        write(
            h,
            ".swiftpm/configuration/registries.json",
            format!("{{\"registries\": {{\"tools\": {{\"url\": \"{CA}\"}}}}, \"version\": 1}}"),
        );
        fs::create_dir_all(h.join("app/Sources/App")).unwrap();
        let found = found_in(h, "app/Sources/App");
        let got: Vec<_> = found
            .entries
            .iter()
            .filter(|e| e.tool == Tool::Swift)
            .map(|e| {
                let file = e.file.strip_prefix(h).unwrap().display().to_string();
                (
                    e.origin,
                    e.name.clone(),
                    e.url.clone(),
                    e.role,
                    file,
                    e.line,
                )
            })
            .collect();
        let project = "app/.swiftpm/configuration/registries.json".to_string();
        let user = ".swiftpm/configuration/registries.json".to_string();
        assert_eq!(
            got,
            [
                (
                    Origin::Project,
                    None,
                    CA.into(),
                    Role::Index,
                    project.clone(),
                    3
                ),
                (
                    Origin::Project,
                    Some("corp".into()),
                    "https://registry.example.com/".into(),
                    Role::Index,
                    project,
                    5
                ),
                (
                    Origin::UserConfig,
                    Some("tools".into()),
                    CA.into(),
                    Role::Index,
                    user,
                    1
                ),
            ]
        );
        assert!(found.problems.is_empty(), "{:?}", found.problems);
        // Outside the package only the user's file is read.
        fs::create_dir_all(h.join("elsewhere")).unwrap();
        let found = found_in(h, "elsewhere");
        assert_eq!(found.entries.len(), 1);
        assert_eq!(found.entries[0].origin, Origin::UserConfig);
    }

    #[test]
    fn bad_json_and_odd_shapes_are_one_problem_each() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        write(h, "a/Package.swift", "");
        write(
            h,
            "a/.swiftpm/configuration/registries.json",
            "{\n\"registries\": {\"[default]\": \"SECRET\"\n",
        );
        let deep = "[".repeat(10_000);
        write(h, "b/Package.swift", "");
        write(h, "b/.swiftpm/configuration/registries.json", &deep);
        write(h, "c/Package.swift", "");
        write(
            h,
            "c/.swiftpm/configuration/registries.json",
            "{\"registries\": {\"[default]\": {\"url\": 7}, \"s\": {}}}",
        );
        let mut shown = Vec::new();
        for dir in ["a", "b", "c"] {
            let found = found_in(h, dir);
            assert!(found.entries.is_empty());
            shown.extend(found.problems.iter().map(|p| {
                p.to_string()
                    .replace(&h.display().to_string(), "~")
                    .replace("/.swiftpm/configuration/registries.json", "")
            }));
        }
        assert_eq!(
            shown,
            [
                "~/a:3: not valid JSON",
                "~/b:1: not valid JSON",
                "~/c: the default registry has no url string",
                "~/c: the registry of scope 's' has no url string",
            ]
        );
        assert!(!shown.concat().contains("SECRET"));
    }
}
