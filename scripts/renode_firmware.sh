#!/usr/bin/env bash
# Generates and builds (offline) the firmware of every board Renode models, for renode-test:
# OUT/<board>/renode/<board>.robot then boots OUT/<board>'s ELF and checks identity + self-test.
# Usage: scripts/renode_firmware.sh [MODEL.tflite] [OUT]   (default model: a seeded int8
# FULLY_CONNECTED model built from the test generator, so no downloads are needed)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${2:-build/renode}
mkdir -p "$out"
model=${1:-$out/fully_connected_int8.tflite}
if [ -z "${1:-}" ]; then
  .venv/bin/python - "$model" <<'EOF'
import sys
import numpy as np
from tests.opmodels import INT8, fully_connected
from toolchain.model.writer import write_model
write_model(fully_connected(np.random.default_rng(2026), INT8), sys.argv[1])
EOF
fi
# Boards are data: every board with [emulators.renode] whose bare-metal build works offline.
boards=$(.venv/bin/python -c 'from toolchain.boards import load_catalog
print(" ".join(b.id for b in load_catalog().values() if b.emulators.renode and b.platformio.offline))')
for board in $boards; do
  echo "renode_firmware: $board"
  .venv/bin/tinylarge generate "$model" --board "$board" -o "$out/$board"
  .venv/bin/tinylarge build "$out/$board"
done
ls "$out"/*/renode/*.robot
