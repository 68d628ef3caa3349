"""CSV records read in chunks of whole lines, telling a quote left open from a value that spans lines.

Why: a row such as `"Acme, 12,x@y.test` (closing quote missing) opens a quoted value that
the csv module keeps reading into until the next quote in the file, or the end of it: every
good row after it became one huge failed record. A quoted value may legitimately hold line
breaks (a multi-line address), so a record that spans lines is judged, and is taken as a quote
left open when
- its quote is still open at the end of the file;
- it runs past `MAX_SPAN` characters (a sane record; a value may hold at most 131,072);
- `FULL_LINES` whole lines inside its quoted value each read as a complete record of the
  header's width (good rows swallowed), in a file of at least `FULL_WIDTH` columns (in a
  narrower one an address line such as `Main St 5, Springfield, IL` reads as a record too);
- the quoted value that spans lines closes with a quote followed by text rather than the
  delimiter or the line end (the "closing" quote was the opening quote of a later value).
Such a row fails alone (its own line, read as it stands, with an `Unclosed quote` message),
and reading starts again on the line after it, so the rows after it import as usual.

Speed: a chunk of lines (`handle.readlines`, about `CHUNK_CHARS`) is parsed in one C call;
when it gives one record per line and its last line leaves no quote open (the usual case),
that is all. Only a chunk with a record over several lines is walked record by record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

CHUNK_CHARS = 128 * 1024  # ~1,000 rows of a usual file per C call: the parse holds the GIL (bench/README.md)
MAX_SPAN = 2 * 1024 * 1024  # characters of one record spanning lines
FULL_LINES = 2
FULL_WIDTH = 4
SHOWN = 200  # characters of the row's text quoted in its message


@dataclass(frozen=True, slots=True)
class Failed:
    """A record that fails as it is: the cells it reads as (for the failed-records file) and why."""

    cells: list[str]
    message: str


Item = list[str] | Failed


def unclosed_message(line: str) -> str:
    text = line.rstrip("\r\n")
    shown = text if len(text) <= SHOWN else text[:SHOWN] + "…"
    return f"Unclosed quote: a quoted value in this row has no closing quote; the row reads {shown}"


class CsvRecords:
    """Iterate `(items, clean)` chunks of a CSV file's records from its first line (the header
    is the first item); `clean` means every item is a list of cells (no `Failed`)."""

    def __init__(self, handle: io.TextIOBase, delimiter: str, width: int | None = None) -> None:
        self.handle, self.delimiter, self.width = handle, delimiter, width

    def __iter__(self) -> Iterator[tuple[list[Item], bool]]:
        carry: list[str] = []
        while True:
            lines = self.handle.readlines(max(CHUNK_CHARS, sum(map(len, carry))))  # a runaway's carry doubles
            eof = not lines
            if carry:
                lines = carry + lines
            if not lines:
                return
            rows, clean = self._plain(lines)  # (with lines carried over, never one record per line)
            if rows is not None:
                yield rows, True  # type: ignore[misc]
                continue
            items, carry = self._walk(lines, eof, clean)
            if items:
                yield items, all(item.__class__ is list for item in items)
            if eof and not carry:
                return

    def _plain(self, lines: list[str]) -> tuple[list[list[str]] | None, bool]:
        """(the chunk's records when each is one line and the last leaves no quote open, and
        whether every quoted value closes on a quote followed by the delimiter or the line's
        end, up to where the lines end). One strict parse in C; the lenient one only when the
        strict one objects."""
        try:
            rows = list(csv.reader(lines, delimiter=self.delimiter, strict=True))
            clean = True
        except csv.Error as exc:
            if str(exc) == "unexpected end of data":  # only the last record runs on (judged in _walk)
                return None, True
            clean = False
            try:
                rows = list(csv.reader(lines, delimiter=self.delimiter))
            except csv.Error:
                return None, False
        if len(rows) != len(lines) or self._open([lines[-1]]):
            return None, clean
        return rows, clean

    def _open(self, span: list[str]) -> bool:
        """Whether the span's last record leaves a quote open: a line added after it is swallowed."""
        try:
            return len(list(csv.reader([*span, "x"], delimiter=self.delimiter))) == 1
        except csv.Error:
            return True

    def _walk(self, lines: list[str], eof: bool, clean: bool) -> tuple[list[Item], list[str]]:
        """Record by record, with each one's lines; returns the items and the lines of a record
        that needs the next chunk to be judged (carried over). `clean`: no quoted value in the
        lines closes on a quote followed by text."""
        items: list[Item] = []
        pos, count = 0, len(lines)
        # Then, in a chunk of sane size, a closed record of 2 or 3 lines cannot be an open quote
        # and needs no judging (a file with a two-line address in every row parsed in 2.5x the
        # plain time when each was judged).
        judged = FULL_LINES + 2 if clean and sum(map(len, lines)) <= MAX_SPAN else 2  # lines from which to judge
        while pos < count:
            base = pos
            reader = csv.reader(islice(lines, base, None), delimiter=self.delimiter)
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return items, []
                except csv.Error as exc:  # the reader goes on with the next line
                    items.append(Failed([], f"Row could not be read: {exc}"))
                    pos = base + reader.line_num
                    continue
                end = base + reader.line_num
                if end == count or end - pos >= judged:
                    verdict = self._judge(lines[pos:end], row, at_end=end == count, eof=eof)
                    if verdict == "more":
                        return items, lines[pos:]
                    if verdict == "broken":
                        items.append(Failed(self._as_line(lines[pos]), unclosed_message(lines[pos])))
                        pos, judged = pos + 1, 2
                        break  # read again from the line after it (the strict parse read other records)
                items.append(row)
                pos = end
        return items, []

    def _judge(self, span: list[str], row: list[str], *, at_end: bool, eof: bool) -> str:
        """'ok', 'broken' (a quote left open), or 'more' (still open where the lines we have end)."""
        still_open = at_end and self._open(span)
        if len(span) == 1 and not still_open:
            return "ok"
        if sum(map(len, span)) > MAX_SPAN:
            return "broken"
        inner = span[1:] if still_open else span[1:-1]
        if self._full_lines(inner, self.width or len(row)):
            return "broken"
        if still_open:
            return "broken" if eof else "more"
        return "broken" if self._closes_badly(span) else "ok"

    def _full_lines(self, inner: list[str], width: int) -> bool:
        if width < FULL_WIDTH:
            return False
        found = 0
        for line in inner:
            cells = next(csv.reader([line.rstrip("\r\n")], delimiter=self.delimiter), [])
            if len(cells) == width:
                found += 1
                if found >= FULL_LINES:
                    return True
        return False

    def _closes_badly(self, span: list[str]) -> bool:
        try:
            list(csv.reader(span, delimiter=self.delimiter, strict=True))
            return False
        except csv.Error:
            return closes_with_text("".join(span), self.delimiter)

    def _as_line(self, line: str) -> list[str]:
        """The broken row's own line read as it stands (its open quote runs to the line's end)."""
        try:
            return next(csv.reader([line.rstrip("\r\n")], delimiter=self.delimiter), [])
        except csv.Error:
            return [line.rstrip("\r\n")]


def closes_with_text(text: str, delimiter: str) -> bool:
    """Whether a quoted value holding a line break closes with a quote followed by text (not
    the delimiter, a space or the line's end), as the csv module reads quotes (non-strict)."""
    i, size = 0, len(text)
    while i < size:
        if text[i] == '"':  # a quoted value: find its closing quote ("" is a quote inside)
            j = i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    return False
                if text.startswith('"', k + 1):
                    j = k + 2
                    continue
                break
            after = text[k + 1:k + 2]
            value = text[i + 1:k]
            if ("\n" in value or "\r" in value) and after not in ("", delimiter, "\r", "\n") and not after.isspace():
                return True
            i = k + 1
        i = _field_end(text, i, delimiter)
        if i < size and text[i] in "\r\n":
            i += 2 if text.startswith("\r\n", i) else 1
        else:
            i += 1
    return False


def _field_end(text: str, start: int, delimiter: str) -> int:
    ends = [p for p in (text.find(delimiter, start), text.find("\n", start), text.find("\r", start)) if p >= 0]
    return min(ends) if ends else len(text)
