"""Look at a file's bytes: its format, its text encoding, its delimiter and its header.

Nothing here touches DuckDB. Everything streams: a file is never read whole into memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from segdash.errors import DataImportError

#: Bytes read to decide format, encoding and delimiter.
HEAD_BYTES = 1 << 18
#: Bytes per block when streaming a whole file.
BLOCK = 1 << 24
#: Delimiters tried, in order of preference when the evidence is equal.
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe (|)"}

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"BM", None),  # bitmap: only if it also holds NUL bytes (checked below)
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office file (.xls/.doc); save it as .xlsx or .csv"),
    (b"RIFF", "an audio or video file"),
    (b"\x7fELF", "a program"),
    (b"MZ", None),
    (b"SQLite format 3", "a SQLite database"),
)


def describe(path: str | os.PathLike[str]) -> str:
    """The file's name, for messages.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        Its base name.
    """
    return Path(path).name


def detect_format(path: str | os.PathLike[str]) -> str:
    """Tell ``"xlsx"``, ``"parquet"`` or ``"text"`` from the file's first bytes.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str
        ``"xlsx"`` (zip magic), ``"parquet"`` (``PAR1`` magic) or ``"text"``.

    Raises
    ------
    DataImportError
        When the file is missing, empty, or binary (an image, a program, an archive...).
    """
    file = Path(path)
    if not file.exists():
        raise DataImportError(f"File not found: {file}. Check the name and the folder.")
    if file.is_dir():
        raise DataImportError(f"{file} is a folder, not a file. Choose a data file inside it.")
    try:
        with open(file, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as err:
        raise DataImportError(f"Cannot open {file.name}: {err.strerror or err}.") from err
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise DataImportError(f"The file {file.name} is empty: there is nothing to import.")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    for magic, what in _MAGIC:
        if head.startswith(magic) and (what or b"\x00" in head):
            kind = what or "a binary file"
            raise DataImportError(
                f"This file is not a table: {file.name} looks like {kind}. Choose a CSV, Excel (.xlsx) or Parquet file."
            )
    if guess_bom(head) is None and _utf16_without_bom(head) is None and b"\x00" in head:
        raise DataImportError(
            f"This file is not a table: {file.name} holds binary data, not text. "
            "Choose a CSV, Excel (.xlsx) or Parquet file."
        )
    return "text"


def guess_bom(head: bytes) -> str | None:
    """The encoding announced by a byte-order mark.

    Parameters
    ----------
    head
        The first bytes of the file.

    Returns
    -------
    str or None
        ``"utf-8-sig"``, ``"utf-16"``, or ``None`` without a byte-order mark.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 without a BOM shows as every other byte being zero (for Latin text)."""
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even_zero = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_zero = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_zero > 0.3 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.3 and odd_zero < 0.05:
        return "utf-16-be"
    return None


@dataclass
class TextFile:
    """A text file made ready for DuckDB: UTF-8 (maybe a transcoded temporary copy).

    ``counted`` is the number of physical lines, or a future of it (counted in a background
    thread while DuckDB reads the file); read it through :attr:`lines`.
    """

    path: str
    encoding: str
    counted: int | Future[int]
    temporary: bool = False

    @property
    def lines(self) -> int:
        """Physical lines in the file (empty lines at the very end not counted)."""
        if isinstance(self.counted, Future):
            self.counted = self.counted.result()
        return self.counted

    def cleanup(self) -> None:
        """Remove the temporary copy, if one was made."""
        if self.temporary:
            try:
                os.unlink(self.path)
                os.rmdir(os.path.dirname(self.path))
            except OSError:
                pass


def _tail(tail: bytes, block: bytes) -> bytes:
    """The last 64 KB seen, without copying whole blocks."""
    return block[-65536:] if len(block) >= 65536 else (tail + block)[-65536:]


def _count_lines(newlines: int, tail: bytes) -> int:
    """Physical lines, ignoring empty lines at the very end of the file."""
    stripped = tail.rstrip(b"\r\n")
    if not stripped:
        return newlines - tail.count(b"\n")
    return newlines - tail[len(stripped):].count(b"\n") + 1


def prepare_text(path: str | os.PathLike[str], *, assume_utf8: bool = False) -> TextFile:
    """Find a text file's encoding, count its lines, and transcode it to UTF-8 when needed.

    UTF-8 is checked over the whole file (not a sample), here or, with ``assume_utf8``, by
    DuckDB's reader (which reports every badly encoded line; the caller then asks again
    without ``assume_utf8``). Files that are not valid UTF-8 are read as Windows-1252, or
    Latin-1 when they hold bytes Windows-1252 leaves undefined.

    Parameters
    ----------
    path
        The text file.
    assume_utf8
        Skip the Python check of every byte when the start of the file is UTF-8.

    Returns
    -------
    TextFile
        The UTF-8 file DuckDB should read, the encoding found and the number of physical lines.
    """
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    encoding = guess_bom(head) or _utf16_without_bom(head)
    if encoding is None and not assume_utf8:
        lines = _scan_utf8(path)
        if lines is not None:
            return TextFile(str(path), "utf-8", lines)
        encoding = "cp1252" if _decodes(path, "cp1252") else "latin-1"
    elif encoding is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as err:
            if err.start < len(head) - 4:  # not just a character cut at the end of the sample
                return prepare_text(path, assume_utf8=False)
        return TextFile(str(path), "utf-8", _background(_count_file_lines, path))
    if encoding == "utf-8-sig":
        lines = _scan_utf8(path)
        if lines is not None:
            return TextFile(str(path), "utf-8-sig", lines)
        raise DataImportError(
            f"{describe(path)} says it is UTF-8 text but holds bytes that are not; save it again as UTF-8 CSV."
        )
    return _transcode(path, encoding)


def _background(fn: Callable[..., int], *args: object) -> Future[int]:
    """Run ``fn`` in a short-lived thread (file reading and counting release the GIL)."""
    future: Future[int] = Future()

    def run() -> None:
        try:
            future.set_result(fn(*args))
        except BaseException as err:  # handed to whoever reads the result
            future.set_exception(err)

    threading.Thread(target=run, daemon=True).start()
    return future


def _count_file_lines(path: str | os.PathLike[str]) -> int:
    newlines = 0
    tail = b""
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            newlines += block.count(b"\n")
            tail = _tail(tail, block)
    return _count_lines(newlines, tail)


def _scan_utf8(path: str | os.PathLike[str]) -> int | None:
    """Count lines while checking every byte is UTF-8; ``None`` when it is not."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    tail = b""
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            newlines += block.count(b"\n")
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return None
            tail = _tail(tail, block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return _count_lines(newlines, tail)


def _decodes(path: str | os.PathLike[str], encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return False
    return True


def _transcode(path: str | os.PathLike[str], encoding: str) -> TextFile:
    """Stream ``path`` from ``encoding`` into a temporary UTF-8 copy."""
    folder = tempfile.mkdtemp(prefix="segdash-")
    target = os.path.join(folder, "utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    newlines = 0
    tail = b""
    try:
        with open(path, "rb") as source, open(target, "wb") as out:
            while block := source.read(BLOCK):
                data = decoder.decode(block).encode("utf-8")
                if data.startswith(codecs.BOM_UTF8) and out.tell() == 0:
                    data = data[len(codecs.BOM_UTF8):]
                newlines += data.count(b"\n")
                tail = _tail(tail, data)
                out.write(data)
            data = decoder.decode(b"", final=True).encode("utf-8")
            newlines += data.count(b"\n")
            tail = _tail(tail, data)
            out.write(data)
    except BaseException:  # a full disk, an unreadable file, a stop: leave no temporary folder behind
        shutil.rmtree(folder, ignore_errors=True)
        raise
    name = {"utf-16": "utf-16", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be"}.get(encoding, encoding)
    return TextFile(target, name, _count_lines(newlines, tail), temporary=True)


def read_head_text(path: str | os.PathLike[str], *, size: int = HEAD_BYTES) -> str:
    """The start of a UTF-8 file as text, cut at the last complete line.

    Parameters
    ----------
    path
        The UTF-8 file.
    size
        Bytes to read.

    Returns
    -------
    str
        The text (a byte-order mark removed).
    """
    with open(path, "rb") as handle:
        head = handle.read(size)
        more = bool(handle.read(1))
    text = head.decode("utf-8-sig", errors="replace")
    if more and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    return text


def _records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    out: list[list[str]] = []
    try:
        for record in reader:
            if record and any(field.strip() for field in record):
                out.append(record)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def sniff_delimiter(text: str) -> tuple[str, list[str]]:
    """Choose the delimiter that splits the sample into the most consistent records.

    A delimiter wins when most records have as many fields as the header, and more than
    one field; ties go to the order of :data:`DELIMITERS`.

    Parameters
    ----------
    text
        The start of the file (whole lines).

    Returns
    -------
    tuple[str, list[str]]
        The delimiter and the header record it gives.
    """
    best: tuple[float, int, str, list[str]] | None = None
    for delimiter in DELIMITERS:
        if delimiter not in text:
            continue
        records = _records(text, delimiter, 500)
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        rows = records[1:] or records
        consistency = sum(1 for r in rows if len(r) == width) / len(rows)
        score = (round(consistency, 2), width)
        if best is None or score > best[:2]:
            best = (score[0], score[1], delimiter, records[0])
    if best is None or best[0] < 0.5:
        # One column: pick a delimiter that never occurs, so every line stays one value.
        unused = next((d for d in (",", "\t", "|", ";") if d not in text), ",")
        records = _records(text, unused, 1)
        return unused, (records[0] if records else [])
    return best[2], best[3]


def quoted_lines_delimiter(text: str) -> str | None:
    """Find the delimiter hidden when every line is one quoted value (``"a;b;c"``).

    Parameters
    ----------
    text
        The start of the file (whole lines).

    Returns
    -------
    str or None
        The delimiter found the same number of times in every line, or ``None``.
    """
    records = _records(text, ",", 200)
    if len(records) < 1 or any(len(r) != 1 for r in records):
        return None
    for delimiter in DELIMITERS:
        counts = {r[0].count(delimiter) for r in records}
        if len(counts) == 1 and counts.pop() > 0:
            return delimiter
    return None
