"""`make run` as a new user runs it: its output ends with the banner (URL, demo logins, dev
outbox) without library INFO noise, and a SIGTERM to `make` stops gunicorn (it is exec'd),
so the port is free for the next `make run`."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import ROOT, TEST_SECRET, free_port


def _children(pid: int) -> list[int]:
    """The process's descendants (Linux /proc), to clean up whatever outlives a failure."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *_children(kid)]
    return found


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_make_run_ends_with_a_banner_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "run.log"
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}", PORT=str(port),
               SECRET_KEY=TEST_SECRET, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    with log.open("wb") as out:
        make = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    started: list[int] = []
    try:
        deadline = time.monotonic() + 240
        while "Ctrl-C stops it." not in log.read_text(errors="replace"):
            assert make.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        assert _listening(port)
        started = _children(make.pid)
        make.send_signal(signal.SIGTERM)
        make.wait(30)
        deadline = time.monotonic() + 15
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _listening(port), "gunicorn outlived make"
    finally:
        if make.poll() is None:
            make.kill()
        for pid in started:  # a server that outlived make must not keep the port
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    text = log.read_text(errors="replace")
    assert "fontTools" not in text
    banner = text[text.index("Ordertalk is running on"):]
    assert f"http://127.0.0.1:{port}/dev/outbox" in banner
    assert "supplier@demo.ordertalk.test" in banner and "ordertalk-demo" in banner
