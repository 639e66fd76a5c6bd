"""Fills a folder with the public reference models the tests use (what ../shared/models holds here),
downloaded from their upstream repositories at pinned commits and checked by SHA-256. Files already
there are checked, not downloaded again. Needs the network (a hosted CI runner, a fork's machine).

    .venv/bin/python scripts/fetch_models.py DIR
"""
from __future__ import annotations

import hashlib
import re
import sys
import urllib.request
from pathlib import Path

import numpy as np

MLPERF_TINY = "https://raw.githubusercontent.com/mlcommons/tiny"
TFLITE_MICRO = "https://raw.githubusercontent.com/tensorflow/tflite-micro/22c2469a233981012ac16ad849f59c7105655aa9"
KWS_COMMIT = "5b2315b3583ea7832617a9e64c4b52cca4699ee4"

# file -> (upstream URL, SHA-256 of the file the tests were written against)
MODELS = {
    "kws_ref_model.tflite": (
        f"{MLPERF_TINY}/{KWS_COMMIT}/benchmark/training/keyword_spotting/trained_models/kws_ref_model.tflite",
        "aeea436800704fce17b17292e4412630ad856e9d777c044c64ef748a880bd0ae"),
    "pretrainedResnet_quant.tflite": (
        f"{MLPERF_TINY}/25ecd962b8ba901a2f93af10697a359758f5b4ca/benchmark/training/image_classification/"
        "trained_models/pretrainedResnet_quant.tflite",
        "3c002613d1b2475eb51dd78dfb85a546c8ae658dee71cf6ade43b022fe205415"),
    "hello_world_int8.tflite": (
        f"{TFLITE_MICRO}/tensorflow/lite/micro/examples/hello_world/models/hello_world_int8.tflite",
        "505ee4fae7fa46ab67bea4c08b4969eb3eb8b9114c50595ec4a29d9a27993202"),
    "hello_world_float.tflite": (
        f"{TFLITE_MICRO}/tensorflow/lite/micro/examples/hello_world/models/hello_world_float.tflite",
        "ee939863195ca37ce063b18e14fb82aa0d98db6596ba41095757f6b560da1070"),
    "micro_speech_quantized.tflite": (
        f"{TFLITE_MICRO}/tensorflow/lite/micro/examples/micro_speech/models/micro_speech_quantized.tflite",
        "09e5e2a9dfb2d8ed78802bf18ce297bff54281a66ca18e0c23d69ca14f822a83"),
}
# The one real kws input: MLPerf Tiny's reference submission keeps it as a C array of 49 x 10 int8.
KWS_SAMPLE = "samples/kws_ref_model.input.npy"
KWS_SAMPLE_SOURCE = f"{MLPERF_TINY}/{KWS_COMMIT}/benchmark/reference_submissions/keyword_spotting/kws/kws_input_data.cc"
KWS_SAMPLE_SHAPE = (1, 49, 10, 1)
KWS_SAMPLE_SHA256 = "8250d34f83465b57ce9a4f2d19e163a3568b7d8bf3e0a9507e88066556b0df36"  # of the int8 bytes


class FetchError(Exception):
    """A download that failed or does not match its pin; one line for the user."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except OSError as exc:
        raise FetchError(f"cannot download {url}: {exc}") from None


def fetch_model(target: Path, url: str, expected: str) -> str:
    if target.is_file() and sha256(target.read_bytes()) == expected:
        return "present"
    data = download(url)
    if sha256(data) != expected:
        raise FetchError(f"{url} has SHA-256 {sha256(data)}, not the pinned {expected}")
    target.write_bytes(data)
    return "downloaded"


def kws_sample_from_c_array(source: str) -> np.ndarray:
    """The int8 values (decimal or hex) of the array initializer (everything after its `=`), in order."""
    initializer = source.split("=", 1)[-1]
    values = [int(v, 16 if "x" in v.lower() else 10)
              for v in re.findall(r"-?\b(?:0[xX][0-9a-fA-F]+|\d+)\b", initializer)]
    expected = int(np.prod(KWS_SAMPLE_SHAPE))
    if len(values) != expected:
        raise FetchError(f"{KWS_SAMPLE_SOURCE} holds {len(values)} values, not {expected}")
    return np.array(values, dtype=np.int8).reshape(KWS_SAMPLE_SHAPE)


def fetch_kws_sample(target: Path) -> str:
    if target.is_file() and sha256(np.load(target).astype(np.int8).tobytes()) == KWS_SAMPLE_SHA256:
        return "present"
    sample = kws_sample_from_c_array(download(KWS_SAMPLE_SOURCE).decode("utf-8", "replace"))
    if sha256(sample.tobytes()) != KWS_SAMPLE_SHA256:
        raise FetchError(f"the input in {KWS_SAMPLE_SOURCE} does not match the pinned sample")
    target.parent.mkdir(parents=True, exist_ok=True)
    np.save(target, sample)
    return "made"


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: fetch_models.py DIR")
    folder = Path(argv[0])
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for name, (url, expected) in MODELS.items():
            print(f"{name}: {fetch_model(folder / name, url, expected)}")
        print(f"{KWS_SAMPLE}: {fetch_kws_sample(folder / KWS_SAMPLE)}")
    except FetchError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main(sys.argv[1:])
