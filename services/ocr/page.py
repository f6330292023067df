"""Finding the form in a photo: its four ArUco markers give the page's perspective.

Each marker's id says which corner of the page it is (0-3 clockwise from the top-left), and
each of its four corners is a known point of the page in millimetres, so the markers alone fix
the homography from photo to page whatever the photo's rotation (upside down included).
Three markers are enough; fewer, or a page partly outside the photo, is not a readable form.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from schemas.form_layout import FormLayout, Rect

MIN_MARKERS = 3
MAX_REPROJECTION_MM = 1.5
DETECTION_SCALES = (0.25, 0.5)
"""Markers are looked for in the photo shrunk to a quarter (about 3 ms), then to half (8 ms),
then whole, until all four show; their corners are then refined at each larger scale."""
DETECTION_MIN_SIDE = 480
"""No smaller image is searched: below it the markers of a page that fills the photo are a
few pixels per cell."""


class PageNotFound(ValueError):
    """No form of this layout could be located in the photo (the reason says why)."""


@dataclass(frozen=True)
class PageGeometry:
    """Maps page millimetres to photo pixels (and back)."""

    page_to_photo: np.ndarray  # 3x3 homography, mm -> photo px
    markers_found: tuple[int, ...]
    reprojection_mm: float
    photo_shape: tuple[int, int]

    def photo_points(self, points_mm: np.ndarray) -> np.ndarray:
        return cv2.perspectiveTransform(
            points_mm.reshape(-1, 1, 2).astype(np.float64), self.page_to_photo
        ).reshape(-1, 2)

    def scaled(self, factor: float, photo_shape: tuple[int, int]) -> PageGeometry:
        """The same page in the same photo decoded `factor` times larger."""
        scale = np.diag([factor, factor, 1.0])
        return PageGeometry(
            scale @ self.page_to_photo, self.markers_found, self.reprojection_mm, photo_shape
        )

    def px_per_mm(self) -> float:
        """The photo's resolution on the page, near the page centre."""
        centre = np.array([[100.0, 150.0], [110.0, 150.0]])
        a, b = self.photo_points(centre)
        return float(np.hypot(*(b - a)) / 10.0)

    def warp(self, photo: np.ndarray, area: Rect, px_per_mm: float) -> np.ndarray:
        """The page rectangle `area` (mm), cut from the photo and flattened at `px_per_mm`."""
        width, height = round(area.w * px_per_mm), round(area.h * px_per_mm)
        mm_to_area = np.array(
            [[1 / px_per_mm, 0, area.x], [0, 1 / px_per_mm, area.y], [0, 0, 1]], dtype=np.float64
        )
        return cv2.warpPerspective(
            photo,
            self.page_to_photo @ mm_to_area,
            (width, height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )


def marker_corners_mm(layout: FormLayout) -> dict[int, np.ndarray]:
    """The four page corners (mm) of each marker, in ArUco's corner order."""
    corners = {}
    for marker in layout.markers.items:
        x, y, s = marker.x, marker.y, marker.size
        corners[marker.id] = np.array([[x, y], [x + s, y], [x + s, y + s], [x, y + s]])
    return corners


class MarkerFinder:
    """Detects the layout's markers; one instance is reused across photos."""

    def __init__(self, layout: FormLayout) -> None:
        dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
        parameters = cv2.aruco.DetectorParameters()
        parameters.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
        self.detector = cv2.aruco.ArucoDetector(dictionary, parameters)
        self.layout = layout
        self.corners_mm = marker_corners_mm(layout)

    def locate(self, photo: np.ndarray) -> PageGeometry:
        found = self._detect(photo)
        if len(found) < MIN_MARKERS:
            raise PageNotFound(
                f"found {len(found)} of the form's 4 corner markers; photograph the whole "
                "form, flat, with all four black corner squares in the picture"
            )
        page_points = np.concatenate([self.corners_mm[i] for i in sorted(found)])
        photo_points = np.concatenate([found[i] for i in sorted(found)])
        homography, _ = cv2.findHomography(page_points, photo_points, 0)
        if homography is None:
            raise PageNotFound("the corner markers do not describe a flat page")
        back = cv2.perspectiveTransform(photo_points.reshape(-1, 1, 2), np.linalg.inv(homography))
        error = float(np.abs(back.reshape(-1, 2) - page_points).max())
        geometry = PageGeometry(homography, tuple(sorted(found)), error, photo.shape[:2])
        if error > MAX_REPROJECTION_MM:
            raise PageNotFound(
                f"the corner markers disagree by {error:.1f} mm: the page is folded or curved"
            )
        _require_fields_inside(geometry, self.layout)
        return geometry

    def _detect(self, photo: np.ndarray) -> dict[int, np.ndarray]:
        """Detect in the photo shrunk (`DETECTION_SCALES`: far faster), the corners refined
        up to full resolution. A shrunk photo must show all four markers: the perspective of
        three is less sure, and the whole photo may show the fourth."""
        wanted = set(self.corners_mm)
        for scale in DETECTION_SCALES:
            if max(photo.shape) * scale < DETECTION_MIN_SIDE:
                continue
            corners, ids, _ = self.detector.detectMarkers(_shrunk(photo, scale))
            found = _largest_per_id(corners, ids, wanted)
            if len(found) == len(wanted):
                return _refined_upwards(photo, found, scale)
        corners, ids, _ = self.detector.detectMarkers(photo)
        return _largest_per_id(corners, ids, wanted)


def _shrunk(photo: np.ndarray, scale: float) -> np.ndarray:
    return cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _refined_upwards(
    photo: np.ndarray, found: dict[int, np.ndarray], scale: float
) -> dict[int, np.ndarray]:
    """Marker corners found in the photo shrunk by `scale`, refined at each larger detection
    scale and then at full resolution (a corner from a quarter-size photo is too rough to
    refine at full size at once: it can settle on the wrong corner)."""
    for larger in (*(s for s in DETECTION_SCALES if s > scale), 1.0):
        image = photo if larger == 1.0 else _shrunk(photo, larger)
        # Pixel centres: pixel i of the shrunk photo covers pixels i/scale .. (i+1)/scale.
        found = {
            marker: _refined(image, (points + 0.5) * larger / scale - 0.5)
            for marker, points in found.items()
        }
        scale = larger
    return found


def _refined(photo: np.ndarray, points: np.ndarray) -> np.ndarray:
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.05)
    refined = cv2.cornerSubPix(
        photo, points.astype(np.float32).reshape(-1, 1, 2), (4, 4), (-1, -1), criteria
    )
    return refined.reshape(4, 2).astype(np.float64)


