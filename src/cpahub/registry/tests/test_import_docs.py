"""docs/registry-import.md documents every column of every layout."""

from pathlib import Path

import pytest

from cpahub.registry.importing.layouts import LAYOUTS

DOC = Path(__file__).resolve().parents[4] / "docs" / "registry-import.md"


@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_every_column_is_documented(kind):
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"(`{kind}`)", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    for column in LAYOUTS[kind].columns:
        row = f"| {column.zh} | {column.en} | `{column.name}` |"
        assert row in section, row
        for choice in column.choices:
            assert choice.label in section and f"`{choice.value}`" in section, (column.name, choice.value)
