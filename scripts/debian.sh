# Sourced by scripts/test: what it installs from Debian when the machine lacks it.

# debian_install PACKAGE WHAT installs PACKAGE with apt-get, which needs root; without
# root it says how, WHAT naming what is missing, and fails.
debian_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$2 is missing and installing it needs root: apt-get install $1" >&2
    return 1
  fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}
