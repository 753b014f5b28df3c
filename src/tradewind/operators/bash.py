"""``BashOperator`` and ``@task.bash``: run a command with ``bash -c``.

Each output line (stdout and stderr together) goes to the task log as it arrives; the last
line is the task's XCom. The command runs in its own process group so that killing the task
also stops whatever the command started. The run's identity reaches the command as
``AIRFLOW_CTX_*`` environment variables (and the same with a ``TRADEWIND_CTX_`` prefix).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from tradewind.errors import TradewindError
from tradewind.exceptions import SkipTask
from tradewind.sdk.abstractoperator import AbstractOperator
from tradewind.sdk.baseoperator import BaseOperator
from tradewind.sdk.decorators import make_task_decorator
from tradewind.sdk.python_callable import call_with_context

__all__ = ["BashCommandError", "BashOperator", "bash_task", "context_env_vars"]

log = logging.getLogger(__name__)

# Linux caps one command-line argument at 128 KiB, so longer commands (rendered script
# files, mostly) are written to a script file instead of being passed to ``bash -c``.
_MAX_INLINE_COMMAND_BYTES = 100_000
# How long a command gets to exit after SIGTERM when the task stops abnormally.
_TERM_GRACE_SECONDS = 5.0


class BashCommandError(TradewindError):
    """A bash command exited with a non-zero code that is not a skip code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def context_env_vars(context: Mapping[str, Any], task: AbstractOperator) -> dict[str, str]:
    """The ``AIRFLOW_CTX_*`` / ``TRADEWIND_CTX_*`` variables describing this task try."""
    ti = context.get("ti")
    logical_date = context.get("logical_date")
    email = task.email
    values = {
        "DAG_ID": getattr(ti, "dag_id", None) or task.dag_id,
        "TASK_ID": getattr(ti, "task_id", None) or task.task_id,
        "LOGICAL_DATE": logical_date.isoformat() if logical_date is not None else None,
        "RUN_ID": context.get("run_id") or getattr(ti, "run_id", None),
        "TRY_NUMBER": getattr(ti, "try_number", None),
        "DAG_OWNER": task.owner,
        "DAG_EMAIL": email if isinstance(email, str) or email is None else ",".join(email),
    }
    present = {name: str(value) for name, value in values.items() if value is not None}
    result = {
        f"{prefix}_CTX_{name}": v
        for prefix in ("AIRFLOW", "TRADEWIND")
        for name, v in present.items()
    }
    # Airflow's own names for two of them, which existing scripts read.
    if "RUN_ID" in present:
        result["AIRFLOW_CTX_DAG_RUN_ID"] = present["RUN_ID"]
    if "LOGICAL_DATE" in present:
        result["AIRFLOW_CTX_EXECUTION_DATE"] = present["LOGICAL_DATE"]
    return result


def _exit_codes(value: int | Iterable[int] | None) -> list[int]:
    if value is None:
        return []
    if isinstance(value, int):
        return [value]
    return list(value)


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name} (exit code {code})"
    return f"returned the non-zero exit code {code}"


