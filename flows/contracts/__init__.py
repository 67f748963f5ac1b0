"""Loan and lease contracts of record: values, schedule, payoff, import, documents, files."""
