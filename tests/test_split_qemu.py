"""Split computing end to end: kws_ref_model cut after its average pool; the head's firmware runs on
QEMU (qemu_mps2_an386) under `tinylarge hil run`, which streams each 64-byte feature map to a real
`aggregator serve --tail tail.tflite` process with a teacher. Every stored output must equal the
whole model's TFLM output, nothing lost, and the cascade must still judge and escalate."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.aggregator_support import add_device, build_fc_softmax_teacher, start_server
from toolchain.firmware.build import build_project
from toolchain.firmware.project import generate_project
from toolchain.model.reader import read_model
from toolchain.reference import reference_outputs
from toolchain.split import write_split
from tests.conftest import require

pytestmark = pytest.mark.qemu

TINYLARGE = Path(sys.executable).with_name("tinylarge")
BOARD = "qemu_mps2_an386"
SAMPLES = 12


def _require_tools() -> None:
    missing = [tool for tool in ("qemu-system-arm", "arm-none-eabi-gcc") if shutil.which(tool) is None]
    require(not missing, f"{', '.join(missing)} not installed (scripts/setup.sh)")


def test_head_on_qemu_tail_at_aggregator_equals_whole_model(kws_model, tmp_path):
    _require_tools()
    whole = read_model(kws_model)
    files = write_split(whole, 9, tmp_path / "split")
    assert files.payload_bytes == 64
    project = generate_project(files.head_path, BOARD, tmp_path / "head-fw")
    build_project(project.directory)

    x = np.random.default_rng(11).integers(-128, 128, (SAMPLES, 1, 49, 10, 1)).astype(np.int8)
    np.save(tmp_path / "x.npy", x)
    expected = reference_outputs(kws_model, [x])[0].reshape(SAMPLES, -1)

    rng = np.random.default_rng(3)
    teacher = tmp_path / "teacher.tflite"
    teacher.write_bytes(build_fc_softmax_teacher(rng.standard_normal((12, 490)).astype(np.float32),
                                                 np.zeros(12, np.float32)))
    db = tmp_path / "agg.db"
    token = add_device(str(db), "split-kws")
    server = start_server(str(db), "--tail", str(files.tail_path), "--teacher", str(teacher), "--threshold", "1.0")
    try:
        run = subprocess.run([str(TINYLARGE), "hil", "run", str(project.directory), "--emulator", "qemu",
                              "--inputs", str(tmp_path / "x.npy"), "--aggregator", server.url,
                              "--device-name", "split-kws", "--json", "--no-progress"],
                             capture_output=True, text=True, timeout=600,
                             env={**os.environ, "TINYLARGE_AGGREGATOR_TOKEN": token})
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        assert (report["samples"], report["exact_matches"], report["lost"], report["duplicated"]) == (SAMPLES, SAMPLES,
                                                                                                       0, 0)
    finally:
        server.stop()

    out_quant = whole.output_tensors[0].quant
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT seq, output, tiny_label, escalated, teacher_label FROM results "
                            "WHERE device = 'split-kws' ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == list(range(SAMPLES))
    stored = np.array([json.loads(r[1]) for r in rows])
    assert stored.shape == (SAMPLES, 12)
    raw = np.round(stored / out_quant.scale[0] + out_quant.zero_point[0]).astype(np.int64)
    assert np.array_equal(raw, expected.astype(np.int64))
    assert [r[2] for r in rows] == expected.argmax(axis=1).tolist()
    # the cascade judged the tail's output: threshold 1.0 escalates every result to the teacher
    assert all(r[3] == 1 and r[4] is not None for r in rows)

