//! Maven and Gradle, the real clients (Debian's `mvn` and `gradle`), against a loopback
//! repository with basic auth that accepts only the token the CodeArtifact stand-in issued
//! last, mapped to a CodeArtifact repository in the user's configuration. The user's
//! `~/.m2/settings.xml` has the `<server>` AWS documents (password
//! `${env.CODEARTIFACT_AUTH_TOKEN}`), and Gradle's build the documented `credentials` block.
//!
//! No Maven repository on the network is reachable here: plugins come from Debian's
//! `/usr/share/maven-repo` (a mirror of `central` in settings.xml), pinned to the versions
//! Debian ships. The oracle needs no plugin at all: a `<parent>` POM that lives only in the
//! private repository, which Maven fetches while building the project model. Every run has
//! its own local repository, so that nothing one run fetched can help another.

use super::*;

use support::registry::{Auth, Registry};

/// Where the deployed parent POM lands in the repository.
const PARENT_POM: &str = "com/corp/corp-parent/1.0/corp-parent-1.0.pom";

struct MavenWorld {
    standin: StandIn,
    repo: Registry,
    sb: Sandbox,
    runs: u32,
}

impl MavenWorld {
    fn start() -> MavenWorld {
        let standin = StandIn::start();
        standin.expires_in(None);
        let repo = Registry::start(Auth::Basic, None);
        repo.follow(&standin);
        let mut sb = mapped_sandbox(&standin, &repo.url(), "maven-store");
        // Java takes its home from the password database, not $HOME: Maven must read the
        // sandbox's ~/.m2/settings.xml, which is the one ca-env reads.
        sb.set_env("MAVEN_OPTS", format!("-Duser.home={}", sb.home().display()));
        sb.write(
            ".m2/settings.xml",
            "<settings>\n  <servers>\n    <server>\n      <id>corp-maven</id>\n      \
             <username>aws</username>\n      \
             <password>${env.CODEARTIFACT_AUTH_TOKEN}</password>\n    </server>\n  </servers>\n  \
             <mirrors>\n    <mirror><id>debian</id><mirrorOf>central</mirrorOf>\
             <url>file:///usr/share/maven-repo</url></mirror>\n  </mirrors>\n</settings>\n",
        );
        let w = MavenWorld {
            standin,
            repo,
            sb,
            runs: 0,
        };
        // A token stored before any shell, as `ca-env login` leaves one.
        let token = support::ok(&w.sb.run("", &["token", &w.repo.url()]));
        assert_eq!(Some(&token), w.issued().last());
        w
    }

    fn issued(&self) -> Vec<String> {
        self.standin.issued()
    }

    /// A fresh local repository (and Gradle home) for the next run.
    fn local(&mut self) -> String {
        self.runs += 1;
        self.sb
            .path()
            .join(format!("local-{}", self.runs))
            .display()
            .to_string()
    }

    /// Asserts `status --json` in `dir`: the repository as each source, with (tool, role) as
    /// given, trusted, with CODEARTIFACT_AUTH_TOKEN; and no problem.
    fn assert_status(&self, dir: &str, want: &[(&str, &str)]) {
        let status = self.sb.status(dir);
        let shown = serde_json::to_string_pretty(&status).unwrap();
        let sources = status["sources"].as_array().unwrap();
        assert_eq!(sources.len(), want.len(), "{dir}: {shown}");
        for (s, (tool, role)) in sources.iter().zip(want) {
            for (key, value) in [
                ("tool", *tool),
                ("role", *role),
                ("format", "maven"),
                ("url", &self.repo.url()),
                ("domain", "corp"),
                ("owner", OWNER),
                ("repository", "maven-store"),
            ] {
                assert_eq!(s[key].as_str(), Some(value), "{dir}: {key}: {shown}");
            }
            assert_eq!(s["trusted"], true, "{dir}: {shown}");
            let env = support::strings(&s["env"]);
            assert_eq!(env, ["CODEARTIFACT_AUTH_TOKEN"], "{shown}");
        }
        let env = support::strings(&status["env"]);
        assert_eq!(env, ["CODEARTIFACT_AUTH_TOKEN"], "{shown}");
        assert!(status["problems"].as_array().unwrap().is_empty(), "{shown}");
    }
}

