"""The whole-column regex check agrees with matching each value on its own."""

from __future__ import annotations

import random
import re

import pytest

from app.records.joined import column_matches
from app.records.validators import PHONE, PHONE_ITEM

ODD = ["", "1234567", "+49 (30) 123-4567", "12345", "1" * 20, "1" * 21, "12a4567", "(((1234567", "1234567 ",
       "1234567\n", "\n1234567", "1234567\x001234567", "-", "１２３４５６７"]


@pytest.mark.parametrize("seed", range(25))
def test_phone_column_matches_each_value(seed):
    rng = random.Random(seed)
    values = [rng.choice(ODD) if rng.random() < 0.3 else f"+{rng.randrange(10**6, 10**12)}" for _ in range(rng.randrange(1, 60))]
    got = column_matches(PHONE_ITEM, values)
    if any("\x00" in value for value in values):
        assert got is None, "a value holding the separator makes the split ambiguous"
    else:
        assert got == [bool(PHONE.match(value)) for value in values]


def test_a_run_never_starts_inside_a_value():
    assert column_matches(r"[a-z]+@[a-z]+", ["x y@ab", "y@ab", "bad", "c@d"]) == [False, True, False, True]
    assert column_matches(r"\d+", []) == []
    assert column_matches(r"\d+", ["12", "x12", "12x", ""]) == [True, False, False, False]
    assert re.fullmatch(r"\d+", "12")
