"""The handwritten-digit classifier: two small MLPs averaged, run with numpy alone.

Its weights (`model/digits-v1.npz`, made by `rekap train digits`, see `simulation.train_digits`)
hold the networks' layers and a softmax temperature fitted on crops kept out of training, so
the probabilities it returns are calibrated: of the boxes read with p = 0.99, about 99 in 100
are right. Classes are the digits 0-9 and 10 = blank. The two networks differ only in their
random start; averaging them makes the confident answers steadier, since a wrong answer given
with near certainty by one is seldom given so by both.

The input is the glyph with its slant taken out (shear by its second moments, as writers lean
their digits by different amounts), described twice: by its pixels at half resolution and by
a histogram of stroke directions per 4x4-pixel cell (robust to stroke width and small shifts),
plus the share of the box that is ink.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("model") / "digits-v1.npz"
CLASSES = 11
DIRECTION_BINS = 8
CELL_PX = 4
MAX_DESKEW = 0.8
"""The largest shear taken out of a glyph (horizontal pixels per pixel of height)."""


class ModelMissing(FileNotFoundError):
    """The classifier's weights are not there: run `rekap train digits`."""


@dataclass(frozen=True)
class Network:
    """One MLP: ReLU between layers, nothing after the last."""

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        activation = inputs.astype(np.float32)
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            activation = activation @ weight + bias
            if layer < len(self.weights) - 1:
                np.maximum(activation, 0, out=activation)
        return activation


@dataclass(frozen=True)
class DigitClassifier:
    networks: tuple[Network, ...]
    temperature: float
    version: str

    def logits(self, glyphs: np.ndarray, ink_fraction: np.ndarray) -> np.ndarray:
        """(networks, boxes, 11): each network's raw outputs, before the temperature."""
        inputs = features(glyphs, ink_fraction)
        return np.stack([network.logits(inputs) for network in self.networks])

    def probabilities(self, glyphs: np.ndarray, ink_fraction: np.ndarray) -> np.ndarray:
        """(boxes, 28, 28) glyphs and their ink fractions -> (boxes, 11) probabilities."""
        return averaged_probabilities(self.logits(glyphs, ink_fraction), self.temperature)


def averaged_probabilities(logits: np.ndarray, temperature: float) -> np.ndarray:
    """(networks, boxes, classes) logits -> (boxes, classes): the mean of the networks'
    softmax at `temperature`."""
    return np.mean([softmax(member / temperature) for member in logits], axis=0)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def features(glyphs: np.ndarray, ink_fraction: np.ndarray) -> np.ndarray:
    """The classifier's input: the deskewed glyph's pixels (2x2 averaged), its stroke directions
    per cell, and how much of the box is ink."""
    upright = deskewed(glyphs.astype(np.float32))
    count, height, width = upright.shape
    pixels = upright.reshape(count, height // 2, 2, width // 2, 2).mean(axis=(2, 4))
    ink = (np.asarray(ink_fraction, dtype=np.float32).reshape(-1, 1) * 10).astype(np.float32)
    return np.hstack([pixels.reshape(count, -1), stroke_directions(upright), ink])


def deskewed(glyphs: np.ndarray) -> np.ndarray:
    """Each glyph sheared horizontally so that its ink no longer leans (by its second moments),
    about the glyph's vertical middle; bilinear along rows."""
    count, height, width = glyphs.shape
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    total = glyphs.sum(axis=(1, 2)) + 1e-6
    centre_row = (glyphs * rows).sum(axis=(1, 2)) / total
    centre_col = (glyphs * cols).sum(axis=(1, 2)) / total
    dy = rows[None] - centre_row[:, None, None]
    dx = cols[None] - centre_col[:, None, None]
    lean = (glyphs * dy * dx).sum(axis=(1, 2)) / ((glyphs * dy**2).sum(axis=(1, 2)) + 1e-6)
    lean = np.clip(lean, -MAX_DESKEW, MAX_DESKEW)
    source = cols[None] + lean[:, None, None] * (rows[None] - height / 2)
    left = np.floor(source).astype(np.int64)
    right_share = (source - left).astype(np.float32)
    index = np.arange(count)[:, None, None]
    row_index = np.broadcast_to(rows.astype(np.int64), source.shape)

    def sampled(column: np.ndarray) -> np.ndarray:
        inside = (column >= 0) & (column < width)
        return np.where(inside, glyphs[index, row_index, np.clip(column, 0, width - 1)], 0.0)

    return (sampled(left) * (1 - right_share) + sampled(left + 1) * right_share).astype(np.float32)


def stroke_directions(glyphs: np.ndarray) -> np.ndarray:
    """A histogram of gradient directions (8 signed bins, votes split between the two nearest)
    weighted by gradient strength, per 4x4-pixel cell, scaled to a fixed length per glyph."""
    count, height, width = glyphs.shape
    padded = np.pad(glyphs, ((0, 0), (1, 1), (1, 1)))
    gx = padded[:, 1:-1, 2:] - padded[:, 1:-1, :-2]
    gy = padded[:, 2:, 1:-1] - padded[:, :-2, 1:-1]
    strength = np.hypot(gx, gy)
    position = (np.arctan2(gy, gx) + np.pi) / (2 * np.pi) * DIRECTION_BINS
    cells = np.empty((count, DIRECTION_BINS, height // CELL_PX, width // CELL_PX), dtype=np.float32)
    for direction in range(DIRECTION_BINS):
        distance = np.abs(position - direction)
        distance = np.minimum(distance, DIRECTION_BINS - distance)
        votes = strength * np.maximum(0.0, 1.0 - distance)
        cells[:, direction] = votes.reshape(
            count, height // CELL_PX, CELL_PX, width // CELL_PX, CELL_PX
        ).sum(axis=(2, 4))
    flat = cells.reshape(count, -1)
    return (8.0 * flat / (np.linalg.norm(flat, axis=1, keepdims=True) + 1e-3)).astype(np.float32)


def save_classifier(path: Path, networks: Sequence[Network], temperature: float) -> None:
    arrays = {}
    for member, network in enumerate(networks):
        for layer, (weight, bias) in enumerate(zip(network.weights, network.biases, strict=True)):
            arrays[f"n{member}_w{layer}"] = weight.astype(np.float32)
            arrays[f"n{member}_b{layer}"] = bias.astype(np.float32)
    np.savez_compressed(path, temperature=np.float32(temperature), **arrays)


@cache
def load_classifier(path: Path = MODEL_PATH) -> DigitClassifier:
    if not path.exists():
        raise ModelMissing(f"{path} is missing; run `rekap train digits`")
    data = np.load(path)
    members = sorted({int(key[1:].split("_")[0]) for key in data.files if key.startswith("n")})
    networks = []
    for member in members:
        layers = sum(1 for key in data.files if key.startswith(f"n{member}_w"))
        networks.append(
            Network(
                weights=tuple(data[f"n{member}_w{layer}"] for layer in range(layers)),
                biases=tuple(data[f"n{member}_b{layer}"] for layer in range(layers)),
            )
        )
    return DigitClassifier(
        networks=tuple(networks),
        temperature=float(data["temperature"]),
        version=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
    )
