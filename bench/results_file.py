"""bench/RESULTS.md holds one section per benchmark script; each run replaces only its own.

A section sits between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; a section not yet in
the file is added at its end, and text outside every section is kept as it is. Two scripts may
finish at once: the read-modify-write holds a lock, and the new file replaces the old in one
rename, so no reader ever sees half a file.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from pathlib import Path


def replace_section(path: Path, name: str, text: str) -> None:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    directory = os.open(path.parent, os.O_RDONLY)  # the lock: the file itself is replaced
    try:
        fcntl.flock(directory, fcntl.LOCK_EX)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
        if pattern.search(old):
            new = pattern.sub(lambda _: block, old, count=1)
        else:
            new = old.rstrip() + ("\n\n" if old.strip() else "") + block
        _write_atomically(path, new)
    finally:
        os.close(directory)  # and with it the lock


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
