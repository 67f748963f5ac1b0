"""The Flask application: one rendering of the engine's results, by audience (customer/,
staff/, api/, cli/), made by the factory in web/app.py."""

from web.app import create_app

__all__ = ["create_app"]
