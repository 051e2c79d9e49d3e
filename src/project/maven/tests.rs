use super::*;
use crate::project::tests::write;
use std::fs;

const CA: &str = "https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/maven/private/";

/// Maven's discovery with `home` as the home directory, from `cwd` (relative to it).
fn find(home: &Path, cwd: &str) -> Found {
    let h = home.display().to_string();
    let env = Env::from_pairs(&[("HOME", h.as_str())], Some(home.join(cwd)));
    let mut found = Found::default();
    fs::create_dir_all(home.join(cwd)).unwrap();
    discover(&env, &home.join(cwd), &mut found);
    found
}

fn summary(found: &Found, home: &Path) -> Vec<(String, String, Role, String, usize)> {
    found
        .entries
        .iter()
        .map(|e| {
            assert_eq!(e.tool, Tool::Maven);
            let file = e.file.strip_prefix(home).unwrap_or(&e.file);
            (
                e.name.clone().unwrap_or_default(),
                e.url.clone(),
                e.role,
                file.display().to_string(),
                e.line,
            )
        })
        .collect()
}

fn problems(found: &Found, home: &Path) -> Vec<String> {
    let prefix = format!("{}/", home.display());
    found
        .problems
        .iter()
        .map(|p| p.to_string().replace(&prefix, ""))
        .collect()
}

const PARENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <groupId>com.corp</groupId>
  <artifactId>parent</artifactId>
  <repositories>
    <repository>
      <id>corp</id>
      <url>https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/maven/private/</url>
    </repository>
    <repository><id>central</id><url>https://repo.maven.apache.org/maven2</url></repository>
    <repository><id>prop</id><url>${corp.url}</url></repository>
  </repositories>
  <pluginRepositories>
    <pluginRepository><id>plugins</id><url>https://p.example/</url></pluginRepository>
  </pluginRepositories>
  <distributionManagement>
    <repository><id>rel</id><url>https://r.example/</url></repository>
    <snapshotRepository><id>snap</id><url>https://s.example/</url></snapshotRepository>
  </distributionManagement>
  <profiles>
    <profile>
      <id>ci</id>
      <repositories><repository><id>ci-repo</id><url>https://ci.example/</url></repository></repositories>
    </profile>
  </profiles>
</project>
"#;

const MODULE: &str = r#"<project>
  <parent><groupId>com.corp</groupId><artifactId>parent</artifactId><version>1</version></parent>
  <artifactId>module</artifactId>
  <repositories><repository><id>mod</id><url>https://m.example/</url></repository></repositories>
</project>
"#;

#[test]
fn the_nearest_pom_and_its_parents() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(h, "proj/pom.xml", PARENT.as_bytes());
    write(h, "proj/module/pom.xml", MODULE.as_bytes());
    let found = find(h, "proj/module/src/main");
    assert_eq!(
        summary(&found, h),
        vec![
            (
                "mod".into(),
                "https://m.example/".into(),
                Role::Index,
                "proj/module/pom.xml".into(),
                4
            ),
            (
                "corp".into(),
                CA.into(),
                Role::Index,
                "proj/pom.xml".into(),
                8
            ),
            (
                "central".into(),
                "https://repo.maven.apache.org/maven2".into(),
                Role::Index,
                "proj/pom.xml".into(),
                10
            ),
            (
                "plugins".into(),
                "https://p.example/".into(),
                Role::Index,
                "proj/pom.xml".into(),
                14
            ),
            (
                "rel".into(),
                "https://r.example/".into(),
                Role::Publish,
                "proj/pom.xml".into(),
                17
            ),
            (
                "snap".into(),
                "https://s.example/".into(),
                Role::Publish,
                "proj/pom.xml".into(),
                18
            ),
            (
                "ci-repo".into(),
                "https://ci.example/".into(),
                Role::Index,
                "proj/pom.xml".into(),
                23
            ),
        ]
    );
    assert!(found.entries.iter().all(|e| e.origin == Origin::Project));
    assert_eq!(problems(&found, h), Vec::<String>::new());
    assert!(found.files.contains(&h.join("proj/pom.xml")));
}

#[test]
fn a_parent_maven_would_not_take_is_not_read() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // Another artifact at ../pom.xml: Maven would look in the repositories instead.
    write(
        h,
        "a/pom.xml",
        PARENT.replace(">parent<", ">other<").as_bytes(),
    );
    write(h, "a/module/pom.xml", MODULE.as_bytes());
    assert_eq!(find(h, "a/module").entries.len(), 1);
    // An empty relativePath: no local parent.
    write(h, "b/pom.xml", PARENT.as_bytes());
    let module = MODULE.replace(
        "<version>1</version>",
        "<version>1</version><relativePath/>",
    );
    write(h, "b/module/pom.xml", module.as_bytes());
    assert_eq!(find(h, "b/module").entries.len(), 1);
    // A parent outside the project (`.mvn/` marks its top) is not read.
    write(h, "c/pom.xml", PARENT.as_bytes());
    write(h, "c/module/.mvn/maven.config", b"");
    write(h, "c/module/pom.xml", MODULE.as_bytes());
    assert_eq!(find(h, "c/module").entries.len(), 1);
    // A sibling parent named by relativePath, inside the project.
    write(h, "d/.mvn/maven.config", b"");
    write(h, "d/parent/pom.xml", PARENT.as_bytes());
    let module = MODULE.replace(
        "<version>1</version>",
        "<version>1</version><relativePath>../parent</relativePath>",
    );
    write(h, "d/module/pom.xml", module.as_bytes());
    assert_eq!(find(h, "d/module").entries.len(), 7);
    // A loop of parents ends.
    let looped = MODULE
        .replace(
            "<artifactId>module</artifactId>",
            "<artifactId>parent</artifactId>",
        )
        .replace(
            "<version>1</version>",
            "<version>1</version><relativePath>pom.xml</relativePath>",
        );
    write(h, "e/pom.xml", looped.as_bytes());
    assert_eq!(find(h, "e").entries.len(), 1);
}

