# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ca_env_global_optspecs
    string join \n h/help V/version
end

function __fish_ca_env_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ca_env_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ca_env_using_subcommand
    set -l cmd (__fish_ca_env_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ca-env -n "__fish_ca_env_needs_command" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_needs_command" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "hook" -d 'Print the shell integration to eval from an rc file'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "export" -d 'Print what brings the current shell up to date for this directory (the hook runs this)'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "status" -d 'Show the project root, its CodeArtifact sources, token states and managed variables'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "doctor" -d 'Check the hook, the tools that fight ca-env, AWS credentials and the store; say what to run'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "prompt" -d 'Print a few characters for a shell prompt: the nearest token expiry here'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "login" -d 'Get tokens for this project\'s sources now (may run `aws sso login` on a terminal)'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "token" -d 'Print a valid token for a source URL or name, refreshing it if needed'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "logout" -d 'Remove stored tokens: this project\'s, or all'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "__refresh" -d 'Fetch one token and store it (started detached by ca-env itself to refresh ahead)'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "allow" -d 'Trust this project\'s CodeArtifact domains, so the hook may use them'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "deny" -d 'Stop trusting this project\'s CodeArtifact domains'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "exec" -d 'Run a command with this project\'s variables; its exit status passes through'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "dotenv" -d 'Write the variables to a dotenv file (for docker compose build args)'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "keyring" -d 'Answer uv\'s and pip\'s keyring lookups for tools started outside the hook (pull mode)'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "__man"
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c ca-env -n "__fish_ca_env_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ca-env -n "__fish_ca_env_using_subcommand hook" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand hook" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ca-env -n "__fish_ca_env_using_subcommand export" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand status" -l json -d 'Print one JSON object instead of a table'
complete -c ca-env -n "__fish_ca_env_using_subcommand status" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand status" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand doctor" -l json -d 'Print one JSON object instead of lines'
complete -c ca-env -n "__fish_ca_env_using_subcommand doctor" -l online -d 'Also call AWS: one GetAuthorizationToken per entry, and the clock against AWS\'s'
complete -c ca-env -n "__fish_ca_env_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand prompt" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand prompt" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand login" -l force -d 'Get new tokens even when the stored ones are fresh'
complete -c ca-env -n "__fish_ca_env_using_subcommand login" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand login" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand token" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand token" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand logout" -l all -d 'Every token ca-env stored, not only this project\'s'
complete -c ca-env -n "__fish_ca_env_using_subcommand logout" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand logout" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand __refresh" -l provider -r
complete -c ca-env -n "__fish_ca_env_using_subcommand __refresh" -l domain -r
complete -c ca-env -n "__fish_ca_env_using_subcommand __refresh" -l owner -r
complete -c ca-env -n "__fish_ca_env_using_subcommand __refresh" -l region -r
complete -c ca-env -n "__fish_ca_env_using_subcommand __refresh" -l profile -r
complete -c ca-env -n "__fish_ca_env_using_subcommand __refresh" -l duration -r
complete -c ca-env -n "__fish_ca_env_using_subcommand __refresh" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand __refresh" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand allow" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand allow" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand deny" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand deny" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand exec" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand exec" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand dotenv" -s o -l output -d 'The file to write (default: standard output)' -r -F
complete -c ca-env -n "__fish_ca_env_using_subcommand dotenv" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand dotenv" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and not __fish_seen_subcommand_from get install uninstall help" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and not __fish_seen_subcommand_from get install uninstall help" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and not __fish_seen_subcommand_from get install uninstall help" -f -a "get" -d 'Print the token for a URL, as `keyring get` does for uv and pip'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and not __fish_seen_subcommand_from get install uninstall help" -f -a "install" -d 'Put a `keyring` link to ca-env in DIR, for uv\'s and pip\'s subprocess keyring provider'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and not __fish_seen_subcommand_from get install uninstall help" -f -a "uninstall" -d 'Remove the `keyring` link to ca-env'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and not __fish_seen_subcommand_from get install uninstall help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from get" -l mode -d 'What to print' -r -f -a "password\t'The token'
creds\t'The user name and the token'"
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from get" -l output -d 'How to print it' -r -f -a "plain\t'One value a line'
json\t'One JSON object, as Python\'s keyring prints it'"
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from install" -l dir -d 'Where the link goes (default ~/.local/bin)' -r -F
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from uninstall" -l dir -d 'Where the link is (default ~/.local/bin)' -r -F
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from uninstall" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from uninstall" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from help" -f -a "get" -d 'Print the token for a URL, as `keyring get` does for uv and pip'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from help" -f -a "install" -d 'Put a `keyring` link to ca-env in DIR, for uv\'s and pip\'s subprocess keyring provider'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from help" -f -a "uninstall" -d 'Remove the `keyring` link to ca-env'
complete -c ca-env -n "__fish_ca_env_using_subcommand keyring; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ca-env -n "__fish_ca_env_using_subcommand __man" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand __man" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ca-env -n "__fish_ca_env_using_subcommand completions" -s V -l version -d 'Print version'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "hook" -d 'Print the shell integration to eval from an rc file'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "export" -d 'Print what brings the current shell up to date for this directory (the hook runs this)'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "status" -d 'Show the project root, its CodeArtifact sources, token states and managed variables'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "doctor" -d 'Check the hook, the tools that fight ca-env, AWS credentials and the store; say what to run'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "prompt" -d 'Print a few characters for a shell prompt: the nearest token expiry here'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "login" -d 'Get tokens for this project\'s sources now (may run `aws sso login` on a terminal)'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "token" -d 'Print a valid token for a source URL or name, refreshing it if needed'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "logout" -d 'Remove stored tokens: this project\'s, or all'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "__refresh" -d 'Fetch one token and store it (started detached by ca-env itself to refresh ahead)'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "allow" -d 'Trust this project\'s CodeArtifact domains, so the hook may use them'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "deny" -d 'Stop trusting this project\'s CodeArtifact domains'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "exec" -d 'Run a command with this project\'s variables; its exit status passes through'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "dotenv" -d 'Write the variables to a dotenv file (for docker compose build args)'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "keyring" -d 'Answer uv\'s and pip\'s keyring lookups for tools started outside the hook (pull mode)'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "__man"
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "completions" -d 'Print shell completions'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and not __fish_seen_subcommand_from hook export status doctor prompt login token logout __refresh allow deny exec dotenv keyring __man completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and __fish_seen_subcommand_from keyring" -f -a "get" -d 'Print the token for a URL, as `keyring get` does for uv and pip'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and __fish_seen_subcommand_from keyring" -f -a "install" -d 'Put a `keyring` link to ca-env in DIR, for uv\'s and pip\'s subprocess keyring provider'
complete -c ca-env -n "__fish_ca_env_using_subcommand help; and __fish_seen_subcommand_from keyring" -f -a "uninstall" -d 'Remove the `keyring` link to ca-env'
