"""The score stage: fit every configured model, add its columns, back-test it at an earlier cut-off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd
from pydantic import BaseModel

from segmint import tables as t
from segmint.context import RunContext, in_stated_order
from segmint.dates import months_before
from segmint.engine import keep_fetched
from segmint.enrich.customers import mark_customers
from segmint.score.backtest import LIKELY_LEAK_AUC, evaluate_rankings, known_at
from segmint.score.registry import SCORES, Ranking, ScoreModel, ScoreSpec, configured
from segmint.score.registry import score_model  # noqa: F401  (the examples use it)
from segmint.sections import Chart, Note, Section, TableView

BACKTEST = "backtest"
BACKTEST_DECILES = "backtest_deciles"
BACKTEST_SECTION = Section(
    "Back-tests: how well each score ranked what happened next", order=60,
    blocks=(Note("Each score is fitted again on what was known at the cut-off and ranks the "
                 "accounts that existed then against what happened by the run's date. A row "
                 "is one ranking: a column of the score over a population, all the accounts "
                 "its outcome covers or part of them (potential: the customers at the "
                 "cut-off, whose growth is an expansion, and the prospects, whose growth is a "
                 "win)."),
            TableView(BACKTEST), Chart("decile_lift", table=BACKTEST_DECILES,
                                       empty="No score could be back-tested.")))


@dataclass
class ScoreRun:
    """What the score stage produced.

    ``accounts`` are the enriched accounts with every configured score's columns; ``models``
    the fitted models by name; ``tables`` the outputs: a ``<name>_parameters`` table per
    model, each model's own tables, and ``backtest`` / ``backtest_deciles`` when a model
    could be back-tested; ``frames`` the same as pandas, but for the tables with a row per
    account (`ScoreModel.account_tables`); ``sections`` the report sections.
    """

    accounts: ir.Table
    models: dict[str, ScoreModel] = field(default_factory=dict)
    tables: dict[str, ir.Table] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    sections: list[tuple[str, Section]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The columns the scores added, in the order they were added."""
        return [c for name, model in self.models.items() for c in SCORES[name].adds] \
            if self.models else []


Progress = Callable[[str], None]


def score_accounts(context: RunContext, *, registry: Mapping[str, ScoreSpec] | None = None,
                   progress: Progress | None = None) -> ScoreRun:
    """Fit every score the project configures and add its columns to the accounts.

    Scores run in dependency order, each on the accounts with the columns of those before
    it. Each is then back-tested when it says what success looks like (`ScoreModel.outcome`)
    and ``backtest.months`` in segmint.yaml is not 0: all scores are fitted again on what was
    known that many months before ``as_of``, and the score is compared with what happened
    after (`segmint.score.backtest`).

    Examples
    --------
    >>> @score_model("example_double", adds={"double_employees": "float64"})
    ... class Double(ScoreModel):
    ...     def score(self, accounts):
    ...         return accounts.mutate(double_employees=accounts.employees * 2.0)
    >>> from segmint.config.project import Project
    >>> project = Project.model_validate({"sources": {"accounts": {"path": "a.csv"}},
    ...     "scores": {"example_double": {}},
    ...     "segmentation": {"segments": [{"name": "Big", "when": "double_employees > 10"}]}})
    >>> accounts = ibis.memtable({"account_id": ["a"], "employees": [6.0]})
    >>> run = score_accounts(RunContext(project, dt.date(2024, 6, 30), {}, accounts))
    >>> run.accounts.double_employees.execute().tolist(), run.columns
    ([12.0], ['double_employees'])
    >>> del SCORES["example_double"]
    """
    progress = progress or (lambda stage: None)
    chosen = configured(context.project.scores, registry)
    run = ScoreRun(accounts=context.accounts)
    if not chosen:
        return run
    run.accounts, run.models, superseded = _fit_and_score(context, chosen, progress)
    for name, model in run.models.items():
        spec = chosen[name][0]
        run.notes += [f"score {name}: {note}" for note in getattr(model, "notes_", ())]
        run.tables[f"{name}_parameters"] = ibis.memtable(model.parameters())
        for output, table in model_tables(model, run.accounts).items():
            if output in model.account_tables:
                run.tables[output] = context.keep(in_stated_order(table), output)
            else:  # small: kept as fetched, so fetching the frames below does not rerun it
                run.tables[output], run.frames[output] = keep_fetched(
                    in_stated_order(table), output, context.keep)
        if spec.section is not None:
            run.sections.append((name, spec.section))
    # each score kept a whole copy of the accounts: six wide copies (twelve with the
    # back-test's) outgrew DuckDB's memory at a million accounts. A fitted model may still
    # read the copy it was fitted on until its tables above are kept (health's validation)
    context.release(*superseded)
    months = context.project.backtest.months
    if months:
        progress("back-test scores")
        _backtest(context, chosen, run, months_before(context.as_of, months))
    per_account = {name for model in run.models.values() for name in model.account_tables}
    run.frames = {name: run.frames[name] if name in run.frames else table.to_pandas()
                  for name, table in run.tables.items()
                  if name not in per_account}  # the others are small: a row per parameter
    run.sections.sort(key=lambda item: item[1].order)
    return run


