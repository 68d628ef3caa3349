"""The history's text search: one expression that joins the searched fields, so one index serves it.

A run matches a text when its file name, parameters (as JSON text), type or error contains the
text, ignoring case, or when the text is its id. The four fields are joined, lowercased, into
one string with a unit separator (U+001F) between them; a text without that character cannot
match across two fields. On PostgreSQL migration 0008 indexes exactly this expression with
pg_trgm (GIN, `gin_trgm_ops`), so a rare text reads a few index pages instead of every run:
the expression here must stay identical to the migration's, or the planner cannot use the index.

A text with no trigram (one or two characters, or no three letters or digits in a row) gets
none of that index. Migration 0009 indexes the same expression's one- and two-character
substrings (`job_runs_short_grams`, GIN over text[]); such a text, asked `grams=True` by the
caller that knows the index is there (app/api/history.py), is searched as "its characters
(one) or each of its pairs are among the run's" AND the LIKE, so the index narrows and the LIKE
decides, and the results are the plain search's.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    ColumnElement,
    String,
    Text,
    and_,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY

from app.db import tables

runs = tables.job_runs
SEPARATOR = "\x1f"  # never in JSON text (control characters are escaped) nor typed in a search box
ESCAPE = "\\"
MAX_ID = 2**63 - 1
# pg_trgm takes trigrams from runs of letters and digits; a text without three in a row gives
# none, and the index would be read whole (1.4 s for 'zq' at 1M runs): such texts skip it
_TRIGRAM = re.compile(r"[^\W_]{3}")
GRAMS_FUNCTION = "job_runs_short_grams"  # migration 0009 (PostgreSQL)

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


def short_grams(text: str) -> list[str] | None:
    """What migration 0009's index is asked for a text without a trigram: the lowercased text
    when it is one character, else its distinct pairs (a run holding the text holds each of
    them). None for a text the trigram index serves, or one holding the separator (the index
    splits its pairs at separators, so it has no pair with one)."""
    lowered = text.lower()
    if not lowered or SEPARATOR in lowered or uses_trigram_index(text):
        return None
    if len(lowered) == 1:
        return [lowered]
    return sorted({lowered[i:i + 2] for i in range(len(lowered) - 1)})


def grams_condition(text: str) -> ColumnElement[bool] | None:
    """The runs whose grams (migration 0009) hold all of `short_grams(text)`: exactly the runs
    holding a text of one or two characters, more for a longer one; None when it has none."""
    wanted = short_grams(text)
    if wanted is None:
        return None
    grams = getattr(func, GRAMS_FUNCTION)(searched_text(), type_=Text).collate("C")  # the index's collation
    return type_coerce(grams, ARRAY(Text)).contains(literal(wanted, ARRAY(Text)))


def text_condition(text: str, grams: bool = False) -> ColumnElement[bool]:
    """Runs whose searched fields contain `text` (any case), or whose id it is. `grams`: the
    database has migration 0009's index (PostgreSQL only) and the caller wants it used."""
    pattern = like_pattern(text)
    match: ColumnElement[bool]
    indexed = None
    if uses_trigram_index(text):
        match = searched_text().like(pattern, escape=ESCAPE)
    else:
        # each field on its own: the joined string could match across fields (a separator in the
        # text), and the trigram index cannot help (it would be read whole), so the planner must
        # not be offered it
        fields = [runs.c.file_name, cast(runs.c.params, String), runs.c.type, runs.c.error]
        match = or_(*(func.lower(f).like(pattern, escape=ESCAPE) for f in fields))
        indexed = grams_condition(text) if grams else None
    # the id by equality, not cast(id) = text: an indexed OR arm keeps the text's index usable
    run_id = int(text) if text.isascii() and text.isdigit() and str(int(text)) == text and int(text) <= MAX_ID else None
    if indexed is None:
        return match if run_id is None else or_(match, runs.c.id == run_id)
    # The LIKE first and never NULL (a NULL field's LIKE is NULL, and NULL AND x still computes x):
    # where this is a value rather than a filter (history_sample's "hit"), PostgreSQL evaluates it
    # as written, and the grams (15 us a run) only where the LIKE held. An id as two ORs, so that
    # the index's arm stays whole for a BitmapOr with the primary key, and no filter computes it.
    match = func.coalesce(match, false())
    if run_id is None:
        return and_(match, indexed)
    return and_(or_(match, runs.c.id == run_id), or_(indexed, runs.c.id == run_id))
