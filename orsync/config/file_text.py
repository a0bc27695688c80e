"""The org file's bytes -> its text, refusing what is not an org file: missing, too large,
not UTF-8, binary, or holding a secret.

Kept apart from the loader (and free of pydantic) so that the reader in a forked child
(orsync.config.forked_read) imports only this and the YAML readers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from orsync.config.source import Location
from orsync.config.yaml_values import SECRET_ADVICE, SECRET_SHAPE
from orsync.errors import ConfigError

MAX_FILE_BYTES = 20 * 1024 * 1024
# Characters YAML does not allow in a stream (YAML 1.1 "printable"): their presence means
# the file is not text.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PRINTABLE_ASCII = b"\t\n\r" + bytes(range(0x20, 0x7f))


def file_bytes(path: Path, file: str) -> bytes:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError("no such file", file=file) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not an org file", file=file) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=file) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"too large for an org file (over {MAX_FILE_BYTES // 2**20} MiB)", file=file)
    return data


def file_text(data: bytes, file: str) -> str:
    """The text of a file's bytes, once shown to be text without a secret in it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start, b"\n")
        raise ConfigError(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); is this a binary file?",
                          file=file, line=line, column=column) from None
    bad = _NOT_PRINTABLE.search(text) if _may_hold_control_characters(data, text) else None
    if bad:
        line, column = _position(text, bad.start(), "\n")
        raise ConfigError(f"not a text file: control character U+{ord(bad.group()):04X}",
                          file=file, line=line, column=column)
    _refuse_secrets(text, file)
    return text


def _may_hold_control_characters(data: bytes, text: str) -> bool:
    # An ASCII file is checked by deleting its allowed bytes (C speed, 10 times faster than the
    # pattern): anything left over is a control character.
    return not text.isascii() or bool(data.translate(None, _PRINTABLE_ASCII))


def _refuse_secrets(text: str, file: str) -> None:
    # Anywhere, comments included: a secret committed in a comment has leaked all the same.
    # The message never repeats the secret. (The plain substring test first: the pattern's
    # look-behind makes a search of a large file 20 times slower.)
    found = SECRET_SHAPE.search(text) if "sk-or-" in text else None
    if found:
        line, column = _position(text, found.start(), "\n")
        raise ConfigError(f"a value shaped like an OpenRouter secret (sk-or-...); {SECRET_ADVICE}",
                          file=file, line=line, column=column)


def _position(text: str | bytes, offset: int, newline: Any) -> Location:
    line_start = text.rfind(newline, 0, offset) + 1
    return text.count(newline, 0, offset) + 1, offset - line_start + 1
