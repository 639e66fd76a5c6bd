"""Data loaders, the synthetic generator, the hold-out split and extra-data merging (no TensorFlow)."""
from __future__ import annotations

import wave

import numpy as np
import pytest

from toolchain.distill import synthetic
from toolchain.distill.datasets import (DatasetError, load_dataset, load_extra, merge_extra, split)
from tests.conftest import import_required


def test_npz_keeps_samples_labels_and_class_names(tmp_path):
    x = np.arange(24, dtype=np.float64).reshape(4, 3, 2)
    path = tmp_path / "d.npz"
    np.savez(path, x=x, y=np.array([0, 2, 1, 2]), class_names=np.array(["a", "b", "c"]))
    data = load_dataset(str(path))
    assert data.x.dtype == np.float32 and data.x.shape == (4, 3, 2)
    assert data.x[3, 2, 1] == 23.0
    assert data.y.tolist() == [0, 2, 1, 2]
    assert data.class_names == ["a", "b", "c"]


def test_npz_with_string_labels_maps_sorted_names(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((3, 2)), y=np.array(["ok", "fault", "ok"]))
    data = load_dataset(str(path))
    assert data.class_names == ["fault", "ok"]
    assert data.y.tolist() == [1, 0, 1]


@pytest.mark.parametrize("arrays, message", [
    ({"x": np.zeros((3, 2))}, "missing array(s) y"),
    ({"x": np.zeros((3, 2)), "y": np.zeros(2, dtype=int)}, "3 samples in x but 2 labels"),
    ({"x": np.zeros((3, 2)), "y": np.array([0, -1, 1])}, "negative label -1"),
])
def test_bad_npz_is_one_clear_error(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_dataset(str(path))


def test_truncated_npz_is_a_dataset_error(tmp_path):
    path = tmp_path / "cut.npz"
    np.savez(path, x=np.zeros((30, 20)), y=np.zeros(30, dtype=int))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DatasetError, match="not a readable .npz"):
        load_dataset(str(path))


