"""The handwritten-digit classifier: a few small convolutional networks averaged, run with
numpy alone.

The networks look at each box in one of two ways. A glyph network sees the cleaned digit
(`boxes.clean_glyph`: printed lines erased, ink fitted and centred in 28x28, as in MNIST). A
frame network sees the box as photographed (`boxes.box_frame`: the box and 1.5 mm around it,
lines and neighbours' ink and all, at 4 px/mm). Cleaning sometimes loses what makes the digit:
the bar of a 7 or a 5 drawn along the top line is erased with it, a digit written partly past
its box is cut. The frame still shows it; the glyph shows the digit's shape whatever its size
and place. The two views make different mistakes, so their average makes fewer; networks of
the same view differ in their random start and the order they saw the data, which makes the
confident answers steadier (a wrong answer given with near certainty by one is seldom given
so by all).

Its weights (`model/digits-v3.npz`, made by `python -m simulation.train_digits`) hold each
network's view and layers (batch normalisation already folded into the convolutions) and a
softmax temperature fitted on crops kept out of training, so the probabilities it returns are
calibrated: of the boxes read with p = 0.99, about 99 in 100 are right. Classes are the digits
0-9 and 10 = blank.

Each network is 3x3 convolutions, each followed by 2x2 max-pooling and ReLU, then dense
layers. A glyph network sees the glyph with its slant taken out (shear by its second moments,
as writers lean their digits by different amounts), and two more descriptions of the glyph
join its first dense layer: a histogram of its stroke directions per 4x4-pixel cell (robust to
stroke width and small shifts) and the share of the box that is ink.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np

MODEL_PATH = Path(__file__).with_name("model") / "digits-v3.npz"
CLASSES = 11
MAX_DESKEW = 0.8
"""The largest shear taken out of a glyph (horizontal pixels per pixel of height)."""
INK_SCALE = 10.0
"""The ink fraction is multiplied by this before it joins the dense layers (to about 0..1)."""
DIRECTION_BINS = 8
CELL_PX = 4
View = Literal["glyph", "frame"]
"""What a network reads: the cleaned glyph (and its stroke directions and ink fraction) or
the box's frame."""


class ModelMissing(FileNotFoundError):
    """The classifier's weights are not there: run `python -m simulation.train_digits`."""


@dataclass(frozen=True)
class ConvNet:
    """Convolutions as (3, 3, in, out) kernels with their biases, zero-padded to keep the size,
    each followed by 2x2 max-pooling (odd sizes rounded down) and ReLU; then dense layers as
    (in, out) weights with biases, ReLU between them, nothing after the last. The flattened
    feature maps (channel, row, column order) enter the first; for a glyph network, followed by
    the glyph's stroke directions and its scaled ink fraction."""

    kernels: tuple[np.ndarray, ...]
    kernel_biases: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    view: View

    def glyph_logits(
        self, upright: np.ndarray, directions: np.ndarray, ink_fraction: np.ndarray
    ) -> np.ndarray:
        """(boxes, 28, 28) deskewed glyphs, their `stroke_directions` and ink fractions ->
        (boxes, 11) logits."""
        maps = self._feature_maps(upright)
        ink = np.asarray(ink_fraction, dtype=np.float32).reshape(len(maps), 1) * INK_SCALE
        return self._dense(np.hstack([maps, directions, ink]))

    def frame_logits(self, frames: np.ndarray) -> np.ndarray:
        """(boxes, *FRAME_SHAPE) frames -> (boxes, 11) logits."""
        return self._dense(self._feature_maps(frames))

    def _feature_maps(self, images: np.ndarray) -> np.ndarray:
        activation = images.astype(np.float32)[None]
        for kernel, bias in zip(self.kernels, self.kernel_biases, strict=True):
            # The bias is added after pooling: the same, on a quarter of the pixels.
            pooled = max_pooled(convolved(activation, kernel))
            activation = np.maximum(pooled + bias[:, None, None, None], 0)
        return activation.transpose(1, 0, 2, 3).reshape(activation.shape[1], -1)

    def _dense(self, activation: np.ndarray) -> np.ndarray:
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            activation = activation @ weight + bias
            if layer < len(self.weights) - 1:
                np.maximum(activation, 0, out=activation)
        return activation


