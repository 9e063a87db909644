"""``iodef validate``: check IODEF documents against the schema and the RFC 7970 rules.

A thin face over :func:`iodef.validate.check`: files, directories (recursive, ``*.xml``), globs and
``-`` for standard input, in any mix; text or JSON Lines on stdout; a progress bar on stderr when
it is a terminal; ``--jobs N`` spreads the documents over N worker processes, each of which
compiles the schemas once (they are built before the workers fork, where the platform forks);
without ``--jobs``, a run of many files uses one worker per CPU (:func:`default_jobs`).
"""

from __future__ import annotations

import dataclasses
import gc
import glob
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from iodef.errors import IODEFError
from iodef.safexml import DEFAULT_MAX_BYTES
from iodef.validate import Issue, Report, _explain_rejected, _quick_check, _Rejected, check

from ._choices import PROFILE_HELP, OutputFormat, Profile
from ._console import Quiet, info, paint, progress_wanted
from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE, app

__all__ = ["DocResult", "validate_command"]

_GLOB_CHARS = frozenset("*?[")
_PROGRESS_MIN_FILES = 5
#: without --jobs, this many documents or more are spread over one worker per CPU: below it,
#: starting the workers costs more than it saves (a typical document takes about half a ms)
_PARALLEL_MIN_FILES = 64


