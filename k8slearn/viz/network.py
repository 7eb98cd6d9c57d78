"""Pictures of the Service data plane: one request's path, traffic per pod, and the rules themselves.

- :func:`draw_trace` - a request from :func:`k8slearn.node.dataplane.trace_request` as a
  pipeline: client, node, each chain it passed, the DNAT, the pod (or the REJECT);
- :func:`traffic_histogram` - requests per pod from ``send_traffic`` against the share
  kube-proxy's rules promise, with a chi-square test in the title;
- :func:`chi_square` - the goodness-of-fit test (numpy-free; the p-value from a
  regularized incomplete gamma function implemented here);
- :func:`rules_view` - rule text as an HTML table with chosen lines highlighted.

Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .style import COLORS, POD_COLORS, apply_style

__all__ = [
    "ChiSquare",
    "chi_square",
    "gamma_q",
    "short_pod_name",
    "draw_trace",
    "traffic_histogram",
    "rules_view",
    "RulesView",
]


# -- statistics ---------------------------------------------------------------------------------------
def gamma_q(a: float, x: float) -> float:
    """Regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a).

    A power series for the lower function when ``x < a + 1``, a continued fraction
    (modified Lentz) otherwise. The chi-square p-value is ``Q(dof/2, χ²/2)``.

    >>> round(gamma_q(1.0, 2.0), 6)  # exp(-2)
    0.135335
    >>> round(gamma_q(1.5, 3.907), 3)  # chi-square 7.815 with 3 dof: p = 0.05
    0.05
    """
    if a <= 0 or x < 0:
        raise ValueError("gamma_q needs a > 0 and x >= 0")
    if x == 0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        for _ in range(10_000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return max(0.0, 1.0 - total * math.exp(log_front))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16:
            break
    return min(1.0, math.exp(log_front) * h)


@dataclass(frozen=True)
class ChiSquare:
    """Pearson's goodness-of-fit test: statistic, degrees of freedom and p-value."""

    statistic: float
    dof: int
    p_value: float

    def __str__(self) -> str:
        return f"χ² = {self.statistic:.2f}, dof = {self.dof}, p = {self.p_value:.3f}"


def chi_square(observed: Sequence[float], expected: Sequence[float] | None = None) -> ChiSquare:
    """Chi-square test of observed counts against expected counts (default: all equal).

    Categories with an expected count of 0 are left out (they must be observed 0 times:
    a pod the rules never reach). A small p-value (say below 0.01) says the counts are
    unlikely under the expected split; a large one says the difference is plain chance.

    >>> str(chi_square([7500, 7500, 7500, 7500]))
    'χ² = 0.00, dof = 3, p = 1.000'
    """
    obs = [float(o) for o in observed]
    if expected is None:
        total = sum(obs)
        exp = [total / len(obs)] * len(obs) if obs else []
    else:
        exp = [float(e) for e in expected]
    pairs = [(o, e) for o, e in zip(obs, exp) if e > 0]
    if len(pairs) < 2:
        return ChiSquare(0.0, 0, 1.0)
    stat = sum((o - e) ** 2 / e for o, e in pairs)
    dof = len(pairs) - 1
    return ChiSquare(stat, dof, gamma_q(dof / 2, stat / 2))


# -- one request's path ----------------------------------------------------------------------------------
_BUILTIN = ("PREROUTING", "OUTPUT", "POSTROUTING", "INPUT", "FORWARD")


def _stage_color(where: str) -> str:
    chain = where.split("/", 1)[-1]
    if chain.startswith(("KUBE-SVC-", "KUBE-SVL-", "service-", "local-")) or where.startswith("ipvs/"):
        return COLORS["service"]
    if chain.startswith(("KUBE-SEP-", "endpoint-")):
        return POD_COLORS["Running"]
    if chain.startswith(("KUBE-EXT-", "KUBE-FW-", "KUBE-NODEPORTS", "external-", "firewall-")):
        return COLORS["highlight"]
    return COLORS["agent"]


