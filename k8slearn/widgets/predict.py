"""Predict, then reveal: the student commits to an answer before the engine shows it.

Notes
-----
The logic is :meth:`PredictReveal.verdict` (a plain function, unit-tested and called
by a lesson's nbval-checked cell); :meth:`PredictReveal.widget` only wires it to
RadioButtons, a "Reveal" button and an Output area.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["PredictReveal"]


class PredictReveal:
    """A multiple-choice prediction with a revealed answer and explanation.

    Parameters
    ----------
    question
        What to predict ("Which node will web-4 land on?").
    choices
        The options shown.
    answer
        The right choice, or a callable computing it (run at reveal time, so it can
        ask the engine).
    explanation
        Text, or a callable returning something displayable (a DataFrame, a figure),
        shown after the reveal.

    Examples
    --------
    >>> q = PredictReveal("2 + 2?", ["3", "4"], "4", "Arithmetic.")
    >>> q.verdict("3")
    '❌ You predicted 3; the answer is 4. Arithmetic.'
    """

    def __init__(
        self,
        question: str,
        choices: Sequence[str],
        answer: str | Callable[[], str],
        explanation: str | Callable[[], Any] | None = None,
    ) -> None:
        self.question = question
        self.choices = list(choices)
        self._answer = answer
        self._explanation = explanation

    @property
    def answer(self) -> str:
        return self._answer() if callable(self._answer) else self._answer

    def explanation(self) -> Any:
        return self._explanation() if callable(self._explanation) else self._explanation

    def verdict(self, choice: str | None) -> str:
        """One line: right or wrong, the answer, and the explanation when it is text."""
        answer = self.answer
        expl = self.explanation()
        tail = f" {expl}" if isinstance(expl, str) and expl else ""
        if choice is None:
            return f"You did not predict. The answer is {answer}.{tail}"
        if str(choice) == str(answer):
            return f"✅ You predicted {choice}: right.{tail}"
        return f"❌ You predicted {choice}; the answer is {answer}.{tail}"

    def widget(self) -> Any:
        import ipywidgets as w

        title = w.HTML(f"<b>Predict:</b> {self.question}")
        options = w.RadioButtons(options=self.choices, value=None, layout=w.Layout(width="auto"))
        button = w.Button(description="Reveal", button_style="info", icon="eye")
        out = w.Output()

        def reveal(_: Any) -> None:
            out.outputs = ()
            out.append_stdout(self.verdict(options.value) + "\n")
            expl = self.explanation()
            if expl is not None and not isinstance(expl, str):
                out.append_display_data(expl)

        button.on_click(reveal)
        return w.VBox([title, options, button, out])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget())
