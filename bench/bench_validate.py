"""Benchmark `iodef validate` against xmllint (the floor) and xmlschema alone.

    python bench/bench_validate.py [--docs 10000] [--invalid 0.05] [--repeat 3] [--dir DIR]

Generates DOCS IODEF v2 documents (a mix of sizes: 70 % with 1-3 events, 25 % with 5-20, 5 % with
40-120; a share INVALID of them breaks the schema in one of five ways), then times, each as one run
over the whole directory:

* ``xmllint --noout --nonet --schema iodef-2.0.xsd FILES`` (libxml2-utils), the schema imports
  resolved offline through a generated XML catalog (XML_CATALOG_FILES);
* ``iodef validate DIR`` (schema and RFC rules, readable reports for the invalid documents);
* ``iodef validate --jobs 2 DIR``;
* xmlschema alone: one Python process validating every file with ``XMLSchema10.iter_errors``.

Prints the median wall and CPU times of REPEAT runs (the machine may be shared: the median is
steadier than one run, and the CPU time, user + system of every process of the command, steadier
than the wall time), the ratios to xmllint, checks that every tool found the same number of
invalid documents, and writes ``bench/results/validate.json``.
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
from typing import Any

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
        "iodef validate": ([iodef_cmd, "validate", str(docs_dir)], None),
        "iodef validate --jobs 2": ([iodef_cmd, "validate", "--jobs", "2", str(docs_dir)], None),
    }
    if not args.skip_xmlschema:
        tools["xmlschema alone"] = ([sys.executable, str(alone), str(docs_dir)], None)

    if args.only:
        tools = {name: tool for name, tool in tools.items() if name in args.only or name == "xmllint"}
    results: dict[str, dict[str, Any]] = {}
    for name, (cmd, cmd_env) in tools.items():
        times = []
        cpus = []
        proc = None
        for _ in range(args.repeat if name != "xmlschema alone" else 1):
            elapsed, cpu, proc = run(cmd, cmd_env)
            times.append(elapsed)
            cpus.append(cpu)
        assert proc is not None
        if name == "xmllint":
            found = proc.stderr.count(" fails to validate")
        elif name.startswith("iodef"):
            m = re.search(r"(\d+) invalid", proc.stdout.splitlines()[-1] if proc.stdout else "")
            found = int(m.group(1)) if m else -1
        else:
            found = int(proc.stdout.strip() or -1)
        wall, cpu = statistics.median(times), statistics.median(cpus)
        results[name] = {
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            "runs": len(times),
            "wall_runs": [round(t, 3) for t in times],
            "cpu_runs": [round(c, 3) for c in cpus],
            "invalid_found": found,
        }
        print(f"{name:28s} {wall:7.2f} s wall {cpu:7.2f} s cpu (medians)   invalid found: {found}")

    floor = float(results["xmllint"]["seconds"])
    floor_cpu = float(results["xmllint"]["cpu_seconds"])
    print(f"\nratios to xmllint ({floor:.2f} s wall, {floor_cpu:.2f} s cpu: the floor):")
    for name, r in results.items():
        r["ratio"] = round(float(r["seconds"]) / floor, 2)
        r["cpu_ratio"] = round(float(r["cpu_seconds"]) / floor_cpu, 2)
        print(f"  {name:28s} wall {r['ratio']:6.2f}   cpu {r['cpu_ratio']:6.2f}")
    agree = len({r["invalid_found"] for r in results.values()}) == 1
    print("every tool found the same invalid documents" if agree else "WARNING: the tools disagree")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "validate.json").write_text(
        json.dumps(
            {
                "docs": len(files),
                "bytes": size,
                "invalid": n_invalid,
                "cpus": os.cpu_count(),
                "results": results,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
