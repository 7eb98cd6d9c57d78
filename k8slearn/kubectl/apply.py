"""Commands that write objects: ``apply``, ``create`` (``-f`` and the generators), ``run``, ``expose``.

Notes
-----
Mirrors kubectl ``pkg/cmd/apply`` (``<kind>[.<group>]/<name> created|configured|
unchanged``, errors collected per object, ``error when creating "<file>": ...``),
``pkg/cmd/create`` (``create deployment|namespace|configmap|secret generic``),
``pkg/generate/versioned`` (the Pod ``kubectl run`` builds: label ``run=<name>``) and
``pkg/cmd/expose`` (selector, ports and labels taken from the exposed object).
Files are read relative to the current directory; ``-f -`` reads the text given as
``k8slearn.kubectl.run(cluster, "apply -f -", stdin=yaml_text)``.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..api import resources
from ..api.errors import ApiError
from ..api.manifests import load_manifests
from . import STDIN, KubectlError, KubectlOutput, Terminal, usage_error
from .builder import fetch, parse_resource_args, resolve_type
from .flags import GLOBAL_FLAGS, Flag, parse_flags

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["run_apply", "run_create", "run_run", "run_expose", "read_manifests", "read_sources"]

_EXTENSIONS = (".yaml", ".yml", ".json")


def read_sources(paths: list[str], recursive: bool = False) -> list[tuple[str, dict]]:
    """``(source, object)`` for every manifest in ``paths`` (files, folders or ``-`` for stdin)."""
    out: list[tuple[str, dict]] = []
    for path in paths:
        if path == "-":
            text = STDIN.get()
            if text is None:
                raise KubectlError("no objects passed to apply (give the manifest as stdin=...)")
            try:
                out.extend(("STDIN", o) for o in load_manifests(text if "\n" in text else text + "\n"))
            except ApiError as err:
                raise KubectlError(err.message) from None
            continue
        if path.startswith(("http://", "https://")):
            raise KubectlError(f"k8slearn has no network: save {path} to a file and use -f <file>")
        p = Path(path)
        if not p.exists():
            raise KubectlError(f'the path "{path}" does not exist')
        files = [p]
        if p.is_dir():
            pattern = "**/*" if recursive else "*"
            files = sorted(f for f in p.glob(pattern) if f.is_file() and f.suffix in _EXTENSIONS)
        for f in files:
            try:
                objs = load_manifests(f.read_text(encoding="utf-8"))
            except ApiError as err:
                raise KubectlError(err.message.replace("<string>", str(f))) from None
            out.extend((os.fspath(f) if p.is_dir() else path, o) for o in objs)
    return out


def read_manifests(paths: list[str], recursive: bool = False) -> list[dict]:
    """The objects in ``paths`` (see :func:`read_sources`)."""
    return [o for _, o in read_sources(paths, recursive)]


def _with_source(err: ApiError, verb: str, source: str) -> ApiError:
    """``cmdutil.AddSourceToErr``: the server message gets ``error when <verb> "<file>": ``."""
    if err.reason == "Invalid" and err.kind:
        return err
    return ApiError(err.code, err.reason, f'error when {verb} "{source}": {err.message}', err.kind, err.name)


def _object_namespace(obj: dict, namespace: str, explicit: bool) -> str | None:
    res = resources.resolve(obj.get("kind", "")) if obj.get("kind") else None
    if res is None or not res.namespaced:
        return None
    own = (obj.get("metadata") or {}).get("namespace")
    if own and explicit and own != namespace:
        raise KubectlError(
            f'the namespace from the provided object "{own}" does not match the namespace "{namespace}". '
            f"You must pass '--namespace={own}' to perform this operation."
        )
    return own or namespace


def _finish(term: Terminal, errors: list[BaseException]) -> KubectlOutput:
    if len(errors) == 1:
        term.error(errors[0])
    else:
        for err in errors:
            if isinstance(err, ApiError):
                term.err(f"Error from server ({err.reason}): {err.message}" if err.reason else err.message)
            else:
                term.error(err)
    return term.result(1 if errors else 0)


APPLY_FLAGS = (
    Flag("filename", "f", kind="list"),
    Flag("recursive", "R", kind="bool", default=False),
    Flag("dry-run", default="none"),
    Flag("server-side", kind="bool", default=False),
    Flag("force-conflicts", kind="bool", default=False),
    Flag("output", "o"),
    Flag("validate", default="strict"),
    Flag("field-manager", default="kubectl-client-side-apply"),
    Flag("prune", kind="bool", default=False),
    Flag("selector", "l"),
    Flag("all", kind="bool", default=False),
    Flag("kustomize", "k"),
    *GLOBAL_FLAGS,
)


def _dry_run(value: str | None) -> str:
    if value in (None, "", "none", "false"):
        return ""
    if value in ("client", "true"):
        return " (dry run)"
    if value == "server":
        return " (server dry run)"
    raise KubectlError(f'Invalid dry-run value ({value}). Must be "none", "server", or "client".')


def run_apply(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl apply -f FILE|DIR|-``: create or update every object; one line per object."""
    args, opts = parse_flags("apply", args, APPLY_FLAGS)
    if args:
        raise usage_error("apply", f"Unexpected args: {args}")
    if opts["kustomize"]:
        raise KubectlError("kustomize is not simulated by k8slearn; apply the rendered manifests with -f")
    if not opts["filename"]:
        raise KubectlError("must specify one of -f and -k")
    dry = _dry_run(opts["dry-run"])
    namespace = opts["namespace"] or "default"
    explicit = opts["namespace"] is not None
    sources = read_sources(opts["filename"], opts["recursive"])
    if not sources:
        raise KubectlError("no objects passed to apply")
    term = Terminal()
    errors: list[BaseException] = []
    api = cluster.api
    for source, obj in sources:
        try:
            ns = _object_namespace(obj, namespace, explicit)
            res = resolve_type(obj.get("kind") or "")
            if dry:
                name = (obj.get("metadata") or {}).get("name", "")
                exists = api.get_or_none(res.kind, name, ns) is not None
                term.out(f"{res.kubectl_kind}/{name} {'configured' if exists else 'created'}{dry}\n")
                continue
            stored, op = api.apply(obj, namespace=ns)
            term.out(f"{res.kubectl_kind}/{stored['metadata']['name']} {op}\n")
        except ApiError as err:
            errors.append(_with_source(err, "creating" if _absent(api, obj, namespace) else "patching", source))
        except KubectlError as err:
            errors.append(err)
    return _finish(term, errors)


