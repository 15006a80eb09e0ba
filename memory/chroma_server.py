"""Start and stop a local Chroma server (the `chroma run` shipped with chromadb).

    with ChromaServer(path="runs/chroma") as server:     # 127.0.0.1, a free port
        memory = ChromaMemory("run-1", url=server.url)

The server is the installed chromadb's own CLI, run with this Python (`python -c "from
chromadb.cli.cli import app; app()" run --path DIR --host HOST --port N`), so it works inside a
virtualenv whose `bin/` is not on PATH. `start()` waits until `/api/v2/heartbeat` answers.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from memory.errors import MemoryStoreError

_CLI = "from chromadb.cli.cli import app; app()"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class ChromaServer:
    """A `chroma run` child process serving the data folder `path`."""

    def __init__(
        self,
        path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.path = Path(path)
        self.host = host
        self.port = port or free_port(host)
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        # Lives as long as the server object: it holds the output for error messages.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _heartbeat(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as reply:
                return bool(reply.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def log_tail(self, size: int = 4000) -> str:
        """The end of the server's combined output."""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-size:]

    def start(self) -> ChromaServer:
        if self._process is not None:
            raise MemoryStoreError("this Chroma server is already started")
        self.path.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-c", _CLI, "run", "--path", str(self.path)]
        command += ["--host", self.host, "--port", str(self.port)]
        self._process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise MemoryStoreError(
                    f"chroma server exited with code {code} before answering; output:\n"
                    + self.log_tail()
                )
            if self._heartbeat():
                return self
            time.sleep(0.1)
        self.stop()
        raise MemoryStoreError(
            f"chroma server on {self.url} did not answer within {self.startup_timeout} s; "
            "output:\n" + self.log_tail()
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        self._log.close()
