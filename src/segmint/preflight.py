"""The whole project file checked before any data is read: scores, rules and every name they use."""

from __future__ import annotations

import re
from collections.abc import Mapping

from segmint import tables as t
from segmint.config.project import (Bands, ProductsHeld, Project, SectorGroups, Segmentation,
                                    ValueMap)
from segmint.exceptions import ConfigError, RuleError, closest_hint
from segmint.io.columns import source_columns
from segmint.io.outcomes import outcome_date_headers
from segmint.score.registry import SCORES, ScoreSpec, configured, score_columns
from segmint.segment.rules import parse_rule


def check_project(project: Project, *, registry: Mapping[str, ScoreSpec] | None = None) -> list[str]:
    """Check what segmint.yaml asks for, reading no more than the accounts file's header, and
    return what is worth a warning.

    - the output folder can be one: not a file, not the project folder nor a folder holding
      it or a source file (a run replaces its output folder as a whole, `io.outputs`);
    - each configured score exists, its settings are valid, and the tables it needs are
      configured sources; so are the priorities and coverage settings (`segmint.plan`);
    - a products dimension reads a table the project loads;
    - each rule parses (a `RuleSyntaxError` names the segment and points at the problem);
    - each name a rule or a dimension reads is an account column (canonical, added by
      enrichment, an unmapped column of the accounts file under its snake_case name), a
      dimension, or a column of a configured score. A column of a score the project does not
      configure, and a name close to a known one, are named in the error.

    Returns
    -------
    list of str
        Warnings, each a sentence: a key given twice in segmint.yaml, two segments of one
        name, an output folder outside the project folder.

    Raises
    ------
    ConfigError
        The output folder cannot be one, a score or its settings are wrong, or a needed
        table is not configured.
    RuleError
        A rule does not parse or names something that does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("account_id,employees\\nA,5\\n")
    >>> project = Project.model_validate({"root": folder, "sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Big", "when": "employes > 1000"}]}})
    >>> check_project(project)
    Traceback (most recent call last):
    ...
    segmint.exceptions.RuleError: segmentation.segments[1] (Big): the rule reads 'employes', which is not an account column, a dimension or a score column. Did you mean 'employees'?
    """
    registry = SCORES if registry is None else registry
    warnings = [*project.file_warnings, *_check_outputs(project)]
    chosen = configured(project.scores, registry)
    for name, (spec, _) in chosen.items():
        missing = [need.name for need in spec.needs if getattr(project.sources, need.name, None) is None]
        if missing:
            raise ConfigError(
                f"scores.{name} needs the {' and '.join(missing)} table"
                f"{'s' if len(missing) > 1 else ''}: add sources.{missing[0]} to segmint.yaml "
                f"or remove scores.{name}.")
    offered = score_columns(registry)
    ours = {column for spec, _ in chosen.values() for column in spec.adds}
    file_columns = source_columns(project, "accounts")
    known = {*t.ACCOUNTS.columns, *t.ENRICHED_COLUMNS, *ours, *(file_columns or ())}
    for key, segmentation in segmentations(project).items():
        _check_segmentation(project, segmentation, key, known, offered, ours,
                            exact=file_columns is not None)
    known |= set(project.segmentation.dimensions)  # score and plan rules may read them
    for spec, settings in chosen.values():
        in_settings, readable = spec.model.rules_in(settings)
        for where, text in in_settings:
            for field in sorted(parse_rule(text).fields):
                _check_name(field, where, known | readable, offered, ours,
                            exact=file_columns is not None, reads="the rule reads")
    if project.priorities is not None or project.coverage is not None:
        from segmint.plan.coverage import plan_rules  # the engine's imports: only when asked
        from segmint.plan.priorities import ACTION, PLAN_INPUTS

        for where, text in plan_rules(project):  # a score a plan reads may be off: unknown
            for field in sorted(parse_rule(text).fields):
                _check_name(field, where, known | set(PLAN_INPUTS) | {ACTION}, offered, ours,
                            exact=file_columns is not None, reads="the rule reads")
    for key, segmentation in segmentations(project).items():
        named: dict[str, int] = {}
        for position, segment in enumerate(segmentation.segments, start=1):
            if segment.name in named:
                warnings.append(
                    f"{key}.segments[{named[segment.name]}] and [{position}] are both named "
                    f"{segment.name!r}: their accounts make one segment. Rename one if they "
                    "are meant apart.")
            named.setdefault(segment.name, position)
    return warnings + _deal_outcome_warnings(project)


