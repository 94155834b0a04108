"""The command line as a new user meets it: one clear line and exit code 2 for every mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROJECT = """
sources:
  accounts: {path: accounts.csv, preset: salesforce}
segmentation:
  dimensions:
    size: {kind: bands, field: employees, edges: [200], labels: [SMB, Enterprise]}
  default: "{size}"
outputs: {dir: out}
"""


def segmint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "segmint.cli", *args], cwd=cwd, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)


def setup(folder: Path, yaml: str = PROJECT, accounts: str | bytes = "Id,NumberOfEmployees\nA,10\nB,500\n"):
    (folder / "segmint.yaml").write_text(textwrap.dedent(yaml))
    target = folder / "accounts.csv"
    target.write_bytes(accounts if isinstance(accounts, bytes) else accounts.encode())


def test_run_prints_the_segment_table_and_writes_outputs(tmp_path):
    setup(tmp_path)
    done = segmint("run", "segmint.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Segments" in done.stdout and "Enterprise" in done.stdout and "SMB" in done.stdout
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["assignments.csv", "assignments.parquet", "headline.csv", "headline.parquet",
                       "manifest.json", "rejects.csv", "rejects.parquet", "report.html", "row_counts.csv",
                       "row_counts.parquet", "segment_summary.csv", "segment_summary.parquet",
                       "unassigned_reasons.csv", "unassigned_reasons.parquet"]


@pytest.mark.parametrize(
    ("yaml", "accounts", "message"),
    [
        (PROJECT.replace("preset: salesforce", "preset: salesforce, columns: {employees: Staff}"), None,
         "accounts.csv has no column 'Staff'"),
        (PROJECT.replace("edges:", "edgs:"), None, "unknown key 'edgs'. Did you mean 'edges'?"),
        (None, 'Id,NumberOfEmployees\nA,10\nB,"unclosed\n', None),  # loads; the bad row is a reject
        (None, "Id,Name\nA,Müller\n".encode("cp1252"), None),  # detected and converted
        (None, b"", "accounts.csv is empty"),
        (PROJECT.replace("accounts.csv", "acounts.csv"), None, "acounts.csv (sources.accounts.path) does not exist"),
        ("sources: [", None, "is not valid YAML"),
        (PROJECT.replace("dir: out", "dir: accounts.csv"), None,
         "outputs.dir 'accounts.csv' is a file, not a folder."),
        (None, b"Id,NumberOfEmployees\rA,10\r", "ends its lines with a carriage return alone"),
    ],
    ids=["missing-column", "misspelled-key", "broken-quote", "not-utf8", "empty-file", "missing-file",
         "bad-yaml", "outputs-dir-is-a-file", "lone-cr"],
)
def test_bad_input_gives_one_clear_message_and_exit_2(tmp_path, yaml, accounts, message):
    setup(tmp_path, yaml or PROJECT, accounts if accounts is not None else "Id,NumberOfEmployees\nA,10\n")
    done = segmint("run", "segmint.yaml", cwd=tmp_path)
    assert "Traceback" not in done.stderr + done.stdout
    if message is None:
        assert done.returncode == 0, done.stderr
        assert "rejected" in done.stdout
        return
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in " ".join(done.stderr.split())


def test_a_folder_given_as_the_project_runs_its_segmint_yaml(tmp_path):
    setup(tmp_path, accounts="Id,NumberOfEmployees\n")  # and a header without rows
    done = segmint("run", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "note: accounts.csv has no rows: the accounts table is empty" in done.stdout
    assert (tmp_path / "out" / "assignments.parquet").is_file()


def test_unknown_command_is_exit_2(tmp_path):
    done = segmint("rnu", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_init_writes_a_commented_starter_that_loads(tmp_path):
    done = segmint("init", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "segmint.yaml").read_text()
    assert "# Bands: edges [200, 2000]" in text
    from segmint.config.project import load_project

    assert load_project(tmp_path / "segmint.yaml").sources.accounts.preset == "salesforce"
    again = segmint("init", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_check_prints_what_loading_repaired_and_could_not_resolve(tmp_path):
    # Row 2: mojibake and Salesforce's empty lookup; row 3: the 15-character empty lookup;
    # row 4: its parent given as Acme's name; row 5: a parent that is no id and no name.
    (tmp_path / "segmint.yaml").write_text(textwrap.dedent("""
        sources:
          accounts: {path: accounts.csv, preset: salesforce}
        segmentation:
          segments: [{name: Everyone, when: "true"}]
    """))
    (tmp_path / "accounts.csv").write_text(
        "Id,Name,ParentId\n"
        "001A000001Mf2dRIAR,SociÃ©tÃ© GÃ©nÃ©rale,000000000000000AAA\n"
        "001A000001Mf2dSIAR,Acme Inc,000000000000000\n"
        '001A000001Mf2dTIAR,Acme Child,"ACME, Inc."\n'
        "001A000001Mf2dUIAR,Delta,Nowhere Ltd\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "segmint.cli", "check", "segmint.yaml",
                           "--json", "audit.json"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "250"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "SociÃ©tÃ© GÃ©nÃ©rale → Société Générale" in out
    assert "000000000000000, 000000000000000AAA" in out  # both spellings, 2 rows
    assert "Nowhere Ltd (1)" in out  # the parent left unresolved
    audit = json.loads((tmp_path / "audit.json").read_text())
    assert {k: audit["headline"][k] for k in (
        "values_repaired_on_load", "placeholder_ids", "parents_found_by_name",
        "parents_unknown")} == {"values_repaired_on_load": 1, "placeholder_ids": 2,
                                "parents_found_by_name": 1, "parents_unknown": 1}
    assert [(r["column"], r["rows"]) for r in audit["id_sentinels"]] == [("parent_id", 2)]
    assert [(r["column"], r["values_repaired"]) for r in audit["repairs"]] == [("Name", 1)]


def test_run_and_check_print_the_warnings(tmp_path):
    yaml = PROJECT.replace('  default: "{size}"', '  segments: [{name: Dense, when: "employees / 0.5 > 1000"},\n'
                           '             {name: Lean, when: "1000 / employees > 10"}]\n'
                           '  default: "{size}"') + "outputs: {dir: out}\n"
    setup(tmp_path, yaml, accounts="Id,NumberOfEmployees\nA,0\nB,500\n")
    expected = [
        "warning: segmint.yaml line 11: 'outputs' is given twice in the same mapping (first on "
        "line 10); YAML keeps the last one, so line 10 is ignored. Remove one of them.",
        "warning: segmentation.segments[2] (Lean): the rule divides by employees, which is 0 for "
        "1 account; a division by zero has no value, so the rule cannot match them."]
    env = {**os.environ, "COLUMNS": "300"}
    for command in (["run", "segmint.yaml"], ["check", "segmint.yaml", "--json", "audit.json"]):
        done = subprocess.run([sys.executable, "-m", "segmint.cli", *command], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
        assert [line for line in done.stdout.splitlines() if line.startswith("warning:")] == expected
    assert json.loads((tmp_path / "audit.json").read_text())["warnings"] == [
        line.removeprefix("warning: ") for line in expected]


def test_colons_and_brackets_in_names_and_headers_are_printed_as_written(tmp_path):
    # Rich would print :x: as an emoji and read [b]...[/b] as markup
    yaml = PROJECT.replace('  default: "{size}"',
                           '  segments: [{name: ":rocket: [b]Launch[/b]", when: "employees > 100"}]\n'
                           '  default: "{size}"')
    setup(tmp_path, yaml, accounts="Id,NumberOfEmployees,:x: Flag\nA,10,:x:\nB,500,[red]\n")
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "segmint.cli", "run", "segmint.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert ":rocket: [b]Launch[/b]" in done.stdout and "🚀" not in done.stdout
    setup(tmp_path, yaml.replace("preset: salesforce", "preset: salesforce, columns: {name: Nom}"),
          accounts="Id,NumberOfEmployees,:x: Flag\nA,10,:x:\n")
    done = subprocess.run([sys.executable, "-m", "segmint.cli", "run", "segmint.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    assert "Known names: Id, NumberOfEmployees, :x: Flag." in done.stderr
    assert "❌" not in done.stderr


HEAVY = ("ibis", "duckdb", "pandas", "pyarrow", "matplotlib", "sklearn", "scipy", "pyspark")
IMPORTS_OF = """
import sys
from segmint.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print("imported:", *sorted(name for name in {heavy} if name in sys.modules))
"""


@pytest.mark.parametrize("args", [["--help"], ["init", "new.yaml"],
                                  ["init", "--from", "accounts.csv", "project.yaml"]],
                         ids=["help", "init", "init-from"])
def test_help_and_init_never_import_the_engine_pandas_or_matplotlib(tmp_path, args):
    # they answer in a fraction of a second only if the engine's imports are paid by `run` alone
    setup(tmp_path)
    done = subprocess.run([sys.executable, "-c", IMPORTS_OF.format(heavy=HEAVY), *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "imported:", done.stdout


def test_carve_writes_balanced_territories_and_the_crm_file(tmp_path):
    # u1 holds six accounts, u2 two; two territories of four each move two of u1's to u2
    accounts = "Id,NumberOfEmployees,BillingCountry,BillingState,OwnerId\n" + "".join(
        f"A{i},10,US,{'NY' if i < 4 else 'NJ'},{'u1' if i < 6 else 'u2'}\n" for i in range(8))
    setup(tmp_path, accounts=accounts)
    done = segmint("carve", "segmint.yaml", "--count", "2", "--tolerance", "0",
                   "--keep-share", "0.7", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Territories" in done.stdout and "crm_territory_update.csv" in done.stdout
    crm = (tmp_path / "out" / "crm_territory_update.csv").read_text().splitlines()
    assert crm[0] == "Id,Territory__c,OwnerId" and len(crm) == 9
    owners = [line.rsplit(",", 1)[1] for line in crm[1:]]
    assert sorted(owners) == ["u1"] * 4 + ["u2"] * 4
    summary = (tmp_path / "out" / "territory_summary.csv").read_text()
    assert "0.75" in summary  # six of eight accounts keep their owner


def test_carve_refuses_an_impossible_request_in_one_line_when_strict(tmp_path):
    setup(tmp_path)
    done = segmint("carve", "segmint.yaml", "--count", "5", "--strict", cwd=tmp_path)
    assert done.returncode == 2
    assert "into 5 territories; the most it allows is 1" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_the_pipeline_imports_neither_the_report_nor_matplotlib():
    # a run without a report (`segmint check`, the library's `run(write=False)`) never pays
    # for drawing: the report and its charts are imported when the report is written
    done = subprocess.run([sys.executable, "-c", "import sys, segmint.pipeline; print(*sorted("
                           "m for m in ('matplotlib', 'segmint.report') if m in sys.modules))"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", done.stdout


def test_compare_prints_the_scorecard_and_writes_the_page(tmp_path):
    setup(tmp_path, accounts="Id,NumberOfEmployees,BillingCountry\nA,10,US\nB,500,France\n"
                             "C,900,US\n")
    (tmp_path / "by_region.yaml").write_text(
        "dimensions: {region: {kind: map, field: country, builtin: iso_region}}\n"
        "default: '{region}'\n")
    done = segmint("compare", "segmint.yaml", "--scenario", "by_region.yaml",
                   "--edges", "employees", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Scenario scorecard" in done.stdout and "by_region" in done.stdout
    assert "trade-off: by_region" in done.stdout  # moves all 3 accounts: new names
    assert "Band edges for employees" in done.stdout
    written = sorted(p.name for p in (tmp_path / "out" / "compare").iterdir())
    assert {"compare.html", "scenario_scorecard.csv", "scenario_transitions.parquet",
            "edge_search.csv"} <= set(written)
    edges = (tmp_path / "out" / "compare" / "edge_search.csv").read_text().splitlines()
    assert edges[0] == "field,measure,bands,edges,score,smallest_band,current"
    assert edges[-1] == "employees,win_rate,2,200,0.0,1,true"  # the project's edge, 200
    # a run of the project replaces its output folder, and keeps the comparison inside it
    assert segmint("run", "segmint.yaml", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out" / "compare" / "compare.html").is_file()


@pytest.mark.parametrize(("scenario", "message"), [
    ("segments: [{name: Big, when: 'employes > 9'}]\n",
     "error: scenarios.wide.segments[1] (Big): the rule reads 'employes'"),
    ("segments: [{name: Big, when: employees > 9}]\ndefualt: x\n",
     "wide.yaml has 1 problem(s):\n  defualt: unknown key 'defualt'. Did you mean 'default'?"),
])
def test_compare_refuses_a_bad_scenario_file_in_one_message(tmp_path, scenario, message):
    setup(tmp_path)
    (tmp_path / "wide.yaml").write_text(scenario)
    done = segmint("compare", "segmint.yaml", "--scenario", "wide.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr


def test_compare_without_a_scenario_says_how_to_give_one(tmp_path):
    setup(tmp_path)
    done = segmint("compare", "segmint.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "no scenario to compare" in done.stderr
    (tmp_path / "s.yaml").write_text("default: Everyone\n")
    done = segmint("compare", "segmint.yaml", "--scenario", "s.yaml", "--edges", "employees",
                   "--edge-measure", "winrate", cwd=tmp_path)
    assert done.returncode == 2 and "'winrate' is not an outcome" in done.stderr
