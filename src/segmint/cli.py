"""The `segmint` command: parses flags, calls the library, renders the results. No logic here."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from segmint.config.project import load_project
from segmint.config.starter import STARTER, demo_project
from segmint.exceptions import SegmintError
from segmint.io.atomic import write_text
from segmint.leftovers import Terminated, stop_on_sigterm, terminated

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Customer segmentation for B2B go-to-market teams.",
)
# Markup is ours alone: every value printed is escaped, and `:x:` in a header or a value stays
# as written (no emoji), nor is a number or a path coloured.
console = Console(highlight=False, emoji=False)
errors = Console(stderr=True, highlight=False, emoji=False)


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="The project file.")] = Path("segmint.yaml"),
    engine: Annotated[Optional[str], typer.Option(help="Override the project's engine.")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when any row was rejected.")] = False,
) -> None:
    """Run a project: load, validate, enrich, score, assign segments and write the outputs."""
    from segmint.preflight import check_project

    project = load_project(path)
    if engine:
        project = project.model_copy(update={"engine": engine})
    check_project(project)  # a typo in a rule stops here, before the engine is even imported
    result = _run_with_progress(project)
    _print_warnings(result.warnings)
    _print_counts(result.row_counts)
    for note in result.notes:  # how files were read, money left out of figures, ...
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    _print_segments(result.segment_summary)
    if len(result.unassigned_reasons):
        reasons = Table(title="Why accounts are unassigned", title_justify="left")
        reasons.add_column("reason")
        reasons.add_column("accounts", justify="right")
        for row in result.unassigned_reasons.itertuples(index=False):
            reasons.add_row(escape(str(row.reason)), f"{row.accounts:,}")
        console.print(reasons)
    if result.files:
        folder = result.files[0].parent
        console.print(f"Wrote {len(result.files)} files to [bold]{escape(str(folder))}[/bold]"
                      f" (open report.html in a browser).")
    if strict and result.rejected_rows:
        raise typer.Exit(1)


def _run_with_progress(project):
    """The whole run, a progress bar on stderr naming each stage as it starts."""
    from segmint.pipeline import STAGES
    from segmint.pipeline import run as run_project

    with _progress() as bar:
        task = bar.add_task("starting", total=len(STAGES))
        result = run_project(project, progress=lambda stage: bar.update(
            task, description=stage, completed=STAGES.index(stage) if stage in STAGES else None))
        bar.update(task, description="done", completed=len(STAGES))
    return result


@app.command()
def compare(
    path: Annotated[Path, typer.Argument(help="The project file.")] = Path("segmint.yaml"),
    scenario: Annotated[Optional[list[Path]], typer.Option(
        "--scenario", help="A YAML file holding one segmentation to compare (repeat for more); "
                           "its name is the file's.")] = None,
    edges: Annotated[Optional[str], typer.Option(
        help="A numeric account field (employees) to search the best band edges on.")] = None,
    edge_measure: Annotated[str, typer.Option(
        help="The outcome the edge search separates: win_rate, churn_rate, acv, "
             "sales_cycle_days or nrr.")] = "win_rate",
    engine: Annotated[Optional[str], typer.Option(help="Override the project's engine.")] = None,
) -> None:
    """Compare the project's segmentation with its scenarios: a scorecard each (balance,
    separation of outcomes, disruption, reps), written with compare.html."""
    from segmint.config.project import load_segmentation
    from segmint.preflight import check_project

    project = load_project(path)
    if engine:
        project = project.model_copy(update={"engine": engine})
    given = dict(load_segmentation(file) for file in scenario or [])
    check_project(project.model_copy(update={"scenarios": {**project.scenarios, **given}}))
    from segmint.config.project import BASELINE
    from segmint.pipeline import STAGES
    from segmint.pipeline import compare as compare_project

    names = [*project.scenarios, *given]
    stages = [*STAGES[:STAGES.index("assign")], "keep scenario tables", f"assign {BASELINE}",
              *(f"assign {name}" for name in names), *(["search edges"] if edges else []),
              "write"]
    with _progress() as bar:
        task = bar.add_task("starting", total=len(stages))
        result = compare_project(project, scenarios=given, edges=edges,
                                 edge_measure=edge_measure, progress=lambda stage: bar.update(
            task, description=stage, completed=stages.index(stage) if stage in stages else None))
        bar.update(task, description="done", completed=len(stages))
    _print_warnings(result.warnings)
    card = result.comparison.scorecard
    table = Table(title="Scenario scorecard", title_justify="left")
    table.add_column("measure")
    scenarios = list(dict.fromkeys(card["scenario"]))
    for name in scenarios:
        table.add_column(escape(name), justify="right")
    for label, rows in card.groupby("label", sort=False):
        by_name = dict(zip(rows["scenario"], rows["text"]))
        table.add_row(escape(label), *(escape(str(by_name.get(name, ""))) for name in scenarios))
    console.print(table)
    if result.comparison.edge_search is not None:
        _print_frame(f"Band edges for {edges} that separate {edge_measure} best (each band "
                     "at least 5% of the accounts)", result.comparison.edge_search)
    for reading in result.comparison.readings:
        console.print(f"[bold]trade-off:[/bold] {escape(reading)}")
    for note in result.comparison.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    if result.files:
        console.print(f"Wrote {len(result.files)} files to "
                      f"[bold]{escape(str(result.files[0].parent))}[/bold] (open compare.html "
                      "in a browser).")


@app.command()
def serve(
    path: Annotated[Path, typer.Argument(help="The project file.")] = Path("segmint.yaml"),
    port: Annotated[int, typer.Option(
        min=0, max=65535, help="The port on 127.0.0.1 (0: any free one).")] = 0,
) -> None:
    """Open the segmentation workbench: edit the model in a browser and see each edit's
    figures against the saved model. Loads and scores the data once; serves on 127.0.0.1."""
    from segmint.workbench.app import (loopback_socket, new_token, require_serve_extra,
                                       serve_forever, workbench_app)

    require_serve_extra()  # before any data is read
    project = load_project(path)
    from segmint.config.project import BASELINE
    from segmint.pipeline import STAGES
    from segmint.workbench.session import open_workbench

    stages = [*STAGES[:STAGES.index("assign")], "keep scenario tables", f"assign {BASELINE}"]
    with _progress() as bar:
        task = bar.add_task("starting", total=len(stages))
        workbench = open_workbench(project, project_file=path / "segmint.yaml"
                                   if path.is_dir() else path, progress=lambda stage: bar.update(
            task, description=stage, completed=stages.index(stage) if stage in stages else None))
        bar.update(task, description="ready", completed=len(stages))
    _print_warnings(workbench.warnings)
    token, sock = new_token(), loopback_socket(port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/?token={token}"
    console.print(f"Workbench for [bold]{escape(project.name)}[/bold] at {escape(url)}",
                  soft_wrap=True)  # the URL on one line, whatever the terminal's width
    console.print("Open it in a browser on this machine; Ctrl-C stops it.")
    serve_forever(workbench_app(workbench, token=token), sock)


@app.command()
def carve(
    path: Annotated[Path, typer.Argument(help="The project file.")] = Path("segmint.yaml"),
    count: Annotated[Optional[int], typer.Option(min=1, help="Territories per segment.")] = None,
    tolerance: Annotated[Optional[float], typer.Option(
        help="Largest deviation from the mean territory, on potential and workload (0.03).")] = None,
    keep_share: Annotated[Optional[float], typer.Option(
        help="Share of accounts (or ARR) to keep with their owner (0.9).")] = None,
    strict: Annotated[bool, typer.Option(
        help="Stop on a request no carving can meet, instead of easing it.")] = False,
) -> None:
    """Carve each segment into balanced territories: run the project with its territories:
    section (the flags override it) and print the balance per segment."""
    from segmint.config.project import TerritoryPlan
    from segmint.preflight import check_project

    project = load_project(path)
    plan = project.territories or TerritoryPlan()
    given = {"count": count, "tolerance": tolerance, "keep_share": keep_share}
    plan = TerritoryPlan.model_validate({**plan.model_dump(), **{
        key: value for key, value in given.items() if value is not None}, "strict": strict
        or plan.strict})
    project = project.model_copy(update={"territories": plan})
    check_project(project)
    result = _run_with_progress(project)
    _print_warnings(result.warnings)
    summary = result.frames.get("territory_summary")
    if summary is None:
        raise SegmintError(f"No territories were carved: {result.analyses.skipped.get('territories')}")
    table = Table(title="Territories", title_justify="left")
    columns = ("segment", "territories", "accounts", "max_potential_deviation",
               "max_workload_deviation", "kept_accounts_share", "states_per_territory")
    headers = ("segment", "territories", "accounts", "potential ±", "workload ±", "kept",
               "states/territory")
    for header in headers:
        table.add_column(header, justify="left" if header == "segment" else "right")
    for row in summary[list(columns)].itertuples(index=False):
        segment, k, accounts, potential, workload, kept, states = row
        table.add_row(escape(str(segment)), f"{k:,}", f"{accounts:,}", f"{potential:.1%}",
                      f"{workload:.1%}", "" if kept != kept or kept is None else f"{kept:.1%}",
                      f"{states:.2f}")
    console.print(table)
    for reading in result.frames.get("territory_readings", {}).get("reading", []):
        console.print(f"[yellow]note:[/yellow] {escape(str(reading))}")
    if result.files:
        console.print(f"Wrote {len(result.files)} files to "
                      f"[bold]{escape(str(result.files[0].parent))}[/bold]; the CRM update file "
                      "is crm_territory_update.csv.")


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="Where to write the demo company.")] = Path("demo-company"),
    accounts: Annotated[int, typer.Option(min=10, help="How many accounts to generate.")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 7,
    file_format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    run_it: Annotated[bool, typer.Option("--run/--no-run", help="Run the project afterwards.")] = True,
) -> None:
    """Write a realistic, messy demo company with its segmint.yaml, then run it."""
    from segmint.demo.generator import generate_company

    if file_format not in ("csv", "parquet"):
        raise SegmintError(f"--format must be csv or parquet, not {file_format!r}.")
    with _progress() as bar:
        task = bar.add_task("generating", total=None)

        def advance(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"generating {stage}", completed=done, total=total)

        manifest = generate_company(folder, accounts=accounts, seed=seed,
                                    file_format=file_format, progress=advance)
    project_file = write_text(folder / "segmint.yaml", demo_project(file_format))
    rows = ", ".join(f"{n:,} {name}" for name, n in manifest.rows.items())
    console.print(f"Demo company written to [bold]{escape(str(folder))}[/bold]: {rows}.")
    if run_it:
        run(project_file, engine=None, strict=False)


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="The project file.")] = Path("segmint.yaml"),
    json_path: Annotated[Optional[Path], typer.Option(
        "--json", help="Also write the audit as JSON to this file.")] = None,
) -> None:
    """Audit the CRM data: fill rates, invalid values, duplicates, orphans, and what to fix first."""
    import json

    from segmint.preflight import check_project

    project = load_project(path)
    check_project(project)
    from segmint.pipeline import audit_project

    with _progress() as bar:
        bar.add_task("auditing", total=None)
        result = audit_project(project)
    _print_warnings(result.warnings)
    _print_frame("Data-quality score per table (100 × kept × valid × complete × unique)",
                 result.scores, percent=("kept", "valid", "complete", "unique"))
    as_of = f" (as of {result.as_of})" if result.as_of is not None else " (no dates in the data)"
    figures = Table(title=f"Key figures{as_of}", title_justify="left")
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    for name, value in result.headline().items():
        figures.add_row(escape(name.replace("_", " ")), f"{int(value):,}")
    console.print(figures)
    fill = result.fill_rates[["column", "source", "in_crm_share", "usable_share", "enriched_share"]]
    _print_frame("Fill rate: in the CRM, usable after normalising, after enrichment",
                 fill.rename(columns={"in_crm_share": "in CRM", "usable_share": "usable",
                                      "enriched_share": "enriched"}),
                 percent=("in CRM", "usable", "enriched"))
    _print_frame("Invalid and unrecognised values", result.invalid_values)
    _print_loading(result)
    if len(result.unsettled_date_orders):
        _print_frame("Date columns whose order the data does not settle (02/03/24: 2 March or "
                     "February 3?); set sources.<table>.date_order to choose",
                     result.unsettled_date_orders.drop(columns="note").rename(columns=DATE_HEADERS))
    if len(result.currency_mix):
        _print_frame(f"Deals by currency (reporting_amount in {result.reporting_currency})",
                     result.currency_mix)
    if len(result.fixes):
        _print_frame("Fixes that would move the most accounts out of Unassigned",
                     result.fixes[["fix", "accounts_freed", "accounts_affected"]])
    if json_path is not None:
        write_text(json_path, json.dumps(result.to_dict(), indent=2, default=str) + "\n")
        console.print(f"Wrote the audit to [bold]{escape(str(json_path))}[/bold].")


DATE_HEADERS = {"order": "read", "first_over_12": "fit day first only",
                "second_over_12": "fit month first only", "slash_dates": "slash dates"}


def _print_loading(result) -> None:
    """What loading repaired or could not resolve: encodings, mojibake, id placeholders, parents."""
    reading = result.file_reading
    if len(reading) and ((reading.decided_by != "as is").any()
                         or (reading.records_spanning_lines > 0).any()
                         or (reading.broken_quotes > 0).any()
                         or (reading.replaced_characters > 0).any()):
        _print_frame("How the files were read", reading)
    if len(result.repairs):
        _print_frame("Values repaired on loading (mojibake, before → after)", result.repairs)
    if len(result.id_sentinels):
        _print_frame("Id placeholders (empty lookups, ids a spreadsheet rewrote as floats) "
                     "and owners marked deactivated",
                     result.id_sentinels[["table", "file", "column", "what", "rows", "examples"]])
    links = result.parent_links
    if len(links) and links.loc[links.found != "id", "accounts"].sum():  # some not found by id
        _print_frame("Parent accounts: how parent_id found each parent", links)
    if len(result.owner_links):
        _print_frame("Account owners: how owner_id found each owner in the owners table",
                     result.owner_links)


def _print_warnings(warnings: list[str]) -> None:
    for warning in warnings:  # a key given twice, a rule dividing by zero, ...
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")


def _print_frame(title: str, frame, percent: tuple[str, ...] = ()) -> None:
    table = Table(title=escape(title), title_justify="left")
    for column in frame.columns:
        numeric = frame[column].dtype.kind in "iuf"
        table.add_column(escape(str(column)), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row):
            if value is None or (isinstance(value, float) and value != value):
                cells.append("–")
            elif column in percent:
                cells.append(f"{value:.1%}")
            elif isinstance(value, float):
                cells.append(f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}")
            elif isinstance(value, int) or hasattr(value, "item"):
                cells.append(f"{value:,}")
            else:
                cells.append(escape(str(value)))
        table.add_row(*cells)
    console.print(table)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the project file.")] = Path("segmint.yaml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    from_files: Annotated[Optional[list[Path]], typer.Option(
        "--from", help="An export to build the project from (repeat: --from a.csv --from b.csv).",
    )] = None,
) -> None:
    """Write a commented segmint.yaml: a starter, or one mapped from your exports (--from)."""
    from segmint.config.sniff import propose, render
    from segmint.io.text import sample_file

    if from_files and path.suffix.lower() not in (".yaml", ".yml"):
        raise SegmintError(
            f"{path} would be the project file written. Give each export its own --from: "
            f"segmint init --from accounts.csv --from {path.name}")
    if path.exists() and not force:
        raise SegmintError(f"{path} already exists. Use --force to overwrite it.")
    if not from_files:
        write_text(path, STARTER)
        console.print(f"Wrote {escape(str(path))}. Point sources.accounts.path at your export, "
                      "then run: segmint run")
        return
    proposal = propose([sample_file(file) for file in from_files])
    write_text(path, render(proposal, path.resolve().parent))
    for table, placement in proposal.placements.items():
        kind = f"{placement.preset} preset" if placement.preset else "columns mapped by name"
        console.print(f"{escape(table)}: {escape(placement.sample.path.name)} ({kind}, "
                      f"{len(placement.mapping)} columns mapped)")
        if placement.missing:
            console.print(f"  not found, left empty: {escape(', '.join(placement.missing))}")
        for note in placement.notes:
            console.print(f"  {escape(note)}")
    for sample, why in proposal.unplaced:
        console.print(f"[yellow]not used:[/yellow] {escape(sample.path.name)}: {escape(why)}")
    console.print(f"Wrote {escape(str(path))}. Check the mapping in its comments, then run: "
                  "segmint run")


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TimeElapsedColumn(), console=errors, transient=True)


def _print_counts(row_counts) -> None:
    table = Table(title="Rows in = used + rejected", title_justify="left")
    for column in ("table", "file", "in", "used", "rejected"):
        table.add_column(column, justify="right" if column in ("in", "used", "rejected") else "left")
    for row in row_counts.itertuples(index=False):
        table.add_row(escape(row.table), escape(str(row.file)), f"{row.rows_in:,}",
                      f"{row.rows_used:,}", f"{row.rows_rejected:,}")
    console.print(table)


def _print_segments(summary) -> None:
    table = Table(title="Segments", title_justify="left")
    columns = [c for c in ("segment", "accounts", "customers", "share", "arr") if c in summary.columns]
    for column in columns:
        table.add_column(column.upper() if column == "arr" else column,
                         justify="left" if column == "segment" else "right")
    for row in summary.itertuples(index=False):
        cells = []
        for column in columns:
            value = getattr(row, column)
            if column == "segment":
                cells.append(escape(str(value)))
            elif column == "share":
                cells.append(f"{value:.1%}")
            elif column == "arr":
                cells.append(f"{value:,.0f}")
            else:
                cells.append(f"{int(value):,}")
        table.add_row(*cells)
    console.print(table)


def main() -> None:
    """Entry point: a user's mistake is one line and exit code 2, never a traceback.

    Ctrl-C and SIGTERM stop the run alike (exit 130 and 143), working files and a half-written
    output folder removed on the way out (`segmint.leftovers`).
    """
    stop_on_sigterm()
    try:
        app()  # standalone: usage mistakes print the usage and exit 2
    except Terminated:
        _stopped_by_sigterm()
    except SystemExit:
        if terminated():  # SIGTERM's error was caught on the way: still a stopped run
            _stopped_by_sigterm()
        raise
    except SegmintError as err:
        if terminated():  # an engine turned SIGTERM into an error of its own
            _stopped_by_sigterm()
        errors.print(f"[red]error:[/red] {escape(str(err))}")
        sys.exit(2)
    except KeyboardInterrupt:
        errors.print("[red]stopped[/red]")
        sys.exit(130)
    except Exception as err:  # anything unexpected: one line, and the traceback on request
        if terminated():
            _stopped_by_sigterm()
        if os.environ.get("SEGMINT_DEBUG"):
            raise
        errors.print(f"[red]internal error:[/red] {escape(type(err).__name__)}: {escape(str(err))}. "
                     "This is a bug in segmint; please report it with the command you ran "
                     "(SEGMINT_DEBUG=1 shows the traceback).")
        sys.exit(1)


def _stopped_by_sigterm() -> None:
    errors.print("[red]stopped[/red] (terminated)")
    sys.exit(143)


if __name__ == "__main__":
    main()
