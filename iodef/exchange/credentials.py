"""Which credentials go to which peer: the sender's client config and its per-destination entries.

A bearer token or a client certificate is given for one peer. Every path that sends something
(``send``, ``outbox flush``, ``pull``) asks :func:`resolve` (or the outbox's record of what a
document was queued with) for the credentials of *that* destination, never a process-wide one.

The client config file (TOML)::

    [[peers]]                                  # one table per destination (longest url prefix wins)
    url = "https://csirt-a.example/feeds/"     # a feed URL or a prefix of it
    token = "..."                              # or token_env = "CSIRT_A_TOKEN" (read when used)
    ca = "csirt-a-ca.pem"                      # optional: CA bundle for this peer's certificate
    cert = "me-for-a.pem"                      # optional: client certificate (mutual TLS) for this peer
    key = "me-for-a.key"                       # optional: its key, when not inside cert

    [tokens]                                   # the older, token-only spelling
    "https://csirt-b.example/feeds/" = "..."

    token = "..."                              # one token for every peer not named above (discouraged)

Relative paths are relative to the config file.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from .config import TOKEN_ENV, ConfigError, Secret

__all__ = ["ClientConfig", "Credentials", "PeerCredentials", "load_client_config", "resolve"]

_KEYS: Final = frozenset({"url", "token", "token_env", "ca", "cert", "key"})


@dataclass(frozen=True, slots=True)
class Credentials:
    """What one destination gets: a bearer token and TLS material. ``origin`` says where they came from."""

    token: Secret | None = None
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    origin: str = "none"
    #: The client config they were read from: a flush looks there again (the token may have rotated).
    config: Path | None = None

    def to_json(self) -> str:
        """The form the outbox keeps (the outbox file is mode 0600: it may hold a token)."""
        return json.dumps(
            {
                "token": self.token.reveal() if self.token is not None else None,
                "ca": str(self.ca) if self.ca else None,
                "cert": str(self.cert) if self.cert else None,
                "key": str(self.key) if self.key else None,
                "origin": self.origin,
                "config": str(self.config) if self.config else None,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        raw = json.loads(text)
        token = raw.get("token")

        def path(name: str) -> Path | None:
            value = raw.get(name)
            return Path(value) if isinstance(value, str) and value else None

        return cls(
            token=Secret(token) if isinstance(token, str) and token else None,
            ca=path("ca"),
            cert=path("cert"),
            key=path("key"),
            origin=str(raw.get("origin") or "outbox"),
            config=path("config"),
        )


@dataclass(frozen=True, slots=True)
class PeerCredentials:
    """One ``[[peers]]`` (or ``[tokens]``) entry of the client config."""

    url: str
    where: str
    token: Secret | None = None
    token_env: str | None = None
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None

    def credentials(self) -> Credentials:
        token = self.token
        if token is None and self.token_env:
            value = os.environ.get(self.token_env)
            if not value:
                raise ConfigError(f"{self.where}: token_env names ${self.token_env}, which is not set")
            token = Secret(value)
        return Credentials(token=token, ca=self.ca, cert=self.cert, key=self.key, origin=self.where)


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """The sender's client config: per-destination entries and an optional token for all."""

    path: Path | None = None
    peers: tuple[PeerCredentials, ...] = ()
    default_token: Secret | None = None

    def entry_for(self, url: str) -> PeerCredentials | None:
        """The entry whose ``url`` is the longest prefix of *url*, or None."""
        matches = [p for p in self.peers if url.startswith(p.url)]
        return max(matches, key=lambda p: len(p.url)) if matches else None


def _path(base: Path, value: Any, where: str, name: str) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {name!r} must be a path")
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _peer_entry(path: Path, index: int, raw: Any) -> PeerCredentials:
    where = f"{path}: peers[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: a table is expected")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}")
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ConfigError(f"{where}: 'url' (an http(s) URL or prefix) is required")
    token = raw.get("token")
    token_env = raw.get("token_env")
    if token is not None and (not isinstance(token, str) or not token):
        raise ConfigError(f"{where}: 'token' must be a non-empty string")
    if token_env is not None and (not isinstance(token_env, str) or not token_env):
        raise ConfigError(f"{where}: 'token_env' must name an environment variable")
    base = path.parent
    return PeerCredentials(
        url=url,
        where=f"{path.name} peers[{index}] ({url})",
        token=Secret(token) if token else None,
        token_env=token_env,
        ca=_path(base, raw.get("ca"), where, "ca"),
        cert=_path(base, raw.get("cert"), where, "cert"),
        key=_path(base, raw.get("key"), where, "key"),
    )


def load_client_config(path: Path) -> ClientConfig:
    """Read the client config file (see the module docstring); :class:`ConfigError` when it is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the client config: {exc.strerror or exc}", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", source=str(path)) from None
    peers_raw = raw.get("peers", [])
    if not isinstance(peers_raw, list):
        raise ConfigError(f"{path}: 'peers' must be an array of tables ([[peers]])")
    entries = [_peer_entry(path, i, p) for i, p in enumerate(peers_raw)]
    tokens = raw.get("tokens", {})
    if not isinstance(tokens, dict):
        raise ConfigError(f"{path}: [tokens] must be a table of URL prefix = token")
    for prefix, value in tokens.items():
        if isinstance(value, str) and value:
            where = f"{path.name} [tokens] {prefix!r}"
            entries.append(PeerCredentials(url=prefix, where=where, token=Secret(value)))
    default = raw.get("token")
    return ClientConfig(
        path=path,
        peers=tuple(entries),
        default_token=Secret(default) if isinstance(default, str) and default else None,
    )


def resolve(
    url: str,
    *,
    token: str | Secret | None = None,
    config: ClientConfig | Path | None = None,
    ca: Path | None = None,
    cert: Path | None = None,
    key: Path | None = None,
    use_env: bool = True,
) -> Credentials:
    """The credentials for *url*, each part from the most specific source that has it.

    Token: *token* (``--token``) > the config entry for *url* > ``$IODEF_TOKEN`` (when *use_env*)
    > the config's top-level ``token``. TLS: *ca*/*cert*/*key* > the config entry's.
    A config entry that names *url* beats the environment: a variable holds one token for
    whichever peer, the entry was written for this one.
    """
    cfg = load_client_config(config) if isinstance(config, Path) else config
    entry = cfg.entry_for(url) if cfg is not None else None
    found = entry.credentials() if entry is not None else Credentials()
    if token:
        found = replace(found, token=token if isinstance(token, Secret) else Secret(token), origin="--token")
    elif found.token is None:
        env = os.environ.get(TOKEN_ENV) if use_env else None
        if env:
            found = replace(found, token=Secret(env), origin=f"${TOKEN_ENV}")
        elif cfg is not None and cfg.default_token is not None:
            name = cfg.path.name if cfg.path else "config"
            found = replace(found, token=cfg.default_token, origin=f"{name} token")
    return replace(
        found,
        config=cfg.path.resolve() if cfg is not None and cfg.path is not None else None,
        ca=ca or found.ca,
        cert=cert or found.cert,
        key=key if cert else (key or found.key),
    )
