"""The data-plane pictures: the chi-square test behind the histogram title, trace grouping, rules HTML."""

from __future__ import annotations

import math

import matplotlib
import pytest

from k8slearn.viz.network import chi_square, draw_trace, gamma_q, rules_view, trace_stages, traffic_histogram

matplotlib.use("Agg")


@pytest.mark.parametrize(
    ("statistic", "dof", "p"),
    [(3.841459, 1, 0.05), (5.991465, 2, 0.05), (7.814728, 3, 0.05), (18.307038, 10, 0.05), (6.634897, 1, 0.01),
     (0.0, 3, 1.0), (2.365974, 3, 0.5)],
    ids=["5% with 1 dof", "5% with 2 dof", "5% with 3 dof", "5% with 10 dof", "1% with 1 dof", "a perfect fit",
         "the median with 3 dof"],
)  # fmt: skip
def test_the_p_value_matches_chi_square_tables(statistic, dof, p):
    assert gamma_q(dof / 2, statistic / 2) == pytest.approx(p, abs=2e-6)


def test_q_of_one_is_the_exponential():
    for x in (0.1, 1.0, 5.0, 30.0):
        assert gamma_q(1.0, x) == pytest.approx(math.exp(-x), rel=1e-12)


def test_chi_square_against_equal_and_given_expectations():
    test = chi_square([30, 10])
    assert (test.statistic, test.dof) == (10.0, 1)
    assert test.p_value == pytest.approx(0.0015654, abs=1e-6)
    # a category the rules never reach must not count as a degree of freedom
    assert chi_square([50, 50, 0], [50, 50, 0]) == chi_square([50, 50])


def _trace_rows():
    import pandas as pd

    rows = [
        ("client", "10.244.0.250 opens a TCP connection to 10.96.0.50:80"),
        ("node-1", "enters node-1 from a pod's network interface -> nat/PREROUTING (iptables mode)"),
        ("nat/PREROUTING", "jump KUBE-SERVICES"),
        ("nat/KUBE-SERVICES", "jump KUBE-SVC-AAAA"),
        ("nat/KUBE-SVC-AAAA", "random draw >= 0.5000000000: no match"),
        ("nat/KUBE-SVC-AAAA", "jump KUBE-SEP-BBBB"),
        ("nat/KUBE-SEP-BBBB", "DNAT 10.96.0.50:80 -> 10.244.1.5:80"),
        ("filter/FORWARD", "jump KUBE-PROXY-FIREWALL"),
        ("filter/FORWARD", "jump KUBE-FORWARD"),
        ("nat/POSTROUTING", "jump KUBE-POSTROUTING"),
        ("nat/KUBE-POSTROUTING", "RETURN: no masquerade mark, the source stays"),
        ("pod web-1", "delivered to pod web-1 on node-2 (10.244.1.5:80), source seen: 10.244.0.250"),
    ]
    df = pd.DataFrame([{"step": i, "where": w, "rule": "", "action": a} for i, (w, a) in enumerate(rows)])
    df.attrs.update({"result": "delivered", "service": "default/web", "node": "node-1", "pod": "web-1",
                     "pod_node": "node-2", "source_seen": "10.244.0.250"})  # fmt: skip
    return df


def test_a_trace_becomes_one_box_per_chain_with_filter_checks_summarised():
    titles = [title for title, _, _ in trace_stages(_trace_rows())]
    assert titles == ["client", "node-1", "nat/KUBE-SERVICES", "nat/KUBE-SVC-AAAA", "nat/KUBE-SEP-BBBB",
                      "filter table: no DROP, no REJECT", "nat/KUBE-POSTROUTING", "pod web-1"]  # fmt: skip
    ax = draw_trace(_trace_rows())
    assert "sends the request to web-1 on node-2" in ax.get_title()


def test_the_histogram_title_carries_the_chi_square_verdict():
    import pandas as pd

    df = pd.DataFrame({"pod": ["a", "b", "c"], "node": ["n1", "n2", "n3"], "requests": [1000, 1000, 0]})
    df.attrs.update({"sent": 2000, "service": "default/web", "expected": {"a": 0.5, "b": 0.5, "c": 0.0}})
    ax = traffic_histogram(df)
    assert ax.get_title() == (
        "2,000 requests to default/web: χ² = 0.00, dof = 1, p = 1.000 (consistent with the expected split)"
    )


def test_rules_show_as_an_html_table_with_highlighted_lines():
    view = rules_view("*nat\n-A KUBE-SVC-X -j KUBE-SEP-Y\nCOMMIT\n", highlight=["KUBE-SEP-Y"])
    html = view._repr_html_()
    assert html.count("<tr>") == 3 and "font-weight:600" in html
    assert str(view).startswith("*nat")
