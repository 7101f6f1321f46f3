"""Rating: quantities -> money. Products, rate cards and rates, contracts, and the usage invoices,
breakdowns and costs computed from them; never imports aiohttp (the handlers are thin and live in
`emulator/api/`). The rules R1..R11 are `RATING.md`'s; each module names those it implements.

    records.py   the records and create bodies (pydantic), the refusals of step A's gaps
    catalog.py   `Catalog`: a tenant's records, layered on the shared base like the store
    periods.py   R2 billing periods
    rates.py     R3 rates in force, segments
    pricing.py   R4 quantity (conversion, rounding), R5 FLAT, R6 graduated TIERED, all Decimal
    usage.py     R4 metric values from the store's rollups; a preview's unstored events
    invoices.py  R7..R10 invoices, finalization, breakdowns, costs, preview
    fixtures.py  the fixture document's `products`, `rate_cards` and `contracts`, both ways
    shapes.py    records in the SDK's response shapes; getRates (R3 at an instant)

Nothing about an invoice is stored: every read recomputes it from the records and the rollups.

The freeze data path (R9). A finalized invoice counts only the events processed by its
`freeze_at = max(period end + grace, contract created_at)`, whatever is ingested later and
whatever the order of reads. Reading one must cost what reading the same usage costs, so:

    event ingested through the API at processing time p, timestamp in hour h
        p <= end of h  ->  on time: every freeze counts it (a freeze is never before the end of
                           the period holding h), it goes into the hour and day cells only
        p >  end of h  ->  late: into the cells too, and into the rollup's late list for h
                           (p, value, ts, seq); the first late event of h also keeps a copy of
                           h's cell as it was ("punctual"), which later on-time events keep up
    read as of freeze_at (Rollup.cells_as_of)
        a day with no late event processed after freeze_at   -> its day cell, as a live read
        an hour with no late event processed after freeze_at  -> its hour cell
        otherwise                                             -> punctual cell + the late events
                                                                 of that hour processed by then

So the common case (nothing arrived after the freeze) reads exactly the cells a live read reads,
and a late event costs work only in the hours it touched, never a scan of the event log. Seed and
fixture events are never late (R9: they always count). Rates carry `added_at` (the clock when
added through the API) and a frozen invoice prices with the rates added by its freeze.
Breakdowns and costs are always live.
"""

from emulator.rating.catalog import Catalog
from emulator.rating.invoices import DEFAULT_GRACE, Invoice, Line, Rater
from emulator.rating.usage import Usage

__all__ = ["DEFAULT_GRACE", "Catalog", "Invoice", "Line", "Rater", "Usage"]
