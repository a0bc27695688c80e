"""The secrets FileSink (issue 15): O(1) work per secret, and a whole, valid file holding every
secret whose store() returned, whenever the writing process is killed (SIGKILL, mid-batch)."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

from pydantic import SecretStr

from orsync.apply.secret_sinks import FileSink

# A child that stores secrets from 8 threads and says "stored NAME" once each store() returned.
WRITER = r"""
import sys, threading
from pathlib import Path
from pydantic import SecretStr
from orsync.apply.secret_sinks import FileSink

sink = FileSink(Path(sys.argv[1]))
lock = threading.Lock()

def work(worker):
    for number in range(100000):
        name = f"w{worker}-{number}"
        sink.store(name, f"hash-{name}", SecretStr(f"fake-secret-{name}"))
        with lock:
            sys.stdout.write(f"stored {name}\n")
            sys.stdout.flush()

threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""


def test_concurrent_stores_share_writes(tmp_path, monkeypatch):
    """64 stores from 8 threads cost far fewer than 64 rewrites (group commit), and none is lost."""
    sink = FileSink(tmp_path / "s.json")
    writes = []
    honest = sink._write_text
    monkeypatch.setattr(sink, "_write_text", lambda text: (writes.append(1), time.sleep(0.002), honest(text)))

    def work(worker):
        for number in range(8):
            sink.store(f"k{worker}-{number}", f"h{worker}-{number}", SecretStr("fake"))

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = json.loads((tmp_path / "s.json").read_text())
    assert len(stored) == 64
    assert len(writes) < 64


def test_a_store_does_not_reread_a_file_nobody_else_wrote(tmp_path, monkeypatch):
    sink = FileSink(tmp_path / "s.json")
    sink.store("first", "h1", SecretStr("fake-1"))
    reads = []
    honest = sink._read
    monkeypatch.setattr(sink, "_read", lambda: (reads.append(1), honest())[1])

    for number in range(20):
        sink.store(f"k{number}", f"h{number}", SecretStr("fake"))

    assert reads == []
    # Another process writes: the next store merges what it wrote.
    other = FileSink(tmp_path / "s.json")
    other.store("theirs", "h-theirs", SecretStr("fake-theirs"))
    sink.store("mine", "h-mine", SecretStr("fake-mine"))
    assert {"first", "theirs", "mine", "k19"} <= set(json.loads((tmp_path / "s.json").read_text()))


def test_killed_mid_batch_the_file_is_valid_and_holds_every_secret_it_acknowledged(tmp_path):
    rng = random.Random(13)
    for trial in range(12):
        path = tmp_path / f"s{trial}.json"
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                                 cwd=Path(__file__).resolve().parent.parent)
        acknowledged = []
        deadline = time.monotonic() + rng.uniform(0.3, 1.2)
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if line.startswith("stored "):
                acknowledged.append(line.split()[1])
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert acknowledged, "the writer stored nothing before it was killed"

        document = json.loads(path.read_text())          # whole and valid
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        missing = [name for name in acknowledged if name not in document]
        assert missing == [], f"trial {trial}: acknowledged but not in the file: {missing[:5]}"
        assert all(document[name]["key"] == f"fake-secret-{name}" for name in acknowledged)

        # A temporary file the kill left behind is merged back and removed by the next sink.
        FileSink(path).read()
        assert list(tmp_path.glob(f".{path.name}.*.tmp")) == []
