"""The label writers' string literals are exactly json.dumps's, for every kind of text."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from symage_pipeline.annotate.jsontext import json_str, json_str_or_null


@given(st.text())
def test_json_str_is_json_dumps(text: str) -> None:
    assert json_str(text) == json.dumps(text, ensure_ascii=False)
    assert json.loads(json_str(text)) == text


def test_the_cases_that_need_escapes_and_null() -> None:
    for text in ('say "hi"', "C:\\path", "tab\there", "line\nbreak", "\x00", "café", "\u2028"):
        assert json_str(text) == json.dumps(text, ensure_ascii=False)
    assert json_str_or_null(None) == "null"
