#!/usr/bin/env bash
# Installs what is missing, then runs the end-to-end demo on the default emulated board.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/tinylarge demo "$@"
