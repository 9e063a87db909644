"""The generators behind the reference pages (docs/_hooks): they cover everything and cannot drift.

The site itself is built by ``mkdocs build --strict`` in .ci/run; these tests need no MkDocs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HOOKS = Path(__file__).resolve().parents[2] / "docs" / "_hooks"
sys.path.insert(0, str(HOOKS))

import cli_ref  # noqa: E402
import convert_ref  # noqa: E402
import model_ref  # noqa: E402

from iodef.model import MODEL_CLASSES  # noqa: E402


def test_every_model_class_has_a_section_with_its_rfc_section() -> None:
    pages = model_ref.pages()
    text = "\n".join(pages.values())
    for name, cls in MODEL_CLASSES.items():
        page = pages[f"reference/model/{cls.__module__.rsplit('.', 1)[-1]}.md"]
        assert f"\n## {name}\n" in page, name
        assert "**RFC 7970 §" in page
    # a field row: Python name, XML name, kind, type, count
    assert (
        "| `contact_names` | `ContactName` | element | [MLStringType](datatypes.md#mlstringtype) | 0..* |"
        in text
    )
    assert "| `role` | `@role` | attribute | [ContactRole](enums.md#contactrole) | 1 |" in text


def test_every_enumeration_value_is_listed() -> None:
    from iodef.model import ContactRole

    page = model_ref.pages()["reference/model/enums.md"]
    for member in ContactRole:
        assert f"| `ContactRole.{member.name}` | `{member.value}` |" in page


@pytest.mark.parametrize("family", ["spam", "rat", "vms"])
def test_converter_pages_follow_the_incident_table(family: str) -> None:
    import importlib

    module = importlib.import_module(f"iodef.convert.{family}")
    page = convert_ref.pages()[f"reference/converters/{family}.md"]
    for event, yes in module.INCIDENT_TABLE.items():
        assert f"| `{event}` | {'yes' if yes else 'no, counted'} |" in page
    record = getattr(module, convert_ref.FAMILIES[family][0])
    for field in record.model_fields:
        assert f"| `{field}` |" in page


def test_a_docstring_table_that_lags_the_code_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    from iodef.convert import rat

    monkeypatch.setitem(rat.INCIDENT_TABLE, "new-event", True)  # type: ignore[index]
    with pytest.raises(convert_ref.DocsDrift, match="not documented: \\['new-event'\\]"):
        convert_ref.family_page("rat")


def test_every_command_gets_a_page_with_its_options() -> None:
    names = cli_ref.top_level_names()
    assert {"validate", "convert", "fmt", "send", "pull", "serve", "outbox"} <= set(names)
    index = cli_ref.index_page()
    commands = dict(cli_ref.iter_commands(cli_ref.root_command()))
    for name in names:
        assert f"[`iodef {name}`]({name}.md)" in index
        reference = cli_ref.reference(name, commands[name])
        for param in commands[name].params:
            if param.name != "help" and any(o.startswith("--") for o in param.opts):
                assert f"`{param.opts[0]}`" in reference, (name, param.opts)
    assert "| `--profile` | `rfc7970` \\| `rfc7970-errata` | `rfc7970` |" in cli_ref.reference(
        "validate", commands["validate"]
    )


def test_hand_written_command_pages_say_where_the_reference_goes() -> None:
    for page in (HOOKS.parent / "commands").glob("*.md"):
        assert cli_ref.MARKER in page.read_text(encoding="utf-8"), page.name
