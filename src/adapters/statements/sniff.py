"""Which parser reads a file, and the checks every file passes first (format, DTDs, line lengths).

Every check here takes time linear in the file's size: an upload is read before any authorisation of
its contents, so a crafted file must not make it slow (no regular expression that can backtrack over
the whole file). The DTD check on the bytes is the fast answer for files in an ASCII-compatible encoding
(UTF-8, Latin-1: all that OFX readers take); a camt.053 document in UTF-16 or UTF-32 is checked again
once parsed (`camt053`), which holds whatever the encoding.
"""

from __future__ import annotations

import re

from domain.statements import CsvMapping, InvalidStatement, ParsedStatement

#: Longest line of a line-based file (MT940, CSV), in bytes: a longer one is refused with its number
#: (XML and OFX documents may come on one line: their size is bounded by the upload's limit).
MAX_LINE_BYTES = 10_000

_NAMES = {"camt053": "camt.053", "mt940": "MT940", "ofx": "OFX", "csv": "CSV"}
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
DTD_REFUSED = "declares a DTD or entities (<!DOCTYPE>, <!ENTITY>), which statements never need"
_TAG_20 = re.compile(rb"^:20:", re.MULTILINE)
_TAG_60_62 = re.compile(rb"^:6[02][FM]:", re.MULTILINE)
#: How an XML document in a wide encoding begins (its byte order mark, or `<` without one), as XML
#: parsers detect it: such a file is sniffed on its decoded text.
_WIDE = (
    (b"\x00\x00\xfe\xff", "utf-32-be", 4),
    (b"\xff\xfe\x00\x00", "utf-32-le", 4),
    (b"\xfe\xff", "utf-16-be", 2),
    (b"\xff\xfe", "utf-16-le", 2),
    (b"\x00\x00\x00<", "utf-32-be", 0),
    (b"<\x00\x00\x00", "utf-32-le", 0),
    (b"\x00<", "utf-16-be", 0),
    (b"<\x00", "utf-16-le", 0),
)


def sniff(data: bytes) -> str | None:
    """The format `data` plainly is (`camt053`, `ofx`, `mt940`), or None (CSV, or nothing known)."""
    head = _head(data).lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"OFXHEADER" in head[:200] or b"<OFX>" in head.upper():
        return "ofx"
    if head.startswith(b"<"):
        return "camt053" if b"camt.05" in head else "xml"
    if head.startswith((b":20:", b"{1:", b":940:")) or _looks_like_mt940(data[:65536]):
        return "mt940"
    return None


def _head(data: bytes) -> bytes:
    """The first 4 KiB of `data`, as UTF-8 when the file is XML in UTF-16 or UTF-32."""
    for start, codec, mark in _WIDE:
        if data.startswith(start):
            return data[mark : mark + 16384].decode(codec, "ignore").encode("utf-8")[:4096]
    return data[:4096]


def _looks_like_mt940(data: bytes) -> bool:
    """A line starting `:20:` and, after it, one starting `:60F:`, `:60M:`, `:62F:` or `:62M:`: two
    searches, each once over the bytes (one pattern spanning both would backtrack from every `:20:`)."""
    first = _TAG_20.search(data)
    return first is not None and _TAG_60_62.search(data, first.end()) is not None


def parse(format: str, data: bytes, mapping: CsvMapping | None = None) -> ParsedStatement:
    """`data` read as a statement of `format`; refused when it is of another format, empty, or broken."""
    if format not in _NAMES:
        raise InvalidStatement.at("format", f"must be one of {', '.join(_NAMES)}")
    if not data.strip():
        raise InvalidStatement.at("file", "is empty")
    found = sniff(data)
    expected = _NAMES[format]
    if found is not None and found != format and not (format == "ofx" and found == "xml"):
        seen = "XML that is not camt.053" if found == "xml" else f"{_a(_NAMES[found])} file"
        raise InvalidStatement.at("file", f"is not {_a(expected)} statement: it looks like {seen}")
    if format in ("camt053", "ofx") and _DTD.search(data):
        raise InvalidStatement.at("file", DTD_REFUSED)
    if format in ("mt940", "csv"):
        _check_line_lengths(data)
    if format == "camt053":
        from adapters.statements.camt053 import parse_camt053

        return parse_camt053(data)
    if format == "mt940":
        from adapters.statements.mt940 import parse_mt940

        return parse_mt940(data)
    if format == "ofx":
        from adapters.statements.ofx import parse_ofx

        return parse_ofx(data)
    if mapping is None:
        raise InvalidStatement.at("mapping", "a CSV statement needs a mapping (its name)")
    from adapters.statements.delimited import parse_csv

    return parse_csv(data, mapping)


def _a(name: str) -> str:
    return f"an {name}" if name[0] in "MO" else f"a {name}"


def _check_line_lengths(data: bytes) -> None:
    start, number = 0, 1
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if end - start > MAX_LINE_BYTES:
            raise InvalidStatement.at(
                "file", f"line {number} is longer than {MAX_LINE_BYTES} bytes", line=number
            )
        start, number = end + 1, number + 1


def decode(data: bytes, encoding: str, what: str) -> str:
    """`data` as text in `encoding` (a BOM dropped); a byte that is not of it is refused with its line."""
    try:
        text = data.decode(encoding)
    except LookupError:
        raise InvalidStatement.at("mapping.encoding", f"{encoding!r} is not an encoding") from None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InvalidStatement.at(
            "file",
            f"line {line} is not {encoding} text (byte {error.start}); is the file in another encoding?",
            line=line,
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InvalidStatement.at(
            "file", f"line {line} holds a NUL character: {what} files are text", line=line
        )
    return text.removeprefix("\ufeff")
