"""The benchmark lives apart from the product (DESIGN.md section 2): the product's apps
import nothing from it, its modules stay small, and it names no folder outside the
repository (the peer's harness is given on each run)."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_APPS = ("config", "accounts", "notifications", "licensing", "helpdesk", "feedback")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("app", PRODUCT_APPS)
def test_the_product_imports_nothing_from_the_bench(app):
    offenders = [
        str(path.relative_to(ROOT)) for path in (ROOT / app).rglob("*.py")
        if any(name == "bench" or name.startswith("bench.") for name in _imports(path))
    ]
    assert not offenders


def test_no_url_of_the_product_reaches_the_calibration_page():
    from django.urls import Resolver404, resolve

    from bench.calibration import CALIBRATION_PATH

    with pytest.raises(Resolver404):
        resolve(CALIBRATION_PATH)  # ROOT_URLCONF is the product's
    assert resolve(CALIBRATION_PATH, urlconf="bench.urls").url_name == "bench-calibration"


def test_bench_modules_stay_under_about_500_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines())
             for p in (ROOT / "bench").rglob("*.py")}
    assert sizes and max(sizes.values()) <= 500, sizes


def test_no_folder_outside_the_repository_is_named():
    files = [*(ROOT / "bench").rglob("*.py"), ROOT / "Makefile", ROOT / "README.md",
             ROOT / "docs" / "performance.md"]
    outside = re.compile(r"(/work/|\.\./shared|peer-bench)")
    named = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in files
             for match in outside.finditer(path.read_text())]
    assert not named
