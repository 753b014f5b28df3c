"""Control flow: mapping over runtime results, short-circuits, branches, setup and teardown.

Shows:

* ``@setup`` / ``@teardown``: a scratch folder made before the work and removed after it, even
  when a task in between fails (the teardown's rule is ``all_done_setup_success``);
* dynamic task mapping over a list only known at run time: ``count_words.expand(path=files)``
  makes one instance per file ``list_files`` found; ``summarize`` gets all their results;
* a classic operator mapped over a transformed result:
  ``BashOperator.partial(...).expand(bash_command=files.map(...))``;
* ``@task.short_circuit``: ``found_big_file`` returns False, so ``archive_big_files`` is
  skipped, while ``any_words`` returns True and ``summarize`` runs;
* ``BranchPythonOperator`` picking ``small_batch`` or ``large_batch``, joined by a task with
  the ``none_failed_min_one_success`` trigger rule.

Run it::

    tradewind dags test examples/branching_mapping.py branching_mapping
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tradewind import DAG, setup, task, teardown
from tradewind.operators.bash import BashOperator
from tradewind.operators.empty import EmptyOperator
from tradewind.operators.python import BranchPythonOperator

#: Files the setup task writes; the pipeline discovers them at run time.
TEXTS = {
    "ballad.txt": "the wind blew east and the ship sailed on",
    "log.txt": "ok ok ok",
    "empty.txt": "",
    "notes.txt": "trade winds blow steadily toward the equator",
}

#: A file with more words than this is archived.
BIG_FILE_WORDS = 1_000


@setup
def create_workdir() -> str:
    """Make a scratch folder with a few text files."""
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="tradewind-branching-"))
    for name, text in TEXTS.items():
        (folder / name).write_text(text)
    print(f"Created {folder}")
    return str(folder)


@task
def list_files(workdir: str) -> list[str]:
    """What to map over: only known once this task has run."""
    from pathlib import Path

    return sorted(str(path) for path in Path(workdir).glob("*.txt"))


@task(multiple_outputs=False)  # one dict per mapped instance, not one XCom per key
def count_words(path: str) -> dict[str, Any]:
    from pathlib import Path

    return {"file": Path(path).name, "words": len(Path(path).read_text().split())}


@task.short_circuit
def any_words(counts: list[dict[str, Any]]) -> bool:
    """True: the tasks after it run."""
    return any(count["words"] for count in counts)


@task
def summarize(counts: list[dict[str, Any]]) -> int:
    total = sum(count["words"] for count in counts)
    print(f"{len(counts)} files, {total} words: {list(counts)}")
    return total


@task.short_circuit
def found_big_file(counts: list[dict[str, Any]]) -> bool:
    """False here: every task downstream of it is skipped."""
    return any(count["words"] > BIG_FILE_WORDS for count in counts)


@task
def archive_big_files(counts: list[dict[str, Any]]) -> None:
    print("Archiving", [c["file"] for c in counts if c["words"] > BIG_FILE_WORDS])


def choose_batch(ti: Any) -> str:
    files = ti.xcom_pull(task_ids="list_files")
    return "small_batch" if len(files) < 10 else "large_batch"


@teardown
def remove_workdir(workdir: str) -> None:
    """Runs after the work, whatever happened to it."""
    import shutil

    shutil.rmtree(workdir)
    print(f"Removed {workdir}")


with DAG(
    dag_id="branching_mapping",
    description="Map over files found at run time; short-circuit, branch, clean up.",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example"],
) as dag:
    workdir = create_workdir()
    files = list_files(workdir)

    counts = count_words.expand(path=files)
    summary = summarize(counts)
    any_words(counts) >> summary
    archived = archive_big_files(counts)
    found_big_file(counts) >> archived

    peek = BashOperator.partial(task_id="peek").expand(
        bash_command=files.map(lambda path: f"head -c 30 {path}; echo")
    )

    branch = BranchPythonOperator(task_id="choose_batch", python_callable=choose_batch)
    small = EmptyOperator(task_id="small_batch")
    large = EmptyOperator(task_id="large_batch")
    join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
    files >> branch >> [small, large] >> join

    [summary, archived, peek, join] >> remove_workdir(workdir)

if __name__ == "__main__":
    dag.test()
