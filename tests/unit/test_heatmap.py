"""The heatmap's counts are the audit trail's, for the period asked; the funnel adds up."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from flows.analysis import heatmap
from flows.analysis.heatmap import Heat
from storage import flow_counts, trail
from storage.models import AuditRecord
from tests.factories import PASSWORD, TESTER, identity
from tests.support import newest, token_of
from web.services import Services

TORONTO = ZoneInfo("America/Toronto")
GOOD = {"first_name": "Léa", "last_name": "Roy", "password": PASSWORD, "password_confirm": PASSWORD}


def register(services: Services, n: int, *, weak: bool = False, activate: bool = False) -> str:
    engine = services.engine
    snap = engine.start("registration", by=TESTER, language="fr")
    email = f"lea{n}.{snap.id[:6]}@example.com"
    if weak:
        short = {**GOOD, "email": email, "password": "court", "password_confirm": "court"}
        engine.send(snap.id, "submit", short, by=TESTER)
        engine.send(snap.id, "submit", {"email": "pas une adresse"}, by=TESTER)
    engine.send(snap.id, "submit", {**GOOD, "email": email}, by=TESTER)
    engine.send(snap.id, "submit", {**GOOD, "email": email}, by=TESTER)  # moved on
    if activate:
        token = token_of(newest(services))
        engine.send(snap.id, "activate", {"token": "x" + token}, by=TESTER)
        engine.send(snap.id, "activate", {"token": token}, by=TESTER)
    return snap.id


def drive(services: Services) -> None:
    """Registrations that go every way, sign-ins that fail, instances left to expire."""
    identity(services)
    for n in range(9):
        register(services, n, weak=n % 3 == 0, activate=n % 2 == 0)
    services.engine.start("registration", by=TESTER, language="en")  # abandoned
    late = services.engine.start("registration", by=TESTER, language="en")
    for password in ("wrong one!", PASSWORD):
        attempt = services.engine.start("sign_in", by=TESTER, language="fr")
        data = {"email": "jean.t@example.com", "password": password}
        services.engine.send(attempt.id, "submit", data, by=TESTER)
    services.clock.advance(timedelta(hours=25))
    services.engine.send(late.id, "submit", GOOD, by=TESTER)  # too late
    services.engine.sweep()


def heat_of(services: Services, flow: str, period: heatmap.Period) -> Heat:
    with services.db.read() as session:
        rows = flow_counts.totals(session, flow, period.since, period.until)
        now = trail.where_now(session, flow, period.since, period.until, services.clock())
    return heatmap.heat(rows, now)


def counted_from_the_trail(services: Services, flow: str) -> dict[str, Counter[tuple[str, ...]]]:
    """The same numbers, counted one audit record at a time."""
    found: dict[str, Counter[tuple[str, ...]]] = {
        k: Counter() for k in ("entered", "taken", "rejected", "reasons", "not_allowed")
    }
    with services.db.read() as session:
        for r in session.scalars(select(AuditRecord).where(AuditRecord.flow == flow)):
            if r.outcome == "taken":
                if r.source != r.target or r.event == "start":
                    found["entered"][(str(r.target),)] += 1
                if r.event != "start":
                    found["taken"][(r.source, r.event, str(r.target))] += 1
            elif r.outcome in ("rejected", "not_allowed"):
                found[r.outcome][(r.source, r.event)] += 1
            for reason in set(r.reasons.values()):
                found["reasons"][(r.source, r.event, reason)] += 1
    return found


def test_heatmap_counts_equal_the_audit_records(services: Services) -> None:
    drive(services)
    for flow in ("registration", "sign_in"):
        period = heatmap.period("7d", services.clock(), TORONTO)
        heat = heat_of(services, flow, period)
        expected = counted_from_the_trail(services, flow)
        assert Counter({(k,): v for k, v in heat.entered.items()}) == expected["entered"]
        assert Counter(heat.taken) == expected["taken"]
        assert Counter(heat.rejected) == expected["rejected"]
        assert Counter(heat.not_allowed) == expected["not_allowed"]
        assert Counter(heat.reasons) == expected["reasons"]
    registration = heat_of(services, "registration", period)
    assert registration.entered["details"] == 11
    assert registration.entered["expired"] == 6
    assert registration.taken[("details", "submit", "awaiting_activation")] == 9
    assert registration.reasons[("details", "submit", "password_too_short")] == 3
    assert registration.reasons[("details", "submit", "email_invalid")] == 3
    assert registration.reasons[("awaiting_activation", "activate", "link_invalid")] == 5
    assert registration.expired == {("details", "submit"): 1}


def test_the_period_counts_only_its_hours(services: Services) -> None:
    clock = services.clock
    register(services, 1)
    clock.advance(timedelta(days=2))
    register(services, 2)
    register(services, 3)
    now = clock()

    def started(kind: str, start: date | None = None, end: date | None = None) -> int:
        period = heatmap.period(kind, now, TORONTO, start, end)
        return heat_of(services, "registration", period).entered.get("details", 0)

    assert started("24h") == 2
    assert started("7d") == 3
    assert started("30d") == 3
    today = now.astimezone(TORONTO).date()
    assert started("custom", today - timedelta(days=2), today - timedelta(days=2)) == 1
    assert started("custom", today, today - timedelta(days=2)) == 3  # either order
    assert started("nonsense") == 3  # the default: 7 days


def test_periods_are_whole_hours_and_custom_days_are_local() -> None:
    now = datetime(2025, 3, 10, 15, 42, tzinfo=UTC)
    day = heatmap.period("24h", now, TORONTO)
    assert (day.since, day.until) == (
        datetime(2025, 3, 9, 15, tzinfo=UTC),
        datetime(2025, 3, 10, 16, tzinfo=UTC),
    )
    custom = heatmap.period("custom", now, TORONTO, date(2025, 3, 1), date(2025, 3, 2))
    assert (custom.since, custom.until) == (
        datetime(2025, 3, 1, 5, tzinfo=UTC),  # midnight in Toronto, winter time
        datetime(2025, 3, 3, 5, tzinfo=UTC),
    )


def test_the_funnel_of_the_period(services: Services) -> None:
    drive(services)
    period = heatmap.period("7d", services.clock(), TORONTO)
    with services.db.read() as session:
        rows = flow_counts.totals(session, "registration", period.since, period.until)
        now = trail.where_now(session, "registration", period.since, period.until, services.clock())
    heat = heatmap.heat(rows, now)
    funnel = heatmap.funnel(services.registry.get("registration"), now, heat)
    assert funnel.started == 11
    ended = {stop.state: stop.count for stop in funnel.finals}
    assert ended == {"activated": 5, "expired": 6}
    assert funnel.share(5) == 5 / 11
    assert funnel.unfinished == []
    assert dict(funnel.came_from["expired"]) == {"awaiting_activation": 4, "details": 2}


def test_rejections_are_attributed_to_the_guard_that_gives_them(services: Services) -> None:
    drive(services)
    period = heatmap.period("7d", services.clock(), TORONTO)
    definition = services.registry.get("registration")
    found = heatmap.rejections(definition, heat_of(services, "registration", period))
    by_reason = {r.reason: r for r in found}
    assert by_reason["password_too_short"].guard == definition.guards["details_valid"]
    assert by_reason["link_invalid"].guard == definition.guards["link_valid"]
    assert by_reason["email_invalid"].guard is None and by_reason["email_invalid"].by_fields
    assert [r.count for r in found] == sorted((r.count for r in found), reverse=True)


def test_unfinished_instances_are_in_progress_or_abandoned(services: Services) -> None:
    register(services, 1)  # waits for its activation, 24 h
    services.engine.start("registration", by=TESTER, language="fr")  # the form, 2 h
    services.clock.advance(timedelta(hours=3))
    period = heatmap.period("24h", services.clock(), TORONTO)
    with services.db.read() as session:
        now = trail.where_now(session, "registration", period.since, period.until, services.clock())
    funnel = heatmap.funnel(services.registry.get("registration"), now, heatmap.heat([], now))
    assert {(s.state, s.count, s.overdue) for s in funnel.unfinished} == {
        ("awaiting_activation", 1, 0),
        ("details", 1, 1),
    }
    assert [s.count for s in funnel.finals] == [0, 0]