/// A pom-packaged parent whose distributionManagement is the repository.
fn parent_pom(url: &str) -> String {
    format!(
        r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.corp</groupId>
  <artifactId>corp-parent</artifactId>
  <version>1.0</version>
  <packaging>pom</packaging>
  <properties><corp.marker>from-the-private-parent</corp.marker></properties>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-install-plugin</artifactId>
        <version>3.1.0</version>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-deploy-plugin</artifactId>
        <version>3.0.0</version>
      </plugin>
    </plugins>
  </build>
  <distributionManagement>
    <repository>
      <id>corp-maven</id>
      <url>{url}</url>
    </repository>
  </distributionManagement>
</project>
"#
    )
}

/// A project whose parent lives only in the repository.
fn app_pom(url: &str) -> String {
    format!(
        r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>com.corp</groupId>
    <artifactId>corp-parent</artifactId>
    <version>1.0</version>
    <relativePath/>
  </parent>
  <artifactId>app</artifactId>
  <packaging>pom</packaging>
  <repositories>
    <repository>
      <id>corp-maven</id>
      <url>{url}</url>
    </repository>
  </repositories>
</project>
"#
    )
}

#[test]
fn maven_deploys_and_resolves_a_parent_with_the_hook_and_fails_without() {
    let _heavy = support::heavy();
    let mut w = MavenWorld::start();
    let url = w.repo.url();
    w.sb.write("corp-parent/pom.xml", &parent_pom(&url));
    w.sb.write("app/pom.xml", &app_pom(&url));
    w.assert_status("corp-parent", &[("maven", "publish")]);
    w.assert_status("app", &[("maven", "index")]);

    // Without ca-env the repository turns the upload away.
    let deploy = |local: &str| format!("mvn -B -Dmaven.repo.local='{local}' deploy");
    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, false);
    sh.cd("corp-parent");
    assert_eq!(sh.var("CODEARTIFACT_AUTH_TOKEN"), None);
    let ran = sh.run(&deploy(&w.local()));
    assert_ne!(ran.status, 0, "deploy without ca-env:\n{}", ran.output);
    assert!(ran.output.contains("401"), "{}", ran.output);
    assert_eq!(w.repo.file(PARENT_POM), None);
    drop(sh);

    // With the hook, `mvn deploy` uploads the POM, its checksums and the metadata.
    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, true);
    sh.cd("corp-parent");
    let token = w.issued().pop().unwrap();
    assert_eq!(
        w.issued().len(),
        1,
        "the hook uses the token stored at setup"
    );
    assert_eq!(sh.var("CODEARTIFACT_AUTH_TOKEN"), Some(token.clone()));
    sh.ok(&deploy(&w.local()));
    assert!(w
        .repo
        .file(PARENT_POM)
        .unwrap()
        .contains("<artifactId>corp-parent</artifactId>"));
    for rel in [
        format!("{PARENT_POM}.sha1"),
        "com/corp/corp-parent/maven-metadata.xml".to_string(),
    ] {
        assert!(w.repo.file(&rel).is_some(), "{rel}: {:?}", w.repo.seen());
    }
    drop(sh);

    // The project whose parent only the repository has: Maven cannot build its model
    // without credentials, and can with them.
    let validate = |local: &str| format!("mvn -B -Dmaven.repo.local='{local}' validate");
    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, false);
    sh.cd("app");
    let ran = sh.run(&validate(&w.local()));
    assert_ne!(ran.status, 0, "validate without ca-env:\n{}", ran.output);
    assert!(
        ran.output.contains("Non-resolvable parent POM") && ran.output.contains("401"),
        "{}",
        ran.output
    );
    drop(sh);

    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, true);
    sh.cd("app");
    assert_eq!(sh.var("CODEARTIFACT_AUTH_TOKEN"), Some(token.clone()));
    let local = w.local();
    sh.ok(&validate(&local));
    let fetched = Path::new(&local).join(PARENT_POM);
    assert!(fetched.is_file(), "the parent came from the repository");
    let got = w
        .repo
        .seen()
        .into_iter()
        .filter(|(method, path, _)| path.ends_with("corp-parent-1.0.pom") && method == "GET")
        .map(|(_, _, status)| status)
        .collect::<Vec<_>>();
    assert!(got.contains(&401) && got.contains(&200), "{got:?}");
}

