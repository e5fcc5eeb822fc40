"""Journal entries that are not documents: the opening balances of each company and the miscellaneous
entries of the period (accruals, transfers). A part of ``Seeder`` (stories.py), which it extends."""

from __future__ import annotations

import datetime as dt

from dagster_project.odoo.generator.move_lines import make_line


class EntryStories:
    """Opening entries and miscellaneous journal entries; uses the Seeder's move and line builders."""

    def entry_story(self, day: dt.date) -> None:
        """A miscellaneous entry: depreciation, accruals (a customer rebate reduces revenue outside any
        customer document), salaries or a loan repayment."""
        rng = self.rng
        company = self.pick_company()
        acc = company.accounts
        factor = 1 if company.currency_id == self.cat.currencies["PHP"] else 50
        kind = rng.choice(
            (
                ("Depreciation", "depreciation", "fixed"),
                ("Accrued rent", "rent", "accrued"),
                ("Payroll", "salaries", "bank"),
                ("Loan amortization", "loan", "bank"),
                ("Prepaid insurance", "prepayments", "bank"),
                ("Volume rebate accrual", "income", "accrued"),
            )
        )
        move = self.new_move(
            "entry",
            company,
            company.journals["misc"],
            day,
            company.currency_id,
            None,
            ref=f"{kind[0]} {day:%B %Y}",
            narration=f"<p>{kind[0]}</p>",
        )
        amounts = [rng.randrange(20_000_00, 400_000_00) // factor for _ in range(rng.randrange(1, 4))]
        for amount in amounts:
            make_line(
                self.cat,
                self.ids,
                move,
                account_id=acc[kind[1]],
                display_type="product",
                balance=amount,
                amount_currency=amount,
                currency_id=company.currency_id,
                name=kind[0],
                partner_id=None,
            )
        make_line(
            self.cat,
            self.ids,
            move,
            account_id=acc[kind[2]],
            display_type="product",
            balance=-sum(amounts),
            amount_currency=-sum(amounts),
            currency_id=company.currency_id,
            name=kind[0],
            partner_id=None,
        )
        self.finish(move, self.lifecycle(day))
        self.emit(move)

    def opening_entries(self, day: dt.date) -> None:
        for company in self.companies:
            factor = 1 if company.currency_id == self.cat.currencies["PHP"] else 50
            move = self.new_move(
                "entry", company, company.journals["misc"], day, company.currency_id, None, ref="Opening balance"
            )
            acc = company.accounts
            for role, amount in (
                ("bank", 25_000_000_00),
                ("cash", 500_000_00),
                ("fixed", 12_000_000_00),
                ("loan", -10_000_000_00),
                ("equity", -27_500_000_00),
            ):
                make_line(
                    self.cat,
                    self.ids,
                    move,
                    account_id=acc[role],
                    display_type="product",
                    balance=amount // factor,
                    amount_currency=amount // factor,
                    currency_id=company.currency_id,
                    name="Opening balance",
                    partner_id=None,
                )
            self.finish(move, "posted")
            self.emit(move)
