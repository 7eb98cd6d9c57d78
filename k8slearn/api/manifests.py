"""Manifests: YAML/JSON text, files and folders -> Kubernetes-shaped dicts.

Accepts what ``kubectl apply -f`` accepts: multi-document YAML, ``kind: List``,
JSON, a file, or a folder of ``.yaml``/``.yml``/``.json`` files (sorted by name).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import ApiError

__all__ = ["load_manifests", "dump_yaml"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_EXTENSIONS = (".yaml", ".yml", ".json")


def load_manifests(source: Any) -> list[dict]:
    """Parse ``source`` into a flat list of objects.

    ``source`` is YAML/JSON text, a dict, a list of dicts, or a path (str or
    :class:`~pathlib.Path`) to a file or folder. Empty documents are skipped;
    ``kind: List`` is expanded. Parse errors raise :class:`ApiError` (400) before
    anything reaches the cluster.

    Examples
    --------
    >>> [o["kind"] for o in load_manifests("kind: Namespace\\n---\\nkind: Pod\\n")]
    ['Namespace', 'Pod']
    """
    if isinstance(source, Mapping):
        return _expand([dict(source)], "<object>")
    if isinstance(source, Path) or (isinstance(source, str) and _looks_like_path(source)):
        return _load_path(Path(source))
    if isinstance(source, str):
        return _parse_text(source, "<string>")
    if isinstance(source, Iterable):
        out: list[dict] = []
        for item in source:
            out.extend(load_manifests(item))
        return out
    raise ApiError.bad_request(f"cannot read manifests from {type(source).__name__}")


def _looks_like_path(text: str) -> bool:
    if "\n" in text:
        return False
    return text.endswith(_EXTENSIONS) or os.path.isdir(text) or os.path.isfile(text)


def _load_path(path: Path) -> list[dict]:
    if path.is_dir():
        out: list[dict] = []
        for child in sorted(path.iterdir()):
            if child.suffix in _EXTENSIONS and child.is_file():
                out.extend(_parse_text(child.read_text(encoding="utf-8"), str(child)))
        return out
    if not path.exists():
        raise ApiError.bad_request(f'the path "{path}" does not exist')
    return _parse_text(path.read_text(encoding="utf-8"), str(path))


def _parse_text(text: str, origin: str) -> list[dict]:
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as err:
        raise ApiError.bad_request(f"error parsing {origin}: error converting YAML to JSON: {err}") from None
    return _expand([d for d in docs if d is not None], origin)


def _expand(docs: list[Any], origin: str) -> list[dict]:
    out: list[dict] = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise ApiError.bad_request(
                f"error parsing {origin}: a manifest must be a mapping, got {type(doc).__name__}"
            )
        if doc.get("kind") == "List" or (str(doc.get("kind", "")).endswith("List") and "items" in doc):
            out.extend(_expand(list(doc.get("items") or []), origin))
        else:
            out.append(doc)
    return out


def dump_yaml(obj: Any) -> str:
    """YAML as kubectl prints it (keys sorted, block style)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(obj, Dumper=dumper, default_flow_style=False, sort_keys=True, allow_unicode=True, width=10**9)
