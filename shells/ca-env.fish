# ca-env: AWS CodeArtifact credentials that follow the shell from project to project.
# Install: ca-env hook fish | source   in ~/.config/fish/config.fish
#
# _ca_env_hook runs before each prompt and at each cd. It starts one `ca-env export fish`,
# which returns at once when nothing changed (same directory and profile, no watched file
# newer, tokens not due), and otherwise prints what brings the shell up to date. That text is
# applied only when ca-env finished (a partial output is never sourced), with fish_trace off so
# no token is ever traced. fish keeps $status across event handlers by itself.

set -g _ca_env_bin ca-env

function _ca_env_hook --on-event fish_prompt --on-variable PWD
    set -l fish_trace
    set -l _ca_env_code (command $_ca_env_bin export fish | string collect)
    if test $pipestatus[1] -eq 0
        builtin printf '%s' $_ca_env_code | builtin source
    end
end

_ca_env_hook
