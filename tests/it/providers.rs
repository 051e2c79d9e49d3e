//! Azure Artifacts and Google Artifact Registry: their URLs become sources with their
//! provider, their tokens come from the `az` and `gcloud` stand-ins on PATH (or the variables a
//! CI sets), once for many callers, and a signed-out CLI is one line naming `ca-env login`.
//! Token commands run in a network namespace with nothing but loopback: no crate or CLI may
//! reach a cloud (or its metadata service) from here.

use std::process::Command;

use crate::support::clouds::{Clouds, AZ_TOKEN, GCLOUD_TOKEN};
use crate::support::keyrings::require;
use crate::support::{ok, stderr, stdout, Sandbox};

const AZURE: &str = "https://pkgs.dev.azure.com/contoso/web/_packaging/corp/pypi/simple/";
const GOOGLE: &str = "https://us-central1-python.pkg.dev/acme-prod/py-private/simple/";

/// A project naming an Azure feed (uv) and a Google repository (pip), and the stand-ins on
/// PATH.
fn setup() -> (Sandbox, Clouds) {
    let mut sb = Sandbox::new();
    let clouds = Clouds::new(sb.path());
    sb.set_env("PATH", clouds.path());
    sb.set_env("CA_ENV_STORE", "file");
    sb.write(
        "app/pyproject.toml",
        &format!("[[tool.uv.index]]\nname = \"corp\"\nurl = \"{AZURE}\"\n"),
    );
    sb.write(
        "app/requirements.txt",
        &format!("--extra-index-url {GOOGLE}\nrequests\n"),
    );
    (sb, clouds)
}

/// `ca-env ARGS` in `cwd`, inside a network namespace with only loopback (down, even).
fn offline(sb: &Sandbox, cwd: &str, args: &[&str]) -> std::process::Output {
    require("unshare");
    let mut cmd = Command::new("unshare");
    cmd.args(["-rn", crate::support::BIN]).args(args);
    sb.inside(cmd, cwd).output().unwrap()
}

