"""Saving an edited model into segmint.yaml, as the project's segmentation or a scenario in it:
the diff first, then the write, only if the file still gives that diff."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from segmint.config.project import BASELINE, Segmentation
from segmint.config.roundtrip import SEGMENTATION, edited_yaml, unified_diff
from segmint.engine import release
from segmint.exceptions import ConfigError
from segmint.io.atomic import write_text
from segmint.plan.scenarios import reassign
from segmint.workbench.session import Workbench

SCENARIO_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


@dataclass
class SavePlan:
    """What saving would do: the file, the YAML key written, its text now and after, the diff."""

    path: Path
    key: tuple[str, ...]
    old: str
    new: str
    diff: str


def plan_save(workbench: Workbench, model: Segmentation, *, scenario: str | None = None
              ) -> SavePlan:
    """The change saving `model` makes to the project file: under ``segmentation:``, or
    under ``scenarios: {<scenario>: ...}`` when a scenario name is given.

    Only the settings that differ from what is saved there are rewritten (comments, quotes
    and layout stay: `segmint.config.roundtrip.edited_yaml`).
    """
    path = workbench.project_file
    if path is None:
        raise ConfigError("this workbench was opened without its segmint.yaml: nothing to save to")
    if scenario is None:
        key, saved = (SEGMENTATION,), workbench.project.segmentation
    else:
        if not SCENARIO_NAME.fullmatch(scenario) or scenario == BASELINE:
            raise ConfigError(f"scenario name {scenario!r}: use letters, digits, _ and - "
                              f"(up to 64, starting with a letter), not {BASELINE!r}.")
        key, saved = ("scenarios", scenario), workbench.project.scenarios.get(scenario)
    before = saved.model_dump(mode="json") if saved is not None else {}
    old = path.read_text(encoding="utf-8")
    new = edited_yaml(old, before, model.model_dump(mode="json"), key=key)
    return SavePlan(path, key, old, new, unified_diff(old, new, name=path.name))


def save(workbench: Workbench, model: Segmentation, *, shown_diff: str,
         scenario: str | None = None) -> SavePlan:
    """Write `model` into the project file if the diff is still the one the user was shown
    (`shown_diff`); the saved model (or scenario) is then what later edits compare with."""
    plan = plan_save(workbench, model, scenario=scenario)
    if plan.diff != shown_diff:
        raise ConfigError(f"{plan.path.name} changed since the diff was shown (or the model "
                          "did): look at the new diff, then save again.")
    if plan.diff:
        write_text(plan.path, plan.new)
    with workbench.lock:
        if scenario is None:
            workbench.project = workbench.project.model_copy(update={"segmentation": model})
            replaced, workbench.saved = workbench.saved, reassign(workbench.base, model,
                                                                  name=BASELINE, bridge=False)
            release(workbench.con, replaced.assignments)
        else:
            workbench.project = workbench.project.model_copy(
                update={"scenarios": {**workbench.project.scenarios, scenario: model}})
    return plan