#[test]
fn the_users_settings() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let settings = format!(
        r#"<settings>
  <servers>
    <server><id>corp</id><username>aws</username><password>${{env.CODEARTIFACT_AUTH_TOKEN}}</password></server>
  </servers>
  <mirrors>
    <mirror><id>corp-mirror</id><mirrorOf>*</mirrorOf><url>{CA}</url></mirror>
  </mirrors>
  <profiles>
    <profile><id>p</id>
      <repositories><repository><id>corp</id><url>{CA}</url></repository></repositories>
      <pluginRepositories><pluginRepository><id>pl</id><url>https://pl.example/</url></pluginRepository></pluginRepositories>
    </profile>
  </profiles>
</settings>
"#
    );
    write(h, ".m2/settings.xml", settings.as_bytes());
    let found = find(h, "");
    assert_eq!(
        summary(&found, h),
        vec![
            (
                "corp-mirror".into(),
                CA.into(),
                Role::Index,
                ".m2/settings.xml".into(),
                6
            ),
            (
                "corp".into(),
                CA.into(),
                Role::Index,
                ".m2/settings.xml".into(),
                10
            ),
            (
                "pl".into(),
                "https://pl.example/".into(),
                Role::Index,
                ".m2/settings.xml".into(),
                11
            ),
        ]
    );
    assert!(found.entries.iter().all(|e| e.origin == Origin::UserConfig));
    assert_eq!(found.maven_servers.ids, ["corp"]);
    assert_eq!(
        found.maven_servers.settings,
        Some(h.join(".m2/settings.xml"))
    );
}

