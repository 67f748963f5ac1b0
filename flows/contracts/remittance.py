"""Where and how a customer pays MINI Financial Services, and how to reach it.

One place for the details printed on every payoff quote, on the page and in the PDF.
The values below are the demonstration's: the mailing address and the bank account are
to be replaced with those of MINI Financial Services' treasury before going live. The
telephone number is the support line's, MONCOMPTE_SUPPORT_PHONE, the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

# The payee as Canadian banks list it for online bill payment, in the customer's
# language; the account number the customer enters there is the contract number.
PAYEE = {"fr": "Services financiers MINI", "en": "MINI Financial Services"}


@dataclass(frozen=True)
class Wire:
    beneficiary: dict[str, str]
    bank: str
    institution: str
    transit: str
    account: str


# Cheques: payable to PAYEE, mailed here (Canada Post's format, by language).
MAILING_ADDRESS = {
    "fr": ("Services financiers MINI", "C.P. 4850, succursale A", "Toronto ON  M5W 0E9"),
    "en": ("MINI Financial Services", "PO Box 4850, Station A", "Toronto ON  M5W 0E9"),
}
WIRE = Wire(
    beneficiary=PAYEE,
    bank="Banque Boréale du Canada, 100 rue King Ouest, Toronto ON  M5X 1A9",
    institution="899",
    transit="00012",
    account="4820017",
)
