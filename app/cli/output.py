"""Printing runs for people (aligned columns) or for programs (--json)."""

from __future__ import annotations

import json
from typing import Any

from app.engine.status import RunStatus


def emit_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def run_summary(run: dict[str, Any]) -> str:
    c = run["counters"]
    status = RunStatus(run["status"]).label
    lines = [
        f"Run #{run['id']}  {run['type']}  {status}",
        f"  module: {run['module'] or '-'}   workspace: {run['workspace'] or 'all'}   run date: {run['run_date']}",
        f"  progress: {run['progress'] or '-'}   created {c['created']}, updated {c['updated']}, "
        f"skipped {c['skipped']}, failed {c['failed']}, errors {run['errors_count']}",
    ]
    if (run.get("params") or {}).get("dry_run"):  # its counters say what would have happened
        lines.append("  dry run: nothing was changed")
    if run["file_name"]:
        lines.append(f"  file: {run['file_name']}")
    if run["error"]:
        lines.append(f"  error: {run['error']}")
    for art in run["artifacts"]:
        lines.append(f"  artifact #{art['id']} {art['kind']}: {art['name']} ({art['size']:,} bytes)")
    return "\n".join(lines)


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*headers), *(fmt.format(*map(str, r)) for r in rows)])
