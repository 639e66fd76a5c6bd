"""Built-in data that needs no download: seeded synthetic data sets for demos and tests.

`vibration`: 3-axis accelerometer windows from a rotating machine (predictive maintenance).
Each fault is modelled by the signature a vibration analyst looks for:
  healthy        small running-speed (1x) component, sensor noise
  imbalance      strong 1x in both radial axes, 90 degrees apart (a rotating force)
  misalignment   strong 2x radially plus large 1x/2x in the axial direction
  bearing_fault  periodic impacts at the outer-race defect frequency (~3-3.6x running speed),
                 each ringing a structural resonance of a few hundred Hz
  looseness      many harmonics and a 0.5x sub-harmonic, with a clipped (truncated) waveform
Severity, shaft speed, phases, gain and noise vary per window, and mild faults overlap with
healthy machines, so the task is learnable but not trivial.
"""
from __future__ import annotations

import numpy as np

SAMPLE_RATE_HZ = 1000.0
WINDOW = 128  # samples per window (0.128 s, 2-4 shaft turns)
DEFAULT_COUNT = 2000
GRAVITY_G = 1.0  # the axial (z) sensor axis points up: 1 g offset, as a real IMU shows

VIBRATION_CLASSES = ["healthy", "imbalance", "misalignment", "bearing_fault", "looseness"]


def vibration(n: int, seed: int = 0, window: int = WINDOW) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`n` windows of shape (window, 3) [x radial, y radial, z axial] in g, balanced classes."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(VIBRATION_CLASSES)).astype(np.int64)
    t = np.arange(window) / SAMPLE_RATE_HZ
    x = np.stack([_window(int(label), t, rng) for label in labels]).astype(np.float32)
    return x, labels, list(VIBRATION_CLASSES)


def _window(label: int, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    shaft_hz = rng.uniform(18.0, 32.0)
    phase = rng.uniform(0, 2 * np.pi)
    signal = _healthy(t, shaft_hz, phase, rng)
    severity = rng.uniform(0.25, 1.0)  # mild faults hide in the healthy spread
    fault = _FAULTS[label]
    if fault is not None:
        signal = fault(signal, t, shaft_hz, phase, severity, rng)
    noise = rng.normal(0.0, rng.uniform(0.08, 0.25), size=signal.shape)
    gain = rng.uniform(0.85, 1.15)  # sensor mounting and calibration spread
    signal = gain * (signal + noise)
    signal[:, 2] += GRAVITY_G
    return signal


def _tone(t: np.ndarray, hz: float, phase: float) -> np.ndarray:
    return np.sin(2 * np.pi * hz * t + phase)


def _healthy(t, shaft_hz, phase, rng) -> np.ndarray:
    amp = rng.uniform(0.05, 0.25)
    radial_x = amp * _tone(t, shaft_hz, phase) + 0.3 * amp * _tone(t, 2 * shaft_hz, 2 * phase)
    radial_y = amp * _tone(t, shaft_hz, phase + np.pi / 2)
    axial = 0.3 * amp * _tone(t, shaft_hz, phase + rng.uniform(0, np.pi))
    return np.stack([radial_x, radial_y, axial], axis=1)


def _imbalance(signal, t, shaft_hz, phase, severity, rng):
    amp = 1.2 * severity
    signal[:, 0] += amp * _tone(t, shaft_hz, phase)
    signal[:, 1] += amp * _tone(t, shaft_hz, phase + np.pi / 2)
    return signal


def _misalignment(signal, t, shaft_hz, phase, severity, rng):
    amp = 0.9 * severity
    signal[:, 0] += amp * _tone(t, 2 * shaft_hz, 2 * phase)
    signal[:, 1] += 0.7 * amp * _tone(t, 2 * shaft_hz, 2 * phase + np.pi / 2)
    signal[:, 2] += amp * (_tone(t, shaft_hz, phase + np.pi) + 0.8 * _tone(t, 2 * shaft_hz, 2 * phase))
    return signal


def _bearing_fault(signal, t, shaft_hz, phase, severity, rng):
    impact_hz = shaft_hz * rng.uniform(3.0, 3.6)
    resonance_hz = rng.uniform(180.0, 320.0)
    decay_s = rng.uniform(0.003, 0.008)
    start = rng.uniform(0, 1.0 / impact_hz)
    ringing = np.zeros_like(t)
    for impact in np.arange(start, t[-1], 1.0 / impact_hz):
        after = t - impact
        hit = after >= 0
        strength = 1.5 * severity * rng.uniform(0.6, 1.0)
        ringing[hit] += strength * np.exp(-after[hit] / decay_s) * np.sin(2 * np.pi * resonance_hz * after[hit])
    signal[:, 1] += ringing  # load zone: mostly the vertical radial axis
    signal[:, 0] += 0.4 * ringing
    signal[:, 2] += 0.2 * ringing
    return signal


def _looseness(signal, t, shaft_hz, phase, severity, rng):
    amp = 0.8 * severity
    wave = 0.6 * amp * _tone(t, 0.5 * shaft_hz, 0.5 * phase)
    for harmonic in range(1, 7):
        wave += amp * rng.uniform(0.3, 1.0) / harmonic ** 0.5 * _tone(t, harmonic * shaft_hz, rng.uniform(0, 2 * np.pi))
    clip = 0.5 * amp  # the loose part hits its stop: one side of the waveform is truncated
    wave = np.minimum(wave, clip)
    signal[:, 0] += wave
    signal[:, 1] += 0.8 * wave
    return signal


_FAULTS = [None, _imbalance, _misalignment, _bearing_fault, _looseness]

GENERATORS = {"vibration": vibration}
