"""Realistic demo data: two workspaces with an org tree, employees, accounts, contacts, leads,
scoring rules, and a history of past runs in every status — so the console opens on
something real. Deterministic (seeded) so screenshots and tests are repeatable."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from app.clock import utcnow
from app.db import tables
from app.db.engine import write_transaction
from app.db.models import (
    JobRun,
    OrgUnit,
    Workspace,
)
from app.demo_files import store_failed_records
from app.transfer.export import file_name as export_file_name

FIRST = ["Anna", "Ben", "Clara", "David", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luis",
         "Mara", "Nils", "Olga", "Pavel", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wim", "Yara", "Zoe"]
LAST = ["Adler", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova", "Jensen",
        "Klein", "Larsen", "Moreau", "Novak", "Olsen", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka"]
COMPANY_A = ["North", "Blue", "Bright", "Swift", "Prime", "Urban", "Green", "Iron", "Silver", "Nova", "Delta", "Peak"]
COMPANY_B = ["Logistics", "Foods", "Systems", "Labs", "Energy", "Health", "Media", "Capital", "Works", "Retail"]
INDUSTRIES = ["Software", "Manufacturing", "Retail", "Healthcare", "Finance", "Logistics", "Energy", "Education"]
COUNTRIES = [("Germany", "Berlin"), ("France", "Lyon"), ("Spain", "Madrid"), ("Netherlands", "Utrecht"),
             ("Poland", "Gdansk"), ("Sweden", "Malmo"), ("Italy", "Turin"), ("Portugal", "Porto")]
SOURCES = ["Web form", "Trade show", "Referral", "Cold call", "Partner", "Webinar"]
TITLES = ["CEO", "CTO", "Head of Sales", "Buyer", "Operations Manager", "IT Director", "Analyst", "Founder"]
LEAD_STATUSES = ["new"] * 5 + ["contacted"] * 3 + ["qualified"] * 2 + ["unqualified"]
ADMINS = ["maria.keller", "tom.baker", "li.wang", "sofia.romero"]
SIZES = {"employees": 50, "accounts": 2000, "contacts": 8000, "leads": 20000, "runs": 400}


def seed(engine: Engine, *, small: bool = False, rng_seed: int = 42) -> dict[str, int]:
    """Add demo data; refuses to double it when workspaces already exist."""
    scale = 0.1 if small else 1.0
    sizes = {k: max(8, int(v * scale)) for k, v in SIZES.items()}
    rng = random.Random(rng_seed)
    with write_transaction(engine) as conn:
        if conn.execute(select(func.count()).select_from(tables.workspaces)).scalar_one():
            return {"workspaces": 0}
        now = utcnow()
        ws_ids = [_insert(conn, Workspace, {"key": key, "name": name, "created_at": now - dt.timedelta(days=400)})
                  for key, name in (("emea", "EMEA Sales"), ("amer", "Americas Sales"))]
        employees: dict[int, list[int]] = {}
        for ws in ws_ids:
            units = _org_tree(conn, ws)
            employees[ws] = _employees(conn, rng, ws, units, sizes["employees"] // 2, now)
            _scoring_rules(conn, ws, now)
        accounts = {ws: _accounts(conn, rng, ws, employees[ws], sizes["accounts"] // 2, now) for ws in ws_ids}
        for ws in ws_ids:
            _contacts(conn, rng, ws, employees[ws], accounts[ws], sizes["contacts"] // 2, now)
            _leads(conn, rng, ws, employees[ws], sizes["leads"] // 2, now)
        _runs(conn, rng, ws_ids, sizes["runs"], now)
        _schedule_decisions(conn, ws_ids, now)
    store_failed_records(engine)
    return {"workspaces": len(ws_ids), "employees": sizes["employees"], "accounts": sizes["accounts"],
            "contacts": sizes["contacts"], "leads": sizes["leads"], "runs": sizes["runs"]}


def _insert(conn: Connection, model: Any, values: dict[str, Any]) -> int:
    return int(conn.execute(insert(model.__table__).values(**values).returning(model.__table__.c.id)).scalar_one())


def _org_tree(conn: Connection, ws: int) -> list[int]:
    root = _insert(conn, OrgUnit, {"workspace_id": ws, "parent_id": None, "name": "Company"})
    sales = _insert(conn, OrgUnit, {"workspace_id": ws, "parent_id": root, "name": "Sales"})
    units = [root, sales]
    for name in ("Inside Sales", "Field Sales", "Key Accounts"):
        units.append(_insert(conn, OrgUnit, {"workspace_id": ws, "parent_id": sales, "name": name}))
    marketing = _insert(conn, OrgUnit, {"workspace_id": ws, "parent_id": root, "name": "Marketing"})
    units.append(marketing)
    units.append(_insert(conn, OrgUnit, {"workspace_id": ws, "parent_id": marketing, "name": "Demand Generation"}))
    return units


def _employees(conn: Connection, rng: random.Random, ws: int, units: list[int], n: int, now: dt.datetime) -> list[int]:
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(rows) < n:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{ws}@example.com".lower()
        if email in seen:
            continue
        seen.add(email)
        rows.append({"workspace_id": ws, "org_unit_id": rng.choice(units[1:]), "email": email,
                     "first_name": first, "last_name": last, "active": True})
    conn.execute(insert(tables.employees), rows)
    return [int(i) for i in conn.execute(select(tables.employees.c.id).where(tables.employees.c.workspace_id == ws)).scalars()]


def _scoring_rules(conn: Connection, ws: int, now: dt.datetime) -> None:
    rules = [("title", "contains", "Head", 15), ("title", "eq", "CEO", 25), ("source", "eq", "Referral", 20),
             ("source", "eq", "Trade show", 10), ("status", "eq", "qualified", 30), ("phone", "not_empty", None, 5),
             ("country", "in", "Germany,France,Netherlands", 10), ("company", "empty", None, -10),
             ("created_at", "older_than", "180", -10)]
    conn.execute(insert(tables.scoring_rules), [
        {"workspace_id": ws, "field": f, "operator": op, "value": v, "points": p, "active": True, "updated_at": now}
        for f, op, v, p in rules])


def _when(rng: random.Random, now: dt.datetime, days: int) -> dt.datetime:
    return now - dt.timedelta(seconds=rng.randint(0, days * 86400))


def _accounts(conn: Connection, rng: random.Random, ws: int, owners: list[int], n: int, now: dt.datetime) -> list[int]:
    rows: list[dict[str, Any]] = []
    names: set[str] = set()
    while len(rows) < n:
        name = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {rng.randint(1, 999)}"
        if name.lower() in names:
            continue
        names.add(name.lower())
        created = _when(rng, now, 700)
        country, _city = rng.choice(COUNTRIES)
        rows.append({"workspace_id": ws, "owner_id": rng.choice(owners), "name": name,
                     "domain": name.lower().replace(" ", "") + ".example", "industry": rng.choice(INDUSTRIES),
                     "country": country, "employees": rng.choice([5, 20, 50, 120, 500, 2000, 10000]),
                     "created_at": created, "updated_at": created})
    conn.execute(insert(tables.accounts), rows)
    return [int(i) for i in conn.execute(select(tables.accounts.c.id).where(tables.accounts.c.workspace_id == ws)).scalars()]


def _person(rng: random.Random, i: int, tag: str) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {"first_name": first, "last_name": last, "email": f"{first}.{last}.{tag}{i}@mail.example".lower(),
            "phone": f"+49 30 {rng.randint(1000000, 9999999)}" if rng.random() < 0.7 else None,
            "title": rng.choice(TITLES)}


def _contacts(conn: Connection, rng: random.Random, ws: int, owners: list[int], accounts: list[int], n: int,
              now: dt.datetime) -> None:
    rows = []
    for i in range(n):
        created = _when(rng, now, 500)
        rows.append({**_person(rng, i, f"c{ws}-"), "workspace_id": ws, "owner_id": rng.choice(owners),
                     "account_id": rng.choice(accounts), "created_at": created, "updated_at": created})
    conn.execute(insert(tables.contacts), rows)


def _leads(conn: Connection, rng: random.Random, ws: int, owners: list[int], n: int, now: dt.datetime) -> None:
    rows = []
    for i in range(n):
        created = _when(rng, now, 365)
        country, city = rng.choice(COUNTRIES)
        rows.append({**_person(rng, i, f"l{ws}-"), "workspace_id": ws, "owner_id": rng.choice(owners),
                     "company": f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)}" if rng.random() < 0.9 else None,
                     "country": country, "city": city, "source": rng.choice(SOURCES),
                     "status": rng.choice(LEAD_STATUSES), "score": 0, "scored_at": None, "account_id": None,
                     "created_at": created, "updated_at": created})
    for start in range(0, len(rows), 5000):
        conn.execute(insert(tables.leads), rows[start:start + 5000])


RUN_TYPES = [  # (type, module, weight)
    ("import", "leads", 30), ("import", "contacts", 12), ("import", "accounts", 6), ("export", "leads", 14),
    ("export", "contacts", 6), ("rescore", "leads", 8), ("sync", "contacts", 5), ("bulk_update", "leads", 4),
    ("bulk_delete", "leads", 2), ("retention_cleanup", None, 4), ("rollup_refresh", "accounts", 4),
    ("notification_delivery", None, 3), ("rebuild_search_index", None, 2),
]
STATUS_WEIGHTS = [("completed", 62), ("warning", 16), ("failed", 9), ("stopped", 7), ("started", 2), ("pending", 4)]


def _runs(conn: Connection, rng: random.Random, ws_ids: list[int], n: int, now: dt.datetime) -> None:
    """Past runs spread over 60 days with logs and row errors, as a real history looks."""
    kinds = [(t, m) for t, m, w in RUN_TYPES for _ in range(w)]
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    for i in range(n):
        job_type, module = rng.choice(kinds)
        status = rng.choice(statuses)
        if status in ("pending", "started"):
            # Queued runs are real, runnable work; a 'started' one is a run whose worker died
            # (recovery ends it as failed, with the reason in its log). Neither may be a job that
            # needs a file the demo does not have, or one recovery would re-queue.
            job_type, module = "rebuild_search_index", None
        queued = now - dt.timedelta(minutes=(n - i) * rng.randint(100, 260))
        total = rng.choice([250, 1000, 2400, 5000, 12000, 48000]) if job_type in ("import", "export", "rescore", "bulk_update") else rng.randint(5, 400)
        started = queued + dt.timedelta(seconds=rng.randint(1, 40)) if status != "pending" else None
        duration = dt.timedelta(seconds=max(1, total // rng.randint(800, 4000)))
        finished = started + duration if started and status not in ("started",) else None
        processed = total if status in ("completed", "warning") else (rng.randint(0, total) if started else 0)
        failed = rng.randint(1, max(1, total // 40)) if status == "warning" and job_type == "import" else 0
        skipped = rng.randint(1, max(1, total // 25)) if status == "warning" and not failed else 0
        updated = rng.randint(0, processed // 5) if job_type in ("import", "bulk_update", "sync") else 0
        created = max(0, processed - failed - skipped - updated) if job_type in ("import", "sync") else 0
        file_name = f"{module}_{queued:%Y%m%d}_{rng.choice(['crm', 'fair', 'partner', 'web'])}.{rng.choice(['csv', 'csv', 'xlsx'])}" if job_type == "import" else None
        params = _params(job_type, module, rng)
        run_id = _insert(conn, JobRun, {
            "type": job_type, "module": module, "workspace_id": rng.choice(ws_ids), "run_date": queued.date(),
            "params": params, "status": status, "total": total, "processed": processed,
            "created": created, "updated": updated, "skipped": skipped, "failed": failed,
            "errors_count": failed, "file_name": file_name,
            "initiated_by": "scheduler" if job_type in ("retention_cleanup", "rollup_refresh", "notification_delivery") else rng.choice(ADMINS),
            "worker": f"ws-{rng.randint(1, 6):02d}:4242:0" if started else None, "queued_at": queued,
            "started_at": started, "finished_at": finished,
            "heartbeat_at": finished or (started and now - dt.timedelta(hours=1)), "updated_at": finished or started or queued,
            "cancel_requested": status == "stopped", "replay_of": None, "parent_id": None,
            "error": DEMO_ERROR if status == "failed" else None,
            "schedule_key": None, "checkpoint": None, "result": None, "attempts": 1 if started else 0, "archived": False,
        })
        if job_type == "export":  # named as the export job names its file
            conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == run_id).values(
                file_name=export_file_name(str(module), queued.date(), run_id, params['format'])))
        _run_logs(conn, run_id, status, queued, started, finished, processed, total)
        if failed:
            conn.execute(insert(tables.job_row_errors), [
                {"run_id": run_id, "row_number": rng.randint(2, total + 1), "field": "email",
                 "message": "Email field invalid: 'not-an-email'", "raw": {"First Name": rng.choice(FIRST),
                 "Last Name": rng.choice(LAST), "Email": "not-an-email"}} for _ in range(min(failed, 25))])



DEMO_ERROR = "OperationalError: connection to server lost"


def _params(job_type: str, module: str | None, rng: random.Random) -> dict[str, Any]:
    if job_type == "import":
        return {"module": module, "duplicates": rng.choice(["skip", "update"]), "dry_run": False}
    if job_type == "export":
        return {"module": module, "format": rng.choice(["csv", "xlsx"])}
    if job_type == "bulk_update":
        return {"module": module, "where": ["status=unqualified"], "changes": ["status=new"], "dry_run": False}
    if job_type == "bulk_delete":
        return {"module": module, "where": ["status=unqualified"], "dry_run": False}
    if job_type == "sync":
        return {"module": module, "source": "folder", "folder": "/srv/crm-drop/contacts", "duplicates": "update",
                "dry_run": False}
    return {}


def _run_logs(conn: Connection, run_id: int, status: str, queued: dt.datetime, started: dt.datetime | None,
              finished: dt.datetime | None, processed: int, total: int) -> None:
    lines = [(queued, "info", "Queued")]
    if started:
        lines.append((started, "info", "Started"))
        lines.append((started + dt.timedelta(seconds=1), "info", f"{total:,} rows to process"))
    if finished:
        end = {"completed": "info", "warning": "warning", "failed": "error", "stopped": "warning"}[status]
        lines.append((finished, end, f"Failed: {DEMO_ERROR}" if status == "failed" else
                      f"Finished: {status} after {processed:,} of {total:,}"))
    conn.execute(insert(tables.job_logs), [{"run_id": run_id, "at": at, "level": lv, "message": m} for at, lv, m in lines])


DUE_TEXT = {"rollup_refresh": "{n:,} accounts changed since their last roll-up",
            "retention_cleanup": "{n:,} items past retention", "notification_delivery": "{n:,} messages waiting"}


def _schedule_decisions(conn: Connection, ws_ids: list[int], now: dt.datetime) -> None:
    """What the scheduler decided on the day of each job's latest scheduled demo run (the
    Schedules page shows it): that run enqueued, the other workspaces skipped."""
    runs = tables.job_runs
    for job_type, text in DUE_TEXT.items():
        last = conn.execute(select(runs.c.id, runs.c.run_date, runs.c.workspace_id, runs.c.total)
                            .where(runs.c.type == job_type, runs.c.initiated_by == "scheduler")
                            .order_by(runs.c.queued_at.desc()).limit(1)).first()
        if last is None:
            continue
        per_workspace = job_type == "rollup_refresh"
        rows = [{"job_type": job_type, "run_date": last.run_date, "decision": "enqueued", "run_id": last.id,
                 "workspace_id": last.workspace_id if per_workspace else None,
                 "reason": text.format(n=last.total or 1), "decided_at": now}]
        rows += [{"job_type": job_type, "run_date": last.run_date, "decision": "skipped", "run_id": None,
                  "workspace_id": ws, "reason": "no account changed since the last roll-up", "decided_at": now}
                 for ws in ws_ids if per_workspace and ws != last.workspace_id]
        conn.execute(insert(tables.schedule_decisions), rows)
