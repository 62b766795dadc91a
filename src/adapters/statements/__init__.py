"""Readers of bank statement files (camt.053, MT940, OFX, CSV): bytes in, `domain.statements.ParsedStatement`
out. Pure work: no database, no network, no clock.

`parse(format, data, mapping)` is the one entry point. Before a format's parser runs, `sniff` refuses a
file that is plainly of another format than the one said, and the text formats refuse a line longer than
`MAX_LINE_BYTES`. Every refusal is a `domain.statements.InvalidStatement` naming the file's line (or the
statement line) and what is wrong; nothing of a refused file is imported.
"""

from __future__ import annotations

from adapters.statements.sniff import MAX_LINE_BYTES, parse, sniff

__all__ = ["MAX_LINE_BYTES", "parse", "sniff"]
