"""The import's seen-keys set: fingerprints in memory, answers as an exact set would give."""

from __future__ import annotations

import random

from app.transfer.keys import SeenKeys, fingerprint


def test_classify_marks_what_was_seen_before() -> None:
    seen = SeenKeys(["a@x.com"])
    assert seen.classify(["b@x.com", "a@x.com", "b@x.com", "c@x.com"]) == [False, True, True, False]
    assert seen.classify(["c@x.com", "d@x.com"]) == [True, False]
    assert len(seen) == 4


def test_fingerprints_agree_with_an_exact_set() -> None:
    rng = random.Random(3)
    keys = [f"{rng.randrange(40_000)}@x.com" for _ in range(100_000)]
    exact: set[str] = set()
    expected = []
    for key in keys:
        expected.append(key in exact)
        exact.add(key)
    assert SeenKeys([]).classify(keys) == expected
    assert len({fingerprint(k) for k in exact}) == len(exact)
    assert fingerprint("a@x.com").bit_length() > 64  # both halves are used
