"""Turn ``TYPE [NAME...]``, ``TYPE/NAME`` and ``-l``/``--all`` into API objects.

Notes
-----
Mirrors cli-runtime's resource ``Builder`` (``ResourceTypeOrNameArgs``,
``splitResourceTypeName``, the ``all`` category, ``ContinueOnError``): the same
argument forms are accepted and the same errors come back, e.g. ``the server doesn't
have a resource type "foo"`` or ``resource(s) were provided, but no name was
specified``. Objects are the API server's shared, read-only dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from ..api import resources
from ..api.errors import ApiError
from ..api.resources import ResourceInfo
from . import KubectlError

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["Info", "Request", "resolve_type", "parse_resource_args", "fetch", "CATEGORY_ALL", "kind_string"]

#: What ``kubectl get all`` expands to, in discovery order (core, apps, autoscaling, batch),
#: limited to the kinds this simulator serves.
CATEGORY_ALL = ("pods", "services", "daemonsets", "deployments", "replicasets", "horizontalpodautoscalers", "jobs")


class Info(NamedTuple):
    """One object a command works on (cli-runtime ``resource.Info``)."""

    res: ResourceInfo
    obj: dict

    @property
    def name(self) -> str:
        return self.obj["metadata"]["name"]

    @property
    def namespace(self) -> str:
        return self.obj["metadata"].get("namespace") or ""


def kind_string(res: ResourceInfo) -> str:
    """``pod`` or ``deployment.apps``: lower-case ``Kind.group`` as kubectl prefixes names."""
    return res.kubectl_kind


def resolve_type(name: str) -> ResourceInfo:
    """A resource type as typed on the command line; unknown ones are kubectl's error."""
    try:
        return resources.resolve(name)
    except resources.UnknownResource:
        raise KubectlError(f'the server doesn\'t have a resource type "{name}"') from None


def _split_types(text: str) -> list[ResourceInfo]:
    out: list[ResourceInfo] = []
    for part in text.split(","):
        if not part:
            continue
        if part.lower() == "all":
            out.extend(resources.resolve(t) for t in CATEGORY_ALL)
        else:
            out.append(resolve_type(part))
    seen: list[ResourceInfo] = []
    for r in out:
        if r not in seen:
            seen.append(r)
    return seen


@dataclass
class Request:
    """Parsed resource arguments: ``types`` with ``names``, or explicit ``(type, name)`` tuples."""

    types: list[ResourceInfo]
    names: list[str]
    tuples: list[tuple[ResourceInfo, str]]

    @property
    def empty(self) -> bool:
        return not self.types and not self.tuples


def parse_resource_args(args: list[str]) -> Request:
    """Parse ``TYPE[,TYPE...] [NAME...]`` or ``TYPE/NAME...`` (``ResourceTypeOrNameArgs``).

    Examples
    --------
    >>> r = parse_resource_args(["pods,svc"])
    >>> [t.kind for t in r.types], r.names
    (['Pod', 'Service'], [])
    >>> [(t.kind, n) for t, n in parse_resource_args(["po/web", "deploy/api"]).tuples]
    [('Pod', 'web'), ('Deployment', 'api')]
    """
    words: list[str] = []
    for a in args:
        # "rc/foo,svc/bar" is two type/name pairs (normalizeMultipleResourcesArgs)
        if "/" in a and "," in a:
            words.extend(p for p in a.split(",") if p)
        else:
            words.append(a)
    slashed = sum(1 for w in words if "/" in w)
    if slashed:
        if slashed != len(words):
            raise KubectlError(
                "there is no need to specify a resource type as a separate argument when passing arguments in "
                "resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource "
                "resource/<resource_name>'"
            )
        tuples = []
        for w in words:
            parts = w.split("/")
            if len(parts) != 2:
                raise KubectlError("arguments in resource/name form may not have more than one slash")
            type_name, obj_name = parts
            if not type_name or not obj_name or "," in type_name:
                raise KubectlError("arguments in resource/name form must have a single resource and name")
            tuples.append((resolve_type(type_name), obj_name))
        return Request([], [], tuples)
    if not words:
        return Request([], [], [])
    return Request(_split_types(words[0]), words[1:], [])


def fetch(
    cluster: Cluster,
    request: Request,
    *,
    namespace: str,
    all_namespaces: bool = False,
    selector: str | None = None,
    field_selector: str | None = None,
    select_all: bool = False,
    allow_empty_selector: bool = False,
) -> tuple[list[Info], list[ApiError]]:
    """The objects a request names or selects, and the NotFound errors met on the way.

    ``allow_empty_selector`` makes a bare ``TYPE`` mean every object (``get``); without
    it (``delete``, ``label``) a type needs names, ``-l`` or ``--all``.
    """
    api = cluster.api
    infos: list[Info] = []
    errors: list[ApiError] = []
    if request.tuples:
        if selector:
            raise KubectlError("name cannot be provided when a selector is specified")
        if all_namespaces:
            raise KubectlError("a resource cannot be retrieved by name across all namespaces")
        for res, name in request.tuples:
            _get_one(api, res, name, namespace, infos, errors)
        return infos, errors
    if request.names:
        if selector or field_selector:
            raise KubectlError("name cannot be provided when a selector is specified")
        if len(request.types) > 1:
            raise KubectlError("you must specify only one resource")
        if all_namespaces:
            raise KubectlError("a resource cannot be retrieved by name across all namespaces")
        res = request.types[0]
        for name in request.names:
            _get_one(api, res, name, namespace, infos, errors)
        return infos, errors
    if not (selector or field_selector or select_all or allow_empty_selector):
        raise KubectlError("resource(s) were provided, but no name was specified")
    for res in request.types:
        ns = None if (all_namespaces or not res.namespaced) else namespace
        try:
            objs = api.list(res.kind, ns, selector=selector or None, field_selector=field_selector or None)
        except ValueError as err:
            raise KubectlError(str(err)) from None
        infos.extend(Info(res, o) for o in objs)
    return infos, errors


def _get_one(api: Any, res: ResourceInfo, name: str, namespace: str, infos: list, errors: list) -> None:
    obj = api.get_or_none(res.kind, name, namespace if res.namespaced else None)
    if obj is None:
        errors.append(ApiError.not_found(res.qualified_resource, name))
    else:
        infos.append(Info(res, obj))
