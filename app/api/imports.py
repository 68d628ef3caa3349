"""What the import wizard asks that is not Qt: which module a file most likely holds, and
a one-line description of what the reader detected."""

from __future__ import annotations

from app.records.fields import module_fields, required_fields
from app.records.modules import MODULES
from app.transfer.api import Preview
from app.transfer.mapping import guess_mapping

NAME_HINTS = {"contact": "contacts", "account": "accounts", "compan": "accounts", "lead": "leads"}


def guess_module(headers: list[str], file_name: str = "") -> str:
    """The module whose fields the headers name best (required fields first); the file
    name breaks ties (`contacts_may.csv`)."""
    lowered = file_name.lower()
    hinted = next((module for hint, module in NAME_HINTS.items() if hint in lowered), None)

    def score(module: str) -> tuple[int, int, int]:
        mapped = {key for key in guess_mapping(module, headers).values() if key}
        required = {f.key for f in required_fields(module)}
        return (len(required & mapped) - len(required), len(mapped), int(module == hinted))

    return max(MODULES, key=score)


def describe(info: Preview) -> str:
    parts = [info.format.upper()]
    if info.encoding:
        parts.append(info.encoding)
    if info.delimiter:
        parts.append({"\t": "tab", ",": "comma", ";": "semicolon"}.get(info.delimiter, repr(info.delimiter)) + " separated")
    if info.sheet:
        parts.append(f"sheet “{info.sheet}”")
    if info.estimated_rows is not None:
        parts.append(f"about {info.estimated_rows:,} rows")
    parts.append(f"{len(info.headers)} columns")
    return " · ".join(parts)


def field_choices(module: str) -> list[tuple[str, str]]:
    """(field key, label) for a mapping editor; required fields are marked with *."""
    return [(f.key, f"{f.label} *" if f.required else f.label) for f in module_fields(module)]
