// The official Node SDK (@metronome/sdk) reads an invoice the emulator computed: a metric, a
// product, a rate card with a FLAT rate, a contract and events, built through the SDK with the
// tenant's clock moved by the control API; prints what came back as JSON for the Python test.
// Usage: node invoice.mjs BASE_URL   (after npm ci in this directory)
import Metronome from "@metronome/sdk";

const base = process.argv[2];
const token = "node invoice";
const client = new Metronome({ baseURL: base, bearerToken: token, maxRetries: 0 });
const clock = async (now) => {
  const response = await fetch(`${base}/_emulator/clock`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ now }),
  });
  if (!response.ok) throw new Error(await response.text());
};

await clock("2024-01-20T00:00:00Z");
const customer = (await client.v1.customers.create({ name: "Node Invoice Co" })).data;
const metric = (
  await client.v1.billableMetrics.create({
    name: "calls",
    aggregation_type: "COUNT",
    event_type_filter: { in_values: ["call"] },
  })
).data;
const product = (
  await client.v1.contracts.products.create({ name: "Calls", type: "USAGE", billable_metric_id: metric.id })
).data;
const card = (await client.v1.contracts.rateCards.create({ name: "Node card" })).data;
await client.v1.contracts.rateCards.rates.add({
  rate_card_id: card.id,
  product_id: product.id,
  starting_at: "2024-01-01T00:00:00Z",
  entitled: true,
  rate_type: "FLAT",
  price: 2.5,
});
await client.v1.contracts.create({
  customer_id: customer.id,
  rate_card_id: card.id,
  starting_at: "2024-01-01T00:00:00Z",
});
await client.v1.usage.ingest({
  usage: [1, 2, 3, 4].map((n) => ({
    transaction_id: `call-${n}`,
    customer_id: customer.id,
    event_type: "call",
    timestamp: `2024-01-1${n}T00:00:00Z`,
  })),
});
await clock("2024-02-03T00:00:00Z");
const invoices = [];
for await (const invoice of client.v1.customers.invoices.list({ customer_id: customer.id })) {
  invoices.push(invoice);
}
const one = (
  await client.v1.customers.invoices.retrieve({ customer_id: customer.id, invoice_id: invoices[0].id })
).data;
console.log(
  JSON.stringify({
    invoices: invoices.map((i) => ({ status: i.status, start: i.start_timestamp, total: i.total })),
    retrieved: {
      id: one.id === invoices[0].id,
      status: one.status,
      lines: one.line_items.map((l) => [l.name, l.quantity, l.unit_price, l.total]),
      total: one.total,
    },
  }),
);
