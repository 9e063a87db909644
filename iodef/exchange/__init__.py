"""Exchange of IODEF documents between CSIRTs over ROLIE (RFC 8322).

* :class:`Client` / :class:`AsyncClient`: send documents to a peer's feed, read its feeds, pull
  new documents (retries with backoff; errors are :class:`iodef.ExchangeError` subclasses).
* :class:`Outbox`: the sender's durable queue of documents not yet delivered.
* :func:`create_app` (with :class:`ServerSettings`): the receiver, a ROLIE repository as an ASGI
  app; ``iodef serve`` runs it under uvicorn.
* :func:`check_document`: the one check the receiver, the sender and the puller share.
* :func:`redact`: a document as a reader cleared up to a level gets it (element-grain sharing).
* :class:`Credentials` / :func:`resolve_credentials`: which token and certificates go to which peer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import (
    ExchangeError,
    ExchangeProtocolError,
    ExchangeRejectedError,
    ExchangeTransportError,
    ExchangeUnavailableError,
    RestrictedDocumentError,
)
from ._checks import Issue, check_document
from .client import (
    AsyncClient,
    Client,
    PreparedDocument,
    PulledDocument,
    Receipt,
    RetryPolicy,
    Timeouts,
    prepare_document,
)
from .credentials import Credentials
from .credentials import resolve as resolve_credentials
from .outbox import Outbox, OutboxItem, deliver
from .pull import PullReport, pull_to_directory
from .redact import Redaction, clearance_rank, redact
from .rolie import FeedEntry, FeedPage

if TYPE_CHECKING:
    from .server import ServerSettings, create_app


def __getattr__(name: str) -> Any:
    # The receiver (Starlette, SQLAlchemy) is imported only by those who use it.
    if name in ("ServerSettings", "create_app"):
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AsyncClient",
    "Client",
    "Credentials",
    "ExchangeError",
    "ExchangeProtocolError",
    "ExchangeRejectedError",
    "ExchangeTransportError",
    "ExchangeUnavailableError",
    "FeedEntry",
    "FeedPage",
    "Issue",
    "Outbox",
    "OutboxItem",
    "PreparedDocument",
    "PullReport",
    "PulledDocument",
    "Receipt",
    "Redaction",
    "RestrictedDocumentError",
    "RetryPolicy",
    "ServerSettings",
    "Timeouts",
    "check_document",
    "clearance_rank",
    "create_app",
    "deliver",
    "prepare_document",
    "pull_to_directory",
    "redact",
    "resolve_credentials",
]