def _absent(api: Any, obj: dict, namespace: str) -> bool:
    try:
        res = resources.resolve(obj.get("kind", ""))
    except resources.UnknownResource:
        return True
    name = (obj.get("metadata") or {}).get("name")
    ns = (obj.get("metadata") or {}).get("namespace") or namespace
    return not name or api.get_or_none(res.kind, name, ns if res.namespaced else None) is None


CREATE_FLAGS = (
    Flag("filename", "f", kind="list"),
    Flag("recursive", "R", kind="bool", default=False),
    Flag("dry-run", default="none"),
    Flag("output", "o"),
    Flag("save-config", kind="bool", default=False),
    Flag("validate", default="strict"),
    Flag("edit", kind="bool", default=False),
    *GLOBAL_FLAGS,
)


def run_create(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl create -f FILE`` or ``create deployment|namespace|configmap|secret generic NAME ...``."""
    if args and not args[0].startswith("-"):
        sub = args[0]
        handler = _GENERATORS.get(sub)
        if handler is None:
            if sub in _OTHER_GENERATORS:
                raise KubectlError(f'"kubectl create {sub}" is not simulated by k8slearn')
            raise usage_error("create", f'unknown command "{sub}"')
        return handler(cluster, args[1:])
    args, opts = parse_flags("create", args, CREATE_FLAGS)
    if args:
        raise usage_error("create", f"Unexpected args: {args}")
    if not opts["filename"]:
        raise KubectlError(
            "must specify one of -f and -k\n\n"
            "Create a resource from a file or from stdin.\n\n"
            " JSON and YAML formats are accepted."
        )
    dry = _dry_run(opts["dry-run"])
    namespace = opts["namespace"] or "default"
    explicit = opts["namespace"] is not None
    term = Terminal()
    errors: list[BaseException] = []
    for source, obj in read_sources(opts["filename"], opts["recursive"]):
        try:
            ns = _object_namespace(obj, namespace, explicit)
            res = resolve_type(obj.get("kind") or "")
            if dry:
                term.out(f"{res.kubectl_kind}/{(obj.get('metadata') or {}).get('name', '')} created{dry}\n")
                continue
            stored = cluster.api.create(obj, namespace=ns)
            term.out(f"{res.kubectl_kind}/{stored['metadata']['name']} created\n")
        except ApiError as err:
            errors.append(_with_source(err, "creating", source))
        except KubectlError as err:
            errors.append(err)
    return _finish(term, errors)


def _one_name(command: str, args: list[str]) -> str:
    if len(args) != 1:
        raise usage_error(command, f"exactly one NAME is required, got {len(args)}")
    return args[0]


def _create_object(cluster: Cluster, obj: dict, namespace: str, dry: str) -> str:
    res = resources.by_kind(obj["kind"])
    if dry:
        return f"{res.kubectl_kind}/{obj['metadata']['name']} created{dry}\n"
    stored = cluster.api.create(obj, namespace=namespace if res.namespaced else None)
    return f"{res.kubectl_kind}/{stored['metadata']['name']} created\n"


def _container_name(cluster: Cluster, image: str) -> str:
    """The container name ``create deployment`` derives from an image (``sanitizeAndUniquify``)."""
    name = image.split("/")[-1].split(":")[0].split("@")[0]
    if "_" in name or "." in name:
        name = name.replace("_", "-").replace(".", "-") + "-" + cluster.api.random_suffix()
    return name


def _create_deployment(cluster: Cluster, args: list[str]) -> str:
    spec = (
        Flag("image", kind="list"),
        Flag("replicas", "r", kind="int", default=1),
        Flag("port", kind="int", default=-1),
        Flag("dry-run", default="none"),
        Flag("output", "o"),
        *GLOBAL_FLAGS,
    )
    args, opts = parse_flags("create deployment", args, spec)
    if not opts["image"]:
        raise KubectlError('required flag(s) "image" not set')
    if not args:
        raise usage_error("create deployment", "exactly one NAME is required, got 0")
    name, command = args[0], args[1:]
    if command and len(opts["image"]) > 1:
        raise KubectlError("cannot specify multiple --image options and command")
    labels = {"app": name}
    containers = []
    for image in opts["image"]:
        c: dict[str, Any] = {"name": _container_name(cluster, image), "image": image}
        if command:
            c["command"] = list(command)
        containers.append(c)
    if opts["port"] >= 0 and containers:
        containers[0]["ports"] = [{"containerPort": opts["port"]}]
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "replicas": opts["replicas"],
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": containers}},
        },
    }
    return _create_object(cluster, obj, opts["namespace"] or "default", _dry_run(opts["dry-run"]))


def _create_namespace(cluster: Cluster, args: list[str]) -> str:
    args, opts = parse_flags(
        "create namespace", args, (Flag("dry-run", default="none"), Flag("output", "o"), *GLOBAL_FLAGS)
    )
    name = _one_name("create namespace", args)
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    return _create_object(cluster, obj, "", _dry_run(opts["dry-run"]))


def _key_values(literals: list[str], files: list[str], kind: str) -> dict[str, bytes]:
    data: dict[str, bytes] = {}
    for lit in literals:
        key, sep, value = lit.partition("=")
        if not sep or not key:
            raise KubectlError(f"invalid literal source {lit}, expected key=value")
        data[key] = value.encode()
    for spec in files:
        key, sep, path = spec.partition("=")
        if not sep:
            path, key = spec, os.path.basename(spec)
        p = Path(path)
        if not p.exists():
            raise KubectlError(f"error reading {path}: no such file or directory")
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if f.is_file():
                    data[f.name] = f.read_bytes()
        else:
            data[key] = p.read_bytes()
    for key in data:
        import re

        if not re.fullmatch(r"[-._a-zA-Z0-9]+", key):
            raise KubectlError(
                f'"{key}" is not a valid key name for a {kind}: a valid config key must consist of alphanumeric '
                "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
                "validation is '[-._a-zA-Z0-9]+')"
            )
    return data


_DATA_FLAGS = (
    Flag("from-literal", kind="list"),
    Flag("from-file", kind="list"),
    Flag("from-env-file", kind="list"),
    Flag("dry-run", default="none"),
    Flag("output", "o"),
    *GLOBAL_FLAGS,
)


def _create_configmap(cluster: Cluster, args: list[str]) -> str:
    args, opts = parse_flags("create configmap", args, _DATA_FLAGS)
    name = _one_name("create configmap", args)
    data = _key_values(opts["from-literal"], opts["from-file"], "ConfigMap")
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    text, binary = {}, {}
    for k, v in data.items():
        try:
            text[k] = v.decode("utf-8")
        except UnicodeDecodeError:
            binary[k] = base64.b64encode(v).decode()
    if text:
        obj["data"] = text
    if binary:
        obj["binaryData"] = binary
    return _create_object(cluster, obj, opts["namespace"] or "default", _dry_run(opts["dry-run"]))


def _create_secret(cluster: Cluster, args: list[str]) -> str:
    if not args or args[0] != "generic":
        sub = args[0] if args else ""
        if sub in ("docker-registry", "tls"):
            raise KubectlError(f'"kubectl create secret {sub}" is not simulated by k8slearn')
        raise usage_error("create secret", f'unknown command "{sub}"' if sub else "Required subcommand not given")
    args, opts = parse_flags("create secret generic", args[1:], (*_DATA_FLAGS, Flag("type")))
    name = _one_name("create secret generic", args)
    data = _key_values(opts["from-literal"], opts["from-file"], "Secret")
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}}
    if data:
        obj["data"] = {k: base64.b64encode(v).decode() for k, v in data.items()}
    obj["type"] = opts["type"] or "Opaque"
    return _create_object(cluster, obj, opts["namespace"] or "default", _dry_run(opts["dry-run"]))


_GENERATORS = {
    "deployment": _create_deployment,
    "deploy": _create_deployment,
    "namespace": _create_namespace,
    "ns": _create_namespace,
    "configmap": _create_configmap,
    "cm": _create_configmap,
    "secret": _create_secret,
}
_OTHER_GENERATORS = (
    "clusterrole", "clusterrolebinding", "cronjob", "ingress", "job", "poddisruptionbudget", "pdb",
    "priorityclass", "pc", "quota", "resourcequota", "role", "rolebinding", "service", "svc",
    "serviceaccount", "sa", "token",
)  # fmt: skip


RUN_FLAGS = (
    Flag("image"),
    Flag("port"),
    Flag("labels", "l"),
    Flag("env", kind="list"),
    Flag("restart", default="Always"),
    Flag("command", kind="bool", default=False),
    Flag("image-pull-policy"),
    Flag("dry-run", default="none"),
    Flag("output", "o"),
    Flag("annotations", kind="list"),
    Flag("stdin", "i", kind="bool", default=False),
    Flag("tty", "t", kind="bool", default=False),
    Flag("rm", kind="bool", default=False),
    Flag("attach", kind="bool", default=False),
    Flag("expose", kind="bool", default=False),
    Flag("serviceaccount"),
    Flag("privileged", kind="bool", default=False),
    *GLOBAL_FLAGS,
)


def run_run(cluster: Cluster, args: list[str]) -> str | KubectlOutput:
    """``kubectl run NAME --image=IMAGE [--port=N] [--labels=k=v] [-- ARGS]``: one Pod."""
    dashdash = args.index("--") if "--" in args else len(args)
    head, container_args = args[:dashdash], args[dashdash + 1 :]
    positional, opts = parse_flags("run", head, RUN_FLAGS)
    if not opts["image"]:
        raise KubectlError('required flag(s) "image" not set')
    if not positional:
        raise usage_error("run", "NAME is required for run")
    name = positional[0]
    container_args = positional[1:] + container_args
    if opts["stdin"] or opts["tty"] or opts["attach"] or opts["rm"]:
        raise KubectlError("attaching to containers is not simulated by k8slearn (drop -i/-t/--rm/--attach)")
    if opts["restart"] not in ("Always", "OnFailure", "Never"):
        raise usage_error("run", f"invalid restart policy: {opts['restart']}")
    if opts["expose"] and not opts["port"]:
        raise usage_error("run", "--port must be set when exposing a service")
    labels = {"run": name}
    if opts["labels"]:
        labels = {}
        for part in opts["labels"].split(","):
            k, sep, v = part.partition("=")
            if not sep:
                raise KubectlError(f"unexpected label spec: {part}")
            labels[k] = v
    container: dict[str, Any] = {"name": name, "image": opts["image"], "resources": {}}
    if container_args:
        container["command" if opts["command"] else "args"] = container_args
    if opts["env"]:
        container["env"] = []
        for e in opts["env"]:
            k, _, v = e.partition("=")
            container["env"].append({"name": k, "value": v})
    if opts["image-pull-policy"]:
        container["imagePullPolicy"] = opts["image-pull-policy"]
    if opts["port"]:
        try:
            container["ports"] = [{"containerPort": int(opts["port"])}]
        except ValueError:
            raise KubectlError(f'strconv.Atoi: parsing "{opts["port"]}": invalid syntax') from None
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": opts["restart"]},
    }
    if opts["annotations"]:
        pod["metadata"]["annotations"] = dict(a.partition("=")[::2] for a in opts["annotations"])
    if opts["serviceaccount"]:
        pod["spec"]["serviceAccountName"] = opts["serviceaccount"]
    namespace = opts["namespace"] or "default"
    dry = _dry_run(opts["dry-run"])
    text = ""
    if opts["expose"]:
        svc = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {
                "selector": dict(labels),
                "ports": [{"port": int(opts["port"]), "protocol": "TCP", "targetPort": int(opts["port"])}],
            },
        }
        text += _create_object(cluster, svc, namespace, dry)
    text += _create_object(cluster, pod, namespace, dry)
    return text


EXPOSE_FLAGS = (
    Flag("port"),
    Flag("target-port"),
    Flag("protocol"),
    Flag("type"),
    Flag("name"),
    Flag("selector"),
    Flag("labels", "l"),
    Flag("external-ip"),
    Flag("cluster-ip"),
    Flag("session-affinity"),
    Flag("load-balancer-ip"),
    Flag("filename", "f", kind="list"),
    Flag("dry-run", default="none"),
    Flag("output", "o"),
    *GLOBAL_FLAGS,
)

_EXPOSABLE = ("Pod", "Service", "Deployment", "ReplicaSet")


def _pod_spec_of(obj: dict) -> dict:
    if obj.get("kind") == "Pod":
        return obj.get("spec") or {}
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def run_expose(cluster: Cluster, args: list[str]) -> str:
    """``kubectl expose deployment web --port=80 [--target-port=8080] [--type=NodePort]``."""
    args, opts = parse_flags("expose", args, EXPOSE_FLAGS)
    namespace = opts["namespace"] or "default"
    if not args and not opts["filename"]:
        raise KubectlError(
            "You must provide one or more resources by argument or filename.\n"
            "Example resource specifications include:\n"
            "   '-f rsrc.yaml'\n"
            "   '--filename=rsrc.json'\n"
            "   '<resource> <name>'\n"
            "   '<resource>'"
        )
    if opts["filename"]:
        args = [f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}" for o in read_manifests(opts["filename"])]
    infos, errors = fetch(cluster, parse_resource_args(args), namespace=namespace)
    if errors:
        raise errors[0]
    out = []
    for info in infos:
        obj = info.obj
        if info.res.kind not in _EXPOSABLE:
            raise KubectlError(f"cannot expose a {info.res.qualified_kind}")
        selector = opts["selector"]
        if not selector:
            if info.res.kind == "Pod":
                sel = obj["metadata"].get("labels") or {}
            elif info.res.kind == "Service":
                sel = (obj.get("spec") or {}).get("selector") or {}
            else:
                ls = (obj.get("spec") or {}).get("selector") or {}
                if ls.get("matchExpressions"):
                    raise KubectlError(
                        "couldn't retrieve selectors via --selector flag or introspection: couldn't convert "
                        f'expressions - "{ls["matchExpressions"]}" to map-based selector format'
                    )
                sel = ls.get("matchLabels") or {}
            if not sel:
                raise KubectlError(
                    "couldn't retrieve selectors via --selector flag or introspection: the "
                    f"{info.res.kind.lower()} has no labels"
                )
        else:
            sel = dict(p.partition("=")[::2] for p in selector.split(","))
        port_text = opts["port"]
        protocols: dict[str, str] = {}
        if info.res.kind == "Service":
            found = [str(p.get("port")) for p in (obj.get("spec") or {}).get("ports") or ()]
            for p in (obj.get("spec") or {}).get("ports") or ():
                protocols[str(p.get("port"))] = p.get("protocol") or "TCP"
        else:
            found = []
            for c in _pod_spec_of(obj).get("containers") or ():
                for p in c.get("ports") or ():
                    found.append(str(p.get("containerPort")))
                    protocols[str(p.get("containerPort"))] = p.get("protocol") or "TCP"
        if not port_text:
            if not found and opts["cluster-ip"] != "None":
                raise KubectlError("couldn't find port via --port flag or introspection")
            port_text = ",".join(found)
        ports = []
        pieces = [p for p in port_text.split(",") if p]
        for i, piece in enumerate(pieces):
            try:
                number = int(piece)
            except ValueError:
                raise KubectlError(f'strconv.Atoi: parsing "{piece}": invalid syntax') from None
            port: dict[str, Any] = {"port": number, "protocol": opts["protocol"] or protocols.get(piece, "TCP")}
            if len(pieces) > 1:
                port = {"name": f"port-{i + 1}", **port}
            target = opts["target-port"]
            if target:
                port["targetPort"] = int(target) if target.isdigit() else target
            else:
                port["targetPort"] = number
            ports.append(port)
        labels = obj["metadata"].get("labels") or {}
        if opts["labels"]:
            labels = dict(p.partition("=")[::2] for p in opts["labels"].split(","))
        name = opts["name"] or info.name[:63]
        svc: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {"ports": ports, "selector": dict(sel)},
        }
        if labels:
            svc["metadata"]["labels"] = dict(labels)
        if opts["type"]:
            svc["spec"]["type"] = opts["type"]
        if opts["external-ip"]:
            svc["spec"]["externalIPs"] = [opts["external-ip"]]
        if opts["cluster-ip"]:
            svc["spec"]["clusterIP"] = opts["cluster-ip"]
        if opts["session-affinity"]:
            if opts["session-affinity"] not in ("None", "ClientIP"):
                raise KubectlError(f"unknown session affinity: {opts['session-affinity']}")
            svc["spec"]["sessionAffinity"] = opts["session-affinity"]
        dry = _dry_run(opts["dry-run"])
        if dry:
            out.append(f"service/{name} exposed{dry}\n")
            continue
        stored = cluster.api.create(svc, namespace=namespace)
        out.append(f"service/{stored['metadata']['name']} exposed\n")
    return "".join(out)
