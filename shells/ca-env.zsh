# ca-env: AWS CodeArtifact credentials that follow the shell from project to project.
# Install: eval "$(ca-env hook zsh)" in ~/.zshrc.
#
# _ca_env_hook runs from precmd (before each prompt) and chpwd (at each cd, so that
# `cd project && poetry install` already has the credentials); the second run for the same
# directory finds nothing changed. When nothing changed it starts no process: the shell
# compares $PWD, AWS_PROFILE, the clock and the watched files' times against what the last
# `ca-env export` left in the _ca_env_* variables. Otherwise it runs `ca-env export zsh` and
# evaluates what it prints with zsh's default options, aliases, tracing and DEBUG traps off
# (no token is ever traced, an alias named `export` changes nothing) and Ctrl-C ignored
# (nothing is half applied); all are restored on return.
# zsh keeps $? across hook functions by itself, so the hook returns 0: a failing status would
# end an `errexit` shell and run a ZERR trap a second time.

_ca_env_bin='ca-env'
# The version of ca-env that printed this script, for `ca-env doctor`.
_ca_env_version='dev'
# Cleared when this file is evaluated again, so the next prompt runs a full export.
\builtin typeset -g _ca_env_dir='' _ca_env_profile=''
\builtin typeset -g _ca_env_deadline=0
\builtin typeset -ga _ca_env_watch _ca_env_dirs
_ca_env_watch=() _ca_env_dirs=()
\builtin zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null

# The fast path is what every prompt costs, so it is kept to a few comparisons and two tests
# per watched file, written to work under any user options. _ca_env_watch holds pairs of a
# file and a reference file dated as the file was at the last export, so a file changed
# either way (edited, or replaced by an older file with `cp -p`, `mv`, `tar x`) differs from
# its reference; _ca_env_dirs the same for directories, whose time only moves forward (one
# test each). zsh's tests are false when either file is missing; ca-env removes only
# references unused for a day, watches the directories that hold project files, and the
# deadline is never more than an hour away.
_ca_env_hook() {
  \builtin local _ca_env_file _ca_env_ref
  if [[ ${PWD} == "${_ca_env_dir-}" && ${AWS_PROFILE-} == "${_ca_env_profile-}" ]] \
    && ((${EPOCHSECONDS:-0} < ${_ca_env_deadline:-0})); then
    for _ca_env_file _ca_env_ref in "${_ca_env_watch[@]}"; do
      if [[ ${_ca_env_file} -nt ${_ca_env_ref} || ${_ca_env_file} -ot ${_ca_env_ref} ]]; then
        _ca_env_apply
        \builtin return 0
      fi
    done
    for _ca_env_file _ca_env_ref in "${_ca_env_dirs[@]}"; do
      if [[ ${_ca_env_file} -nt ${_ca_env_ref} ]]; then
        _ca_env_apply
        \builtin return 0
      fi
    done
    \builtin return 0
  fi
  _ca_env_apply
  \builtin return 0
}

_ca_env_apply() {
  \builtin emulate -L zsh
  \builtin setopt local_traps no_xtrace no_verbose no_aliases
  \builtin local _ca_env_code
  \builtin trap '' INT
  \builtin trap - DEBUG
  # Applied only when ca-env finished: a partial output is never evaluated.
  if _ca_env_code=$(\command "${_ca_env_bin}" export zsh); then
    \builtin eval "${_ca_env_code}"
  fi
}

\builtin autoload -Uz add-zsh-hook
add-zsh-hook precmd _ca_env_hook
add-zsh-hook chpwd _ca_env_hook

# `ca-env doctor` run in this shell hands ca-env what only the shell knows: which ca-env loaded
# this hook, whether the hook function is still there, and how often precmd_functions and
# chpwd_functions run it (a theme loaded later may reset them). Every other command runs exactly
# as it would without this function: the `ca-env` on PATH, with its arguments, status and
# signals. Nothing here runs at a prompt.
function ca-env {
  \builtin emulate -L zsh
  if [[ ${1-} == doctor ]]; then
    __CA_ENV_SHELL="shell=zsh
version=${_ca_env_version-}
bin=${_ca_env_bin-}
hook=${+functions[_ca_env_hook]}
prompt=${#${(@M)precmd_functions:#_ca_env_hook}}
cd=${#${(@M)chpwd_functions:#_ca_env_hook}}" \command ca-env "$@"
  else
    \command ca-env "$@"
  fi
}
