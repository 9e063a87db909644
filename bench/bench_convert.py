"""Benchmark ``iodef convert`` against the floor of reading the same file with the stdlib ``csv``.

Generates 1,000,000 Zeek ``rdp.log`` lines (TSV), 1,000,000 SMS spam-report rows (GSMA 7726
style CSV), 1,000,000 Windows Security events as ``evtx_dump -o jsonl`` writes them, and the Zeek
log gzip-compressed (a rotated ``rdp.log.gz``), then runs, each in its own subprocess so that peak
RSS is measured per run:

- the floor: ``csv.reader`` over the file (tab-delimited for Zeek, through ``gzip.open`` for the
  compressed one), touching every row;
- ``iodef convert rat|spam FILE -o OUT`` (the installed command, streaming writer);
- with ``--baseline DIR`` (a checkout of an earlier commit), the same conversion by that code, in
  the same run, so that before/after ratios are measured side by side.

Prints records/s, the time ratio to the floor and the peak RSS of each. Goal: within 5x of the
floor, peak RSS under 200 MB whatever the input size.

    python bench/bench_convert.py [--lines 1000000] [--keep DIR] [--repeat 3] [--baseline DIR]
                                  [--only zeek --only sms ...]

The machine may be shared: ``--repeat`` alternates floor and convert runs and reports the
medians of wall time, CPU time and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZEEK_HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\trdp\n"
    "#open\t2025-03-01-00-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcookie\tresult\tsecurity_protocol"
    "\tclient_channels\tkeyboard_layout\tclient_build\tclient_name\tclient_dig_product_id\tdesktop_width"
    "\tdesktop_height\trequested_color_depth\tcert_type\tcert_count\tcert_permanent\tencryption_level"
    "\tencryption_method\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tvector[string]\tstring\tstring"
    "\tstring\tstring\tcount\tcount\tstring\tstring\tcount\tbool\tstring\tstring\n"
)
USERS = ["administrator", "admin", "operator", "scada", "user", "test", "guest", "hmi", "eng", "backup"]


def gen_zeek(path: Path, n: int, rng: random.Random) -> None:
    """Brute-force bursts of 500 attempts from 2,000 rotating sources, every tenth burst ending in a
    success, plus one encrypted session in twenty from the plant's own clients."""
    t = 1740787200.0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(ZEEK_HEADER)
        for i in range(n):
            t += 0.5
            burst = i // 500
            if i % 20 == 19:
                src = f"10.20.{rng.randrange(4)}.{rng.randrange(2, 250)}"
                cookie, result, proto = "-", "encrypted", "HYBRID"
            else:
                src = f"{198 + burst % 3}.{51 + burst % 7}.{burst % 200}.{(burst * 7) % 250 + 1}"
                cookie = USERS[i % len(USERS)]
                result = "Success" if (i % 500 == 499 and burst % 10 == 0) else "User authentication failed"
                proto = "RDP"
            fh.write(
                f"{t:.6f}\tC{i:x}\t{src}\t{49152 + i % 16000}\t10.20.0.{5 + burst % 3}\t3389"
                f"\t{cookie}\t{result}"
                f"\t{proto}\trdpdr,cliprdr\tEnglish - United States\tRDP 8.1\tWIN-{burst % 97}\t-\t1024\t768"
                "\t24bit\t-\t0\t-\t-\t-\n"
            )
        fh.write("#close\t2025-03-07-00-00-00\n")


def gen_sms(path: Path, n: int, rng: random.Random) -> None:
    """Reports of 1,000 campaigns (1,000 reports each, from one sender to many subscribers)."""
    bodies = [
        "Your parcel is held. Pay GBP1.99 at https://parcel-fee{0}.example/pay",
        "Your bank account is locked, verify at https://bank-verify{0}.example/login",
        "You won a prize! Reply YES or call 0900{0}",
    ]
    t = 1740787200
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(
            "report_id,reported_at,reporter_msisdn,reporter_operator,spam_sender,spam_text,received_at\r\n"
        )
        for i in range(n):
            camp = i // 1000
            t += 1
            sender = f"+4477009{camp % 1000:05d}"
            body = bodies[camp % 3].format(camp % 50)
            rcpt = f"+4477{rng.randrange(10**8):08d}"
            rec = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t - 60))
            rep = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
            fh.write(f'R{i},{rep},{rcpt},ExampleMobile,{sender},"{body}",{rec}\r\n')


def gen_winevt(path: Path, n: int, rng: random.Random) -> None:
    """Security 4625 bursts from rotating sources against one server, a 4624 (LogonType 10) ending
    every tenth burst, one record per line in the shape ``evtx_dump -o jsonl`` writes."""
    import json

    t = 1740787200.0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for i in range(n):
            t += 0.5
            burst = i // 500
            ok = i % 500 == 499 and burst % 10 == 0
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1e6) % 1000000:06d}Z"
            data = {
                "SubjectUserSid": "S-1-0-0",
                "TargetUserName": USERS[i % len(USERS)],
                "TargetDomainName": "PLANT",
                "Status": "0x0" if ok else "0xc000006d",
                "LogonType": 10 if ok else 3,
                "WorkstationName": f"WS-{burst % 97}",
                "IpAddress": f"{198 + burst % 3}.{51 + burst % 7}.{burst % 200}.{(burst * 7) % 250 + 1}",
                "IpPort": str(49152 + i % 16000),
                "AuthenticationPackageName": "NTLM",
            }
            event = {
                "Event": {
                    "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
                    "System": {
                        "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
                        "EventID": 4624 if ok else 4625,
                        "TimeCreated": {"#attributes": {"SystemTime": stamp}},
                        "EventRecordID": i + 1,
                        "Channel": "Security",
                        "Computer": "hmi-01.plant.example",
                    },
                    "EventData": data,
                }
            }
            fh.write(json.dumps(event, separators=(",", ":")) + "\n")


