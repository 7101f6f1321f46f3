"""Every limit on what one request may send, and on what the emulator keeps per tenant.

The emulator is shared (one sidecar, many CI jobs), so nothing a client sends may make it hold
memory without bound. Body limits count the body as the handler sees it: after gzip inflation,
which is done as a stream and stops as soon as the limit is passed. The README's "Limits" section
lists the same numbers.
"""

from __future__ import annotations

__all__ = [
    "ANSWER_BYTES",
    "API_BODY",
    "CONTROL_BODY",
    "CUSTOM_FIELD_CHARS",
    "EVENTS_SCAN",
    "EXPLORER_EVENTS",
    "FAULT_COUNT",
    "FAULT_DELAY_MS",
    "FAULT_RETRY_AFTER",
    "GROUP_VALUES",
    "IDEMPOTENCY_BYTES",
    "IDEMPOTENCY_KEYS",
    "INGEST_BATCH",
    "INGEST_BODY",
    "JOURNAL_BYTES",
    "JOURNAL_ENTRY_BODY",
    "LIST_LIMIT",
    "MAX_BODY",
    "MAX_PAGE_NUMBERS",
    "MAX_PAGE_SIZE",
    "MAX_WINDOWS",
    "NAME_CHARS",
    "PROPERTY_DEPTH",
    "PROPERTY_VALUE_BYTES",
    "RECORD_BYTES",
    "RESET_CUSTOMERS",
    "RESET_DAYS",
    "RESET_EVENTS",
    "SEARCH_IDS",
    "STATE_BODY",
    "STORED_RECORD_BYTES",
    "TRANSACTION_ID_CHARS",
    "USAGE_BODY",
    "KiB",
    "MiB",
]

KiB = 1024
MiB = 1024 * KiB

# POST /v1/ingest: 100 events (the batch cap), about 10 KiB each at most; real batches are a few
# hundred bytes per event.
INGEST_BODY = 1 * MiB
# POST /v1/usage and /v1/usage/groups: a query; one naming 10,000 customer ids is about 400 KiB.
USAGE_BODY = 1 * MiB
# Every other body under /v1/ (customers, billable metrics, event search).
API_BODY = 1 * MiB
# POST /_emulator/state: a fixture document, about 255 bytes per event, so about 250,000 events.
# Its JSON parse is the one step of a load that holds the event loop in one piece (about 0.3 s at
# this size); a larger world loads at start with --fixtures, or from the seed with a reset.
STATE_BODY = 64 * MiB
# Every other control call (/_emulator/reset options, config, faults).
CONTROL_BODY = 1 * MiB
# aiohttp's client_max_size: the largest of the limits above, so no route can read more. Each
# route's own is its row's `limit` in the route table (`emulator/routes.py`).
MAX_BODY = max(INGEST_BODY, USAGE_BODY, API_BODY, STATE_BODY, CONTROL_BODY)

# A journal entry keeps at most this much of its request's body; the rest is cut and the entry
# says so (`body_truncated`, `body_size`).
JOURNAL_ENTRY_BODY = 64 * KiB
# The journal of one tenant holds at most this many bytes (besides --journal-size entries); the
# oldest entries are dropped past it.
JOURNAL_BYTES = 1 * MiB

# Idempotency keys remembered per tenant: the newest this many...
IDEMPOTENCY_KEYS = 10_000
# ...and answers of at most this many bytes in all, the oldest dropped first. An answer larger
# than this on its own is not remembered.
IDEMPOTENCY_BYTES = 4 * MiB


# POST /v1/ingest: events in one request (Metronome's batch cap)...
INGEST_BATCH = 100
# ...and the characters of a transaction id.
TRANSACTION_ID_CHARS = 128
# POST /v1/events/search: transaction ids in one search.
SEARCH_IDS = 100
# Group values: in one group_by's `values`, listed per row when none are given, and in all of a
# /v1/usage/groups query's group_filters.
GROUP_VALUES = 200
# `limit` of the lists paged in the query string (customers, billable metrics, usage groups).
LIST_LIMIT = 100
# The page size of /v1/usage (X-Emulator-Page-Size, --page-size, PATCH /_emulator/config).
MAX_PAGE_SIZE = 100_000
# GET /_emulator/events (the explorer's event list): events in one answer, and events one filtered
# request looks at, at most (about 0.2 s of reading, some 4 µs an event).
EXPLORER_EVENTS = 100
EVENTS_SCAN = 50_000
# POST /_emulator/faults: requests one fault may hit, its delay, and its Retry-After (seconds).
FAULT_COUNT = 1_000_000
FAULT_DELAY_MS = 60_000
FAULT_RETRY_AFTER = 3600

# POST /v1/usage and /v1/usage/groups: windows in one query (hour windows over 416 days, day
# windows over 27 years)...
MAX_WINDOWS = 10_000
# ...and numbers in one page of /v1/usage, rows x (1 + group values): about 3 s of work and 40 MB
# of JSON on a 2-core machine, computed and written in slices that give the event loop back.
MAX_PAGE_NUMBERS = 1_000_000

# --- Sizes at the door: everything accepted is aggregated, exported, written to the state file and
# read back unchanged, and no answer built from it is unbounded. Metronome publishes none of these
# but transaction_id's 128 characters and a property value's 256 bytes; the rest are choices, stated
# in docs/CONTRACT.md ("Limits").

# A name or key: customer and metric names, ingest aliases, customer_id and event_type of an event,
# property names, aggregation and group keys, filter values, custom field keys, searched ids.
NAME_CHARS = 256
# One event property value as its string form in UTF-8 (what filters, UNIQUE and group values
# compare: strings as they are, numbers as written, objects and arrays as compact JSON): Metronome's
# own limit, "a 256-byte limit per property value" (dust-tt/dust PR 23833). 20 events with 100 KB
# group values made a 344 MB answer before it.
PROPERTY_VALUE_BYTES = 256
# A custom field's value (customers and billable metrics).
CUSTOM_FIELD_CHARS = 1024
# Objects and arrays nested in one property value. The state file holds a property 6 levels down,
# and its JSON parser (pydantic's) stops at 200 levels: 195 deep was accepted and could not be read
# back. 32 leaves room and covers any real payload.
PROPERTY_DEPTH = 32
# One customer or billable metric as JSON (aliases, custom fields and filters included): a list
# page of 100 of them stays under 7 MB.
RECORD_BYTES = 64 * KiB
# ...and as a document holds it (a fixture, an export, the state file): what the API can grow a
# created one to, its ids and timestamps added and its aliases replaced by 100 of 256 characters,
# with room to spare. Anything the API accepted must load again.
STORED_RECORD_BYTES = 2 * RECORD_BYTES

# The most bytes of one JSON answer built whole (a /v1/usage page, an event search, a listing);
# past it the request is a 400 that says so, before anything is sent. GET /_emulator/state is
# written out as it is read, never whole, and has no such ceiling. While the heaviest accepted
# answer is built and sent the process grows by about twice this (the rows as pieces, sent as they
# are and never joined, which the response cache may keep; the transport's and allocator's
# buffers). Measured by bench/soak.py --only hostile on a 63.4 MiB page: +63.4 MiB at peak
# (+126 MiB while the pieces were joined), health at worst 24 ms.
ANSWER_BYTES = 64 * MiB

# POST /_emulator/reset with scenario options, built in a worker thread: a million events take
# about 400 MB and 10 s, a thousand customers about 2 s (Faker's names); each such tenant holds
# its own.
RESET_EVENTS = 1_000_000
RESET_CUSTOMERS = 1_000
RESET_DAYS = 3660
