// Smoke test of the official Node SDK (@metronome/sdk) against the emulator: build a small world,
// read it back with auto-pagination, print what came back as JSON for the Python test to check.
// Usage: node smoke.mjs BASE_URL   (after npm ci in this directory)
import Metronome from "@metronome/sdk";

const client = new Metronome({ baseURL: process.argv[2], bearerToken: "node smoke", maxRetries: 0 });

const customer = (await client.v1.customers.create({ name: "Node Co", ingest_aliases: ["node-co"] })).data;
const metric = (
  await client.v1.billableMetrics.create({
    name: "Node tokens",
    aggregation_type: "SUM",
    aggregation_key: "tokens",
    event_type_filter: { in_values: ["completion"] },
    property_filters: [{ name: "tokens", exists: true }, { name: "model", in_values: ["a", "b"] }],
    group_keys: [["model"]],
  })
).data;
const event = (id, sender, hour, tokens, model) => ({
  transaction_id: id,
  customer_id: sender,
  event_type: "completion",
  timestamp: `2022-03-0${hour < 24 ? 1 : 2}T${String(hour % 24).padStart(2, "0")}:00:00Z`,
  properties: { tokens, model },
});
await client.v1.usage.ingest({
  usage: [
    event("n-1", customer.id, 1, 10, "a"),
    event("n-2", "node-co", 5, "7", "b"),
    event("n-2", customer.id, 6, 1000, "a"), // duplicate of n-2: ignored
    event("n-3", "node-co", 23, 5, "a"),
    event("n-4", customer.id, 24, 2.5, "b"), // exactly at the second day's start
  ],
});

const usage = [];
for await (const row of client.v1.usage.list(
  {
    starting_on: "2022-03-01T00:00:00Z",
    ending_before: "2022-03-03T00:00:00Z",
    window_size: "DAY",
    customer_ids: [customer.id],
    billable_metrics: [{ id: metric.id, group_by: { key: "model" } }],
  },
  { headers: { "X-Emulator-Page-Size": "1" } },
)) {
  usage.push({ start: row.start_timestamp, value: row.value, groups: row.groups });
}
const groups = [];
for await (const row of client.v1.usage.listWithGroups({
  customer_id: customer.id,
  billable_metric_id: metric.id,
  window_size: "DAY",
  starting_on: "2022-03-01T00:00:00Z",
  ending_before: "2022-03-03T00:00:00Z",
  group_key: ["model"],
  limit: 1,
})) {
  groups.push({ start: row.starting_on, group: row.group, value: row.value });
}
const found = await client.v1.usage.search({ transactionIds: ["n-2"] });
const searched = found.map((e) => ({ customer: e.customer_id, duplicate: e.is_duplicate }));
let notFound = null;
try {
  await client.v1.customers.retrieve({ customer_id: "0f0f0f0f-0000-4000-8000-000000000000" });
} catch (error) {
  notFound = { status: error.status, message: error.error?.message };
}
console.log(JSON.stringify({ usage, groups, searched, notFound }));
