"""Turning `--set KEY=VALUE` pairs into job parameters, guided by the job's JSON Schema."""

from __future__ import annotations

import json
from typing import Any

from app.cli.errors import UsageError
from app.engine.jobtype import JobType


def parse_assignments(pairs: list[str], job: JobType) -> dict[str, Any]:
    props = job.schema().get("properties", {})
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise UsageError(f"--set expects KEY=VALUE, got {pair!r}")
        if key not in props:
            known = ", ".join(sorted(props)) or "none"
            raise UsageError(f"{job.key} has no option {key!r}; its options: {known}")
        params[key] = _value(raw, props[key])
    return params


def _is_array(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(option.get("type") == "array" for option in schema.get("anyOf", []))


def _value(raw: str, schema: dict[str, Any]) -> Any:
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if _is_array(schema) and isinstance(value, str | int | float):
        return [part.strip() for part in str(raw).split(",") if part.strip()]
    if schema.get("type") == "string" and not isinstance(value, str):
        return raw
    return value
