"""pytest plugin: write HIL tests in Python and run them on a board or an emulator unchanged.

    pytest --tl-project firmware_out/kws-qemu_mps2_an386 --tl-emulator qemu tests_hil/
    pytest --tl-project firmware_out/kws-nucleo_f446re --tl-port auto tests_hil/

    def test_keyword(dut, tl_project):
        dut.expect_line(r"TL-SELFTEST PASS")      # boot text (emulators start fresh)
        result = dut.infer(np.zeros((1, 49, 10, 1), np.int8))
        assert result.outputs[0].argmax() == 5

Fixtures: `dut` (hil.dut.Dut, one per session), `tl_project` (the generated project). Without
--tl-port / --tl-emulator the tests that use them are skipped, so a suite also runs on machines
with no device. A wrong project, port or board is one `ERROR:` line (pytest.UsageError, exit 4)
before any test runs: the project is loaded when pytest starts, the device opened once collection
shows a test needs it.
"""
from __future__ import annotations

import pytest

from toolchain.errors import ToolchainError

_PROJECT = pytest.StashKey[object]()
_DEVICE = pytest.StashKey[tuple]()  # (Dut, emulator session or None)


def pytest_addoption(parser) -> None:
    group = parser.getgroup("tinylarge", "tinylarge hardware-in-the-loop")
    group.addoption("--tl-project", default=None, help="generated firmware project directory (tinylarge generate)")
    group.addoption("--tl-port", default=None, help="serial port or URL of the board, or 'auto' (USB VID:PID)")
    group.addoption("--tl-emulator", default=None, choices=("qemu", "renode"),
                    help="run the project's ELF on this emulator instead of a board")
    group.addoption("--tl-env", default=None, help="PlatformIO env of the ELF (default: the project's)")


def pytest_configure(config) -> None:
    directory = config.getoption("--tl-project")
    port, emulator = config.getoption("--tl-port"), config.getoption("--tl-emulator")
    if port is not None and emulator is not None:
        raise pytest.UsageError("give either --tl-port or --tl-emulator, not both")
    if directory is None:
        if port is not None or emulator is not None:
            raise pytest.UsageError("--tl-port and --tl-emulator need --tl-project DIR (the generated project)")
        return
    from toolchain.firmware.project import load_project

    try:
        config.stash[_PROJECT] = load_project(directory)
    except ToolchainError as exc:
        raise pytest.UsageError(f"--tl-project {directory}: {exc}") from None


def pytest_collection_finish(session) -> None:
    """Opens the device once, before the first test, if a collected test asks for it."""
    config = session.config
    port, emulator = config.getoption("--tl-port"), config.getoption("--tl-emulator")
    if (port is None and emulator is None) or config.option.collectonly:
        return
    if not any("dut" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    try:
        config.stash[_DEVICE] = _open_device(config.stash[_PROJECT], port, emulator, config.getoption("--tl-env"))
    except ToolchainError as exc:
        where = f"--tl-emulator {emulator}" if emulator else f"--tl-port {port}"
        raise pytest.UsageError(f"{where}: {exc}") from None


def _open_device(project, port: str | None, emulator: str | None, env: str | None) -> tuple:
    from hil.dut import Dut
    from hil.link import open_link

    if emulator is None:
        from toolchain.flash import resolve_port

        return Dut(open_link(resolve_port(project.board, port), baud=project.board.console.baud)), None
    from toolchain.emulators.launch import start_emulator

    session = start_emulator(project, emulator, env=env)
    try:
        return Dut(open_link(session.url)), session
    except BaseException:
        session.stop()
        raise


def pytest_unconfigure(config) -> None:
    device, session = config.stash.get(_DEVICE, (None, None))
    if device is not None:
        device.close()
    if session is not None:
        session.stop()


@pytest.fixture(scope="session")
def tl_project(request):
    if _PROJECT not in request.config.stash:
        pytest.skip("no --tl-project given")
    return request.config.stash[_PROJECT]


@pytest.fixture(scope="session")
def dut(request, tl_project):
    if _DEVICE not in request.config.stash:
        pytest.skip("no device: pass --tl-port PORT|auto or --tl-emulator qemu|renode")
    return request.config.stash[_DEVICE][0]
