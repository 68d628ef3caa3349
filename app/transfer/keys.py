"""The keys an import has seen (in the workspace and earlier in the file), in little memory.

A million e-mail addresses kept as Python strings take ~112 MB. The set keeps a 128-bit
fingerprint of each key instead (two independent 64-bit SipHash values of the process's
randomised `hash`), ~78 MB. Two different keys share a fingerprint with a chance of about
10^-27 per million keys - far below the rate of undetected memory errors - so the answers
are exact for every practical purpose; nothing else is approximate.
"""

from __future__ import annotations

from collections.abc import Iterable

_LOW = (1 << 64) - 1


def fingerprint(key: str) -> int:
    return (hash(key) << 64) | (hash(key + "\x00") & _LOW)


class SeenKeys:
    def __init__(self, existing: Iterable[str]) -> None:
        """`existing`: the workspace's keys, lower-cased."""
        self.prints = set(map(fingerprint, existing))

    def __len__(self) -> int:
        return len(self.prints)

    def classify(self, keys: list[str]) -> list[bool]:
        """Lower-cased keys in file order: True where the key was seen before (in the workspace,
        or earlier in the file); every key counts as seen from then on."""
        prints = self.prints
        seen: list[bool] = []
        for digest in map(fingerprint, keys):
            if digest in prints:
                seen.append(True)
            else:
                prints.add(digest)
                seen.append(False)
        return seen
