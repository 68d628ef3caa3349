"""Discovers the job types: every module in the `jobs` package that defines `JOB`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from app.engine.jobtype import Category, JobType


class UnknownJobType(LookupError):
    pass


@lru_cache(maxsize=1)
def job_types() -> dict[str, JobType]:
    import jobs

    found: dict[str, JobType] = {}
    for info in sorted(pkgutil.iter_modules(jobs.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"jobs.{info.name}")
        job = getattr(module, "JOB", None)
        if isinstance(job, JobType):
            if job.key in found:
                raise RuntimeError(f"job key {job.key!r} is declared twice")
            found[job.key] = job
    return found


def _fold(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def get_job_type(key: str) -> JobType:
    """By key, or as a person writes it: the key or the title in any case, with or without
    spaces, '-' and '_' ('Re-score', 'Bulk Update', 'bulk-update')."""
    types = job_types()
    if key in types:
        return types[key]
    folded = _fold(key)
    for job in types.values():
        if folded and folded in (_fold(job.key), _fold(job.title)):
            return job
    raise UnknownJobType(f"unknown job type {key!r}; known types: {', '.join(sorted(types))}")


def by_category(category: Category) -> list[JobType]:
    return [job for job in job_types().values() if job.category is category]