def segmentations(project: Project) -> dict[str, Segmentation]:
    """The project's segmentation and each scenario's, by the key that holds it in segmint.yaml.

    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "All accounts", "when": "true"}]},
    ...     "scenarios": {"by_size": {"segments": [{"name": "Big", "when": "employees > 9"}]}}})
    >>> list(segmentations(project))
    ['segmentation', 'scenarios.by_size']
    """
    return {"segmentation": project.segmentation,
            **{f"scenarios.{name}": model for name, model in project.scenarios.items()}}


def _check_segmentation(project: Project, segmentation: Segmentation, key: str, known: set[str],
                        offered, ours: set[str], *, exact: bool) -> None:
    """Every rule of `segmentation` parses and reads names that exist; each dimension's field
    too, and a products dimension reads a table the project loads."""
    rules = []
    for position, segment in enumerate(segmentation.segments, start=1):
        where = f"{key}.segments[{position}] ({segment.name})"
        try:
            rules.append((where, f"{key}.segments[{position}].when", segment.when,
                          parse_rule(segment.when)))
        except RuleError as err:
            raise type(err)(f"{where}: {err}").located(
                key=f"{key}.segments[{position}].when", position=err.position) from None
    known = known | set(segmentation.dimensions)
    for dimension, spec in segmentation.dimensions.items():
        if isinstance(spec, ProductsHeld) and getattr(project.sources, spec.source) is None:
            raise ConfigError(
                f"{key}.dimensions.{dimension} reads the products held from "
                f"{spec.source}, which this project does not load: add sources.{spec.source} "
                f"or set source: {'deals' if spec.source == 'revenue' else 'revenue'}.")
        if isinstance(spec, Bands | ValueMap | SectorGroups):
            _check_name(spec.field, f"{key}.dimensions.{dimension}.field", known,
                        offered, ours, exact=exact, reads="reads field")
    for where, rule_key, text, rule in rules:
        for field in sorted(rule.fields):
            try:
                _check_name(field, where, known, offered, ours, exact=exact,
                            reads="the rule reads")
            except RuleError as err:  # the caret on the name, for the workbench
                found = re.search(rf"(?<![\w.]){re.escape(field)}(?!\w)", text)
                raise err.located(key=rule_key, position=found.start() if found else None)


def _deal_outcome_warnings(project: Project) -> list[str]:
    """A warning when the deals file cannot tell won deals from open ones (no won or closed
    flag and no stage), or closed from open (a won flag alone), read from its header.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("account_id\\nA\\n")
    >>> _ = (folder / "d.csv").write_text("deal_id,account_id,amount,is_closed\\n1,A,5,true\\n")
    >>> project = Project.model_validate({"root": folder, "sources": {
    ...     "accounts": {"path": "a.csv"}, "deals": {"path": "d.csv"}},
    ...     "segmentation": {"segments": [{"name": "Everyone", "when": "true"}]}})
    >>> print(_deal_outcome_warnings(project)[0])
    d.csv has a closed flag but no won flag and no stage: closed deals count as lost, so the win rate reads 0%. Map the won flag or the stage under sources.deals.columns (is_won or stage).
    """
    if project.sources.deals is None:
        return []
    columns = source_columns(project, "deals")
    if columns is None or t.STAGE in columns:
        return []
    label = project.sources.deals.path
    if t.IS_WON not in columns and "won" in outcome_date_headers(columns):
        return []  # won and closed are read from the dates (the run notes say how)
    has_won, has_closed = t.IS_WON in columns, t.IS_CLOSED in columns
    if not has_won and not has_closed:
        return [f"{label} has no way to tell won deals from open ones: no won or closed flag "
                "and no stage column, so every deal counts as open pipeline and no win rate "
                "can be measured. Map the stage (or the flags) under sources.deals.columns "
                "(stage, is_won, is_closed)."]
    if has_closed and not has_won:
        return [f"{label} has a closed flag but no won flag and no stage: closed deals count "
                "as lost, so the win rate reads 0%. Map the won flag or the stage under "
                "sources.deals.columns (is_won or stage)."]
    if has_won and not has_closed:
        return [f"{label} has a won flag but no closed flag and no stage: won deals are not "
                "counted as closed, so they show as open pipeline. Map the closed flag or the "
                "stage under sources.deals.columns (is_closed or stage)."]
    return []