def convolved(maps: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """(in, count, height, width) feature maps and a (k, k, in, out) kernel -> (out, count,
    height, width): a zero-padded convolution (as cross-correlation), by one matrix product
    over every pixel's k x k neighbourhood. Channels first: each shifted copy of the maps is
    a run of whole rows, which copies faster than pixels of a few channels each (the maps of
    all boxes with channels last took about a fifth longer)."""
    size, _, channels, outputs = kernel.shape
    _, count, height, width = maps.shape
    reach = size // 2
    padded = np.pad(maps, ((0, 0), (0, 0), (reach, reach), (reach, reach)))
    neighbourhoods = np.empty((size, size, channels, count, height, width), dtype=np.float32)
    for dy in range(size):
        for dx in range(size):
            neighbourhoods[dy, dx] = padded[:, :, dy : dy + height, dx : dx + width]
    flat = kernel.reshape(-1, outputs).T @ neighbourhoods.reshape(size * size * channels, -1)
    return flat.reshape(outputs, count, height, width)


def max_pooled(maps: np.ndarray) -> np.ndarray:
    """2x2 max-pooling of (channels, count, height, width); an odd last row or column dropped."""
    height, width = maps.shape[2:]
    even = maps[:, :, : height // 2 * 2, : width // 2 * 2]
    rows = np.maximum(even[:, :, 0::2], even[:, :, 1::2])
    return np.maximum(rows[..., 0::2], rows[..., 1::2])


@dataclass(frozen=True)
class DigitClassifier:
    networks: tuple[ConvNet, ...]
    temperature: float
    version: str

    def logits(
        self, glyphs: np.ndarray, ink_fraction: np.ndarray, frames: np.ndarray
    ) -> np.ndarray:
        """(networks, boxes, 11): each network's raw outputs, before the temperature, for
        (boxes, 28, 28) glyphs, their ink fractions and (boxes, *FRAME_SHAPE) frames. For the
        glyph networks, boxes whose glyph has no ink at all (about a quarter of a form's) are
        one and the same input: it is classified once for all of them."""
        ink_fraction = np.asarray(ink_fraction, dtype=np.float32)
        empty = ~glyphs.reshape(len(glyphs), -1).any(axis=1) & (ink_fraction == 0)
        chosen = np.arange(len(glyphs))
        if empty.sum() >= 2:
            first_empty = np.flatnonzero(empty)[0]
            chosen = np.where(empty, first_empty, chosen)
        distinct, spread = np.unique(chosen, return_inverse=True)
        upright = deskewed(glyphs[distinct].astype(np.float32))
        directions = stroke_directions(upright)
        return np.stack(
            [
                network.glyph_logits(upright, directions, ink_fraction[distinct])[spread]
                if network.view == "glyph"
                else network.frame_logits(frames)
                for network in self.networks
            ]
        )

    def probabilities(
        self, glyphs: np.ndarray, ink_fraction: np.ndarray, frames: np.ndarray
    ) -> np.ndarray:
        """(boxes, 28, 28) glyphs, their ink fractions and (boxes, *FRAME_SHAPE) frames ->
        (boxes, 11) probabilities."""
        return averaged_probabilities(self.logits(glyphs, ink_fraction, frames), self.temperature)


def averaged_probabilities(logits: np.ndarray, temperature: float) -> np.ndarray:
    """(networks, boxes, classes) logits -> (boxes, classes): the mean of the networks'
    softmax at `temperature`."""
    return np.mean([softmax(member / temperature) for member in logits], axis=0)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


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
    padded = np.pad(glyphs.astype(np.float32), ((0, 0), (1, 1), (1, 1)))
    gx = padded[:, 1:-1, 2:] - padded[:, 1:-1, :-2]
    gy = padded[:, 2:, 1:-1] - padded[:, :-2, 1:-1]
    strength = np.hypot(gx, gy)
    position = (np.arctan2(gy, gx) + np.pi) / (2 * np.pi) * DIRECTION_BINS
    lower = np.floor(position)
    upper_share = position - lower
    lower = lower.astype(np.int64) % DIRECTION_BINS
    cells_per_bin = (height // CELL_PX) * (width // CELL_PX)
    cell = (
        np.arange(height)[:, None] // CELL_PX * (width // CELL_PX)
        + np.arange(width)[None, :] // CELL_PX
    )
    # Index of (glyph, direction, cell) in the flat histogram; each pixel votes for two bins.
    first = np.arange(count)[:, None, None] * DIRECTION_BINS * cells_per_bin + cell[None]
    size = count * DIRECTION_BINS * cells_per_bin
    flat = np.bincount(
        (first + lower * cells_per_bin).ravel(), (strength * (1 - upper_share)).ravel(), size
    ) + np.bincount(
        (first + (lower + 1) % DIRECTION_BINS * cells_per_bin).ravel(),
        (strength * upper_share).ravel(),
        size,
    )
    flat = flat.reshape(count, -1)
    return (8.0 * flat / (np.linalg.norm(flat, axis=1, keepdims=True) + 1e-3)).astype(np.float32)


def save_classifier(path: Path, networks: Sequence[ConvNet], temperature: float) -> None:
    arrays = {}
    for member, network in enumerate(networks):
        arrays[f"n{member}_view"] = np.array(network.view)
        for layer, (kernel, bias) in enumerate(
            zip(network.kernels, network.kernel_biases, strict=True)
        ):
            arrays[f"n{member}_conv{layer}_kernel"] = kernel.astype(np.float32)
            arrays[f"n{member}_conv{layer}_bias"] = bias.astype(np.float32)
        for layer, (weight, bias) in enumerate(zip(network.weights, network.biases, strict=True)):
            arrays[f"n{member}_dense{layer}_weight"] = weight.astype(np.float32)
            arrays[f"n{member}_dense{layer}_bias"] = bias.astype(np.float32)
    np.savez_compressed(path, temperature=np.float32(temperature), **arrays)


@cache
def load_classifier(path: Path = MODEL_PATH) -> DigitClassifier:
    if not path.exists():
        raise ModelMissing(f"{path} is missing; run `python -m simulation.train_digits`")
    data = np.load(path)

    def layers(member: int, kind: str, part: str) -> tuple[np.ndarray, ...]:
        count = sum(1 for key in data.files if key.startswith(f"n{member}_{kind}"))
        return tuple(data[f"n{member}_{kind}{layer}_{part}"] for layer in range(count // 2))

    members = sorted({int(key[1:].split("_")[0]) for key in data.files if key.startswith("n")})
    return DigitClassifier(
        networks=tuple(
            ConvNet(
                kernels=layers(member, "conv", "kernel"),
                kernel_biases=layers(member, "conv", "bias"),
                weights=layers(member, "dense", "weight"),
                biases=layers(member, "dense", "bias"),
                view=str(data[f"n{member}_view"]),
            )
            for member in members
        ),
        temperature=float(data["temperature"]),
        version=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
    )