/// Each hostile file is one problem naming it (and the line when known), quoting nothing.
#[test]
fn hostile_files_are_one_problem_each() {
    let laughs = {
        let mut s = String::from(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE project [\n <!ENTITY a \"SECRET-a\">\n",
        );
        for i in 1..10 {
            let prev = (b'a' + i - 1) as char;
            let this = (b'a' + i) as char;
            s += &format!(" <!ENTITY {this} \"{}\">\n", format!("&{prev};").repeat(10));
        }
        s + "]>\n<project><repositories><repository><id>x</id><url>&j;</url></repository></repositories></project>\n"
    };
    let external = "<!DOCTYPE project [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<project><url>&e;</url></project>";
    let big = format!("<project>{}</project>", " ".repeat(2 * 1024 * 1024));
    let deep = format!(
        "<project>\n{}{}</project>",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("laughs", laughs.into_bytes(), "pom.xml:2: has a DOCTYPE, which ca-env does not read"),
        ("external", external.as_bytes().to_vec(), "pom.xml:1: has a DOCTYPE, which ca-env does not read"),
        ("big", big.into_bytes(), "pom.xml: larger than 1 MiB; not read"),
        ("deep", deep.into_bytes(), "pom.xml:2: XML nested too deeply; not read"),
        ("utf8", b"<project>\n<url>SECRET\xff</url></project>".to_vec(), "pom.xml:2: not valid UTF-8; not read"),
        ("broken", b"<project>\n<repositories>SECRET</project>".to_vec(), "pom.xml:2: not valid XML"),
        ("other", b"<settings/>".to_vec(), "pom.xml:1: not a Maven POM: its root is not <project>"),
        ("nourl", b"<project><repositories>\n<repository><id>x</id></repository></repositories></project>".to_vec(), "pom.xml:2: a Maven <repository> has no <url>"),
    ];
    for (name, text, want) in cases {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        write(h, &format!("{name}/pom.xml"), &text);
        let found = find(h, name);
        assert_eq!(problems(&found, h), [format!("{name}/{want}")], "{name}");
        assert!(found.entries.is_empty(), "{name}");
        assert!(!format!("{:?}", found.problems).contains("SECRET"));
        // The same file as the user's settings.xml is one problem too.
        if name != "other" && name != "nourl" {
            let home = tempfile::tempdir().unwrap();
            let h = home.path();
            write(h, ".m2/settings.xml", &text);
            let found = find(h, "");
            assert_eq!(
                problems(&found, h),
                [format!(".m2/settings.{}", want.trim_start_matches("pom."))],
                "{name}"
            );
        }
    }
}

/// A Maven source gets CODEARTIFACT_AUTH_TOKEN, and a hint when settings.xml has no `<server>`
/// of its id; sources in two domains get no shared token, and a problem saying so.
#[test]
fn sources_get_the_shared_token_and_the_server_hint() {
    use crate::config::Config;
    use crate::sources::resolve;
    use crate::trust::Allowed;

    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    write(h, "proj/pom.xml", PARENT.as_bytes());
    let project = resolve(find(h, "proj"), &Config::default(), &Allowed::default());
    assert_eq!(project.sources.len(), 1);
    let names: Vec<&str> = project.sources[0]
        .vars
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(names, ["CODEARTIFACT_AUTH_TOKEN"]);
    assert_eq!(project.env, ["CODEARTIFACT_AUTH_TOKEN"]);
    let shown: Vec<String> = project.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].starts_with(&format!(
            "{}:8: maven repository 'corp': {}/.m2/settings.xml has no <server> of this id",
            h.join("proj/pom.xml").display(),
            h.display()
        )),
        "{shown:?}"
    );
    assert!(shown[0].ends_with("hint: add to <servers> there: <server><id>corp</id><username>aws</username><password>${env.CODEARTIFACT_AUTH_TOKEN}</password></server>"), "{shown:?}");

    write(
        h,
        ".m2/settings.xml",
        b"<settings><servers><server><id>corp</id></server></servers></settings>",
    );
    let project = resolve(find(h, "proj"), &Config::default(), &Allowed::default());
    assert_eq!(project.problems, []);

    // A second domain: the token cannot be shared.
    let other = PARENT.replace("<id>rel</id><url>https://r.example/</url>", "<id>corp</id><url>https://other-444455556666.d.codeartifact.us-west-2.amazonaws.com/maven/releases/</url>");
    write(h, "proj/pom.xml", other.as_bytes());
    let project = resolve(find(h, "proj"), &Config::default(), &Allowed::default());
    assert_eq!(project.sources.len(), 2, "{:?}", project.problems);
    assert_eq!(project.env, Vec::<String>::new());
    let shown: Vec<String> = project.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(shown, ["CODEARTIFACT_AUTH_TOKEN holds one token, but this project's sources are in 2 domains; it is not set"]);

    // A repository elsewhere whose id has a <server> that sends the token: no token at all.
    write(h, "proj/pom.xml", PARENT.as_bytes());
    write(h, ".m2/settings.xml", b"<settings><servers>\n<server><id>corp</id></server>\n<server><id>central</id><username>aws</username><password>${env.CODEARTIFACT_AUTH_TOKEN}</password></server></servers></settings>");
    let found = find(h, "proj");
    assert_eq!(
        found.maven_servers.token_ids,
        [("central".to_string(), "CODEARTIFACT_AUTH_TOKEN")]
    );
    let project = resolve(found, &Config::default(), &Allowed::default());
    assert_eq!(project.sources.len(), 1);
    assert_eq!(project.env, Vec::<String>::new());
    let shown: Vec<String> = project.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(shown, [format!("{}:10: maven source 'central': not a repository ca-env serves, but the <server> of this id in settings.xml sends it CODEARTIFACT_AUTH_TOKEN; it is not set", h.join("proj/pom.xml").display())]);

    // Azure Artifacts and Artifact Registry feeds: their own variables and user names, and
    // each its own token, whatever CodeArtifact's does.
    let clouds = PARENT
        .replace("<id>rel</id><url>https://r.example/</url>", "<id>azure</id><url>https://pkgs.dev.azure.com/contoso/web/_packaging/corp/maven/v1</url>")
        .replace("<id>snap</id><url>https://s.example/</url>", "<id>gar</id><url>https://us-central1-maven.pkg.dev/acme-prod/jars</url>");
    write(h, "proj/pom.xml", clouds.as_bytes());
    write(h, ".m2/settings.xml", b"<settings/>");
    let project = resolve(find(h, "proj"), &Config::default(), &Allowed::default());
    assert_eq!(project.sources.len(), 3, "{:?}", project.problems);
    assert_eq!(
        project.env,
        [
            "CODEARTIFACT_AUTH_TOKEN",
            "AZURE_ARTIFACTS_ENV_ACCESS_TOKEN",
            "GOOGLE_ARTIFACT_REGISTRY_TOKEN"
        ]
    );
    let shown: Vec<String> = project.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(shown[1].ends_with("<server><id>azure</id><username>corp</username><password>${env.AZURE_ARTIFACTS_ENV_ACCESS_TOKEN}</password></server>"), "{shown:?}");
    assert!(shown[2].ends_with("<server><id>gar</id><username>oauth2accesstoken</username><password>${env.GOOGLE_ARTIFACT_REGISTRY_TOKEN}</password></server>"), "{shown:?}");

    // The wagon's own scheme is left to the wagon.
    let wagon = PARENT.replace(
        "https://r.example/",
        "artifactregistry://us-central1-maven.pkg.dev/acme-prod/jars",
    );
    write(h, "proj/pom.xml", wagon.as_bytes());
    let project = resolve(find(h, "proj"), &Config::default(), &Allowed::default());
    assert_eq!(project.sources.len(), 1, "{:?}", project.problems);
}
