"""What a seed or a simulation did, as JSON-ready dicts (``--output json``) and a few lines of text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

TOP = 3  # tables named in a summary


@dataclass
class SeedReport:
    """Rows per table and wall-clock seconds: in total; per phase (``catalog``, ``schema``, ``generate``: the
    documents and their COPY text, ``copy_wait``: generation blocked on the COPY writer, ``indexes``); and
    per table (its COPY, which overlaps generation, plus its keys and indexes)."""

    rows: dict[str, int]
    seconds: float
    move_lines: int
    scale: int | None = None
    seed: int | None = None
    today: dt.date | None = None
    phases: dict[str, float] = field(default_factory=dict)
    table_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "today": self.today.isoformat() if self.today else None,
            "seconds": round(self.seconds, 3),
            "move_lines": self.move_lines,
            "move_lines_per_second": round(_per_second(self.move_lines, self.seconds), 1),
            "total_rows": self.total_rows,
            "rows": dict(self.rows),
            "phases": {name: round(seconds, 3) for name, seconds in self.phases.items()},
            "table_seconds": {name: round(seconds, 3) for name, seconds in self.table_seconds.items()},
        }

    def summary(self) -> str:
        known = [f"{name} {value}" for name, value in (("scale", self.scale), ("seed", self.seed)) if value is not None]
        if self.today:
            known.append(f"today {self.today.isoformat()}")
        settings = f" ({', '.join(known)})" if known else ""
        lines = [
            f"seeded {self.move_lines:,} move lines{settings} in {self.seconds:.1f} s "
            f"({_per_second(self.move_lines, self.seconds):,.0f} lines/s)",
            f"{self.total_rows:,} rows in {sum(1 for n in self.rows.values() if n)} tables; biggest: "
            + ", ".join(f"{name} {count:,}" for name, count in _top(self.rows)),
        ]
        if self.phases:
            lines.append("phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.phases.items()))
        if self.table_seconds:
            lines.append(
                "slowest tables (COPY + indexes): "
                + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in _top(self.table_seconds))
            )
        return "\n".join(lines)


@dataclass
class SimulationReport:
    """Events that happened per kind (with the ids they touched), events skipped because nothing qualified
    (e.g. no draft to post), and the seconds the run took."""

    counts: dict[str, int]
    touched: dict[str, list[int]]
    skipped: dict[str, int]
    seconds: float
    reconnects: int = 0

    @property
    def events(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "seconds": round(self.seconds, 3),
            "events": self.events,
            "events_per_second": round(_per_second(self.events, self.seconds), 2),
            "counts": dict(self.counts),
            "skipped": dict(self.skipped),
            "skipped_total": sum(self.skipped.values()),
            "reconnects": self.reconnects,
        }

    def summary(self) -> str:
        kinds = ", ".join(
            f"{kind} {count}" + (f" ({self.skipped[kind]} skipped)" if self.skipped.get(kind) else "")
            for kind, count in self.counts.items()
        )
        return (
            f"simulated {self.events:,} events in {self.seconds:.1f} s "
            f"({_per_second(self.events, self.seconds):.2f}/s), {sum(self.skipped.values())} skipped"
            + (f", {self.reconnects} reconnects" if self.reconnects else "")
            + f"\n{kinds}"
        )


def _per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def _top(values: dict[str, int] | dict[str, float]) -> list[tuple[str, float]]:
    """The ``TOP`` largest non-zero entries, largest first (ties by name)."""
    ranked = sorted(((name, value) for name, value in values.items() if value), key=lambda item: (-item[1], item[0]))
    return ranked[:TOP]
