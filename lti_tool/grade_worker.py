"""The old name of :mod:`lti_tool.worker`, kept while other branches' code and tests still use it.

New code imports ``lti_tool.worker`` (the loop) and ``lti_tool.grade_delivery``
(what sending a grade means). Patching a name here changes nothing there.
"""

from .grade_delivery import FOREIGN_GRADEBOOK, _lineitem_url  # noqa: F401
from .worker import MAX_ATTEMPTS, claim, run_forever, run_once, worker_id  # noqa: F401
