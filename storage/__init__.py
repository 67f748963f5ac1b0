"""Storage: SQLAlchemy models, transactions, repositories and migrations."""