/// A Gradle build that fetches a POM from the repository, with the credentials block the AWS
/// documentation shows, and names it as its `maven-publish` target too. Debian's Gradle 4.4.1
/// cannot publish over HTTP at all (no repository connector for it, with or without
/// credentials), so only the fetch runs; the publish target is checked in `status`.
fn gradle_build(url: &str) -> String {
    format!(
        r#"apply plugin: 'maven-publish'

group = 'com.corp'
version = '2.0'

configurations {{ corp }}

repositories {{
    maven {{
        url '{url}'
        credentials {{
            username "aws"
            password System.env.CODEARTIFACT_AUTH_TOKEN
        }}
    }}
}}

dependencies {{ corp 'com.corp:corp-lib:1.0@pom' }}

task fetch {{
    doLast {{ configurations.corp.files.each {{ println "fetched " + it.name }} }}
}}

publishing {{
    publications {{
        lib(MavenPublication) {{
            artifactId 'gradle-lib'
            artifact file('lib.txt')
        }}
    }}
    repositories {{
        maven {{
            url = '{url}'
            credentials {{
                username "aws"
                password System.env.CODEARTIFACT_AUTH_TOKEN
            }}
        }}
    }}
}}
"#
    )
}

#[test]
fn gradle_fetches_with_the_hook_and_fails_without() {
    let _heavy = support::heavy();
    let mut w = MavenWorld::start();
    let url = w.repo.url();
    w.repo.put_file(
        "com/corp/corp-lib/1.0/corp-lib-1.0.pom",
        b"<project><modelVersion>4.0.0</modelVersion><groupId>com.corp</groupId>\
         <artifactId>corp-lib</artifactId><version>1.0</version><packaging>pom</packaging></project>\n",
    );
    w.sb.write(
        "gradle-app/settings.gradle",
        "rootProject.name = 'gradle-app'\n",
    );
    w.sb.write("gradle-app/build.gradle", &gradle_build(&url));
    w.sb.write("gradle-app/lib.txt", "a private artifact\n");
    w.assert_status("gradle-app", &[("gradle", "index"), ("gradle", "publish")]);
    let gradle = |home: &str| format!("gradle --no-daemon -g '{home}' fetch");

    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, false);
    sh.cd("gradle-app");
    let ran = sh.run(&gradle(&w.local()));
    assert_ne!(ran.status, 0, "fetch without ca-env:\n{}", ran.output);
    assert!(ran.output.contains("401"), "{}", ran.output);
    drop(sh);

    let mut sh = Shell::in_sandbox(&w.sb, Kind::Bash, true);
    sh.cd("gradle-app");
    let token = w.issued().pop().unwrap();
    assert_eq!(sh.var("CODEARTIFACT_AUTH_TOKEN"), Some(token));
    let out = sh.ok(&gradle(&w.local()));
    assert!(out.contains("fetched corp-lib-1.0.pom"), "{out}");
}

