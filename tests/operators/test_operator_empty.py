from __future__ import annotations

from datetime import UTC, datetime

from tradewind.operators import EmptyOperator as ExportedEmptyOperator
from tradewind.operators.empty import EmptyOperator
from tradewind.sdk import DAG

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_empty_operator_does_nothing_and_returns_none(make_context):
    with DAG("d", schedule=None, start_date=START):
        op = EmptyOperator(task_id="t")
    context = make_context(op)
    assert op.execute(context) is None
    assert context["ti"].xcoms == {}
    assert context["ti"].skip_calls == []


def test_empty_operator_is_marked_for_the_engine():
    assert EmptyOperator.inherits_from_empty_operator is True


def test_package_exports_operators_lazily():
    import tradewind.operators as operators

    assert ExportedEmptyOperator is EmptyOperator
    assert operators.PythonOperator.__module__ == "tradewind.operators.python"
