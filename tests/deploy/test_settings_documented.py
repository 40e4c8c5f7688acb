"""deploy/shop.env.example is the one list of settings an admin reads: every environment
variable the settings and gunicorn's config read is in it, with the default they really use."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = ROOT / "deploy/shop.env.example"
READERS = [ROOT / "config/settings.py", ROOT / "config/gunicorn.conf.py"]
LINE = re.compile(r"^(?P<commented>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def _is_environ(node: ast.AST) -> bool:
    """`os.environ`"""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _reads_environ(function: ast.FunctionDef) -> bool:
    return any(_is_environ(node) for node in ast.walk(function))


def _literal_default(node: ast.expr | None) -> str | None:
    """The default as the env file would spell it, when the code gives it as a literal."""
    if not isinstance(node, ast.Constant):
        return None
    if isinstance(node.value, bool):
        return "1" if node.value else "0"
    return str(node.value)


def variables_read(source: str) -> dict[str, str | None]:
    """Every variable name read from the environment, with its literal default (or None):
    os.environ.get("X", d), os.environ["X"], os.getenv("X", d), and calls of the module's own
    helpers that read the environment, such as env_bool("X", d)."""
    tree = ast.parse(source)
    helpers = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and _reads_environ(node)
    }
    found: dict[str, str | None] = {}
    for node in ast.walk(tree):
        name_node: ast.expr | None = None
        default: ast.expr | None = None
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            name_node = node.slice
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            is_get = (
                isinstance(func, ast.Attribute)
                and func.attr in {"get", "setdefault"}
                and _is_environ(func.value)
            )
            is_getenv = (
                isinstance(func, ast.Attribute)
                and func.attr == "getenv"
                and isinstance(func.value, ast.Name)
                and func.value.id == "os"
            )
            is_helper = isinstance(func, ast.Name) and func.id in helpers
            if is_get or is_getenv or is_helper:
                name_node = node.args[0]
                default = node.args[1] if len(node.args) > 1 else None
        if isinstance(name_node, ast.Constant) and isinstance(name_node.value, str):
            found.setdefault(name_node.value, _literal_default(default))
    return found


def documented() -> dict[str, tuple[bool, str]]:
    """Variables of the env file: name -> (commented out, value)."""
    lines = {}
    for line in ENV_FILE.read_text().splitlines():
        match = LINE.match(line.strip())
        if match:
            lines[match["name"]] = (bool(match["commented"]), match["value"].strip())
    return lines


def all_read() -> dict[str, str | None]:
    read: dict[str, str | None] = {}
    for path in READERS:
        for name, default in variables_read(path.read_text()).items():
            read.setdefault(name, default)
    return read


def test_the_parser_finds_every_way_settings_read_the_environment():
    source = (
        "import os\n"
        "def env_int(name, default):\n"
        "    return int(os.environ.get(name, str(default)))\n"
        'A = os.environ.get("A", "1")\n'
        'B = os.environ["B"]\n'
        'C = env_int("C", 5)\n'
        "D = f\"x{os.environ.get('D', '8000')}\"\n"
        'E = os.getenv("E")\n'
    )
    assert variables_read(source) == {"A": "1", "B": None, "C": "5", "D": "8000", "E": None}


def test_every_variable_the_settings_read_is_in_the_env_file():
    read = all_read()
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "WEB_WORKERS"} <= read.keys()
    missing = sorted(read.keys() - documented().keys())
    assert not missing, f"read by the settings but not documented in {ENV_FILE.name}: {missing}"


def test_a_default_shown_in_the_env_file_is_the_one_the_code_uses():
    lines = documented()
    wrong = {
        name: (lines[name][1], default)
        for name, default in all_read().items()
        if name in lines and lines[name][0] and default is not None and lines[name][1] != default
    }
    assert not wrong, f"(env file, code) defaults differ: {wrong}"


def test_the_env_file_documents_nothing_that_nobody_reads():
    scripts = " ".join(path.read_text() for path in (ROOT / "deploy").glob("*.sh"))
    read_by_scripts = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", scripts))
    stale = sorted(documented().keys() - all_read().keys() - read_by_scripts)
    assert not stale, f"documented but read by no setting or deploy script: {stale}"
