#!/usr/bin/env bash
# `make demo`: a demo SoftHSM2 token, pcscd with a virtual card holding it, the kiosk.
#
# What this script starts it stops when the kiosk exits (or on Ctrl-C / SIGTERM): the
# virtual card, and pcscd and cupsd if they were not running before. A pcscd or cupsd
# that was already running is used and left running. cupsd is shared with test
# sessions the way helpdesk/testing/cups.py does it: a shared lock on
# /tmp/helpdesk-cupsd.lock while in use; the demo stops its cupsd only when nobody
# else holds that lock.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
DEMO_DIR=${HELPDESK_DEMO_DIR:-.demo}
CUPS_LOCK=/tmp/helpdesk-cupsd.lock
mkdir -p "$DEMO_DIR"

started_pcscd="" started_cupsd="" card_pid=""

stop_pid() {  # SIGTERM a child we started, then wait for it (SIGKILL after 10 s)
  local pid=$1 name=$2
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
  echo "demo: stopped $name (pid $pid)"
}

cleanup() {
  trap - EXIT INT TERM
  [ -n "$card_pid" ] && stop_pid "$card_pid" "the virtual card"
  [ -n "$started_pcscd" ] && stop_pid "$started_pcscd" "pcscd"
  if [ -n "$started_cupsd" ]; then
    if flock -n -x 8; then
      stop_pid "$started_cupsd" "cupsd"
    else
      echo "demo: cupsd (pid $started_cupsd) left running: a test session is using it"
    fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pcscd_running() { $PY -c 'import sys; from helpdesk.testing.pcscd import is_running; sys.exit(not is_running())'; }
cupsd_running() { LC_ALL=C lpstat -r 2>/dev/null | grep -q "scheduler is running"; }

# cupsd first: `helpdesk.demo prepare` adds the demo printer to it.
exec 8>>"$CUPS_LOCK"
flock -s 8
if command -v cupsd >/dev/null && ! cupsd_running; then
  cupsd -f >>"$DEMO_DIR/cupsd.log" 2>&1 &
  started_cupsd=$!
  for _ in $(seq 100); do cupsd_running && break; sleep 0.1; done
  cupsd_running || { echo "demo: cupsd did not start (see $DEMO_DIR/cupsd.log); printing is off" >&2; }
fi

eval "$($PY -m helpdesk.demo prepare "$DEMO_DIR")"
export SOFTHSM2_CONF HELPDESK_HOME

if ! pcscd_running; then
  if [ "$(id -u)" != 0 ]; then
    echo "demo: pcscd is not running and only root can start it" >&2
    exit 2
  fi
  $PY -c 'from helpdesk.testing.pcscd import clean_stale_files; clean_stale_files()'
  pcscd --foreground >>"$DEMO_DIR/pcscd.log" 2>&1 &
  started_pcscd=$!
  $PY - <<'EOF' || { echo "demo: pcscd did not start (see $DEMO_DIR/pcscd.log)" >&2; exit 2; }
import sys, time
from helpdesk.testing.pcscd import is_running, vpcd_listening
deadline = time.monotonic() + 10
while not (is_running() and vpcd_listening()):
    if time.monotonic() > deadline:
        sys.exit(1)
    time.sleep(0.05)
EOF
fi

$PY -m helpdesk.demo card &
card_pid=$!
sleep 0.5

echo "Demo: HELPDESK_HOME=$HELPDESK_HOME — log in as admin / demo-2026; token PIN 123456, SO PIN 12345678 (demo only)."
if [ -t 0 ] && [ -t 1 ]; then
  .venv/bin/helpdesk
else
  # No terminal (CI, a pipe): show what the kiosk would show, without the TUI.
  .venv/bin/helpdesk token list
  .venv/bin/helpdesk doctor || true
fi
