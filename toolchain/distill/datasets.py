"""Datasets for distillation: load (x, y) from files or the built-in generator, split, merge.

Every loader returns a `Dataset` of float32 samples and int64 class labels, so training and
quantization never care where the data came from. Nothing here needs TensorFlow.
"""
from __future__ import annotations

import csv
import wave
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toolchain.errors import ToolchainError
from toolchain.distill import synthetic

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif"}
SYNTHETIC_PREFIX = "synthetic:"


class DatasetError(ToolchainError):
    """The data set is missing, empty, or not in a format the loaders understand."""


@dataclass
class Dataset:
    x: np.ndarray  # float32, (N, *sample_shape)
    y: np.ndarray  # int64 class indices, (N,)
    class_names: list[str]
    name: str = "data"
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if len(self.x) != len(self.y):
            raise DatasetError(f"{self.name}: {len(self.x)} samples but {len(self.y)} labels")

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.x.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, indices: np.ndarray, name: str) -> "Dataset":
        return Dataset(self.x[indices], self.y[indices], list(self.class_names), name, dict(self.meta))


@dataclass
class Split:
    train: Dataset
    test: Dataset


def load_dataset(spec: str, seed: int = 0) -> Dataset:
    """`spec` is `synthetic:<generator>[:<count>]`, a .npz or .csv file, or a folder of class folders."""
    if spec.startswith(SYNTHETIC_PREFIX):
        return _load_synthetic(spec[len(SYNTHETIC_PREFIX):], seed)
    path = Path(spec)
    if path.is_dir():
        return load_class_folders(path)
    if not path.exists():
        raise DatasetError(f"{spec}: no such file or folder (expected .npz, .csv, a folder of class "
                           f"folders, or synthetic:{'|'.join(synthetic.GENERATORS)})")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_npz(path)
    if suffix == ".csv":
        return load_csv(path)
    raise DatasetError(f"{spec}: unknown data format {suffix or '(no suffix)'} (expected .npz or .csv)")


