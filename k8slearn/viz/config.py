"""Which pod sees which configuration value, and where it comes from.

:func:`config_table` follows every ``env`` entry (``value``, ``configMapKeyRef``,
``secretKeyRef``), every ``envFrom`` source and every ``configMap`` / ``secret`` /
``projected`` volume of the pods to the ConfigMap or Secret key behind it.
:func:`draw_config` draws the same as a picture: ConfigMaps and Secrets on the left,
pods on the right, one line per value a container receives.

Secret values are never shown: a Secret's value appears as ``<secret: N bytes>``, as
``kubectl describe secret`` shows it. (A Secret is base64-*encoded*, not encrypted:
anyone allowed to ``get`` it reads the value; this module simply does not print it.)
The ``kube-api-access-*`` volume every pod gets from the ServiceAccount admission plugin
(the API token and ``kube-root-ca.crt``) is left out: it is the pod's identity, not the
application's configuration. Missing objects or keys appear as ``<missing>`` (``<missing, optional>`` when the
reference is ``optional``) - the reason a container waits in
``CreateContainerConfigError``.

Notes
-----
The values are those the objects hold *now*. A container's environment is fixed when
the container starts; ConfigMap and Secret volumes are refreshed by a real kubelet
within about a minute (k8slearn's kubelet writes them when the container starts).
Used in: 08_config_secrets_storage.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..api.admission import is_token_volume
from .style import COLORS, apply_style, pod_color

if TYPE_CHECKING:
    import pandas as pd

    from ..cluster import Cluster

__all__ = ["config_table", "draw_config", "secret_placeholder", "CONFIG_COLUMNS"]

CONFIG_COLUMNS = ["pod", "container", "via", "name", "source", "key", "value"]
_SECRET_COLOR = "#b83280"  # magenta-ish: a Secret, never its value
POD_FAILED = "#d62828"


def secret_placeholder(encoded: str | None) -> str:
    """``<secret: N bytes>`` for a Secret's base64 ``data`` value (N = decoded length).

    Examples
    --------
    >>> secret_placeholder("czNjcjN0")
    '<secret: 6 bytes>'
    """
    try:
        n = len(base64.b64decode(encoded or "", validate=False))
    except (binascii.Error, ValueError):
        n = 0
    return f"<secret: {n} bytes>"


def _wrap(text: str, width: int, lines: int) -> list[str]:
    """``text`` broken at commas/spaces into at most ``lines`` lines of ``width``; the last one clipped."""
    import textwrap

    out = textwrap.wrap(text, width) or [""]
    if len(out) > lines:
        out = out[: lines - 1] + [_show(" ".join(out[lines - 1 :]), width)]
    return out


def _show(value: str, width: int = 32) -> str:
    text = value.replace("\n", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"


class _Sources:
    """ConfigMaps and Secrets of one namespace, read once."""

    def __init__(self, cluster: Cluster, namespace: str) -> None:
        api = cluster.api
        self.config_maps = {o["metadata"]["name"]: o for o in api.list("ConfigMap", namespace)}
        self.secrets = {o["metadata"]["name"]: o for o in api.list("Secret", namespace)}

    def keys(self, kind: str, name: str) -> list[str] | None:
        obj = (self.config_maps if kind == "ConfigMap" else self.secrets).get(name)
        if obj is None:
            return None
        keys = set(obj.get("data") or {}) | (set(obj.get("binaryData") or {}) if kind == "ConfigMap" else set())
        return sorted(keys)

    def value(self, kind: str, name: str, key: str, optional: bool) -> str:
        missing = "<missing, optional>" if optional else "<missing>"
        if kind == "Secret":
            obj = self.secrets.get(name)
            if obj is None or key not in (obj.get("data") or {}):
                return missing
            return secret_placeholder((obj.get("data") or {})[key])
        obj = self.config_maps.get(name)
        if obj is None:
            return missing
        if key in (obj.get("data") or {}):
            return _show(str(obj["data"][key]))
        if key in (obj.get("binaryData") or {}):
            return secret_placeholder(obj["binaryData"][key]).replace("secret", "binary")
        return missing


def _volume_sources(volume: Mapping) -> list[tuple[str, Mapping]]:
    if volume.get("configMap") is not None:
        return [("ConfigMap", volume["configMap"])]
    if volume.get("secret") is not None:
        src = dict(volume["secret"])
        src["name"] = src.get("secretName", "")
        return [("Secret", src)]
    out = []
    for item in (volume.get("projected") or {}).get("sources") or ():
        if item.get("configMap") is not None:
            out.append(("ConfigMap", item["configMap"]))
        elif item.get("secret") is not None:
            out.append(("Secret", item["secret"]))
    return out


def config_table(cluster: Cluster, namespace: str = "default", pods: Any = None) -> pd.DataFrame:
    """One row per configuration value a container receives.

    Parameters
    ----------
    namespace
        The pods' namespace.
    pods
        Pod names to include (default: every pod that uses a ConfigMap or Secret).

    Returns
    -------
    DataFrame with columns pod, container, via (``env``, ``envFrom``, ``volume``), name
    (the variable, or the file path inside the container), source (``ConfigMap/x`` or
    ``Secret/x``), key and value (Secrets as ``<secret: N bytes>``).
    """
    import pandas as pd

    wanted = None if pods is None else {pods} if isinstance(pods, str) else set(pods)
    sources = _Sources(cluster, namespace)
    rows: list[dict] = []
    for pod in cluster.api.list("Pod", namespace):
        name = pod["metadata"]["name"]
        if wanted is not None and name not in wanted:
            continue
        spec = pod.get("spec") or {}
        volumes = {v.get("name"): v for v in spec.get("volumes") or ()}
        for c in list(spec.get("initContainers") or []) + list(spec.get("containers") or []):
            cname = c.get("name", "")
            for src in c.get("envFrom") or ():
                kind = "ConfigMap" if src.get("configMapRef") is not None else "Secret"
                ref = src.get("configMapRef") if kind == "ConfigMap" else src.get("secretRef") or {}
                keys = sources.keys(kind, ref.get("name", ""))
                optional = bool(ref.get("optional"))
                if keys is None:
                    rows.append(_row(name, cname, "envFrom", "*", kind, ref.get("name", ""), "*",
                                     "<missing, optional>" if optional else "<missing>"))  # fmt: skip
                    continue
                for key in keys:
                    rows.append(_row(name, cname, "envFrom", src.get("prefix", "") + key, kind, ref.get("name", ""),
                                     key, sources.value(kind, ref.get("name", ""), key, optional)))  # fmt: skip
            for env in c.get("env") or ():
                vf = env.get("valueFrom") or {}
                if vf.get("configMapKeyRef") is not None or vf.get("secretKeyRef") is not None:
                    kind = "ConfigMap" if vf.get("configMapKeyRef") is not None else "Secret"
                    ref = vf.get("configMapKeyRef") if kind == "ConfigMap" else vf.get("secretKeyRef")
                    rows.append(_row(name, cname, "env", env.get("name", ""), kind, ref.get("name", ""),
                                     ref.get("key", ""),
                                     sources.value(kind, ref.get("name", ""), ref.get("key", ""),
                                                   bool(ref.get("optional")))))  # fmt: skip
                elif "value" in env:
                    rows.append(
                        _row(name, cname, "env", env.get("name", ""), "value", "", "", _show(str(env["value"])))
                    )
            for mount in c.get("volumeMounts") or ():
                vol = volumes.get(mount.get("name"))
                if vol is None or is_token_volume(vol):
                    continue
                for kind, src in _volume_sources(vol):
                    ref_name = src.get("name", "")
                    optional = bool(src.get("optional"))
                    items = src.get("items")
                    if items:
                        pairs = [(i.get("key", ""), i.get("path", "")) for i in items]
                    else:
                        keys = sources.keys(kind, ref_name)
                        if keys is None:
                            rows.append(_row(name, cname, "volume", mount.get("mountPath", ""), kind, ref_name, "*",
                                             "<missing, optional>" if optional else "<missing>"))  # fmt: skip
                            continue
                        pairs = [(k, k) for k in keys]
                    base = mount.get("mountPath", "").rstrip("/")
                    for key, path in pairs:
                        rows.append(_row(name, cname, "volume", f"{base}/{path}", kind, ref_name, key,
                                         sources.value(kind, ref_name, key, optional)))  # fmt: skip
    frame = pd.DataFrame(rows, columns=CONFIG_COLUMNS)
    if wanted is None and len(frame):
        used = set(frame.loc[frame["source"] != "value", "pod"])
        frame = frame[frame["pod"].isin(used)].reset_index(drop=True)
    return frame


def _row(pod: str, container: str, via: str, name: str, kind: str, ref: str, key: str, value: str) -> dict:
    source = "value" if kind == "value" else f"{kind}/{ref}"
    return {"pod": pod, "container": container, "via": via, "name": name, "source": source, "key": key, "value": value}


def draw_config(
    cluster: Cluster, namespace: str = "default", pods: Any = None, ax: Any = None, title: str | None = None
) -> Any:
    """ConfigMaps and Secrets (left) feeding pods (right); each pod lists what it gets. Returns the Axes.

    A pod box lists ``NAME = value`` per environment variable or file (Secret values as
    ``<secret: N bytes>``, missing ones in red); a line joins each source to each pod it
    feeds (dashed for Secrets).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    from ..graph import pod_status

    apply_style()
    frame = config_table(cluster, namespace, pods)
    frame = frame[frame["source"] != "value"]
    sources = sorted(set(frame["source"]), key=lambda s: (not s.startswith("ConfigMap"), s))
    pod_names = sorted(set(frame["pod"]))
    max_rows = 8
    line_h, head_h, gap = 0.26, 0.5, 0.35
    rows_of = {p: frame[frame["pod"] == p] for p in pod_names}
    heights = {p: head_h + line_h * min(len(rows_of[p]), max_rows + 1) + 0.1 for p in pod_names}
    total = sum(heights.values()) + gap * max(len(pod_names) - 1, 0)
    src_h = 0.75
    total = max(total, len(sources) * (src_h + gap) - gap, 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(11.5, round(max(2.5, 0.85 * total + 1.0), 1)))
    left, src_w, right, pod_w = 0.0, 2.7, 5.2, 4.6
    statuses = {p["metadata"]["name"]: pod_status(p) for p in cluster.api.list("Pod", namespace)}
    cm_objs = {o["metadata"]["name"]: o for o in cluster.api.list("ConfigMap", namespace)}
    secret_objs = {o["metadata"]["name"] for o in cluster.api.list("Secret", namespace)}
    src_y: dict[str, float] = {}
    step = total / max(len(sources), 1)
    for i, src in enumerate(sources):
        kind, name = src.split("/", 1)
        y = total / 2 - step * (i + 0.5)
        src_y[src] = y
        secret = kind == "Secret"
        color = _SECRET_COLOR if secret else COLORS["config"]
        exists = name in (secret_objs if secret else cm_objs)
        keys = sorted(set(frame.loc[frame["source"] == src, "key"]) - {"*"})
        detail = _wrap(("keys: " + ", ".join(keys)) if exists else "not found", 34, 2)
        title_dy = 0.13 if len(detail) == 1 else 0.2
        ax.add_patch(FancyBboxPatch((left, y - src_h / 2), src_w, src_h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor="#ffffff", edgecolor=color if exists else POD_FAILED, linewidth=1.6,
                                    linestyle="--" if secret else "-"))  # fmt: skip
        ax.text(left + src_w / 2, y + title_dy, f"{kind} {name}", ha="center", va="center", fontsize=8.5,
                fontweight="bold", color=color)  # fmt: skip
        for k, line in enumerate(detail):
            ax.text(left + src_w / 2, y - 0.15 + (0.09 - 0.2 * k if len(detail) > 1 else 0), line, ha="center",
                    va="center", fontsize=7.5, color=COLORS["text"] if exists else POD_FAILED)  # fmt: skip
    pod_y: dict[str, float] = {}
    top = total / 2
    for name in pod_names:
        h = heights[name]
        y0 = top - h
        pod_y[name] = top - h / 2
        status = statuses.get(name, "Unknown")
        ax.add_patch(FancyBboxPatch((right, y0), pod_w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor="#ffffff", edgecolor=pod_color(status), linewidth=1.6))  # fmt: skip
        ax.text(right + 0.12, top - 0.22, f"Pod {name}", ha="left", va="center", fontsize=8.5, fontweight="bold",
                color=COLORS["text"])  # fmt: skip
        ax.text(right + pod_w - 0.12, top - 0.22, status, ha="right", va="center", fontsize=7.5,
                color=pod_color(status))  # fmt: skip
        rows = list(rows_of[name].itertuples(index=False))
        for j, row in enumerate(rows[:max_rows]):
            missing = row.value.startswith("<missing")
            color = POD_FAILED if missing else (_SECRET_COLOR if row.source.startswith("Secret/") else COLORS["config"])
            text = f"{row.name} = {row.value}"
            ax.text(right + 0.18, top - head_h - line_h * (j + 0.5), _show(text, 52), ha="left", va="center",
                    fontsize=7.5, color=color, family="monospace")  # fmt: skip
        if len(rows) > max_rows:
            ax.text(right + 0.18, top - head_h - line_h * (max_rows + 0.5), f"+{len(rows) - max_rows} more",
                    ha="left", va="center", fontsize=7.5, color=COLORS["edge"])  # fmt: skip
        top = y0 - gap
    for src, pod in sorted({(r.source, r.pod) for r in frame.itertuples(index=False)}):
        secret = src.startswith("Secret/")
        color = _SECRET_COLOR if secret else COLORS["config"]
        ax.annotate("", xy=(right, pod_y[pod]), xytext=(left + src_w, src_y[src]),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.2,
                                "linestyle": "--" if secret else "-", "shrinkA": 2, "shrinkB": 2})  # fmt: skip
    if not len(frame):
        ax.text(0.5, 0.5, "no pod uses a ConfigMap or Secret", transform=ax.transAxes, ha="center", va="center")
    ax.set_xlim(-0.2, right + pod_w + 0.2)
    ax.set_ylim(-total / 2 - 0.3, total / 2 + 0.3)
    ax.axis("off")
    ax.set_title(title or "Which pod gets which value (Secret values are never shown)", loc="left")
    return ax
