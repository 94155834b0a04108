"""Saving from the page in headless Chromium: the diff shown first, then segmint.yaml written
with its comments, and the figures then measured against the model just saved."""

from __future__ import annotations

import pytest

from segmint.config.project import load_project

pytest.importorskip("ruamel.yaml", reason="the serve extra is not installed")


def test_save_shows_the_diff_then_writes_segmint_yaml_with_its_comments(served, chromium_page):
    url, token, workbench = served
    page, answer, problems = chromium_page(f"{url}/?token={token}")
    page.wait_for_function("() => document.getElementById('status').textContent"
                           " === 'Figures for the saved model.'")
    page.focus('[data-key="segmentation.dimensions.size.edges[1]"]')
    page.keyboard.press("Control+A")
    page.keyboard.type("300")
    page.wait_for_function("() => document.getElementById('status').textContent"
                           ".includes('edit 1)')")
    page.focus("#show-diff")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('diff').textContent !== ''")
    diff = page.locator("#diff").inner_text()
    changed = [line for line in diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        "-    size: {kind: bands, field: employees, edges: [100], labels: [SMB, ENT]}  # the cut",
        "+    size: {kind: bands, field: employees, edges: [300], labels: [SMB, ENT]}  # the cut"]
    path = workbench.project_file
    assert "edges: [100]" in path.read_text()  # shown, not yet written

    page.focus("#write")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('save-status').textContent"
                           " === 'Saved segmentation to segmint.yaml.'")
    text = path.read_text()
    assert text.startswith("# The workbench's test project: comments stay when a model is saved.")
    assert "edges: [300], labels: [SMB, ENT]}  # the cut" in text
    assert load_project(path).segmentation.dimensions["size"].edges == [300.0]
    page.wait_for_function("() => document.querySelector('#disruption dd[data-measure="
                           "\"accounts_moved\"]').textContent === '0'")  # against the new save
    assert problems == []
