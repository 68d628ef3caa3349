"""The cost of folding a million match keys the ASCII-only way, against `str.lower` (what the
import did before, the limit), in the same run.

The import folds every key of the file (`fold_keys` on each batch's key column) and of the
workspace. Rounds are interleaved so load on the machine hits every candidate alike; the
figures are the median and best of the rounds.

    .venv/bin/python bench/keyfold.py [--keys 1000000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from app.db.keyfold import fold_key, fold_keys  # noqa: E402


def emails(n: int, non_ascii_every: int = 0) -> list[str]:
    """E-mails like the import bench's (mixed case), every `non_ascii_every`-th with an umlaut."""
    rng = random.Random(7)
    out = []
    for i in range(n):
        name = "".join(rng.choices(string.ascii_letters, k=8))
        if non_ascii_every and i % non_ascii_every == 0:
            name += "Ö"
        out.append(f"{name}.{rng.randrange(10**6)}@Firm{rng.randrange(100)}.example.com")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    ascii_keys, mixed_keys = emails(args.keys), emails(args.keys, non_ascii_every=100)
    candidates: dict[str, Callable[[], object]] = {
        "str.lower, ASCII keys (the limit)": lambda: list(map(str.lower, ascii_keys)),
        "fold_keys, ASCII keys (the import's path)": lambda: fold_keys(ascii_keys),
        "map(fold_key), ASCII keys": lambda: list(map(fold_key, ascii_keys)),
        "str.lower, 1% non-ASCII keys": lambda: list(map(str.lower, mixed_keys)),
        "fold_keys, 1% non-ASCII keys": lambda: fold_keys(mixed_keys),
    }
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(args.rounds):
        for name, run in candidates.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    limit = statistics.median(times["str.lower, ASCII keys (the limit)"])
    print(f"{args.keys:,} keys, {args.rounds} rounds, load {os.getloadavg()[0]:.1f}")
    for name, got in times.items():
        median = statistics.median(got)
        print(f"{name:45s} median {median * 1000:6.1f} ms  best {min(got) * 1000:6.1f} ms  "
              f"median ÷ limit {median / limit:4.2f}")


if __name__ == "__main__":
    main()