def test_csv_label_column_by_name(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("label,temp,rpm\nfault,1.5,300\nok,0.5,100\nok,-2,7\n")
    data = load_dataset(str(path))
    assert data.class_names == ["fault", "ok"]
    assert data.y.tolist() == [0, 1, 1]
    np.testing.assert_array_equal(data.x, np.array([[1.5, 300], [0.5, 100], [-2, 7]], dtype=np.float32))


def test_csv_without_header_uses_last_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("0.1,0.2,1\n0.3,0.4,0\n\n0.5,0.6,2\n")
    data = load_dataset(str(path))
    assert data.y.tolist() == [1, 0, 2]
    assert data.class_names == ["0", "1", "2"]
    assert data.x.shape == (3, 2) and data.x[2, 1] == pytest.approx(0.6)


def test_csv_errors_name_the_line(tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,x\n1,x\n")
    with pytest.raises(DatasetError, match=r"ragged.csv:3: 2 columns, expected 3"):
        load_dataset(str(ragged))
    words = tmp_path / "words.csv"
    words.write_text("a,label\n1,x\nhello,y\n")
    with pytest.raises(DatasetError, match=r"words.csv:3: a feature column is not a number"):
        load_dataset(str(words))


def test_image_folder_one_subfolder_per_class(tmp_path):
    image = import_required("PIL.Image", "Pillow not installed: the train extra (scripts/setup.sh)")
    for name, value in (("cat", 255), ("dog", 0)):
        (tmp_path / name).mkdir()
        for i in range(2):
            image.fromarray(np.full((6, 5), abs(value - i), dtype=np.uint8), mode="L").save(tmp_path / name / f"{i}.png")
    # a colour JPEG of another size: everything becomes RGB at the first image's size
    image.new("RGB", (10, 12), (255, 0, 0)).save(tmp_path / "dog" / "red.jpg")
    data = load_dataset(str(tmp_path))
    assert data.class_names == ["cat", "dog"]
    assert data.y.tolist() == [0, 0, 1, 1, 1]
    assert data.x.shape == (5, 6, 5, 3)
    assert data.x[0, 0, 0].tolist() == [1.0, 1.0, 1.0]
    assert data.x[1, 0, 0, 0] == pytest.approx(254 / 255)
    assert data.x[4, 3, 2, 0] > 0.9 and data.x[4, 3, 2, 1] < 0.1  # red survived the resize


def _write_wav(path, samples: np.ndarray, rate=8000, width=2):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2" if width == 2 else np.uint8).tobytes())


def test_wav_folder_scales_and_pads(tmp_path):
    (tmp_path / "knock").mkdir()
    (tmp_path / "quiet").mkdir()
    _write_wav(tmp_path / "knock" / "a.wav", np.array([[16384, -32768], [0, 8192], [-16384, 0]]))
    _write_wav(tmp_path / "quiet" / "b.wav", np.array([[1, 2]]))
    data = load_dataset(str(tmp_path))
    assert data.class_names == ["knock", "quiet"]
    assert data.x.shape == (2, 3, 2)  # (clips, longest length, channels)
    np.testing.assert_allclose(data.x[0], [[0.5, -1.0], [0.0, 0.25], [-0.5, 0.0]])
    np.testing.assert_allclose(data.x[1], [[1 / 32768, 2 / 32768], [0, 0], [0, 0]])


def test_wav_folder_rejects_mixed_rates_and_garbage(tmp_path):
    (tmp_path / "a").mkdir()
    _write_wav(tmp_path / "a" / "1.wav", np.zeros((4, 1)), rate=8000)
    _write_wav(tmp_path / "a" / "2.wav", np.zeros((4, 1)), rate=16000)
    with pytest.raises(DatasetError, match="16000 Hz differs from 8000 Hz"):
        load_dataset(str(tmp_path))
    (tmp_path / "a" / "2.wav").write_bytes(b"RIFF garbage")
    with pytest.raises(DatasetError, match="not a readable PCM WAV"):
        load_dataset(str(tmp_path))


def test_folder_with_mixed_file_types_is_rejected(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.wav").write_bytes(b"")
    (tmp_path / "a" / "y.txt").write_text("hi")
    with pytest.raises(DatasetError, match=r"mixed or unknown file types \['.txt', '.wav'\]"):
        load_dataset(str(tmp_path))


def test_unknown_inputs_are_clear_errors(tmp_path):
    with pytest.raises(DatasetError, match="no such file or folder"):
        load_dataset(str(tmp_path / "missing.npz"))
    with pytest.raises(DatasetError, match="unknown synthetic data set 'weather'"):
        load_dataset("synthetic:weather")
    with pytest.raises(DatasetError, match="sample count 'many' is not a number"):
        load_dataset("synthetic:vibration:many")
    (tmp_path / "d.parquet").write_bytes(b"x")
    with pytest.raises(DatasetError, match="unknown data format .parquet"):
        load_dataset(str(tmp_path / "d.parquet"))


def test_synthetic_vibration_is_seeded_balanced_and_shaped():
    a = load_dataset("synthetic:vibration:250", seed=3)
    b = load_dataset("synthetic:vibration:250", seed=3)
    c = load_dataset("synthetic:vibration:250", seed=4)
    assert a.x.shape == (250, synthetic.WINDOW, 3) and a.x.dtype == np.float32
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)
    assert a.class_names == ["healthy", "imbalance", "misalignment", "bearing_fault", "looseness"]
    assert np.bincount(a.y).tolist() == [50] * 5
    # the physics shows: gravity on the axial axis, imbalance has far more radial energy than healthy
    assert a.x[:, :, 2].mean() == pytest.approx(1.0, abs=0.05)
    radial_rms = np.sqrt((a.x[:, :, :2] ** 2).mean(axis=(1, 2)))
    assert radial_rms[a.y == 1].mean() > 2 * radial_rms[a.y == 0].mean()


def test_split_is_stratified_disjoint_and_repeatable():
    data = load_dataset("synthetic:vibration:100", seed=0)
    first, second = split(data, 0.2, seed=1), split(data, 0.2, seed=1)
    assert len(first.test) == 20 and len(first.train) == 80
    assert np.bincount(first.test.y).tolist() == [4] * 5
    np.testing.assert_array_equal(first.test.x, second.test.x)
    np.testing.assert_array_equal(first.train.y, second.train.y)
    train_rows = {r.tobytes() for r in first.train.x}
    assert not any(r.tobytes() in train_rows for r in first.test.x)


def test_extra_data_merges_into_training_set(tmp_path):
    train = split(load_dataset("synthetic:vibration:50", seed=0), 0.2, seed=0).train
    hard = np.full((3, *train.sample_shape), 0.25, dtype=np.float32)
    np.savez(tmp_path / "hard.npz", x=hard, y=np.array([4, 0, 2]))
    merged = merge_extra(train, load_extra(tmp_path / "hard.npz", train.sample_shape))
    assert len(merged) == len(train) + 3
    assert merged.y[-3:].tolist() == [4, 0, 2]
    np.testing.assert_array_equal(merged.x[-3:], hard)
    np.testing.assert_array_equal(merged.x[:len(train)], train.x)
    assert merged.class_names == train.class_names


def test_extra_data_as_the_device_saw_it(tmp_path):
    """int8 samples with their input quantization, batch-1 or flattened, come back as real values."""
    shape = (4, 3)
    q = np.arange(-6, 6, dtype=np.int8).reshape(1, 1, 4, 3)  # (N, batch 1, T, C)
    np.savez(tmp_path / "hard.npz", x=q, y=np.array([1]), input_scale=np.array([0.5]),
             input_zero_point=np.array([-2]))
    extra = load_extra(tmp_path / "hard.npz", shape)
    assert extra.x.shape == (1, 4, 3)
    np.testing.assert_allclose(extra.x[0].reshape(-1), (np.arange(-6, 6) + 2) * 0.5)


def test_extra_data_that_does_not_fit_is_rejected(tmp_path):
    train = split(load_dataset("synthetic:vibration:50", seed=0), 0.2, seed=0).train
    np.savez(tmp_path / "wrong.npz", x=np.zeros((2, 7, 3)), y=np.array([0, 1]))
    with pytest.raises(DatasetError, match=r"shape \[7, 3\] do not match the training data's \[128, 3\]"):
        load_extra(tmp_path / "wrong.npz", train.sample_shape)
    np.savez(tmp_path / "labels.npz", x=np.zeros((2, *train.sample_shape)), y=np.array([0, 9]))
    with pytest.raises(DatasetError, match=r"labels must lie in 0..4, found 0..9"):
        merge_extra(train, load_extra(tmp_path / "labels.npz", train.sample_shape))


def test_empty_extra_export_merges_as_nothing(tmp_path):
    train = split(load_dataset("synthetic:vibration:50", seed=0), 0.2, seed=0).train
    np.savez(tmp_path / "none.npz", x=np.zeros((0,), dtype=np.float32), y=np.zeros((0,), dtype=np.int64))
    merged = merge_extra(train, load_extra(tmp_path / "none.npz", train.sample_shape))
    assert len(merged) == len(train)
    np.testing.assert_array_equal(merged.x, train.x)


def test_empty_data_set_is_rejected(tmp_path):
    np.savez(tmp_path / "empty.npz", x=np.zeros((0, 3)), y=np.zeros((0,), dtype=np.int64))
    with pytest.raises(DatasetError, match="empty.npz: no samples"):
        load_dataset(str(tmp_path / "empty.npz"))


def test_extra_data_in_the_aggregator_export_layout(tmp_path):
    """The aggregator writes flat float rows `x`, teacher labels `y` and the device's `tiny_y`."""
    sample_shape = (4, 3)
    rows = np.arange(24, dtype=np.float32).reshape(2, 12)
    np.savez(tmp_path / "hard.npz", x=rows, y=np.array([3, 1]), tiny_y=np.array([0, 0]))
    extra = load_extra(tmp_path / "hard.npz", sample_shape)
    assert extra.x.shape == (2, 4, 3) and extra.y.tolist() == [3, 1]
    np.testing.assert_array_equal(extra.x[1], rows[1].reshape(4, 3))