def _cpus() -> int:
    """The CPUs this process may run on (the affinity mask, where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def default_jobs(n_files: int, jobs: int | None) -> int:
    """The worker count: *jobs* when given, else one per CPU for a run of many files."""
    if jobs is not None:
        return jobs
    return _cpus() if n_files >= _PARALLEL_MIN_FILES else 1


@dataclass(frozen=True, slots=True)
class DocResult:
    """What the run learnt about one input (small, so that workers send it back cheaply)."""

    name: str
    status: str  # "valid", "invalid" or "unreadable"
    version: str | None
    profile: str | None
    issues: tuple[Issue, ...]
    io_error: bool = False  # the file could not be opened or read (exit 3), as opposed to bad content

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "status": self.status,
            "version": self.version,
            "profile": self.profile,
            "errors": sum(1 for i in self.issues if i.severity == "error"),
            "warnings": sum(1 for i in self.issues if i.severity == "warning"),
            "issues": [i.to_dict() for i in self.issues],
        }


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class _Job:
    name: str
    data: bytes | None = None  # standard input, read up front
    missing: str | None = None  # why the argument named nothing
    max_bytes: int = DEFAULT_MAX_BYTES  # --max-bytes: documents above it are refused unread


def _expand(args: Iterable[str]) -> Iterator[_Job]:
    for arg in args:
        if arg == "-":
            yield _Job("<stdin>", data=sys.stdin.buffer.read())
            continue
        path = Path(arg)
        if path.is_dir():
            yield from _walk(path)
        elif path.exists() or os.path.lexists(arg):
            yield _Job(arg)
        elif _GLOB_CHARS & set(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                yield _Job(arg, missing="the pattern matches no file")
            for match in matches:
                if Path(match).is_dir():
                    yield from _walk(Path(match))
                else:
                    yield _Job(match)
        else:
            yield _Job(arg, missing="no such file or directory")


def _walk(top: Path) -> Iterator[_Job]:
    found: list[str] = []

    def refuse(exc: OSError) -> None:
        raise exc

    for dirpath, dirnames, filenames in os.walk(top, onerror=refuse):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(os.path.join(dirpath, f) for f in filenames if f.lower().endswith(".xml"))
    for name in sorted(found):
        yield _Job(name)


# --------------------------------------------------------------------------- checking one document


def _unreadable(name: str, exc: IODEFError | OSError) -> DocResult:
    if isinstance(exc, IODEFError):
        issue = Issue("error", exc.path or "-", exc.line, exc.column, "unreadable", exc.message)
    else:
        issue = Issue("error", "-", None, None, "unreadable", f"cannot read file: {exc.strerror or exc}")
    io_error = isinstance(exc, OSError) or isinstance(exc.__cause__, OSError)
    return DocResult(name, "unreadable", None, None, (issue,), io_error)


def check_one(job: _Job, profile: str, strict: bool, rules: bool = True) -> DocResult:
    """Check one input; never raises for a bad document (it becomes an ``unreadable`` result)."""
    result = _check_one(job, profile, strict, rules, explain=True)
    assert isinstance(result, DocResult)
    return result


def _check_one(job: _Job, profile: str, strict: bool, rules: bool, explain: bool) -> DocResult | _Rejected:
    """:func:`check_one`; with ``explain=False``, for a document libxml2 finds invalid in a way
    only xmlschema explains, what a worker found (:func:`_finish_rejected` completes it where
    xmlschema is loaded)."""
    if job.missing is not None:
        issue = Issue("error", "-", None, None, "unreadable", job.missing)
        return DocResult(job.name, "unreadable", None, None, (issue,), io_error=True)
    try:
        source: bytes | str = job.data if job.data is not None else job.name
        source, from_json = _rfc8727_hook(source, job.name)
        if explain or from_json is not None:
            report = check(
                source, profile=profile, rules=rules, source_name=job.name, max_bytes=job.max_bytes
            )
        else:
            quick = _quick_check(
                source, profile=profile, rules=rules, source_name=job.name, max_bytes=job.max_bytes
            )
            if isinstance(quick, _Rejected):
                return quick
            report = quick
    except (IODEFError, OSError) as exc:
        return _unreadable(job.name, exc)
    return _result(job, report, from_json, strict)


def _result(job: _Job, report: Report, from_json: tuple[Issue, ...] | None, strict: bool) -> DocResult:
    issues = report.issues
    if from_json is not None:  # lines of the XML made from JSON/CBOR would mislead: paths only
        issues = from_json + tuple(dataclasses.replace(i, line=None, column=None) for i in issues)
    failed = not report.valid or bool(from_json) or (strict and bool(issues))
    return DocResult(job.name, "invalid" if failed else "valid", report.version, report.profile, issues)


def _finish_rejected(job: _Job, rejected: _Rejected, profile: str, strict: bool, rules: bool) -> DocResult:
    """The result of a document a worker found invalid: only its explanation is worked out here
    (the whole check again if the file changed meanwhile)."""
    source: bytes | str = job.data if job.data is not None else job.name
    try:
        report = _explain_rejected(source, rejected, source_name=job.name, max_bytes=job.max_bytes)
    except (IODEFError, OSError) as exc:
        return _unreadable(job.name, exc)
    if report is None:
        return check_one(job, profile, strict, rules)
    return _result(job, report, None, strict)


# --------------------------------------------------------------------------- RFC 8727 JSON / CBOR input


def _rfc8727_hook(source: bytes | str, name: str) -> tuple[bytes | str, tuple[Issue, ...] | None]:
    """JSON and CBOR documents (RFC 8727, detected by content) checked as the XML they hold.

    Only files named ``*.json``/``*.cbor`` and standard input are sniffed; XML passes untouched.
    The JSON Schema's findings come first, as errors with rule ``json-schema``.
    """
    if isinstance(source, str):
        if not source.lower().endswith((".json", ".cbor")):
            return source, None
        try:
            data = Path(source).read_bytes()
        except OSError:
            return source, None  # check() reports the unreadable file as before
    else:
        data = source
    from iodef.json import binding_to_xml

    converted = binding_to_xml(data, name)
    if converted is None:
        return source, None
    xml, findings = converted
    return xml, tuple(Issue("error", path, None, None, "json-schema", message) for path, message in findings)


# worker state: set in the parent before the workers fork (or once per worker by _init_worker)
_worker_args: tuple[str, bool, bool] = ("rfc7970", False, True)
_worker_jobs: list[_Job] = []

#: what a worker sends back for a document that is valid without any issue (most of them):
#: its version and profile
_Compact = tuple[str | None, str | None]


def _init_worker(profile: str, strict: bool, rules: bool, jobs: list[_Job] | None) -> None:
    global _worker_args, _worker_jobs
    _worker_args = (profile, strict, rules)
    if jobs is not None:  # not forked: the jobs come pickled, once per worker
        _worker_jobs = jobs
    from iodef.validate.decider import decider_schema

    decider_schema(profile)  # already compiled when forked; compiled once here otherwise
    gc.freeze()


def _work(span: tuple[int, int]) -> list[DocResult | _Rejected | _Compact]:
    """Check the jobs ``span`` (start, stop) and return small results, in order."""
    profile, strict, rules = _worker_args
    out: list[DocResult | _Rejected | _Compact] = []
    for job in _worker_jobs[span[0] : span[1]]:
        result = _check_one(job, profile, strict, rules, explain=False)
        if isinstance(result, _Rejected):
            out.append(result)
        elif result.status == "valid" and not result.issues:
            out.append((result.version, result.profile))
        else:
            out.append(result)
    return out


def _results(jobs: list[_Job], profile: str, strict: bool, rules: bool, n_jobs: int) -> Iterator[DocResult]:
    # Everything loaded so far (Typer, lxml, the rules' tables) lives as long as the run: moved
    # out of the collector's generations, it is not scanned again on every full collection
    # (10-15 % of the time per document when profiled). Forked workers inherit this.
    gc.freeze()
    try:
        yield from _checked(jobs, profile, strict, rules, n_jobs)
    finally:
        gc.unfreeze()


def _checked(jobs: list[_Job], profile: str, strict: bool, rules: bool, n_jobs: int) -> Iterator[DocResult]:
    if n_jobs <= 1 or len(jobs) < 2:
        for job in jobs:
            yield check_one(job, profile, strict, rules)
        return
    global _worker_jobs
    from iodef.validate.decider import decider_schema

    decider_schema(profile)
    decider_schema("iodef-v1")
    import multiprocessing  # only for --jobs N: a single run does without it

    methods = multiprocessing.get_all_start_methods()
    forked = "fork" in methods
    ctx = multiprocessing.get_context("fork" if forked else None)
    # The jobs stay in the parent's memory, which forked workers share; a task is a span of
    # indexes and a valid document comes back as two strings, so little is pickled either way.
    _worker_jobs = jobs
    size = max(1, min(128, len(jobs) // (n_jobs * 8)))
    spans = [(start, min(start + size, len(jobs))) for start in range(0, len(jobs), size)]
    initargs = (profile, strict, rules, None if forked else jobs)
    try:
        with ctx.Pool(n_jobs, initializer=_init_worker, initargs=initargs) as pool:
            for (start, _stop), chunk in zip(spans, pool.imap(_work, spans), strict=True):
                for i, item in enumerate(chunk, start):
                    if isinstance(item, DocResult):
                        yield item
                    elif isinstance(item, _Rejected):
                        # explained here, so that only this process loads xmlschema (while the
                        # workers go on); the worker's findings spare checking it again
                        yield _finish_rejected(jobs[i], item, profile, strict, rules)
                    else:
                        yield DocResult(jobs[i].name, "valid", item[0], item[1], ())
    finally:
        _worker_jobs = []


# --------------------------------------------------------------------------- output


class _Progress:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self.last = 0.0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self.last < 0.1 and self.done < self.total:
            return
        self.last = now
        width = 30
        filled = width * self.done // self.total
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r" + " " * 60 + "\r")
        self.stream.flush()


_UPGRADE_HINT = "'iodef upgrade FILE' rewrites it as IODEF v2 (RFC 7970), naming every change"
_V1_NOTE = f"IODEF v1 document (RFC 5070), checked against the bundled iodef-1.0.xsd; {_UPGRADE_HINT}"
_V1_REFUSED = f"IODEF v1 document (RFC 5070); --require-v2 accepts IODEF v2 (RFC 7970) only; {_UPGRADE_HINT}"
_SEVERITY_COLOUR = {"error": "red", "warning": "yellow", "note": "cyan"}


def _text_lines(result: DocResult, out: IO[str]) -> Iterator[str]:
    """The report lines of one document; the severity in colour when *out* is a terminal."""

    def coloured(line: str, severity: str) -> str:
        colour = _SEVERITY_COLOUR.get(severity)
        if colour is None:
            return line
        return line.replace(f": {severity}:", f": {paint(severity, colour, out, bold=True)}:", 1)

    for issue in result.issues:
        yield coloured(issue.format(result.name), issue.severity)
    if result.version == "1.0" and not any(i.rule == "iodef-v1" for i in result.issues):
        yield coloured(f"{result.name}:0:0: note: /IODEF-Document: {_V1_NOTE} [iodef-v1]", "note")


def _require_v2(result: DocResult) -> DocResult:
    """--require-v2: an IODEF v1 document is invalid, with the reason as its first issue."""
    if result.version != "1.0":
        return result
    issue = Issue("error", "/IODEF-Document", None, None, "iodef-v1", _V1_REFUSED)
    return replace(result, status="invalid", issues=(issue, *result.issues))


def _json_object(result: DocResult) -> dict[str, Any]:
    """One document as JSON; an IODEF v1 document carries its note in ``issues``."""
    data = result.to_dict()
    if result.version == "1.0" and not any(i.rule == "iodef-v1" for i in result.issues):
        note = Issue("warning", "/IODEF-Document", None, None, "iodef-v1", _V1_NOTE).to_dict()
        note["severity"] = "note"
        data["issues"].append(note)
    return data


@app.command("validate")
def validate_command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, directories (searched for *.xml), glob patterns, or '-' for standard input.",
            metavar="PATH",
            show_default=False,
        ),
    ] = None,
    profile: Annotated[Profile, typer.Option("--profile", help=PROFILE_HELP)] = Profile.rfc7970,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text, or json (one object per document).")
    ] = OutputFormat.text,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings make a document invalid too.")] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            metavar="N",
            help=f"Worker processes (default: one per CPU from {_PARALLEL_MIN_FILES} files on, else 1).",
        ),
    ] = None,
    schema_only: Annotated[
        bool, typer.Option("--schema-only", help="Check the XSD only, not the RFC rules.")
    ] = False,
    max_bytes: Annotated[
        int,
        typer.Option("--max-bytes", min=1, help="Refuse documents larger than this (default 32 MiB)."),
    ] = DEFAULT_MAX_BYTES,
    require_v2: Annotated[
        bool, typer.Option("--require-v2", help="An IODEF v1 (RFC 5070) document is invalid.")
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Check IODEF documents against the RFC 7970 schema (offline) and the RFC's own rules.

    Each problem is a line "file:line:col: severity: path: message [rule]" on standard output,
    followed by a summary line (left out with --quiet). With --format json, one JSON object per
    document on standard output and the summary on standard error.

    Exit status: 0 all documents valid, 1 some invalid or unreadable as IODEF, 2 usage error,
    3 some file could not be opened or read, or the report could not be written.
    """
    if not paths:
        typer.echo("iodef validate: name at least one file, directory, pattern, or '-'", err=True)
        raise typer.Exit(EXIT_USAGE)
    if paths.count("-") > 1:
        typer.echo("iodef validate: '-' (standard input) may be given only once", err=True)
        raise typer.Exit(EXIT_USAGE)
    profile_name = str(profile.value)
    try:
        job_list = list(_expand(paths))
    except OSError as exc:
        typer.echo(f"iodef validate: cannot list {exc.filename}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_IO) from None
    if max_bytes != DEFAULT_MAX_BYTES:
        job_list = [replace(job, max_bytes=max_bytes) for job in job_list]
    if not job_list:
        # a directory without *.xml or a pattern that matched nothing: not a pass
        typer.echo(f"iodef validate: no documents found in {', '.join(paths)}", err=True)
        raise typer.Exit(EXIT_INVALID)

    show_progress = progress_wanted() and len(job_list) > _PROGRESS_MIN_FILES
    progress = _Progress(len(job_list), sys.stderr) if show_progress else None
    counts = {"valid": 0, "invalid": 0, "unreadable": 0}
    v1 = 0
    io_failed = False
    out = sys.stdout
    try:
        for result in _results(
            job_list, profile_name, strict, not schema_only, default_jobs(len(job_list), jobs)
        ):
            if require_v2:
                result = _require_v2(result)
            counts[result.status] += 1
            v1 += result.version == "1.0"
            io_failed = io_failed or result.io_error
            if progress is not None:
                progress.step()
            if output_format is OutputFormat.json:
                out.write(json.dumps(_json_object(result), ensure_ascii=False) + "\n")
            elif result.issues or result.version == "1.0":
                if progress is not None:
                    progress.close()
                out.write("\n".join(_text_lines(result, out)) + "\n")
        if progress is not None:
            progress.close()
        total = sum(counts.values())
        extra = f"profile {profile_name}" + (f"; {v1} IODEF v1 (RFC 5070 schema)" if v1 else "")
        summary = (
            f"{total} document{'s' if total != 1 else ''}, {counts['valid']} valid, "
            f"{counts['invalid']} invalid, {counts['unreadable']} unreadable ({extra})"
        )
        if output_format is OutputFormat.json:
            # the summary as JSON, the last line on stdout; for people on stderr
            totals = {"documents": total, **counts, "iodef_v1": v1, "profile": profile_name}
            out.write(json.dumps({"summary": totals}) + "\n")
            info(summary)
        elif not quiet:
            out.write(summary + "\n")
        out.flush()
    except BrokenPipeError:
        raise typer.Exit(EXIT_IO) from None
    except OSError as exc:
        typer.echo(f"iodef validate: cannot write the report: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_IO) from None
    if io_failed:
        raise typer.Exit(EXIT_IO)
    raise typer.Exit(EXIT_OK if counts["invalid"] == counts["unreadable"] == 0 else EXIT_INVALID)
