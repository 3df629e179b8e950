#!/usr/bin/env bash
# Gradescope image setup (Ubuntu base): a Python 3.11 virtual environment with the course's
# pinned requirements, CPU-only torch. The autograder zip holds setup.sh, run_autograder and
# the course repository as source/ (see autograder/README.md, "Gradescope").
set -euo pipefail
SOURCE="${AUTOGRADER_SOURCE:-/autograder/source}"
export DEBIAN_FRONTEND=noninteractive
if ! command -v python3.11 >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq python3.11 python3.11-venv >/dev/null \
    || { apt-get install -y -qq software-properties-common >/dev/null;
         add-apt-repository -y ppa:deadsnakes/ppa; apt-get update -qq;
         apt-get install -y -qq python3.11 python3.11-venv >/dev/null; }
fi
cd "$SOURCE"
python3.11 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# the CPU wheel of torch (a bare `torch` pulls the multi-GB CUDA build)
.venv/bin/python -m pip install -q --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt
.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
cp "$SOURCE/autograder/gradescope/run_autograder" /autograder/run_autograder 2>/dev/null || true
chmod +x /autograder/run_autograder 2>/dev/null || true
# the hidden-case seed: put autograder_seed.txt (one integer) in the zip's source/ folder
test -f "$SOURCE/autograder_seed.txt" || echo "warning: no autograder_seed.txt (nor AUTOGRADER_SEED): grading will refuse to run" >&2
