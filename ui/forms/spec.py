"""Reading a pydantic JSON Schema into field specs: which editor each option gets.

The schema is the single declaration of a job's options (titles, descriptions, limits,
choices, pickers); this module only interprets it, so a new job needs no UI code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

INT_MIN, INT_MAX = -(2**31) + 1, 2**31 - 1


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # bool, int, number, choice, multichoice, date, datetime, text, textlist, mapping, file, picker, json
    title: str
    description: str = ""
    default: Any = None
    has_default: bool = False
    required: bool = False
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: list[Any] = field(default_factory=list)
    picker: str | None = None
    item_kind: str = "text"  # for textlist: how each item is read (text, int, number)
    max_length: int | None = None
    placeholder: str = ""
    schema: dict[str, Any] = field(default_factory=dict)


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref` (and a lone `allOf: [$ref]`) into `$defs`, keeping the outer keys."""
    outer = {k: v for k, v in node.items() if k not in ("$ref", "allOf")}
    ref = node.get("$ref")
    if ref is None and len(node.get("allOf", [])) == 1:
        ref = node["allOf"][0].get("$ref")
    if ref is None:
        return node
    target = defs.get(ref.rsplit("/", 1)[-1], {})
    return {**_resolve(target, defs), **outer}


def _unwrap_optional(node: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """`X | None` comes as anyOf [X, {type: null}]: return X and whether None is allowed."""
    options = node.get("anyOf") or node.get("oneOf")
    if not options:
        return _resolve(node, defs), node.get("type") == "null"
    real = [_resolve(o, defs) for o in options if o.get("type") != "null"]
    nullable = len(real) < len(options)
    if len(real) != 1:
        return node, nullable  # a true union: edited as JSON
    inner = {**real[0], **{k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}}
    return inner, nullable


def _limits(node: dict[str, Any], integer: bool) -> tuple[float | None, float | None]:
    low, high = node.get("minimum"), node.get("maximum")
    step = 1 if integer else 1e-9
    if "exclusiveMinimum" in node:
        low = node["exclusiveMinimum"] + step
    if "exclusiveMaximum" in node:
        high = node["exclusiveMaximum"] - step
    return low, high


def _kind(node: dict[str, Any], defs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    extra: dict[str, Any] = {}
    if node.get("x-widget") == "file":
        return "file", extra
    if node.get("x-picker"):
        return "picker", {"picker": node["x-picker"]}
    if "enum" in node or "const" in node:
        return "choice", {"choices": list(node.get("enum", [node.get("const")]))}
    kind = node.get("type")
    if kind == "boolean":
        return "bool", extra
    if kind in ("integer", "number"):
        low, high = _limits(node, kind == "integer")
        return ("int" if kind == "integer" else "number"), {"minimum": low, "maximum": high}
    if kind == "string":
        fmt = node.get("format")
        if fmt in ("date", "date-time"):
            return ("date" if fmt == "date" else "datetime"), extra
        return "text", {"max_length": node.get("maxLength")}
    if kind == "array":
        items = _resolve(node.get("items", {}), defs)
        if "enum" in items:
            return "multichoice", {"choices": list(items["enum"])}
        item_kind = {"integer": "int", "number": "number"}.get(items.get("type", "string"), "text")
        if items.get("type", "string") in ("string", "integer", "number"):
            return "textlist", {"item_kind": item_kind}
    if kind == "object" and isinstance(node.get("additionalProperties"), dict) and not node.get("properties"):
        return "mapping", extra
    return "json", extra


def _placeholder(node: dict[str, Any]) -> str:
    examples = node.get("examples")
    if isinstance(examples, list) and examples:
        return "e.g. " + ", ".join(str(e) for e in examples[:2])
    return ""


def field_specs(schema: dict[str, Any]) -> list[FieldSpec]:
    """One spec per property, in declaration order."""
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    specs: list[FieldSpec] = []
    for name, raw in schema.get("properties", {}).items():
        node, nullable = _unwrap_optional(raw, defs)
        kind, extra = _kind(node, defs)
        specs.append(FieldSpec(
            name=name, kind=kind, title=str(raw.get("title") or name.replace("_", " ").capitalize()),
            description=str(raw.get("description", "")), default=raw.get("default"),
            has_default="default" in raw, required=name in required, nullable=nullable,
            placeholder=_placeholder(raw), schema=node, **extra,
        ))
    return specs


ACRONYMS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "sql": "SQL", "smtp": "SMTP", "id": "ID"}


def model_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """Each optional field's default, default factories included (the schema omits those)."""
    found: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if not info.is_required():
            value = info.get_default(call_default_factory=True, validated_data={})
            found[name] = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    return found


def choice_label(value: Any, labels: dict[str, str] | None = None) -> str:
    """How an enum value reads in a combo box: `bulk_update` → `Bulk update`; a schema's
    `x-labels` mapping wins."""
    if value is None:
        return "(none)"
    text = str(value)
    if labels and text in labels:
        return labels[text]
    if text.lower() in ACRONYMS:
        return ACRONYMS[text.lower()]
    words = text.replace("_", " ")
    return words[:1].upper() + words[1:]