def _short(text: str, width: int = 58) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def trace_stages(trace: Any) -> list[tuple[str, list[str], str]]:
    """Group a trace's rows into pipeline boxes: (title, detail lines, colour).

    Consecutive rules of one chain share a box; the filter-table checks a delivered
    request passes are summarised in one box (a DROP or REJECT gets its own, red).
    """
    rows = trace.to_dict("records") if hasattr(trace, "to_dict") else list(trace)
    attrs = getattr(trace, "attrs", {}) or {}
    stages: list[tuple[str, list[str], str]] = []
    filt: list[str] = []

    def flush(before_verdict: bool = False) -> None:
        if filt:
            title = "filter table" if before_verdict else "filter table: no DROP, no REJECT"
            stages.append((title, [_short(" -> ".join(filt), 96)], COLORS["workload"]))
            filt.clear()

    for row in rows:
        where, action = str(row["where"]), str(row["action"])
        is_filter = where.startswith("filter/") or where.split("/", 1)[-1] in _NFT_FILTER
        if where == "client":
            stages.append(("client", [action], COLORS["node"]))
        elif where == "cloud load balancer":
            stages.append(("cloud load balancer", [action], COLORS["control-plane"]))
        elif not where.startswith(("nat/", "filter/", "nft/", "ipvs/", "pod ", "result")):
            head, _, tail = action.partition(" -> ")
            stages.append((where, [head, f"-> {tail}"] if tail else [action], COLORS["node"]))
        elif is_filter:
            if any(w in action for w in ("DROP", "REJECT", "drop:", "reject:")):
                flush(before_verdict=True)
                stages.append((where, [action], POD_COLORS["Failed"]))
            elif action.startswith("jump "):
                filt.append(action[5:])
            elif "ACCEPT" in action:
                filt.append("ACCEPT")
        elif where.startswith(("pod ", "result")):
            flush()
            ok = attrs.get("result", "delivered") == "delivered"
            stages.append((where, [action], POD_COLORS["Running"] if ok else POD_COLORS["Failed"]))
        else:
            chain = where.split("/", 1)[1]
            if chain in _BUILTIN or chain in ("nat-prerouting", "nat-output", "nat-postrouting"):
                continue
            flush()
            if stages and stages[-1][0] == where:
                stages[-1][1].append(action)
            else:
                stages.append((where, [action], _stage_color(where)))
    flush()
    return stages


_NFT_FILTER = ("filter-prerouting-pre-dnat", "filter-output-pre-dnat", "filter-forward", "filter-input",
               "filter-output", "service-endpoints-check", "cluster-ips-check", "nodeport-endpoints-check",
               "firewall-check")  # fmt: skip


