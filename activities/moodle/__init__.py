"""What Padu learns from a course's Moodle through its web services: native activities'
completion and grades, the course's groups and their members, each stored with the time
it was read.

The domain never calls Moodle itself (``lti_tool.moodle`` does, in the worker): it
keeps what a sync read (:mod:`.models`, written by :mod:`.store`) and answers from it,
so a gate is evaluated from stored facts and a page never waits for Moodle. The two
native requirement kinds of phase gating live in :mod:`.requirements` and register
themselves when this package is imported (``activities.registry`` imports it).
"""

from . import requirements  # noqa: F401  (registers the native requirement kinds)
