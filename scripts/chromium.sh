# Sourced by scripts/test: the headless Chromium that the portal's browser tests drive.
#
# ensure_chromium installs Debian's chromium when no Chromium is on PATH (which needs
# root), as start_postgres does for Postgres. The tests look for it on PATH.

ensure_chromium() {
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null; then
      echo "Chromium: $name"
      return
    fi
  done
  echo "Chromium: installing it from Debian"
  debian_install chromium Chromium
}
