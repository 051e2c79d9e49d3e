//! The command line (clap): raw flags only; commands in `cmd/` turn them into work.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::shell::Shell;
use crate::token::refresh::RefreshArgs;

const MAIN_EXAMPLES: &str = "\
Examples:
  eval \"$(ca-env hook zsh)\"        # in ~/.zshrc: credentials follow you as you cd
  ca-env status                    # what this project uses, and the token state
  ca-env exec -- poetry install    # scripts and CI

Environment:
  CA_ENV_CONFIG  configuration file (default $XDG_CONFIG_HOME/ca-env/config.toml)
  CA_ENV_STORE   token store: auto, keyring, keyutils, file
  CA_ENV_LOG     off, error (default), warn, info, debug
  AWS_PROFILE, AWS_REGION, AWS_CONFIG_FILE, AWS_ENDPOINT_URL_CODEARTIFACT, … as the AWS CLI";

/// What `export`'s help says of its formats.
const EXPORT_HELP: &[(Shell, &str)] = &[(
    Shell::Direnv,
    "Plain exports and watch_file lines, for `use codeartifact` in a direnv .envrc",
)];

#[derive(Debug, Parser)]
#[command(
    name = "ca-env",
    version,
    about = "AWS CodeArtifact credentials for Poetry, pip and uv, set as you enter a project and cleared as you leave",
    after_help = MAIN_EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the shell integration to eval from an rc file
    #[command(
        after_help = "Examples:\n  eval \"$(ca-env hook bash)\"     # ~/.bashrc\n  eval \"$(ca-env hook zsh)\"      # ~/.zshrc\n  ca-env hook fish | source      # ~/.config/fish/config.fish\n  ca-env hook direnv > ~/.config/direnv/lib/ca-env.sh   # then `use codeartifact` in .envrc"
    )]
    Hook {
        #[arg(value_parser = Shell::parser(Shell::HOOK, &[]))]
        shell: Shell,
    },

    /// Print what brings the current shell up to date for this directory (the hook runs this)
    #[command(after_help = "Examples:\n  ca-env export json")]
    Export {
        #[arg(value_parser = Shell::parser(Shell::EXPORT, EXPORT_HELP))]
        format: Shell,
    },

    /// Show the project root, its CodeArtifact sources, token states and managed variables
    #[command(
        after_help = "Examples:\n  ca-env status\n  ca-env status --json | jq '.sources[].url'"
    )]
    Status {
        /// Print one JSON object instead of a table
        #[arg(long)]
        json: bool,
    },

    /// Check the hook, the tools that fight ca-env, AWS credentials and the store; say what to run
    #[command(
        after_help = "Examples:\n  ca-env doctor\n  ca-env doctor --online     # also ask AWS for a token, and compare clocks\n  ca-env doctor --json | jq '.checks[] | select(.status == \"fail\")'\n\nOne line per check: ✓, ✗ with what to run, or – where it does not apply. Run it in the\nshell that has the problem: the hook's `ca-env` function tells doctor how that shell runs\nthe hook. Looks and changes nothing; only --online calls AWS (one token per entry, not\nkept). Exit status 0 when no check failed, 1 when one did."
    )]
    Doctor {
        /// Print one JSON object instead of lines
        #[arg(long)]
        json: bool,
        /// Also call AWS: one GetAuthorizationToken per entry, and the clock against AWS's
        #[arg(long)]
        online: bool,
    },

    /// Print a few characters for a shell prompt: the nearest token expiry here
    #[command(
        after_help = "Examples:\n  PS1='$(ca-env prompt) \\$ '                        # bash\n  RPROMPT='$(ca-env prompt)'                          # zsh, with setopt prompt_subst\n  function fish_right_prompt; ca-env prompt; end     # fish\n\nPrints `ca 3h` (the nearest expiry), `ca -` (a token not fetched yet), `ca !` (a fetch\nfailed), or nothing outside a project. Reads no network and no keyring."
    )]
    Prompt,

    /// Get tokens for this project's sources now (may run `aws sso login` on a terminal)
    #[command(after_help = "Examples:\n  ca-env login\n  ca-env login --force corp-private")]
    Login {
        /// Get new tokens even when the stored ones are fresh
        #[arg(long)]
        force: bool,
        /// Only these sources (by name)
        names: Vec<String>,
    },

    /// Print a valid token for a source URL or name, refreshing it if needed
    #[command(
        after_help = "Examples:\n  export CODEARTIFACT_AUTH_TOKEN=$(ca-env token corp-private)\n  ca-env token https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/store/simple/"
    )]
    Token {
        #[arg(value_name = "URL|NAME")]
        source: String,
    },

    /// Remove stored tokens: this project's, or all
    #[command(after_help = "Examples:\n  ca-env logout\n  ca-env logout --all")]
    Logout {
        /// Every token ca-env stored, not only this project's
        #[arg(long)]
        all: bool,
    },

    /// Fetch one token and store it (started detached by ca-env itself to refresh ahead)
    #[command(name = crate::token::refresh::COMMAND, hide = true)]
    Refresh(RefreshArgs),

    /// Trust this project's CodeArtifact domains, so the hook may use them
    #[command(after_help = "Examples:\n  cd ~/src/service && ca-env allow")]
    Allow,

    /// Stop trusting this project's CodeArtifact domains
    #[command(after_help = "Examples:\n  cd ~/src/service && ca-env deny")]
    Deny,

    /// Run a command with this project's variables; its exit status passes through
    #[command(
        after_help = "Examples:\n  ca-env exec -- poetry install\n  ca-env exec -- pip install -r requirements.txt"
    )]
    Exec {
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "CMD"
        )]
        command: Vec<OsString>,
    },

    /// Write the variables to a dotenv file (for docker compose build args)
    #[command(
        after_help = "Examples:\n  ca-env dotenv -o .env.codeartifact && docker compose build"
    )]
    Dotenv {
        /// The file to write (default: standard output)
        #[arg(short, long)]
        output: Option<PathBuf>,
    },

    /// Answer uv's and pip's keyring lookups for tools started outside the hook (pull mode)
    #[command(
        after_help = "Examples:\n  ca-env keyring install                     # ~/.local/bin/keyring, a link to ca-env\n  UV_KEYRING_PROVIDER=subprocess uv sync     # uv and pip then ask it\n  pip install --keyring-provider subprocess -r requirements.txt\n  ca-env keyring get https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/store/simple/ aws\n\nRun as `keyring` (the link), ca-env answers `keyring get URL USER` and `keyring get URL\n--mode creds` for trusted CodeArtifact repositories and mapped hosts, within hook_deadline,\nand exits 1 with nothing on stdout for anything else."
    )]
    Keyring {
        #[command(subcommand)]
        action: KeyringAction,
    },

    // Writes the manual pages (ca-env.1 and one per subcommand) into DIR.
    #[command(name = "__man", hide = true)]
    Man { dir: PathBuf },

    /// Print shell completions
    #[command(after_help = "Examples:\n  ca-env completions zsh > ~/.zfunc/_ca-env")]
    Completions {
        #[arg(value_parser = Shell::parser(Shell::COMPLETIONS, &[]))]
        shell: Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyringAction {
    /// Print the token for a URL, as `keyring get` does for uv and pip
    #[command(
        after_help = "Examples:\n  ca-env keyring get https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/store/simple/ aws\n  ca-env keyring get --mode creds --output json http://127.0.0.1:8080/simple/"
    )]
    Get(KeyringGet),

    /// Put a `keyring` link to ca-env in DIR, for uv's and pip's subprocess keyring provider
    #[command(
        after_help = "Examples:\n  ca-env keyring install\n  ca-env keyring install --dir ~/bin"
    )]
    Install {
        /// Where the link goes (default ~/.local/bin)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },

    /// Remove the `keyring` link to ca-env
    #[command(
        after_help = "Examples:\n  ca-env keyring uninstall\n  ca-env keyring uninstall --dir ~/bin"
    )]
    Uninstall {
        /// Where the link is (default ~/.local/bin)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `keyring get`'s arguments, as Python's keyring takes them (and uv and pip give them).
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct KeyringGet {
    /// The URL the tool is about to fetch (or, from pip, its host)
    #[arg(value_name = "URL")]
    pub service: String,
    /// The user name the tool has for it (CodeArtifact's is aws; any is answered)
    pub username: Option<String>,
    /// What to print
    #[arg(long, value_enum, default_value_t = KeyringMode::Password)]
    pub mode: KeyringMode,
    /// How to print it
    #[arg(long, value_enum, default_value_t = KeyringOutput::Plain)]
    pub output: KeyringOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyringMode {
    /// The token
    Password,
    /// The user name and the token
    Creds,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyringOutput {
    /// One value a line
    Plain,
    /// One JSON object, as Python's keyring prints it
    Json,
}

/// ca-env run as `keyring` (the link `ca-env keyring install` makes): the command line of
/// Python's keyring, whose `get` uv and pip call.
#[derive(Debug, Parser)]
#[command(
    name = "keyring",
    version,
    about = "ca-env answering uv's and pip's keyring lookups for CodeArtifact",
    after_help = "Examples:\n  keyring get https://corp-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/store/simple/ aws\n  keyring get http://127.0.0.1:8080/simple/ --mode creds\n  keyring --mode=creds --output=json get http://127.0.0.1:8080/simple/"
)]
pub struct KeyringProgram {
    /// Only get: ca-env keeps its tokens itself
    #[arg(value_enum)]
    operation: KeyringOperation,
    #[command(flatten)]
    get: KeyringGet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KeyringOperation {
    Get,
}

/// The command line: ca-env's own, or Python keyring's when ca-env runs under the name
/// `keyring` (its program name, as the link gives it).
pub fn parse() -> Result<Command, clap::Error> {
    let args: Vec<OsString> = std::env::args_os().collect();
    parse_from(args)
}

fn parse_from(args: Vec<OsString>) -> Result<Command, clap::Error> {
    let program = args.first().map(std::path::Path::new);
    if program.and_then(|p| p.file_stem()) == Some("keyring".as_ref()) {
        let program = KeyringProgram::try_parse_from(args)?;
        return Ok(Command::Keyring {
            action: KeyringAction::Get(program.get),
        });
    }
    Cli::try_parse_from(args).map(|cli| cli.command)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_as_keyring_it_takes_the_arguments_uv_and_pip_give() {
        let get = |argv: &[&str]| match parse_from(argv.iter().map(OsString::from).collect()) {
            Ok(Command::Keyring {
                action: KeyringAction::Get(get),
            }) => get,
            other => panic!("{argv:?}: {other:?}"),
        };
        let url = "https://h/simple/";
        let want = |username: Option<&str>, mode, output| KeyringGet {
            service: url.into(),
            username: username.map(String::from),
            mode,
            output,
        };
        use KeyringMode::*;
        use KeyringOutput::*;
        // uv with a user name, and without (`authenticate = "always"`).
        assert_eq!(
            get(&["keyring", "get", url, "aws"]),
            want(Some("aws"), Password, Plain)
        );
        assert_eq!(
            get(&["keyring", "get", url, "--mode", "creds"]),
            want(None, Creds, Plain)
        );
        // pip 25 and later, with and without a user name; pip before 25.
        assert_eq!(
            get(&[
                "/home/u/.local/bin/keyring",
                "--mode=creds",
                "--output=json",
                "get",
                url
            ]),
            want(None, Creds, Json)
        );
        assert_eq!(
            get(&[
                "keyring",
                "--mode=creds",
                "--output=json",
                "get",
                url,
                "aws"
            ]),
            want(Some("aws"), Creds, Json)
        );
        // The same through ca-env's own command line.
        assert_eq!(
            get(&["ca-env", "keyring", "get", url, "--mode", "creds"]),
            want(None, Creds, Plain)
        );
        for bad in [
            &["keyring", "set", url, "aws"][..],
            &["keyring", "get"],
            &["keyring", "-b", "x", "get", url, "aws"],
        ] {
            assert!(
                parse_from(bad.iter().map(OsString::from).collect()).is_err(),
                "{bad:?}"
            );
        }
        KeyringProgram::command().debug_assert();
    }

    #[test]
    fn every_subcommand_shows_an_example() {
        let cli = Cli::command();
        for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("Examples:\n  "),
                "{} has no example",
                sub.get_name()
            );
        }
    }
}
