"""The one JSON repairer: what teachers, judges and attack writers reply, read as an object."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from alignment_studio.core.jsonrepair import parse_json


class Question(BaseModel):
    question: str
    difficulty: int = 1


@pytest.mark.parametrize("text", [
    '```json\n{"question": "Can I accept a gift card?", "difficulty": 2}\n```',
    'Sure! Here is the JSON you asked for:\n{"question": "Can I accept a gift card?", '
    '"difficulty": 2}\nHope this helps.',
    '{"question": "Can I accept a gift card?", "difficulty": 2,}',
    "{'question': 'Can I accept a gift card?', 'difficulty': 2}",
    '{"question": "Can I accept a gift card?", "difficulty": 2',
])
def test_parse_json_repairs_messy_output(text: str) -> None:
    obj, error = parse_json(text, Question)
    assert error == "" and obj == Question(question="Can I accept a gift card?", difficulty=2)


def test_parse_json_closes_a_string_cut_short() -> None:
    obj, error = parse_json('{"difficulty": 3, "question": "Can I accept a gi', Question)
    assert error == "" and obj == Question(question="Can I accept a gi", difficulty=3)


@pytest.mark.parametrize("text, expected", [
    ("I'm sorry, I cannot help with that.", "no JSON object"),
    ('{"difficulty": 2}', "question: Field required"),
    ('{"question": [1, 2', "question"),
])
def test_parse_json_returns_an_error_for_a_retry(text: str, expected: str) -> None:
    obj, error = parse_json(text, Question)
    assert obj is None and expected in error
