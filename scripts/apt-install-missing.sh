# Sourced by scripts/install-*-tools.sh: installs the Debian packages a script found missing.
# apt_install_missing LABEL PACKAGE... : nothing to do without packages; as root, or with sudo,
# apt-get installs them (--no-install-recommends: the tools need none of the extras; --no-remove:
# never remove a package the machine already has; waiting up to 10 minutes for the dpkg lock
# another apt run holds); otherwise it names them in one line and exits 1.
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
  local wait_lock=(-o DPkg::Lock::Timeout=600)
  $SUDO apt-get "${wait_lock[@]}" update -qq >&2
  $SUDO apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends --no-remove "$@" >&2
}
