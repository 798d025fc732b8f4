"""The architecture's contracts (docs/architecture.md): apps lean one way, the engine is pure.

`make lint` runs import-linter on the project (CI runs it); these tests prove that the contracts
catch what they promise to, on a copy of the code with a forbidden import added.
"""

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("accounts", "venues", "costing", "periods", "sharing", "tierslieux")
LINT_IMPORTS = Path(shutil.which("lint-imports") or ROOT / ".venv" / "bin" / "lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy(tmp_path) -> Path:
    """The project's Python packages and configuration, copied to try a change on."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def add_import(module: Path, line: str) -> None:
    module.write_text(f"{line}\n{module.read_text()}")


def test_the_project_keeps_its_contracts(copy):
    result = lint_imports(copy)
    assert result.returncode == 0, result.stdout
    assert "broken" in result.stdout and ", 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("venues/views.py", "from costing import models", "Apps lean one way"),
        ("accounts/throttle.py", "import venues.models", "Apps lean one way"),
        ("costing/engine.py", "import django.db", "pure Python"),
        ("costing/engine.py", "from costing import models", "pure Python"),
        ("costing/documents.py", "from venues import models", "exchange formats"),
        ("tierslieux/middleware.py", "import costing.views", "project package"),
        ("costing/views.py", "from sharing import views", "Apps lean one way"),
        ("costing/models.py", "from periods import models", "Apps lean one way"),
        ("periods/views.py", "from sharing import views", "Apps lean one way"),
    ],
)
def test_a_forbidden_import_breaks_the_contract_it_crosses(copy, module, line, contract):
    add_import(copy / module, line)
    result = lint_imports(copy)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert any(contract in row for row in broken), result.stdout


def django_imports(module: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("django")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django"):
            found.add(node.module)
    return found


def test_the_exchange_formats_take_nothing_of_django_but_its_translations():
    # import-linter sees an outside package whole ("django"): this says which part.
    assert django_imports(ROOT / "costing" / "documents.py") == {"django.utils.translation"}
