"""A load slider for the HorizontalPodAutoscaler: set requests per second, run the clock, watch replicas.

Notes
-----
The logic is :class:`LoadSlider` (:meth:`~LoadSlider.apply` sets the load and runs the
virtual clock one step, :meth:`~LoadSlider.summary` says where things stand); it is
unit-tested and called by a lesson's nbval-checked cell. :meth:`~LoadSlider.widget` only
wires it to an IntSlider, a "Run" button and an Output that shows the plot of
:func:`k8slearn.viz.autoscaling.plot_autoscaling`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..cluster import Cluster

__all__ = ["LoadSlider"]


class LoadSlider:
    """Drive a Service with a chosen load and watch its HPA react, one step at a time.

    Parameters
    ----------
    cluster
        The cluster.
    service
        The Service that receives the load.
    hpa
        The HorizontalPodAutoscaler to watch (default: the Service's name).
    step
        Virtual seconds each :meth:`apply` runs the clock.
    max_rps
        The slider's upper end.

    Examples
    --------
    >>> import k8slearn as kl
    >>> c = kl.Cluster.demo(nodes=1)
    >>> _ = c.apply(
    ...     {
    ...         "apiVersion": "v1",
    ...         "kind": "Service",
    ...         "metadata": {"name": "web"},
    ...         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    ...     }
    ... )
    >>> lab = LoadSlider(c, "web", step=30)
    >>> lab.apply(100).split(" | ")[:2]
    ['t=35s', 'load 100 rps']
    """

    def __init__(
        self,
        cluster: Cluster,
        service: str,
        hpa: str | None = None,
        namespace: str = "default",
        step: float = 60.0,
        every: float = 5.0,
        max_rps: int = 1000,
    ) -> None:
        from ..viz.autoscaling import AutoscalingHistory

        self.cluster = cluster
        self.service = service
        self.namespace = namespace
        self.step = step
        self.every = every
        self.max_rps = max_rps
        self.history = AutoscalingHistory(cluster, hpa or service, namespace=namespace, service=service)
        self.rps: float | None = None

    def apply(self, rps: float, seconds: float | None = None) -> str:
        """Set the load to ``rps`` (when it changed), run ``seconds`` (default :attr:`step`); returns :meth:`summary`."""
        if rps != self.rps:
            self.cluster.set_load(self.service, float(rps), namespace=self.namespace)
            self.rps = rps
        self.history.run(self.step if seconds is None else seconds, every=self.every)
        return self.summary()

    def summary(self) -> str:
        """``t=125s | load 400 rps | replicas 8 (8 ready) | cpu 50%/50%``."""
        if not self.history.rows:
            self.history.sample()
        row = self.history.rows[-1]
        util = "?" if math.isnan(row["utilization"]) else f"{row['utilization']:g}%"
        target = "?" if math.isnan(row["target"]) else f"{row['target']:g}%"
        return (
            f"t={row['time']:g}s | load {row['rps']:g} rps | replicas {row['replicas']} ({row['ready']} ready) | "
            f"cpu {util}/{target}"
        )

    def figure(self) -> Any:
        """The history so far as :func:`~k8slearn.viz.autoscaling.plot_autoscaling` draws it."""
        from ..viz.autoscaling import plot_autoscaling

        return plot_autoscaling(self.history)

    def widget(self) -> Any:
        """An IntSlider (requests per second), a "Run" button, the current state and the plot."""
        import ipywidgets as w
        import matplotlib.pyplot as plt

        slider = w.IntSlider(
            value=int(self.rps or 0),
            min=0,
            max=self.max_rps,
            step=max(1, self.max_rps // 40),
            description="load (rps)",
            continuous_update=False,
            layout=w.Layout(width="420px"),
        )
        button = w.Button(description=f"Run {self.step:g} s", button_style="primary", icon="play")
        state = w.Label(self.summary())
        out = w.Output()

        def run(_: Any) -> None:
            state.value = self.apply(slider.value)
            fig = self.figure()
            out.outputs = ()
            out.append_display_data(fig)
            plt.close(fig)

        button.on_click(run)
        return w.VBox([w.HBox([slider, button]), state, out])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
