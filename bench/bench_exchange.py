"""Benchmark: validated, durable ingest by ``iodef serve`` against the floor of the same server stack.

    python bench/bench_exchange.py                 # 10,000 documents, --concurrency 1 and 8
    python bench/bench_exchange.py -n 2000 -c 4
    python bench/bench_exchange.py --postgres postgresql://iodef_test:iodef_test@127.0.0.1/iodef_bench
    # old and new side by side: a checkout of the old tree with its own .venv (pip install -e .)
    git worktree add --detach /tmp/iodef-old main && python3 -m venv /tmp/iodef-old/.venv \
        && /tmp/iodef-old/.venv/bin/pip install -q -e /tmp/iodef-old
    python bench/bench_exchange.py --baseline /tmp/iodef-old --postgres URL --baseline-postgres URL2
    # URL2 may be the same database in another schema (the test role may create schemas, not databases):
    #   psql URL -c 'CREATE SCHEMA IF NOT EXISTS bench_old'
    #   URL2=postgresql://iodef_test:iodef_test@127.0.0.1:5432/iodef_test?options=-csearch_path%3Dbench_old

Both targets run under uvicorn + Starlette on 127.0.0.1 over plain HTTP, each in its own process:

* ``iodef serve`` with SQLite (WAL, ``--sqlite-sync full`` and ``normal``) and, with ``--postgres URL``
  (or ``$IODEF_BENCH_POSTGRES_URL``), with PostgreSQL (its iodef tables are dropped first); validation
  on (RFC 7970 schema), every document parsed with the hardened parser, checked, digested and
  committed before its 201;
* the floor: a minimal Starlette endpoint that reads the body, discards it and answers 201.

The same client (``iodef.exchange.AsyncClient``, documents prepared beforehand so the client does
the same work for both) POSTs the same documents to each, the targets taking turns in rounds.
Reported: documents per second for each, the ratio server / floor (goals: at least 0.8 with 8
concurrent requests, 0.5 with one at a time and ``--sqlite-sync normal``), and the CPU time each
server process spent per document, also as a multiple of the floor's (goal: at most 2.5; steadier
than wall time on a shared machine). With ``--baseline DIR`` the ``iodef serve`` of another checkout
(run by its own ``DIR/.venv``) takes its turns beside this one's, as ``old <mode>``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from iodef.exchange import AsyncClient, PreparedDocument

HERE = Path(__file__).resolve()


def make_doc(n: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<IODEF-Document version="2.00" xml:lang="en" xmlns="urn:ietf:params:xml:ns:iodef-2.0">'
        '<Incident purpose="reporting" restriction="green">'
        f'<IncidentID name="bench.example.org">B-{n:08d}</IncidentID>'
        "<GenerationTime>2026-11-20T08:15:00Z</GenerationTime>"
        f"<Description>Benchmark incident {n}</Description>"
        '<Contact role="creator" type="organization"><ContactName>Bench CSIRT</ContactName>'
        "<Email><EmailTo>incidents@bench.example.org</EmailTo></Email></Contact>"
        "</Incident></IODEF-Document>"
    ).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_listening(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process *pid* so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def floor_server(port: int) -> None:
    """Run the floor: uvicorn + Starlette, one POST route that discards the body."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def sink(request: Request) -> Response:
        async for _ in request.stream():
            pass
        return Response(b"", status_code=201, headers={"Location": "/feeds/incidents/x"})

    app = Starlette(routes=[Route("/feeds/incidents", sink, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def drive(url: str, docs: list[bytes], concurrency: int) -> float:
    prepared = [PreparedDocument(source=f"doc{i}", body=d, restriction="green") for i, d in enumerate(docs)]
    queue = list(reversed(prepared))
    async with AsyncClient(url, validate=False, max_connections=concurrency, retries=3) as c:

        async def worker() -> None:
            while queue:
                receipt = await c.send_prepared(queue.pop())
                if receipt.status != 201:
                    raise SystemExit(f"unexpected answer {receipt.status} for {receipt.source}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start


def _empty_postgres(url: str) -> None:
    import sqlalchemy as sa

    from iodef.exchange.store import metadata

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    metadata.drop_all(engine)
    engine.dispose()


def _stored(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        count = int(conn.execute(sa.text("SELECT count(*) FROM iodef_entries")).scalar_one())
    engine.dispose()
    return count


def _stored_sqlite(db: Path) -> int:
    with sqlite3.connect(str(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM iodef_entries").fetchone()[0])


#: tree prefix ("" for this checkout, "old " for --baseline) -> (python, working directory, PostgreSQL URL)
Trees = dict[str, tuple[list[str], Path | None, str | None]]
Servers = dict[str, tuple[subprocess.Popen[bytes], int, Path]]


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--documents", type=int, default=10_000)
    parser.add_argument("-c", "--concurrency", type=int, action="append", help="repeatable; default 1 and 8")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per concurrency level")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("IODEF_BENCH_POSTGRES_URL"),
        help="also run iodef serve on this PostgreSQL (its iodef tables are dropped first)",
    )
    parser.add_argument(
        "--baseline", type=Path, help="also run the iodef serve of this checkout (with its own .venv)"
    )
    parser.add_argument(
        "--baseline-postgres",
        help="the PostgreSQL database of --baseline's server (not --postgres's: both store every document)",
    )
    parser.add_argument("--floor-server", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def _start(modes: list[str], trees: Trees, tmp: str, servers: Servers) -> None:
    """Start one ``iodef serve`` per mode (``full``, ``old normal``, ...) into *servers*."""
    for mode in modes:
        prefix, kind = mode.rpartition(" ")[0::2]
        python, cwd, pg = trees[prefix + " " if prefix else ""]
        port, db = free_port(), Path(tmp) / f"bench-{mode.replace(' ', '-')}.db"
        url = pg if kind == "postgres" else f"sqlite:///{db}"
        assert url is not None
        cmd = [*python, "-c", "from iodef.cli.main import main; main()", "serve", "--db", url]
        cmd += ["--insecure-http", "--no-auth", "--port", str(port)]
        if kind != "postgres":
            cmd += ["--sqlite-sync", kind]
        proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL, cwd=cwd)
        servers[mode] = (proc, port, db)
        wait_listening(proc, port)


def _level(
    targets: dict[str, tuple[subprocess.Popen[bytes], int]], docs: list[bytes], level: int, rounds: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Wall and CPU seconds of each target for *docs* at *level* concurrent requests.

    The targets take turns in rounds, so that a busy spell of the shared machine weighs on all
    of them alike.
    """
    wall = dict.fromkeys(targets, 0.0)
    cpu = dict.fromkeys(targets, 0.0)
    size = -(-len(docs) // rounds)
    for start in range(0, len(docs), size):
        chunk = docs[start : start + size]
        for name, (proc, port) in targets.items():
            before = cpu_seconds(proc.pid)
            wall[name] += asyncio.run(drive(f"http://127.0.0.1:{port}/feeds/incidents", chunk, level))
            cpu[name] += cpu_seconds(proc.pid) - before
    return wall, cpu


def _report(level: int, n: int, modes: list[str], wall: dict[str, float], cpu: dict[str, float]) -> None:
    rates = {name: n / wall[name] for name in wall}
    cells = [f"{level}", *(f"{rates[m]:,.0f} doc/s" for m in modes), f"{rates['floor']:,.0f} doc/s"]
    cells += [f"{rates[m] / rates['floor']:.2f}" for m in modes]
    print("  ".join(f"{c:>12}" for c in cells), flush=True)
    per_doc = ", ".join(
        f"{name} {cpu[name] / n * 1000:.2f}"
        + (f" ({cpu[name] / cpu['floor']:.1f}x)" if name != "floor" and cpu["floor"] else "")
        for name in wall
    )
    print(f"{'':>12}  server CPU ms per document: {per_doc}", flush=True)
    print(f"{'':>12}  load average {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    args = _parse()
    if args.floor_server:
        floor_server(args.floor_server)
        return
    levels = args.concurrency or [1, 8]
    n = args.documents
    kinds = ["full", "normal", *(["postgres"] if args.postgres else [])]
    trees: Trees = {"": ([sys.executable], None, args.postgres)}
    if args.baseline:
        if args.postgres and not args.baseline_postgres:
            raise SystemExit("--baseline with --postgres needs --baseline-postgres (another database)")
        python = str(args.baseline.resolve() / ".venv" / "bin" / "python")
        trees["old "] = ([python], args.baseline.resolve(), args.baseline_postgres)
    for _, _, pg in trees.values():
        if pg:
            _empty_postgres(pg)
    modes = [f"{prefix}{m}" for prefix in trees for m in kinds]
    with tempfile.TemporaryDirectory(prefix="iodef-bench-") as tmp:
        servers: Servers = {}
        fport = free_port()
        floor = subprocess.Popen(
            [sys.executable, str(HERE), "--floor-server", str(fport)], stderr=subprocess.DEVNULL
        )
        try:
            _start(modes, trees, tmp, servers)
            wait_listening(floor, fport)
            print(
                f"{n:,} documents of {len(make_doc(0))} bytes; plain HTTP on 127.0.0.1; {os.cpu_count()} CPUs"
            )
            print(
                f"iodef serve, validation on: {', '.join(modes)} "
                "(SQLite WAL with --sqlite-sync full/normal; PostgreSQL)"
                + (f"; old = {args.baseline}" if args.baseline else "")
            )
            header = ["concurrency", *(f"serve {m}" for m in modes), "floor", *(f"ratio {m}" for m in modes)]
            print("  ".join(f"{h:>12}" for h in header))
            offset = 0
            targets = {"floor": (floor, fport), **{m: (proc, port) for m, (proc, port, _) in servers.items()}}
            for level in levels:
                docs = [make_doc(offset + i) for i in range(n)]
                offset += n
                wall, cpu = _level(targets, docs, level, args.rounds)
                _report(level, n, modes, wall, cpu)
            for mode, (_, _, db) in servers.items():
                pg = trees["old " if mode.startswith("old ") else ""][2]
                stored = _stored(pg) if mode.endswith("postgres") and pg else _stored_sqlite(db)
                if stored != offset:
                    raise SystemExit(f"{mode}: stored {stored:,} documents, expected {offset:,}")
            print(f"each server stored all {offset:,} documents")
        finally:
            for proc, _, _ in servers.values():
                stop(proc)
            stop(floor)


if __name__ == "__main__":
    main()