#[test]
fn sources_show_their_provider_and_tokens_come_from_the_clouds_clis_offline() {
    let (sb, clouds) = setup();
    let status = sb.status("app");
    let sources = status["sources"].as_array().unwrap();
    let seen: Vec<(String, String, String, String, bool)> = sources
        .iter()
        .map(|s| {
            let str = |k: &str| s[k].as_str().unwrap_or_default().to_string();
            (
                str("provider"),
                str("tool"),
                str("domain"),
                str("repository"),
                s["trusted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "google".into(),
                "pip".into(),
                "acme-prod".into(),
                "py-private".into(),
                false
            ),
            (
                "azure".into(),
                "uv".into(),
                "contoso".into(),
                "corp".into(),
                false
            ),
        ],
        "{status}"
    );
    // The variable the AWS documentation names is CodeArtifact's alone.
    assert!(
        !crate::support::strings(&status["env"]).contains(&"CODEARTIFACT_AUTH_TOKEN".to_string())
    );

    // A project's source that is not trusted: nothing is asked of either CLI.
    let out = offline(&sb, "app", &["token", "corp"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Azure DevOps organization contoso"),
        "{}",
        stderr(&out)
    );
    assert!(clouds.calls().is_empty());

    let allowed = stderr(&ok_out(&sb, "app", &["allow"]));
    assert!(
        allowed.contains("allowed Azure DevOps organization contoso"),
        "{allowed}"
    );
    assert!(
        allowed.contains("allowed Google Cloud project acme-prod"),
        "{allowed}"
    );

    assert_eq!(ok(&offline(&sb, "app", &["token", AZURE])).trim(), AZ_TOKEN);
    assert_eq!(
        ok(&offline(&sb, "app", &["token", GOOGLE])).trim(),
        GCLOUD_TOKEN
    );
    assert_eq!(
        clouds.calls(),
        [
            "az account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798 --output json",
            "gcloud config config-helper --format=json",
        ]
    );
    // Stored: asked again, neither CLI runs.
    assert_eq!(ok(&offline(&sb, "app", &["token", AZURE])).trim(), AZ_TOKEN);
    assert_eq!(clouds.calls().len(), 2);

    // The variables each tool reads, with the user name each service takes.
    let out = ok(&offline(
        &sb,
        "app",
        &["exec", "--", "sh", "-c", "printf '%s %s\\n' \"$UV_INDEX_CORP_USERNAME\" \"$UV_INDEX_CORP_PASSWORD\"; cat \"$NETRC\""],
    ));
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(format!("corp {AZ_TOKEN}").as_str()));
    // The netrc pip reads for the requirements file's own index.
    assert_eq!(
        lines.next(),
        Some(format!("machine us-central1-python.pkg.dev login oauth2accesstoken password {GCLOUD_TOKEN}").as_str())
    );
}

fn ok_out(sb: &Sandbox, cwd: &str, args: &[&str]) -> std::process::Output {
    let out = sb.run(cwd, args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    out
}

#[test]
fn the_variables_a_ci_sets_come_before_the_clis() {
    let (mut sb, clouds) = setup();
    ok_out(&sb, "app", &["allow"]);
    sb.set_env("AZURE_DEVOPS_EXT_PAT", "pat-from-ci");
    sb.set_env("GOOGLE_OAUTH_ACCESS_TOKEN", "ya29.from-ci");
    assert_eq!(
        ok(&offline(&sb, "app", &["token", AZURE])).trim(),
        "pat-from-ci"
    );
    assert_eq!(
        ok(&offline(&sb, "app", &["token", GOOGLE])).trim(),
        "ya29.from-ci"
    );
    assert!(clouds.calls().is_empty(), "{:?}", clouds.calls());
}

#[test]
fn a_signed_out_cli_is_one_line_naming_login_and_sets_nothing() {
    let (sb, clouds) = setup();
    ok_out(&sb, "app", &["allow"]);
    clouds.sign_out(true);
    let out = sb.run("app", &["token", AZURE]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line, with its hint: {err}");
    assert!(
        err.contains(
            "az gave no token for Azure DevOps organization contoso: ERROR: Please run 'az login'"
        ),
        "{err}"
    );
    assert!(
        err.contains("run 'ca-env login' on a terminal (it runs 'az login')"),
        "{err}"
    );

    // The hook: the fetch runs in the background, fails, and is said once.
    let first = sb.run("app", &["export", "bash"]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let second = sb.run("app", &["export", "bash"]);
    let said = format!("{}{}", stderr(&first), stderr(&second));
    assert!(said.contains("ca-env login"), "{said}");
    for out in [&first, &second] {
        assert!(
            !stdout(out).contains("UV_INDEX_CORP_PASSWORD"),
            "{}",
            stdout(out)
        );
    }
    clouds.sign_out(false);
}

#[test]
fn twenty_callers_at_once_make_one_az_call() {
    let _heavy = crate::support::heavy();
    let (sb, clouds) = setup();
    ok_out(&sb, "app", &["allow"]);
    clouds.slow(true);
    let children: Vec<_> = (0..20)
        .map(|_| sb.command("app", &["token", AZURE]).output())
        .map(|o| o.unwrap())
        .collect();
    for out in &children {
        assert_eq!(stdout(out).trim(), AZ_TOKEN, "{}", stderr(out));
    }
    assert_eq!(clouds.calls().len(), 1, "{:?}", clouds.calls());
}

#[test]
fn look_alike_hosts_and_userinfo_are_problems_and_never_asked_for() {
    let (sb, clouds) = setup();
    sb.write(
        "odd/pyproject.toml",
        "[[tool.uv.index]]\nname = \"a\"\nurl = \"https://pkgs.dev.azure.com.evil.example/contoso/_packaging/corp/pypi/simple/\"\n\n\
         [[tool.uv.index]]\nname = \"b\"\nurl = \"https://oauth2accesstoken:x@us-python.pkg.dev/acme-prod/py/simple/\"\n\n\
         [[tool.uv.index]]\nname = \"c\"\nurl = \"https://evil.example/?u=https://pkgs.dev.azure.com/contoso/_packaging/corp/pypi/simple/\"\n",
    );
    let status = sb.status("odd");
    assert_eq!(status["sources"].as_array().unwrap().len(), 0, "{status}");
    let problems = crate::support::strings(&status["problems"]);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].contains("not an Azure Artifacts host"),
        "{problems:?}"
    );
    assert!(problems[1].contains("userinfo"), "{problems:?}");
    ok_out(&sb, "odd", &["export", "bash"]);
    assert!(clouds.calls().is_empty());
}

/// `[[azure]]` picks the tenant and subscription `az` signs in to for an organization; the
/// token is another entry than the default sign-in's.
#[test]
fn an_organizations_tenant_and_subscription_go_to_az() {
    let (sb, clouds) = setup();
    sb.write_config(
        "[[azure]]\norganization = \"Contoso\"\ntenant = \"contoso.onmicrosoft.com\"\nsubscription = \"dev-1\"\n\n\
         [[azure]]\norganization = \"other\"\ntenant = \"a b\"\n",
    );
    let out = sb.run("app", &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let azure = status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["provider"] == "azure")
        .unwrap()
        .clone();
    assert_eq!(
        azure["profile"], "tenant=contoso.onmicrosoft.com,subscription=dev-1",
        "{status}"
    );
    assert_eq!(azure["profile_from"], "config");
    let problems = crate::support::strings(&status["problems"]);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("[[azure]] tenant and subscription take letters")),
        "{problems:?}"
    );
    ok_out(&sb, "app", &["allow"]);
    assert_eq!(
        ok(&offline(&sb, "app", &["token", "corp"])).trim(),
        AZ_TOKEN
    );
    assert_eq!(
        clouds.calls(),
        ["az account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798 --output json --tenant contoso.onmicrosoft.com --subscription dev-1"]
    );
}

