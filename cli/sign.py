"""``iodef sign`` and ``iodef verify``: XML Signatures on IODEF documents (RFC 7970 §9)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from iodef import IODEFError
from iodef.xmlsig import Trust, sign, verify_signature

from ._console import Quiet, info
from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE, app

FilesArg = Annotated[
    list[str], typer.Argument(help="IODEF documents, or '-' for standard input.", metavar="FILE")
]
OutDirOpt = Annotated[
    Path | None,
    typer.Option("--output-dir", "-o", help="Write one file per input here instead of standard output."),
]


def _read(source: str) -> bytes:
    return sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()


def _emit(out_dir: Path | None, source: str, data: bytes) -> None:
    if out_dir is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / Path("stdin.xml" if source == "-" else source).name).write_bytes(data)


@app.command("sign")
def sign_command(
    files: FilesArg,
    key: Annotated[Path, typer.Option("--key", help="Private key (PEM, RSA or EC) to sign with.")],
    cert: Annotated[Path, typer.Option("--cert", help="The key's certificate (PEM), put in the signature.")],
    output_dir: OutDirOpt = None,
    quiet: Quiet = False,
) -> None:
    """Sign IODEF documents: an enveloped XML Signature over the whole document.

    The signature (exclusive C14N, RSA or ECDSA with SHA-256) goes in an AdditionalData
    dtype="xml" of the document; comments inside the document are removed first, since a signature
    does not cover them. One input goes to standard output unless --output-dir is given.
    """
    if output_dir is None and len(files) > 1:
        typer.echo("iodef sign: give --output-dir for more than one document", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        key_pem, cert_pem = key.read_bytes(), cert.read_bytes()
    except OSError as exc:
        typer.echo(f"iodef sign: cannot read {exc.filename}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_IO) from None
    status = EXIT_OK
    for source in files:
        shown = "<stdin>" if source == "-" else source
        try:
            signed = sign(_read(source), key_pem, cert_pem)
        except OSError as exc:
            typer.echo(f"iodef sign: cannot read {shown}: {exc.strerror or exc}", err=True)
            status = max(status, EXIT_IO)
            continue
        except IODEFError as exc:
            exc.source = shown if exc.source in (None, "<document>", "<bytes>") else exc.source
            typer.echo(f"iodef sign: {exc}", err=True)
            status = max(status, EXIT_INVALID)
            continue
        try:
            _emit(output_dir, source, signed)
        except OSError as exc:
            typer.echo(f"iodef sign: cannot write: {exc.strerror or exc}", err=True)
            raise typer.Exit(EXIT_IO) from None
    raise typer.Exit(status)


@app.command("verify")
def verify_command(
    files: FilesArg,
    cert: Annotated[
        Path | None, typer.Option("--cert", help="Accept only signatures made with this certificate (PEM).")
    ] = None,
    ca: Annotated[
        Path | None, typer.Option("--ca", help="Accept certificates issued by this CA (PEM), with --subject.")
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="With --ca: the signer's certificate common name.")
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output-dir", "-o", help="Write the signed data of each valid document here."),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Verify signed IODEF documents against a pinned certificate, or a CA and a subject name.

    Prints "FILE: signed by SUBJECT" (standard error) for each good signature and the reason
    for each bad one; never trusts the system's certificate store. Exit 0 when all verify, 1
    when some do not. With --output-dir, what the signature covers is written there.
    """
    if (cert is None) == (ca is None) or (ca is not None and not subject):
        typer.echo("iodef verify: give either --cert, or --ca with --subject", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        trust = (
            Trust.pinned(cert.read_bytes())
            if cert is not None
            else Trust.issued_by(Path(str(ca)).read_bytes(), str(subject))
        )
    except OSError as exc:
        typer.echo(f"iodef verify: cannot read {exc.filename}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_IO) from None
    status = EXIT_OK
    for source in files:
        shown = "<stdin>" if source == "-" else source
        try:
            result = verify_signature(_read(source), trust=trust)
        except OSError as exc:
            typer.echo(f"iodef verify: cannot read {shown}: {exc.strerror or exc}", err=True)
            status = max(status, EXIT_IO)
            continue
        except IODEFError as exc:
            exc.source = shown if exc.source in (None, "<document>", "<bytes>") else exc.source
            typer.echo(f"iodef verify: {exc}", err=True)
            status = max(status, EXIT_INVALID)
            continue
        info(f"{shown}: signed by {result.signer}")
        if output_dir is not None:
            try:
                _emit(output_dir, source, result.signed_xml)
            except OSError as exc:
                typer.echo(f"iodef verify: cannot write: {exc.strerror or exc}", err=True)
                raise typer.Exit(EXIT_IO) from None
    raise typer.Exit(status)


# -- helpers for `iodef send --sign` and `iodef serve --require-signature-from` -------------------


def signature_requirements(values: list[str], verb: str) -> dict[str, Trust]:
    """``PEER=CERT.pem`` (a pinned certificate) or ``PEER=CA.pem,subject=NAME`` -> {peer: Trust}."""
    trusts: dict[str, Trust] = {}
    for value in values:
        peer, sep, spec = value.partition("=")
        path, _, rest = spec.partition(",subject=")
        if not sep or not peer or not path:
            typer.echo(
                f"iodef {verb}: --require-signature-from wants PEER=CERT.pem or PEER=CA.pem,subject=NAME, "
                f"not {value!r}",
                err=True,
            )
            raise typer.Exit(EXIT_USAGE)
        try:
            pem = Path(path).read_bytes()
        except OSError as exc:
            typer.echo(f"iodef {verb}: cannot read {path}: {exc.strerror or exc}", err=True)
            raise typer.Exit(EXIT_IO) from None
        trusts[peer] = Trust.issued_by(pem, rest) if rest else Trust.pinned(pem)
    return trusts


def signing_material(key: Path | None, cert: Path | None, verb: str) -> tuple[bytes, bytes]:
    """The PEM key and certificate of ``--sign-key``/``--sign-cert``, or a usage error."""
    if key is None or cert is None:
        typer.echo(f"iodef {verb}: --sign needs --sign-key and --sign-cert", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        return key.read_bytes(), cert.read_bytes()
    except OSError as exc:
        typer.echo(f"iodef {verb}: cannot read {exc.filename}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_IO) from None
