"""The ``otgan`` group and its entry point, which maps every outcome to an exit code.

Exit codes: 0 success; 2 bad usage or bad input (one line on stderr naming the bad value, no
traceback); 1 an unexpected internal error; 130/143 interrupted.
"""

from __future__ import annotations

import sys

import click

from ..errors import OtganError
from . import benchmark, data, runs, sweep, tools
from .options import CONTEXT


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@click.version_option(package_name="otgan", message="otgan %(version)s")
@click.pass_context
def cli(ctx):
    """otgan: Wasserstein GANs and optimal transport, measured against the exact W distance."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


for group in (runs, tools, sweep, data, benchmark):
    for command in group.COMMANDS:
        cli.add_command(command)


def _one_line(msg) -> str:
    return " ".join(str(msg).split())


class _Terminated(Exception):
    """SIGTERM outside training (training stops itself cleanly: training/signals.py)."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _stop(code: int, message: str, command: bool = True):
    """Exit with ``code`` after a signal, at once: a background evaluation thread or a sweep
    worker still running is not waited for, nor the interpreter's cleanup (everything otgan
    keeps is already written and flushed)."""
    import os
    import threading

    click.echo(f"otgan: {message}", err=True)
    waiting = any(t.is_alive() and not t.daemon for t in threading.enumerate()
                  if t is not threading.main_thread())
    if not command and not waiting:  # called from Python: the caller's process may go on
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # Python's own cleanup took 1-3 s here (docs/runs.md, bench/signal_exit.py)


def main(argv=None) -> int:
    """Entry point: run the CLI and map errors to exit codes and one-line messages.

    As the command itself (``argv`` None: the installed ``otgan``, ``python -m otgan``), the
    process's outputs are guarded first (``runtime.console.install``: a closed pipe stops a run
    as SIGTERM does; Python warnings print as one line); a caller passing ``argv`` keeps its own.
    """
    import signal
    import threading

    if argv is None:
        from ..runtime.console import install

        install()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        rv = cli.main(args=argv, prog_name="otgan", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _stop(130, "interrupted (SIGINT)", argv is None)
    except _Terminated:
        _stop(143, "stopped by SIGTERM", argv is None)
    except click.ClickException as e:  # usage errors included
        click.echo(f"otgan: error: {_one_line(e.format_message())}", err=True)
        sys.exit(2)
    except OSError as e:  # the disk or the system refused (read-only, full, permissions, ...)
        where = f"{e.filename}: " if e.filename else ""
        click.echo(f"otgan: error: {where}{_one_line(e.strerror or e)}", err=True)
        sys.exit(2)
    except OtganError as e:
        code = getattr(e, "exit_code", 2)
        if code > 128:  # a signal stopped training, which saved what it could
            _stop(code, f"stopped: {_one_line(e)}", argv is None)
        prefix = "error" if code == 2 else "stopped"
        click.echo(f"otgan: {prefix}: {_one_line(e)}", err=True)
        sys.exit(code)
    sys.exit(rv if isinstance(rv, int) else 0)
