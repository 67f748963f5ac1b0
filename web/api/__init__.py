"""The testers' API under /api/v1 and its OpenAPI document."""

from web.api.routes import init_app

__all__ = ["init_app"]
