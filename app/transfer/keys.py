"""The keys an import has seen (in the workspace and earlier in the file), decided at C speed.

The keys themselves (folded) are kept in a set. A 128-bit fingerprint per key saved ~34 MB
on a million e-mails but cost two `hash` calls and a Python call per key: 2.2 s of the
reader's ~10 s on a million rows, on the import's critical path. With the strings, a whole
batch is looked up by `map(set.__contains__)` and added by `set.update`; only a batch that
repeats one of its own new keys is walked key by key. Peak memory stays under the import's
300 MB limit for a million rows (bench/import_export.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import compress, count
from operator import not_


class SeenKeys:
    def __init__(self, existing: Iterable[str]) -> None:
        """`existing`: the workspace's keys, folded (`app.db.keyfold`)."""
        self.keys = set(existing)

    def __len__(self) -> int:
        return len(self.keys)

    def classify(self, keys: list[str]) -> list[bool]:
        """Folded keys in file order: True where the key was seen before (in the workspace, or
        earlier in the file); every key counts as seen from then on."""
        known = self.keys
        seen = list(map(known.__contains__, keys))
        fresh = list(compress(keys, map(not_, seen)))
        before = len(known)
        known.update(fresh)
        if len(known) - before == len(fresh):
            return seen
        # A new key occurs more than once in this batch: its rows after the first are seen.
        repeats = {key for key, times in Counter(fresh).items() if times > 1}
        first: set[str] = set()
        for index in compress(count(), map(repeats.__contains__, keys)):
            key = keys[index]
            if key in first:
                seen[index] = True
            else:
                first.add(key)
        return seen
