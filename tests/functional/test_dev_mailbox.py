"""The development mailbox: e-mails as their reader sees them, links to this very site."""

from __future__ import annotations

import os
import re
from pathlib import Path

import requests
from bs4 import BeautifulSoup, Tag

from tests.factories import identity
from tests.functional.test_serve import MONCOMPTE, free_port
from tests.support import Browser, Command, newest
from web.services import Services

EMAIL = "jean.t@example.com"


def test_an_html_email_is_shown_styled_in_a_sandboxed_frame_that_runs_no_script(
    browser: Browser, services: Services
) -> None:
    identity(services, EMAIL)
    browser.get("/fr/password-reset").form().fill(email=EMAIL).submit()
    message = newest(services, EMAIL)

    mailbox = browser.get("/dev/mailbox")
    preview = browser.get(mailbox.link("HTML"))
    assert preview.status == 200 and preview.h1 == message.subject
    frame = preview.soup.find("iframe")
    assert isinstance(frame, Tag)
    sandbox = str(frame["sandbox"]).split()
    assert "allow-scripts" not in sandbox and "allow-same-origin" not in sandbox
    assert frame.get("title") == message.subject

    body = browser.client.get(str(frame["src"]))
    assert body.status_code == 200 and body.mimetype == "text/html"
    policy = body.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "style-src 'unsafe-inline'" in policy  # the e-mail's own styles apply
    assert "sandbox" in policy and "frame-ancestors 'self'" in policy
    assert body.headers["X-Frame-Options"] == "SAMEORIGIN"
    shown = BeautifulSoup(body.get_data(as_text=True), "html.parser")
    assert shown.select("[style]")  # styled as sent
    assert message.extras["link"] in [a["href"] for a in shown.find_all("a")]
    # Only the e-mail may be framed, and only by the mailbox; the site's pages never.
    assert preview.response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in preview.response.headers["Content-Security-Policy"]


def test_an_html_preview_is_for_this_machine_only(browser: Browser, services: Services) -> None:
    identity(services, EMAIL)
    browser.get("/fr/password-reset").form().fill(email=EMAIL).submit()
    message = newest(services, EMAIL)
    for path in (f"/dev/mailbox/{message.id}", f"/dev/mailbox/{message.id}/body"):
        remote = browser.client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert remote.status_code == 404
    assert browser.client.get(f"/dev/mailbox/{message.id + 1}/body").status_code == 404


def test_links_lead_to_the_port_the_site_runs_on(tmp_path: Path) -> None:
    """`moncompte run --port N` on an empty database loads the demo data, whose e-mails
    (written outside any request) link to :N, as do those asked for on its pages."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONCOMPTE_")}
    env.update(
        MONCOMPTE_DATABASE_URL=f"sqlite:///{tmp_path / 'site.db'}",
        MONCOMPTE_SECRET_KEY="test-secret-key",
    )
    with Command([str(MONCOMPTE), "run", "--port", str(port)], base, env, tmp_path) as run:
        mailbox = requests.get(f"{base}/dev/mailbox", timeout=10).text
    links = re.findall(r"https?://[^\s<\"]+", mailbox)
    assert links, "the demo data's e-mails carry links"
    assert all(link.startswith(f"{base}/") for link in links), links
    assert f"{base}/dev/mailbox" in run.output
