"""Text encodings: UTF-8 when the bytes are UTF-8, else Windows-1252 with a warning.

Spreadsheets on Indonesian government PCs still save CSV as Windows-1252 ("ANSI");
decoding those as UTF-8 would fail or garble names like "Cipondoh — Pasar Baru".
"""

from __future__ import annotations

import codecs
from pathlib import Path

_CHUNK = 1 << 20
FALLBACK = "cp1252"


def is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def to_utf8(path: Path, workdir: Path, warnings: list[str]) -> Path:
    """`path` itself when it is UTF-8, else a UTF-8 copy decoded as cp1252/latin-1."""
    if is_utf8(path):
        return path
    target = workdir / f"utf8-{path.name}"
    raw = path.read_bytes()
    try:
        text, used = raw.decode(FALLBACK), "Windows-1252"
    except UnicodeDecodeError:
        text, used = raw.decode("latin-1"), "ISO-8859-1 (latin-1)"
    target.write_text(text, encoding="utf-8")
    warnings.append(
        f"{path.name} is not UTF-8; it was read as {used}. Check accented names."
    )
    return target