class BashOperator(BaseOperator):
    """Run ``bash_command`` with bash.

    * ``env``: the environment of the command. Without it the command inherits the task's
      environment; with it (and ``append_env=False``) it gets only ``env``, plus the context
      variables. ``append_env=True`` adds ``env`` to the inherited environment.
    * ``cwd``: the working directory; by default a fresh temporary directory.
    * ``skip_on_exit_code`` (default 99): exit codes that end the task as skipped.
    * ``output_processor``: turns the last output line into the XCom value.
    """

    template_fields: Sequence[str] = ("bash_command", "env", "cwd")
    template_fields_renderers = {"bash_command": "bash", "env": "json"}
    template_ext: Sequence[str] = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str,
        env: Mapping[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_on_exit_code: int | Iterable[int] | None = 99,
        cwd: str | None = None,
        output_processor: Callable[[str], Any] = lambda output: output,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = dict(env) if env is not None else None
        self.append_env = append_env
        self.output_encoding = output_encoding
        self.skip_on_exit_code = _exit_codes(skip_on_exit_code)
        self.cwd = cwd
        self.output_processor = output_processor
        self._process: subprocess.Popen[bytes] | None = None

    # -- running -------------------------------------------------------------------------

    def execute(self, context: Any) -> Any:
        command = self.bash_command
        if not isinstance(command, str):
            raise TypeError(
                f"bash_command of task {self.task_id!r} must be a string, got {command!r}."
            )
        env = self.get_env(context)
        with contextlib.ExitStack() as stack:
            cwd = self._working_directory(stack)
            exit_code, last_line = self._run(self._argv(command, stack), env, cwd)
        if exit_code in self.skip_on_exit_code:
            raise SkipTask(f"Bash command returned exit code {exit_code}. Skipping.")
        if exit_code != 0:
            raise BashCommandError(
                f"Bash command of task {self.task_id!r} failed: it {_describe_exit(exit_code)}. "
                "Its output is in the task log above.",
                exit_code,
            )
        return self.output_processor(last_line)

    def get_env(self, context: Mapping[str, Any]) -> dict[str, str]:
        """The environment of the command (see the class docstring)."""
        if self.env is None:
            env = dict(os.environ)
        elif self.append_env:
            env = {**os.environ, **self.env}
        else:
            env = dict(self.env)
        env.update(context_env_vars(context, self))
        wrong = sorted(name for name, value in env.items() if not isinstance(value, str))
        if wrong:
            raise TypeError(
                f"env of task {self.task_id!r} must map names to strings; not strings: "
                f"{', '.join(wrong)}."
            )
        return env

    def on_kill(self) -> None:
        # Signal only: on_kill may run in a signal handler, where waiting could deadlock.
        process = self._process
        if process is not None and process.returncode is None:
            log.info("Sending SIGTERM to the process group of the bash command")
            _signal_group(process, signal.SIGTERM)

    def _working_directory(self, stack: contextlib.ExitStack) -> str:
        if self.cwd is None:
            return stack.enter_context(tempfile.TemporaryDirectory(prefix="tradewindtmp"))
        path = Path(self.cwd)
        if not path.exists():
            raise FileNotFoundError(f"cwd of task {self.task_id!r} does not exist: {self.cwd}")
        if not path.is_dir():
            raise NotADirectoryError(
                f"cwd of task {self.task_id!r} must be a directory: {self.cwd}"
            )
        return self.cwd

    def _argv(self, command: str, stack: contextlib.ExitStack) -> list[str]:
        bash = shutil.which("bash") or "bash"
        if len(command.encode()) <= _MAX_INLINE_COMMAND_BYTES:
            return [bash, "-c", command]
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="tradewindscript"))
        script = Path(folder) / "command.sh"
        script.write_text(command)
        return [bash, str(script)]

    def _run(self, argv: list[str], env: dict[str, str], cwd: str) -> tuple[int, str]:
        log.info("Running command: %s", argv)
        # start_new_session puts the command in its own process group (see on_kill); Popen's
        # restore_signals (on by default) gives it the SIGPIPE handling shells expect.
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        self._process = process
        stdout = process.stdout
        assert stdout is not None  # stdout=PIPE
        last_line = ""
        try:
            for raw in iter(stdout.readline, b""):
                last_line = raw.decode(self.output_encoding, errors="backslashreplace").rstrip()
                log.info("%s", last_line)
            exit_code = process.wait()
        finally:
            if process.returncode is None:  # interrupted (timeout, kill): stop the command
                _stop_group(process)
            stdout.close()
            self._process = None
        log.info("Command exited with return code %s", exit_code)
        return exit_code, last_line


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    # The group id is the leader's pid (start_new_session); the group may outlive the leader.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=_TERM_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait()


_COMMAND_FROM_FUNCTION = "set at run time from the function's return value"


class _BashDecoratedOperator(BashOperator):
    """Runs the command that a ``@task.bash`` function returns (rendered as a template)."""

    custom_operator_name: ClassVar[str] = "@task.bash"
    template_fields: Sequence[str] = ("op_args", "op_kwargs", "bash_command", "env", "cwd")
    shallow_copy_attrs = ("python_callable",)

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if "bash_command" in kwargs:
            raise TypeError(
                "@task.bash takes its command from the function's return value; "
                "do not pass bash_command."
            )
        super().__init__(bash_command=_COMMAND_FROM_FUNCTION, **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})

    def execute(self, context: Any) -> Any:
        command = call_with_context(self.python_callable, self.op_args, self.op_kwargs, context)
        if not isinstance(command, str) or not command.strip():
            raise TypeError(
                f"The function of @task.bash task {self.task_id!r} must return the command "
                f"to run as a non-empty string, got {command!r}."
            )
        self.bash_command = self._render_command(command, context)
        return super().execute(context)

    def _render_command(self, command: str, context: Any) -> str:
        # Imported here: Jinja is only needed by the tasks that use @task.bash.
        from tradewind.sdk.templating import make_environment, render_value, template_options_for

        environment = make_environment(template_options_for(self.dag))
        rendered = render_value(
            command,
            context,
            environment,
            template_ext=self.template_ext,
            field_name="bash_command",
        )
        return str(rendered)


def bash_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """``@task.bash``: the function returns the bash command to run."""
    return make_task_decorator(_BashDecoratedOperator, python_callable, **kwargs)
