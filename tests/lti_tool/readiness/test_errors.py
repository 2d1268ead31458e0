"""Every refusal of the readiness domain reads as its own sentence with a 4xx status, never a 500."""

from __future__ import annotations

import inspect

import pytest

from activities.readiness import exceptions
from lti_tool.readiness.errors import describe

REFUSALS = [cls for _name, cls in inspect.getmembers(exceptions, inspect.isclass)
            if issubclass(cls, exceptions.ReadinessError) and cls is not exceptions.ReadinessError]
#: A value for each constructor annotation the exceptions use (strings: postponed annotations).
ARGUMENTS = {"str": "laporan.pdf", "int": 1024, "list[str]": ["safety.otp"], "dict[str, str]": {"$": "not JSON"},
             "tuple[str, ...]": ("pdf", "png")}


def _instance(cls):
    parameters = [p for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                  if p.default is inspect.Parameter.empty or p.annotation in ARGUMENTS]
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return cls("refused")  # Exception's own constructor: a message
    return cls(*(ARGUMENTS[p.annotation] for p in parameters))


@pytest.mark.parametrize("cls", REFUSALS, ids=lambda cls: cls.__name__)
def test_each_refusal_has_its_own_message_and_a_client_error_status(cls):
    problem = describe(_instance(cls))
    assert problem.message and "Padu could not do this" not in problem.message
    assert 400 <= problem.status < 500


def test_file_problems_belong_to_the_file_field():
    for cls in (exceptions.UnsafeFilename, exceptions.FileTypeNotAllowed, exceptions.FileContentMismatch,
                exceptions.FileTooLarge, exceptions.EmptyFile):
        assert describe(_instance(cls)).field == "file"