def model_tables(model: ScoreModel, accounts: ir.Table) -> dict[str, ir.Table]:
    """The extra output tables a model offers (``tables(accounts)``), if it has any."""
    tables = getattr(model, "tables", None)
    return dict(tables(accounts)) if tables is not None else {}


def _fit_and_score(context: RunContext, chosen: Mapping[str, tuple[ScoreSpec, BaseModel]],
                   progress: Progress) -> tuple[ir.Table, dict[str, ScoreModel], list[ir.Table]]:
    """The accounts with every chosen score's columns (kept), the fitted models, and the
    kept copies each later score superseded (every column of them is in the last one)."""
    accounts = context.accounts
    models: dict[str, ScoreModel] = {}
    superseded: list[ir.Table] = []
    for name, (spec, settings) in chosen.items():
        progress(f"score {name}")
        stage = RunContext(context.project, context.as_of, context.tables, accounts,
                           keep=context.keep, results=context.results, models=dict(models))
        model = spec.model(settings).fit(stage)
        scored = model.score(accounts)
        _check_columns(spec, accounts, scored)
        # the whole scored table is kept, one per score: keeping a score's own columns and
        # joining them back put one 1M-row hash join per score in every later query, and at
        # a million accounts the assignments then ran out of DuckDB's 1 GB
        if accounts is not context.accounts:
            superseded.append(accounts)
        accounts = context.keep(scored, f"scored_{name}")
        models[name] = model
    return accounts, models, superseded


def _check_columns(spec: ScoreSpec, before: ir.Table, after: ir.Table) -> None:
    """A model adds exactly the columns it registered, and keeps every column it was given."""
    added = [c for c in after.columns if c not in before.columns]
    lost = [c for c in before.columns if c not in after.columns]
    if sorted(added) != sorted(spec.adds) or lost:
        raise RuntimeError(
            f"score {spec.name!r} registered columns {sorted(spec.adds)} but added {sorted(added)}"
            + (f" and dropped {lost}" if lost else ""))


def _backtest(context: RunContext, chosen: Mapping[str, tuple[ScoreSpec, BaseModel]],
              run: ScoreRun, cutoff: dt.date) -> None:
    """Fit every score again at `cutoff` and rank each against what happened after it."""
    testable = {name: model for name, model in run.models.items()
                if model.outcome(context, cutoff) is not None}
    if not testable:
        return
    past_tables = known_at(context.tables, cutoff)
    past_accounts = accounts_at(context.accounts, past_tables)
    kept: list[ir.Table] = []  # what the refit keeps, dropped once the rankings are read

    def keep(table: ir.Table, name: str) -> ir.Table:
        kept.append(context.keep(table, name))
        return kept[-1]

    past = RunContext(context.project, cutoff, past_tables, past_accounts, keep=keep)
    past_scored, past_models, _ = _fit_and_score(past, chosen, lambda stage: None)
    summaries, deciles = [], []
    for name, model in testable.items():
        spec = chosen[name][0]
        rankings = model.backtest_rankings() or (Ranking(next(iter(spec.adds))),)
        qualities = evaluate_rankings(past_scored, model.outcome(context, cutoff), rankings,
                                      probability=model.probability,
                                      scale=model.probability_scale)
        for ranking, quality in zip(rankings, qualities, strict=True):
            auc = quality.summary["auc"]
            note = ""
            if auc == auc and auc > LIKELY_LEAK_AUC:
                note = (f"AUC {auc:.2f} is more than what is known at the cut-off can usually "
                        "tell: check the model's inputs for a field recorded after the outcome")
                run.notes.append(f"score {name} ({ranking.label}): {note}")
            labels = {"score": name, "column": ranking.column, "population": ranking.population,
                      "ranking": ranking.label}
            summaries.append({**labels, "cutoff": cutoff, "as_of": context.as_of,
                              **quality.summary, "note": note})
            deciles.append(quality.deciles.assign(**labels, probability=model.probability))
    context.release(*kept)
    run.tables[BACKTEST] = ibis.memtable(pd.DataFrame(summaries)).cast(
        {"cutoff": "date", "as_of": "date"})
    run.tables[BACKTEST_DECILES] = ibis.memtable(pd.concat(deciles, ignore_index=True))
    run.sections.append((BACKTEST, BACKTEST_SECTION))


def accounts_at(enriched: ir.Table, past_tables: Mapping[str, ir.Table]) -> ir.Table:
    """The enriched accounts that existed at the cut-off, customers and ARR as they were then.

    Geography, industry and parents do not depend on the date; who is a customer does.
    """
    existing = past_tables.get("accounts")
    accounts = enriched
    if existing is not None:
        ids = existing.select(_known=existing[t.ACCOUNT_ID])
        accounts = accounts.filter(accounts[t.ACCOUNT_ID].isin(ids._known))
    revenue = past_tables.get("revenue")
    if revenue is None:
        return accounts
    return mark_customers(accounts.drop(*[c for c in (t.ARR,) if c in accounts.columns]), revenue)
