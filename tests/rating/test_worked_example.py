"""RATING.md section 5, end to end at the domain level: the store gets the events at the given
processing times, the catalog the records at the given clock, and the numbers are the document's."""

from __future__ import annotations

from emulator.rating import Usage
from tests.rating.worked_example import assert_table, lines
from tests.rating.world import World, at


class TestWorkedExample:
    """The invoices, breakdowns, costs and preview of RATING.md section 5."""

    def test_invoices(self, world: tuple[World, str]) -> None:
        w, acme = world
        invoices = [i.to_wire() for i in w.rater().invoices(acme)]
        assert_table(invoices)
        january = invoices[0]
        assert january["line_items"][1]["tier"] == {"level": 1, "starting_at": "0", "size": "100"}

    def test_status_filter(self, world: tuple[World, str]) -> None:
        w, acme = world
        drafts = w.rater().invoices(acme, status="DRAFT")
        assert [i.start for i in drafts] == [at("2024-03-01T00:00:00Z")]

    def test_breakdowns_of_march(self, world: tuple[World, str]) -> None:
        w, acme = world
        items = w.rater().breakdowns(acme, at("2024-03-01T00:00:00Z"), at("2024-03-05T00:00:00Z"))
        assert [i.to_wire()["total"] for i in items] == [200, 0, 0, 300]
        assert all(i.status == "DRAFT" for i in items)

    def test_february_29_breakdown_is_live(self, world: tuple[World, str]) -> None:
        w, acme = world
        (item,) = w.rater().breakdowns(acme, at("2024-02-29T00:00:00Z"), at("2024-03-01T00:00:00Z"))
        wire = item.to_wire()
        assert wire["status"] == "FINALIZED"
        assert lines(wire) == [
            ("Tokens", None, None, 1000, 0.2, 200),
            ("Images", "500", None, 0, 2, 0),
        ]
        assert wire["line_items"][0]["starting_at"] == "2024-02-01T00:00:00Z"
        assert wire["breakdown_start_timestamp"] == "2024-02-29T00:00:00Z"
        assert w.rater().invoices(acme)[1].to_wire()["total"] == 3840

    def test_costs(self, world: tuple[World, str]) -> None:
        w, acme = world
        days = w.rater().costs(acme, at("2024-03-01T00:00:00Z"), at("2024-03-05T00:00:00Z"))
        usd = "2714e483-4ff1-48e4-9e25-ac732e8f24f2"
        assert [d["credit_types"][usd]["cost"] for d in days] == [200, 0, 0, 300]

    def test_preview_merge(self, world: tuple[World, str]) -> None:
        w, acme = world
        usage = Usage(w.store).with_preview(
            acme,
            [("p1", "completion", at("2024-03-04T20:00:00Z"), {"tokens": 500})],
            replace=False,
            now=w.now,
        )
        (invoice,) = w.rater(usage).preview(acme)
        assert (invoice.status, invoice.to_wire()["total"]) == ("DRAFT", 600)
        assert w.rater().invoices(acme)[2].to_wire()["total"] == 500  # nothing stored

    def test_reads_in_any_order_give_the_finalized_invoice(self, world: tuple[World, str]) -> None:
        """February read later, after more late events, is still 3840."""
        w, acme = world
        w2 = World("2024-03-05T00:00:00Z")
        w2.store, w2.catalog = w.store, w.catalog
        later = w2.rater()
        later.now = at("2024-03-20T00:00:00Z")
        assert [i.to_wire()["total"] for i in later.invoices(acme)][:2] == [1200, 3840]
