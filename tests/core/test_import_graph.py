"""app.follow_ups and app.interviews never import each other both ways (issue 19)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _module_name(path: Path, app: Path) -> str:
    parts = path.relative_to(app.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The modules an import statement names, absolute (`from app import x` names `app.x`)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        # A relative import counts from the module's package (a package's `__init__` is its own).
        package = module.split(".")
        package = package[: len(package) - node.level + (1 if is_package else 0)]
        base = ".".join([*package, *([base] if base else [])])
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def imports_between(source: str, target: str, app: Path = APP) -> list[str]:
    """Every import, at module level or inside a function, by which a module of package
    `source` names a module of package `target`, as `path:line: statement`."""
    found = []
    for path in sorted((app / source.removeprefix("app.").replace(".", "/")).rglob("*.py")):
        module = _module_name(path, app)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        statements = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        for node in sorted(statements, key=lambda n: n.lineno):
            names = _imported(node, module, path.name == "__init__.py")
            if any(n == target or n.startswith(f"{target}.") for n in names):
                found.append(f"{path.relative_to(app.parent)}:{node.lineno}: {ast.unparse(node)}")
    return found


# What app.follow_ups may use of app.interviews: its leaf modules (the table, the statuses, the
# not-found message), which import nothing of either package's services.
INTERVIEW_LEAVES = ("app.interviews.models", "app.interviews.lifecycle")


def _beyond(imports: list[str], leaves: tuple[str, ...]) -> list[str]:
    """The imports that name a module other than the leaves (or a name inside one)."""
    return [
        line
        for line in imports
        if not any(f" {leaf} " in line or line.endswith(f"import {leaf}") for leaf in leaves)
    ]


def test_follow_ups_and_interviews_do_not_import_each_other() -> None:
    # Interviews write follow-ups (completing one schedules its thank-you note), so that is
    # the direction allowed; follow-ups use only the interviews' table and statuses.
    there = imports_between("app.interviews", "app.follow_ups")
    back = _beyond(imports_between("app.follow_ups", "app.interviews"), INTERVIEW_LEAVES)
    assert not (there and back), (
        "app.follow_ups and app.interviews import each other:\n" + "\n".join([*there, *back])
    )
    for leaf in INTERVIEW_LEAVES:
        path = APP.parent / (leaf.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = [
            n.module
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("app.")
        ]
        assert all(m.startswith("app.core") for m in named), (leaf, named)


def test_the_finder_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    package = tmp_path / "app" / "follow_ups"
    package.mkdir(parents=True)
    (tmp_path / "app" / "interviews").mkdir()
    (package / "__init__.py").write_text("")
    (package / "service.py").write_text(
        "def later() -> None:\n"
        "    from app.interviews import service\n"
        "import app.interviews.models\n"
        "from ..interviews.lifecycle import InterviewStatus\n"
        "from app import interviews\n"
        "from app.people import models\n"
    )
    found = imports_between("app.follow_ups", "app.interviews", tmp_path / "app")
    assert found == [
        "app/follow_ups/service.py:2: from app.interviews import service",
        "app/follow_ups/service.py:3: import app.interviews.models",
        "app/follow_ups/service.py:4: from ..interviews.lifecycle import InterviewStatus",
        "app/follow_ups/service.py:5: from app import interviews",
    ]
