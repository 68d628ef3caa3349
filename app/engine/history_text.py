"""The history's text search: one expression that joins the searched fields, so one index serves it.

A run matches a text when its file name, parameters (as JSON text), type or error contains the
text, ignoring case, or when the text is its id. The four fields are joined, lowercased, into
one string with a unit separator (U+001F) between them; a text without that character cannot
match across two fields. On PostgreSQL migration 0008 indexes exactly this expression with
pg_trgm (GIN, `gin_trgm_ops`), so a rare text reads a few index pages instead of every run:
the expression here must stay identical to the migration's, or the planner cannot use the index.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, String, Text, cast, func, literal_column, or_

from app.db import tables

runs = tables.job_runs
SEPARATOR = "\x1f"  # never in JSON text (control characters are escaped) nor typed in a search box
ESCAPE = "\\"
MAX_ID = 2**63 - 1
# pg_trgm takes trigrams from runs of letters and digits; a text without three in a row gives
# none, and the index would be read whole (1.4 s for 'zq' at 1M runs): such texts skip it
_TRIGRAM = re.compile(r"[^\W_]{3}")

# Constants as SQL literals, not bound parameters: an index expression matches a query's only
# when the constants are the same constants (a generic prepared plan would see $n instead).
_EMPTY = literal_column("''", String)
_SEP = literal_column(f"'{SEPARATOR}'", String)


def searched_text() -> ColumnElement[str]:
    """lower(file_name, params, type and error joined by the separator), as migration 0008 indexes it:
    lower(coalesce(file_name, '') || sep || coalesce(params::text, '') || sep || type || sep || coalesce(error, ''))."""
    joined = (func.coalesce(runs.c.file_name, _EMPTY) + _SEP + func.coalesce(cast(runs.c.params, Text), _EMPTY)
              + _SEP + runs.c.type + _SEP + func.coalesce(runs.c.error, _EMPTY))
    return func.lower(joined)


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's own characters taken literally: a search for `a_b` is not a wildcard
    (and `_` or `%` could otherwise match the separator, across two fields)."""
    escaped = text.lower().replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def uses_trigram_index(text: str) -> bool:
    """Whether the search for `text` is the indexed expression (migration 0008's trigram index)."""
    return bool(text) and SEPARATOR not in text and _TRIGRAM.search(text) is not None


def text_condition(text: str) -> ColumnElement[bool]:
    """Runs whose searched fields contain `text` (any case), or whose id it is."""
    pattern = like_pattern(text)
    if not uses_trigram_index(text):
        # each field on its own: the joined string could match across fields (a separator in the
        # text), or the trigram index cannot help and the planner should not pick it
        fields = [runs.c.file_name, cast(runs.c.params, String), runs.c.type, runs.c.error]
        match = or_(*(func.lower(f).like(pattern, escape=ESCAPE) for f in fields))
    else:
        match = searched_text().like(pattern, escape=ESCAPE)
    if text.isascii() and text.isdigit() and str(int(text)) == text and int(text) <= MAX_ID:
        # the id by equality, not cast(id) = text: an indexed OR arm keeps the trigram index usable
        return or_(match, runs.c.id == int(text))
    return match
