"""Configuration from MONCOMPTE_* environment variables (INTERFACE.md), with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULT_MAIL_FROM = "Mon Compte MINI <no-reply@moncompte.servicesfinanciersmini.ca>"
# Whom a customer calls when account association is locked (a number for fiction: set
# MONCOMPTE_SUPPORT_PHONE to the real one).
DEFAULT_SUPPORT_PHONE = "1 866 555-0164"


def _secret_key(instance: Path) -> str:
    """MONCOMPTE_SECRET_KEY, or one generated once and kept in instance/."""
    key = os.environ.get("MONCOMPTE_SECRET_KEY")
    if key:
        return key
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    env = os.environ.get
    database_url = env("MONCOMPTE_DATABASE_URL") or f"sqlite:///{instance / 'moncompte.db'}"
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance),
        "BASE_URL": env("MONCOMPTE_BASE_URL") or None,
        "SMTP_URL": env("MONCOMPTE_SMTP_URL") or None,
        "MAIL_FROM": env("MONCOMPTE_MAIL_FROM") or DEFAULT_MAIL_FROM,
        "SMS_WEBHOOK_URL": env("MONCOMPTE_SMS_WEBHOOK_URL") or None,
        "API_TOKEN": env("MONCOMPTE_API_TOKEN") or None,
        "REDIS_URL": env("MONCOMPTE_REDIS_URL") or None,
        "METRICS_TOKEN": env("MONCOMPTE_METRICS_TOKEN") or None,
        "SUPPORT_PHONE": env("MONCOMPTE_SUPPORT_PHONE") or DEFAULT_SUPPORT_PHONE,
    }
