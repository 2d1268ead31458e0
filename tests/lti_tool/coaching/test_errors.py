"""Every refusal of the coaching domain reads as a sentence with a 4xx status, never a 500."""

from __future__ import annotations

import inspect

import pytest

from activities.coaching import exceptions
from lti_tool.coaching.errors import describe

REFUSALS = [cls for _name, cls in inspect.getmembers(exceptions, inspect.isclass)
            if issubclass(cls, exceptions.CoachingError) and cls is not exceptions.CoachingError]
#: A value for each constructor annotation the exceptions use (they are strings: postponed annotations).
ARGUMENTS = {"str": "laporan.pdf", "int": 1024, "float": 10.0, "list[str]": ["c1"], "str | None": None}


def _instance(cls):
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return cls("refused")  # Exception's own constructor: a message
    return cls(*(ARGUMENTS[p.annotation] for p in parameters))


@pytest.mark.parametrize("cls", REFUSALS, ids=lambda cls: cls.__name__)
def test_each_refusal_has_its_own_message_and_a_client_error_status(cls):
    problem = describe(_instance(cls))
    assert problem.message and "Padu could not do this" not in problem.message
    # Only a storage folder inside the served folder is the server's fault, not the person's.
    assert 400 <= problem.status < 500 or (cls is exceptions.StorageUnsafe and problem.status == 503)
