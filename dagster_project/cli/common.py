"""What every `hybrid` command shares: documented exit statuses, `--env`, `--output json`."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click
import psycopg

from dagster_project.config.matrix import Environment, MatrixError, load_matrix
from dagster_project.stack.errors import StackError

# 0 is success
EXIT_USAGE = 2  # a bad command line (click's own status; also a value no command can work with)
EXIT_UNHEALTHY = 1  # a check found a problem (health, status, drift)
EXIT_CONFIG = 3  # instance matrix or a missing environment variable
EXIT_STACK = 4  # the local stack could not do what was asked
EXIT_DATABASE = 5  # a database refused or failed
EXIT_SUPERSET = 6  # the Superset API refused or failed
EXIT_APPROVAL = 7  # a protected environment without --approve

EXIT_STATUS_HELP = """Exit status: 0 success; 1 a check found a problem; 2 bad command line;
3 configuration error (instance matrix, missing variable); 4 local stack error; 5 database error;
6 Superset API error; 7 approval required (a protected environment without --approve)."""

env_option = click.option(
    "--env", "env_name", default="local", show_default=True, metavar="ENV",
    help="Environment from config/instance-matrix.yaml (local, staging, production; aliases dev, prod).",
)
output_option = click.option(
    "--output", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="`json` prints one machine-readable document on stdout.",
)


def resolve_env(name: str) -> Environment:
    return load_matrix().resolve(name)


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, default=str))


def progress(message: str) -> None:
    """Progress goes to stderr so `--output json` stays parseable on stdout."""
    click.echo(message, err=True)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn known failures into one clear message and a documented exit status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MatrixError as exc:
            fail(str(exc), EXIT_CONFIG)
        except StackError as exc:
            fail(str(exc), EXIT_STACK)
        except psycopg.Error as exc:
            fail(f"database error: {str(exc).strip()}", EXIT_DATABASE)

    return wrapper


def failing_with(status: int, *errors: type[Exception]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A command's own errors (whose messages already name the cause and the fix) as `status`."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except errors as exc:
                fail(str(exc), status)

        return wrapper

    return decorate


def fail(message: str, status: int) -> None:
    """One line on stderr naming the cause, then the documented exit status."""
    click.echo(f"error: {message}", err=True)
    sys.exit(status)
