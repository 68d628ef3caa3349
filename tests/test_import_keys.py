"""The import's seen-keys set: fingerprints in memory, batch by batch, answers as a key-by-key
walk of an exact set would give."""

from __future__ import annotations

import random

from app.transfer.keys import SeenKeys, fingerprint


def test_classify_marks_what_was_seen_before() -> None:
    seen = SeenKeys(["a@x.com"])
    assert seen.classify(["b@x.com", "a@x.com", "b@x.com", "c@x.com"]) == [False, True, True, False]
    assert seen.classify(["c@x.com", "d@x.com"]) == [True, False]
    assert seen.classify(["e@x.com", "f@x.com"]) == [False, False]
    assert len(seen) == 6


def test_batches_agree_with_a_key_by_key_walk() -> None:
    """Repeats within a batch, across batches and against the workspace, in random batch sizes."""
    rng = random.Random(3)
    existing = [f"{n}@x.com" for n in range(0, 40_000, 7)]
    keys = [f"{rng.randrange(40_000)}@x.com" for _ in range(100_000)]
    exact = set(existing)
    expected = []
    for key in keys:
        expected.append(key in exact)
        exact.add(key)
    seen = SeenKeys(existing)
    got: list[bool] = []
    start = 0
    while start < len(keys):
        size = rng.choice([1, 50, 999, 20_000])
        got += seen.classify(keys[start:start + size])
        start += size
    assert got == expected
    assert len(seen) == len(exact)
    assert len({fingerprint(k) for k in exact}) == len(exact)
    assert fingerprint("a@x.com").bit_length() > 64  # both halves are used
