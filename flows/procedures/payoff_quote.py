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
        """The contracts to choose from, and the dates a quote may name."""
        first, last = payoff.date_window(today(view.now))
        return {**super().screen(view), "first_day": first, "last_day": last}

    def date_allowed(self, fields: Mapping[str, Any]) -> bool:
        """A field rule: a date, from today to 30 days ahead."""
        try:
            self.payoff_date = values.parse_date(fields["date"])
            payoff.check_date(self.payoff_date, today(self.ctx.now))
        except values.BadValue:
            return self.reject("date", "date_invalid")
        except payoff.PayoffDateRefused as refused:
            return self.reject("date", refused.reason)
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
