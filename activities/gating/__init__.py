"""Phase gating: the blended program of a course, with explainable gates, overrides and an audit trail.

LAN's blended Latsar CPNS runs in three components — *mandiri* (self-study),
*jarak jauh* (distance, synchronous online) and *klasikal* (in person) —
(Peraturan LAN No. 1 Tahun 2021, Pasal 7 ayat (1) huruf b). A program puts
them in order with requirements read from the other activities through the
facts protocol; each learner's phases are locked, open, complete or
overridden, recomputed whenever a fact changes, and a phase's gradebook
column lets Moodle's own *Restrict access* follow the gate.

The web layer imports :mod:`activities.gating.service`; the other modules are
the pieces it is made of: :mod:`.models`, :mod:`.requirements` (the kinds),
:mod:`.engine` (the pure gate), :mod:`.store` (reading and recomputing),
:mod:`.gradebook`, :mod:`.template`, :mod:`.cohort`.
"""

#: ``Activity.kind`` of a gating activity: one per phase that owns a gradebook column.
KIND = "gating"

# Registered here, after KIND, so that any process importing the package knows the kind.
from .. import events, registry  # noqa: E402
from .settings import default_settings  # noqa: E402
from .store import recompute  # noqa: E402

registry.register(registry.ActivityKind(kind=KIND, default_settings=default_settings, tag=KIND))
events.subscribe(recompute)
