"""Repository rules that keep the test suite collectable and the package importable."""

from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_test_modules_have_unique_basenames():
    # pytest's default import mode imports tests/unit/test_x.py and tests/integration/test_x.py
    # as the same module `test_x`: the second one fails to collect
    names = Counter(p.name for p in (REPO / "tests").rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []


def test_nothing_is_importable_as_operator():
    # `operator` is a standard-library module; our package lives in operator/troupe/
    assert not (REPO / "operator" / "__init__.py").exists()
    import operator

    assert hasattr(operator, "itemgetter")  # the standard library's, not a shadow
