"""The explorer (`GET /_emulator/ui`) in headless chromium: it shows what the API says, and its
controls act on the tenant it was opened with."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from typing import Any

import pytest

from emulator.testing import EmulatorError, EmulatorHandle
from tests.browser.conftest import HOW, Console, all_usage, open_explorer

pytest.importorskip("playwright.sync_api", reason=HOW)
from playwright.sync_api import Page, Request, expect

# The journal is polled every 3 s: what a poll brings shows within two polls.
POLLED = 8_000
DAYS = ("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z")  # the seeded default's events


def customers(tenant: EmulatorHandle) -> list[dict[str, Any]]:
    """Every customer, active ones first, as the API lists them."""
    found = []
    for archived in ("false", "true"):
        cursor = ""
        while True:
            page = tenant.request(
                "GET", f"/v1/customers?limit=3&only_archived={archived}&next_page={cursor}"
            )
            found += page["data"]
            cursor = page["next_page"]
            if cursor is None:
                break
    return found


def metrics(tenant: EmulatorHandle) -> list[dict[str, Any]]:
    return list(tenant.request("GET", "/v1/billable-metrics?include_archived=true")["data"])


def by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(item for item in items if item["name"] == name)


def table_rows(page: Page) -> list[dict[str, Any]]:
    """The usage table as drawn: one dict per row, numbers read back as JSON."""
    cells = page.locator("#usage-table tbody tr").evaluate_all(
        """rows => rows.map(r => ({
            customer_id: r.dataset.customer,
            billable_metric_id: r.dataset.metric,
            start_timestamp: r.dataset.start,
            value: r.querySelector('[data-field=value]').textContent,
            groups: Object.fromEntries([...r.querySelectorAll('[data-group]')]
                .map(td => [td.dataset.group, td.textContent])),
        }))"""
    )
    for row in cells:
        row["value"] = json.loads(row["value"])
        row["groups"] = {k: json.loads(v) for k, v in row["groups"].items()}
    return list(cells)


def chart_points(page: Page) -> list[tuple[str, str | None, str, float]]:
    points = page.locator("#usage-chart circle").evaluate_all(
        """circles => circles.map(c => [c.parentNode.dataset.customer,
            c.parentNode.dataset.group ?? null, c.dataset.start, c.dataset.value])"""
    )
    return sorted((c, g, s, json.loads(v)) for c, g, s, v in points)


def expected_points(rows: list[dict[str, Any]], grouped: bool) -> list[Any]:
    points = []
    for row in rows:
        pairs = row["groups"].items() if grouped else [(None, row["value"])]
        points += [
            (row["customer_id"], g, row["start_timestamp"], v) for g, v in pairs if v is not None
        ]
    return sorted(points)


def assert_same_numbers(page: Page, api_rows: list[dict[str, Any]], grouped: bool) -> None:
    """The table holds exactly the API's rows, in its order; the chart, its non-null numbers."""
    drawn = table_rows(page)
    assert len(drawn) == len(api_rows)
    for seen, row in zip(drawn, api_rows, strict=True):
        assert seen["customer_id"] == row["customer_id"]
        assert seen["billable_metric_id"] == row["billable_metric_id"]
        assert seen["start_timestamp"] == row["start_timestamp"]
        assert seen["value"] == row["value"]
        assert type(seen["value"]) is type(row["value"])
        assert seen["groups"] == row.get("groups", {})
    assert chart_points(page) == expected_points(api_rows, grouped)


def draw(page: Page) -> None:
    """Click Draw and wait for that drawing (the section counts the charts it drew)."""
    usage = page.locator("#usage")
    drawn = int(usage.get_attribute("data-draws") or 0)
    page.locator("#usage-draw").click()
    expect(usage).to_have_attribute("data-draws", str(drawn + 1))


