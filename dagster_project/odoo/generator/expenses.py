"""The expense story: an employee's expense report through its states, with its journal entry and, when paid,
the payment reconciled against it. A part of ``Seeder`` (stories.py), which it extends."""

from __future__ import annotations

import datetime as dt

from dagster_project.odoo.generator.accounting import build_payment
from dagster_project.odoo.generator.catalog import Company, Employee
from dagster_project.odoo.generator.copytext import div_round, stamp
from dagster_project.odoo.generator.documents import Expense, Item, Move, Partial, Payment
from dagster_project.odoo.generator.move_lines import add_expense_lines

EXPENSE_STATES = (
    ("draft", 8),
    ("submitted", 8),
    ("approved", 8),
    ("refused", 4),
    ("posted", 20),
    ("in_payment", 10),
    ("paid", 42),
)



class ExpenseStories:
    """Expense reports (hr.expense) and their moves; uses the Seeder's move, line and payment builders."""

    def expense_story(self, day: dt.date) -> None:
        rng = self.rng
        company = self.pick_company()
        employee = rng.choice(self.cat.employees[company.id])
        product = rng.choice(self.cat.products["expense"])
        state = rng.choices([s for s, _ in EXPENSE_STATES], [w for _, w in EXPENSE_STATES])[0]
        if (self.today - day).days < 20 and state in ("paid", "in_payment"):
            state = "posted"
        company_paid = state == "paid" and rng.random() < 0.35
        currency_id = self.pick_currency(company) if rng.random() < 0.5 else company.currency_id
        expense_id = self.ids("hr_expense")
        item = self.items(company, "expense", currency_id, day, 1)[0]
        item = Item(
            product.id,
            f"{product.name} - {employee.name}",
            item.quantity if product.name == "Mileage" else 1,
            item.price_unit,
            0,
            company.accounts[product.account_role],
            (company.taxes["purchase"],),
            expense_id,
        )
        move = None
        if state in ("posted", "in_payment", "paid"):
            move = self.expense_move(company, employee, item, currency_id, day, state, company_paid)
        untaxed = item.quantity * item.price_unit
        created = stamp(day, expense_id)
        self.batch.expenses.append(
            Expense(
                id=expense_id,
                name=item.name,
                date=day,
                employee_id=employee.id,
                company_id=company.id,
                product_id=product.id,
                quantity=item.quantity,
                price_unit=item.price_unit,
                untaxed=untaxed,
                tax=div_round(untaxed * item.taxes[0].basis_points, 10_000),
                rate=self.rate(company, currency_id, day),
                currency_id=currency_id,
                account_id=item.account_id,
                tax_id=item.taxes[0].id,
                state=state,
                approval={"draft": None, "submitted": "submitted", "refused": "refused"}.get(state, "approved"),
                company_paid=company_paid,
                created=created,
                written=max(move.written or move.created, created) if move else created,
                move_id=move.id if move else None,
            )
        )

    def expense_move(
        self,
        company: Company,
        employee: Employee,
        item: Item,
        currency_id: int,
        day: dt.date,
        state: str,
        company_paid: bool,
    ) -> Move:
        """Own-account expenses become a bill to the employee; company-paid ones an entry on the bank."""
        if company_paid:
            move = self.new_move(
                "entry", company, company.journals["bank"], day, currency_id, employee.partner, ref=item.name
            )
            add_expense_lines(self.cat, self.ids, move, item, company.journals["bank"].default_account_id)
            self.finish(move, "posted")
            self.emit(move)
            return move
        move = self.invoice(
            "in_invoice",
            day,
            company=company,
            partner=employee.partner,
            items=[item],
            ref=item.name,
            term=self.cat.terms[0],
            currency_id=currency_id,
        )
        self.finish(move, "posted")
        partials: list[Partial] = []
        payments: list[Payment] = []
        moves = [move]
        if state in ("in_payment", "paid"):
            moves += self.pay_expense(move, state == "paid", partials, payments)
        self.close(move, moves, partials, payments)
        return move

    def pay_expense(self, move: Move, matched: bool, partials: list[Partial], payments: list[Payment]) -> list[Move]:
        day = min(self.today, move.date + dt.timedelta(days=self.rng.randrange(1, 15)))
        company = move.company
        payment = build_payment(
            self.cat,
            self.ids,
            self.seq,
            company=company,
            journal=company.journals["bank"],
            partner=move.partner,
            partner_type="supplier",
            inbound=False,  # type: ignore
            amount=-sum(line.amount_currency for line in move.term_lines()),
            currency_id=move.currency_id,
            rate=self.rate(company, move.currency_id, day),
            day=day,
            memo=move.ref or move.name,
            matched=matched,
        )
        payments.append(payment)
        self.batch.invoice_payments.append((move.id, payment.id))
        return [payment.move, *self.apply(payment.counterpart, move.term_lines(), day, partials)]
