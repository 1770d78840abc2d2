# Sourced by scripts/install-*-tools.sh: installs the Debian packages a script found missing.
# apt_install_missing LABEL PACKAGE... : nothing to do without packages; as root, or with sudo,
# apt-get installs them (--no-install-recommends: the tools need none of the extras); otherwise it
# names them in one line and exits 1.
apt_install_missing() {
  local label=$1
  shift
  [ $# -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "$label: missing $*; install them (apt-get install -y $*) and rerun" >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "$label: installing $*" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >&2
}
