"""HIL input preparation: a float dataset for an int8 model is quantized as the converter would."""
import numpy as np
import pytest

from hil.runner import HilInputError, prepare_inputs
from toolchain.model.reader import read_model


def test_float_dataset_is_quantized_with_the_input_scale(tmp_path, models_dir):
    graph = read_model(models_dir / "hello_world_int8.tflite")
    q = graph.input_tensors[0].quant
    x = np.array([[0.0], [1.0], [-3.0], [1000.0]], dtype=np.float32)
    np.savez(tmp_path / "d.npz", x=x, y=np.array([0, 1, 2, 3]))
    inputs = prepare_inputs(graph, dataset_path=tmp_path / "d.npz")
    expected = np.clip(np.round(x / q.scale[0]) + q.zero_point[0], -128, 127).astype(np.int8)
    assert inputs.arrays[0].dtype == np.int8
    assert inputs.arrays[0].reshape(-1).tolist() == expected.reshape(-1).tolist()
    assert inputs.arrays[0][-1, 0] == 127  # saturates, never wraps
    assert inputs.labels.tolist() == [0, 1, 2, 3]


def test_dataset_label_count_must_match(tmp_path, models_dir):
    graph = read_model(models_dir / "hello_world_int8.tflite")
    np.savez(tmp_path / "d.npz", x=np.zeros((3, 1), np.int8), y=np.zeros(2))
    with pytest.raises(HilInputError, match="3 samples but 2 labels"):
        prepare_inputs(graph, dataset_path=tmp_path / "d.npz")
