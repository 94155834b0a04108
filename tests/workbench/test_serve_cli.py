"""`segmint serve` as a user starts it: the data scored once, a URL with its token, 403 without."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

pytest.importorskip("uvicorn", reason="the serve extra is not installed")


def test_serve_prints_a_tokened_url_and_refuses_requests_without_it(tiny_project):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen([sys.executable, "-m", "segmint.cli", "serve", "segmint.yaml"],
                              cwd=tiny_project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True, env=env)
    try:
        line = server.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{40,})", line)
        assert found, line + server.stderr.read()
        port, token = found.groups()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/model?token={token}",
                                    timeout=60) as answer:
            assert answer.status == 200 and b'"project":"Tiny Co"' in answer.read()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/model", timeout=60)
        assert refused.value.code == 403
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_serve_refuses_engine_spark_in_one_line(tiny_project, tmp_path):
    (tmp_path / "segmint.yaml").write_text(
        (tiny_project / "segmint.yaml").read_text().replace("name: Tiny Co", "engine: spark"))
    done = subprocess.run([sys.executable, "-m", "segmint.cli", "serve", "segmint.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: segmint serve runs on DuckDB only")
    assert "Traceback" not in done.stderr


def test_without_the_serve_extra_the_message_says_what_to_install(monkeypatch):
    from segmint.exceptions import ConfigError
    from segmint.workbench import app

    monkeypatch.setattr(app, "Starlette", None)
    with pytest.raises(ConfigError, match=r"pip install 'segmint\[serve\]'"):
        app.require_serve_extra()
