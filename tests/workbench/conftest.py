"""A small hand-built project for the workbench: eight accounts, four owners, deals and revenue.

Small accounts (under 100 employees) win 1 of their 5 new-business deals and two of them
churned; large ones win 4 of 5 and none churned (as tests/plan/test_scenarios.py).
"""

from __future__ import annotations

import textwrap

import pytest

IDS = [f"a{i}" for i in range(1, 9)]
EMPLOYEES = [10, 50, 20, 80, 150, 5000, 250, 9000]
COUNTRY = ["US", "US", "FR", "FR", "US", "US", "FR", "FR"]
OWNER = ["u1", "u2", "u3", "u3", "u1", "u2", "u4", "u4"]
ARR_2023 = [1200, 2400, 1200, 2400, 12000, 14400, 12000, 14400]
CHURNED = {"a1", "a3"}

PROJECT_YAML = textwrap.dedent("""\
    # The workbench's test project: comments stay when a model is saved.
    name: Tiny Co
    sources:
      accounts: {path: accounts.csv}
      deals: {path: deals.csv}
      revenue: {path: revenue.csv}
    segmentation:
      dimensions:
        size: {kind: bands, field: employees, edges: [100], labels: [SMB, ENT]}  # the cut
        region: {kind: map, field: country, values: {US: NA, FR: EMEA}}
      segments:
        - {name: Strategic, when: "employees >= 9000"}
      default: "{size}"
    outputs: {dir: out, report: false}
    """)


def write_project(folder) -> None:
    """The project's files in `folder`: segmint.yaml, accounts, deals and revenue CSVs."""
    (folder / "segmint.yaml").write_text(PROJECT_YAML)
    (folder / "accounts.csv").write_text("account_id,name,employees,country,owner_id\n" + "".join(
        f"{a},Company {a},{e},{c},{o}\n" for a, e, c, o in zip(IDS, EMPLOYEES, COUNTRY, OWNER)))
    deals = ["deal_id,account_id,amount,deal_type,stage,created_date,close_date"]
    for account, employees in zip(IDS, EMPLOYEES):
        small = employees < 100
        for number in range(5):
            won = number < (1 if small else 4)
            deals.append(f"{account}-{number},{account},1000,New Business,"
                         f"{'Closed Won' if won else 'Closed Lost'},2024-01-01,"
                         f"{'2024-01-11' if small else '2024-03-31'}")
    (folder / "deals.csv").write_text("\n".join(deals) + "\n")
    revenue = ["account_id,period,product,mrr"]
    for account, arr in zip(IDS, ARR_2023):
        revenue.append(f"{account},2023-06-01,core,{arr / 12}")
        if account not in CHURNED:
            revenue.append(f"{account},2024-06-01,core,{arr / 12}")
    (folder / "revenue.csv").write_text("\n".join(revenue) + "\n")


@pytest.fixture(scope="module")
def tiny_project(tmp_path_factory):
    """The folder of the hand-built project."""
    folder = tmp_path_factory.mktemp("tiny")
    write_project(folder)
    return folder


@pytest.fixture
def fresh_project(tmp_path):
    """The folder of the hand-built project, new for each test (one that saves into it)."""
    write_project(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def served(tiny_project):
    """The workbench of the hand-built project, served on 127.0.0.1 from a thread: its base
    URL, token and `Workbench`."""
    pytest.importorskip("uvicorn", reason="the serve extra is not installed")
    import threading

    import uvicorn

    from segmint.config.project import load_project
    from segmint.workbench.app import loopback_socket, new_token, workbench_app
    from segmint.workbench.session import open_workbench

    path = tiny_project / "segmint.yaml"
    workbench = open_workbench(load_project(path), project_file=path)
    token, sock = new_token(), loopback_socket()
    server = uvicorn.Server(uvicorn.Config(workbench_app(workbench, token=token),
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", token, workbench
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


@pytest.fixture(scope="module")
def chromium_page(served, chromium_tab):
    """A function opening a URL in headless Chromium: the page, the answer, and the list its
    console errors, page errors and requests anywhere but the workbench go to."""
    url = served[0]
    return lambda address: chromium_tab(address, local=url + "/")