/// Pull mode (`keyring get --mode creds`, as uv asks) answers with the user name each service
/// takes.
#[test]
fn pull_mode_answers_with_each_services_user_name() {
    let (sb, _clouds) = setup();
    ok_out(&sb, "app", &["allow"]);
    // The indexes, and files they link to.
    let azure_file = AZURE.replace("/simple/", "/download/pkg/1.0/pkg-1.0-py3-none-any.whl");
    let google_file = GOOGLE.replace("/simple/", "/pkg/pkg-1.0.tar.gz");
    for (url, user, token) in [
        (AZURE, "corp", AZ_TOKEN),
        (GOOGLE, "oauth2accesstoken", GCLOUD_TOKEN),
        (&azure_file, "corp", AZ_TOKEN),
        (&google_file, "oauth2accesstoken", GCLOUD_TOKEN),
    ] {
        let out = ok(&offline(
            &sb,
            "app",
            &["keyring", "get", "--mode", "creds", "--output", "json", url],
        ));
        let got: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(got["username"], user, "{url}");
        assert_eq!(got["password"], token, "{url}");
    }
}

/// Where no CLI is, a managed identity (the endpoint App Service names) and Google's metadata
/// server give the token; a wrong identity secret is one line; with neither, one line says so.
#[test]
fn managed_identity_and_the_metadata_server_answer_where_no_cli_is() {
    use crate::support::clouds::{Metadata, METADATA_TOKEN, MI_SECRET, MI_TOKEN};
    let (mut sb, _clouds) = setup();
    // No az or gcloud on PATH.
    sb.set_env("PATH", "/usr/bin:/bin");
    ok_out(&sb, "app", &["allow"]);
    let out = sb.run("app", &["token", "corp"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("az is not on PATH and no managed identity is here"),
        "{}",
        stderr(&out)
    );

    let metadata = Metadata::start(None);
    sb.set_env(
        "IDENTITY_ENDPOINT",
        format!("http://127.0.0.1:{}/msi/token", metadata.port),
    );
    sb.set_env("IDENTITY_HEADER", "wrong");
    let out = sb.run("app", &["token", "corp"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the managed identity gave no token for Azure DevOps organization contoso: it answered 401"), "{}", stderr(&out));
    sb.set_env("IDENTITY_HEADER", MI_SECRET);
    assert_eq!(ok(&sb.run("app", &["token", "corp"])).trim(), MI_TOKEN);

    sb.set_env("GCE_METADATA_HOST", format!("127.0.0.1:{}", metadata.port));
    assert_eq!(
        ok(&sb.run("app", &["token", GOOGLE])).trim(),
        METADATA_TOKEN
    );
    let seen = metadata.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen[2].starts_with("GET /computeMetadata/v1/instance/service-accounts/default/token "));
}

/// Azure workload identity (the pod's federated token exchanged at Entra ID) and Google's
/// application default credentials (a user's refresh token, a service account key whose
/// RS256 assertion the stand-in verifies with openssl), where no CLI is.
#[test]
fn workload_identity_and_application_default_credentials_where_no_cli_is() {
    use crate::support::clouds::{
        Metadata, ServiceAccount, ADC_SA_TOKEN, ADC_USER_TOKEN, FEDERATED, REFRESH, WI_TOKEN,
    };
    let (mut sb, _clouds) = setup();
    sb.set_env("PATH", "/usr/bin:/bin");
    ok_out(&sb, "app", &["allow"]);
    let keys = sb.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let key = keys.join("key.pem");
    let public = keys.join("public.pem");
    for args in [
        vec![
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ],
        vec!["pkey", "-pubout", "-in"],
    ] {
        let mut cmd = Command::new("openssl");
        cmd.args(&args);
        if args[0] == "genpkey" {
            cmd.arg(&key);
        } else {
            cmd.arg(&key).arg("-out").arg(&public);
        }
        assert!(cmd.output().unwrap().status.success(), "openssl {args:?}");
    }
    let email = "builder@acme-prod.iam.gserviceaccount.com";
    let server = Metadata::start(Some(ServiceAccount {
        public_pem: public,
        email: email.into(),
    }));
    let base = format!("http://127.0.0.1:{}", server.port);

    let federated = sb.write("federated-token", FEDERATED);
    sb.set_env(
        "AZURE_FEDERATED_TOKEN_FILE",
        federated.display().to_string(),
    );
    sb.set_env("AZURE_CLIENT_ID", "app-1");
    sb.set_env("AZURE_TENANT_ID", "tenant-1");
    sb.set_env("AZURE_AUTHORITY_HOST", format!("{base}/"));
    assert_eq!(ok(&sb.run("app", &["token", "corp"])).trim(), WI_TOKEN);

    let user = sb.write(
        "adc-user.json",
        &format!(
            "{{\"type\": \"authorized_user\", \"client_id\": \"client-1\", \"client_secret\": \"secret-1\", \
             \"refresh_token\": \"{REFRESH}\", \"token_uri\": \"{base}/token\"}}"
        ),
    );
    sb.set_env("GOOGLE_APPLICATION_CREDENTIALS", user.display().to_string());
    assert_eq!(
        ok(&sb.run("app", &["token", GOOGLE])).trim(),
        ADC_USER_TOKEN
    );

    let pem = std::fs::read_to_string(&key).unwrap();
    let account = serde_json::json!({
        "type": "service_account", "client_email": email, "private_key_id": "k1",
        "private_key": pem, "token_uri": format!("{base}/token"),
    });
    let file = sb.write("adc-sa.json", &account.to_string());
    sb.set_env("GOOGLE_APPLICATION_CREDENTIALS", file.display().to_string());
    ok(&sb.run("", &["logout", "--all"]));
    assert_eq!(ok(&sb.run("app", &["token", GOOGLE])).trim(), ADC_SA_TOKEN);

    // A key the endpoint does not know: refused, one line.
    let other = keys.join("other.pem");
    assert!(Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out"
        ])
        .arg(&other)
        .output()
        .unwrap()
        .status
        .success());
    let account = serde_json::json!({
        "type": "service_account", "client_email": email, "private_key_id": "k2",
        "private_key": std::fs::read_to_string(&other).unwrap(), "token_uri": format!("{base}/token"),
    });
    std::fs::write(&file, account.to_string()).unwrap();
    ok(&sb.run("", &["logout", "--all"]));
    let out = sb.run("app", &["token", GOOGLE]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the token endpoint answered 400"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("PRIVATE KEY"));
}

/// Workload identity federation: an `external_account` file whose subject token comes from a
/// file (text) or a URL (JSON) is exchanged at a security token service stand-in that checks
/// every form field (and the client's Basic authentication when the file has a client), then
/// at an IAM stand-in that checks the exchanged token as Bearer; a wrong subject token, and the
/// kinds ca-env does not serve, are one line that quotes nothing secret.
#[test]
fn external_account_credentials_exchange_a_subject_token_where_no_cli_is() {
    use crate::support::clouds::{
        Metadata, EXTERNAL_AUDIENCE, IMPERSONATED_TOKEN, STS_TOKEN, SUBJECT, SUBJECT_KEY,
        WORKFORCE_AUDIENCE,
    };
    let (mut sb, _clouds) = setup();
    sb.set_env("PATH", "/usr/bin:/bin");
    ok_out(&sb, "app", &["allow"]);
    let server = Metadata::start(None);
    let base = format!("http://127.0.0.1:{}", server.port);
    let subject = sb.write("oidc/token", &format!("{SUBJECT}\n"));
    let adc = sb.path().join("adc-external.json");
    sb.set_env("GOOGLE_APPLICATION_CREDENTIALS", adc.display().to_string());
    let impersonate = format!(
        "{base}/v1/projects/-/serviceAccounts/builder@acme-prod.iam.gserviceaccount.com:generateAccessToken"
    );
    let configure = |extra: serde_json::Value| {
        let mut config = serde_json::json!({
            "type": "external_account",
            "audience": format!("{EXTERNAL_AUDIENCE}oidc"),
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": format!("{base}/v1/token"),
            "credential_source": {"file": subject.display().to_string()},
        });
        for (k, v) in extra.as_object().unwrap() {
            config[k] = v.clone();
        }
        std::fs::write(&adc, config.to_string()).unwrap();
        ok(&sb.run("", &["logout", "--all"]));
    };
    let expires = || {
        let status = sb.status("app");
        let google = status["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["provider"] == "google")
            .unwrap()
            .clone();
        google["token"]["expires_at"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };

    // A file-sourced subject token (text, its newline trimmed), a client, impersonation.
    configure(serde_json::json!({
        "audience": format!("{EXTERNAL_AUDIENCE}with-client"),
        "client_id": "client-1", "client_secret": "secret-1",
        "service_account_impersonation_url": impersonate,
    }));
    assert_eq!(
        ok(&sb.run("app", &["token", GOOGLE])).trim(),
        IMPERSONATED_TOKEN
    );
    assert_eq!(expires(), "2099-01-01T00:00:00Z");
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].starts_with("POST /v1/token "), "{seen:?}");
    assert!(seen[1].starts_with("POST /v1/projects/-/serviceAccounts/builder@acme-prod.iam.gserviceaccount.com:generateAccessToken "), "{seen:?}");

    // A URL-sourced one (JSON, behind a header), no client, a lifetime of its own.
    let url_source = serde_json::json!({
        "url": format!("{base}/subject-token"),
        "headers": {"X-Subject-Key": SUBJECT_KEY},
        "format": {"type": "json", "subject_token_field_name": "value"},
    });
    configure(serde_json::json!({
        "credential_source": url_source,
        "service_account_impersonation_url": impersonate,
        "service_account_impersonation": {"token_lifetime_seconds": 1800},
    }));
    assert_eq!(
        ok(&sb.run("app", &["token", GOOGLE])).trim(),
        IMPERSONATED_TOKEN
    );
    assert_eq!(expires(), "2098-01-01T00:00:00Z");
    assert!(server.seen()[2].starts_with("GET /subject-token "));

    // Without impersonation the security token service's token is the one.
    configure(serde_json::json!({"credential_source": url_source}));
    assert_eq!(ok(&sb.run("app", &["token", GOOGLE])).trim(), STS_TOKEN);
    assert_ne!(expires(), "");

    // A workforce pool without a client: the project to bill goes along as `options`.
    configure(serde_json::json!({
        "audience": format!("{WORKFORCE_AUDIENCE}idp"),
        "workforce_pool_user_project": "acme-billing",
    }));
    assert_eq!(ok(&sb.run("app", &["token", GOOGLE])).trim(), STS_TOKEN);

    // A subject token the service does not take: one line, naming the file, quoting nothing.
    let wrong = "eyJhbGciOiJSUzI1NiJ9.not-the-subject.sig";
    std::fs::write(&subject, wrong).unwrap();
    configure(serde_json::json!({
        "audience": format!("{EXTERNAL_AUDIENCE}with-client"),
        "client_id": "client-1", "client_secret": "secret-1",
        "service_account_impersonation_url": impersonate,
    }));
    let out = sb.run("app", &["token", GOOGLE]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "the application default credentials in {} gave no token for Google Cloud project acme-prod: the security token service answered 400",
            adc.display()
        )),
        "{err}"
    );
    for secret in [wrong, "secret-1", STS_TOKEN] {
        assert!(!err.contains(secret), "{err}");
    }
    assert!(stdout(&out).is_empty());

    // Kinds ca-env does not serve, and a look-alike token service: refused before anything is
    // read or sent (here with no network at all).
    let seen = server.seen().len();
    for (extra, said) in [
        (
            serde_json::json!({"credential_source": {"executable": {"command": "/bin/sh -c 'echo pwned > /tmp/x'"}}}),
            "executable-sourced credentials are not supported",
        ),
        (
            serde_json::json!({
                "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
                "credential_source": {"environment_id": "aws1", "region_url": "http://169.254.169.254/latest/meta-data/placement/availability-zone"},
            }),
            "AWS-sourced credentials (environment_id aws1) are not supported",
        ),
        (
            serde_json::json!({"token_url": "https://sts.googleapis.com.evil.example/v1/token"}),
            "its token_url is not https://sts.googleapis.com",
        ),
    ] {
        configure(extra);
        let out = offline(&sb, "app", &["token", GOOGLE]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(said), "{err}");
        assert!(err.contains(&adc.display().to_string()), "{err}");
    }
    assert_eq!(server.seen().len(), seen);
}

