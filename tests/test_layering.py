"""The engine's modules import only modules above them in the README's table (no circle, not even
one under TYPE_CHECKING or inside a function), and the tools around the engine only where a build
must produce something (the search index, from pipeline.py)."""

from __future__ import annotations

import ast
import re

from conftest import REPO

TOOLS = {"search", "desk", "deploy", "wechat"}
ALLOWED_TOOL_IMPORTS = {("pipeline", "search")}


def table_order() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("The engine, in pipeline order", 1)[1].split("Tools around the engine", 1)[0]
    return [name for line in section.splitlines() if line.startswith("| `") for name in re.findall(r"`([a-z_]+)\.py`", line.split("|")[1])]


def imports_of(module: str) -> list[tuple[str, int]]:
    tree = ast.parse((REPO / "tide" / f"{module}.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for name in [node.module] if node.module else [a.name for a in node.names]:
                found.append((name.split(".")[0], node.lineno))
    return found


def test_every_engine_module_is_in_the_table_and_imports_only_what_is_above_it() -> None:
    order = table_order()
    modules = sorted(p.stem for p in (REPO / "tide").glob("*.py") if p.stem != "__init__")
    assert sorted(set(modules) - set(order)) == [], "modules missing from the README's table"
    place = {name: i for i, name in enumerate(order)}
    wrong = []
    for module in modules:
        for target, line in imports_of(module):
            if target in TOOLS:
                if (module, target) not in ALLOWED_TOOL_IMPORTS:
                    wrong.append(f"tide/{module}.py:{line} imports the tool {target}")
            elif place[target] >= place[module]:
                wrong.append(f"tide/{module}.py:{line} imports {target}, which is not above it")
    assert wrong == []
