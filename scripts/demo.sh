#!/usr/bin/env bash
# `make demo`: a demo SoftHSM2 token, pcscd with a virtual card holding it, the kiosk.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

eval "$($PY -m helpdesk.demo prepare .demo)"
export SOFTHSM2_CONF HELPDESK_HOME
$PY -m helpdesk.demo pcscd

$PY -m helpdesk.demo card &
card_pid=$!
trap 'kill $card_pid 2>/dev/null || true; wait $card_pid 2>/dev/null || true' EXIT
sleep 0.5

echo "Demo: HELPDESK_HOME=$HELPDESK_HOME — log in as admin / demo-2026; token PIN 123456, SO PIN 12345678 (demo only)."
if [ -t 0 ] && [ -t 1 ]; then
  .venv/bin/helpdesk
else
  # No terminal (CI, a pipe): show what the kiosk would show, without the TUI.
  .venv/bin/helpdesk token list
  .venv/bin/helpdesk token watch --help >/dev/null 2>&1 || true
  .venv/bin/helpdesk doctor || true
fi