PANELS = ["customers", "spend", "metrics", "events", "journal", "faults"]
PANELS_BELOW = ["spend", "metrics", "events", "journal", "faults"]  # below a 900-pixel window
# The panels' content-visibility when the page marks its first render; and, at every animation
# frame (before it is painted), the panels in the window that would be painted skipped.
WATCH_PANELS = f"""
window.blankInWindow = [];
const mark = performance.mark.bind(performance);
performance.mark = (name, ...rest) => {{
  if (name === "explorer-first-render") {{
    window.contentVisibilityAtFirstRender = Object.fromEntries({PANELS!r}.map(
      (id) => [id, getComputedStyle(document.getElementById(id)).contentVisibility]));
  }}
  return mark(name, ...rest);
}};
const watch = () => {{
  if (document.body && document.body.dataset.ready === "true") return;
  for (const panel of document.querySelectorAll(".deferred")) {{
    const box = panel.getBoundingClientRect();
    if (box.height && box.top < window.innerHeight && box.bottom > 0) {{
      window.blankInWindow.push(panel.id);
    }}
  }}
  requestAnimationFrame(watch);
}};
requestAnimationFrame(watch);
"""


class TestWhatItShows:
    """Customers, metrics, usage and events on the page are the API's."""

    def test_every_customer_and_metric(self, page: Page, tenant: EmulatorHandle) -> None:
        open_explorer(page, tenant)
        listed = customers(tenant)
        assert any(c["archived_at"] for c in listed)
        expect(page.locator("#customers-table .name")).to_have_text([c["name"] for c in listed])
        expect(page.locator("#customers-table .id")).to_have_text([c["id"] for c in listed])
        for customer in listed:
            row = page.locator(f"#customers-table tr[data-id='{customer['id']}']")
            expect(row.locator("td.aliases")).to_have_text(" ".join(customer["ingest_aliases"]))
            archived = customer["archived_at"]
            expect(row.locator("td.archived")).to_have_text(f"yes{archived}" if archived else "no")
        listed_metrics = metrics(tenant)
        assert len(listed_metrics) == 9
        expect(page.locator("#metrics-table .name")).to_have_text(
            [m["name"] for m in listed_metrics]
        )
        expect(page.locator("#metrics-table .id")).to_have_text([m["id"] for m in listed_metrics])
        for metric in listed_metrics:
            row = page.locator(f"#metrics-table tr[data-id='{metric['id']}']")
            expect(row.locator("td").nth(1)).to_contain_text(metric["aggregation_type"])
            for key in metric["group_keys"] or []:
                expect(row.locator("td").nth(3)).to_contain_text(" + ".join(key))
            archived = metric["archived_at"]
            expect(row.locator("td.archived")).to_have_text(f"yes{archived}" if archived else "no")

    def test_renamed_customer_and_metric(self, page: Page, tenant: EmulatorHandle) -> None:
        """setName and PUT /v1/billable-metrics/{id} show in the explorer like everywhere."""
        customer, metric = customers(tenant)[0], metrics(tenant)[0]
        tenant.request("POST", f"/v1/customers/{customer['id']}/setName", {"name": "Renamed Co"})
        tenant.request("PUT", f"/v1/billable-metrics/{metric['id']}", {"name": "Renamed metric"})
        open_explorer(page, tenant)
        row = page.locator(f"#customers-table tr[data-id='{customer['id']}']")
        expect(row.locator(".name")).to_have_text("Renamed Co")
        row = page.locator(f"#metrics-table tr[data-id='{metric['id']}']")
        expect(row.locator(".name")).to_have_text("Renamed metric")

    def test_default_chart_is_the_seeded_days(self, page: Page, tenant: EmulatorHandle) -> None:
        """Opened on the seeded default, it draws the first active metric by day over the days
        of the data for the active customers, with /v1/usage's numbers."""
        open_explorer(page, tenant)
        expect(page.locator("#usage-from")).to_have_value("2024-01-01")
        expect(page.locator("#usage-to")).to_have_value("2024-01-07")
        active = [c["id"] for c in customers(tenant) if not c["archived_at"]]
        metric = next(m for m in metrics(tenant) if not m["archived_at"])
        body = {
            "starting_on": DAYS[0],
            "ending_before": DAYS[1],
            "window_size": "day",
            "customer_ids": active,
            "billable_metrics": [{"id": metric["id"]}],
        }
        rows = all_usage(tenant, body)
        assert len(rows) == len(active) * 7
        assert_same_numbers(page, rows, grouped=False)

    @pytest.mark.parametrize(
        ("metric", "window", "first", "last", "group", "who"),
        [
            ("API requests", "hour", "2024-01-02", "2024-01-03", "region", 2),
            ("Compute seconds", "day", "2024-01-01", "2024-01-07", "", 3),
            ("Storage high-water mark (GB)", "hour", "2024-01-03", "2024-01-03", "", 1),
            ("LLM tokens", "day", "2024-01-01", "2024-01-07", "model", 8),
            ("Seats", "hour", "2024-01-05", "2024-01-05", "", 8),
        ],
    )
    def test_chart_equals_usage(
        self,
        page: Page,
        tenant: EmulatorHandle,
        metric: str,
        window: str,
        first: str,
        last: str,
        group: str,
        who: int,
    ) -> None:
        """Picked through the form: customers (the archived one too), metric, windows, days and
        group key; the page pages through /v1/usage with a small page size."""
        tenant.configure(7)
        open_explorer(page, tenant)
        chosen = customers(tenant)[-who:]  # from the end: the archived customer first
        page.get_by_role("button", name="None").click()
        for customer in chosen:
            label = customer["name"] + (" (archived)" if customer["archived_at"] else "")
            page.get_by_label(label, exact=True).check()
        the_metric = by_name(metrics(tenant), metric)
        page.locator("#usage-metric").select_option(the_metric["id"])
        page.locator("#usage-window").select_option(window)
        page.locator("#usage-from").fill(first)
        page.locator("#usage-to").fill(last)
        page.locator("#usage-group").select_option(group)
        draw(page)
        body: dict[str, Any] = {
            "starting_on": f"{first}T00:00:00Z",
            "ending_before": DAYS[1] if last == "2024-01-07" else _next_day(last),
            "window_size": window,
            "customer_ids": [c["id"] for c in chosen],
            "billable_metrics": [{"id": the_metric["id"]}],
        }
        if group:
            body["billable_metrics"][0]["group_by"] = {"key": group}
        rows = all_usage(tenant, body)
        assert rows
        assert_same_numbers(page, rows, grouped=bool(group))
        pages = math.ceil(len(rows) / 7)
        expect(page.locator("#usage-status")).to_contain_text(f"{len(rows)} rows in {pages} pages")
        expect(page.locator("#usage-legend > span")).to_have_count(
            len(set(chart_series(rows, group)))
        )

    def test_recent_events_with_their_metrics(self, page: Page, tenant: EmulatorHandle) -> None:
        tenant.set_clock("2024-01-08T00:00:00Z")  # search covers the last 34 days of the clock
        open_explorer(page, tenant)
        newest = tenant.request("GET", "/_emulator/events?limit=25")["data"]
        expect(page.locator("#events-table tbody tr")).to_have_count(25)
        seqs = page.locator("#events-table tbody tr").evaluate_all(
            "rows => rows.map(r => Number(r.dataset.seq))"
        )
        assert seqs == [e["seq"] for e in newest]
        # A duplicated transaction id: both events, each with what it matched.
        txn = a_duplicate(tenant)
        found = tenant.request("POST", "/v1/events/search", {"transactionIds": [txn]})
        page.locator("#events-txn").fill(txn)
        page.locator("#events-txn").press("Enter")
        rows = page.locator("#events-table tbody tr")
        expect(rows).to_have_count(len(found))
        for item in found:
            row = page.locator(f"#events-table tbody tr[data-transaction-id='{txn}']").filter(
                has_text=item["timestamp"]
            )
            names = [m["name"] for m in item["matched_billable_metrics"]]
            expect(row.locator("td.matched")).to_have_text(", ".join(names) if names else "none")

    def test_events_older_than_the_search_window(self, page: Page, tenant: EmulatorHandle) -> None:
        tenant.set_clock("2024-03-01T00:00:00Z")  # the seeded week is over 34 days back
        open_explorer(page, tenant)
        assert (
            tenant.request("POST", "/v1/events/search", {"transactionIds": [a_duplicate(tenant)]})
            == []
        )
        cells = page.locator("#events-table tbody td.matched")
        expect(cells).to_have_count(25)
        expect(cells.first).to_have_text("not searchable: processed over 34 days before the clock")

    def test_events_of_one_sender_older_and_newer(self, page: Page, tenant: EmulatorHandle) -> None:
        open_explorer(page, tenant)
        alias = next(c for c in customers(tenant) if c["ingest_aliases"])["ingest_aliases"][0]
        page.get_by_role("button", name=alias, exact=True).click()
        expect(page.locator("#events-customer")).to_have_value(alias)
        api = tenant.request("GET", f"/_emulator/events?limit=25&customer_id={alias}")
        cells = page.locator("#events-table tbody tr td:nth-child(3)")
        expect(cells).to_have_count(len(api["data"]))
        expect(cells).to_have_text([alias] * len(api["data"]))
        first = page.locator("#events-table tbody tr").first
        expect(first).to_have_attribute("data-seq", str(api["data"][0]["seq"]))
        page.get_by_role("button", name="Older").click()
        older = tenant.request(
            "GET", f"/_emulator/events?limit=25&customer_id={alias}&before={api['next_before']}"
        )
        expect(first).to_have_attribute("data-seq", str(older["data"][0]["seq"]))
        page.get_by_role("button", name="Newer").click()
        expect(first).to_have_attribute("data-seq", str(api["data"][0]["seq"]))


