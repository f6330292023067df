"""Reading the form's QR code where the layout says it is (zxing-cpp)."""

from __future__ import annotations

import cv2
import numpy as np
import zxingcpp

from schemas.events import QrPayload
from schemas.form_layout import FormLayout, Rect, parse_qr_payload
from services.ocr.page import PageGeometry

QR_PX_PER_MM = 8.0
MARGIN_MM = 4.0


def read_qr(photo: np.ndarray, geometry: PageGeometry, layout: FormLayout) -> QrPayload | None:
    """The payload of the form's QR code, or None when it is unreadable or not ours."""
    qr = layout.qr
    area = Rect(
        x=qr.x - MARGIN_MM, y=qr.y - MARGIN_MM, w=qr.size + 2 * MARGIN_MM, h=qr.size + 2 * MARGIN_MM
    )
    flat = geometry.warp(photo, area, QR_PX_PER_MM)
    for candidate in (flat, _sharpened(flat)):
        for result in zxingcpp.read_barcodes(candidate, formats=zxingcpp.BarcodeFormat.QRCode):
            try:
                return parse_qr_payload(result.text)
            except ValueError:
                continue
    return None


def _sharpened(image: np.ndarray) -> np.ndarray:
    blurred = cv2.GaussianBlur(image, (0, 0), 2.0)
    return cv2.addWeighted(image, 1.8, blurred, -0.8, 0)
