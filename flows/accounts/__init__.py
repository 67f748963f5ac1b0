"""MINI IDs and staff accounts: passwords, credentials, e-mailed links, identity import."""
