"""RATING.md section 5's rates and invoice table, as both the domain test (tests/rating/test_worked_example.py)
and the SDK test (tests/contract/test_sdk_rating.py) assert it: one copy of the expected cents."""

from __future__ import annotations

from typing import Any


def rates(tokens_product: str, images_product: str) -> list[dict[str, Any]]:
    """The Standard card's rates from 2024-01-01: Tokens FLAT 0.2, Images graduated TIERED."""
    start = "2024-01-01T00:00:00Z"
    return [
        {
            "product_id": tokens_product,
            "starting_at": start,
            "entitled": True,
            "rate_type": "FLAT",
            "price": 0.2,
        },
        {
            "product_id": images_product,
            "starting_at": start,
            "entitled": True,
            "rate_type": "TIERED",
            "tiers": [{"price": 10, "size": 100}, {"price": 5, "size": 400}, {"price": 2}],
        },
    ]


PERIODS = [
    ("2024-01-15T00:00:00Z", "2024-02-01T00:00:00Z", "FINALIZED"),
    ("2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "FINALIZED"),
    ("2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z", "DRAFT"),
]
# Per invoice: (name, tier starting_at, tier size, quantity, unit_price, total) per line.
LINES = [
    [("Tokens", None, None, 2000, 0.2, 400), ("Images", "0", "100", 80, 10, 800)],
    [
        ("Tokens", None, None, 3200, 0.2, 640),
        ("Images", "0", "100", 100, 10, 1000),
        ("Images", "100", "400", 400, 5, 2000),
        ("Images", "500", None, 100, 2, 200),
    ],
    [("Tokens", None, None, 1000, 0.2, 200), ("Images", "0", "100", 30, 10, 300)],
]
TOTALS = [(1200, 1200), (3840, 3840), (500, 500)]


def lines(invoice: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            line["name"],
            (line.get("tier") or {}).get("starting_at"),
            (line.get("tier") or {}).get("size"),
            line["quantity"],
            line["unit_price"],
            line["total"],
        )
        for line in invoice["line_items"]
    ]


def assert_table(invoices: list[dict[str, Any]]) -> None:
    """The invoices at 2024-03-05T00:00Z, date_asc, are RATING.md's table."""
    assert [(i["start_timestamp"], i["end_timestamp"], i["status"]) for i in invoices] == PERIODS
    assert [lines(invoice) for invoice in invoices] == LINES
    assert [(i["subtotal"], i["total"]) for i in invoices] == TOTALS
