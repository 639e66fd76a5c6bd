"""An example of a user's own HIL test with the pytest plugin (fixtures `dut`, `tl_project`).
Skipped unless run with --tl-project and --tl-port / --tl-emulator; tests/test_hil_qemu.py runs
it on QEMU."""
import numpy as np

from toolchain.reference import reference_outputs


def test_boots_and_passes_its_self_test(dut):
    assert dut.expect_line(r"^TL-SELFTEST (PASS|FAIL)", timeout=30).group(1) == "PASS"


def test_identity_is_the_project_model(dut, tl_project):
    assert dut.identity().model_hash == tl_project.model_hash
    assert dut.identity().board == tl_project.board.id


def test_one_input_matches_tflm(dut, tl_project):
    info = dut.identity().inputs[0]
    x = np.random.default_rng(0).integers(-128, 128, (1, *info.shape)).astype(info.dtype)
    expected = reference_outputs(tl_project.model_path, [x])[0][0]
    np.testing.assert_array_equal(dut.infer(x[0]).outputs[0], expected)
