"""The sweep as a picture: end-to-end latency (device and link parts) and bytes sent, per cut."""
from __future__ import annotations

from pathlib import Path

from toolchain.errors import ToolchainError
from toolchain.split.sweep import SweepReport


def plot_sweep(report: SweepReport, path: str | Path) -> Path:
    try:
        import matplotlib
    except ImportError:
        raise ToolchainError("the sweep plot needs matplotlib: pip install 'tinylarge[plot]'") from None
    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    rows = report.rows
    x = range(len(rows))
    fig, latency_axis = plt.subplots(figsize=(max(6.0, 0.55 * len(rows) + 2), 4.5))
    device = [r.device_ms for r in rows]
    latency_axis.bar(x, device, color="#4c72b0", label="device compute")
    latency_axis.bar(x, [r.link_ms for r in rows], bottom=device, color="#dd8452", label="link")
    latency_axis.set_ylabel("end-to-end latency (ms)")
    latency_axis.set_xticks(list(x), [r.label for r in rows], rotation=60, ha="right", fontsize=8)
    latency_axis.set_xlabel("cut after operator")
    bytes_axis = latency_axis.twinx()
    bytes_axis.plot(list(x), [r.payload_bytes for r in rows], color="#2f2f2f", marker="o", label="bytes sent")
    bytes_axis.set_yscale("log")
    bytes_axis.set_ylabel("bytes sent per inference")
    if report.recommended is not None:
        best = next(i for i, r in enumerate(rows) if r.after == report.recommended)
        latency_axis.annotate("recommended", (best, rows[best].latency_ms), xytext=(0, 12),
                              textcoords="offset points", ha="center", fontsize=8, color="#c44e52",
                              arrowprops={"arrowstyle": "->", "color": "#c44e52"})
    estimated = any(r.instructions_source == "estimate" for r in rows)
    latency_axis.set_title(f"{report.model} on {report.board}, {report.link_bps:,} bit/s link"
                           + (" (device time estimated from MACs)" if estimated else ""), fontsize=10)
    handles = latency_axis.get_legend_handles_labels()
    more = bytes_axis.get_legend_handles_labels()
    latency_axis.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    out = Path(path)
    try:
        fig.savefig(out, dpi=110)
    except OSError as exc:
        raise ToolchainError(f"{out}: cannot write the plot ({exc.strerror})") from None
    finally:
        plt.close(fig)
    return out
