"""`tinylarge split --sweep`: one row per cut (both ends included) with the bytes sent, the head's
instructions, flash and arena, the latency over the link; the recommended cut; a PNG plot."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from toolchain.boards import load_board
from toolchain.model.reader import read_model
from toolchain.split.sweep import INSTRUCTIONS_PER_MAC, result_wire_bytes, sweep

TINYLARGE = Path(sys.executable).with_name("tinylarge")


def test_wire_bytes_count_every_frame():
    # RUN: COBS(type, seq, request u32, crc32) + 0x00 = 13 B. RESULT of 64 B: 3 + 17 header + 64 + 4 CRC
    # = 88 B body -> 89 B COBS + 1 = 90 B.
    assert result_wire_bytes(64) == 13 + 90
    # 8000 B: 31 full chunks (280 B bodies: 2 COBS code bytes, 283 B on the wire), one of 64 B, and a
    # READ (15 B body -> 17 B) for each chunk after the first.
    assert result_wire_bytes(8000) == 13 + 31 * 283 + 90 + 31 * 17


def test_kws_sweep_rows(kws_model):
    graph = read_model(kws_model)
    report = sweep(graph, load_board("qemu_mps2_an386"), link_bps=115_200)
    assert [r.after for r in report.rows] == list(range(-1, 13)) and report.refused == {}
    first, pool, last = report.rows[0], report.rows[10], report.rows[-1]
    assert (first.label, first.payload_bytes, first.device_instructions, first.head_arena_bytes) == ("input", 490, 0,
                                                                                                   496)
    assert (pool.label, pool.payload_bytes, pool.wire_bytes) == ("9 AVERAGE_POOL_2D", 64, 103)
    assert pool.cut_tensors == ["tensor 31 int8[1,1,1,64]"]
    assert (last.label, last.payload_bytes) == ("output", 12)
    # head after the first conv: the input (490 B, padded to 496) and the 8000 B feature map live together
    assert report.rows[1].head_arena_bytes == 496 + 8000
    assert report.rows[1].head_macs == 320_000
    assert report.rows[1].device_instructions == round(320_000 * INSTRUCTIONS_PER_MAC)
    assert all(r.instructions_source == "estimate" for r in report.rows[1:])
    assert last.head_arena_bytes == 16_000  # the whole model's plan, as `tinylarge inspect`
    for r in report.rows:
        assert r.link_ms == round(r.wire_bytes * 10 / 115_200 * 1e3, 3)
        assert r.device_ms == round(r.device_instructions / 25e6 * 1e3, 3)
    # at 25 MHz and 115200 bit/s the raw input (50 ms on the link) beats any computing on the device
    # (the head alone takes 405 ms); among real splits the FC's 12 B output wins (12 fewer MACs than
    # running the SOFTMAX too)
    assert report.recommended == -1
    assert report.recommended_split == 11


def test_slow_link_and_fast_board_move_the_recommendation(kws_model):
    graph = read_model(kws_model)
    report = sweep(graph, load_board("pico"), link_bps=9_600)
    latency = {r.after: r.latency_ms for r in report.rows}
    assert latency[11] < latency[-1]  # 133 MHz and 9600 bit/s: computing on the device pays
    assert report.recommended == 11 == report.recommended_split


def test_cli_sweep_json_and_plot(resnet_model, tmp_path):
    plot = tmp_path / "resnet.png"
    done = subprocess.run([str(TINYLARGE), "split", str(resnet_model), "--sweep", "--json", "--plot", str(plot)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["rows"]) == 17 and report["plot"] == str(plot)
    two = [r["after"] for r in report["rows"] if len(r["cut_tensors"]) == 2]
    assert two == [1, 2, 4, 5, 6, 8, 9, 10]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 10_000
    bad = subprocess.run([str(TINYLARGE), "split", str(resnet_model), "--sweep", "--measure", "--board", "pico"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: --measure runs each head on the board's QEMU machine; board pico has none"