def gen_gzip(path: Path, n: int, rng: random.Random) -> None:
    """The Zeek log of gen_zeek, gzip-compressed as log rotation leaves it."""
    import gzip

    plain = path.with_name(path.name + ".plain")
    gen_zeek(plain, n, rng)
    with plain.open("rb") as src, gzip.open(path, "wb", compresslevel=6) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    plain.unlink()


FLOOR = (
    "import csv, gzip, sys\n"
    "n = 0\n"
    "opener = gzip.open if sys.argv[1].endswith('.gz') else open\n"
    "with opener(sys.argv[1], 'rt', newline='', encoding='utf-8') as fh:\n"
    "    for row in csv.reader(fh, delimiter=sys.argv[2]):\n"
    "        n += len(row) > 0\n"
    "print(n)\n"
)


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one subprocess.

    CPU time is reported beside wall time because the machine may be shared: it is the steadier
    measure of the work done."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:  # a baseline may refuse an input the new code reads (a .gz)
        print(f"    refused (exit {status >> 8}): {err.strip().splitlines()[0] if err.strip() else ''}")
        return float("nan"), float("nan"), usage.ru_maxrss / 1024
    if err.strip():
        print("   ", err.strip().splitlines()[-1])
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="keep the generated inputs and outputs here")
    ap.add_argument(
        "--repeat", type=int, default=1, help="run floor and convert this many times each; report medians"
    )
    ap.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of an earlier commit: convert with its code too, side by side",
    )
    ap.add_argument(
        "--only", action="append", help="run only the inputs whose label contains this (repeatable)"
    )
    args = ap.parse_args()
    iodef_cmd = shutil.which("iodef", path=os.path.dirname(sys.executable)) or shutil.which("iodef")
    if not iodef_cmd:
        sys.exit("the iodef command is not installed (pip install -e .)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="iodef-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7970)
    cases = [
        ("Zeek rdp.log", "rat", "zeek-tsv", "\t", work / "rdp.log", gen_zeek),
        ("SMS 7726 CSV", "spam", "sms-csv", ",", work / "sms.csv", gen_sms),
        ("Windows evtx_dump JSON", "rat", "winevt-json", "\t", work / "security.jsonl", gen_winevt),
        ("Zeek rdp.log.gz", "rat", "zeek-tsv", "\t", work / "rdp.log.gz", gen_gzip),
    ]
    if args.only:
        cases = [c for c in cases if any(o.lower() in c[0].lower() for o in args.only)]
    try:
        for label, family, fmt, delim, path, gen in cases:
            t0 = time.perf_counter()
            gen(path, args.lines, rng)
            size = path.stat().st_size / 2**20
            print(
                f"{label}: {args.lines:,} records, {size:.0f} MiB, "
                f"generated in {time.perf_counter() - t0:.1f}s"
            )
            out = work / f"{family}.xml"
            convert_args = ["convert", family, str(path), "-o", str(out), "--name", "bench.example"]
            if not path.name.endswith(".gz"):
                convert_args += ["--from", fmt]  # a .gz input shows the detection by magic bytes
            commands = {"iodef convert": [iodef_cmd, *convert_args]}
            if args.baseline is not None:
                # main() as the installed command calls it (``app`` would import every command)
                launcher = (
                    f"import sys; sys.path.insert(0, {str(args.baseline)!r}); "
                    "sys.argv[0] = 'iodef'; from iodef.cli.main import main; main()"
                )
                commands["baseline"] = [sys.executable, "-c", launcher, *convert_args]
            load_before = os.getloadavg()
            floor_runs: list[tuple[float, float, float]] = []
            runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in commands}
            for _ in range(args.repeat):  # alternate, so that a busy spell hits all alike
                floor_runs.append(run([sys.executable, "-c", FLOOR, str(path), delim]))
                for key, cmd in commands.items():
                    runs[key].append(run(cmd))
            floor_s, floor_cpu, floor_rss = (statistics.median(x) for x in zip(*floor_runs, strict=True))
            if args.repeat > 1:
                print(f"  medians of {args.repeat} alternating runs")
            print(
                f"  floor (csv module): {floor_s:6.2f}s wall {floor_cpu:6.2f}s CPU "
                f"{args.lines / floor_s:>10,.0f} rec/s  peak RSS {floor_rss:6.1f} MiB"
            )
            for key, measured in runs.items():
                conv_s, conv_cpu, conv_rss = (statistics.median(x) for x in zip(*measured, strict=True))
                print(
                    f"  {key:<18}: {conv_s:6.2f}s wall {conv_cpu:6.2f}s CPU "
                    f"{args.lines / conv_s:>10,.0f} rec/s  peak RSS {conv_rss:6.1f} MiB  "
                    f"ratio {conv_s / floor_s:5.2f}x wall, {conv_cpu / floor_cpu:5.2f}x CPU"
                )
            load_after = os.getloadavg()
            print(
                "  (goal: ratio <= 5x, peak RSS < 200 MiB; load averages 1/5/15 min "
                f"{'/'.join(f'{x:.2f}' for x in load_before)} before, "
                f"{'/'.join(f'{x:.2f}' for x in load_after)} after: ratios grow with load)"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