/// Maven against an Azure Artifacts feed and an Artifact Registry repository, each a loopback
/// repository mapped as one of them and taking Basic credentials with that service's user
/// name (the feed's, `oauth2accesstoken`) and the token the `az` or `gcloud` stand-in prints.
/// settings.xml reads the token from the variable each service's documentation names for
/// Maven and Gradle. `mvn deploy` to the feed, then `mvn validate` of projects whose parent
/// only the feed or the repository has; everything fails without ca-env.
#[test]
fn maven_deploys_to_azure_and_resolves_from_azure_and_google_with_the_hook_and_fails_without() {
    use support::clouds::{Clouds, AZ_TOKEN, GCLOUD_TOKEN};

    let _heavy = support::heavy();
    let standin = StandIn::start();
    let azure = Registry::start(Auth::Basic, None);
    let google = Registry::start(Auth::Basic, None);
    azure.accept("corp", AZ_TOKEN);
    google.accept("oauth2accesstoken", GCLOUD_TOKEN);
    let (az_url, gar_url) = (azure.url(), google.url());
    google.put_file(
        PARENT_POM,
        parent_pom(&gar_url)
            .replace("corp-maven", "corp-gar")
            .as_bytes(),
    );
    let mut sb = mapped_sandbox(&standin, &az_url, "unused");
    sb.write_config(&format!(
        "[trust]\ndomains = [\"azure:contoso\", \"google:acme-prod\"]\n\n\
         [[mapping]]\nurl = \"{az_url}\"\nprovider = \"azure\"\norganization = \"contoso\"\nfeed = \"corp\"\n\n\
         [[mapping]]\nurl = \"{gar_url}\"\nprovider = \"google\"\nproject = \"acme-prod\"\nlocation = \"us-central1\"\nrepository = \"jars\"\n"
    ));
    let clouds = Clouds::new(sb.path());
    sb.set_env("PATH", clouds.path());
    sb.set_env("MAVEN_OPTS", format!("-Duser.home={}", sb.home().display()));
    sb.write(
        ".m2/settings.xml",
        "<settings>\n  <servers>\n    <server><id>corp-azure</id><username>corp</username>\
         <password>${env.AZURE_ARTIFACTS_ENV_ACCESS_TOKEN}</password></server>\n    \
         <server><id>corp-gar</id><username>oauth2accesstoken</username>\
         <password>${env.GOOGLE_ARTIFACT_REGISTRY_TOKEN}</password></server>\n  </servers>\n  \
         <mirrors>\n    <mirror><id>debian</id><mirrorOf>central</mirrorOf>\
         <url>file:///usr/share/maven-repo</url></mirror>\n  </mirrors>\n</settings>\n",
    );
    let azure_id = |pom: String| pom.replace("corp-maven", "corp-azure");
    sb.write("azure-parent/pom.xml", &azure_id(parent_pom(&az_url)));
    sb.write("azure-app/pom.xml", &azure_id(app_pom(&az_url)));
    sb.write(
        "google-app/pom.xml",
        &app_pom(&gar_url).replace("corp-maven", "corp-gar"),
    );
    let steps = [
        (
            "azure-parent",
            "deploy",
            "AZURE_ARTIFACTS_ENV_ACCESS_TOKEN",
            AZ_TOKEN,
        ),
        (
            "azure-app",
            "validate",
            "AZURE_ARTIFACTS_ENV_ACCESS_TOKEN",
            AZ_TOKEN,
        ),
        (
            "google-app",
            "validate",
            "GOOGLE_ARTIFACT_REGISTRY_TOKEN",
            GCLOUD_TOKEN,
        ),
    ];
    for (dir, _, var, _) in steps {
        let status = sb.status(dir);
        let shown = status.to_string();
        let provider = dir.split('-').next().unwrap();
        for s in status["sources"].as_array().unwrap() {
            assert_eq!(s["provider"], provider, "{shown}");
            assert_eq!(s["format"], "maven", "{shown}");
            assert_eq!(support::strings(&s["env"]), [var], "{shown}");
        }
        assert_eq!(support::strings(&status["env"]), [var], "{shown}");
        assert!(status["problems"].as_array().unwrap().is_empty(), "{shown}");
    }

    let mut runs = 0;
    let mut local = || {
        runs += 1;
        sb.path()
            .join(format!("local-{runs}"))
            .display()
            .to_string()
    };
    let mvn = |goal: &str, local: &str| format!("mvn -B -Dmaven.repo.local='{local}' {goal}");
    let mut sh = Shell::in_sandbox(&sb, Kind::Bash, false);
    for (dir, goal, ..) in steps {
        sh.cd(dir);
        let ran = sh.run(&mvn(goal, &local()));
        assert_ne!(
            ran.status, 0,
            "{dir}: {goal} without ca-env:\n{}",
            ran.output
        );
        assert!(ran.output.contains("401"), "{dir}:\n{}", ran.output);
    }
    drop(sh);
    assert_eq!(azure.file(PARENT_POM), None);
    assert!(clouds.calls().is_empty(), "{:?}", clouds.calls());

    let mut sh = Shell::in_sandbox(&sb, Kind::Bash, true);
    for (dir, goal, var, token) in steps {
        sh.cd(dir);
        assert_eq!(sh.await_var(var), token, "{dir}");
        let local = local();
        sh.ok(&mvn(goal, &local));
        if goal == "deploy" {
            assert!(azure.file(PARENT_POM).is_some(), "{:?}", azure.seen());
        } else {
            assert!(Path::new(&local).join(PARENT_POM).is_file(), "{dir}");
        }
    }
    drop(sh);
    let calls = clouds.calls();
    for cli in ["az ", "gcloud "] {
        let n = calls.iter().filter(|c| c.starts_with(cli)).count();
        assert_eq!(n, 1, "{calls:?}");
    }
}
