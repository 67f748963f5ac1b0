"""Payoff quote: the guards and actions of payoff_quote.yaml.

The quote is issued and kept (flows.contracts.quotes) in the step that is audited; the
step tells the pages where it is shown (``told["next"]``: its page by reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flows.contracts import payoff, quotes, values
from flows.contracts.owned import ContractOwned
from flows.contracts.schedule import today
from flows.model import View


class PayoffQuote(ContractOwned):
    payoff_date: date | None = None

    @classmethod
    def screen(cls, view: View) -> dict[str, Any]:
        """The contracts to choose from, and the dates a quote may name: for each contract,
        the first and last business days of its province in the window (``windows``)."""
        extras = super().screen(view)
        asked_on = today(view.now)
        first, last = payoff.date_window(asked_on)
        windows = {c.id: payoff.date_window(asked_on, c.province) for c in extras["contracts"]}
        return {**extras, "first_day": first, "last_day": last, "windows": windows}

    def date_allowed(self, fields: Mapping[str, Any]) -> bool:
        """A field rule: a date from today to 30 days ahead, a business day of the
        contract's province (no weekend, no statutory holiday)."""
        province = self.contract.province if self.contract is not None else None
        try:
            self.payoff_date = values.parse_date(fields["date"])
            payoff.check_date(self.payoff_date, today(self.ctx.now), province)
        except values.BadValue:
            return self.reject("date", "date_invalid")
        except payoff.PayoffDateRefused as refused:
            return self.reject("date", refused.reason, refused.details)
        return True

    def issue_quote(self, fields: Mapping[str, Any]) -> None:
        contract, customer = self.contract, self.ctx.customer_id
        assert contract is not None and customer is not None and self.payoff_date is not None
        issued = quotes.issue(
            self.ctx.session,
            contract,
            self.payoff_date,
            today=today(self.ctx.now),
            now=self.ctx.now,
            language=self.ctx.language,
            identity_id=customer,
        )
        self.memory.update(reference=issued.reference, contract_number=contract.number)
        self.told["next"] = f"overview/quotes/{issued.reference}"


MODEL = PayoffQuote
