"""`jobs types --json`: every job the seeds name, in its category, with a documented schema."""

from __future__ import annotations

import json
from typing import Any

EXPECTED = {
    "import": "operation", "export": "operation", "rescore": "operation", "sync": "operation",
    "bulk_update": "operation", "bulk_delete": "operation",
    "retention_cleanup": "scheduled", "rollup_refresh": "scheduled", "notification_delivery": "scheduled",
    "daily_rescore": "scheduled",
    "rebuild_search_index": "troubleshooting", "rebuild_rollups": "troubleshooting", "recompute_scores": "troubleshooting",
}
MINE = {"rescore", "sync", "bulk_update", "bulk_delete", "rollup_refresh", "notification_delivery", "daily_rescore",
        "rebuild_rollups", "recompute_scores"}


def _properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return schema.get("properties", {})


def test_jobs_types_lists_every_job_with_titles_and_descriptions(cli: Any) -> None:
    result = cli("jobs", "types", "--json", check=True)
    types = {t["key"]: t for t in json.loads(result.stdout)}
    present = {k: v for k, v in EXPECTED.items() if k in types}
    assert set(present) >= MINE, f"missing: {MINE - set(types)}"
    for key, category in present.items():
        entry = types[key]
        assert entry["category"] == category, key
        assert entry["title"] and entry["description"], key
        for name, prop in _properties(entry["schema"]).items():
            assert prop.get("title") and prop.get("description"), f"{key}.{name} lacks a title or description"
    troubleshooting = [k for k, c in present.items() if c == "troubleshooting"]
    for key in troubleshooting:
        props = _properties(types[key]["schema"])
        assert {"dry_run", "force", "employee_id", "org_unit_id"} <= set(props), key
        assert props["force"]["title"] == "Force Recompute" and props["employee_id"]["title"] == "Employee ID"
    for key in ("sync", "bulk_delete"):
        if key in types:
            assert _properties(types[key]["schema"])["dry_run"]["title"] == "Dry Run"
