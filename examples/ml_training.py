"""Train, sweep, pick a champion, gate it: an ML pipeline in plain TaskFlow.

Shows:

* ``@dag`` / ``@task`` with results passed between tasks (dicts, NumPy arrays);
* a data quality gate (``validate``) that fails the run with a clear message;
* a hyperparameter sweep as dynamic task mapping: ``train.expand_kwargs([...])`` makes one
  task instance per configuration (each also gets the feature splits, an upstream result),
  and ``pick_best`` receives all their results;
* models stored as files (under ``$TRADEWIND_HOME/artifacts``, or the temp folder), with only
  their paths travelling between tasks;
* ``@task.branch`` choosing ``deploy`` or ``alert``, and a ``report`` that runs after either
  (trigger rule ``none_failed_min_one_success``);
* Params the trigger form can set: the accuracy gate, the test split size, and a switch that
  corrupts the data to show the validation gate at work.

The data is scikit-learn's bundled breast cancer dataset, so nothing is downloaded. sklearn and
NumPy are imported inside the tasks: parsing this file stays fast.

Run it::

    tradewind dags test examples/ml_training.py ml_training
    tradewind dags test examples/ml_training.py ml_training --conf '{"min_accuracy": 0.9999}'

The second run sets an impossible gate, so the branch goes to ``alert`` instead of ``deploy``.
With ``--conf '{"inject_missing": 5}'`` the data has holes and ``validate`` fails the run.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from tradewind import Param, dag, task

#: The sweep: one mapped ``train`` instance per configuration.
CONFIGS: list[dict[str, Any]] = [
    {"model": "logistic_regression", "C": 0.01},
    {"model": "logistic_regression", "C": 1.0},
    {"model": "random_forest", "n_estimators": 25, "max_depth": 3},
    {"model": "random_forest", "n_estimators": 60, "max_depth": None},
]

#: A held-out score above this is more likely a leak than a great model.
SUSPICIOUS_ACCURACY = 0.999

MIN_ROWS = 100


def artifact_dir(run_id: str) -> Path:
    """A folder for this run's models: ``$TRADEWIND_HOME/artifacts/...`` or the temp folder."""
    base = os.environ.get("TRADEWIND_HOME") or Path(tempfile.gettempdir()) / "tradewind-examples"
    safe_run_id = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
    folder = Path(base) / "artifacts" / "ml_training" / safe_run_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dag(
    dag_id="ml_training",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "ml"],
    params={
        "min_accuracy": Param(
            0.9,
            type="number",
            minimum=0,
            maximum=1,
            description="Deploy the champion only if its held-out accuracy reaches this.",
        ),
        "test_size": Param(
            0.25,
            type="number",
            exclusiveMinimum=0,
            maximum=0.5,
            description="Share of rows held out for the final evaluation.",
        ),
        "inject_missing": Param(
            0,
            type="integer",
            minimum=0,
            maximum=100,
            description="Demo: blank out this many feature values to see validation stop the run.",
        ),
    },
)
def ml_training() -> None:
    @task(show_return_value_in_logs=False)  # arrays: too long for the log
    def extract(params: dict[str, Any]) -> dict[str, Any]:
        """Load the dataset bundled with scikit-learn (no network)."""
        import numpy as np
        from sklearn.datasets import load_breast_cancer

        data = load_breast_cancer()
        X = data.data
        if params["inject_missing"]:
            rows = np.random.default_rng(0).choice(len(X), params["inject_missing"], replace=False)
            X[rows, 0] = np.nan
        print(f"Loaded {X.shape[0]} rows x {X.shape[1]} features")
        return {"X": X, "y": data.target, "feature_names": list(data.feature_names)}

    @task(show_return_value_in_logs=False)  # arrays: too long for the log
    def validate(dataset: dict[str, Any]) -> dict[str, Any]:
        """Fail the run early, and say why, when the data is not fit to train on."""
        import numpy as np

        X, y = dataset["X"], dataset["y"]
        problems = []
        if len(X) < MIN_ROWS:
            problems.append(f"only {len(X)} rows, need at least {MIN_ROWS}")
        if len(X) != len(y):
            problems.append(f"{len(X)} feature rows but {len(y)} labels")
        if np.isnan(X).any():
            problems.append(f"{int(np.isnan(X).sum())} missing feature values (NaN)")
        if len(np.unique(y)) < 2:
            problems.append("a single class in the labels")
        if problems:
            raise ValueError("Dataset failed validation: " + "; ".join(problems) + ".")
        print(f"Validated {len(X)} rows, classes {np.bincount(y).tolist()}, no missing values")
        return dataset

    @task(show_return_value_in_logs=False)  # arrays: too long for the log
    def features(dataset: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """Split into train / validation / test and standardize with train statistics only."""
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        X, y = dataset["X"], dataset["y"]
        X_rest, X_test, y_rest, y_test = train_test_split(
            X, y, test_size=params["test_size"], stratify=y, random_state=0
        )
        X_train, X_valid, y_train, y_valid = train_test_split(
            X_rest, y_rest, test_size=0.25, stratify=y_rest, random_state=0
        )
        scaler = StandardScaler().fit(X_train)
        print(f"train={len(X_train)} valid={len(X_valid)} test={len(X_test)}")
        return {
            "X_train": scaler.transform(X_train),
            "y_train": y_train,
            "X_valid": scaler.transform(X_valid),
            "y_valid": y_valid,
            "X_test": scaler.transform(X_test),
            "y_test": y_test,
        }

    @task(multiple_outputs=False)  # one result dict per instance, collected by pick_best
    def train(splits: dict[str, Any], config: dict[str, Any], run_id: str) -> dict[str, Any]:
        """Fit one configuration of the sweep; store the model and return its metrics."""
        import pickle

        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score

        options = {k: v for k, v in config.items() if k != "model"}
        if config["model"] == "logistic_regression":
            model: Any = LogisticRegression(max_iter=1000, **options)
        else:
            model = RandomForestClassifier(random_state=0, n_jobs=1, **options)
        model.fit(splits["X_train"], splits["y_train"])
        accuracy = float(accuracy_score(splits["y_valid"], model.predict(splits["X_valid"])))
        name = "_".join(f"{k}-{v}" for k, v in config.items())
        path = artifact_dir(run_id) / f"{name}.pkl"
        path.write_bytes(pickle.dumps(model))
        print(f"{name}: validation accuracy {accuracy:.4f}")
        return {"config": config, "valid_accuracy": accuracy, "model_path": str(path)}

    @task
    def pick_best(results: list[dict[str, Any]]) -> dict[str, Any]:
        """The champion: best validation accuracy; ties go to the earlier (simpler) config."""
        ranked = sorted(results, key=lambda r: -r["valid_accuracy"])
        for result in ranked:
            print(f"{result['valid_accuracy']:.4f}  {result['config']}")
        return ranked[0]

    @task
    def evaluate(best: dict[str, Any], splits: dict[str, Any]) -> dict[str, Any]:
        """Score the champion once, on the test rows no model has seen."""
        import pickle

        from sklearn.metrics import accuracy_score, f1_score

        model = pickle.loads(Path(best["model_path"]).read_bytes())
        predicted = model.predict(splits["X_test"])
        metrics = {
            "accuracy": float(accuracy_score(splits["y_test"], predicted)),
            "f1": float(f1_score(splits["y_test"], predicted)),
        }
        print(f"Champion {best['config']}: test {metrics}")
        return {**best, **metrics}

    @task.branch
    def gate(evaluation: dict[str, Any], params: dict[str, Any]) -> str:
        """Deploy a good champion; alert on a weak one, or on one too good to be true."""
        accuracy = evaluation["accuracy"]
        if accuracy > SUSPICIOUS_ACCURACY:
            print(f"Accuracy {accuracy:.4f} is suspiciously high: check for leakage")
            return "alert"
        if accuracy < params["min_accuracy"]:
            print(f"Accuracy {accuracy:.4f} is below the gate of {params['min_accuracy']}")
            return "alert"
        return "deploy"

    @task
    def deploy(evaluation: dict[str, Any], run_id: str) -> str:
        """Publish the champion as the current model."""
        import shutil

        target = artifact_dir(run_id).parent / "champion.pkl"
        shutil.copyfile(evaluation["model_path"], target)
        print(
            f"Deployed {evaluation['config']} (accuracy {evaluation['accuracy']:.4f}) to {target}"
        )
        return str(target)

    @task
    def alert(evaluation: dict[str, Any], params: dict[str, Any]) -> str:
        """Tell a human; a real pipeline would page or post to a channel here."""
        message = (
            f"Model NOT deployed: {evaluation['config']} scored {evaluation['accuracy']:.4f} "
            f"(gate {params['min_accuracy']}, suspicious above {SUSPICIOUS_ACCURACY})"
        )
        print(message)
        return message

    @task(trigger_rule="none_failed_min_one_success")
    def report(evaluation: dict[str, Any]) -> None:
        """Runs after whichever branch was taken."""
        print(f"Run finished: champion {evaluation['config']}, test f1 {evaluation['f1']:.4f}")

    splits = features(validate(extract()))
    results = train.expand_kwargs([{"splits": splits, "config": c} for c in CONFIGS])
    evaluation = evaluate(pick_best(results), splits)
    deployed, alerted = deploy(evaluation), alert(evaluation)
    gate(evaluation) >> [deployed, alerted] >> report(evaluation)


dag_object = ml_training()

if __name__ == "__main__":
    dag_object.test()
