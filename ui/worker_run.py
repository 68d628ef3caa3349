"""What the console knows of a run one of its local workers is executing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalRun:
    run_id: int
    worker: str
