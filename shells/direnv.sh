# ca-env for direnv: defines `use codeartifact` for .envrc files.
# Install: ca-env hook direnv > ~/.config/direnv/lib/ca-env.sh
#
# `use codeartifact` exports this project's CodeArtifact variables as plain variables (direnv
# restores them when you leave) and watches the project files, ca-env's configuration and its
# state directory, where every stored token is recorded: direnv reloads when a token is
# renewed, trust changes, or a project file does.

use_codeartifact() {
  local code
  if code=$('ca-env' export direnv); then
    eval "${code}"
  else
    log_error "ca-env export failed; see 'ca-env status'"
  fi
}
