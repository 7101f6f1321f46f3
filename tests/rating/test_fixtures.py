"""The fixture document's `products`, `rate_cards` and `contracts` round-trip byte for byte, and
a loaded catalog prices as the one it was exported from."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from emulator.rating import Catalog, Rater, Usage
from emulator.rating.catalog import parse
from emulator.rating.fixtures import export_fields, load_fields
from emulator.rating.records import RateCardCreate
from emulator.wire.errors import BadRequest
from tests.rating.documents import build, documents
from tests.rating.world import World


def dumps(fields: dict[str, Any]) -> bytes:
    return orjson.dumps(fields)


class TestRoundTrip:
    """export -> JSON -> load -> export gives the same bytes."""

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(document=documents())
    def test_random_documents(self, document: dict[str, Any]) -> None:
        store, catalog, _ = build(document)
        first = dumps(export_fields(catalog))
        again = load_fields(orjson.loads(first), store)
        assert dumps(export_fields(again)) == first

    def test_api_made_catalog(self, world: tuple[World, str]) -> None:
        w, acme = world
        first = dumps(export_fields(w.catalog))
        loaded = load_fields(orjson.loads(first), w.store)
        assert dumps(export_fields(loaded)) == first
        assert b'"added_at":"2024-01-15T00:00:00Z"' in first
        before = [i.to_wire() for i in Rater(w.catalog, Usage(w.store), w.now).invoices(acme)]
        after = [i.to_wire() for i in Rater(loaded, Usage(w.store), w.now).invoices(acme)]
        assert before == after

    def test_absent_fields_are_empty(self) -> None:
        w = World("2024-01-01T00:00:00Z")
        assert export_fields(load_fields({}, w.store)) == {
            "products": [],
            "rate_cards": [],
            "contracts": [],
        }


class TestLoadErrors:
    """A bad document is a 400 naming the field."""

    def test_unknown_metric(self) -> None:
        w = World("2024-01-01T00:00:00Z")
        product = {
            "id": "00000000-0000-4000-8000-000000000001",
            "name": "X",
            "type": "USAGE",
            "billable_metric_id": "00000000-0000-4000-8000-000000000002",
            "created_at": "2024-01-01T00:00:00Z",
        }
        with pytest.raises(BadRequest, match=r"^products\[0\]\.billable_metric_id"):
            load_fields({"products": [product]}, w.store)

    def test_bad_field(self) -> None:
        w = World("2024-01-01T00:00:00Z")
        with pytest.raises(BadRequest, match=r"^products\[0\]\.name"):
            load_fields({"products": [{"id": "00000000-0000-4000-8000-000000000001"}]}, w.store)


class TestLayerExport:
    """A tenant's layer exports only what it wrote, and loads back over the same base."""

    def test_layer_round_trip(self, world: tuple[World, str]) -> None:
        w, _ = world
        base = w.catalog
        layer = Catalog(base)
        card = next(iter(base.rate_cards))
        product = next(iter(base.products))
        layer.archive_product(product, w.now)
        new_card = layer.create_rate_card(parse(RateCardCreate, {"name": "Other"}), w.now)
        own = export_fields(layer, layer_only=True)
        assert [p["id"] for p in own["products"]] == [product]
        assert [c["id"] for c in own["rate_cards"]] == [new_card.id]
        assert own["contracts"] == []
        again = load_fields(orjson.loads(dumps(own)), w.store, base)
        assert dumps(export_fields(again)) == dumps(export_fields(layer))
        assert base.products[product].archived_at is None
        assert card in again.rates
