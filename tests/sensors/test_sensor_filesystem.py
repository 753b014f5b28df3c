from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tradewind.sdk import DAG
from tradewind.sensors.filesystem import FileSensor

START = datetime(2024, 1, 1, tzinfo=UTC)


def file_sensor(filepath: str | Path, **kwargs) -> FileSensor:
    with DAG("d", schedule=None, start_date=START):
        return FileSensor(task_id="s", filepath=filepath, **kwargs)


def test_existing_file_is_found(make_context, tmp_path):
    (tmp_path / "data.csv").write_text("x")
    op = file_sensor(tmp_path / "data.csv")
    assert op.poke(make_context(op)) is True


def test_missing_file_is_not_found(make_context, tmp_path):
    op = file_sensor(tmp_path / "data.csv")
    assert op.poke(make_context(op)) is False


def test_glob_pattern_matches_a_file(make_context, tmp_path):
    (tmp_path / "part-0001.csv").write_text("x")
    op = file_sensor(f"{tmp_path}/part-*.csv")
    assert op.poke(make_context(op)) is True


def test_glob_pattern_without_a_match_is_not_found(make_context, tmp_path):
    (tmp_path / "part-0001.json").write_text("x")
    op = file_sensor(f"{tmp_path}/part-*.csv")
    assert op.poke(make_context(op)) is False


def test_folder_with_a_file_at_any_depth_is_found(make_context, tmp_path):
    (tmp_path / "out" / "deep").mkdir(parents=True)
    (tmp_path / "out" / "deep" / "f").write_text("x")
    op = file_sensor(tmp_path / "out")
    assert op.poke(make_context(op)) is True


def test_empty_folder_is_not_found(make_context, tmp_path):
    (tmp_path / "out" / "empty").mkdir(parents=True)
    op = file_sensor(tmp_path / "out")
    assert op.poke(make_context(op)) is False


def test_recursive_double_star_matches_nested_files(make_context, tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.csv").write_text("x")
    op = file_sensor(f"{tmp_path}/**/x.csv", recursive=True)
    assert op.poke(make_context(op)) is True


def test_double_star_spans_one_level_without_recursive(make_context, tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.csv").write_text("x")
    op = file_sensor(f"{tmp_path}/**/x.csv")
    assert op.poke(make_context(op)) is False


def test_filepath_is_templated(make_context, tmp_path):
    (tmp_path / "2024-01-01.csv").write_text("x")
    op = file_sensor(f"{tmp_path}/{{{{ ds }}}}.csv")
    context = make_context(op)
    op.render_template_fields(context)
    assert op.filepath == f"{tmp_path}/2024-01-01.csv"
    assert op.poke(context) is True


def test_file_sensor_pushes_nothing(make_context, tmp_path):
    (tmp_path / "f").write_text("x")
    op = file_sensor(tmp_path / "f", fs_conn_id="fs_local")
    assert op.execute(make_context(op)) is None
    assert op.fs_conn_id == "fs_local"


def test_file_sensor_waits_for_a_file_that_appears(make_context, tmp_path):
    target = tmp_path / "late"
    op = file_sensor(target, poke_interval=0.01)
    pokes = 0
    original = op.poke

    def poke_and_create(context):
        nonlocal pokes
        pokes += 1
        if pokes == 3:
            target.write_text("x")
        return original(context)

    op.poke = poke_and_create
    op.execute(make_context(op))
    assert pokes == 3