/// A token that tries to break out of quoting (a personal access token is whatever the
/// variable holds) reaches the shell exactly, through the hook's script, and runs nothing.
#[test]
fn a_token_that_tries_to_break_quoting_arrives_intact_and_runs_nothing() {
    let (mut sb, clouds) = setup();
    let pat = r#"p'a"t$(touch${IFS}PWNED)`touch${IFS}PWNED`;\x\'"#;
    sb.set_env("AZURE_DEVOPS_EXT_PAT", pat);
    ok_out(&sb, "app", &["allow"]);
    assert_eq!(ok(&offline(&sb, "app", &["token", AZURE])).trim_end(), pat);
    let script = sb.write("hook.sh", &ok(&sb.run("app", &["export", "bash"])));
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(". \"$1\"; printf '%s' \"$UV_INDEX_CORP_PASSWORD\"")
        .arg("bash")
        .arg(&script);
    let out = sb.inside(cmd, "app").output().unwrap();
    assert_eq!(ok(&out), pat);
    let out = offline(
        &sb,
        "app",
        &[
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s' \"$UV_INDEX_CORP_PASSWORD\"",
        ],
    );
    assert_eq!(ok(&out), pat);
    for dir in [sb.home(), sb.home().join("app")] {
        assert!(!dir.join("PWNED").exists(), "{}", dir.display());
    }
    // The variable came first: az was never asked (the Google source asked gcloud).
    let calls = clouds.calls();
    assert!(!calls.iter().any(|c| c.starts_with("az ")), "{calls:?}");
}

