"""Exchange of IODEF documents between CSIRTs over ROLIE (RFC 8322).

* :class:`Client` / :class:`AsyncClient`: send documents to a peer's feed, read its feeds, pull
  new documents (retries with backoff; errors are :class:`iodef.ExchangeError` subclasses).
* :class:`Outbox`: the sender's durable queue of documents not yet delivered.
* :func:`create_app` / :func:`serve`: the receiver, a ROLIE repository (Starlette + uvicorn).
"""
