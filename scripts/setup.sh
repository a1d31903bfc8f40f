#!/usr/bin/env bash
# Idempotent set-up: Debian packages (only the missing ones), the venv, the package and
# the built-in plugins. The second run does no network work and takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  softhsm2 opensc pcscd pcsc-tools libpcsclite-dev vsmartcard-vpcd
  poppler-utils fonts-liberation2 cups printer-driver-cups-pdf gcc make
  zbar-tools libcups2-dev
  postgresql
  chromium chromium-driver
)
PYTHON=${PYTHON:-python3}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Debian's own python3 needs its venv and headers packages; pyenv/python.org builds do not.
"$PYTHON" -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
"$PYTHON" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
  || missing+=(python3-dev)
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/pip install -q -c constraints.txt --upgrade pip setuptools wheel
fi

# Reinstall only when a pyproject.toml or the pinned set (constraints.txt) changed, or a
# plugin folder appeared. Every version comes from constraints.txt.
shopt -s nullglob
plugin_projects=(plugins/*/pyproject.toml examples/*/pyproject.toml)  # built-ins and the example third-party plugin
stamp=.venv/.helpdesk-installed
want=$(cat pyproject.toml "${plugin_projects[@]}" constraints.txt | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  args=(-e ".[test]")
  for project in "${plugin_projects[@]}"; do
    args+=(-e "$(dirname "$project")")
  done
  echo "setup: installing Python packages"
  # --build-constraint: the sdists built here (pycups, pyscard, our packages) get the
  # pinned setuptools/wheel too.
  .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt --build-constraint constraints.txt "${args[@]}"
  echo "$want" > "$stamp"
fi

# Message catalogs: each .po (core and built-in plugins) compiled by Babel into the .mo
# beside it, read at run time by stdlib gettext. Only when a .po is newer than its .mo;
# helpdesk.i18n compiles any other .po (a third-party plugin's) into a cache on load.
stale=0
for po in helpdesk/locale/*/LC_MESSAGES/*.po plugins/*/helpdesk_*/locale/*/LC_MESSAGES/*.po; do
  [ "${po%.po}.mo" -nt "$po" ] || stale=1
done
if ((stale)); then
  .venv/bin/python -m helpdesk.catalogs compile
fi
