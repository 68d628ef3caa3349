"""Column → field mappings: guessed from headers, edited by people, saved as named templates.

A mapping is a dict `{column header: field key}`; a column mapped to "" (or not at all) is
ignored. Headers match a field by key, label or synonym, ignoring case, spaces, `_` and `-`
(`First Name`, `first_name`, `FIRST-NAME` are one name). Templates live in the
`mapping_templates` table so every workstation shares them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from app.clock import utcnow
from app.db import tables
from app.records.fields import field_map, module_fields, required_fields

templates = tables.mapping_templates
_SQUASH = re.compile(r"[\s_\-]+")


class MappingError(ValueError):
    """The mapping cannot import this file (e.g. a required field has no column)."""


def normalize(name: str) -> str:
    return _SQUASH.sub("", name).lower()


def _names(module: str) -> dict[str, str]:
    """Normalised name → field key: keys and labels first, then synonyms (first one wins)."""
    names: dict[str, str] = {}
    fields = module_fields(module)
    for fd in fields:
        names.setdefault(normalize(fd.key), fd.key)
        names.setdefault(normalize(fd.label), fd.key)
    for fd in fields:
        for synonym in fd.synonyms:
            names.setdefault(normalize(synonym), fd.key)
    return names


def guess_mapping(module: str, headers: list[str]) -> dict[str, str]:
    """Each header → the field it names, or "" when unknown; a field is taken only once."""
    names = _names(module)
    taken: set[str] = set()
    guess: dict[str, str] = {}
    for header in headers:
        key = names.get(normalize(header), "")
        if key in taken:
            key = ""
        if key:
            taken.add(key)
        guess[header] = key
    return guess


def apply_overrides(module: str, headers: list[str], base: dict[str, str], overrides: list[str] | dict[str, str]) -> dict[str, str]:
    """Apply `COLUMN=FIELD` edits (FIELD empty = ignore the column) to a mapping."""
    pairs: dict[str, str] = dict(overrides) if isinstance(overrides, dict) else {}
    if isinstance(overrides, list):
        for text in overrides:
            column, sep, target = text.partition("=")
            if not sep:
                raise MappingError(f"--map expects COLUMN=FIELD, got {text!r}")
            pairs[column.strip()] = target.strip()
    known = field_map(module)
    by_norm = {normalize(h): h for h in headers}
    mapping = dict(base)
    for column, target in pairs.items():
        header = column if column in mapping or column in headers else by_norm.get(normalize(column))
        if header is None:
            raise MappingError(f"the file has no column {column!r}; its columns: {', '.join(headers)}")
        key = _names(module).get(normalize(target), target) if target else ""
        if key and key not in known:
            raise MappingError(f"{module} have no field {target!r}; fields: {', '.join(known)}")
        for other, value in mapping.items():
            if key and value == key and other != header:
                mapping[other] = ""  # a field takes one column
        mapping[header] = key
    return mapping


def resolve_mapping(module: str, headers: list[str], template: dict[str, str] | None = None,
                    overrides: list[str] | dict[str, str] | None = None) -> dict[str, str]:
    """The guess, then the template's columns, then explicit edits; checked for required fields."""
    mapping = guess_mapping(module, headers)
    if template:
        present = {h: template[h] for h in headers if h in template}
        mapping = apply_overrides(module, headers, mapping, present)
    if overrides:
        mapping = apply_overrides(module, headers, mapping, overrides)
    check_required(module, mapping)
    return mapping


def check_required(module: str, mapping: dict[str, str]) -> None:
    mapped = set(mapping.values())
    missing = [f for f in required_fields(module) if f.key not in mapped]
    if missing:
        names = ", ".join(f"{f.label} ({f.key})" for f in missing)
        raise MappingError(f"no column maps to the required field{'s' if len(missing) > 1 else ''} {names}; "
                           f"add the column or map one with --map COLUMN={missing[0].key}; {_header_row(mapping)}")


def _header_row(mapping: dict[str, str]) -> str:
    """What the header row (row 1) holds: a title line above the header, the wrong sheet or a
    delimiter read wrongly shows at once."""
    if not mapping:
        return "the header row is empty"
    shown = [name if len(name) <= 40 else name[:40] + "…" for name in list(mapping)[:8]]
    more = f" and {len(mapping) - 8} more" if len(mapping) > 8 else ""
    return f"the header row (row 1) holds {', '.join(repr(n) for n in shown)}{more}"


def check_one_column_per_field(module: str, mapping: dict[str, str]) -> None:
    """A field fills from one column; an editor reports two instead of unmapping one behind the admin's back."""
    columns: dict[str, list[str]] = {}
    for header, key in mapping.items():
        if key:
            columns.setdefault(key, []).append(header)
    labels = {key: field.label for key, field in field_map(module).items()}
    for key, headers in columns.items():
        if len(headers) > 1:
            count = "two" if len(headers) == 2 else str(len(headers))
            names = ", ".join(headers[:-1]) + " and " + headers[-1]
            raise MappingError(f"{labels.get(key, key)} is chosen for {count} columns, {names}; pick one")


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class Template:
    id: int
    name: str
    module: str
    mapping: dict[str, str]
    created_by: str | None


def list_templates(engine: Engine, module: str | None = None) -> list[Template]:
    stmt = select(templates).order_by(templates.c.name)
    if module:
        stmt = stmt.where(templates.c.module == module)
    with engine.connect() as conn:
        return [Template(r.id, r.name, r.module, dict(r.mapping or {}), r.created_by) for r in conn.execute(stmt)]


def get_template(engine: Engine, name: str) -> Template:
    with engine.connect() as conn:
        row = conn.execute(select(templates).where(templates.c.name == name)).first()
    if row is None:
        raise MappingError(f"no mapping template named {name!r}")
    return Template(row.id, row.name, row.module, dict(row.mapping or {}), row.created_by)


def save_template(engine: Engine, name: str, module: str, mapping: dict[str, str], created_by: str | None = None) -> int:
    """Create or replace the template of that name; returns its id."""
    name = name.strip()
    if not name:
        raise MappingError("a template needs a name")
    known = field_map(module)
    bad = sorted({v for v in mapping.values() if v and v not in known})
    if bad:
        raise MappingError(f"{module} have no field {bad[0]!r}")
    now = utcnow()
    values: dict[str, Any] = dict(name=name, module=module, mapping=dict(mapping), created_by=created_by,
                                  created_at=now, updated_at=now)
    with engine.begin() as conn:
        dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        stmt = dialect_insert(templates).values(**values).on_conflict_do_update(
            index_elements=["name"], set_={"module": module, "mapping": dict(mapping), "updated_at": now})
        conn.execute(stmt)
        return int(conn.execute(select(templates.c.id).where(templates.c.name == name)).scalar_one())


def delete_template(engine: Engine, name: str) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(delete(templates).where(templates.c.name == name)).rowcount)
