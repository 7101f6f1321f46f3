"""Every invoice, breakdown and cost of random documents equals the brute force's
(`brute_rating.py`): random rate schedules, tiers, pricing groups, contracts, events with late
processing, duplicates and ingest aliases, clocks and graces."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.rating import Rater, Usage
from emulator.wire.timestamps import parse_rfc3339
from tests.rating.brute_rating import Brute, when
from tests.rating.documents import ACME, BETA, build, documents, hours, iso

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def wire(invoices: list[Any]) -> list[dict[str, Any]]:
    found = []
    for invoice in invoices:
        item = invoice.to_wire()
        del item["id"]
        found.append(item)
    return found


class TestAgainstBruteForce:
    """The emulator and the brute force agree to the cent on random documents."""

    @SETTINGS
    @given(document=documents())
    def test_invoices(self, document: dict[str, Any]) -> None:
        _, _, rater = build(document)
        brute = Brute(document)
        for customer in (ACME, BETA):
            assert wire(rater.invoices(customer)) == brute.invoices(customer)

    @SETTINGS
    @given(document=documents())
    def test_day_breakdowns_and_costs(self, document: dict[str, Any]) -> None:
        _, _, rater = build(document)
        brute = Brute(document)
        lo, hi = hours(0), hours(24 * 182)
        for customer in (ACME, BETA):
            got = wire(rater.breakdowns(customer, parse_rfc3339(iso(lo)), parse_rfc3339(iso(hi))))
            assert got == brute.breakdowns(customer, lo, hi, timedelta(days=1))
            costs = rater.costs(customer, parse_rfc3339(iso(lo)), parse_rfc3339(iso(hi)))
            assert costs == brute.costs(customer, lo, hi)

    @SETTINGS
    @given(document=documents(), day=st.integers(0, 120))
    def test_hour_breakdowns(self, document: dict[str, Any], day: int) -> None:
        _, _, rater = build(document)
        brute = Brute(document)
        lo, hi = hours(24 * day), hours(24 * day + 48)
        got = wire(rater.breakdowns(ACME, parse_rfc3339(iso(lo)), parse_rfc3339(iso(hi)), "HOUR"))
        assert got == brute.breakdowns(ACME, lo, hi, timedelta(hours=1))

    @SETTINGS
    @given(document=documents(), later=st.integers(1, 60 * 24), more=st.data())
    def test_finalized_invoices_do_not_move(
        self, document: dict[str, Any], later: int, more: st.DataObject
    ) -> None:
        """Late events processed after the clock and a later clock leave every invoice finalized
        before that the same."""
        _, _, before = build(document)
        finalized = [i for i in wire(before.invoices(ACME)) if i["status"] == "FINALIZED"]
        clock = when(document["clock"])
        extra = []
        for i in range(more.draw(st.integers(1, 6))):
            ts = clock - timedelta(hours=more.draw(st.integers(0, 24 * 60)))
            extra.append(
                {
                    "transaction_id": f"late{i}",
                    "customer_id": ACME,
                    "event_type": more.draw(st.sampled_from(["use", "ping"])),
                    "timestamp": iso(ts),
                    "properties": {"n": 7, "region": "us", "zone": "a"},
                    # after the clock of the first read (at it, an event is not after a freeze
                    # that is that same instant)
                    "processed_at": iso(clock + timedelta(hours=more.draw(st.integers(1, later)))),
                }
            )
        moved = {**document, "events": document["events"] + extra}
        moved["clock"] = iso(clock + timedelta(hours=later))
        _, _, after = build(moved)
        now = wire(after.invoices(ACME))
        for invoice in finalized:
            assert invoice in now
        assert now == Brute(moved).invoices(ACME)


class TestPreviewAgainstBruteForce:
    """previewEvents in merge mode prices the current draft as if its events were ingested now;
    in replace mode, as if they were the only ones."""

    @SETTINGS
    @given(document=documents(), more=st.data())
    def test_preview(self, document: dict[str, Any], more: st.DataObject) -> None:
        store, _, rater = build(document)
        clock = when(document["clock"])
        events = []
        for i in range(more.draw(st.integers(1, 5))):
            ts = clock - timedelta(minutes=more.draw(st.sampled_from(range(0, 40 * 24 * 60, 13))))
            events.append(
                {
                    "transaction_id": f"preview{i}",
                    "customer_id": ACME,
                    "event_type": more.draw(st.sampled_from(["use", "ping"])),
                    "timestamp": iso(ts),
                    "properties": {
                        "n": more.draw(st.sampled_from([1, 2, 0.5, 40])),
                        "region": more.draw(st.sampled_from(["us", "eu"])),
                        "zone": "a",
                    },
                    "processed_at": document["clock"],
                }
            )
        replace = more.draw(st.booleans())
        preview_events = [
            (e["transaction_id"], e["event_type"], parse_rfc3339(e["timestamp"]), e["properties"])
            for e in events
        ]
        usage = Usage(store).with_preview(ACME, preview_events, replace, rater.now)
        got = wire(Rater(rater.catalog, usage, rater.now, rater.grace).preview(ACME))
        kept = [e for e in document["events"] if not replace]
        brute = Brute({**document, "events": kept + events})
        drafts = [
            {**i, "status": "DRAFT"}
            for i in brute.invoices(ACME)
            if i["start_timestamp"] <= document["clock"] < i["end_timestamp"]
            and not _archived(document)
        ]
        assert got == drafts


def _archived(document: dict[str, Any]) -> bool:
    return any(
        c["customer_id"] == ACME and c["archived_at"] is not None for c in document["contracts"]
    )
