"""The Gradescope entry point writes a valid results.json, whatever happens."""

import json
import os
import pathlib
import subprocess
import sys

import pytest
from test_autograder_grade import GRADESCOPE_SCHEMA, good_source

from autograder import exercises as catalogue

ROOT = pathlib.Path(__file__).resolve().parents[1]
RUN = ROOT / "autograder" / "gradescope" / "run_autograder"


def run_autograder(tmp_path, submission, seed="5"):
    results = tmp_path / "results"
    env = dict(
        os.environ,
        AUTOGRADER_SOURCE=str(ROOT),
        AUTOGRADER_SUBMISSION=str(submission),
        AUTOGRADER_RESULTS=str(results),
        AUTOGRADER_PYTHON=sys.executable,
        AUTOGRADER_SEED=seed,
    )
    r = subprocess.run(["bash", str(RUN)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads((results / "results.json").read_text())


def test_a_submission_folder_is_graded_into_results_json(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "everything.py").write_text(good_source(), encoding="utf-8")
    doc = run_autograder(tmp_path, sub)
    jsonschema.validate(doc, GRADESCOPE_SCHEMA)
    assert doc["score"] == sum(t["max_score"] for t in doc["tests"]) > 0, doc["output"]
    assert len(doc["tests"]) == len(catalogue.EXERCISES)


def test_a_broken_setup_still_writes_a_valid_result(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    doc = run_autograder(tmp_path, tmp_path / "no_such_submission", seed="not a number")
    jsonschema.validate(doc, GRADESCOPE_SCHEMA)
    assert doc["score"] == 0 and "autograder failed" in doc["output"]


def test_without_a_secret_no_learner_is_graded(tmp_path):
    """No AUTOGRADER_SEED and no autograder_seed.txt: a misconfigured autograder, said plainly
    (it used to grade the hidden cases with seed 0, which anyone with the course can redo)."""
    assert not (ROOT / "autograder_seed.txt").exists()
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "everything.py").write_text(good_source(), encoding="utf-8")
    doc = run_autograder(tmp_path, sub, seed="")
    assert doc["score"] == 0 and "no secret" in doc["output"], doc["output"]


def test_scripts_are_executable_and_strict():
    for name in ("run_autograder", "setup.sh"):
        path = ROOT / "autograder" / "gradescope" / name
        assert os.access(path, os.X_OK), name
        assert path.read_text().startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in (ROOT / "autograder" / "gradescope" / "setup.sh").read_text()
