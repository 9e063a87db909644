"""The peers file, the client's token sources, and the guards of ``iodef serve``."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchange_helpers import run_iodef

from iodef.exchange.config import ConfigError, load_server_config
from iodef.exchange.credentials import resolve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "exchange"


def test_example_peers_file_loads() -> None:
    cfg = load_server_config(FIXTURES / "peers.example.toml")
    assert cfg.feeds == ("incidents", "indicators")
    a = cfg.peer_for_token("secret")
    bot = cfg.peer_for_token("feed-bot-token-in-clear")
    auditor = cfg.peer_for_token("password")
    assert a is not None
    assert bot is not None
    assert auditor is not None
    assert (a.name, a.read_rank, a.may_post("incidents"), a.may_post("indicators")) == (
        "csirt-a",
        2,
        True,
        False,
    )
    assert (bot.name, bot.read_rank, bot.may_post("indicators"), bot.rate) == ("feed-bot", 0, True, 200.0)
    assert (auditor.read_rank, auditor.may_post("incidents")) == (1, False)
    assert cfg.peer_for_token("nope") is None
    assert "secret" not in repr(cfg)


def test_red_is_never_a_read_level(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_server_config(FIXTURES / "bad-peers.toml")
    assert info.value.source is not None
    assert info.value.source.endswith("bad-peers.toml")
    assert "read" in info.value.message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('feeds = ["incidents"]\n[[peers]]\nname = "x"\npost = []\n', "token"),
        ('feeds = ["incidents"]\n[[peers]]\nname = "x"\ntoken = "t"\npost = ["other"]\n', "unknown feed"),
        ('feeds = ["a b"]\n', "feeds"),
        ('feeds = ["incidents"\n', "TOML"),
        (
            'feeds = ["incidents"]\n[[peers]]\nname = "x"\ntoken = "t"\n[[peers]]\nname = "y"\ntoken = "t"\n',
            "same token",
        ),
    ],
)
def test_bad_peers_files_are_refused_with_a_reason(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "peers.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_server_config(path)
    assert needle in str(info.value)


def test_token_sources_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = FIXTURES / "client.example.toml"
    monkeypatch.delenv("IODEF_TOKEN", raising=False)
    monkeypatch.setenv("CSIRT_C_TOKEN", "token-for-csirt-c-from-env")

    def token(url: str, option: str | None = None) -> str | None:
        found = resolve(url, token=option, config=cfg).token
        return None if found is None else found.reveal()

    url = "https://csirt-b.example/feeds/indicators"
    assert token(url) == "token-for-csirt-b-indicators"  # the longest prefix wins
    assert token("https://csirt-b.example/feeds/incidents") == "token-for-csirt-b"
    assert token("https://csirt-c.example/feeds/incidents") == "token-for-csirt-c-from-env"  # token_env
    assert token("https://elsewhere.example/") == "fallback-token"
    monkeypatch.setenv("IODEF_TOKEN", "from-env")
    # an entry written for this URL beats the variable, which holds one token for whichever peer
    assert token(url) == "token-for-csirt-b-indicators"
    assert token("https://elsewhere.example/") == "from-env"  # before the catch-all
    secret = resolve(url, token="from-option", config=cfg).token
    assert secret is not None
    assert secret.reveal() == "from-option"
    assert "from-option" not in repr(secret)
    assert "from-option" not in str(secret)
    monkeypatch.delenv("IODEF_TOKEN")
    assert resolve(url).token is None


def test_client_config_gives_tls_files_per_destination(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_C_TOKEN", "c")
    cfg = FIXTURES / "client.example.toml"
    a = resolve("https://csirt-c.example/feeds/incidents", config=cfg)
    assert a.cert == FIXTURES / "me-for-csirt-c.pem"
    assert a.ca == FIXTURES / "csirt-c-ca.pem"
    b = resolve("https://csirt-b.example/feeds/incidents", config=cfg)
    assert (b.cert, b.ca) == (None, None)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[[peers]]\ntoken = "t"\n', "'url'"),
        ('[[peers]]\nurl = "https://a/"\ntokn = "t"\n', "unknown key(s) tokn"),
        ('[[peers]]\nurl = "https://a/"\ntoken_env = "IODEF_SURELY_UNSET_VAR"\n', "not set"),
    ],
)
def test_bad_client_configs_are_refused_with_a_reason(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "client.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        resolve("https://a/feeds/x", config=path)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--no-auth"], b"--tls-cert"),  # TLS is the default
        (["--insecure-http", "--no-auth", "--host", "0.0.0.0"], b"loopback"),
        (["--insecure-http", "--host", "127.0.0.1"], b"--peers"),
        (["--insecure-http", "--no-auth", "--profile", "nope"], b"profile"),
    ],
)
def test_serve_refuses_unsafe_or_wrong_settings(args: list[str], needle: bytes) -> None:
    r = run_iodef("serve", "--port", "1", *args, timeout=30)
    assert r.returncode == 2
    assert needle in r.stderr
