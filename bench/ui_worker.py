"""The console bench's worker process: the product's own child worker (`app.engine.child`)
with one extra job type that reports like a busy import — a 500-row batch every 10 ms (the
wait stands for the batch's database work), a log line every 50 batches — until its time is
up or it is cancelled. Its own flushes write the counters and NOTIFY twice a second.

    python -m bench.ui_worker      (started by the bench as the console's worker command)
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import Field

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine.context import JobContext  # noqa: E402
from app.engine.jobtype import Category, JobOptions, JobType  # noqa: E402
from app.engine.registry import job_types  # noqa: E402

BATCH_S = 0.01


class Options(JobOptions):
    seconds: float = Field(10.0, title="Seconds", description="How long to report.", ge=0, le=3600)


def run(ctx: JobContext, options: Options) -> None:
    ctx.total(10_000_000)
    batches = int(options.seconds / BATCH_S)
    for n in range(1, batches + 1):
        ctx.check_stop()
        ctx.count(processed=500, created=400, updated=90, skipped=10)
        if n % 50 == 0:
            ctx.log(f"batch {n} done")
        ctx.cancel_event.wait(BATCH_S)


JOB = JobType("bench_report", "Bench reporter", Category.TROUBLESHOOTING,
              "Reports progress like a busy import, for bench/ui.py.", run, Options, per_workspace=False)


def register() -> None:
    """Add the bench job to this process's registry (the console's and the worker's)."""
    job_types()[JOB.key] = JOB


if __name__ == "__main__":
    from app.engine.child import main

    register()
    raise SystemExit(main())
