"""Safe YAML loading that remembers line numbers, and pydantic errors turned into file:line messages."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from brandguard.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML file: plain data plus a way to find the line of any key path."""

    path: Path
    data: Any
    _tree: Any

    def line_of(self, loc: tuple[Any, ...]) -> int:
        """1-based line of the deepest node of `loc` that exists (1 when unknown)."""
        node, line = self._tree, 1
        for key in loc:
            try:
                if isinstance(node, CommentedMap) and key in node:
                    line = node.lc.key(key)[0] + 1
                    node = node[key]
                elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                    line = node.lc.item(key)[0] + 1
                    node = node[key]
                else:
                    break
            except (AttributeError, KeyError, TypeError, IndexError):
                break
        return line


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (str, int, float, bool)) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def load_yaml(path: str | Path) -> YamlDoc:
    """Parse a YAML file with the safe round-trip loader (no arbitrary tags); errors name file:line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    yaml = YAML(typ="rt", pure=True)
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError(f"{p}:{line}: YAML syntax error: {exc.problem or exc.context}") from None
    except YAMLError as exc:
        raise ConfigError(f"{p}: YAML error: {exc}") from None
    return YamlDoc(path=p, data=_plain(tree) if tree is not None else {}, _tree=tree)


def format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _is_internal(part: Any) -> bool:
    """pydantic puts union tags (CamelCase type names) and validator names into locations."""
    return isinstance(part, str) and (part.startswith("function-") or bool(_TAG_RE.match(part)))


_TAG_RE = re.compile(r"^[A-Z][A-Za-z]+$|^(str|int|float|bool|list|dict)(\[.*\])?$|^literal\[")


def validation_problems(doc: YamlDoc, exc: ValidationError, prefix: tuple[Any, ...] = ()) -> list[str]:
    """Every pydantic error as 'file:line: key.path: message', in document order."""
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(p for p in err["loc"] if not _is_internal(p))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        problems.append((doc.line_of(loc), f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: {msg}"))
    problems.sort(key=lambda t: t[0])
    return [p for _, p in problems]


def validate(doc: YamlDoc, model: type[M], data: Any = None, prefix: tuple[Any, ...] = ()) -> M:
    """Validate `data` (default: the whole document) against `model`, raising ConfigError with all errors."""
    payload = doc.data if data is None else data
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise ConfigError(validation_problems(doc, exc, prefix)) from None
