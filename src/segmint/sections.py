"""Report sections as data: what each analysis, score or plan shows (tables, charts, readings).

An analysis declares its section beside itself, naming the tables it returns and the chart
kinds that draw them; `segmint.report` renders every registered section the same way. So the
analysis never imports the report, and adding one touches no other module.

>>> section = Section("ARR bridge", order=20, blocks=(
...     Chart("bridge_waterfalls", table="arr_bridge"),
...     TableView("retention", columns=("segment", "nrr")),
... ))
>>> [block.table for block in section.blocks]
['arr_bridge', 'retention']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Chart:
    """A picture of one result table, drawn by the report's chart of that `kind`.

    `options` are passed to the drawing as keyword arguments (e.g. ``{"period": "quarter"}``);
    `also` names other result tables it reads, by keyword (``{"bridge": "arr_bridge"}``: the
    drawing gets ``bridge=`` that table, or None when the run has none), e.g. to order
    segments by ARR; `empty` is what the report says instead of an empty axis when `table`
    has no rows.
    """

    kind: str
    table: str
    options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    empty: str = "Nothing to draw yet."
    also: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class TableView:
    """A result table shown as an HTML table, optionally only some `columns` and `limit` rows."""

    table: str
    columns: tuple[str, ...] | None = None
    limit: int | None = None
    title: str = ""
    empty: str = "None."


@dataclass(frozen=True)
class Readings:
    """Plain-language paragraphs: one list item per row of `table`'s `column`, in table order."""

    table: str
    column: str = "reading"


@dataclass(frozen=True)
class Figures:
    """Key figures as a grid of tiles, one per row of `table`: its `label`, its `text` large
    and its `note` small, in table order.

    A row whose `text` is null is not a tile: "label: note." is said under the grid (a figure
    the project's data cannot give, and why). `signed` names a numeric column whose sign
    colours the figure (green above zero, red below); `empty` is said when the table has no
    row. When the run has no such table at all, the block shows nothing, title included.
    """

    table: str
    title: str = ""
    empty: str = ""
    label: str = "label"
    text: str = "text"
    note: str = "note"
    signed: str | None = None


@dataclass(frozen=True)
class Note:
    """A fixed sentence under the section title (what the figures mean, how they were made)."""

    text: str
    table: None = None


Block = Chart | TableView | Readings | Figures | Note


@dataclass(frozen=True)
class Section:
    """A report section: its title, where it goes (lower `order` first) and what it shows.

    The report's own overview of the segments stands at order 5: a section with a lower
    `order` comes before it (the headline), the others after it.
    """

    title: str
    order: int
    blocks: tuple[Block, ...] = ()

    @property
    def tables(self) -> tuple[str, ...]:
        """The result tables the section reads, in block order, each once.

        >>> Section("x", 1, (Chart("a", table="t1", also={"bridge": "t3"}), TableView("t1"),
        ...                  Readings("t2"))).tables
        ('t1', 't3', 't2')
        """
        names = (name for block in self.blocks if block.table is not None
                 for name in (block.table, *getattr(block, "also", {}).values()))
        return tuple(dict.fromkeys(names))
