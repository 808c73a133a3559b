#!/usr/bin/env bash
# Set up tkpk-workbench on a fresh Debian/Ubuntu machine with Python 3.11.
#   bash scripts/setup.sh          # library + report tools
#   bash scripts/setup.sh --dev    # plus the test tools
# System packages: chromium prints the HTML reports to PDF (no browser download at
# run time), poppler-utils reads PDFs back in the tests, python3-venv makes the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=""
[ "${1:-}" = "--dev" ] && extra="[dev]"

need=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
python3 -c "import ensurepip" >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages: ${need[*]}"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "warning: could not install ${need[*]} (no apt-get); PDF export needs Chrome/Chromium/Edge" >&2
  fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extra}"
echo "tkpk-workbench installed in .venv ($(.venv/bin/python --version))"