def _largest_per_id(corners, ids, wanted: set[int]) -> dict[int, np.ndarray]:
    """One detection per wanted id: the largest (a false detection is usually small)."""
    best: dict[int, tuple[float, np.ndarray]] = {}
    if ids is None:
        return {}
    for quad, marker_id in zip(corners, ids.ravel(), strict=True):
        if int(marker_id) not in wanted:
            continue
        points = quad.reshape(4, 2).astype(np.float64)
        area = cv2.contourArea(points.astype(np.float32))
        if area > best.get(int(marker_id), (0.0, None))[0]:
            best[int(marker_id)] = (area, points)
    return {marker_id: points for marker_id, (_, points) in best.items()}


def _require_fields_inside(geometry: PageGeometry, layout: FormLayout) -> None:
    height, width = geometry.photo_shape
    rects = [field.rect for field in layout.fields]
    left, top = min(r.x for r in rects), min(r.y for r in rects)
    right, bottom = max(r.right for r in rects), max(r.bottom for r in rects)
    corners = geometry.photo_points(
        np.array([[left, top], [right, top], [right, bottom], [left, bottom]])
    )
    margin = 2
    if (
        (corners < -margin).any()
        or (corners[:, 0] > width + margin).any()
        or (corners[:, 1] > height + margin).any()
    ):
        raise PageNotFound("part of the form's number boxes is outside the photo")
