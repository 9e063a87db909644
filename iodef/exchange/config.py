"""Settings of the receiver: its peers file (the sender's client config: :mod:`.credentials`).

The peers file (TOML) names who may talk to ``iodef serve``::

    feeds = ["incidents"]          # the feeds this repository offers (default: ["incidents"])

    [[peers]]
    name = "csirt-a"               # shown as the entry's author, and the sender for idempotency
    token_sha256 = "9f86d0..."     # hex SHA-256 of the bearer token (or `token = "..."` in clear)
    post = ["incidents"]           # feeds it may post to ("*" for all)
    read = "amber"                 # highest restriction it may read: none, public/white,
                                   # partner/green, need-to-know/amber
    rate = 50.0                    # requests per second allowed (token bucket), optional
    burst = 100                    # bucket size, optional

``private`` / ``red`` entries are only ever served to the peer that sent them.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ..errors import IODEFError
from ._policy import RESTRICTION_RANK

__all__ = ["ConfigError", "Peer", "Secret", "ServerConfig", "load_server_config"]

TOKEN_ENV: Final = "IODEF_TOKEN"


class ConfigError(IODEFError):
    """A configuration file is missing, unreadable or holds a wrong value."""


class Secret:
    """A string that never shows itself in a repr, a log line or a traceback's locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


READ_LEVELS: Final[dict[str, int]] = {"none": -1, **{k: v for k, v in RESTRICTION_RANK.items() if v < 3}}


@dataclass(frozen=True)
class Peer:
    """One peer allowed to talk to the receiver."""

    name: str
    token_sha256: str = field(repr=False)
    post: frozenset[str]
    read_rank: int
    rate: float = 50.0
    burst: float = 100.0

    def may_post(self, feed: str) -> bool:
        return "*" in self.post or feed in self.post


@dataclass(frozen=True)
class ServerConfig:
    feeds: tuple[str, ...] = ("incidents",)
    peers: tuple[Peer, ...] = ()

    def peer_for_token(self, token: str) -> Peer | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        found = None
        for peer in self.peers:
            if hmac.compare_digest(peer.token_sha256, digest):
                found = peer
        return found


def _fail(path: Path, message: str) -> ConfigError:
    return ConfigError(message, source=str(path))


def _peer(path: Path, index: int, raw: Any, feeds: tuple[str, ...]) -> Peer:
    where = f"peers[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, f"{where}: a table is expected")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(path, f"{where}: 'name' (a non-empty string) is required")
    if "token_sha256" in raw:
        digest = str(raw["token_sha256"]).lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise _fail(path, f"{where} ({name}): 'token_sha256' must be 64 hex digits")
    elif isinstance(raw.get("token"), str) and raw["token"]:
        digest = hashlib.sha256(raw["token"].encode()).hexdigest()
    else:
        raise _fail(path, f"{where} ({name}): 'token_sha256' or 'token' is required")
    post = raw.get("post", [])
    if not isinstance(post, list) or not all(isinstance(f, str) for f in post):
        raise _fail(path, f"{where} ({name}): 'post' must be a list of feed names")
    unknown = [f for f in post if f != "*" and f not in feeds]
    if unknown:
        raise _fail(path, f"{where} ({name}): 'post' names unknown feed(s) {', '.join(unknown)}")
    read = raw.get("read", "none")
    if read not in READ_LEVELS:
        choices = ", ".join(READ_LEVELS)
        raise _fail(
            path,
            f"{where} ({name}): 'read' = {read!r} is not one of {choices} (private/red are never granted)",
        )
    try:
        rate = float(raw.get("rate", 50.0))
        burst = float(raw.get("burst", max(rate * 2, 1.0)))
    except (TypeError, ValueError):
        raise _fail(path, f"{where} ({name}): 'rate' and 'burst' must be numbers") from None
    if rate <= 0 or burst < 1:
        raise _fail(path, f"{where} ({name}): 'rate' must be > 0 and 'burst' >= 1")
    return Peer(
        name=name,
        token_sha256=digest,
        post=frozenset(post),
        read_rank=READ_LEVELS[read],
        rate=rate,
        burst=burst,
    )


def load_server_config(path: Path) -> ServerConfig:
    """Read the receiver's peers file (see the module docstring)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(path, f"cannot read the peers file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML: {exc}") from None
    feeds_raw = raw.get("feeds", ["incidents"])
    if (
        not isinstance(feeds_raw, list)
        or not feeds_raw
        or not all(isinstance(f, str) and f.replace("-", "").replace("_", "").isalnum() for f in feeds_raw)
    ):
        raise _fail(path, "'feeds' must be a non-empty list of simple names (letters, digits, - and _)")
    feeds = tuple(feeds_raw)
    peers_raw = raw.get("peers", [])
    if not isinstance(peers_raw, list):
        raise _fail(path, "'peers' must be an array of tables ([[peers]])")
    peers = tuple(_peer(path, i, p, feeds) for i, p in enumerate(peers_raw))
    names = [p.name for p in peers]
    if len(set(names)) != len(names):
        raise _fail(path, "two peers have the same name")
    digests = [p.token_sha256 for p in peers]
    if len(set(digests)) != len(digests):
        raise _fail(path, "two peers have the same token")
    return ServerConfig(feeds=feeds, peers=peers)
