"""The URLs pages build are kept (web.app.Site): a kept one is the URL werkzeug builds for
the same endpoint and values, in the request's blueprint, language and address."""

from __future__ import annotations

from typing import Any

from flask import Flask

from web.i18n import in_language

Call = tuple[str, dict[str, Any]]
CALLS: list[Call] = [
    ("overview.show", {}),
    ("flows.start", {"flow": "payoff_quote"}),
    ("overview.download", {"document_id": 7}),
    ("overview.show", {"_anchor": "contract-1"}),
    ("overview.show", {"page": 2}),
    ("static", {"filename": "site.css"}),
]


def built(
    app: Flask, path: str, calls: list[Call], base_url: str = "http://localhost"
) -> list[str]:
    """What each of CALLS builds within a request for PATH (its language, its blueprint)."""
    with app.test_request_context(path, base_url=base_url):
        app.preprocess_request()
        return [app.url_for(endpoint, **values) for endpoint, values in calls]


def werkzeug_builds(app: Flask, path: str, calls: list[Call]) -> list[str]:
    with app.test_request_context(path):
        app.preprocess_request()
        return [Flask.url_for(app, endpoint, **values) for endpoint, values in calls]


def test_a_kept_url_is_the_one_werkzeug_builds_in_each_language(app: Flask) -> None:
    for lang in ("fr", "en"):
        path = f"/{lang}/overview"
        first, again = built(app, path, CALLS), built(app, path, CALLS)
        assert first == again == werkzeug_builds(app, path, CALLS)
        assert first[:5] == [
            f"/{lang}/overview",
            f"/{lang}/payoff-quote",
            f"/{lang}/documents/7",
            f"/{lang}/overview#contract-1",
            f"/{lang}/overview?page=2",
        ]


def test_a_site_under_a_path_keeps_its_own(app: Flask) -> None:
    show: list[Call] = [("overview.show", {})]
    assert built(app, "/fr/overview", show) == ["/fr/overview"]
    assert built(app, "/fr/overview", show, "http://localhost/mini") == ["/mini/fr/overview"]


def test_a_relative_endpoint_is_in_the_requests_blueprint(app: Flask) -> None:
    assert built(app, "/fr/overview", [(".show", {})]) == ["/fr/overview"]
    assert built(app, "/fr/profile", [(".show", {})]) == ["/fr/profile"]


def test_the_language_in_force_is_the_one_of_the_url(app: Flask) -> None:
    with app.test_request_context("/fr/overview"):
        app.preprocess_request()
        assert app.url_for("overview.show") == "/fr/overview"
        with in_language("en"):  # an e-mail in the customer's language, from a French page
            assert app.url_for("overview.show") == "/en/overview"
        assert app.url_for("overview.show") == "/fr/overview"


def test_a_list_and_an_external_url_are_built_each_time(app: Flask) -> None:
    listed: list[Call] = [("overview.show", {"tag": ["a", "b"]})]
    assert built(app, "/fr/overview", listed) == ["/fr/overview?tag=a&tag=b"]
    external: list[Call] = [("overview.show", {"_external": True})]
    for base in ("http://localhost", "http://127.0.0.1:5000"):
        assert built(app, "/fr/overview", external, base) == [f"{base}/fr/overview"]
