"""Process environment overrides that are always put back: dbt runs and benchmarks set variables only for
their own duration."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def environ_overrides(values: Mapping[str, str]) -> Iterator[Mapping[str, str]]:
    """Set `values` in os.environ for the block, then restore what was there (or remove what was not)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield values
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
