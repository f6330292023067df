"""Photos of things that are not the form: another document (perhaps with a QR code of its own)
or just a scene of shapes and clutter, as an officer might upload by mistake."""

from __future__ import annotations

import random

import cv2
import numpy as np
import qrcode
from PIL import Image, ImageDraw

from simulation.fonts import print_font
from simulation.phone import Photo, photograph

WORDS = [
    "surat",
    "keterangan",
    "nomor",
    "tanggal",
    "nama",
    "alamat",
    "rukun",
    "tetangga",
    "warga",
    "kelurahan",
    "jumlah",
    "harga",
    "total",
    "bayar",
    "tunai",
    "terima",
    "kasih",
    "daftar",
    "hadir",
    "rapat",
    "undangan",
    "pengumuman",
    "jadwal",
    "kegiatan",
    "posyandu",
    "ronda",
    "kerja",
    "bakti",
    "iuran",
    "kas",
    "bulan",
    "minggu",
    "ketua",
    "sekretaris",
    "bendahara",
]
DOCUMENT_SIZE = (1240, 1754)
"""An A4 sheet at 150 dpi: enough for a thing nobody reads."""


def other_thing_photo(rng: random.Random, megapixels: float | None = None) -> tuple[Photo, str]:
    """A phone photo of something else, and what it shows (`document` or `scene`)."""
    if rng.random() < 0.6:
        return photograph(_document(rng), rng, megapixels=megapixels), "document"
    return photograph(_scene(rng), rng, megapixels=megapixels, fill=(1.0, 1.3), spill=0.1), "scene"


def _document(rng: random.Random) -> np.ndarray:
    """A printed page of text lines, a table or two, and now and then a QR code (a link)."""
    sheet = Image.new("RGB", DOCUMENT_SIZE, (250, 250, 246))
    draw = ImageDraw.Draw(sheet)
    width, height = DOCUMENT_SIZE
    y = rng.randint(60, 140)
    while y < height - 120:
        if rng.random() < 0.12:
            rows, cols = rng.randint(2, 6), rng.randint(2, 5)
            cell_w, cell_h = rng.randint(120, 220), rng.randint(40, 60)
            for row in range(rows + 1):
                draw.line((90, y + row * cell_h, 90 + cols * cell_w, y + row * cell_h), "black", 2)
            for col in range(cols + 1):
                draw.line((90 + col * cell_w, y, 90 + col * cell_w, y + rows * cell_h), "black", 2)
            y += rows * cell_h + 40
            continue
        size = rng.choice((22, 24, 26, 34))
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10)))
        draw.text((90, y), line.capitalize(), fill=(20, 20, 20), font=print_font(size))
        y += int(size * rng.uniform(1.4, 2.2))
    if rng.random() < 0.5:
        link = qrcode.make(f"https://example.org/{rng.getrandbits(40):x}", border=2)
        side = rng.randint(180, 320)
        sheet.paste(link.get_image().convert("RGB").resize((side, side)), (width - side - 80, 80))
    return np.array(sheet)


def _scene(rng: random.Random) -> np.ndarray:
    """Coloured shapes, lines and a few words over a noisy backdrop."""
    width, height = rng.choice(((1600, 1200), (1200, 1600)))
    generator = np.random.default_rng(rng.getrandbits(64))
    backdrop = generator.integers(0, 255, size=(height // 40, width // 40, 3), dtype=np.uint8)
    image = cv2.resize(backdrop, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(rng.randint(8, 25)):
        colour = tuple(rng.randrange(256) for _ in range(3))
        x, y = rng.randrange(width), rng.randrange(height)
        extent = rng.randint(30, 400)
        shape = rng.randrange(3)
        if shape == 0:
            cv2.rectangle(image, (x, y), (x + extent, y + extent // 2), colour, -1)
        elif shape == 1:
            cv2.circle(image, (x, y), extent // 2, colour, -1, cv2.LINE_AA)
        else:
            end = (rng.randrange(width), rng.randrange(height))
            cv2.line(image, (x, y), end, colour, rng.randint(2, 20), cv2.LINE_AA)
    pil = Image.fromarray(image)
    draw = ImageDraw.Draw(pil)
    for _ in range(rng.randint(0, 4)):
        draw.text(
            (rng.randrange(width - 300), rng.randrange(height - 60)),
            rng.choice(WORDS).upper(),
            fill=tuple(rng.randrange(256) for _ in range(3)),
            font=print_font(rng.randint(30, 90), bold=True),
        )
    return np.array(pil)