def a_duplicate(tenant: EmulatorHandle) -> str:
    """The transaction id of the newest duplicate event."""
    before = ""
    while True:
        page = tenant.request("GET", f"/_emulator/events?limit=100&before={before}")
        duplicate = next((e for e in page["data"] if e["is_duplicate"]), None)
        if duplicate is not None:
            return str(duplicate["transaction_id"])
        before = page["next_before"]


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat() + "T00:00:00Z"


def chart_series(rows: list[dict[str, Any]], group: str) -> list[tuple[str, str | None]]:
    if not group:
        return [(r["customer_id"], None) for r in rows]
    return [(r["customer_id"], g) for r in rows for g in r["groups"]]


class TestControls:
    """Faults, the journal, reset, page size, snapshot and the clock, through the page."""

    def test_fault_from_the_form_shows_in_the_journal(
        self, page: Page, tenant: EmulatorHandle
    ) -> None:
        open_explorer(page, tenant)
        page.locator("#fault-method").select_option("POST")
        page.locator("#fault-path").fill("/v1/usage")
        page.locator("#fault-count").fill("1")
        page.locator("#fault-status").fill("429")
        page.get_by_role("button", name="Queue fault").click()
        queued = page.locator("#faults-table tbody tr")
        expect(queued).to_have_count(1)
        expect(queued).to_contain_text("429")
        [fault] = tenant.request("GET", "/_emulator/faults")["data"]
        assert (fault["method"], fault["path"], fault["status"], fault["remaining"]) == (
            "POST",
            "/v1/usage",
            429,
            1,
        )
        body = {"starting_on": DAYS[0], "ending_before": DAYS[1], "window_size": "day"}
        with pytest.raises(EmulatorError) as refused:
            tenant.request("POST", "/v1/usage", body)
        assert refused.value.status == 429
        newest = page.locator("#journal-table tbody tr").first
        expect(newest).to_have_attribute("data-status", "429", timeout=POLLED)
        expect(newest).to_have_attribute("data-path", "/v1/usage")
        expect(queued).to_have_text(["none queued"], timeout=POLLED)

    def test_clear_faults(self, page: Page, tenant: EmulatorHandle) -> None:
        tenant.inject_fault("/v1/ingest", status=500, count=3)
        open_explorer(page, tenant)
        expect(page.locator("#faults-table tbody tr")).to_contain_text(["/v1/ingest"])
        page.get_by_role("button", name="Clear faults").click()
        expect(page.locator("#faults-table tbody tr")).to_have_text(["none queued"])
        assert tenant.request("GET", "/_emulator/faults") == {"data": []}

    def test_journal_clear_and_own_requests(self, page: Page, tenant: EmulatorHandle) -> None:
        open_explorer(page, tenant)
        rows = page.locator("#journal-table tbody tr")
        # The page is a client too: its own /v1 calls are journaled.
        expect(rows.filter(has_text="/v1/usage")).to_have_count(1)
        tenant.request("GET", "/v1/customers?limit=1")
        expect(rows.first).to_have_attribute("data-path", "/v1/customers", timeout=POLLED)
        page.get_by_label("Hide this page's own requests").check()
        expect(rows).to_have_count(1)
        page.get_by_role("button", name="Clear journal").click()
        expect(rows).to_have_count(0)
        assert tenant.requests() == []

    def test_reset(self, page: Page, tenant: EmulatorHandle) -> None:
        tenant.request("POST", "/v1/customers", {"name": "Explorer Test Co"})
        open_explorer(page, tenant)
        names = page.locator("#customers-table .name")
        expect(names.filter(has_text="Explorer Test Co")).to_have_count(1)
        page.get_by_role("button", name="Reset state").click()
        expect(page.locator("#tenant-status")).to_have_text(
            "Reset: 8 customers, 9 billable metrics, 20000 events."
        )
        expect(names.filter(has_text="Explorer Test Co")).to_have_count(0)
        expect(names).to_have_count(8)
        assert "Explorer Test Co" not in [c["name"] for c in customers(tenant)]

    def test_page_size(self, page: Page, tenant: EmulatorHandle) -> None:
        open_explorer(page, tenant)
        expect(page.locator("#page-size")).to_have_value("100")
        page.locator("#page-size").fill("5")
        page.get_by_role("button", name="Set", exact=True).click()
        expect(page.locator("#tenant-status")).to_have_text("Page size 5.")
        assert tenant.request("GET", "/_emulator/config") == {
            "page_size": 5,
            "invoice_grace_seconds": 86400,
        }
        draw(page)
        expect(page.locator("#usage-status")).to_contain_text("49 rows in 10 pages")
        page.get_by_role("button", name="Use default").click()
        expect(page.locator("#page-size")).to_have_value("100")
        assert tenant.request("GET", "/_emulator/config") == {
            "page_size": 100,
            "invoice_grace_seconds": 86400,
        }

    def test_snapshot_without_state_file(
        self, page: Page, tenant: EmulatorHandle, console: Console
    ) -> None:
        console.allow("/_emulator/snapshot", 400)
        with pytest.raises(EmulatorError) as refused:
            tenant.request("POST", "/_emulator/snapshot")
        open_explorer(page, tenant)
        page.get_by_role("button", name="Write snapshot").click()
        expect(page.locator("#tenant-status")).to_have_text(
            f"POST /_emulator/snapshot: 400 {refused.value.message}"
        )

    def test_clock(self, page: Page, tenant: EmulatorHandle) -> None:
        tenant.request("POST", "/_emulator/clock", {"now": "2024-01-08T00:00:00Z"})
        open_explorer(page, tenant)
        expect(page.locator("#clock-now")).to_have_text("2024-01-08T00:00:00Z")
        expect(page.locator("#clock-mode")).to_have_text("frozen")
        page.locator("#clock-advance").fill("2")
        page.locator("#clock-unit").select_option(label="hours")
        page.get_by_role("button", name="Advance").click()
        expect(page.locator("#clock-now")).to_have_text("2024-01-08T02:00:00Z")
        assert tenant.request("GET", "/_emulator/clock") == {
            "now": "2024-01-08T02:00:00Z",
            "frozen": True,
        }
        page.locator("#clock-at").fill("2024-01-09T00:00:00Z")
        page.get_by_role("button", name="Freeze").click()
        expect(page.locator("#clock-now")).to_have_text("2024-01-09T00:00:00Z")
        assert tenant.request("GET", "/_emulator/clock")["now"] == "2024-01-09T00:00:00Z"
        page.get_by_role("button", name="Back to wall clock").click()
        expect(page.locator("#clock-mode")).to_have_text("wall clock")
        assert tenant.request("GET", "/_emulator/clock")["frozen"] is False


