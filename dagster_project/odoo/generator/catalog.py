"""Master data in memory ("the catalog"): companies with their accounts, journals and taxes, payment terms,
products, partners and employees, which documents are made of; and the ids they get."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Journal:
    id: int
    company_id: int
    code: str
    name: str
    type: str
    default_account_id: int | None
    currency_id: int | None


@dataclass(frozen=True)
class Tax:
    id: int
    company_id: int
    name: str
    use: str
    basis_points: int
    account_id: int


@dataclass(frozen=True)
class Term:
    id: int
    name: str
    schedule: tuple[tuple[int, int], ...]


@dataclass
class Company:
    id: int
    name: str
    root_id: int
    currency_id: int
    partner_id: int
    accounts: dict[str, int]
    journals: dict[str, Journal]
    taxes: dict[str, Tax]


@dataclass
class Partner:
    id: int
    name: str
    commercial_id: int
    kind: str
    receivable: dict[int, int] = field(default_factory=dict)
    payable: dict[int, int] = field(default_factory=dict)
    customer_rank: int = 0
    supplier_rank: int = 0
    bills: int = 0


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    price: int
    use: str
    account_role: str


@dataclass(frozen=True)
class Employee:
    id: int
    name: str
    company_id: int
    partner: Partner


@dataclass
class Catalog:
    currencies: dict[str, int]
    companies: dict[int, Company]
    terms: list[Term]
    products: dict[str, list[Product]]
    customers: list[Partner]
    vendors: list[Partner]
    employees: dict[int, list[Employee]]
    contacts: dict[int, list[Partner]]
    residual_accounts: frozenset[int]
    account_types: dict[int, str]


class Counters:
    """Sequential ids per table, as a fresh Odoo database hands them out."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        value = self.last.get(table, 0) + 1
        self.last[table] = value
        return value


IdSource = Callable[[str], int]
