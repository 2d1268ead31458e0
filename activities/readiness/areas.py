"""The vocabulary every readiness module shares: sections, areas, groups and bands.

Kept apart so that settings, scoring, recommendations and the cohort view
name an area the same way without importing one another.
"""

from __future__ import annotations

import enum

#: The instrument's three parts, in the order a learner meets them.
SECTIONS = ("device", "skills", "lms")

#: DigComp 2.2's five competence areas, in the framework's order.
DIGCOMP_AREAS = ("information", "communication", "content", "safety", "problem_solving")

#: Every scored area of a profile, in display order.
AREAS = ("device", "connection", *DIGCOMP_AREAS, "lms")

#: The section an area's evidence comes from: a disabled section leaves its areas unscored.
SECTION_OF = {"device": "device", "connection": "device", **{a: "skills" for a in DIGCOMP_AREAS}, "lms": "lms"}

#: The kind of help an area calls for; the cohort view groups support needs by it.
GROUP_OF = {"device": "device", "connection": "connection", **{a: "skills" for a in DIGCOMP_AREAS}, "lms": "lms"}
GROUPS = ("device", "connection", "skills", "lms")

#: The LMS micro-tasks.
TASKS = ("upload", "find_code")

#: Bilingual names of the areas (Indonesian first, as the instrument writes text).
AREA_LABELS = {
    "device": {"id": "Perangkat", "en": "Device"},
    "connection": {"id": "Koneksi internet", "en": "Internet connection"},
    "information": {"id": "Literasi informasi dan data", "en": "Information and data literacy"},
    "communication": {"id": "Komunikasi dan kolaborasi", "en": "Communication and collaboration"},
    "content": {"id": "Pembuatan konten digital", "en": "Digital content creation"},
    "safety": {"id": "Keamanan digital", "en": "Safety"},
    "problem_solving": {"id": "Pemecahan masalah", "en": "Problem solving"},
    "lms": {"id": "Penggunaan LMS", "en": "Using the LMS"},
}


class Band(str, enum.Enum):
    """Where an overall index falls. The values are the issue's own terms, so
    they read the same in the database, the CSV export and a phase requirement."""

    READY = "siap"
    READY_WITH_SUPPORT = "siap_dengan_pendampingan"
    NOT_READY = "belum_siap"

    @property
    def rank(self) -> int:
        """2 for ready, 1 with support, 0 not ready: a phase gate asks ``band.rank >= wanted.rank``."""
        return {Band.READY: 2, Band.READY_WITH_SUPPORT: 1, Band.NOT_READY: 0}[self]

    def at_least(self, other: Band) -> bool:
        return self.rank >= Band(other).rank

    @property
    def label(self) -> dict[str, str]:
        return BAND_LABELS[self]


BAND_LABELS = {
    Band.READY: {"id": "Siap", "en": "Ready"},
    Band.READY_WITH_SUPPORT: {"id": "Siap dengan pendampingan", "en": "Ready with support"},
    Band.NOT_READY: {"id": "Belum siap", "en": "Not ready yet"},
}
