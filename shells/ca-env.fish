# ca-env: AWS CodeArtifact credentials that follow the shell from project to project.
# Install: ca-env hook fish | source   in ~/.config/fish/config.fish
#
# _ca_env_hook runs before each prompt and at each cd. With fish 3.6 or later, when nothing
# changed it starts no process: the shell compares $PWD, AWS_PROFILE, the deadline and the watched
# files' times against what the last `ca-env export` left in the _ca_env_* variables, with
# builtins only. Otherwise (and at every prompt with older fish, where `ca-env export fish`
# returns at once when nothing changed) it runs `ca-env export fish` and applies what it prints:
# only when ca-env finished (a partial output is never sourced), with fish_trace off so no token
# is ever traced. fish keeps $status across event handlers by itself.

set -g _ca_env_bin ca-env
# The version of ca-env that printed this script, for `ca-env doctor`.
set -g _ca_env_version dev
# Cleared when this file is sourced again, so the next prompt runs a full export.
set -g _ca_env_dir
set -g _ca_env_profile
set -g _ca_env_deadline
set -g _ca_env_clock
set -g _ca_env_watch

function _ca_env_apply
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

# The fast path is what every prompt costs, so it is three builtins, whatever the number of
# watched paths, and no pipe or command substitution (each hands data to another thread, which
# costs about as much as the rest). fish 3.6 has no clock variable, so the time comes from a
# file:
# - same directory and profile, and the clock file writable (fish warns about a redirection
#   it cannot open);
# - the clock emptied, which dates it now (a file in the runtime directory, so no disk);
# - one `test`: the deadline (_ca_env_deadline, a file dated then) still newer than the clock,
#   then _ca_env_watch, which ca-env writes as the rest of that expression: each watched file
#   neither newer nor older than a reference file dated as the file was at the last export (so
#   a file replaced by an older one, with `cp -p`, `mv` or `tar x`, counts as changed), each
#   watched directory not newer than its reference. A missing file or reference counts as
#   changed, unless both are missing.
# Names are compared with an `x` in front, so no value can pass for one of test's operators;
# the paths are absolute. `path` and `true` are called as builtins, so no function of that
# name runs.
if builtin path mtime --relative / >/dev/null 2>&1
    function _ca_env_hook --on-event fish_prompt --on-variable PWD
        set -l fish_trace
        if test "x$PWD" = "x$_ca_env_dir" -a "x$AWS_PROFILE" = "x$_ca_env_profile" \
                -a -w "$_ca_env_clock"
            and builtin true >$_ca_env_clock
            and test "$_ca_env_deadline" -nt "$_ca_env_clock" $_ca_env_watch
            return
        end
        _ca_env_apply
    end
else
    # fish before 3.6 has no `test -nt` (nor `path mtime`, which tells the version).
    function _ca_env_hook --on-event fish_prompt --on-variable PWD
        _ca_env_apply
    end
end

_ca_env_hook
