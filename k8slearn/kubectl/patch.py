"""``kubectl patch``: strategic merge, JSON merge and JSON patches.

Notes
-----
Mirrors kubectl ``pkg/cmd/patch``: ``-p/--patch`` (JSON or YAML), ``--type``
``strategic`` (default), ``merge`` or ``json``, ``--subresource status``; output
``<kind>/<name> patched`` or ``... patched (no change)``. The strategic merge here knows
the merge key of the common lists (:data:`~k8slearn.api.objects.PATCH_MERGE_KEYS`: containers,
env, volumes ... by ``name``, container ports by ``containerPort``); other lists, tolerations
included, are replaced, as in a JSON merge patch.
Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

from ..api.errors import ApiError
from ..api.objects import PATCH_MERGE_KEYS, deep_copy, merge_patch
from . import KubectlError, Terminal
from .builder import fetch, parse_resource_args
from .flags import GLOBAL_FLAGS, Flag, parse_flags

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_patch", "strategic_merge", "json_patch"]

_FLAGS = (
    Flag("patch", "p"),
    Flag("type"),
    Flag("subresource"),
    Flag("filename", "f", kind="list"),
    Flag("dry-run", default="none"),
    Flag("output", "o"),
    *GLOBAL_FLAGS,
)


def strategic_merge(target: Any, patch: Any, field: str = "") -> Any:
    """A strategic merge patch: maps merge, known lists merge by their key, ``null`` deletes."""
    if isinstance(patch, list) and isinstance(target, list) and field in PATCH_MERGE_KEYS:
        key = PATCH_MERGE_KEYS[field]
        if field == "ports" and not all("containerPort" in p for p in patch if isinstance(p, dict)):
            key = "port"  # Service ports merge by port
        out = [deep_copy(item) for item in target]
        for item in patch:
            if not isinstance(item, dict) or key not in item:
                return deep_copy(patch)
            for i, existing in enumerate(out):
                if isinstance(existing, dict) and existing.get(key) == item[key]:
                    out[i] = strategic_merge(existing, item)
                    break
            else:
                out.append(deep_copy(item))
        return out
    if not isinstance(patch, dict):
        return deep_copy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = strategic_merge(out.get(k), v, k)
    return out


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise KubectlError(f'unable to parse path "{path}": JSON pointer must be empty or start with a "/"')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> tuple[Any, str]:
    cur = doc
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    return cur, parts[-1]


def json_patch(doc: Any, ops: list[dict]) -> Any:
    """RFC 6902 JSON patch: add, remove, replace, move, copy, test."""
    doc = deep_copy(doc)
    for op in ops:
        kind = op.get("op")
        try:
            parts = _pointer(op.get("path", ""))
            if kind == "test":
                cur = doc
                for p in parts:
                    cur = cur[int(p)] if isinstance(cur, list) else cur[p]
                if cur != op.get("value"):
                    raise KubectlError(f"testing value {op.get('path')} failed")
                continue
            value = op.get("value")
            if kind in ("move", "copy"):
                src_parent, src_key = _parent(doc, _pointer(op.get("from", "")))
                idx = int(src_key) if isinstance(src_parent, list) else src_key
                value = deep_copy(src_parent[idx])
                if kind == "move":
                    del src_parent[idx]
                kind = "add"
            parent, key = _parent(doc, parts)
            if kind == "add":
                if isinstance(parent, list):
                    parent.insert(len(parent) if key == "-" else int(key), value)
                else:
                    parent[key] = value
            elif kind == "remove":
                del parent[int(key) if isinstance(parent, list) else key]
            elif kind == "replace":
                if isinstance(parent, list):
                    parent[int(key)] = value
                elif key not in parent:
                    raise KubectlError(f"replace operation does not apply: doc is missing key: {op.get('path')}")
                else:
                    parent[key] = value
            else:
                raise KubectlError(f"Unexpected kind: {kind}")
        except (KeyError, IndexError, ValueError, TypeError):
            raise KubectlError(
                f"{kind} operation does not apply: doc is missing path: {op.get('path')}: missing value"
            ) from None
    return doc


def run_patch(cluster: Cluster, args: list[str]) -> Any:
    """``kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json] [--subresource status]``."""
    positional, opts = parse_flags("patch", args, _FLAGS)
    text = opts["patch"]
    if not text:
        raise KubectlError("must specify --patch or --patch-file containing the contents of the patch")
    kind = opts["type"] or "strategic"
    if kind not in ("strategic", "merge", "json"):
        raise KubectlError(f"--type must be one of [json merge strategic], not {kind!r}")
    try:
        patch = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise KubectlError(f'unable to parse "{text}": {err}') from None
    if kind == "json" and not isinstance(patch, list):
        raise KubectlError(f'unable to parse "{text}": json patch must be a list of operations')
    if kind != "json" and not isinstance(patch, dict):
        raise KubectlError(f'unable to parse "{text}": a merge patch must be an object')
    if not positional:
        raise KubectlError("resource(s) were provided, but no name was specified")
    infos, errors = fetch(cluster, parse_resource_args(positional), namespace=opts["namespace"] or "default")
    term = Terminal()
    for info in infos:
        before = info.obj
        if kind == "json":
            new = json_patch(before, patch)
        elif kind == "merge":
            new = merge_patch(before, patch)
        else:
            new = strategic_merge(before, patch)
        new.setdefault("metadata", {})["resourceVersion"] = before["metadata"]["resourceVersion"]
        try:
            stored = cluster.api.update(new, subresource=opts["subresource"], copy=False)
        except ApiError as err:
            errors.append(err)
            continue
        same = stored["metadata"].get("resourceVersion") == before["metadata"].get("resourceVersion")
        term.out(f"{info.res.kubectl_kind}/{info.name} patched{' (no change)' if same else ''}\n")
    for err in errors:
        term.error(err)
    return term.result(1 if errors else 0)