def columns_read(project: Project) -> set[str]:
    """Every name the segmentation reads from the accounts: the fields of its dimensions and
    the names its rules use (checked by `check_project`).

    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "segmentation": {"segments": [{"name": "Gold", "when": 'tier__c == "Gold"'}]}})
    >>> sorted(columns_read(project))
    ['tier__c']
    """
    names: set[str] = set()
    for segmentation in segmentations(project).values():
        names |= {spec.field for spec in segmentation.dimensions.values()
                  if isinstance(spec, Bands | ValueMap | SectorGroups)}
        for segment in segmentation.segments:
            names |= parse_rule(segment.when).fields
    return names


def _check_outputs(project: Project) -> list[str]:
    """Refuse an output folder a run cannot replace as a whole; warn when it is outside the
    project folder."""
    setting = project.outputs.dir
    target, root = project.path(setting).resolve(), project.root.resolve()
    for path in (target, *target.parents):
        if path.exists() and not path.is_dir():
            what = "is a file" if path == target else f"is inside {path.name}, which is a file"
            raise ConfigError(f"outputs.dir {setting!r} {what}, not a folder. Name a folder of "
                              "its own for the outputs (outputs: {dir: segmint-out}).")
    if target == root or target in root.parents:
        raise ConfigError(
            f"outputs.dir {setting!r} is the project folder{'' if target == root else ' or holds it'}"
            ": segmint replaces its output folder as a whole at the end of each run. Name a "
            "folder of its own for the outputs (outputs: {dir: segmint-out}).")
    inputs = {f"sources.{table}.path": source.path for table in t.SPECS
              if (source := getattr(project.sources, table, None)) is not None}
    if project.currency.rates:
        inputs["currency.rates"] = project.currency.rates
    for key, path in inputs.items():
        if target in project.path(path).resolve().parents:
            raise ConfigError(
                f"outputs.dir {setting!r} holds {key} ({path}): segmint "
                "replaces its output folder as a whole at the end of each run. Name a folder "
                "of its own for the outputs (outputs: {dir: segmint-out}).")
    if not target.is_relative_to(root):
        return [f"outputs.dir {setting!r} is outside the project folder ({target}): check it "
                "is meant, since each run writes its outputs there."]
    return []


def _check_name(name: str, where: str, known: set[str], offered: Mapping[str, str],
                ours: set[str], *, exact: bool, reads: str) -> None:
    if name in known:
        return
    if name in offered:
        score = offered[name]
        raise RuleError(f"{where}: {reads} {name!r}, a column of the {score!r} score, which "
                        f"this project does not configure. Add scores: {{{score}: {{}}}} to "
                        "segmint.yaml.")
    if not exact:  # a DuckDB table's columns are only known once it is read
        return
    raise RuleError(f"{where}: {reads} {name!r}, which is not an account column, a dimension "
                    f"or a score column. {closest_hint(name, sorted(known | set(offered)))}")
