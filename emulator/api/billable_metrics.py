"""Billable metrics: create (with Metronome's rules), list, get, rename, archive. A metric counts
only the events ingested while it is active: from its creation to its archiving."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.api.listing import cursor_page, parse_uuid, query_flag
from emulator.metering import customers as changes
from emulator.metering.store import Store
from emulator.web.jsonio import json_response, read_model
from emulator.web.keys import TENANT
from emulator.wire.errors import BadRequest, NotFound
from emulator.wire.models import BillableMetricCreate, BillableMetricRecord, IdBody, MetricName

__all__ = [
    "archive_metric",
    "create_metric",
    "get_metric",
    "list_metrics",
    "metric_detail",
    "update_metric",
]


def metric_detail(metric: BillableMetricRecord) -> dict[str, Any]:
    return metric.model_dump(mode="json")


def _metric(store: Store, text: str, where: str) -> BillableMetricRecord:
    metric_id = parse_uuid(text, where)
    metric = store.metrics.get(metric_id)
    if metric is None:
        raise NotFound(f"billable metric {metric_id} not found")
    return metric


def _checked(body: BillableMetricCreate, metric_id: str) -> BillableMetricRecord:
    """Metronome's rules for a new metric, beyond the shape of each field."""
    if body.sql is not None:
        raise BadRequest(
            "sql billable metrics are not supported by the emulator: define the metric with "
            "aggregation_type, aggregation_key, event_type_filter and property_filters"
        )
    if body.aggregation_type is None:
        raise BadRequest("aggregation_type is required")
    names = {f.name for f in body.property_filters}
    if body.aggregation_type != "COUNT":
        if body.aggregation_key is None:
            raise BadRequest(f"aggregation_key is required for {body.aggregation_type}")
        if body.aggregation_key not in names:
            raise BadRequest(
                f"aggregation_key {body.aggregation_key!r} must be the name of one of the "
                "property_filters"
            )
    grouping = {f.name for f in body.property_filters if f.exists is True or f.in_values}
    for i, key in enumerate(body.group_keys):
        for name in key:
            if name not in grouping:
                raise BadRequest(
                    f"group_keys[{i}]: {name!r} needs a property filter with exists: true or "
                    "in_values"
                )
    return BillableMetricRecord.model_validate(
        {**body.model_dump(exclude={"sql"}), "id": metric_id}
    )


async def create_metric(request: web.Request) -> web.Response:
    body = await read_model(request, BillableMetricCreate)
    tenant = request[TENANT]
    metric = _checked(body, tenant.store.new_id("billable metric"))
    tenant.writable().add_metric(metric)
    return json_response({"data": {"id": metric.id}})


async def list_metrics(request: web.Request) -> web.Response:
    store = request[TENANT].store
    include_archived = query_flag(request, "include_archived")
    items = [
        (seq, metric)
        for seq, metric in enumerate(store.metrics.values())
        if include_archived or metric.archived_at is None
    ]
    return json_response(cursor_page(request, items, metric_detail, [include_archived]))


async def get_metric(request: web.Request) -> web.Response:
    store = request[TENANT].store
    metric = _metric(store, request.match_info["billable_metric_id"], "billable_metric_id")
    return json_response({"data": metric_detail(metric)})


async def archive_metric(request: web.Request) -> web.Response:
    body = await read_model(request, IdBody)
    tenant = request[TENANT]
    _metric(tenant.store, body.id, "id")
    tenant.writable().archive_metric(body.id, tenant.clock.now())
    return json_response({"data": {"id": body.id}})


async def update_metric(request: web.Request) -> web.Response:
    """Only the name changes (SDK 4.11.1 and later)."""
    tenant = request[TENANT]
    metric_id = parse_uuid(request.match_info["billable_metric_id"], "billable_metric_id")
    body = await read_model(request, MetricName)
    metric = changes.named_metric(tenant.store, metric_id, body.name)
    tenant.writable().replace_metric(metric)
    return json_response({"data": {"id": metric.id}})
