"""Benchmark `iodef validate` against xmllint (the floor) and xmlschema alone.

    python bench/bench_validate.py [--docs 10000] [--invalid 0.05] [--repeat 3] [--dir DIR]
                                   [--big-mb 11.7] [--skip-big] [--skip-xmlschema]

Generates DOCS IODEF v2 documents (a mix of sizes: 70 % with 1-3 events, 25 % with 5-20, 5 % with
40-120; a share INVALID of them breaks the schema in one of five ways), then times, each as one run
over the whole directory:

* ``xmllint --noout --nonet --schema iodef-2.0.xsd FILES`` (libxml2-utils), the schema imports
  resolved offline through a generated XML catalog (XML_CATALOG_FILES);
* ``iodef validate DIR`` with default options (schema and RFC rules, readable reports for the
  invalid documents; one worker per CPU for this many files);
* ``iodef validate --jobs 1 DIR`` (one process);
* then one valid document of BIG_MB MB (one Incident with thousands of events), xmllint (with
  ``--huge``) against ``iodef validate FILE``;
* xmlschema alone, once: one Python process validating every file with ``XMLSchema10.iter_errors``.

The machine may be shared, so the tools run alternately, REPEAT rounds, and each round's times
are divided by that round's xmllint times: the medians of those per-round ratios are reported,
for wall time and for CPU time (user + system of every process of the command), with the load
average at each round. Checks that every tool found the same number of invalid documents and
writes ``bench/results/validate.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<IODEF-Document version="2.00" xml:lang="en" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="{purpose}" restriction="green">
    <IncidentID name="csirt.example.org">{iid}</IncidentID>
    <DetectTime>2026-11-{day:02d}T07:30:00Z</DetectTime>
    <StartTime>2026-11-{day:02d}T06:00:00Z</StartTime>
    <GenerationTime>{gen}</GenerationTime>
    <Description>Scanning and brute force against customer hosts, batch {n}</Description>
    <Assessment>
      <SystemImpact severity="medium" completion="succeeded" type="breach-privacy">
        <Description>Credentials may have been exposed</Description>
      </SystemImpact>
      <Confidence rating="high"/>
    </Assessment>
    <Contact role="creator" type="organization">
      <ContactName>Example CSIRT</ContactName>
      <Email><EmailTo>incidents@csirt.example.org</EmailTo></Email>
    </Contact>
"""
EVENT = """    <EventData>
      <Description>Event {k}: connections from a scanner</Description>
      <DetectTime>2026-11-{day:02d}T07:{minute:02d}:00Z</DetectTime>
      <Flow>
        <System category="source">
          <Node><Address category="ipv4-addr">198.51.100.{a}</Address></Node>
          <Service ip-protocol="6"><Port>{port}</Port></Service>
        </System>
        <System category="target">
          <Node>
            <DomainData><Name>host{k}.example.net</Name></DomainData>
            <Address category="ipv6-addr">2001:db8::{k:x}</Address>
          </Node>
          <Service ip-protocol="6"><Portlist>22,80,443,8000-8080</Portlist></Service>
        </System>
      </Flow>
      <Record>
        <RecordData>
          <DateTime>2026-11-{day:02d}T07:{minute:02d}:30Z</DateTime>
          <RecordItem dtype="string">sshd[{a}]: Failed password for root from 198.51.100.{a}</RecordItem>
        </RecordData>
      </Record>
    </EventData>
"""
TAIL = """  </Incident>
</IODEF-Document>
"""

BREAKS = (
    ("bad enumeration", lambda d: d.replace('purpose="reporting"', 'purpose="reportin"', 1)),
    (
        "unexpected element",
        lambda d: d.replace("    <Contact ", "    <Phone>+1 555 0100</Phone>\n    <Contact ", 1),
    ),
    ("bad dateTime", lambda d: re.sub(r"<GenerationTime>[^<]*", "<GenerationTime>yesterday", d, count=1)),
    ("missing attribute", lambda d: d.replace('<IncidentID name="csirt.example.org">', "<IncidentID>", 1)),
    ("bad integer", lambda d: d.replace("<Port>", "<Port>ssh", 1)),
)


def generate(directory: Path, docs: int, invalid: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    n_invalid = round(docs * invalid)
    bad = set(rng.sample(range(docs), n_invalid))
    for n in range(docs):
        r = rng.random()
        events = rng.randint(1, 3) if r < 0.70 else rng.randint(5, 20) if r < 0.95 else rng.randint(40, 120)
        day = rng.randint(1, 19)
        parts = [
            HEAD.format(
                purpose="reporting", iid=f"2026-{n:06d}", day=day, gen=f"2026-11-{day + 1:02d}T08:00:00Z", n=n
            )
        ]
        for k in range(events):
            parts.append(
                EVENT.format(
                    k=k + 1, day=day, minute=k % 60, a=rng.randint(1, 254), port=rng.randint(1, 65535)
                )
            )
        parts.append(TAIL)
        text = "".join(parts)
        if n in bad:
            text = BREAKS[n % len(BREAKS)][1](text)
        sub = directory / f"{n // 1000:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc{n:06d}.xml").write_text(text, encoding="utf-8")
    return n_invalid


