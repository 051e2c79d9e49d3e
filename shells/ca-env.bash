# ca-env: AWS CodeArtifact credentials that follow the shell from project to project.
# Install: eval "$(ca-env hook bash)" in ~/.bashrc (bash 5.0 or later).
#
# _ca_env_hook runs first in PROMPT_COMMAND. When nothing changed it starts no process: the
# shell compares $PWD, AWS_PROFILE, the clock and the watched files' times against what the
# last `ca-env export` left in the _ca_env_* variables. Otherwise it runs `ca-env export bash`
# and evaluates what it prints, with tracing and DEBUG traps off (no token is ever traced) and
# Ctrl-C ignored (nothing is half applied). The exit status of the user's last command is kept.

_ca_env_bin='ca-env'
# The version of ca-env that printed this script, for `ca-env doctor`.
_ca_env_version='dev'
# Cleared when this file is evaluated again, so the next prompt runs a full export.
_ca_env_dir='' _ca_env_profile='' _ca_env_deadline=0 _ca_env_watch=() _ca_env_dirs=()

# The fast path is what every prompt costs, so it is kept to a few comparisons and one or two
# tests per watched path (each test is two stats). _ca_env_watch holds pairs of a file and a
# reference file dated as the file was at the last export, so a file changed either way
# (edited, or replaced by an older file with `cp -p`, `mv`, `tar x`) differs from its
# reference; _ca_env_dirs the same for directories, whose time only moves forward, so one test
# does. A missing reference or file counts as changed. The pairs are walked as the function's
# own arguments (`set --`), which is cheaper than indexing. Without EPOCHSECONDS (bash before
# 5.0) the deadline test fails and every prompt runs ca-env.
#
# The hook returns the user's status so PS1 and later PROMPT_COMMAND entries still see it; it
# is called as `_ca_env_hook && :`, where a failing status neither ends a `set -e` shell nor
# runs an ERR trap (bash exempts all but the last command of an && list).
_ca_env_hook() {
  \builtin local _ca_env_status=$?
  if [[ ${PWD} == "${_ca_env_dir-}" && ${AWS_PROFILE-} == "${_ca_env_profile-}" ]] \
    && ((${EPOCHSECONDS:-_ca_env_deadline} < _ca_env_deadline)); then
    \builtin set -- "${_ca_env_watch[@]}"
    while (($# > 1)); do
      if [[ $1 -nt $2 || $1 -ot $2 ]]; then
        _ca_env_apply
        \builtin return "${_ca_env_status}"
      fi
      \builtin shift 2
    done
    \builtin set -- "${_ca_env_dirs[@]}"
    while (($# > 1)); do
      if [[ $1 -nt $2 ]]; then
        _ca_env_apply
        \builtin return "${_ca_env_status}"
      fi
      \builtin shift 2
    done
    \builtin return "${_ca_env_status}"
  fi
  _ca_env_apply
  \builtin return "${_ca_env_status}"
}

# What ca-env prints reads variables' attributes (read-only, exported), so it runs with
# nounset off, and without aliases (one named `export` or `if` changes nothing); the user's
# options, aliases, INT and DEBUG traps come back on return.
_ca_env_apply() {
  \builtin local - _ca_env_code _ca_env_int _ca_env_debug _ca_env_aliases=''
  \builtin set +x +v +u
  \builtin shopt -q expand_aliases && _ca_env_aliases=on
  \builtin shopt -u expand_aliases
  _ca_env_int=$(\builtin trap -p INT)
  _ca_env_debug=$(\builtin trap -p DEBUG)
  \builtin trap '' INT
  \builtin trap - DEBUG
  # Applied only when ca-env finished: a partial output is never evaluated.
  if _ca_env_code=$(\command "${_ca_env_bin}" export bash); then
    \builtin eval "${_ca_env_code}"
  fi
  \builtin eval "${_ca_env_debug}"
  [[ -z ${_ca_env_aliases} ]] || \builtin shopt -s expand_aliases
  if [[ -n ${_ca_env_int} ]]; then
    \builtin eval "${_ca_env_int}"
  else
    \builtin trap - INT
  fi
}

# At the front of PROMPT_COMMAND (an array in bash 5.1 and later, or a string), once.
if [[ -n ${PROMPT_COMMAND+set} && ${PROMPT_COMMAND@a} == *a* ]]; then
  if [[ " ${PROMPT_COMMAND[*]} " != *" _ca_env_hook && : "* ]]; then
    PROMPT_COMMAND=('_ca_env_hook && :' "${PROMPT_COMMAND[@]}")
  fi
elif [[ ";${PROMPT_COMMAND-};" != *";_ca_env_hook && :;"* ]]; then
  # shellcheck disable=SC2128,SC2178 # this branch is the one where it is a string
  PROMPT_COMMAND="_ca_env_hook && :${PROMPT_COMMAND:+;${PROMPT_COMMAND}}"
fi

# `ca-env doctor` run in this shell hands ca-env what only the shell knows: which ca-env loaded
# this hook, whether the hook function is still there, and how often PROMPT_COMMAND runs it (a
# later line of the rc file or a theme may have replaced PROMPT_COMMAND). Every other command
# runs exactly as it would without this function: the `ca-env` on PATH, with its arguments,
# status and signals. Builtins only; nothing here runs at a prompt. Not in POSIX mode, where a
# function's name cannot hold a `-`.
if ! \builtin shopt -qo posix; then
  function ca-env {
    if [[ ${1-} == doctor ]]; then
      \builtin local _ca_env_entry='_ca_env_hook && :' _ca_env_defined=0
      \builtin local _ca_env_all="${PROMPT_COMMAND[*]-}"
      \builtin local _ca_env_rest="${_ca_env_all//"${_ca_env_entry}"/}"
      \builtin declare -F _ca_env_hook >/dev/null && _ca_env_defined=1
      __CA_ENV_SHELL="shell=bash
version=${_ca_env_version-}
bin=${_ca_env_bin-}
hook=${_ca_env_defined}
prompt=$(((${#_ca_env_all} - ${#_ca_env_rest}) / ${#_ca_env_entry}))" \command ca-env "$@"
    else
      \command ca-env "$@"
    fi
  }
fi