def draw_trace(trace: Any, ax: Any = None, title: str | None = None) -> Any:
    """Draw one request's path (a ``trace_request`` DataFrame) as a top-down pipeline; returns the Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    apply_style()
    stages = trace_stages(trace)
    heights = [0.55 + 0.32 * len(lines) for _, lines, _ in stages]
    total = sum(heights) + 0.35 * (len(stages) - 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, max(3.0, 0.62 * total + 0.8)))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.2, total + 0.2)
    ax.axis("off")
    y = total
    for i, ((name, lines, color), h) in enumerate(zip(stages, heights)):
        top = y
        box = FancyBboxPatch((0.2, top - h), 9.6, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                             facecolor="white", edgecolor=color, linewidth=1.8)  # fmt: skip
        ax.add_patch(box)
        ax.add_patch(FancyBboxPatch((0.2, top - h), 0.18, h, boxstyle="square,pad=0", facecolor=color, edgecolor=color))
        ax.text(0.55, top - 0.3, _short(name, 80), fontsize=10, fontweight="bold", color=COLORS["text"], va="center")
        for k, line in enumerate(lines):
            ax.text(0.75, top - 0.62 - 0.32 * k, _short(line, 96), fontsize=8.5, family="monospace",
                    color=COLORS["text"], va="center")  # fmt: skip
        y = top - h
        if i < len(stages) - 1:
            ax.annotate("", xy=(1.2, y - 0.33), xytext=(1.2, y - 0.02),
                        arrowprops={"arrowstyle": "-|>", "color": COLORS["edge"], "lw": 1.4})  # fmt: skip
            y -= 0.35
    attrs = getattr(trace, "attrs", {}) or {}
    if title is None:
        if attrs.get("result") == "delivered":
            title = (f"{attrs.get('service')}: {attrs.get('node')} sends the request to {attrs.get('pod')} "
                     f"on {attrs.get('pod_node')} (pod sees source {attrs.get('source_seen')})")  # fmt: skip
        elif attrs:
            title = f"{attrs.get('service')}: the request is {attrs.get('result')} on {attrs.get('node')}"
    if title:
        ax.set_title(title, fontsize=11)
    return ax


# -- traffic per pod -----------------------------------------------------------------------------------
def traffic_histogram(
    traffic: Any, ax: Any = None, expected: Mapping[str, float] | None = None, title: str | None = None
) -> Any:
    """Bars of requests per pod (``send_traffic`` result) against the expected split, chi-square in the title.

    ``expected`` maps pod -> share of new connections; by default the share the rules
    promise (``traffic.attrs["expected"]``), else an equal share for every pod that got
    traffic. Pods with an expected share of 0 (not ready, or not reachable from the
    source node) are drawn hatched.
    """
    import matplotlib.pyplot as plt

    apply_style()
    pods = list(traffic["pod"])
    observed = [int(v) for v in traffic["requests"]]
    nodes = list(traffic["node"])
    attrs = getattr(traffic, "attrs", {}) or {}
    shares = dict(expected if expected is not None else attrs.get("expected") or {})
    if not shares:
        live = [p for p, o in zip(pods, observed) if o > 0] or pods
        shares = {p: 1 / len(live) for p in live}
    sent = attrs.get("sent", sum(observed))
    exp = [shares.get(p, 0.0) * sent for p in pods]
    test = chi_square(observed, exp)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(pods) + 2), 4.2))
    xs = range(len(pods))
    bars = ax.bar(xs, observed, color=POD_COLORS["Running"], edgecolor="white", label="observed requests")
    for bar, e in zip(bars, exp):
        if e == 0:
            bar.set_facecolor("white")
            bar.set_edgecolor(POD_COLORS["Terminating"])
            bar.set_hatch("///")
    ax.scatter(list(xs), exp, marker="_", s=900, linewidths=2.5, color=COLORS["service"], zorder=3,
               label="expected (share × requests)")  # fmt: skip
    ax.set_xticks(list(xs))
    labels = [f"{short_pod_name(p)}\n{n}" + ("\n(not in rules)" if e == 0 else "") for p, n, e in zip(pods, nodes, exp)]
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("requests (new connections)")
    top = max([*observed, *exp, 1])
    ax.set_ylim(0, top * 1.12)
    for x, o in zip(xs, observed):
        ax.text(x + 0.05, o + top * 0.015, f"{o:,}", ha="left", va="bottom", fontsize=8)
    from matplotlib.lines import Line2D

    # a short line for the expected marker: the scatter's own 900-point marker would run into its label
    expected_handle = Line2D([], [], color=COLORS["service"], linewidth=2.5, label="expected (share × requests)")
    ax.legend(handles=[expected_handle, bars], loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8,
              frameon=False)  # fmt: skip
    if title is None:
        verdict = "consistent with the expected split" if test.p_value >= 0.01 else "NOT the expected split"
        title = f"{sent:,} requests to {attrs.get('service', 'the Service')}: {test} ({verdict})"
    ax.set_title(title, fontsize=10.5)
    return ax


def short_pod_name(name: str) -> str:
    """``web-d76698777-6qtm2`` -> ``web-…-6qtm2``: a Deployment's pods differ only in the last part."""
    parts = name.split("-")
    if len(parts) >= 3 and len(parts[-1]) == 5 and len(parts[-2]) >= 8:
        return f"{'-'.join(parts[:-2])}-…-{parts[-1]}"
    return name


# -- rules as an HTML table -----------------------------------------------------------------------------
@dataclass
class RulesView:
    """Rule text that prints as text and shows as an HTML table with highlighted lines in a notebook."""

    text: str
    highlight: tuple[str, ...] = ()
    max_lines: int = 400

    def _marked(self, line: str) -> bool:
        return any(h and h in line for h in self.highlight)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        lines = self.text.rstrip("\n").splitlines()
        rows = []
        for i, line in enumerate(lines[: self.max_lines]):
            style = f"background:{COLORS['service']}22;font-weight:600;" if self._marked(line) else ""
            if line.startswith(("*", "COMMIT", "#", ":")):
                style += "color:#6b7280;"
            rows.append(
                f'<tr><td style="color:#9aa0a6;text-align:right;padding:0 6px">{i + 1}</td>'
                f'<td style="text-align:left;white-space:pre;font-family:monospace;font-size:11px;{style}">'
                f"{html.escape(line)}</td></tr>"
            )
        more = len(lines) - self.max_lines
        if more > 0:
            rows.append(f'<tr><td></td><td style="text-align:left">… {more} more lines</td></tr>')
        return '<table style="border-collapse:collapse">' + "".join(rows) + "</table>"


def rules_view(text: str, highlight: Iterable[str] = ()) -> RulesView:
    """Show rules with every line containing one of ``highlight`` (chain names, IPs) emphasised."""
    return RulesView(text, tuple(highlight))
