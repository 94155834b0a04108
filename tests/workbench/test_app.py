"""The workbench's HTTP face: the token, the Host, the body limit, and each edit's figures."""

from __future__ import annotations

import copy
import json

import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")
from starlette.testclient import TestClient  # noqa: E402

from segmint.config.project import load_project  # noqa: E402
from segmint.workbench.app import MAX_BODY_BYTES, workbench_app  # noqa: E402
from segmint.workbench.session import check_edit, edit_figures, open_workbench  # noqa: E402

TOKEN = "test-token-0123456789"


@pytest.fixture(scope="module")
def workbench(tiny_project):
    return open_workbench(load_project(tiny_project / "segmint.yaml"))


@pytest.fixture(scope="module")
def client(workbench):
    return TestClient(workbench_app(workbench, token=TOKEN), base_url="http://127.0.0.1:8000")


def edited(workbench, edge: float) -> dict:
    model = copy.deepcopy(workbench.project.segmentation.model_dump(mode="json",
                                                                    exclude_none=True))
    model["dimensions"]["size"]["edges"] = [edge]
    return model


@pytest.mark.parametrize("path", ["/", "/api/model", "/assets/workbench.js"])
def test_a_request_without_the_right_token_is_refused(client, path):
    for query in ("", "?token=", "?token=test-token-012345678"):
        answer = client.get(path + query)
        assert answer.status_code == 403 and "no valid token" in answer.text
    assert client.get(f"{path}?token={TOKEN}").status_code == 200


def test_the_token_in_a_header_is_accepted_and_another_host_is_refused(client):
    assert client.get("/api/model", headers={"X-Segmint-Token": TOKEN}).status_code == 200
    elsewhere = client.get(f"http://attacker.example:8000/api/model?token={TOKEN}")
    assert elsewhere.status_code == 403 and "127.0.0.1" in elsewhere.text


def test_only_the_pages_own_assets_are_served(client):
    for path in ("/assets/..%2F..%2Fsegmint.yaml", "/assets/app.py", "/assets/%2e%2e"):
        assert client.get(f"{path}?token={TOKEN}").status_code == 404, path
    assert client.get(f"/../../segmint.yaml?token={TOKEN}").status_code == 404


def test_a_body_over_the_limit_is_refused(client, workbench):
    body = json.dumps({"segmentation": edited(workbench, 300), "pad": "x" * MAX_BODY_BYTES})
    answer = client.post(f"/api/figures?token={TOKEN}", content=body)
    assert answer.status_code == 413 and "256 KB" in answer.text


def test_every_answer_carries_the_security_headers(client):
    answer = client.get(f"/?token={TOKEN}")
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert "connect-src 'self'" in answer.headers["content-security-policy"]


def test_the_figures_endpoint_answers_the_librarys_figures(client, workbench):
    answer = client.post(f"/api/figures?token={TOKEN}",
                         json={"segmentation": edited(workbench, 300)})
    assert answer.status_code == 200
    expected = edit_figures(workbench, check_edit(workbench.project, edited(workbench, 300)))
    assert answer.json() == expected
    smb = next(row for row in answer.json()["segments"] if row["segment"] == "SMB")
    assert (smb["accounts"], smb["arr"], smb["win_rate"]) == (6, 28800, 0.4)


def test_the_model_endpoint_gives_the_saved_model_moving_nothing(client, workbench):
    answer = client.get(f"/api/model?token={TOKEN}").json()
    assert answer["project"] == "Tiny Co"
    assert answer["segmentation"]["dimensions"]["size"]["edges"] == [100.0]
    moved = {row["measure"]: row["value"] for row in answer["figures"]["disruption"]}
    assert moved["accounts_moved"] == 0


def test_a_bad_rule_is_answered_422_with_its_key_and_caret(client, workbench):
    model = edited(workbench, 100)
    model["segments"][0]["when"] = "employees >> 5"
    answer = client.post(f"/api/figures?token={TOKEN}", json={"segmentation": model})
    assert answer.status_code == 422
    [problem] = answer.json()["problems"]
    assert (problem["key"], problem["position"]) == ("segmentation.segments[1].when", 11)


def test_a_body_that_is_not_a_model_says_what_to_send(client):
    for body in ("not json", "[1, 2]", '{"segmentation": 3}'):
        answer = client.post(f"/api/figures?token={TOKEN}", content=body)
        assert answer.status_code == 400
        assert 'send {"segmentation": {...}}' in answer.json()["problems"][0]["message"]


def test_the_segment_chart_is_the_reports_drawing_of_the_figures_segments(client, workbench):
    figures = client.post(f"/api/figures?token={TOKEN}",
                          json={"segmentation": edited(workbench, 300)}).json()
    sizes = [{name: row[name] for name in ("segment", "accounts", "customers", "arr")}
             for row in figures["segments"]]
    sizes.append({"segment": "<script>alert(1)</script>", "accounts": 1, "customers": 0,
                  "arr": None})
    answer = client.post(f"/api/chart/segments?token={TOKEN}", json={"segments": sizes})
    assert answer.status_code == 200
    svg = answer.json()["svg"]
    assert svg.startswith("<svg") and "Accounts and customers per segment" in svg
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    # the bars' labels, in the order segment_bars draws them (fewest accounts at the bottom)
    for name in ("Strategic", "ENT", "SMB"):
        assert f"<!-- {name} -->" in svg


@pytest.mark.parametrize(("segments", "said"), [
    (None, "segments must be a list of 1 to 500 segments"),
    ([{"segment": "SMB", "accounts": "6", "customers": 4, "arr": 1.0}],
     "segments[1].accounts must be a whole number of at least 0, not '6'"),
    ([{"segment": "SMB", "accounts": 6, "customers": 4, "arr": "1e9"}],
     "segments[1].arr must be a number or null, not '1e9'"),
    ([{"accounts": 6, "customers": 4, "arr": 1.0}], "segments[1] must have a segment name"),
])
def test_a_chart_request_that_is_not_the_figures_segments_is_refused(client, segments, said):
    answer = client.post(f"/api/chart/segments?token={TOKEN}", json={"segments": segments})
    assert answer.status_code == 400
    assert said in answer.json()["problems"][0]["message"]