class TestThePage:
    """A token typed in is remembered; keyboard and labels; no errors; what it never fetches."""

    def test_token_typed_and_remembered(self, page: Page, tenant: EmulatorHandle) -> None:
        page.goto(f"{tenant.url}/_emulator/ui")
        expect(page.locator("#status")).to_contain_text("Type a bearer token")
        expect(page.locator("#token")).to_be_focused()
        expect(page.locator("#world")).to_be_hidden()
        page.locator("#token").fill(tenant.token)
        page.locator("#token").press("Enter")
        expect(page.locator("#customers-table .name")).to_have_count(8)
        page.goto(f"{tenant.url}/_emulator/ui")
        page.wait_for_selector("body[data-ready=true]")
        expect(page.locator("#token")).to_have_value(tenant.token)
        expect(page.locator("#status")).to_have_text(f"Tenant of token “{tenant.token}”.")

    def test_token_from_the_url_remembered(self, page: Page, tenant: EmulatorHandle) -> None:
        open_explorer(page, tenant)
        page.goto(f"{tenant.url}/_emulator/ui")
        page.wait_for_selector("body[data-ready=true]")
        expect(page.locator("#token")).to_have_value(tenant.token)

    def test_labelled_and_usable_from_the_keyboard(
        self, page: Page, tenant: EmulatorHandle
    ) -> None:
        open_explorer(page, tenant)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select')]
                .filter(c => !c.labels.length || !c.labels[0].textContent.trim())
                .map(c => c.id || c.outerHTML)
              .concat([...document.querySelectorAll('button')]
                .filter(b => !b.textContent.trim()).map(b => b.outerHTML))"""
        )
        assert unlabelled == []
        page.locator("#usage-window").focus()
        page.keyboard.press("ArrowDown")
        expect(page.locator("#usage-window")).to_have_value("hour")
        page.locator("#usage-group").focus()
        page.keyboard.press("Tab")
        expect(page.locator("#usage-draw")).to_be_focused()
        usage = page.locator("#usage")
        page.keyboard.press("Enter")
        expect(usage).to_have_attribute("data-draws", "2")
        expect(page.locator("#usage-status")).to_contain_text(f"{7 * 7 * 24} rows in 12 pages")

    def test_no_console_errors_and_bounded_reads(
        self, page: Page, tenant: EmulatorHandle, console: Console
    ) -> None:
        """A tour of the page: no console error, no uncaught exception; it never asks for the
        whole state, reads events at most 100 at a time, and asks only midnight-aligned usage."""
        requests: list[Request] = []
        page.on("request", lambda request: requests.append(request))
        open_explorer(page, tenant)
        page.locator("#usage-window").select_option("hour")
        page.locator("#usage-group").select_option("endpoint")
        draw(page)
        page.locator("#events-customer").fill("nobody")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#events-status")).to_contain_text("No event here.")
        page.get_by_role("button", name="Newest").click()
        page.get_by_role("button", name="Older").click()
        expect(page.locator("#events-table tbody tr").first).to_have_attribute("data-seq", "19974")
        page.get_by_role("button", name="Queue fault").click()
        page.get_by_role("button", name="Clear faults").click()
        expect(page.locator("#faults-status")).to_have_text("Faults cleared.")
        page.get_by_role("button", name="Refresh").click()
        assert console.errors == []
        paths = [r.url.split(tenant.url, 1)[1] for r in requests]
        assert not any(p.startswith("/_emulator/state") for p in paths)
        for request in requests:
            if "/_emulator/events" in request.url:
                limit = request.url.split("limit=", 1)[1].split("&")[0]
                assert 1 <= int(limit) <= 100
            if request.url.endswith("/v1/usage") or "/v1/usage?" in request.url:
                body = json.loads(request.post_data or "{}")
                for bound in (body["starting_on"], body["ending_before"]):
                    assert bound.endswith("T00:00:00Z")

    def test_panels_show_while_an_answer_is_slow(self, page: Page, tenant: EmulatorHandle) -> None:
        """The first render shows its panels at once when all are drawn; an answer held back (a
        queued delay fault) does not keep the page empty past about a second."""
        tenant.inject_fault("/v1/usage", delay_ms=4000, count=1)
        page.goto(f"{tenant.url}/_emulator/ui?token={tenant.token}")
        expect(page.locator("#world")).to_be_visible(timeout=2500)
        assert page.locator("body").get_attribute("data-ready") is None  # still waiting
        assert page.locator(".deferred").count() == 0  # every panel drawn and reachable
        expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=15_000)
        marks = page.evaluate("performance.getEntriesByType('mark').map(m => m.name)")
        assert sorted(marks) == ["explorer-chart", "explorer-first-render"]

    @pytest.mark.parametrize(("height", "skipped"), [(900, PANELS_BELOW), (2400, [])])
    def test_panels_below_the_window_wait_for_the_first_render(
        self, page: Page, tenant: EmulatorHandle, height: int, skipped: list[str]
    ) -> None:
        """At the first render the panels below the window are skipped (content-visibility:
        hidden), those in it are drawn, and no frame paints one in the window skipped; after
        it, every panel is content-visibility: auto."""
        page.set_viewport_size({"width": 1280, "height": height})
        page.add_init_script(WATCH_PANELS)
        open_explorer(page, tenant)
        at_first_render = page.evaluate("window.contentVisibilityAtFirstRender")
        assert [panel for panel, value in at_first_render.items() if value == "hidden"] == skipped
        assert page.evaluate("window.blankInWindow") == []  # no frame shows one skipped
        after = page.evaluate(
            f"{PANELS!r}.map(id => getComputedStyle(document.getElementById(id)).contentVisibility)"
        )
        assert after == ["auto"] * len(PANELS)
        assert page.locator(".deferred").count() == 0
        page.locator("#journal").scroll_into_view_if_needed()
        expect(page.locator("#journal tbody tr").first).to_be_visible()

    def test_first_render_is_timed(
        self, page: Page, tenant: EmulatorHandle, record_property: Any
    ) -> None:
        """The page times its first render (navigation start to everything drawn) with
        `performance`. The target on the seeded default is under 300 ms (README: "The
        explorer"); on a shared test machine only a gross regression fails, so the bound here is
        loose and the best of three loads counts."""
        timings = []
        for _ in range(3):
            open_explorer(page, tenant)
            marks = page.evaluate(
                "performance.getEntriesByName('explorer-first-render').map(m => m.startTime)"
            )
            assert len(marks) == 1
            assert float(page.locator("body").get_attribute("data-first-render-ms") or 0) == (
                pytest.approx(marks[0], abs=0.06)
            )
            timings.append(marks[0])
        record_property("explorer_first_render_ms", sorted(timings))
        assert min(timings) < 2_000
