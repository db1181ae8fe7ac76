"""Essaim served by gunicorn on a free loopback port, as `make run` serves it, for benchmarks."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_gunicorn(data_dir: Path, **environment: str) -> tuple[subprocess.Popen, int]:
    """Start 2 workers × 4 threads on `data_dir`; return the process and its port once it
    answers HTTP."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "essaim.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--no-control-socket"],
        env={**os.environ, "ESSAIM_DATA_DIR": str(data_dir), **environment},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/taxonomies", timeout=5)  # noqa: S310
            return server, port
        except urllib.error.HTTPError:
            return server, port  # up, whatever it answers
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")
