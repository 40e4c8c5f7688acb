"""The arrows between the apps are import-linter contracts (.importlinter, run by scripts/test);
what import-linter cannot say of a third-party package's sub-modules is checked here."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imported_modules(package: Path, root: Path = ROOT) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found.setdefault(str(path.relative_to(root)), []).extend(names)
    return found


def test_the_allegro_http_layer_uses_no_part_of_the_orm():
    orm = ("django.db", "django.contrib", "djmoney.models")
    offending = {
        path: [name for name in names if name.startswith(orm)]
        for path, names in _imported_modules(ROOT / "allegro" / "api").items()
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_the_check_itself_sees_imports(tmp_path):
    (tmp_path / "module.py").write_text("from django.db import models\nimport django.contrib\n")
    assert _imported_modules(tmp_path, root=tmp_path) == {
        "module.py": ["django.db", "django.contrib"]
    }
