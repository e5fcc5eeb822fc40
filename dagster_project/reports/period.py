"""Which month a report covers, and the months it compares with: a month is reported once it is over."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

TIMEZONE = "Asia/Manila"  # the finance team's calendar (dbt var reporting_timezone)
TREND_MONTHS = 13


class MonthError(ValueError):
    """The month cannot be reported; the message names it and says which months can."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """YYYY-MM (a partition key, YYYY-MM-DD, is read by its month)."""
        found = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", text.strip())
        if not found or not 1 <= int(found[2]) <= 12:
            raise MonthError(f"month {text!r} is not a month; write it as YYYY-MM, e.g. --month 2026-10")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def containing(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    def plus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.plus(1).first_day - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return self.last_day.day

    @property
    def label(self) -> str:
        return self.first_day.strftime("%B %Y")

    @property
    def short(self) -> str:
        return self.first_day.strftime("%b %Y")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def trend(self) -> list[Month]:
        """The 13 months ending with this one, oldest first (the same month a year before is the first)."""
        return [self.plus(offset) for offset in range(1 - TREND_MONTHS, 1)]


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


def reportable(text: str, on: dt.date | None = None) -> Month:
    """The month named by `text`, refused unless it has ended in Manila: the month-end positions a report
    shows do not exist before then."""
    month, day = Month.parse(text), on or today()
    latest = Month.containing(day).plus(-1)
    if month > latest:
        when = "is in the future" if month > Month.containing(day) else "has not ended yet"
        raise MonthError(f"month {month} {when} (today is {day.isoformat()} in {TIMEZONE}); a month is reported "
                         f"once it is over: the latest is {latest}, e.g. --month {latest}")
    return month
