"""Settings fields more than one activity reads: whole numbers and lists of file extensions."""

import pytest

from activities.settings_fields import extension_list, whole_number


class Invalid(ValueError):
    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@pytest.mark.parametrize("value, number", [(3, 3), ("3", 3), (" 4 ", 4), (5.0, 5), (1, 1), (10, 10)])
def test_whole_numbers_from_forms_and_json_are_taken(value, number):
    assert whole_number(value, "n", 1, 10, invalid=Invalid) == number


@pytest.mark.parametrize("value, message", [
    ("x", "must be a whole number"), ("1e3", "must be a whole number"), (3.5, "must be a whole number"),
    (True, "must be a whole number"), (None, "must be a whole number"), ([], "must be a whole number"),
    (0, "must be between 1 and 10"), (11, "must be between 1 and 10"),
])
def test_anything_else_is_refused_through_the_activity_s_error(value, message):
    with pytest.raises(Invalid) as caught:
        whole_number(value, "n", 1, 10, invalid=Invalid)
    assert (caught.value.field, caught.value.message) == ("n", message)


def test_extensions_are_cleaned_and_kept_once_in_order():
    assert extension_list([".PDF", " png ", "pdf"], "ext", known=("pdf", "png"), invalid=Invalid) == ("pdf", "png")


@pytest.mark.parametrize("value, message", [
    ("pdf", "must be a list"),
    (None, "must be a list"),
    ([1], "must be a list of extensions"),
    (["exe"], "Padu cannot check 'exe' files; choose from png, pdf"),
    ([], "allow at least one file type"),
])
def test_extension_lists_are_refused_through_the_activity_s_error(value, message):
    with pytest.raises(Invalid) as caught:
        extension_list(value, "ext", known=("png", "pdf"), invalid=Invalid)
    assert (caught.value.field, caught.value.message) == ("ext", message)
