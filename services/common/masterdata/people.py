"""Made-up but Indonesian-looking names for officers and reviewers, fixed by their id."""

from __future__ import annotations

import hashlib

GIVEN_NAMES = (
    "Agus", "Ahmad", "Budi", "Dewi", "Dian", "Eko", "Fitri", "Gilang", "Hendra", "Indah",
    "Joko", "Kartika", "Lestari", "Muhammad", "Nur", "Putri", "Rahmat", "Rina", "Sari", "Siti",
    "Teguh", "Wahyu", "Wulan", "Yusuf",
)  # fmt: skip
FAMILY_NAMES = (
    "Firmansyah", "Gunawan", "Hakim", "Harahap", "Hidayat", "Kurniawan", "Kusuma", "Lubis",
    "Maulana", "Nasution", "Permana", "Pratama", "Rahmawati", "Saputra", "Setiawan", "Siregar",
    "Simanjuntak", "Susanto", "Wahyuni", "Wijaya",
)  # fmt: skip


def person_name(person_id: str) -> str:
    """The same id always gets the same name; names are not unique."""
    digest = int.from_bytes(hashlib.sha256(person_id.encode()).digest()[:8], "big")
    given = GIVEN_NAMES[digest % len(GIVEN_NAMES)]
    family = FAMILY_NAMES[digest // len(GIVEN_NAMES) % len(FAMILY_NAMES)]
    return f"{given} {family}"
