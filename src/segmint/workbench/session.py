"""The workbench's session: the project's data scored once, and each edited segmentation's figures.

`open_workbench` loads, validates, enriches and scores the project once and keeps what every
scenario reads (`segmint.plan.scenarios.scenario_base`) with the saved model's assignments,
among them the scored accounts with the saved model's dimensions worked out
(`KeptAccounts`).
`check_edit` turns an edited segmentation (the JSON the page sends) into a `Segmentation`,
or into the problems to show beside the fields; `edit_figures` re-assigns it on the kept
tables and returns the scenario scorecard's figures against the saved model.

An edit changes one dimension or one rule, so the others are not worked out again: the
edited model is assigned on the kept accounts, reusing each dimension the edit left as
saved, and only the segment is worked out, not the reasons (`edited_assignments`). That
query is small and quick to compile, which was most of an edit's time; the scorecard's
queries read tables of the same shape at every edit, so their SQL is compiled once
(`segmint.engine.compiled`). The figures are those `segmint compare` gives.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from pydantic import ValidationError

from segmint import tables as t
from segmint.config.project import BASELINE, Dimension, Project, Segmentation
from segmint.engine import materialise, release
from segmint.exceptions import ConfigError, RuleError, SegmintError
from segmint.pipeline import connect, prepare
from segmint.plan.scenarios import (Reassignment, ScenarioBase, reassign, scenario_base,
                                    score_scenario, scorecard_text)
from segmint.plan.scorecard import kept_together
from segmint.preflight import check_project
from segmint.segment.assign import reusable_dimensions, segments_only

EDITED = "edited"  # the edited model's scenario name, against the saved one (the baseline)
SEGMENTATION = "segmentation"  # where the edited model lives in segmint.yaml
# The scorecard's disruption measures the workbench shows, in this order.
DISRUPTION = ("accounts_moved", "accounts_moved_share", "arr_moved", "arr_moved_share",
              "owners_split", "accounts_off_owner_segment")
SEGMENT_FIGURES = ("accounts", "customers", t.ARR, t.POTENTIAL, "win_rate", "nrr", "acv")


class EditError(SegmintError, ValueError):
    """An edited segmentation that cannot be assigned; ``problems`` says where and why.

    Each problem is ``{"key": ..., "position": ..., "message": ...}``: the YAML key of the
    setting (``segmentation.segments[2].when``), the 0-based caret in a rule's text (or None)
    and the message, which names the setting and the fix.
    """

    def __init__(self, problems: list[dict[str, Any]]):
        super().__init__("; ".join(problem["message"] for problem in problems))
        self.problems = problems


@dataclass
class KeptAccounts:
    """The scored accounts with the saved model's dimensions, worked out once and kept.

    ``table`` has every column of the scored accounts and, for each dimension of `specs`, the
    column `columns` names holding it as that spec gives it: the scenario base's rows
    (`segmint.plan.scenarios.ScenarioBase.rows`, the dimensions the saved segment reads).
    """

    table: ir.Table
    specs: dict[str, Dimension]
    columns: dict[str, str]

    def reusable(self, model: Segmentation) -> dict[str, str]:
        """The kept column of each of `model`'s dimensions that is as saved, and reads an
        account field (`segmint.segment.assign.reusable_dimensions`).

        >>> one = Segmentation.model_validate({"dimensions": {"region": {"kind": "map",
        ...     "field": "country", "values": {"FR": "EMEA"}}}, "default": "{region}"})
        >>> KeptAccounts(None, dict(one.dimensions), {"region": "_r"}).reusable(one)
        {'region': '_r'}
        """
        return reusable_dimensions(model, self.specs, self.columns)


@dataclass
class Workbench:
    """The project, its data scored once and kept (`base`), and the saved model's assignments.

    Edits are answered one at a time (`lock`): they share the engine's connection.
    """

    project: Project
    base: ScenarioBase
    saved: Reassignment
    con: ibis.BaseBackend
    accounts: KeptAccounts
    warnings: list[str] = field(default_factory=list)
    project_file: Path | None = None  # the segmint.yaml a save writes to
    lock: threading.Lock = field(default_factory=threading.Lock)


def open_workbench(project: Project, *, progress: Callable[[str], None] | None = None,
                   con: ibis.BaseBackend | None = None,
                   project_file: Path | None = None) -> Workbench:
    """Load, validate, enrich and score `project` once, and assign its saved segmentation.

    `project_file` is the segmint.yaml the project was read from, which a save writes to.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("account_id,employees\\nA,12\\nB,400\\n")
    >>> project = Project.model_validate({"root": folder, "sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> open_workbench(project).saved.summary[["segment", "accounts"]].values.tolist()
    [['Everyone', 2]]
    """
    if project.engine != "duckdb":
        raise ConfigError(
            f"segmint serve runs on DuckDB only, and this project sets engine: {project.engine}. "
            "Run the workbench on a sample of the data with engine: duckdb (e.g. "
            "segmint serve sample.yaml), or compare models on Spark with segmint compare.")
    con = con or connect(project)
    prepared = prepare(project, con, progress=progress)
    progress = progress or (lambda stage: None)
    progress("keep scenario tables")
    base = scenario_base(prepared.context, [c for c in prepared.scores.columns
                                            if c == t.POTENTIAL])
    progress(f"assign {BASELINE}")
    saved = reassign(base, project.segmentation, name=BASELINE, bridge=False)
    accounts = KeptAccounts(base.rows, base.specs, base.dimensions)  # kept with the base
    return Workbench(project, base, saved, con, accounts, prepared.warnings, project_file)


def check_edit(project: Project, edited: Any) -> Segmentation:
    """The edited segmentation, checked as `segmint run` checks `project`'s segmint.yaml.

    Raises `EditError` listing every setting pydantic refuses (by YAML key), or the first
    rule that does not parse or reads an unknown name, with its caret.

    Examples
    --------
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> try:
    ...     check_edit(project, {"segments": [{"name": "Big", "when": "employees >= "}]})
    ... except EditError as err:
    ...     print(err.problems[0]["key"], err.problems[0]["position"])
    segmentation.segments[1].when 13
    """
    try:
        model = Segmentation.model_validate(edited)
    except ValidationError as err:
        raise EditError([_pydantic_problem(error, edited) for error in err.errors()]) from None
    try:
        check_project(project.model_copy(update={"segmentation": model}))
    except RuleError as err:
        raise EditError([{"key": err.key, "position": err.position, "message": str(err)}]) \
            from None
    except ConfigError as err:
        raise EditError([{"key": SEGMENTATION, "position": None, "message": str(err)}]) \
            from None
    return model


def edit_figures(workbench: Workbench, model: Segmentation) -> dict[str, Any]:
    """Assign `model` on the kept tables and score it against the saved model.

    Returns a JSON-ready dict: ``segments`` (per segment: accounts, customers, ARR,
    potential, win rate, NRR and ACV, `SEGMENT_FIGURES`), ``disruption`` (accounts and ARR
    that move, owners whose book splits: the scorecard's `DISRUPTION` rows, each with its
    ``value``, ``label`` and ``text``) and ``transitions`` (accounts and ARR from each saved
    segment to each edited one; ``moved`` is false where the segment was kept together,
    only renamed). The figures are `segmint.plan.scenarios.score_scenario`'s.
    """
    with workbench.lock:
        edited = edited_assignments(workbench, model)
        try:
            score = score_scenario(workbench.base, edited, workbench.saved,
                                   aspects=("disruption",))
        finally:
            release(workbench.con, edited.assignments)
    segments = score.segments.merge(score.outcomes, on=t.SEGMENT, how="left")
    rows = {row["measure"]: row for row in score.rows}
    transitions = score.transitions
    kept = kept_together(transitions)
    return {
        "segments": [{t.SEGMENT: str(row[t.SEGMENT]),
                      **{name: _number(row[name]) for name in SEGMENT_FIGURES}}
                     for row in segments.to_dict("records")],
        "disruption": [{"measure": name, "label": rows[name]["label"],
                        "value": _number(rows[name]["value"]),
                        "text": scorecard_text(name, rows[name]["value"], rows[name]["note"])}
                       for name in DISRUPTION],
        "transitions": [{"from_segment": str(row["from_segment"]),
                         "to_segment": str(row["to_segment"]),
                         "accounts": int(row["accounts"]), t.ARR: _number(row[t.ARR]),
                         "moved": not bool(same)}
                        for row, same in zip(transitions.to_dict("records"), kept)],
    }


def edited_assignments(workbench: Workbench, model: Segmentation) -> Reassignment:
    """`model` assigned on the kept accounts, as `segmint.plan.scenarios.reassign` assigns it,
    kept in the engine with what the scorecard reads (`release` it after).

    Each of `model`'s dimensions that is as saved is copied from its kept column
    (`KeptAccounts.reusable`); the others, and the rules, are worked out on the kept accounts.
    """
    kept, context = workbench.accounts, workbench.base.context
    # what `reassign`'s assignments give the scorecard beside the segment: the coverage
    # economics read customers and ARR from them
    carry = tuple(c for c in (t.IS_CUSTOMER, t.ARR) if c in kept.table.columns)
    assigned = segments_only(kept.table, model, revenue=context.tables.get("revenue"),
                             deals=context.tables.get("deals"), reuse=kept.reusable(model),
                             carry=carry)
    table = materialise(workbench.con, assigned, "workbench_edit", short_lived=True)
    return Reassignment(EDITED, model, table, summary=None, bridge=None)


def _number(value: Any) -> float | int | None:
    """A figure as JSON has it: null for a figure that cannot be had (NaN, None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _pydantic_problem(error: dict[str, Any], edited: Any) -> dict[str, Any]:
    """One pydantic error as a workbench problem: the YAML key, and a message naming it and
    the value given. A tagged union's tag (a dimension's ``kind``) is in pydantic's location
    but not in the YAML: it is left out."""
    key, value = SEGMENTATION, edited
    for part in error["loc"]:
        if isinstance(part, int) and isinstance(value, list) and 0 <= part < len(value):
            key, value = f"{key}[{part + 1}]", value[part]
        elif isinstance(value, dict) and part not in value and value.get("kind") == part:
            continue  # the union's tag: `size.bands.edges` is `size.edges` in segmint.yaml
        else:
            key += f"[{part + 1}]" if isinstance(part, int) else f".{part}"
            value = value.get(part) if isinstance(value, dict) else None
    message = error["msg"].removeprefix("Value error, ")
    given = error.get("input")
    if error["type"] not in ("value_error", "assertion_error", "missing") \
            and not isinstance(given, dict | list):
        message += f" (got {given!r})"
    return {"key": key, "position": None, "message": f"{key}: {message}"}