/// Workforce identity federation's `external_account_authorized_user` file: its refresh token
/// goes to the security token service's `oauthtoken` endpoint with the pool's client as Basic
/// authentication; a token URL elsewhere than Google's is refused before anything is sent.
#[test]
fn workforce_authorized_user_files_refresh_at_the_security_token_service() {
    use crate::support::clouds::{Metadata, WORKFORCE_REFRESH, WORKFORCE_TOKEN};
    let (mut sb, _clouds) = setup();
    sb.set_env("PATH", "/usr/bin:/bin");
    ok_out(&sb, "app", &["allow"]);
    let server = Metadata::start(None);
    let adc = sb.path().join("adc-workforce.json");
    sb.set_env("GOOGLE_APPLICATION_CREDENTIALS", adc.display().to_string());
    let write = |token_url: &str, refresh: &str| {
        let config = serde_json::json!({
            "type": "external_account_authorized_user",
            "audience": "//iam.googleapis.com/locations/global/workforcePools/pool/providers/idp",
            "refresh_token": refresh,
            "token_url": token_url,
            "token_info_url": "https://sts.googleapis.com/v1/introspect",
            "client_id": "client-1",
            "client_secret": "secret-1",
        });
        std::fs::write(&adc, config.to_string()).unwrap();
        ok(&sb.run("", &["logout", "--all"]));
    };
    let here = format!("http://127.0.0.1:{}/v1/oauthtoken", server.port);
    write(&here, WORKFORCE_REFRESH);
    assert_eq!(
        ok(&sb.run("app", &["token", GOOGLE])).trim(),
        WORKFORCE_TOKEN
    );
    assert!(server.seen()[0].starts_with("POST /v1/oauthtoken "));

    // A refresh token the service does not take: one line, quoting neither secret.
    write(&here, "revoked-refresh-token");
    let out = sb.run("app", &["token", GOOGLE]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("the security token service answered 400"),
        "{err}"
    );
    for secret in ["revoked-refresh-token", "secret-1"] {
        assert!(!err.contains(secret), "{err}");
    }

    // A token URL that is not Google's: refused with nothing sent.
    let seen = server.seen().len();
    write(
        "https://sts.googleapis.com.evil.example/v1/oauthtoken",
        WORKFORCE_REFRESH,
    );
    let out = sb.run("app", &["token", GOOGLE]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("its token_url is not Google's security token service"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.seen().len(), seen);
}
