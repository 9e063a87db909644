"""The command line's fixed choices (cli/_choices.py) are the library's own lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from iodef.cli._choices import LogLevel, Profile, Restriction, SqliteSync


def test_profiles_are_the_validator_s() -> None:
    from iodef.validate import PROFILES

    assert [p.value for p in Profile] == list(PROFILES)


def test_restrictions_are_the_rfc_registry_without_ext_value() -> None:
    from iodef.model.enums import Restriction as ModelRestriction

    assert {r.value for r in Restriction} == {r.value for r in ModelRestriction} - {"ext-value"}


def test_log_levels_are_uvicorn_s() -> None:
    from uvicorn.config import LOG_LEVELS

    assert [level.value for level in LogLevel] == list(LOG_LEVELS)


@pytest.mark.parametrize("value", list(SqliteSync))
def test_each_sqlite_sync_value_opens_a_store(value: SqliteSync, tmp_path: Path) -> None:
    from iodef.exchange.store import Store

    Store(f"sqlite:///{tmp_path / 'x.sqlite'}", sqlite_synchronous=value).close()


def test_a_sqlite_sync_value_outside_the_enum_is_refused_by_the_store(tmp_path: Path) -> None:
    from iodef.exchange.store import Store

    with pytest.raises(ValueError, match="full"):
        Store(f"sqlite:///{tmp_path / 'x.sqlite'}", sqlite_synchronous="extra")
