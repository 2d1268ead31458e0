"""Padu's side of each Moodle's web services (no Flask): the platform's token
(:mod:`.token`, :mod:`.connection`), the course sync the worker runs
(:mod:`.sync`) and the phase groups it keeps in step (:mod:`.groups`).

Every call goes through ``moodle_client`` with the runtime's guarded HTTP
session (``lti_tool.outbound``); what a sync reads is stored by
``activities.moodle.store`` and gates are evaluated from there.
"""
