"""CONTRACT section 4: a 40001 names each failing field by its JSON path."""

from __future__ import annotations

import pytest

from daigou.http.routing import validation_field


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        (("body", "cargoParamList", 0, "quantity"), "cargoParamList[0].quantity"),
        (("body", "amount"), "amount"),
        (("query", "pageSize"), "pageSize"),
        (("body", "lines", 2), "lines[2]"),
        (("body", "a", "b", 10, "c", 0), "a.b[10].c[0]"),
        (("body",), "$"),
        ((), "$"),
    ],
)
def test_validation_location_becomes_a_json_path(loc, path):
    assert validation_field(loc) == path
