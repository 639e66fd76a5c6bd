"""pytest plugin: write HIL tests in Python and run them on a board or an emulator unchanged.

    pytest --tl-project firmware_out/kws-qemu_mps2_an386 --tl-emulator qemu tests_hil/
    pytest --tl-project firmware_out/kws-nucleo_f446re --tl-port auto tests_hil/

    def test_keyword(dut, tl_project):
        dut.expect_line(r"TL-SELFTEST PASS")      # boot text (emulators start fresh)
        result = dut.infer(np.zeros((1, 49, 10, 1), np.int8))
        assert result.outputs[0].argmax() == 5

Fixtures: `dut` (hil.dut.Dut, one per session), `tl_project` (the generated project). Without
--tl-port / --tl-emulator the tests that use them are skipped, so a suite also runs on machines
with no device.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser) -> None:
    group = parser.getgroup("tinylarge", "tinylarge hardware-in-the-loop")
    group.addoption("--tl-project", default=None, help="generated firmware project directory (tinylarge generate)")
    group.addoption("--tl-port", default=None, help="serial port or URL of the board, or 'auto' (USB VID:PID)")
    group.addoption("--tl-emulator", default=None, choices=("qemu", "renode"),
                    help="run the project's ELF on this emulator instead of a board")
    group.addoption("--tl-env", default=None, help="PlatformIO env of the ELF (default: the project's)")


@pytest.fixture(scope="session")
def tl_project(request):
    from toolchain.firmware.project import load_project

    directory = request.config.getoption("--tl-project")
    if directory is None:
        pytest.skip("no --tl-project given")
    return load_project(directory)


@pytest.fixture(scope="session")
def dut(request, tl_project):
    from hil.dut import Dut
    from hil.link import open_link

    port = request.config.getoption("--tl-port")
    emulator = request.config.getoption("--tl-emulator")
    env = request.config.getoption("--tl-env")
    if port is None and emulator is None:
        pytest.skip("no device: pass --tl-port PORT|auto or --tl-emulator qemu|renode")
    if port is not None and emulator is not None:
        raise pytest.UsageError("give either --tl-port or --tl-emulator, not both")
    if emulator is not None:
        from toolchain.emulators.launch import start_emulator

        session = start_emulator(tl_project, emulator, env=env)
        link = open_link(session.url)
    else:
        from toolchain.flash import resolve_port

        session = None
        link = open_link(resolve_port(tl_project.board, port), baud=tl_project.board.console.baud)
    device = Dut(link)
    try:
        yield device
    finally:
        device.close()
        if session is not None:
            session.stop()
