"""YAML that remembers where each top-level key was written, so errors can name the line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader that leaves dates as text: we parse them ourselves, with a message that helps."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"] for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


class YamlProblem(Exception):
    """Broken YAML, with the 1-based line in the document where the parser stopped."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _where(exc: yaml.MarkedYAMLError, first_line: int) -> tuple[int, str]:
    """The line to fix: where an unclosed bracket or quote opened, else where the parser stopped."""
    problem, context = exc.problem_mark, exc.context_mark
    message = f"invalid YAML: {exc.problem or exc.context}"
    if context is not None and problem is not None and context.line < problem.line:
        opened = (exc.context or "").removeprefix("while ")
        noticed = problem.line + first_line
        return context.line + first_line, f"{message} ({opened} that starts on this line; the parser noticed at line {noticed})"
    mark = problem or context
    return (mark.line + first_line if mark else first_line), message


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """A parsed document: its value and the 1-based line of each top-level key."""

    value: Any
    key_lines: dict[str, int]
    duplicate_keys: tuple[tuple[str, int], ...] = ()


def parse(text: str, first_line: int = 1) -> YamlDoc:
    """Parse one YAML document; raise YamlProblem with a line number on bad input.

    ``first_line``: the line of the file the document starts on (2 for front matter), so
    that every line number given back is a line of the file.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        raise YamlProblem(*_where(exc, first_line)) from None
    except yaml.YAMLError as exc:  # errors without a position, e.g. bad encodings
        raise YamlProblem(first_line, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    key_lines: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + first_line
            if key in key_lines:
                duplicates.append((key, line))
            key_lines.setdefault(key, line)
    return YamlDoc(value, key_lines, tuple(duplicates))
