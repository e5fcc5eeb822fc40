"""The static specifications of a generated Odoo database: currencies, companies, chart of accounts,
journals, taxes, payment terms, products, and the words names are made of."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN_UID = 2
USER_UIDS = (2, 6, 7, 8, 9)
INBOUND_TYPES = frozenset({"out_invoice", "in_refund", "out_receipt"})
INVOICE_TYPES = frozenset({"out_invoice", "out_refund", "in_invoice", "in_refund", "out_receipt", "in_receipt"})

CURRENCIES = (  # name, full name, symbol, ISO numeric, position
    ("PHP", "Philippine peso", "₱", 608, "before"),
    ("USD", "United States dollar", "$", 840, "before"),
    ("EUR", "Euro", "€", 978, "after"),
)
# Units of each currency per 1 PHP / per 1 USD on the first day; a daily random walk follows.
START_RATES = {"PHP": {"USD": 0.0178, "EUR": 0.0161}, "USD": {"PHP": 56.20, "EUR": 0.905}}


@dataclass(frozen=True)
class CompanySpec:
    id: int
    name: str
    currency: str
    parent_id: int | None
    city: str
    chart: str
    journal_prefix: str


COMPANIES = (
    CompanySpec(1, "Hybrid Finance PH Inc.", "PHP", None, "Makati", "ph", ""),
    CompanySpec(2, "Hybrid Finance US LLC", "USD", None, "Austin", "generic_coa", ""),
    CompanySpec(3, "Hybrid Finance PH - Cebu Branch", "PHP", 1, "Cebu City", "ph", "C"),
)
COMPANY_WEIGHTS = (0.5, 0.35, 0.15)

# role, code, name, account type, reconcile, currency (None = company currency)
CHART = (
    ("bank", "101401", "Bank", "asset_cash", False, None),
    ("bank_foreign", "101402", "Bank USD", "asset_cash", False, "USD"),
    ("branch_bank", "101403", "Bank Cebu", "asset_cash", False, None),
    ("cash", "101501", "Cash", "asset_cash", False, None),
    ("outstanding_receipts", "101301", "Outstanding Receipts", "asset_current", True, None),
    ("outstanding_payments", "101302", "Outstanding Payments", "asset_current", True, None),
    ("receivable", "121000", "Account Receivable", "asset_receivable", True, None),
    ("tax_paid", "131000", "Tax Paid", "asset_current", False, None),
    ("prepayments", "141000", "Prepayments", "asset_prepayments", False, None),
    ("fixed", "151000", "Fixed Asset", "asset_fixed", False, None),
    ("payable", "211000", "Account Payable", "liability_payable", True, None),
    ("tax_received", "251000", "Tax Received", "liability_current", False, None),
    ("accrued", "252000", "Accrued Expenses", "liability_current", False, None),
    ("loan", "291000", "Long-term Loan", "liability_non_current", False, None),
    ("equity", "301000", "Capital", "equity", False, None),
    ("unaffected", "999999", "Undistributed Profits/Losses", "equity_unaffected", False, None),
    ("income", "400000", "Product Sales", "income", False, None),
    ("income_service", "400100", "Service Revenue", "income", False, None),
    ("fx_gain", "441000", "Foreign Exchange Gain", "income_other", False, None),
    ("cogs", "500000", "Cost of Goods Sold", "expense_direct_cost", False, None),
    ("expense", "600000", "Expenses", "expense", False, None),
    ("travel", "610000", "Travel and Accommodation", "expense", False, None),
    ("meals", "620000", "Meals and Representation", "expense", False, None),
    ("rent", "630000", "Rent Expense", "expense", False, None),
    ("utilities", "640000", "Utilities", "expense", False, None),
    ("salaries", "650000", "Salaries and Wages", "expense", False, None),
    ("fx_loss", "641000", "Foreign Exchange Loss", "expense_other", False, None),
    ("depreciation", "680000", "Depreciation", "expense_depreciation", False, None),
)
ACCOUNT_FR = {"bank": "Banque", "cash": "Caisse", "receivable": "Clients", "payable": "Fournisseurs"}

# role, code, name, type, default account role, foreign currency
JOURNALS = (
    ("sale", "INV", "Customer Invoices", "sale", "income", None),
    ("purchase", "BILL", "Vendor Bills", "purchase", "expense", None),
    ("bank", "BNK1", "Bank", "bank", "bank", None),
    ("bank_foreign", "BNK2", "Bank USD", "bank", "bank_foreign", "USD"),
    ("cash", "CSH1", "Cash", "cash", "cash", None),
    ("misc", "MISC", "Miscellaneous Operations", "general", None, None),
    ("exch", "EXCH", "Exchange Difference", "general", None, None),
)

# company currency -> (role, name, type_tax_use, percent in basis points, account role)
TAXES = {
    "PHP": (
        ("sale", "12% VAT", "sale", 1200, "tax_received"),
        ("purchase", "12% VAT", "purchase", 1200, "tax_paid"),
        ("exempt", "VAT Exempt", "sale", 0, "tax_received"),
    ),
    "USD": (
        ("sale", "Sales Tax 8.25%", "sale", 825, "tax_received"),
        ("purchase", "Purchase Tax 5%", "purchase", 500, "tax_paid"),
    ),
}

TERMS = (  # name, ((percent, days), ...)
    ("Immediate Payment", ((100, 0),)),
    ("15 Days", ((100, 15),)),
    ("30 Days", ((100, 30),)),
    ("45 Days", ((100, 45),)),
    ("60 Days", ((100, 60),)),
    ("30% Now, Balance 60 Days", ((30, 0), (70, 60))),
)
TERM_WEIGHTS = (1, 3, 6, 3, 2, 1)

# name, type, list price in PHP cents, use, account role
PRODUCTS = (
    ("Office Chair", "consu", 450_000, "sale", "income"),
    ("Standing Desk", "consu", 1_890_000, "sale", "income"),
    ("Monitor 27in", "consu", 1_250_000, "sale", "income"),
    ("Laptop Stand", "consu", 189_000, "sale", "income"),
    ("Conference Table", "consu", 3_400_000, "sale", "income"),
    ("Filing Cabinet", "consu", 780_000, "sale", "income"),
    ("Consulting Hour", "service", 350_000, "sale", "income_service"),
    ("Implementation Package", "service", 12_000_000, "sale", "income_service"),
    ("Support Subscription", "service", 2_500_000, "sale", "income_service"),
    ("Training Day", "service", 4_500_000, "sale", "income_service"),
    ("Office Supplies", "consu", 85_000, "purchase", "expense"),
    ("Cloud Hosting", "service", 2_200_000, "purchase", "utilities"),
    ("Electricity", "service", 3_800_000, "purchase", "utilities"),
    ("Office Rent", "service", 18_000_000, "purchase", "rent"),
    ("Raw Materials", "consu", 960_000, "purchase", "cogs"),
    ("Freight", "service", 540_000, "purchase", "cogs"),
    ("Legal Services", "service", 6_500_000, "purchase", "expense"),
    ("Travel", "service", 650_000, "expense", "travel"),
    ("Meals", "service", 120_000, "expense", "meals"),
    ("Mileage", "service", 30_000, "expense", "travel"),
    ("Accommodation", "service", 480_000, "expense", "travel"),
    ("Communication", "service", 150_000, "expense", "utilities"),
)

WORDS_A = (
    "Luzon",
    "Visayas",
    "Pacific",
    "Golden",
    "Summit",
    "Harbor",
    "Northstar",
    "Bayanihan",
    "Metro",
    "Silver",
    "Coral",
    "Evergreen",
    "Apex",
    "Sampaguita",
    "Mabuhay",
    "Lakeside",
    "Ironwood",
    "Blue",
)
WORDS_B = (
    "Trading",
    "Logistics",
    "Foods",
    "Systems",
    "Builders",
    "Retail",
    "Digital",
    "Motors",
    "Textiles",
    "Pharma",
    "Energy",
    "Holdings",
    "Supplies",
    "Ventures",
    "Labs",
    "Printing",
    "Farms",
    "Marine",
)
SUFFIXES = ("Corp.", "Inc.", "Co.", "LLC", "Enterprises", "Group")
FIRST_NAMES = (
    "Maria",
    "Jose",
    "Ana",
    "Juan",
    "Carla",
    "Miguel",
    "Liza",
    "Paolo",
    "Grace",
    "Ramon",
    "Joy",
    "Mark",
    "Emily",
    "James",
    "Sofia",
    "Daniel",
    "Nina",
    "Leo",
    "Rosa",
    "Victor",
)
LAST_NAMES = (
    "Santos",
    "Reyes",
    "Cruz",
    "Bautista",
    "Garcia",
    "Mendoza",
    "Torres",
    "Flores",
    "Smith",
    "Johnson",
    "Lee",
    "Walker",
    "Dela Cruz",
    "Villanueva",
    "Ramos",
    "Aquino",
)
BILL_PREFIXES = ("SI", "INV", "BL", "OR", "CI", "FAC")

JOB_TITLES = ("Accountant", "Sales Executive", "Engineer", "Consultant", "Manager")
