"""The rooms keep their doors: data flows one way (DESIGN, "Layout of the code"). Every import of every module,
at the top or inside a function, is read from the source (ast) and checked against the arrows that must never be."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from config import ROOT

# (room, what it must never import, why)
NEVER = [
    (
        "data",
        ("callbacks", "layouts", "web", "cli", "reports", "app", "config", "dash", "flask"),
        "data knows no screen, web, command line, report or settings object",
    ),
    ("data/ingest", ("data.demo", "config"), "ingest takes plain arguments and never needs the demo generator"),
    ("reports", ("callbacks", "layouts", "web", "cli", "app", "dash", "flask"), "reports know no screen and no web"),
    ("callbacks", ("reports", "web"), "callbacks get rights and context as arguments and borrow no report helpers"),
    ("layouts", ("data", "callbacks"), "layouts never query and hold no behaviour"),
]


def imports(path: Path) -> list[tuple[int, str]]:
    """Returns (line, module) of every absolute import in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _hits(module: str, forbidden: tuple[str, ...]) -> bool:
    return any(module == f or module.startswith(f + ".") for f in forbidden)


@pytest.mark.parametrize("room, forbidden, why", NEVER, ids=[n[0] for n in NEVER])
def test_no_import_crosses_a_closed_door(room, forbidden, why):
    files = sorted((ROOT / room).rglob("*.py"))
    assert files, f"{room}/ has no modules"
    wrong = [
        f"{p.relative_to(ROOT)}:{line} imports {module}"
        for p in files
        for line, module in imports(p)
        if _hits(module, forbidden)
    ]
    assert not wrong, f"{why}:\n" + "\n".join(wrong)


def test_the_checker_sees_imports_inside_functions(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from web import security\n    import reports.docx\n")
    assert [m for _, m in imports(probe)] == ["web", "web.security", "reports.docx"]
