"""The real `robot` binary for end-to-end tests, with no MCP SDK involved: run it on a free port
with a throw-away data directory and mint tokens with its CLI. Shared by the tests of both MCP
Python SDK generations (which cannot share one SDK import) and the benchmark."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

E2E_DIR = Path(__file__).resolve().parent
REPO_DIR = E2E_DIR.parent


def robot_bin() -> str:
    """The binary under test: `ROBOT_BIN`, else the debug build in the usual target directories."""
    if os.environ.get("ROBOT_BIN"):
        return os.environ["ROBOT_BIN"]
    candidates = []
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(Path(os.environ["CARGO_TARGET_DIR"]) / "debug" / "robot")
    candidates += [
        REPO_DIR / "target" / "debug" / "robot",
        Path.home() / ".cache" / "robot-wtf" / "target" / "debug" / "robot",
    ]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    raise SystemExit(f"no robot binary: set ROBOT_BIN (looked in {', '.join(map(str, candidates))})")


def free_port() -> int:
    """An unused TCP port on 127.0.0.1 (the OS picks it; released right away)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`robot serve` on a free port with its own data directory; `cli()` runs admin commands on
    the same data directory."""

    def __init__(self, binary: str | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.binary = binary or robot_bin()
        # More `robot serve` flags (e.g. `--atproto-insecure-test` to fetch from loopback).
        self.extra_args = list(extra_args)
        self.data_dir = tempfile.mkdtemp(prefix="robot-mcp-e2e-")
        self.port = free_port()
        self.base_url = f"http://localhost:{self.port}"
        self.log_path = Path(self.data_dir) / "serve.log"
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        # The caller's ROBOT_* settings do not leak in, except where the embedding model is.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ROBOT_") or k == "ROBOT_MODEL_DIR"
        }
        env.update(ROBOT_DATA_DIR=self.data_dir, ROBOT_BASE_URL=self.base_url, ROBOT_DOMAIN="localhost")
        env.setdefault("ROBOT_LOG", "warn")
        return env

    def cli(self, *args: str) -> str:
        """Runs one CLI command; returns its stdout, trimmed. Raises with stderr on failure."""
        done = subprocess.run(
            [self.binary, *args], env=self.env(), capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"robot {' '.join(args)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
        return done.stdout.strip()

    def start(self) -> None:
        args = [
            self.binary, "serve", "--bind", f"127.0.0.1:{self.port}", "--domain", "localhost",
            "--base-url", self.base_url, "--data-dir", self.data_dir,
            # The soak test runs 32 agents on one token as fast as they can: far past the per-token
            # write limit that protects a real server (tested in e2e/limits.test.mjs).
            "--rate-write", "off",
            *self.extra_args,
        ]
        log = open(self.log_path, "w")  # noqa: SIM115 - kept open for the child's lifetime
        self.process = subprocess.Popen(args, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"robot serve exited early:\n{self.log()}")
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{self.port}/-/healthz",
                                             headers={"Host": f"localhost:{self.port}"})
                with urllib.request.urlopen(req, timeout=2) as res:
                    if res.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"robot serve did not become healthy in 30 s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text()
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cleanup(self) -> None:
        self.stop()
        if not os.environ.get("KEEP_DATA"):
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def host(self, slug: str) -> str:
        return f"{slug}.localhost:{self.port}"

    def mcp_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def token(self, slug: str, name: str, role: str = "editor") -> str:
        """Mints a token with the CLI (`robot token create`); the secret is the last stdout line."""
        return self.cli("token", "create", slug, "--name", name, "--role", role).splitlines()[-1].strip()