def write_catalog(path: Path) -> None:
    from iodef.validate.schema import IMPORT_MAP, schema_dir

    base = schema_dir()
    lines = ['<?xml version="1.0"?>', '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">']
    for location, (_ns, file) in sorted(IMPORT_MAP.items()):
        uri = (base / file).as_uri()
        lines.append(f'  <uri name="{location}" uri="{uri}"/>')
        lines.append(f'  <system systemId="{location}" uri="{uri}"/>')
    lines.append("</catalog>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


XMLSCHEMA_ALONE = """
import sys, pathlib
from xml.etree import ElementTree
from iodef.validate.profiles import xmlschema_for
schema = xmlschema_for("rfc7970")  # the offline schema, sandboxed: the documents are parsed here
bad = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.xml")):
    root = ElementTree.parse(path).getroot()
    errors = [str(e) for e in schema.iter_errors(root)]
    bad += bool(errors)
print(bad)
"""


def run(
    cmd: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds, CPU seconds (user + system, all processes of the command) and the result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def count_invalid(name: str, proc: subprocess.CompletedProcess[str]) -> int:
    if name == "xmllint":
        return proc.stderr.count(" fails to validate")
    m = re.search(r"(\d+) invalid, (\d+) unreadable", proc.stdout.splitlines()[-1] if proc.stdout else "")
    return int(m.group(1)) + int(m.group(2)) if m else -1


#: the environment of the Python tools: bytecode may be written (a shell that sets
#: PYTHONDONTWRITEBYTECODE would otherwise make every run compile the modules it imports anew,
#: which an installed tool does not do)
PY_ENV: Final = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def warm_up(tools: dict[str, tuple[list[str], dict[str, str] | None]]) -> None:
    """Run each tool once, untimed, on a few documents (valid and invalid) of its own directory.

    Every Python module the timed runs import then has its bytecode written, old and new tree
    alike, and the files are in the page cache.
    """
    sample = Path(tempfile.mkdtemp(prefix="iodef-bench-warm-"))
    try:
        for cmd, cmd_env in tools.values():
            target = Path(cmd[-1])
            if target.is_dir():
                if not any(sample.iterdir()):
                    paths = sorted(target.rglob("*.xml"))
                    for i, path in enumerate(paths[:: max(1, len(paths) // 200)]):
                        (sample / f"{i}.xml").write_bytes(path.read_bytes())
                run([*cmd[:-1], str(sample)], cmd_env)
            else:
                run(cmd, cmd_env)
    finally:
        shutil.rmtree(sample, ignore_errors=True)


def time_alternately(
    tools: dict[str, tuple[list[str], dict[str, str] | None]],
    repeat: int,
    count: Any,
) -> dict[str, dict[str, Any]]:
    """Run every tool once per round, xmllint first, REPEAT rounds; ratios are taken per round.

    Other work on the machine then weighs on xmllint and iodef alike: each round's ratio compares
    runs a few seconds apart, and the median of the per-round ratios is what is reported.
    """
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in tools}
    found: dict[str, int] = {}
    loads = []
    warm_up(tools)
    for _ in range(repeat):
        loads.append(os.getloadavg()[0])
        for name, (cmd, cmd_env) in tools.items():
            wall, cpu, proc = run(cmd, cmd_env)
            runs[name].append((wall, cpu))
            found[name] = count(name, proc)
    base = runs["xmllint"]
    results: dict[str, dict[str, Any]] = {}
    for name, rows in runs.items():
        results[name] = {
            "seconds": round(statistics.median(w for w, _ in rows), 3),
            "cpu_seconds": round(statistics.median(c for _, c in rows), 3),
            "ratio": round(statistics.median(w / b[0] for (w, _), b in zip(rows, base, strict=True)), 2),
            "cpu_ratio": round(statistics.median(c / b[1] for (_, c), b in zip(rows, base, strict=True)), 2),
            "wall_runs": [round(w, 3) for w, _ in rows],
            "cpu_runs": [round(c, 3) for _, c in rows],
            "invalid_found": found[name],
            "load_average_1min": loads,
        }
    return results


def report(title: str, results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{title}: medians of the per-round ratios to xmllint (run alternately)")
    for name, r in results.items():
        print(
            f"  {name:26s} wall {r['seconds']:7.2f} s ({r['ratio']:5.2f}x)   "
            f"cpu {r['cpu_seconds']:7.2f} s ({r['cpu_ratio']:5.2f}x)   invalid found: {r['invalid_found']}"
        )
    print(f"  1-minute load average at each round: {', '.join(f'{x:.1f}' for x in r['load_average_1min'])}")


def write_big(path: Path, megabytes: float) -> int:
    """One valid document of about MEGABYTES MB: one Incident with as many events as it takes."""
    rng = random.Random(11)
    head = HEAD.format(purpose="reporting", iid="2026-big", day=3, gen="2026-11-04T08:00:00Z", n=0)
    parts = [head]
    size = len(head) + len(TAIL)
    k = 0
    while size < megabytes * 1e6:
        k += 1
        event = EVENT.format(k=k, day=3, minute=k % 60, a=rng.randint(1, 254), port=rng.randint(1, 65535))
        parts.append(event)
        size += len(event)
    parts.append(TAIL)
    path.write_text("".join(parts), encoding="utf-8")
    return k


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--invalid", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="keep the generated documents here")
    parser.add_argument("--skip-xmlschema", action="store_true", help="do not time xmlschema alone (slow)")
    parser.add_argument(
        "--compare",
        default=None,
        help="another iodef command (e.g. an older checkout's) to time the same way, as 'before'",
    )
    parser.add_argument("--skip-big", action="store_true", help="do not time the one big document")
    parser.add_argument("--big-mb", type=float, default=11.7, help="size of the one big document (MB)")
    parser.add_argument(
        "--only", action="append", default=None, help="time only this tool (repeatable), e.g. xmllint"
    )
    args = parser.parse_args()

    xmllint = shutil.which("xmllint")
    iodef_cmd = shutil.which("iodef")
    if xmllint is None:
        sys.exit("xmllint not found: apt-get install libxml2-utils")
    if iodef_cmd is None:
        sys.exit("the iodef command is not installed: pip install -e .")
    from iodef.validate.schema import schema_dir

    work = Path(tempfile.mkdtemp(prefix="iodef-bench-"))
    docs_dir = args.dir or work / "docs"
    if docs_dir.exists() and any(docs_dir.rglob("*.xml")):
        print(f"reusing the documents in {docs_dir}")
        n_invalid = round(args.docs * args.invalid)
    else:
        t = time.perf_counter()
        n_invalid = generate(docs_dir, args.docs, args.invalid)
        print(f"generated {args.docs} documents ({n_invalid} invalid) in {time.perf_counter() - t:.1f} s")
    files = sorted(str(p) for p in docs_dir.rglob("*.xml"))
    size = sum(os.path.getsize(f) for f in files)
    print(f"{len(files)} files, {size / 1e6:.1f} MB, in {docs_dir}")

    catalog = work / "catalog.xml"
    write_catalog(catalog)
    env = dict(os.environ, XML_CATALOG_FILES=str(catalog))
    alone = work / "xmlschema_alone.py"
    alone.write_text(XMLSCHEMA_ALONE, encoding="utf-8")

    tools: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "xmllint": (
            [xmllint, "--noout", "--nonet", "--schema", str(schema_dir() / "iodef-2.0.xsd"), *files],
            env,
        ),
        "iodef validate": ([iodef_cmd, "validate", str(docs_dir)], PY_ENV),
        "iodef validate --jobs 1": ([iodef_cmd, "validate", "--jobs", "1", str(docs_dir)], PY_ENV),
    }
    if args.compare:
        tools["before: iodef validate"] = ([args.compare, "validate", str(docs_dir)], PY_ENV)
        tools["before: --jobs 2"] = ([args.compare, "validate", "--jobs", "2", str(docs_dir)], PY_ENV)
    if args.only:
        tools = {name: tool for name, tool in tools.items() if name in args.only or name == "xmllint"}
    results = time_alternately(tools, args.repeat, count_invalid)
    report("directory", results)
    agree = len({r["invalid_found"] for r in results.values()}) == 1
    print("every tool found the same invalid documents" if agree else "WARNING: the tools disagree")

    big_results: dict[str, dict[str, Any]] = {}
    if not args.skip_big:
        big = work / "big.xml"
        events = write_big(big, args.big_mb)
        print(f"\none document of {big.stat().st_size / 1e6:.1f} MB ({events} events): {big}")
        big_tools: dict[str, tuple[list[str], dict[str, str] | None]] = {
            "xmllint": (
                [
                    xmllint,
                    "--noout",
                    "--nonet",
                    "--huge",
                    "--schema",
                    str(schema_dir() / "iodef-2.0.xsd"),
                    str(big),
                ],
                env,
            ),
            "iodef validate": ([iodef_cmd, "validate", str(big)], PY_ENV),
        }
        if args.compare:
            big_tools["before: iodef validate"] = ([args.compare, "validate", str(big)], PY_ENV)
        big_results = time_alternately(big_tools, args.repeat, count_invalid)
        report("one big document", big_results)

    if not args.skip_xmlschema:
        wall, cpu, proc = run([sys.executable, str(alone), str(docs_dir)])
        floor = results["xmllint"]
        print(
            f"\nxmlschema alone (one run): {wall:.2f} s wall ({wall / floor['seconds']:.1f}x xmllint), "
            f"{cpu:.2f} s cpu ({cpu / floor['cpu_seconds']:.1f}x), invalid found: {proc.stdout.strip()}"
        )
        results["xmlschema alone"] = {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3)}
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "validate.json").write_text(
        json.dumps(
            {
                "docs": len(files),
                "bytes": size,
                "invalid": n_invalid,
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "results": results,
                "big_document": big_results,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    shutil.rmtree(work, ignore_errors=True)  # the catalog, the big document (and the documents unless --dir)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
