# ca-env: AWS CodeArtifact credentials that follow the shell from project to project.
# Install: eval "$(ca-env hook bash)" in ~/.bashrc (bash 5.0 or later).
#
# _ca_env_hook runs first in PROMPT_COMMAND. When nothing changed it starts no process: the
# shell compares $PWD, AWS_PROFILE, the clock and the watched files' times against what the
# last `ca-env export` left in the _ca_env_* variables. Otherwise it runs `ca-env export bash`
# and evaluates what it prints, with tracing off (no token is ever traced) and Ctrl-C ignored
# (nothing is half applied). The exit status of the user's last command is kept.

_ca_env_bin='ca-env'
# Cleared when this file is evaluated again, so the next prompt runs a full export.
_ca_env_dir='' _ca_env_profile='' _ca_env_deadline=0 _ca_env_ref='' _ca_env_watch=()

# The fast path is what every prompt costs, so it is kept to a few comparisons and one `-nt`
# per watched file (a missing reference file counts as changed). Without EPOCHSECONDS (bash
# before 5.0) the deadline test fails and every prompt runs ca-env.
_ca_env_hook() {
  \builtin local _ca_env_status=$? _ca_env_file
  if [[ ${PWD} == "${_ca_env_dir-}" && ${AWS_PROFILE-} == "${_ca_env_profile-}" ]] \
    && ((${EPOCHSECONDS:-_ca_env_deadline} < _ca_env_deadline)); then
    for _ca_env_file in "${_ca_env_watch[@]}"; do
      if [[ ${_ca_env_file} -nt ${_ca_env_ref} ]]; then
        _ca_env_apply
        \builtin return "${_ca_env_status}"
      fi
    done
    \builtin return "${_ca_env_status}"
  fi
  _ca_env_apply
  \builtin return "${_ca_env_status}"
}

_ca_env_apply() {
  \builtin local - _ca_env_code _ca_env_trap
  \builtin set +x +v
  _ca_env_trap=$(\builtin trap -p INT)
  \builtin trap '' INT
  # Applied only when ca-env finished: a partial output is never evaluated.
  if _ca_env_code=$(\command "${_ca_env_bin}" export bash); then
    \builtin eval "${_ca_env_code}"
  fi
  if [[ -n ${_ca_env_trap} ]]; then
    \builtin eval "${_ca_env_trap}"
  else
    \builtin trap - INT
  fi
}

# At the front of PROMPT_COMMAND (an array in bash 5.1 and later, or a string), once.
if [[ -n ${PROMPT_COMMAND+set} && ${PROMPT_COMMAND@a} == *a* ]]; then
  if [[ " ${PROMPT_COMMAND[*]} " != *" _ca_env_hook "* ]]; then
    PROMPT_COMMAND=(_ca_env_hook "${PROMPT_COMMAND[@]}")
  fi
elif [[ ";${PROMPT_COMMAND-};" != *";_ca_env_hook;"* ]]; then
  # shellcheck disable=SC2128,SC2178 # this branch is the one where it is a string
  PROMPT_COMMAND="_ca_env_hook${PROMPT_COMMAND:+;${PROMPT_COMMAND}}"
fi
