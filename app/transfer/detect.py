"""Finding a CSV file's encoding and delimiter, in one cheap pass over its bytes.

The same pass counts the lines (the run's `total` before the first row is read). A BOM names
the encoding (UTF-8, UTF-16); a file that decodes as UTF-8 throughout is UTF-8; a UTF-8 file
with a few stray single-byte characters (one row pasted from a cp1252 file: UTF-8 accents
before the first bad byte) stays UTF-8 and reads those bytes as cp1252 (`UTF8_FALLBACK`), so
200,000 good rows are not turned into mojibake by one bad one; otherwise charset-normalizer
judges a sample of the first non-UTF-8 region, preferring cp1252 (what Excel writes on Western
Windows) unless another code page reads clearly better. The
delimiter is the one among `, ; TAB |` that splits the first lines into the most, equally
many, columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

DELIMITERS = (",", ";", "\t", "|")
SCAN_BLOCK = 8 * 1024 * 1024
SAMPLE = 256 * 1024
PREFER = "cp1252"
SEP_LINE = re.compile(r"sep=([^\r\n])[ \t]*(?:\r\n|\n|\r|\Z)", re.IGNORECASE)
TEXT_BYTES = bytes(c for c in range(256) if c >= 32 or c in (9, 10, 12, 13))  # text has almost no other
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


UTF8_FALLBACK = "batchdesk-utf8-cp1252"  # decode error handler: bytes UTF-8 cannot read are cp1252


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        return exc.object[exc.start:exc.end].decode(PREFER, errors="replace"), exc.end
    raise exc


codecs.register_error(UTF8_FALLBACK, _cp1252_fallback)


class SourceError(ValueError):
    """The file cannot be read as an import source; the message is one line for people."""


def _scan(path: Path) -> tuple[str | None, int, int | None, bytes, bool, bool]:
    """One pass: (encoding from a BOM or None, newline count, offset where UTF-8 first fails
    or None, first block, whether UTF-8 multi-byte characters came before that offset,
    whether the file holds a NUL byte)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    bad_at: int | None = None
    utf8_before = False
    offset = 0
    first = b""
    last = b""
    nul = False
    with path.open("rb") as handle:
        while block := handle.read(SCAN_BLOCK):
            if offset == 0:
                first = block
            newlines += block.count(b"\n")
            nul = nul or b"\x00" in block
            if bad_at is None:
                try:
                    decoder.decode(block)
                    utf8_before = utf8_before or not block.isascii()
                except UnicodeDecodeError as exc:
                    bad_at = offset + max(0, exc.start)
                    utf8_before = utf8_before or not block[:exc.start].isascii()
            offset += len(block)
            last = block
    if bad_at is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_at = max(0, offset - 4)
    if last and not last.endswith(b"\n"):
        newlines += 1
    bom = next((enc for mark, enc in BOMS if first.startswith(mark)), None)
    return bom, newlines, bad_at, first, utf8_before, nul


def _guess_single_byte(path: Path, at: int) -> str:
    with path.open("rb") as handle:
        handle.seek(max(0, at - 1024))
        sample = handle.read(SAMPLE)
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        return PREFER
    if best.encoding == PREFER:
        return PREFER
    preferred = charset_normalizer.from_bytes(sample, cp_isolation=[PREFER]).best()
    if preferred is not None and preferred.chaos <= best.chaos + 0.05:
        return PREFER
    return str(best.encoding)


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines()[:30]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of a sample may be cut short
    best, best_score = ",", (-1, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not widths:
            continue
        consistent = sum(1 for w in widths if w == widths[0])
        score = (min(widths[0], 2) * consistent, widths[0])  # splits at all, consistently, then into most columns
        if widths[0] > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str
    estimated_rows: int
    nul: bool  # some line holds a NUL byte (no database text may: such rows fail)
    sep_line: bool = False  # Excel's `sep=;` first line names the delimiter; the header follows


def detect_csv(path: Path) -> CsvFormat:
    """Encoding, delimiter and estimated data rows of a CSV file; refuses what is not text."""
    bom, newlines, bad_at, first, utf8_before, nul = _scan(path)
    if not first:
        raise SourceError(f"{path.name} is empty: there is no header row")
    if bom is not None:
        encoding = bom
    elif nul and (wide := _utf16_without_bom(first)):
        encoding = wide
    else:
        _refuse_binary(path, first)
        encoding = "utf-8" if bad_at is None or utf8_before else _guess_single_byte(path, bad_at)
    head = first[:SAMPLE].decode(encoding, errors="replace")
    if encoding == "utf-8-sig":
        head = head.lstrip("\ufeff")
    if sep := SEP_LINE.match(head):  # Excel writes and reads it: the delimiter, said outright
        return CsvFormat(encoding, sep.group(1), max(0, newlines - 2), nul, sep_line=True)
    return CsvFormat(encoding, _sniff_delimiter(head), max(0, newlines - 1), nul)


def _utf16_without_bom(first: bytes) -> str | None:
    """UTF-16 saved without its BOM: Western text has a NUL in every other byte."""
    sample = first[:SAMPLE - SAMPLE % 2]
    half = len(sample) // 2
    for encoding, nuls, others in (("utf-16-le", sample[1::2], sample[0::2]), ("utf-16-be", sample[0::2], sample[1::2])):
        if half and nuls.count(0) > half * 0.6 and others.count(0) < half * 0.05:
            try:
                sample.decode(encoding)
            except UnicodeDecodeError:
                continue
            return encoding
    return None


def _refuse_binary(path: Path, first: bytes) -> None:
    """A compressed or binary file is not read as text: its bytes would become one garbled
    header, and the import would end with 'no column maps to ...'."""
    if first.startswith(b"\x1f\x8b"):
        raise SourceError(f"{path.name} is a gzip-compressed file, not CSV text: unpack it and import the file inside")
    sample = first[:SAMPLE]
    if len(sample.translate(None, TEXT_BYTES)) > len(sample) * 0.05:  # the control bytes left

        raise SourceError(f"{path.name} is not a CSV text file (it holds binary data): save it as CSV or XLSX and "
                          "import that")
