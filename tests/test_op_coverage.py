"""The coverage page (``docs/coverage.md``) is what ``python tests/op_coverage.py`` writes."""

from __future__ import annotations

import op_coverage
import op_table


def test_coverage_page_is_up_to_date():
    assert op_coverage.PAGE.read_text() == op_coverage.render(), (
        "docs/coverage.md is out of date: run python tests/op_coverage.py"
    )


def test_table_has_at_least_250_rows():
    assert len(op_table.OPS) >= 250


def test_well_known_names_are_pytorch_names():
    """A typo in the hand-kept list would show up as a "missing" op that PyTorch never had."""
    for ns, names in op_coverage.WELL_KNOWN.items():
        theirs = op_coverage.NAMESPACES[ns][1]
        unknown = [n for n in names.split() if not hasattr(theirs, n)]
        assert not unknown, f"{ns}: not PyTorch names: {unknown}"
