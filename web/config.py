"""Configuration from MONCOMPTE_* environment variables (INTERFACE.md), with safe defaults."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_MAIL_FROM = "Mon Compte MINI <no-reply@moncompte.servicesfinanciersmini.ca>"
# Whom a customer calls when account association is locked (a number for fiction: set
# MONCOMPTE_SUPPORT_PHONE to the real one).
DEFAULT_SUPPORT_PHONE = "1 866 555-0164"
# Who is in charge of the protection of personal information (Quebec's Law 25 asks that
# their title and contact details be published): set MONCOMPTE_PRIVACY_OFFICER.
DEFAULT_PRIVACY_OFFICER = (
    "Responsable de la protection des renseignements personnels / Privacy Officer, "
    "Services financiers MINI Canada, vieprivee@servicesfinanciersmini.ca"
)
# The Host headers a development site answers (Flask TRUSTED_HOSTS). Werkzeug cannot
# match an IPv6 address there, so development is served on 127.0.0.1 (or localhost).
LOOPBACK_HOSTS = ["localhost", "127.0.0.1"]


class ConfigurationError(RuntimeError):
    """A configuration the site refuses to start with; the message says what to set."""


def is_loopback(host: str | None) -> bool:
    """Whether HOST (a name or an address) is this machine."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def development(config: Mapping[str, Any]) -> bool:
    """A development site: no MONCOMPTE_BASE_URL, and nothing sent leaves this machine.

    Mail and SMS stay in the development mailbox, or go to a server on this machine
    (a test SMTP server). ``moncompte run`` also needs a loopback address to serve on.
    """
    outgoing = [config.get("SMTP_URL"), config.get("SMS_WEBHOOK_URL")]
    return not config.get("BASE_URL") and all(
        is_loopback(urlsplit(str(url)).hostname) for url in outgoing if url
    )


def sms_delivered(config: Mapping[str, Any]) -> bool:
    """Whether codes by text message reach anyone: through the SMS gateway, or, in
    development, in the development mailbox. Elsewhere SMS is not offered."""
    return bool(config.get("SMS_WEBHOOK_URL")) or development(config)


def api_allowed(config: Mapping[str, Any]) -> bool:
    """Whether the testers' API may run: it hands out live links and codes, so only with
    its token, and outside development only where MONCOMPTE_API_IN_PRODUCTION=1 says so."""
    wanted = bool(config.get("API_TOKEN"))
    return wanted and (development(config) or bool(config.get("API_IN_PRODUCTION")))


def check(config: Mapping[str, Any]) -> None:
    """Refuse what would put links built from a request's Host header in real e-mails."""
    base_url = config.get("BASE_URL")
    if base_url:
        parts = urlsplit(str(base_url))
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigurationError(
                f"MONCOMPTE_BASE_URL must be an absolute http(s) URL, not {base_url!r}."
            )
    elif not development(config):
        raise ConfigurationError(
            "MONCOMPTE_BASE_URL is required when e-mail or SMS leave this machine "
            "(MONCOMPTE_SMTP_URL or MONCOMPTE_SMS_WEBHOOK_URL on another host): "
            "e-mailed links are built from it, never from a request."
        )


def require_base_url(config: Mapping[str, Any], where: str) -> None:
    """Outside development (serving on a public address, or in production): no default."""
    if not config.get("BASE_URL"):
        raise ConfigurationError(
            f"MONCOMPTE_BASE_URL is required {where}: e-mailed links are built from it, "
            "never from a request's Host header."
        )


def _delivery(text: str | None) -> str:
    """Who delivers the outbox: every web process (inline), or only `outbox work`."""
    value = (text or "inline").strip().lower()
    if value not in {"inline", "worker"}:
        raise ConfigurationError("MONCOMPTE_DELIVERY must be inline or worker")
    return value


def _proxies(text: str | None) -> int:
    """MONCOMPTE_TRUSTED_PROXIES: how many reverse proxies stand in front (0: none)."""
    if not text:
        return 0
    if not text.strip().isdigit():
        raise ConfigurationError(
            f"MONCOMPTE_TRUSTED_PROXIES must be a number of proxies (0, 1, 2…), not {text!r}."
        )
    return int(text)


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
        "API_IN_PRODUCTION": env("MONCOMPTE_API_IN_PRODUCTION") == "1",
        "REDIS_URL": env("MONCOMPTE_REDIS_URL") or None,
        "METRICS_TOKEN": env("MONCOMPTE_METRICS_TOKEN") or None,
        "SUPPORT_PHONE": env("MONCOMPTE_SUPPORT_PHONE") or DEFAULT_SUPPORT_PHONE,
        "PRIVACY_OFFICER": env("MONCOMPTE_PRIVACY_OFFICER") or DEFAULT_PRIVACY_OFFICER,
        "DELIVERY": _delivery(env("MONCOMPTE_DELIVERY")),
        "LOG_FORMAT": "json" if env("MONCOMPTE_LOG_FORMAT") == "json" else "text",
        "TRUSTED_PROXIES": _proxies(env("MONCOMPTE_TRUSTED_PROXIES")),
        # Strict-Transport-Security over HTTPS covers subdomains unless this is 0.
        "HSTS_INCLUDE_SUBDOMAINS": env("MONCOMPTE_HSTS_INCLUDE_SUBDOMAINS", "1") != "0",
    }
