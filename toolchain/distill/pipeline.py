"""The distill and quantize stages: what `tinylarge distill` / `quantize` and the demo call.

    report = distill("synthetic:vibration", "out/", student_arch="ds-cnn")
    qreport = quantize(report.student_path, "synthetic:vibration", "out/student.tflite", board="qemu_mps2_an386")

Both read the data the same way and split it with the same seed, so quantize measures on the
exact held-out samples distill reported on.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from toolchain.distill.architectures import STUDENTS, TEACHER_CHOICES, parse_arch
from toolchain.distill.datasets import Dataset, load_dataset, load_extra, merge_extra, split
from toolchain.distill.tf_support import check_tensorflow, require_tensorflow
from toolchain.errors import ModelError, ToolchainError
from toolchain.model.reader import parse_model

Progress = Callable[[str], None]
TEST_FRACTION = 0.2


@dataclass(frozen=True)
class DemoSettings:
    """Small enough that distill + quantize take well under two minutes on two cores."""

    data: str = "synthetic:vibration:1500"
    teacher_arch: str = "wide-cnn"
    student_arch: str = "ds-cnn"
    temperature: float = 4.0
    alpha: float = 0.7
    epochs: int = 8
    seed: int = 0


DEMO = DemoSettings()


@dataclass
class DistillReport:
    data: str
    class_names: list[str]
    train_samples: int
    extra_samples: int
    test_samples: int
    teacher: str  # architecture label, or the path of the given teacher
    student_arch: str
    temperature: float
    alpha: float
    epochs: int
    seed: int
    teacher_accuracy: float
    student_accuracy: float  # distilled
    baseline_accuracy: float  # same student, same data and seed, trained without the teacher
    teacher_params: int
    student_params: int
    teacher_path: str
    teacher_tflite_path: str
    student_path: str
    baseline_path: str
    seconds: float

    @property
    def distillation_gain(self) -> float:
        return self.student_accuracy - self.baseline_accuracy

    def to_dict(self) -> dict:
        return {**asdict(self), "distillation_gain": self.distillation_gain}


@dataclass
class TensorIO:
    dtype: str
    shape: list[int]
    scale: float
    zero_point: int


@dataclass
class QuantizeReport:
    student_path: str
    model_path: str
    heldout_path: str  # the held-out split as the device sees it: int8 x, labels y (for `hil run --dataset`)
    data: str
    test_samples: int
    float_accuracy: float
    int8_accuracy: float
    agreement: float  # share of held-out samples where int8 and float pick the same class
    model_bytes: int
    operators: list[str]
    input: TensorIO
    output: TensorIO
    board: dict | None = None  # BoardCheck.to_dict() when a board was given
    seconds: float = 0.0

    @property
    def accuracy_drop(self) -> float:
        return self.float_accuracy - self.int8_accuracy

    def to_dict(self) -> dict:
        return {**asdict(self), "accuracy_drop": self.accuracy_drop}


def distill(data: str, out_dir: str | Path, student_arch: str = DEMO.student_arch,
            teacher: str | Path | None = None, teacher_arch: str = DEMO.teacher_arch,
            temperature: float = DEMO.temperature, alpha: float = DEMO.alpha, epochs: int = DEMO.epochs,
            extra_data: str | Path | None = None, seed: int = DEMO.seed,
            progress: Progress | None = None) -> DistillReport:
    """Train (or load) a teacher, distil a student, train the same student without the teacher.

    Writes teacher.keras (when trained here), teacher.tflite (float, batch 1), student.keras,
    student_baseline.keras and distill.json into `out_dir`.
    """
    check_tensorflow()
    _check_knobs(temperature, alpha, epochs)
    student_spec = parse_arch(student_arch, STUDENTS)
    teacher_spec = None if teacher else parse_arch(teacher_arch, TEACHER_CHOICES)
    if teacher and not Path(teacher).is_file():
        raise ModelError(f"{teacher}: no such teacher model file")
    started = time.monotonic()
    parts = split(load_dataset(data, seed), TEST_FRACTION, seed)  # bad data fails before TF loads
    train_set, extra_count = parts.train, 0
    if extra_data:
        extra = load_extra(extra_data, train_set.sample_shape)
        train_set, extra_count = merge_extra(train_set, extra), len(extra)
    require_tensorflow()
    from toolchain.distill import quantize as q
    from toolchain.distill import train as t

    say = progress or (lambda _msg: None)
    out = _output_folder(Path(out_dir))
    say(f"data: {data}: {len(train_set)} training samples ({extra_count} extra), {len(parts.test)} held out, "
        f"{train_set.num_classes} classes, samples {list(train_set.sample_shape)}")
    settings = t.TrainSettings(epochs=epochs, seed=seed)

    teacher_model, teacher_label, teacher_path = _teacher(teacher, teacher_spec, train_set, settings, out, say)
    teacher_tflite = out / "teacher.tflite"
    teacher_tflite.write_bytes(q.to_float_tflite(teacher_model))

    say(f"student: distilling {student_spec.label} (T={temperature:g}, alpha={alpha:g})")
    student = t.train_student(student_spec, train_set, settings, t.predict_logits(teacher_model, train_set.x),
                              temperature, alpha, say, "student")
    say(f"baseline: training {student_spec.label} without the teacher")
    baseline = t.train_student(student_spec, train_set, settings, None, progress=say, what="baseline")
    student.save(out / "student.keras")
    baseline.save(out / "student_baseline.keras")

    report = DistillReport(
        data=data, class_names=list(train_set.class_names), train_samples=len(train_set),
        extra_samples=extra_count, test_samples=len(parts.test), teacher=teacher_label,
        student_arch=student_spec.label, temperature=temperature, alpha=alpha, epochs=epochs, seed=seed,
        teacher_accuracy=t.accuracy(teacher_model, parts.test), student_accuracy=t.accuracy(student, parts.test),
        baseline_accuracy=t.accuracy(baseline, parts.test), teacher_params=t.count_params(teacher_model),
        student_params=t.count_params(student), teacher_path=teacher_path, teacher_tflite_path=str(teacher_tflite),
        student_path=str(out / "student.keras"), baseline_path=str(out / "student_baseline.keras"),
        seconds=round(time.monotonic() - started, 1))
    (out / "distill.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    return report


def _teacher(given, spec, train_set: Dataset, settings, out: Path, say: Progress):
    """The given Keras teacher, or a new one trained and saved as teacher.keras: (model, label, path)."""
    from toolchain.distill import train as t

    if given:
        say(f"teacher: loading {given}")
        return t.load_teacher(Path(given), train_set), str(given), str(given)
    say(f"teacher: training {spec.label}")
    model = t.train_teacher(spec, train_set, settings, say)
    model.save(out / "teacher.keras")
    return model, spec.label, str(out / "teacher.keras")


def quantize(student: str | Path, data: str | None, out_path: str | Path, board: str | None = None,
             seed: int | None = None, progress: Progress | None = None) -> QuantizeReport:
    """Full-int8 conversion of a Keras student; accuracy of float vs int8 (TFLM) on the held-out split.

    `data` / `seed` None: taken from the distill.json beside the student, so the split is distill's.
    """
    check_tensorflow()
    if board:
        from toolchain.boards import load_board

        load_board(board)  # an unknown board fails before the slow work
    student = Path(student)
    if not student.is_file():
        raise ModelError(f"{student}: no such file")
    data, seed = _data_of(student, data, seed)
    started = time.monotonic()
    parts = split(load_dataset(data, seed), TEST_FRACTION, seed)
    require_tensorflow()
    from toolchain.distill import quantize as q
    from toolchain.distill import train as t

    say = progress or (lambda _msg: None)
    model = _load_student(student)
    if tuple(model.input_shape[1:]) != parts.train.sample_shape:
        raise ToolchainError(f"{student}: takes samples of shape {list(model.input_shape[1:])}, "
                             f"but {data} has {list(parts.train.sample_shape)}")
    rng = np.random.default_rng(seed)
    representative = parts.train.x[rng.permutation(len(parts.train))[:q.REPRESENTATIVE_SAMPLES]]
    say(f"quantize: converting to int8 with {len(representative)} representative samples")
    tflite = q.to_int8_tflite(model, representative)
    out = Path(out_path)
    _output_folder(out.parent)
    try:
        out.write_bytes(tflite)
    except OSError as exc:
        raise ToolchainError(f"{out}: cannot write the model ({exc.strerror})") from None

    say(f"quantize: evaluating float and int8 (TFLM) on {len(parts.test)} held-out samples")
    float_pred = np.argmax(t.predict_logits(model, parts.test.x), axis=1)
    int8_out, in_q, out_q = q.run_tflm(tflite, parts.test.x)
    int8_pred = np.argmax(int8_out, axis=1)
    graph = parse_model(tflite, name=out.stem, origin=str(out))
    heldout = out.with_suffix(".heldout.npz")
    save_device_samples(heldout, parts.test, in_q)
    report = QuantizeReport(
        student_path=str(student), model_path=str(out), heldout_path=str(heldout), data=data,
        test_samples=len(parts.test),
        float_accuracy=float(np.mean(float_pred == parts.test.y)),
        int8_accuracy=float(np.mean(int8_pred == parts.test.y)),
        agreement=float(np.mean(int8_pred == float_pred)), model_bytes=len(tflite),
        operators=sorted({op.op for op in graph.operators}),
        input=TensorIO(in_q.dtype, list(in_q.shape), in_q.scale, in_q.zero_point),
        output=TensorIO(out_q.dtype, list(out_q.shape), out_q.scale, out_q.zero_point))
    if board:
        from toolchain.distill.board_check import check_board

        report.board = check_board(graph, board).to_dict()
    report.seconds = round(time.monotonic() - started, 1)
    return report


def save_device_samples(path: Path, samples: Dataset, input_quant) -> None:
    """int8 samples exactly as the device receives them, their labels, and the input quantization
    (the format `--extra-data` also reads, so device-side exports round-trip)."""
    x = input_quant.quantize(samples.x).reshape((len(samples), *input_quant.shape[1:]))
    np.savez(path, x=x, y=samples.y, class_names=np.asarray(samples.class_names),
             input_scale=np.float32(input_quant.scale), input_zero_point=np.int32(input_quant.zero_point))


def export_device_samples(data: str, model: str | Path, out_path: str | Path, seed: int = DEMO.seed) -> int:
    """All of `data`, quantized for the int8 `model`'s input, as an .npz for `hil run --dataset`.

    Meant for field data the student has never seen, e.g. `synthetic:vibration:300` with another
    seed: disagreements the aggregator exports from it can then go into the next round's training
    set without leaking the held-out split into it. Needs no TensorFlow. Returns the sample count.
    """
    from toolchain.distill.quantize import IOQuant
    from toolchain.model.reader import read_model

    graph = read_model(model)
    tensor = graph.input_tensors[0]
    if len(graph.inputs) != 1 or tensor.dtype != "int8" or tensor.quant is None:
        raise ModelError(f"{model}: expected a one-input int8 model, the input is {tensor.describe()}")
    input_quant = IOQuant("int8", tensor.shape, tensor.quant.scale[0], tensor.quant.zero_point[0])
    samples = load_dataset(data, seed)
    if int(np.prod(samples.sample_shape)) != int(np.prod(tensor.shape)):
        raise ToolchainError(f"{data}: samples of shape {list(samples.sample_shape)} do not fit the input "
                             f"{tensor.describe()} of {model}")
    out = Path(out_path)
    _output_folder(out.parent)
    save_device_samples(out, samples, input_quant)
    return len(samples)


def _data_of(student: Path, data: str | None, seed: int | None) -> tuple[str, int]:
    """The data and seed distill used for this student (its distill.json), unless given."""
    if data is not None and seed is not None:
        return data, seed
    record_path = student.parent / "distill.json"
    try:
        record = json.loads(record_path.read_text())
        recorded = (str(record["data"]), int(record["seed"]))
    except FileNotFoundError:
        if data is None:
            raise ToolchainError(f"{student}: no distill.json beside it to take the data from; give --data") from None
        return data, DEMO.seed
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ToolchainError(f"{record_path}: not a distill report ({exc})") from None
    return (data if data is not None else recorded[0]), (seed if seed is not None else recorded[1])


def _load_student(path: Path):
    import keras

    if path.suffix not in (".keras", ".h5"):
        raise ModelError(f"{path}: expected a Keras model (.keras or .h5), e.g. the student.keras distill wrote")
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for broken or foreign files
        raise ModelError(f"{path}: cannot load Keras model ({type(exc).__name__}: {exc})") from None


def _output_folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolchainError(f"{path}: cannot create the output folder ({exc.strerror})") from None
    return path


def _check_knobs(temperature: float, alpha: float, epochs: int) -> None:
    if not temperature > 0:
        raise ToolchainError(f"temperature must be positive, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ToolchainError(f"alpha must lie between 0 and 1, got {alpha}")
    if epochs < 1:
        raise ToolchainError(f"epochs must be at least 1, got {epochs}")
