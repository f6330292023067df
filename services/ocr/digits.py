"""The handwritten-digit classifier: a small MLP, run with numpy alone.

Its weights (`model/digits-v1.npz`, made by `rekap train digits`) hold the layers, the input
features' description and a softmax temperature fitted on held-out crops, so the
probabilities it returns are calibrated: of the boxes read with p = 0.99, about 99 in 100 are
right. Classes are the digits 0-9 and 10 = blank.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("model") / "digits-v1.npz"


class ModelMissing(FileNotFoundError):
    """The classifier's weights are not there: run `rekap train digits`."""


@dataclass(frozen=True)
class DigitClassifier:
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    temperature: float
    version: str

    def probabilities(self, glyphs: np.ndarray, ink_fraction: np.ndarray) -> np.ndarray:
        """(boxes, 28, 28) glyphs and their ink fractions -> (boxes, 11) probabilities."""
        activation = features(glyphs, ink_fraction)
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            activation = activation @ weight + bias
            if layer < len(self.weights) - 1:
                np.maximum(activation, 0, out=activation)
        logits = activation / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


def features(glyphs: np.ndarray, ink_fraction: np.ndarray) -> np.ndarray:
    """The classifier's input: the glyph's pixels and how much of the box is ink."""
    flat = glyphs.reshape(len(glyphs), -1).astype(np.float32)
    return np.hstack([flat, (ink_fraction.reshape(-1, 1) * 10).astype(np.float32)])


def save_classifier(path: Path, weights, biases, temperature: float) -> None:
    arrays = {f"w{i}": w.astype(np.float32) for i, w in enumerate(weights)}
    arrays |= {f"b{i}": b.astype(np.float32) for i, b in enumerate(biases)}
    np.savez_compressed(path, temperature=np.float32(temperature), **arrays)


@cache
def load_classifier(path: Path = MODEL_PATH) -> DigitClassifier:
    if not path.exists():
        raise ModelMissing(f"{path} is missing; run `rekap train digits`")
    data = np.load(path)
    layers = sum(1 for key in data.files if key.startswith("w"))
    return DigitClassifier(
        weights=tuple(data[f"w{i}"] for i in range(layers)),
        biases=tuple(data[f"b{i}"] for i in range(layers)),
        temperature=float(data["temperature"]),
        version=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
    )
