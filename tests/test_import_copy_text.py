"""COPY text: the all-text fast path and the escaping path give what escaping every value gives."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from app.transfer.batch import copy_field, copy_text

PIECES = ["plain", "Zoë", "a\tb", "line\nbreak", "back\\slash", "cr\rlf", "", "\\N", " spaced "]


def _reference(columns, constants, lead):
    size = len(columns[0])
    rows = [[*lead, *(col[i] for col in columns), *constants] for i in range(size)]
    return "".join("\t".join(map(copy_field, row)) + "\n" for row in rows).encode()


@pytest.mark.parametrize("seed", range(40))
def test_copy_text_equals_escaping_each_value(seed):
    rng = random.Random(seed)
    odd = rng.random() < 0.5
    size, width = rng.randrange(1, 30), rng.randrange(1, 6)
    columns = [[rng.choice(PIECES) if odd and rng.random() < 0.2 else f"v{rng.randrange(1000)}" for _ in range(size)]
               for _ in range(width)]
    if rng.random() < 0.3:
        columns[0][rng.randrange(size)] = rng.choice([None, 42, dt.datetime(2024, 5, 31, 12, 0)])
    constants = rng.choice([(), ("new", 0), (None,), ("a\\b",)])
    lead = rng.choice([(), (7,)])
    assert copy_text(columns, constants, lead) == _reference(columns, constants, lead)


def test_copy_text_of_nothing():
    assert copy_text([], ()) == b"" and copy_text([[]], ("x",)) == b""
