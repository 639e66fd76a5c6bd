"""The dashboard in a real headless Chromium: the fleet table shows the posted device and its
counts, and the page loads nothing from anywhere but the service itself."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aggregator_support import add_device, post_batch, start_server
from tests.conftest import require
from toolchain.aggregator.app import DASHBOARD_DIR

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _os_release_id() -> str:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return ""
    match = re.search(r"^ID=\"?([\w.-]+)", text, re.M)
    return match.group(1) if match else ""


@pytest.fixture
def chromium() -> str:
    # scripts/setup.sh installs Debian's chromium; Ubuntu's package is only a snap installer
    # (no snapd in containers), so there a missing browser is expected, not a missing input.
    if CHROMIUM is None and _os_release_id() == "ubuntu":
        pytest.skip("no chromium: Ubuntu's package installs a snap, which containers cannot run")
    require(CHROMIUM, "chromium is not installed (Debian package 'chromium', scripts/setup.sh)")
    return CHROMIUM


class _DashboardDom(HTMLParser):
    """Collects the body's data-state, elements by id, and fleet-table cells by device."""

    def __init__(self) -> None:
        super().__init__()
        self.state = None
        self.by_id: dict[str, str] = {}
        self.rows: dict[str, dict[str, str]] = {}
        self._row = self._cell = self._id = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.state = attrs.get("data-state")
        if tag == "tr" and "data-device" in attrs:
            self._row = self.rows.setdefault(attrs["data-device"], {})
        if tag == "td" and self._row is not None:
            self._cell = attrs.get("class", "").split()[-1]
            self._row[self._cell] = ""
        if "id" in attrs:
            self._id = attrs["id"]
            self.by_id[self._id] = ""

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        if tag == "td":
            self._cell = None
        self._id = None

    def handle_data(self, data):
        if self._row is not None and self._cell is not None:
            self._row[self._cell] += data
        if self._id is not None:
            self.by_id[self._id] += data


def _chromium(url: str, profile: Path, net_log: Path) -> str:
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--virtual-time-budget=5000", f"--log-net-log={net_log}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _page_requests(net_log: Path, page_site: str) -> set[str]:
    """URLs the page asked for: requests keyed to the page's site (the browser's own background
    traffic, e.g. its update checks, has no page behind it)."""
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return {event["params"]["url"] for event in log["events"]
            if event["type"] == start_job
            and event.get("params", {}).get("network_isolation_key", "").split(" ")[0] == page_site}


def test_fleet_table_shows_the_device_and_nothing_external_is_requested(chromium, tmp_path):
    db = str(tmp_path / "fleet.db")
    token = add_device(db, "dash-board-1")
    add_device(db, "dash-idle")
    server = start_server(db)
    try:
        results = [{"seq": i, "output": [0.9, 0.1] if i < 9 else [0.2, 0.8], "label": 0, "latency_cycles": 1000 * (i + 1)}
                   for i in range(12)]
        body = {"device": "dash-board-1", "session": "ui", "results": results}
        assert post_batch(server.url, token, body).json()["accepted"] == 12
        net_log = tmp_path / "net.json"
        dom = _DashboardDom()
        dom.feed(_chromium(f"{server.url}/", tmp_path / "profile", net_log))
    finally:
        server.stop()

    assert dom.state == "ready"
    assert dom.by_id["total-results"] == "12" and dom.by_id["total-devices"] == "2"
    assert dom.by_id["total-accuracy"] == "75.0 %"  # 9 of 12 predicted class 0 == label
    row = dom.rows["dash-board-1"]
    assert row["name"] == "dash-board-1" and row["results"] == "12"
    assert row["accuracy"] == "75.0 %" and row["latency-mean"] == "6,500" and row["latency-max"] == "12,000"
    assert row["last-seen"].endswith("s ago")
    assert dom.rows["dash-idle"]["results"] == "0" and dom.rows["dash-idle"]["last-seen"] == "never"

    requested = _page_requests(net_log, "http://127.0.0.1")
    assert requested == {f"{server.url}/{path}" for path in
                         ("", "dashboard/style.css", "dashboard/app.js", "v1/stats")}


def test_dashboard_files_reference_no_other_host():
    """Belt and braces: no absolute URL in the shipped files except the SVG namespace name."""
    for path in DASHBOARD_DIR.iterdir():
        text = path.read_text().replace('"http://www.w3.org/2000/svg"', "")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE), path.name


class _AxisLabels(HTMLParser):
    """The y-axis labels (right-aligned tick texts) of each chart, by the chart's id."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: dict[str, list[str]] = {}
        self._chart = self._tick = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":
            self._chart = self.labels.setdefault(attrs.get("id"), [])
        if tag == "text" and attrs.get("class") == "tick" and attrs.get("text-anchor") == "end":
            self._tick = ""

    def handle_endtag(self, tag):
        if tag == "text" and self._tick is not None:
            self._chart.append(self._tick)
            self._tick = None

    def handle_data(self, data):
        if self._tick is not None:
            self._tick += data


def test_count_axes_have_whole_number_ticks(chromium, tmp_path):
    """Three results with three different latencies: each histogram bar is 1, so the count axis
    reads 0 and 1 (not 0, 0.3, 0.5, 0.8, 1)."""
    db = str(tmp_path / "fleet.db")
    token = add_device(db, "dash-axis")
    server = start_server(db)
    try:
        results = [{"seq": i, "output": [0.9, 0.1], "label": 0, "latency_cycles": 1000 * (i + 1)} for i in range(3)]
        assert post_batch(server.url, token, {"device": "dash-axis", "session": "ui", "results": results}
                          ).json()["accepted"] == 3
        page = _AxisLabels()
        page.feed(_chromium(f"{server.url}/", tmp_path / "profile", tmp_path / "net.json"))
    finally:
        server.stop()
    assert page.labels["chart-latency"] == ["0", "1"]
    assert page.labels["chart-timeline"] == ["0", "1", "2", "3", "4", "5"]
