"""The keys an import has seen (in the workspace and earlier in the file), in little memory,
decided a batch at a time at C speed.

A million e-mail addresses kept as Python strings take ~112 MB; the set keeps a 128-bit
fingerprint of each key instead (two independent 64-bit SipHash values of the process's
randomised `hash`), ~80 MB: with strings, a million-row SQLite import peaked at 289-307 MB
against its 300 MB limit. Two different keys share a fingerprint with a chance of about
10^-27 per million keys - far below the rate of undetected memory errors - so the answers
are exact for every practical purpose; nothing else is approximate.

A batch is looked up with `map(set.__contains__)` and added with `set.update`; only a batch
that repeats one of its own new keys is walked, and then only at those keys. (A Python loop
over every key cost ~2 s of the reader's ~10 s on a million rows.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import compress, count
from operator import not_

_LOW = (1 << 64) - 1


def fingerprint(key: str) -> int:
    return (hash(key) << 64) | (hash(key + "\x00") & _LOW)


class SeenKeys:
    def __init__(self, existing: Iterable[str]) -> None:
        """`existing`: the workspace's keys, folded (`app.db.keyfold`)."""
        self.prints = set(map(fingerprint, existing))

    def __len__(self) -> int:
        return len(self.prints)

    def classify(self, keys: list[str]) -> list[bool]:
        """Folded keys in file order: True where the key was seen before (in the workspace, or
        earlier in the file); every key counts as seen from then on."""
        known = self.prints
        prints = list(map(fingerprint, keys))
        seen = list(map(known.__contains__, prints))
        fresh = list(compress(prints, map(not_, seen)))
        before = len(known)
        known.update(fresh)
        if len(known) - before == len(fresh):
            return seen
        # A new key occurs more than once in this batch: its rows after the first are seen.
        repeats = {digest for digest, times in Counter(fresh).items() if times > 1}
        first: set[int] = set()
        for index in compress(count(), map(repeats.__contains__, prints)):
            digest = prints[index]
            if digest in first:
                seen[index] = True
            else:
                first.add(digest)
        return seen
