#!/usr/bin/env bash
# Install Apache Airflow into its own virtualenv (bench/.airflow-venv) so the benchmark
# harness can run the same scenarios against it. Idempotent: a second run only checks.
# Not part of the normal test path; `python -m bench run --systems airflow` needs it.
#
# PyPI is the only index reachable here, so Airflow's published constraint files cannot be
# fetched. The plain resolver gets a working set for Airflow 3.3.2 on Python 3.11 today
# (checked: `airflow standalone`, `dags test`, `dags list --local` on SQLite); should a
# later release of a dependency break it, pin that one on the pip line below.
set -euo pipefail

AIRFLOW_VERSION="${AIRFLOW_VERSION:-3.3.2}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${TRADEWIND_BENCH_AIRFLOW_VENV:-$HERE/.airflow-venv}"
# Same interpreter version as Tradewind's venv, so both systems start the same Python.
PYTHON="${AIRFLOW_PYTHON:-$(command -v python3.11 || command -v python3)}"

if [[ -x "$VENV/bin/airflow" ]] \
    && "$VENV/bin/python" -c "import airflow, sklearn, sys; sys.exit(airflow.__version__ != '$AIRFLOW_VERSION')" 2>/dev/null; then
    echo "Airflow $AIRFLOW_VERSION is already installed in $VENV"
    exit 0
fi

# The iris scenario trains the same forest on both systems: same scikit-learn as Tradewind's.
SKLEARN="scikit-learn"
if [[ -x "$HERE/../.venv/bin/python" ]] \
    && found="$("$HERE/../.venv/bin/python" -c 'import sklearn; print(sklearn.__version__)' 2>/dev/null)"; then
    SKLEARN="scikit-learn==$found"
fi

echo "Installing Apache Airflow $AIRFLOW_VERSION and $SKLEARN into $VENV (takes a few minutes)"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip setuptools wheel
"$VENV/bin/python" -m pip install --quiet \
    "apache-airflow==$AIRFLOW_VERSION" \
    "$SKLEARN" \
    "psutil"

# A smoke check: the CLI starts and reports the version we asked for.
AIRFLOW_HOME="$(mktemp -d)" AIRFLOW__CORE__LOAD_EXAMPLES=False "$VENV/bin/airflow" version
echo "Airflow ready: $VENV/bin/airflow"
