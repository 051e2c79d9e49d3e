# ca-env: AWS CodeArtifact credentials that follow the shell from project to project.
# Install: ca-env hook fish | source   in ~/.config/fish/config.fish
#
# _ca_env_hook runs before each prompt and at each cd. It starts one `ca-env export fish`,
# which returns at once when nothing changed (same directory and profile, no watched file
# newer, tokens not due), and otherwise prints what brings the shell up to date. That text is
# applied only when ca-env finished (a partial output is never sourced), with fish_trace off so
# no token is ever traced. fish keeps $status across event handlers by itself.

set -g _ca_env_bin ca-env
# The version of ca-env that printed this script, for `ca-env doctor`.
set -g _ca_env_version dev

function _ca_env_hook --on-event fish_prompt --on-variable PWD
    set -l fish_trace
    set -l _ca_env_code (command $_ca_env_bin export fish | string collect)
    if test $pipestatus[1] -eq 0
        builtin printf '%s' $_ca_env_code | builtin source
    end
end

# `ca-env doctor` run in this shell hands ca-env what only the shell knows: which ca-env loaded
# this hook, whether the hook function is still there, and whether it still handles fish_prompt
# and changes of PWD. Every other command runs exactly as it would without this function: the
# `ca-env` on PATH, with its arguments and status.
function ca-env --description 'ca-env; `ca-env doctor` also learns how this shell runs the hook'
    if test "$argv[1]" = doctor
        set -l hook 0
        functions -q _ca_env_hook; and set hook 1
        set -l prompt (functions --handlers-type generic | string match -- 'fish_prompt _ca_env_hook' | count)
        set -l cd (functions --handlers-type variable | string match -- 'PWD _ca_env_hook' | count)
        set -lx __CA_ENV_SHELL (string join \n shell=fish "version=$_ca_env_version" "bin=$_ca_env_bin" hook=$hook prompt=$prompt cd=$cd | string collect)
        command ca-env $argv
    else
        command ca-env $argv
    end
end

_ca_env_hook
