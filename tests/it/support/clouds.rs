//! Stand-ins for the Azure and Google CLIs on PATH: scripts that print a token the way
//! `az account get-access-token --output json` and `gcloud config config-helper --format=json`
//! do, count their calls, and can be signed out (then they fail as the real ones do, naming
//! their own login command on stderr).

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::write_executable;

/// The tokens the stand-ins print.
pub const AZ_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOi.azure-entra-token_1";
pub const GCLOUD_TOKEN: &str = "ya29.a0AfB_byGoogleAccessToken-1";

/// A directory holding `az` and `gcloud`, to put first on PATH.
pub struct Clouds {
    pub bin: PathBuf,
}

impl Clouds {
    pub fn new(dir: &Path) -> Clouds {
        let bin = dir.join("cloud-bin");
        fs::create_dir_all(&bin).unwrap();
        let calls = bin.join("calls");
        // Each call is a line in `calls`; `signed-out` makes the next calls fail; `slow` makes
        // them take half a second (so that concurrent fetches overlap).
        let az = format!(
            "#!/bin/sh\nd='{bin}'\necho \"az $*\" >> \"$d/calls\"\n\
             [ -e \"$d/slow\" ] && sleep 0.5\n\
             if [ -e \"$d/signed-out\" ]; then echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1; fi\n\
             printf '{{\"accessToken\": \"{AZ_TOKEN}\", \"expiresOn\": \"2099-01-01 00:00:00.000000\", \"expires_on\": %s, \"subscription\": \"s\", \"tenant\": \"t\", \"tokenType\": \"Bearer\"}}\\n' $(( $(date +%s) + 3599 ))\n",
            bin = bin.display()
        );
        let gcloud = format!(
            "#!/bin/sh\nd='{bin}'\necho \"gcloud $*\" >> \"$d/calls\"\n\
             if [ -e \"$d/signed-out\" ]; then echo 'ERROR: (gcloud.config.config-helper) You do not currently have an active account selected.' >&2; exit 1; fi\n\
             printf '{{\"configuration\": {{\"active_configuration\": \"default\"}}, \"credential\": {{\"access_token\": \"{GCLOUD_TOKEN}\", \"token_expiry\": \"%s\"}}, \"sentinels\": {{}}}}\\n' \"$(date -u -d '+59 minutes' +%Y-%m-%dT%H:%M:%SZ)\"\n",
            bin = bin.display()
        );
        write_executable(&bin.join("az"), &az);
        write_executable(&bin.join("gcloud"), &gcloud);
        let _ = fs::remove_file(calls);
        Clouds { bin }
    }

    /// The calls made so far, one line each (`az account get-access-token …`).
    pub fn calls(&self) -> Vec<String> {
        fs::read_to_string(self.bin.join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn sign_out(&self, out: bool) {
        self.flag("signed-out", out);
    }

    pub fn slow(&self, slow: bool) {
        self.flag("slow", slow);
    }

    fn flag(&self, name: &str, on: bool) {
        let path = self.bin.join(name);
        if on {
            fs::write(path, "").unwrap();
        } else {
            let _ = fs::remove_file(path);
        }
    }

    /// PATH with the stand-ins first.
    pub fn path(&self) -> String {
        format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }
}