def split(data: Dataset, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """Stratified, seeded hold-out split: the same (data, seed) always gives the same split."""
    if not 0.0 < test_fraction < 1.0:
        raise DatasetError(f"test fraction must be between 0 and 1, got {test_fraction}")
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for label in np.unique(data.y):
        members = rng.permutation(np.flatnonzero(data.y == label))
        n_test = int(round(len(members) * test_fraction))
        if len(members) >= 2:
            n_test = min(max(n_test, 1), len(members) - 1)  # each class on both sides when possible
        test_idx.append(members[:n_test])
        train_idx.append(members[n_test:])
    train = rng.permutation(np.concatenate(train_idx))
    test = np.sort(np.concatenate(test_idx))
    if len(test) == 0 or len(train) == 0:
        raise DatasetError(f"{data.name}: {len(data)} samples are too few for a hold-out split")
    return Split(data.subset(train, f"{data.name}[train]"), data.subset(test, f"{data.name}[test]"))


def merge_extra(train: Dataset, extra: Dataset) -> Dataset:
    """Append extra (e.g. teacher-labelled hard) samples to a training set of the same shape."""
    if extra.sample_shape != train.sample_shape:
        raise DatasetError(f"{extra.name}: samples of shape {list(extra.sample_shape)} do not match "
                           f"the training data's {list(train.sample_shape)}")
    if len(extra) and (extra.y.min() < 0 or extra.y.max() >= train.num_classes):
        raise DatasetError(f"{extra.name}: labels must lie in 0..{train.num_classes - 1}, "
                           f"found {int(extra.y.min())}..{int(extra.y.max())}")
    return Dataset(np.concatenate([train.x, extra.x]), np.concatenate([train.y, extra.y]),
                   list(train.class_names), f"{train.name}+{extra.name}", dict(train.meta))


def load_extra(path: str | Path, sample_shape: tuple[int, ...]) -> Dataset:
    """Read the aggregator's hard-example export: `x` and teacher labels `y` (possibly empty).

    `x` may hold the samples as the device saw them: with a leading batch-1 axis, flattened, or as
    int8 with `input_scale` and `input_zero_point` arrays to turn them back into real values.
    """
    path = Path(path)
    arrays = _read_npz(path)
    x, y = arrays["x"], arrays["y"]
    if "input_scale" in arrays and "input_zero_point" in arrays:
        scale = float(np.asarray(arrays["input_scale"]).reshape(-1)[0])
        zero_point = float(np.asarray(arrays["input_zero_point"]).reshape(-1)[0])
        x = (x.astype(np.float32) - zero_point) * scale
    elif x.dtype.kind not in "fiu":
        raise DatasetError(f"{path}: x has dtype {x.dtype}, expected numbers")
    if len(x) == 0:  # nothing was hard this round: an empty export merges as nothing
        x = np.zeros((0, *sample_shape), dtype=np.float32)
    elif x.shape[1:] != sample_shape:
        if int(np.prod(x.shape[1:])) != int(np.prod(sample_shape)):
            raise DatasetError(f"{path}: samples of shape {list(x.shape[1:])} do not match the "
                               f"training data's {list(sample_shape)}")
        x = x.reshape((len(x), *sample_shape))
    n_classes = int(y.max()) + 1 if len(y) else 0
    return Dataset(x.astype(np.float32), _int_labels(y, path), [str(i) for i in range(n_classes)],
                   path.stem)


def load_npz(path: Path) -> Dataset:
    arrays = _read_npz(path)
    x = arrays["x"]
    if len(x) == 0:
        raise DatasetError(f"{path}: no samples")
    if x.dtype.kind not in "fiub":
        raise DatasetError(f"{path}: x has dtype {x.dtype}, expected numbers")
    if x.ndim < 2:
        raise DatasetError(f"{path}: x must be (samples, ...) with at least 2 dimensions, got {list(x.shape)}")
    labels, names = _encode_labels(arrays["y"], path)
    if "class_names" in arrays and len(arrays["class_names"]) == len(names):
        names = [str(n) for n in arrays["class_names"]]
    return Dataset(x.astype(np.float32), labels, names, path.stem)


def load_csv(path: Path) -> Dataset:
    """Numeric feature columns plus a label: the column named `label`, else the last one."""
    try:
        with path.open(newline="") as handle:
            rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: cannot read CSV ({exc})") from None
    if not rows:
        raise DatasetError(f"{path}: empty CSV")
    header = rows[0] if not _is_numeric_row(rows[0][:-1]) else None
    body = rows[1:] if header else rows
    label_col = len(rows[0]) - 1
    if header:
        names = [h.strip().lower() for h in header]
        label_col = names.index("label") if "label" in names else label_col
    features, labels = [], []
    for line_no, row in enumerate(body, start=2 if header else 1):
        if len(row) != len(rows[0]):
            raise DatasetError(f"{path}:{line_no}: {len(row)} columns, expected {len(rows[0])}")
        labels.append(row[label_col].strip())
        try:
            features.append([float(v) for i, v in enumerate(row) if i != label_col])
        except ValueError:
            raise DatasetError(f"{path}:{line_no}: a feature column is not a number") from None
    if not features or not features[0]:
        raise DatasetError(f"{path}: needs at least one feature column and one data row")
    y, class_names = _encode_labels(np.asarray(labels), path)
    return Dataset(np.asarray(features, dtype=np.float32), y, class_names, path.stem)


def load_class_folders(root: Path) -> Dataset:
    """One sub-folder per class, holding images (Pillow) or WAV files (stdlib `wave`)."""
    classes = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not classes:
        raise DatasetError(f"{root}: no class sub-folders")
    files = {c.name: sorted(f for f in c.iterdir() if f.is_file() and not f.name.startswith("."))
             for c in classes}
    suffixes = {f.suffix.lower() for fs in files.values() for f in fs}
    if not suffixes:
        raise DatasetError(f"{root}: the class folders hold no files")
    if suffixes <= {".wav"}:
        reader = _read_wavs
    elif suffixes <= IMAGE_SUFFIXES:
        reader = _read_images
    else:
        raise DatasetError(f"{root}: mixed or unknown file types {sorted(suffixes)} "
                           f"(use only .wav or only images)")
    paths, labels = [], []
    for label, name in enumerate(files):
        paths.extend(files[name])
        labels.extend([label] * len(files[name]))
    return Dataset(reader(paths), np.asarray(labels, dtype=np.int64), list(files), root.name)


def _read_images(paths: list[Path]) -> np.ndarray:
    """Images scaled to [0, 1]; all are resized to the first image's size; grey unless any is colour."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise DatasetError("image folders need Pillow: pip install -e '.[train]'") from None
    images = []
    for path in paths:
        try:
            with Image.open(path) as img:
                img.load()
                images.append(img.copy())
        except (OSError, UnidentifiedImageError) as exc:
            raise DatasetError(f"{path}: not a readable image ({exc})") from None
    colour = any(img.mode not in ("L", "1", "I", "I;16", "F") for img in images)
    mode, size = ("RGB" if colour else "L"), images[0].size
    arrays = []
    for img in images:
        img = img.convert(mode)
        if img.size != size:
            img = img.resize(size, Image.BILINEAR)
        arr = np.asarray(img, dtype=np.float32) / 255.0
        arrays.append(arr if colour else arr[..., None])
    return np.stack(arrays)


def _read_wavs(paths: list[Path]) -> np.ndarray:
    """PCM WAVs as (T, channels) in [-1, 1]; shorter clips are zero-padded to the longest."""
    clips, rate = [], None
    for path in paths:
        clip, clip_rate = _read_wav(path)
        if rate is not None and clip_rate != rate:
            raise DatasetError(f"{path}: sample rate {clip_rate} Hz differs from {rate} Hz of the others")
        rate = clip_rate
        clips.append(clip)
    channels = {c.shape[1] for c in clips}
    if len(channels) != 1:
        raise DatasetError(f"WAV files mix channel counts {sorted(channels)}")
    length = max(len(c) for c in clips)
    out = np.zeros((len(clips), length, channels.pop()), dtype=np.float32)
    for i, clip in enumerate(clips):
        out[i, :len(clip)] = clip
    return out


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise DatasetError(f"{path}: not a readable PCM WAV file ({exc})") from None
    if width == 1:  # 8-bit WAV is unsigned
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width in (2, 4):
        dtype = np.int16 if width == 2 else np.int32
        samples = np.frombuffer(raw, dtype=f"<{np.dtype(dtype).str[1:]}").astype(np.float32)
        samples /= float(np.iinfo(dtype).max) + 1.0
    else:
        raise DatasetError(f"{path}: {8 * width}-bit samples are not supported (8, 16 or 32-bit PCM)")
    if len(samples) == 0:
        raise DatasetError(f"{path}: no audio frames")
    return samples.reshape(-1, channels), rate


def _load_synthetic(rest: str, seed: int) -> Dataset:
    name, _, count = rest.partition(":")
    if name not in synthetic.GENERATORS:
        raise DatasetError(f"unknown synthetic data set {name!r} (known: {', '.join(synthetic.GENERATORS)})")
    try:
        n = int(count) if count else synthetic.DEFAULT_COUNT
    except ValueError:
        raise DatasetError(f"synthetic:{rest}: the sample count {count!r} is not a number") from None
    if n < 10:
        raise DatasetError(f"synthetic:{rest}: ask for at least 10 samples")
    x, y, class_names = synthetic.GENERATORS[name](n, seed)
    return Dataset(x, y, class_names, f"synthetic-{name}", {"generator": name, "seed": seed})


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise DatasetError(f"{path}: a single .npy array, expected an .npz archive with x and y")
        with loaded as archive:
            arrays = {k: archive[k] for k in archive.files}
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"{path}: not a readable .npz archive ({exc})") from None
    missing = [k for k in ("x", "y") if k not in arrays]
    if missing:
        raise DatasetError(f"{path}: missing array(s) {', '.join(missing)} (expected x and y)")
    if len(arrays["x"]) != len(arrays["y"]):
        raise DatasetError(f"{path}: {len(arrays['x'])} samples in x but {len(arrays['y'])} labels in y")
    return arrays


def _encode_labels(raw: np.ndarray, origin: Path) -> tuple[np.ndarray, list[str]]:
    """Integer labels stay as they are (classes 0..max); anything else maps sorted names to 0..K-1."""
    raw = np.asarray(raw).reshape(-1)
    if raw.dtype.kind in "iu" or (raw.dtype.kind == "f" and np.all(raw == np.round(raw))):
        labels = _int_labels(raw, origin)
        return labels, [str(i) for i in range(int(labels.max()) + 1)]
    text = np.asarray([str(v) for v in raw])
    if all(_is_int(v) for v in text):
        labels = _int_labels(text.astype(np.int64), origin)
        return labels, [str(i) for i in range(int(labels.max()) + 1)]
    names = sorted(set(text.tolist()))
    lookup = {n: i for i, n in enumerate(names)}
    return np.asarray([lookup[v] for v in text], dtype=np.int64), names


def _int_labels(raw: np.ndarray, origin: Path) -> np.ndarray:
    raw = np.asarray(raw).reshape(-1)
    if raw.dtype.kind == "f":
        if not np.all(raw == np.round(raw)):
            raise DatasetError(f"{origin}: labels y must be whole numbers")
    elif raw.dtype.kind not in "iu":
        raise DatasetError(f"{origin}: labels y have dtype {raw.dtype}, expected integers")
    labels = raw.astype(np.int64)
    if len(labels) and labels.min() < 0:
        raise DatasetError(f"{origin}: negative label {int(labels.min())}")
    return labels


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _is_numeric_row(cells: list[str]) -> bool:
    try:
        [float(c) for c in cells]
    except ValueError:
        return False
    return True
