"""Shared fixtures: an engine connection and small projects written to a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from segmint import engine
from segmint.config.project import load_project


@pytest.fixture
def con():
    return engine.connect("duckdb")


@pytest.fixture
def make_project(tmp_path: Path):
    """Write files and a segmint.yaml into a fresh folder; return the loaded Project."""

    def make(yaml_text: str, **files: str | bytes):
        for name, content in files.items():
            target = tmp_path / name.replace("__", ".")
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        (tmp_path / "segmint.yaml").write_text(textwrap.dedent(yaml_text), encoding="utf-8")
        return load_project(tmp_path / "segmint.yaml")

    return make


ONE_SEGMENT = """
segmentation:
  segments: [{name: All, when: "true"}]
"""
