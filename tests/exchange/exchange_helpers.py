"""Helpers for the exchange tests: small documents, free ports, a real ``iodef serve`` process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

IODEF = [sys.executable, "-c", "from iodef.cli.main import main; main()"]


def make_doc(
    n: int,
    *,
    restriction: str | None = "green",
    name: str = "csirt.example.org",
    description: str = "Test incident",
    purpose: str | None = "reporting",
    contact_restriction: str | None = None,
) -> bytes:
    """A small valid IODEF v2 document; *n* makes its IncidentID (and so its digest) unique."""
    restr = f' restriction="{restriction}"' if restriction is not None else ""
    purp = f' purpose="{purpose}"' if purpose is not None else ""
    contact = f' restriction="{contact_restriction}"' if contact_restriction is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<IODEF-Document version="2.00" xml:lang="en" xmlns="urn:ietf:params:xml:ns:iodef-2.0">'
        f"<Incident{purp}{restr}>"
        f'<IncidentID name="{name}">T-{n:06d}</IncidentID>'
        "<GenerationTime>2026-11-20T08:15:00Z</GenerationTime>"
        f"<Description>{description} {n}</Description>"
        f'<Contact role="creator" type="organization"{contact}><ContactName>Example CSIRT</ContactName>'
        "<Email><EmailTo>incidents@csirt.example.org</EmailTo></Email></Contact>"
        "</Incident></IODEF-Document>"
    ).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """A real ``iodef serve`` child process on 127.0.0.1."""

    def __init__(self, args: list[str], *, port: int | None = None, log: Path | None = None) -> None:
        self.port = port or free_port()
        self.args = args
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> Server:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*IODEF, "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args],
            stdout=out,
            stderr=out,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"iodef serve exited with {self.proc.returncode}: {self.read_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"iodef serve did not listen within {timeout}s: {self.read_log()}")

    def read_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()


def run_iodef(
    *args: str, input: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 120
):
    """Run the iodef command; return the CompletedProcess (text output)."""
    return subprocess.run(
        [*IODEF, *args],
        input=input,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


PG_ENV = "IODEF_TEST_POSTGRES_URL"


def postgres_url() -> str:
    """The test PostgreSQL's URL; skip (fail under CI=true) when there is none."""
    import pytest

    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {PG_ENV} is not set: the PostgreSQL tests must run in CI")
    pytest.skip(f"no PostgreSQL: set {PG_ENV} (bash .ci/run installs and starts one)")


def empty_postgres() -> str:
    """The test PostgreSQL, its iodef tables dropped."""
    import pytest
    import sqlalchemy as sa

    from iodef.exchange.store import metadata

    url = postgres_url()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        metadata.drop_all(engine)
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {PG_ENV} is not reachable: {exc.orig}")
    finally:
        engine.dispose()
    return url
