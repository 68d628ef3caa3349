"""Run statuses: the stored code, the word people see, and the words filters accept."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    PENDING = "pending"
    STARTED = "started"
    COMPLETED = "completed"
    WARNING = "warning"
    FAILED = "failed"
    STOPPED = "stopped"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def finished(self) -> bool:
        return self in FINISHED

    @classmethod
    def parse(cls, word: str) -> RunStatus:
        """Accept the stored code or the word on screen ('Queued', 'Cancelled', ...)."""
        key = word.strip().lower()
        if key in _ALIASES:
            return _ALIASES[key]
        try:
            return cls(key)
        except ValueError:
            choices = ", ".join(sorted({*cls._value2member_map_, *_ALIASES}))
            raise ValueError(f"unknown status {word!r}; use one of: {choices}") from None


_LABELS = {
    RunStatus.PENDING: "Queued",
    RunStatus.STARTED: "Processing",
    RunStatus.COMPLETED: "Completed",
    RunStatus.WARNING: "Warning",
    RunStatus.FAILED: "Failed",
    RunStatus.STOPPED: "Cancelled",
}
_ALIASES = {
    "queued": RunStatus.PENDING,
    "processing": RunStatus.STARTED,
    "running": RunStatus.STARTED,
    "cancelled": RunStatus.STOPPED,
    "canceled": RunStatus.STOPPED,
}
FINISHED = frozenset({RunStatus.COMPLETED, RunStatus.WARNING, RunStatus.FAILED, RunStatus.STOPPED})
