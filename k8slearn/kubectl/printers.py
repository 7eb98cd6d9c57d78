"""Text formatting shared by every kubectl command: tabwriter, ages, labels, times.

Notes
-----
Mirrors the pieces kubectl prints with:

- ``text/tabwriter`` (Go) as configured by cli-runtime ``printers.GetNewTabWriter``
  (``minwidth=6, tabwidth=4, padding=3, padchar=' '``) for ``get`` tables, and by
  ``describe.tabbedString`` (``minwidth=0, tabwidth=8, padding=2``) for ``describe``.
  A column is padded to its widest cell plus the padding; the text after the last
  tab of a line is not a column and is never padded. Column widths are computed per
  *block* of consecutive lines that have a cell in that column, which is why
  ``describe`` output aligns section by section.
- apimachinery ``duration.HumanDuration`` for every AGE (``45s``, ``5m39s``, ``6d23h``).
- ``time.RFC1123Z`` timestamps in ``describe`` (``Thu, 01 Jan 2026 00:00:05 +0000``).

Used in: every lesson that shows ``cluster.kubectl(...)`` output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from functools import lru_cache

from ..api.labels import format_labels
from ..clock import EPOCH, parse_timestamp

__all__ = [
    "human_duration",
    "translate_timestamp_since",
    "format_rfc1123z",
    "format_labels",
    "format_label_selector",
    "label_selector_string",
    "TabWriter",
    "format_table",
    "GET_MINWIDTH",
    "GET_PADDING",
]

#: cli-runtime ``printers.GetNewTabWriter`` settings (``tabwriterMinWidth``, ``tabwriterPadding``).
GET_MINWIDTH = 6
GET_PADDING = 3


def human_duration(seconds: float) -> str:
    """A duration the way kubectl prints an AGE.

    Parameters
    ----------
    seconds : float
        Elapsed time; may be negative when a timestamp lies in the future.

    Returns
    -------
    str
        ``<invalid>`` below -1 s, ``0s`` for -1..0 s, then ``<s>s`` under 2 min,
        ``<m>m<s>s`` under 10 min, ``<m>m`` under 3 h, ``<h>h<m>m`` under 8 h,
        ``<h>h`` under 48 h, ``<d>d<h>h`` under 8 days, ``<d>d`` under 2 years,
        ``<y>y<d>d`` under 8 years, else ``<y>y`` (a zero part is left out).

    Examples
    --------
    >>> [human_duration(s) for s in (45, 150, 1800, 14400, 15000, 200000, 1000000)]
    ['45s', '2m30s', '30m', '4h', '4h10m', '2d7h', '11d']

    Notes
    -----
    Mirrors apimachinery ``pkg/util/duration.HumanDuration``; Go truncates every
    division toward zero, as ``int(...)`` does here.
    """
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    return _human_seconds(whole)


@lru_cache(maxsize=16384)
def _human_seconds(whole: int) -> str:
    # Exact for whole >= 0: Go's divisions of a non-negative duration floor like //.
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        s = whole % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def translate_timestamp_since(timestamp: str | None, now: float) -> str:
    """The age of an RFC 3339 ``timestamp`` at virtual time ``now`` (``<unknown>`` if unset).

    Examples
    --------
    >>> translate_timestamp_since("2026-01-01T00:00:05Z", 50.0), translate_timestamp_since(None, 5)
    ('45s', '<unknown>')

    Notes
    -----
    Mirrors kubectl's ``translateTimestampSince`` (printers.go, describe.go).
    """
    if not timestamp:
        return "<unknown>"
    return human_duration(now - parse_timestamp(timestamp))


def format_rfc1123z(timestamp: str | None) -> str:
    """``2026-01-01T00:00:05Z`` as Go's ``time.RFC1123Z``: ``Thu, 01 Jan 2026 00:00:05 +0000``.

    An unset time prints as Go's zero time, as ``describe`` does.

    Examples
    --------
    >>> format_rfc1123z("2026-01-01T00:00:05Z")
    'Thu, 01 Jan 2026 00:00:05 +0000'
    """
    if not timestamp:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    t = EPOCH + timedelta(seconds=int(parse_timestamp(timestamp) // 1))
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def label_selector_string(selector: Mapping | None) -> str:
    """``metav1.LabelSelectorAsSelector(sel).String()``: ``app=web,tier in (a,b)``, ``""`` if empty."""
    if selector is None:
        return ""
    from ..api.labels import selector_from_label_selector

    try:
        return str(selector_from_label_selector(selector))
    except ValueError:
        return "<error>"


def format_label_selector(selector: Mapping | None) -> str:
    """``metav1.FormatLabelSelector``: the selector string, or ``<none>`` when it is empty."""
    text = label_selector_string(selector)
    return text or "<none>"


# -- Go text/tabwriter ---------------------------------------------------------------------


class TabWriter:
    """Go's ``text/tabwriter`` with a space pad character and no flags.

    Write text with ``\\t``-terminated cells, then :meth:`flush` to get it aligned.

    Examples
    --------
    >>> w = TabWriter(minwidth=0, padding=2)
    >>> w.write("Name:\\tweb\\nNamespace:\\tdefault\\n")
    >>> print(w.flush(), end="")
    Name:       web
    Namespace:  default

    Notes
    -----
    Mirrors ``text/tabwriter.Writer.format``: a column block is a run of consecutive
    lines that all have a tab-terminated cell in that column; its width is the widest
    such cell plus ``padding``, at least ``minwidth``. A line with fewer cells ends the
    block, so widths restart after it.
    """

    def __init__(self, minwidth: int = 0, padding: int = 2) -> None:
        self.minwidth = minwidth
        self.padding = padding
        self._parts: list[str] = []

    def write(self, text: str) -> None:
        self._parts.append(text)

    def flush(self) -> str:
        """The aligned text of everything written since the last flush."""
        text = "".join(self._parts)
        self._parts = []
        if not text:
            return ""
        trailing_newline = text.endswith("\n")
        raw_lines = text.split("\n")
        if trailing_newline:
            raw_lines.pop()
        lines = [line.split("\t") for line in raw_lines]
        out: list[str] = []
        self._format(lines, 0, len(lines), [], out)
        result = "\n".join(out)
        return result + "\n" if trailing_newline else result

    def _format(self, lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            self._write_lines(lines, line0, this, widths, out)
            line0 = this
            width = self.minwidth
            while this < line1 and column < len(lines[this]) - 1:
                w = len(lines[this][column]) + self.padding
                if w > width:
                    width = w
                this += 1
            widths.append(width)
            self._format(lines, line0, this, widths, out)
            widths.pop()
            line0 = this
        self._write_lines(lines, line0, line1, widths, out)

    @staticmethod
    def _write_lines(lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]) -> None:
        n = len(widths)
        for i in range(line0, line1):
            cells = lines[i]
            parts = []
            for j, cell in enumerate(cells):
                if j < n:
                    parts.append(cell.ljust(widths[j]))
                else:
                    parts.append(cell)
            out.append("".join(parts))


def format_table(
    rows: Sequence[Sequence[str]], minwidth: int = GET_MINWIDTH, padding: int = GET_PADDING, pad_last: bool = False
) -> str:
    """Align rows of cells the way ``kubectl get`` does; one line per row.

    Every row must have the same number of cells. The last column is not padded
    unless ``pad_last`` (``kubectl top`` ends every cell with a tab, so its lines end
    in spaces).

    Examples
    --------
    >>> print(format_table([["NAME", "READY"], ["pod/foo", "0/0"]]), end="")
    NAME      READY
    pod/foo   0/0

    Notes
    -----
    The fast path of :class:`TabWriter` for a table: when every line has the same
    cells, each column is one block, so its width is simply the widest cell plus the
    padding (cli-runtime ``tabwriter.go``: minwidth 6, padding 3).
    """
    if not rows:
        return ""
    ncols = len(rows[0])
    padded = ncols if pad_last else ncols - 1
    widths = []
    for j in range(padded):
        w = max(map(len, (r[j] for r in rows))) + padding
        widths.append(w if w > minwidth else minwidth)
    if padded == 0:
        return "".join(r[0] + "\n" for r in rows)
    template = "".join(f"{{:<{w}}}" for w in widths) + ("" if pad_last else "{}") + "\n"
    fmt = template.format
    return "".join([fmt(*r) for r in rows])


def join_nonempty(parts: Iterable[str], sep: str = ",") -> str:
    return sep.join(p for p in parts if p)
