// The explorer: one tenant's world, read through the emulator's own HTTP API with a bearer token.
// Plain JavaScript and inline SVG; no library. Everything from the API is written with
// textContent or attributes, never parsed as HTML.
"use strict";
(() => {
  const TOKEN_KEY = "metronome-emulator.explorer.token";
  const POLL_MS = 3000;
  const JOURNAL_SHOWN = 300; // newest journal entries drawn
  const LIST_CAP = 2000; // customers or metrics read at most (100 per request)
  const MAX_POINTS = 20000; // usage rows one chart may ask for
  const MAX_DOTS = 3000; // past this many numbers the chart draws lines only (the table has them)
  const SEARCH_REQUESTS = 20; // filtered event requests one search makes before asking to go on
  const REVEAL_MS = 1000; // the first render shows its panels at once, unless it takes longer than this
  const SEARCH_BESIDE_CHART = 100000; // up to this many stored events, the first search runs beside the chart
  const SPEND_DAYS = 92; // days one spend chart may ask breakdowns for
  const DAY_MS = 86400000;
  const COLORS = ["#2f5bd3", "#e8590c", "#0ca678", "#ae3ec9", "#f59f00", "#1098ad", "#e03131",
    "#5c940d", "#7048e8", "#c2255c"];
  const SVG = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);
  const state = {
    token: null,
    customers: [],
    metrics: [],
    events: { before: null, history: [], next: null },
    pollTimer: null,
    polling: false,
    firstRender: null,
  };

  // --- small helpers -----------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    for (const child of children.flat(Infinity)) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    for (const child of children.flat(Infinity)) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.setAttribute("class", value);
      else if (key === "dataset") {
        for (const [name, text] of Object.entries(value)) if (text !== undefined && text !== null) node.dataset[name] = text;
      }
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
  }

  // A number exactly as the API wrote it (JSON numbers print the same in JavaScript).
  function exact(value) {
    if (value === null || value === undefined) return "null";
    return typeof value === "number" ? String(value) : JSON.stringify(value);
  }

  function say(id, text, kind) {
    const node = $(id);
    node.textContent = text;
    node.className = "status" + (kind ? ` ${kind}` : "");
  }

  function failure(id, what, error) {
    say(id, `${what}: ${error.status ? error.status + " " : ""}${error.message}`, "error");
  }

  // Only the answer to the newest request of each kind is drawn: an older one that arrives late
  // (a poll overtaken by a button, a query overtaken by the next) is dropped.
  const issued = {};
  function ticket(kind) {
    issued[kind] = (issued[kind] || 0) + 1;
    const mine = issued[kind];
    return () => issued[kind] === mine;
  }

  function day(ms) { return new Date(ms).toISOString().slice(0, 10); }
  function dayMs(text) { return Date.parse(`${text}T00:00:00Z`); }

  // --- the API ------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const init = { method, headers: { Authorization: `Bearer ${state.token}` }, cache: "no-store" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      // A network failure, or a token the browser cannot send (fetch takes Latin-1 headers only).
      throw new ApiError(0, `the request failed: ${error.message}`);
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = text; }
    }
    if (!response.ok) {
      const message = data && typeof data.message === "string" ? data.message : response.statusText;
      throw new ApiError(response.status, message);
    }
    return data;
  }

  async function listAll(path, params) {
    const items = [];
    let next = null;
    do {
      const query = new URLSearchParams({ ...params, limit: "100" });
      if (next) query.set("next_page", next);
      const page = await api("GET", `${path}?${query}`);
      items.push(...page.data);
      next = page.next_page;
    } while (next && items.length < LIST_CAP);
    return { items, more: Boolean(next) };
  }

  // --- opening a tenant ---------------------------------------------------------------------

  async function openTenant(token) {
    state.token = token;
    $("token").value = token;
    say("status", "Loading…");
    const current = ticket("open");
    const world = $("world");
    // The first time, the panels stay hidden until all of them are drawn and then show at once:
    // a new tab lays the whole page out again for every answer that changes it, 10 to 40 ms each
    // on a slow machine. On a big store they show as they come (see refreshEvents), and after
    // REVEAL_MS whatever is drawn shows anyway (a slow answer, a queued delay fault).
    const late = setTimeout(() => revealAll(world), REVEAL_MS);
    let chartMarked = false;
    // The chart needs the catalog and the days of the data; the rest loads beside it (each part
    // reports its own errors). The side panels' requests wait until the chart's first ones are
    // answered: a browser opens six connections at a time, and the chart's requests should not
    // queue behind them.
    let sides;
    const sidesStarted = new Promise((resolve) => { sides = resolve; });
    const chart = (async () => {
      try {
        const [catalog, range] = await Promise.all([fetchCatalog(), dataRange()]);
        if (!current()) return;
        applyCatalog(catalog);
        fillUsageForm(range);
        fillSpendRange(range);
        const drawing = drawUsage(); // its request leaves now; the rest is built meanwhile
        sides();
        renderCatalogTables(catalog);
        await drawing;
        if (!world.hidden) {
          await markPainted("explorer-chart");
          chartMarked = true;
        }
      } finally {
        sides();
      }
    })();
    const charted = chart.catch(() => null);
    const bigStore = () => {
      revealAll(world);
      return charted;
    };
    const rest = Promise.all([
      refreshEvents(true, null, bigStore),
      sidesStarted.then(() => Promise.all([refreshJournal(), refreshFaults(), refreshConfig(),
        refreshClock()])),
    ]);
    try {
      await chart;
      if (current()) say("status", `Tenant of token “${token}”.`);
    } catch (error) {
      if (current()) failure("status", "Could not open this tenant", error);
    }
    await rest;
    clearTimeout(late);
    if (!current()) return;
    reveal(world);
    if (!chartMarked) await markPainted("explorer-chart");
    if (state.firstRender === null) {
      state.firstRender = (await markPainted("explorer-first-render")).startTime;
      document.body.dataset.firstRenderMs = state.firstRender.toFixed(1);
      $("timing").textContent = `First render ${state.firstRender.toFixed(0)} ms after navigation start.`;
    }
    undefer();
    // A token from the URL is remembered once its tenant is drawn: in a fresh profile the first
    // write to localStorage can hold the page, and the first render need not wait for it. (A
    // typed one is remembered as it is typed.)
    localStorage.setItem(TOKEN_KEY, token);
    // The spend panel is read after the first render, which it never delays: it starts below
    // the window, and its answers (a year of invoices, a month of breakdowns) are the page's
    // heaviest.
    await Promise.all([drawSpend(), refreshJournal()]); // the journal again, with the page's own calls
    document.body.dataset.ready = "true";
    schedulePoll();
  }

  // Shows the panels. The first time, the panels marked `deferred` (content-visibility: hidden)
  // that start below the window are skipped at that layout, which is then about 50 ms shorter on
  // a slow machine than with content-visibility: auto alone, which does not skip all of their
  // work at the first layout. Those in the window are drawn at once; an IntersectionObserver
  // draws any that come into it later, and `undefer` draws the rest after the first render (or
  // at the first scroll), after which content-visibility: auto draws them as they scroll near.
  let inWindow = null;
  function reveal(world) {
    if (!world.hidden) return;
    world.hidden = false;
    inWindow = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) entry.target.classList.remove("deferred");
      }
    });
    const deferred = [...document.querySelectorAll(".deferred")];
    const tops = deferred.map((panel) => panel.getBoundingClientRect().top); // one layout
    deferred.forEach((panel, i) => {
      if (tops[i] < window.innerHeight) panel.classList.remove("deferred");
      else inWindow.observe(panel);
    });
    window.addEventListener("scroll", undefer, { once: true, passive: true });
  }

  // Shows every panel at once, none deferred: a first render slower than REVEAL_MS (no layout
  // worth saving), or a big store whose panels show as they come. Each is reachable as it shows.
  function revealAll(world) {
    world.hidden = false;
    undefer();
  }

  function undefer() {
    if (inWindow) inWindow.disconnect();
    for (const panel of document.querySelectorAll(".deferred")) panel.classList.remove("deferred");
  }

  // A performance mark once what the page holds now is on screen: a callback of the next
  // animation frame runs before that frame is laid out and painted, a task it queues after.
  function markPainted(name) {
    return new Promise((resolve) => {
      requestAnimationFrame(() => setTimeout(() => resolve(performance.mark(name)), 0));
    });
  }

  async function loadCatalog() {
    const current = ticket("catalog");
    const catalog = await fetchCatalog();
    if (!current()) return;
    applyCatalog(catalog);
    renderCatalogTables(catalog);
  }

  async function fetchCatalog() {
    const [active, archived, metrics] = await Promise.all([
      listAll("/v1/customers", {}),
      listAll("/v1/customers", { only_archived: "true" }),
      listAll("/v1/billable-metrics", { include_archived: "true" }),
    ]);
    return {
      customers: [...active.items, ...archived.items],
      moreCustomers: active.more || archived.more,
      metrics: metrics.items,
      moreMetrics: metrics.more,
    };
  }

  // The catalog into the state and the usage form's pickers.
  function applyCatalog(catalog) {
    state.customers = catalog.customers;
    state.metrics = catalog.metrics;
    renderCustomerChecklist();
    renderMetricPicker();
    renderSpendPicker();
  }

  function renderCatalogTables(catalog) {
    renderCustomers(catalog.moreCustomers);
    renderMetrics(catalog.moreMetrics);
  }

  // The UTC days of the stored events, from the oldest and the newest in ingest order.
  async function dataRange() {
    const [newest, oldest] = await Promise.all([
      api("GET", "/_emulator/events?limit=1"),
      api("GET", "/_emulator/events?limit=1&before=1"),
    ]);
    if (!newest.data.length || !oldest.data.length) return null;
    const a = dayMs(newest.data[0].timestamp.slice(0, 10));
    const b = dayMs(oldest.data[0].timestamp.slice(0, 10));
    const last = Math.max(a, b);
    const first = Math.min(a, b);
    // A long span (events ingested today next to seeded ones): the last week of it.
    return { first: last - first > 62 * DAY_MS ? last - 6 * DAY_MS : first, last };
  }

  // --- customers and metrics ----------------------------------------------------------------

  function renderCustomers(more) {
    const body = $("customers-table").tBodies[0];
    body.replaceChildren(...state.customers.map((c) => el("tr",
      { class: c.archived_at ? "archived" : null, dataset: { id: c.id } },
      el("td", {}, el("span", { class: "name" }, c.name), el("br"), senderButton(c.id, "id")),
      el("td", { class: "aliases" }, c.ingest_aliases.map((alias) => [senderButton(alias), " "])),
      el("td", { class: "archived" }, c.archived_at ? ["yes", el("span", { class: "sub" }, c.archived_at)] : "no"),
    )));
    const archived = state.customers.filter((c) => c.archived_at).length;
    $("customers-count").textContent =
      `${state.customers.length}${more ? "+" : ""}, ${archived} archived · ids and aliases show their events`;
  }

  function senderButton(text, kind) {
    return el("button", {
      type: "button", class: kind ? `link ${kind}` : "link", title: `Show the events sent as ${text}`,
      onclick: () => {
        $("events-customer").value = text;
        $("events-txn").value = "";
        refreshEvents(true);
        $("events").scrollIntoView({ block: "start" });
      },
    }, text);
  }

  function describeFilters(m) {
    const parts = [];
    const etf = m.event_type_filter || {};
    if (etf.in_values) parts.push(`event_type in [${etf.in_values.join(", ")}]`);
    if (etf.not_in_values) parts.push(`event_type not in [${etf.not_in_values.join(", ")}]`);
    for (const f of m.property_filters || []) {
      if (f.exists === true) parts.push(`${f.name} exists`);
      if (f.exists === false) parts.push(`${f.name} absent`);
      if (f.in_values) parts.push(`${f.name} in [${f.in_values.join(", ")}]`);
      if (f.not_in_values) parts.push(`${f.name} not in [${f.not_in_values.join(", ")}]`);
    }
    return parts;
  }

  function renderMetrics(more) {
    const body = $("metrics-table").tBodies[0];
    body.replaceChildren(...state.metrics.map((m) => el("tr",
      { class: m.archived_at ? "archived" : null, dataset: { id: m.id } },
      el("td", {}, el("span", { class: "name" }, m.name), el("span", { class: "sub mono id" }, m.id)),
      el("td", {}, m.aggregation_key ? `${m.aggregation_type} of ${m.aggregation_key}` : m.aggregation_type),
      el("td", {}, describeFilters(m).map((text, i) => [i ? el("br") : null, text])),
      el("td", {}, (m.group_keys || []).map((key) => key.join(" + ")).join("; ")),
      el("td", { class: "archived" }, m.archived_at ? ["yes", el("span", { class: "sub" }, m.archived_at)] : "no"),
    )));
    const archived = state.metrics.filter((m) => m.archived_at).length;
    $("metrics-count").textContent = `${state.metrics.length}${more ? "+" : ""}, ${archived} archived`;
  }

  function renderMetricPicker() {
    const select = $("usage-metric");
    const chosen = select.value;
    select.replaceChildren(...state.metrics.map((m) => el("option", { value: m.id },
      m.archived_at ? `${m.name} (archived)` : m.name)));
    if (state.metrics.some((m) => m.id === chosen)) select.value = chosen;
    fillGroupKeys();
  }

  function fillGroupKeys() {
    const metric = state.metrics.find((m) => m.id === $("usage-metric").value);
    const names = new Set();
    for (const key of (metric && metric.group_keys) || []) for (const name of key) names.add(name);
    const select = $("usage-group");
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, "none"),
      ...[...names].sort().map((name) => el("option", { value: name }, name)));
    select.value = names.has(chosen) ? chosen : "";
  }

  function renderCustomerChecklist() {
    const box = $("usage-customers");
    const checked = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
    box.replaceChildren(...state.customers.map((c, i) => el("div", {},
      el("input", { type: "checkbox", id: `usage-customer-${i}`, value: c.id,
        checked: checked.has(c.id) }),
      " ",
      el("label", { for: `usage-customer-${i}` }, c.archived_at ? `${c.name} (archived)` : c.name),
    )));
  }

  // --- usage --------------------------------------------------------------------------------

  function fillUsageForm(range) {
    const boxes = [...$("usage-customers").querySelectorAll("input")];
    if (!boxes.some((b) => b.checked)) {
      const active = new Set(state.customers.filter((c) => !c.archived_at).slice(0, 8).map((c) => c.id));
      for (const box of boxes) box.checked = active.has(box.value);
    }
    const metric = $("usage-metric");
    if (!metric.value || !state.metrics.some((m) => m.id === metric.value && !m.archived_at)) {
      const first = state.metrics.find((m) => !m.archived_at) || state.metrics[0];
      if (first) metric.value = first.id;
    }
    fillGroupKeys();
    const first = range ? range.first : dayMs("2024-01-01");
    const last = range ? range.last : dayMs("2024-01-07");
    $("usage-from").value = day(first);
    $("usage-to").value = day(last);
  }

  function usageQuery() {
    const customerIds = [...$("usage-customers").querySelectorAll("input:checked")].map((b) => b.value);
    const metricId = $("usage-metric").value;
    const windowSize = $("usage-window").value;
    const from = dayMs($("usage-from").value);
    const to = dayMs($("usage-to").value);
    if (!customerIds.length) throw new Error("pick at least one customer");
    if (!metricId) throw new Error("pick a billable metric");
    if (Number.isNaN(from) || Number.isNaN(to)) throw new Error("pick the first and the last day");
    if (to < from) throw new Error("the last day is before the first day");
    const windows = ((to - from) / DAY_MS + 1) * (windowSize === "hour" ? 24 : 1);
    if (windows * customerIds.length > MAX_POINTS) {
      throw new Error(`${windows * customerIds.length} rows is too many to draw (at most ${MAX_POINTS}): ` +
        "pick fewer days or customers, or day windows");
    }
    const metric = { id: metricId };
    const groupKey = $("usage-group").value;
    if (groupKey) metric.group_by = { key: groupKey };
    // Bounds are UTC midnights for every window size, as Metronome requires.
    return {
      starting_on: `${day(from)}T00:00:00Z`,
      ending_before: `${day(to + DAY_MS)}T00:00:00Z`,
      window_size: windowSize,
      customer_ids: customerIds,
      billable_metrics: [metric],
    };
  }

  async function drawUsage() {
    const current = ticket("usage");
    let query;
    try {
      query = usageQuery();
    } catch (error) {
      say("usage-status", error.message, "error");
      return;
    }
    say("usage-status", "Asking POST /v1/usage…");
    const started = performance.now();
    const rows = [];
    let pages = 0;
    let next = null;
    try {
      do {
        const path = next ? `/v1/usage?next_page=${encodeURIComponent(next)}` : "/v1/usage";
        const page = await api("POST", path, query);
        if (!current()) return;
        rows.push(...page.data);
        pages += 1;
        next = page.next_page;
        if (next) say("usage-status", `Asking POST /v1/usage… ${rows.length} rows in ${pages} pages so far`);
      } while (next);
    } catch (error) {
      if (current()) failure("usage-status", "POST /v1/usage", error);
      return;
    }
    const ms = performance.now() - started;
    renderUsage(query, rows);
    say("usage-status", `${rows.length} rows in ${pages} page${pages === 1 ? "" : "s"} ` +
      `from ${query.starting_on} to ${query.ending_before} (${ms.toFixed(0)} ms)`, "ok");
    $("usage").dataset.draws = String(Number($("usage").dataset.draws || 0) + 1);
  }

  // "2024-01-01" for a day window, "2024-01-01 13:00" for an hour; the cell's title has it all.
  function windowLabel(start, windowSize) {
    return windowSize === "hour" ? `${start.slice(0, 10)} ${start.slice(11, 16)}` : start.slice(0, 10);
  }

  function customerName(id) {
    const customer = state.customers.find((c) => c.id === id);
    return customer ? customer.name : id;
  }

  function renderUsage(query, rows) {
    const grouped = Boolean(query.billable_metrics[0].group_by);
    const groupNames = [...new Set(rows.flatMap((r) => Object.keys(r.groups || {})))].sort();
    // The table: the API's rows, in its order, with its numbers.
    const table = $("usage-table");
    table.tHead.replaceChildren(el("tr", {},
      el("th", { scope: "col" }, "Customer"),
      el("th", { scope: "col" }, "Window start"),
      el("th", { scope: "col" }, "value"),
      groupNames.map((g) => el("th", { scope: "col" }, g)),
    ));
    table.tBodies[0].replaceChildren(...rows.map((r) => el("tr",
      { dataset: { customer: r.customer_id, metric: r.billable_metric_id, start: r.start_timestamp } },
      el("td", { class: "who", title: customerName(r.customer_id) }, customerName(r.customer_id)),
      el("td", { class: "mono when", title: r.start_timestamp }, windowLabel(r.start_timestamp, query.window_size)),
      el("td", { class: r.value === null ? "n null" : "n", dataset: { field: "value" } }, exact(r.value)),
      groupNames.map((g) => (r.groups && g in r.groups
        ? el("td", { class: r.groups[g] === null ? "n null" : "n", dataset: { group: g } }, exact(r.groups[g]))
        : el("td", { class: "n" }))),
    )));
    // The chart: one line per customer, or per customer and group value.
    const series = new Map();
    for (const r of rows) {
      const entries = grouped ? Object.entries(r.groups || {}) : [[null, r.value]];
      for (const [group, value] of entries) {
        const key = `${r.customer_id}\u0000${group}`;
        if (!series.has(key)) {
          const name = customerName(r.customer_id);
          series.set(key, { customer: r.customer_id, group, label: group === null ? name : `${name} · ${group}`, points: [] });
        }
        series.get(key).points.push({ start: r.start_timestamp, value });
      }
    }
    drawChart(query, [...series.values()]);
  }

  // 1200000 -> "1,200,000"; 2.5 -> "2.5" (no Intl: its first use costs a noticeable moment).
  function tickLabel(v) {
    const [whole, fraction] = String(Number(v.toPrecision(12))).split(".");
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return fraction ? `${grouped}.${fraction}` : grouped;
  }

  function niceStep(span) {
    const raw = span / 4;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * magnitude) return m * magnitude;
    return 10 * magnitude;
  }

  function drawChart(query, series) {
    const width = 640;
    const height = 300;
    const left = 56;
    const right = 22;
    const top = 10;
    const bottom = 34;
    const starts = [...new Set(series.flatMap((s) => s.points.map((p) => p.start)))].sort();
    const index = new Map(starts.map((s, i) => [s, i]));
    const values = series.flatMap((s) => s.points.map((p) => p.value)).filter((v) => typeof v === "number");
    const low = Math.min(0, ...values);
    let high = Math.max(0, ...values);
    if (high === low) high = low + 1;
    const step = niceStep(high - low);
    const yMin = Math.floor(low / step) * step;
    const yMax = Math.ceil(high / step) * step;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    const x = (i) => left + (starts.length <= 1 ? plotW / 2 : (i * plotW) / (starts.length - 1));
    const y = (v) => top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
    const metric = state.metrics.find((m) => m.id === query.billable_metrics[0].id);
    const chart = svg("svg", {
      class: "plot", viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `${metric ? metric.name : "usage"} by ${query.window_size} from ` +
        `${query.starting_on} to ${query.ending_before}; the table beside it has the numbers`,
    });
    for (let v = yMin; v <= yMax + step / 2; v += step) {
      chart.append(svg("line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }),
        svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, tickLabel(v)));
    }
    chart.append(svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: top + plotH }),
      svg("line", { class: "axis", x1: left, x2: width - right, y1: top + plotH, y2: top + plotH }));
    // Labels: at most about eight, on days (or at midnights for hours).
    const hourly = query.window_size === "hour";
    const candidates = starts.map((s, i) => [s, i]).filter(([s]) => !hourly || s.slice(11, 19) === "00:00:00");
    const every = Math.max(1, Math.ceil(candidates.length / 8));
    candidates.forEach(([s, i], k) => {
      if (k % every) return;
      chart.append(svg("line", { class: "axis", x1: x(i), x2: x(i), y1: top + plotH, y2: top + plotH + 4 }),
        svg("text", { x: x(i), y: top + plotH + 18, "text-anchor": "middle" }, s.slice(5, 10)));
    });
    const radius = starts.length > 100 ? 1.5 : 3;
    series.forEach((s, n) => {
      const color = COLORS[n % COLORS.length];
      const group = svg("g", { class: "series", dataset: { customer: s.customer, group: s.group ?? undefined } });
      let d = "";
      let pen = false;
      for (const p of s.points) {
        if (typeof p.value !== "number") { pen = false; continue; }
        d += `${pen ? "L" : "M"}${x(index.get(p.start)).toFixed(1)},${y(p.value).toFixed(1)}`;
        pen = true;
      }
      group.append(svg("path", { d, stroke: color }, svg("title", {}, s.label)));
      const dots = values.length <= MAX_DOTS ? s.points : [];
      for (const p of dots) {
        if (typeof p.value !== "number") continue;
        group.append(svg("circle", {
          cx: x(index.get(p.start)).toFixed(1), cy: y(p.value).toFixed(1), r: radius, fill: color,
          dataset: { start: p.start, value: exact(p.value) },
        }, svg("title", {}, `${s.label}, ${p.start}: ${exact(p.value)}`)));
      }
      chart.append(group);
    });
    $("usage-chart").replaceChildren(chart);
    $("usage-legend").replaceChildren(...series.map((s, n) => el("span", {},
      svg("svg", { width: 12, height: 12, "aria-hidden": "true" },
        svg("rect", { width: 12, height: 12, rx: 2, fill: COLORS[n % COLORS.length] })),
      s.label)));
  }

  // --- spend --------------------------------------------------------------------------------

  function renderSpendPicker() {
    const select = $("spend-customer");
    const chosen = select.value;
    select.replaceChildren(...state.customers.map((c) => el("option", { value: c.id },
      c.archived_at ? `${c.name} (archived)` : c.name)));
    if (state.customers.some((c) => c.id === chosen)) select.value = chosen;
    else {
      const first = state.customers.find((c) => !c.archived_at) || state.customers[0];
      if (first) select.value = first.id;
    }
  }

  function fillSpendRange(range) {
    if ($("spend-from").value && $("spend-to").value) return;
    $("spend-from").value = day(range ? range.first : dayMs("2024-01-01"));
    $("spend-to").value = day(range ? range.last : dayMs("2024-01-07"));
  }

  // An error that says which request failed.
  async function asking(what, promise) {
    try {
      return await promise;
    } catch (error) {
      error.what = what;
      throw error;
    }
  }

  // Every page of a GET that pages with `next_page` in the query string (RATING.md's "Q").
  async function getPages(path, params) {
    const items = [];
    let next = null;
    do {
      const query = new URLSearchParams(params);
      if (next) query.set("next_page", next);
      const page = await api("GET", `${path}?${query}`);
      items.push(...page.data);
      next = page.next_page;
    } while (next && items.length < LIST_CAP);
    return items;
  }

  // Every contract of the customer: POST /v2/contracts/list, following its cursor if it has one.
  async function readContracts(customerId) {
    const contracts = [];
    let cursor = null;
    do {
      const body = { customer_id: customerId };
      if (cursor) body.cursor = cursor;
      const page = await api("POST", "/v2/contracts/list", body);
      contracts.push(...page.data);
      cursor = page.cursor || page.next_page || null;
    } while (cursor && contracts.length < LIST_CAP);
    return contracts;
  }

  async function rateCardNames(contracts) {
    const ids = [...new Set(contracts.map((c) => c.rate_card_id).filter(Boolean))];
    const cards = await Promise.all(ids.map((id) =>
      api("POST", "/v1/contract-pricing/rate-cards/get", { id }).then((answer) => answer.data)));
    return new Map(cards.map((card) => [card.id, card.name]));
  }

  function spendQuery() {
    const customerId = $("spend-customer").value;
    const from = dayMs($("spend-from").value);
    const to = dayMs($("spend-to").value);
    if (!customerId) throw new Error("pick a customer");
    if (Number.isNaN(from) || Number.isNaN(to)) throw new Error("pick the chart's first and last day");
    if (to < from) throw new Error("the chart's last day is before its first day");
    if ((to - from) / DAY_MS + 1 > SPEND_DAYS) {
      throw new Error(`the chart shows at most ${SPEND_DAYS} days: pick fewer`);
    }
    return {
      customerId,
      startingOn: `${day(from)}T00:00:00Z`,
      endingBefore: `${day(to + DAY_MS)}T00:00:00Z`,
      skipZero: $("spend-zero").checked,
    };
  }

  async function drawSpend() {
    const current = ticket("spend");
    let query;
    try {
      query = spendQuery();
    } catch (error) {
      say("spend-status", error.message, "error");
      return;
    }
    say("spend-status", "Reading contracts, invoices and breakdowns…");
    const started = performance.now();
    const path = `/v1/customers/${encodeURIComponent(query.customerId)}/invoices`;
    let contracts, cards, invoices, breakdowns;
    try {
      [[contracts, cards], invoices, breakdowns] = await Promise.all([
        asking("POST /v2/contracts/list", readContracts(query.customerId)
          .then(async (found) => [found, await asking("POST /v1/contract-pricing/rate-cards/get", rateCardNames(found))])),
        asking("GET /v1/customers/{id}/invoices", getPages(path, {
          sort: "date_desc", skip_zero_qty_line_items: String(query.skipZero), limit: "100",
        })),
        asking("GET /v1/customers/{id}/invoices/breakdowns", getPages(`${path}/breakdowns`, {
          starting_on: query.startingOn, ending_before: query.endingBefore, window_size: "day",
        })),
      ]);
    } catch (error) {
      if (current()) failure("spend-status", error.what || "Spend", error);
      return;
    }
    if (!current()) return;
    renderContracts(contracts, cards);
    renderInvoices(invoices);
    renderSpendDays(query, breakdowns);
    const ms = performance.now() - started;
    say("spend-status", `${contracts.length} contract${contracts.length === 1 ? "" : "s"}, ` +
      `${invoices.length} invoice${invoices.length === 1 ? "" : "s"}, ${breakdowns.length} daily ` +
      `breakdown${breakdowns.length === 1 ? "" : "s"} (${ms.toFixed(0)} ms)`, "ok");
    $("spend").dataset.draws = String(Number($("spend").dataset.draws || 0) + 1);
  }

  function renderContracts(contracts, cards) {
    const body = $("spend-contracts").tBodies[0];
    if (!contracts.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "null" }, "no contract")));
      return;
    }
    body.replaceChildren(...contracts.map((c) => {
      const schedule = c.usage_statement_schedule || {};
      return el("tr", { class: c.archived_at ? "archived" : null, dataset: { id: c.id } },
        el("td", {}, c.name ? el("span", { class: "name" }, c.name) : null, el("span", { class: "sub mono id" }, c.id)),
        el("td", { dataset: { field: "rate_card" } }, cards.get(c.rate_card_id) || c.rate_card_id || "none"),
        el("td", { class: "mono", dataset: { field: "starting_at" } }, c.starting_at),
        el("td", { class: c.ending_before ? "mono" : "null", dataset: { field: "ending_before" } }, c.ending_before || "open-ended"),
        el("td", {}, el("span", { dataset: { field: "schedule" } }, schedule.frequency || "none"),
          schedule.billing_anchor_date
            ? el("span", { class: "sub" }, "anchor ", el("span", { class: "mono", dataset: { field: "anchor" } }, schedule.billing_anchor_date))
            : null),
      );
    }));
  }

  function lineLabel(line, invoice) {
    const parts = [line.name];
    if (line.pricing_group_values) {
      parts.push(Object.entries(line.pricing_group_values).map(([k, v]) => `${k} ${v}`).join(", "));
    }
    if (line.tier) parts.push(`tier ${line.tier.level} from ${line.tier.starting_at}`);
    if (line.starting_at !== invoice.start_timestamp || line.ending_before !== invoice.end_timestamp) {
      parts.push(`${line.starting_at.slice(0, 10)} to ${line.ending_before.slice(0, 10)}`);
    }
    return parts.join(" · ");
  }

  function renderInvoices(invoices) {
    $("spend-invoices-count").textContent = `${invoices.length}, newest first`;
    const body = $("spend-invoices").tBodies[0];
    if (!invoices.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "null" }, "no invoice")));
      return;
    }
    body.replaceChildren(...invoices.map((inv) => {
      const lines = inv.line_items || [];
      const period = `${inv.start_timestamp} to ${inv.end_timestamp}`;
      return el("tr", { class: "invoice", dataset: { id: inv.id, contract: inv.contract_id } },
        el("td", { class: "mono period", title: period, dataset: { start: inv.start_timestamp, end: inv.end_timestamp } },
          `${inv.start_timestamp.slice(0, 10)} → ${inv.end_timestamp.slice(0, 10)}`),
        el("td", {}, el("span", { class: inv.status === "FINALIZED" ? "tag" : "tag off", dataset: { field: "status" } }, inv.status)),
        el("td", { class: "n", dataset: { field: "total" } }, exact(inv.total)),
        el("td", {}, lines.length
          ? el("details", {},
            el("summary", {}, `${lines.length} line${lines.length === 1 ? "" : "s"}`),
            el("table", { class: "lines" },
              el("caption", { class: "visually-hidden" }, `Lines of the invoice for ${period}`),
              el("tbody", {}, lines.map((line) => el("tr", { class: "line", dataset: { product: line.product_id } },
                el("td", { class: "product" }, lineLabel(line, inv)),
                el("td", { class: "n", dataset: { field: "quantity" } }, exact(line.quantity)),
                el("td", { "aria-hidden": "true" }, "×"),
                el("td", { class: "n", dataset: { field: "unit_price" } }, exact(line.unit_price)),
                el("td", { "aria-hidden": "true" }, "="),
                el("td", { class: "n", dataset: { field: "total" } }, exact(line.total)),
              )))))
          : el("span", { class: "null" }, "no lines")),
      );
    }));
  }

  // Exact sums of the API's decimal numbers: money is exact, and a float sum could show
  // 0.30000000000000004 where the numbers add up to 0.3.
  function decimalParts(value) {
    let text = String(value);
    if (/e/i.test(text)) text = value.toFixed(20);
    const negative = text.startsWith("-");
    if (negative) text = text.slice(1);
    const [whole, fraction = ""] = text.split(".");
    const digits = BigInt(whole + fraction);
    return { digits: negative ? -digits : digits, scale: fraction.length };
  }

  function exactSum(values) {
    const parts = values.map(decimalParts);
    const scale = Math.max(0, ...parts.map((p) => p.scale));
    let sum = 0n;
    for (const p of parts) sum += p.digits * 10n ** BigInt(scale - p.scale);
    const digits = (sum < 0n ? -sum : sum).toString().padStart(scale + 1, "0");
    const whole = scale ? digits.slice(0, -scale) : digits;
    const fraction = scale ? digits.slice(-scale).replace(/0+$/, "") : "";
    return `${sum < 0n ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
  }

  // One row and one bar per day that has breakdowns: the exact sum of their totals (one per
  // invoice covering the day: a customer with two contracts has two).
  function renderSpendDays(query, breakdowns) {
    const byDay = new Map();
    for (const item of breakdowns) {
      const key = item.breakdown_start_timestamp.slice(0, 10);
      if (!byDay.has(key)) byDay.set(key, []);
      byDay.get(key).push(item.total);
    }
    const days = [...byDay.keys()].sort().map((key) => ({ day: key, count: byDay.get(key).length, total: exactSum(byDay.get(key)) }));
    const body = $("spend-days").tBodies[0];
    body.replaceChildren(...days.map((d) => el("tr", { dataset: { day: d.day } },
      el("td", { class: "mono when" }, d.day),
      el("td", { class: "n", dataset: { field: "count" } }, d.count),
      el("td", { class: "n", dataset: { field: "total" } }, d.total),
    )));
    if (!days.length) body.replaceChildren(el("tr", {}, el("td", { colspan: 3, class: "null" }, "no breakdown in these days")));
    drawSpendChart(query, days);
  }

  function drawSpendChart(query, days) {
    const width = 640;
    const height = 240;
    const left = 64;
    const right = 10;
    const top = 10;
    const bottom = 30;
    const first = dayMs(query.startingOn.slice(0, 10));
    const count = Math.round((dayMs(query.endingBefore.slice(0, 10)) - first) / DAY_MS);
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    const values = days.map((d) => Number(d.total));
    const low = Math.min(0, ...values);
    let high = Math.max(0, ...values);
    if (high === low) high = low + 1;
    const step = niceStep(high - low);
    const yMin = Math.floor(low / step) * step;
    const yMax = Math.ceil(high / step) * step;
    const y = (v) => top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
    const slot = plotW / count;
    const x = (key) => left + ((dayMs(key) - first) / DAY_MS) * slot;
    const chart = svg("svg", {
      class: "plot", viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `Daily spend in USD cents from ${query.startingOn} to ${query.endingBefore}; ` +
        "the table under it has the numbers",
    });
    for (let v = yMin; v <= yMax + step / 2; v += step) {
      chart.append(svg("line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }),
        svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, tickLabel(v)));
    }
    chart.append(svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: top + plotH }),
      svg("line", { class: "axis", x1: left, x2: width - right, y1: y(0), y2: y(0) }));
    const every = Math.max(1, Math.ceil(count / 7));
    for (let i = 0; i < count; i += every) {
      const key = day(first + i * DAY_MS);
      chart.append(svg("text", { x: x(key) + slot / 2, y: top + plotH + 18, "text-anchor": "middle" }, key.slice(5)));
    }
    const gap = Math.min(2, slot / 4);
    for (const d of days) {
      const value = Number(d.total);
      chart.append(svg("rect", {
        class: "bar", x: (x(d.day) + gap).toFixed(1), width: Math.max(0.5, slot - 2 * gap).toFixed(1),
        y: y(Math.max(0, value)).toFixed(1), height: Math.abs(y(value) - y(0)).toFixed(1),
        dataset: { day: d.day, total: d.total },
      }, svg("title", {}, `${d.day}: ${d.total} cents`)));
    }
    $("spend-chart").replaceChildren(chart);
  }

  // --- events -------------------------------------------------------------------------------

  // `bigStore`, when given, is called where the store holds more than SEARCH_BESIDE_CHART events,
  // and the search for the matched metrics waits for the promise it returns: that search reads
  // every transaction id on the server, which at a million events would hold up the chart.
  async function refreshEvents(fromNewest, before, bigStore) {
    const current = ticket("events");
    const customer = $("events-customer").value.trim();
    const txn = $("events-txn").value.trim();
    const limit = Number($("events-limit").value);
    if (fromNewest) state.events.history = [];
    const start = fromNewest ? null : before;
    const found = [];
    let cursor = start;
    let requests = 0;
    let total = 0;
    say("events-status", "Reading events…");
    try {
      do {
        const query = new URLSearchParams({ limit: String(limit - found.length) });
        if (cursor !== null) query.set("before", String(cursor));
        if (customer) query.set("customer_id", customer);
        if (txn) query.set("transaction_id", txn);
        const page = await api("GET", `/_emulator/events?${query}`);
        if (!current()) return;
        found.push(...page.data);
        total = page.total;
        cursor = page.next_before;
        requests += 1;
        if (cursor !== null && found.length < limit) {
          say("events-status", `Searching… back to event #${cursor} of ${total}`);
        }
      } while (cursor !== null && found.length < limit && requests < SEARCH_REQUESTS);
    } catch (error) {
      if (current()) failure("events-status", "GET /_emulator/events", error);
      return;
    }
    state.events.before = start;
    state.events.next = cursor;
    $("events-count").textContent = `${total} stored`;
    $("events-newer").disabled = !state.events.history.length;
    $("events-older").disabled = cursor === null;
    const filtered = customer || txn;
    let text = found.length ? `Events #${found[0].seq} to #${found[found.length - 1].seq}, newest first.`
      : "No event here.";
    if (filtered && cursor !== null && found.length < limit) {
      text += ` Searched back to event #${cursor}: “Older” searches further.`;
    }
    say("events-status", text);
    renderEvents(found, null);
    if (bigStore && total > SEARCH_BESIDE_CHART) await bigStore();
    if (found.length && current()) await matchEvents(found, current);
  }

  function eventKey(e) {
    return [e.transaction_id, e.customer_id, e.timestamp, e.is_duplicate].join("\u0000");
  }

  // What each event matched, as POST /v1/events/search says.
  async function matchEvents(found, current) {
    const ids = [...new Set(found.map((e) => e.transaction_id))];
    try {
      const items = await api("POST", "/v1/events/search", { transactionIds: ids });
      if (!current()) return;
      const matched = new Map(items.map((item) => [eventKey(item), item.matched_billable_metrics.map((m) => m.name)]));
      renderEvents(found, matched);
    } catch (error) {
      if (current()) failure("events-status", "POST /v1/events/search (the matched metrics)", error);
    }
  }

  // `matched` is null until the search answers. Search covers the events processed in the last
  // 34 days of the tenant's clock, as Metronome's does: older ones have no answer to show.
  function renderEvents(found, matched) {
    $("events-table").tBodies[0].replaceChildren(...found.map((e) => {
      const names = matched === null ? undefined : matched.get(eventKey(e)) ?? null;
      return el("tr", { dataset: { seq: e.seq, transactionId: e.transaction_id } },
        el("td", { class: "mono" }, e.seq),
        el("td", { class: "mono nowrap" }, e.timestamp),
        el("td", { class: "mono" }, e.customer_id),
        el("td", {}, e.event_type),
        el("td", { class: "mono" }, e.transaction_id, e.is_duplicate ? el("span", { class: "tag off" }, "duplicate") : null),
        el("td", { class: "mono props" }, JSON.stringify(e.properties)),
        el("td", { class: names && names.length ? "matched" : "matched null" },
          names === undefined ? "…"
            : names === null ? "not searchable: processed over 34 days before the clock"
            : names.length ? names.join(", ") : "none"),
      );
    }));
  }

  // --- journal, faults, config, clock -------------------------------------------------------

  let journalShown = "";
  async function refreshJournal() {
    const current = ticket("journal");
    let entries;
    try {
      entries = (await api("GET", "/_emulator/requests")).data;
    } catch (error) {
      if (current()) failure("journal-status", "GET /_emulator/requests", error);
      return;
    }
    if (!current()) return;
    if ($("journal-mine").checked) {
      entries = entries.filter((e) => (e.headers || {})["User-Agent"] !== navigator.userAgent);
    }
    const last = entries[entries.length - 1];
    const signature = `${entries.length}|${$("journal-mine").checked}|${last ? JSON.stringify(last) : ""}`;
    say("journal-status", `${entries.length} entries, newest first; checked ${new Date().toISOString().slice(11, 19)} UTC`);
    $("journal-count").textContent = "GET /_emulator/requests";
    if (signature === journalShown) return; // unchanged: keep open details as they are
    journalShown = signature;
    const newest = entries.slice(-JOURNAL_SHOWN).reverse();
    $("journal-table").tBodies[0].replaceChildren(...newest.map((e) => {
      const status = e.status === null ? "dropped" : String(e.status);
      const query = new URLSearchParams(e.query || {}).toString();
      return el("tr", { dataset: { status, path: e.path, method: e.method } },
        el("td", { class: "mono" }, e.at),
        el("td", {}, e.method),
        el("td", { class: "mono" }, e.path, query ? `?${query}` : ""),
        el("td", { class: e.status === null ? "sx" : `s${String(e.status)[0]}` }, status),
        el("td", {}, el("details", {},
          el("summary", {}, e.body === null ? "headers" : "body and headers"),
          el("pre", {}, JSON.stringify({ body: e.body, headers: e.headers }, null, 2)))),
      );
    }));
  }

  async function refreshFaults() {
    const current = ticket("faults");
    let faults;
    try {
      faults = (await api("GET", "/_emulator/faults")).data;
    } catch (error) {
      if (current()) failure("faults-status", "GET /_emulator/faults", error);
      return;
    }
    if (!current()) return;
    renderFaults(faults);
  }

  function renderFaults(faults) {
    $("faults-table").tBodies[0].replaceChildren(...faults.map((f) => {
      const does = [];
      if (f.status !== null) does.push(`${f.status}${f.retry_after !== null ? `, Retry-After ${f.retry_after} s` : ""}`);
      if (f.delay_ms) does.push(`wait ${f.delay_ms} ms`);
      if (f.drop_connection) does.push("drop the connection");
      return el("tr", {},
        el("td", {}, f.method || "any"),
        el("td", { class: "mono" }, f.path || "any"),
        el("td", {}, does.join("; ")),
        el("td", {}, f.remaining),
      );
    }));
    if (!faults.length) {
      $("faults-table").tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "null" }, "none queued")));
    }
  }

  async function refreshConfig() {
    const current = ticket("config");
    try {
      const config = await api("GET", "/_emulator/config");
      if (current() && document.activeElement !== $("page-size")) $("page-size").value = config.page_size;
    } catch (error) {
      if (current()) failure("tenant-status", "GET /_emulator/config", error);
    }
  }

  function renderClock(clock) {
    $("clock-now").textContent = clock.now;
    $("clock-mode").textContent = clock.frozen ? "frozen" : "wall clock";
    $("clock-mode").className = clock.frozen ? "tag off" : "tag";
    if (!$("clock-at").value) $("clock-at").value = clock.now;
  }

  async function refreshClock() {
    const current = ticket("clock");
    try {
      const clock = await api("GET", "/_emulator/clock");
      if (current()) renderClock(clock);
    } catch (error) {
      if (current()) failure("clock-status", "GET /_emulator/clock", error);
    }
  }

  async function setClock(body, what) {
    const current = ticket("clock");
    try {
      const clock = await api("POST", "/_emulator/clock", body);
      if (!current()) return;
      renderClock(clock);
      $("clock-at").value = clock.now;
      say("clock-status", what, "ok");
    } catch (error) {
      if (current()) failure("clock-status", "POST /_emulator/clock", error);
    }
  }

  // --- polling ------------------------------------------------------------------------------

  // One poll at a time: the next is scheduled only when the last has finished.
  function schedulePoll() {
    if (state.pollTimer !== null || state.polling || !$("journal-auto").checked) return;
    state.pollTimer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    state.pollTimer = null;
    if (!document.hidden && state.token) {
      state.polling = true;
      await Promise.all([refreshJournal(), refreshFaults(), refreshClock()]);
      state.polling = false;
    }
    schedulePoll();
  }

  // --- controls -----------------------------------------------------------------------------

  function on(id, event, handler) {
    $(id).addEventListener(event, (e) => {
      if (event === "submit") e.preventDefault();
      handler(e);
    });
  }

  function wire() {
    on("token-form", "submit", () => {
      const token = $("token").value.trim();
      if (!token) return;
      localStorage.setItem(TOKEN_KEY, token);
      const url = new URL(location.href);
      if (url.searchParams.has("token")) {
        url.searchParams.set("token", token);
        history.replaceState(null, "", url);
      }
      openTenant(token);
    });
    on("usage-form", "submit", drawUsage);
    on("spend-form", "submit", drawSpend);
    on("usage-metric", "change", fillGroupKeys);
    on("usage-all", "click", () => {
      const active = new Set(state.customers.filter((c) => !c.archived_at).map((c) => c.id));
      for (const box of $("usage-customers").querySelectorAll("input")) box.checked = active.has(box.value);
    });
    on("usage-none", "click", () => {
      for (const box of $("usage-customers").querySelectorAll("input")) box.checked = false;
    });
    on("events-form", "submit", () => refreshEvents(true));
    on("events-newest", "click", () => {
      $("events-customer").value = "";
      $("events-txn").value = "";
      refreshEvents(true);
    });
    on("events-older", "click", () => {
      state.events.history.push(state.events.before);
      refreshEvents(false, state.events.next);
    });
    on("events-newer", "click", () => {
      const before = state.events.history.pop();
      refreshEvents(false, before === undefined ? null : before);
    });
    on("journal-auto", "change", () => {
      if ($("journal-auto").checked) schedulePoll();
      else if (state.pollTimer !== null) {
        clearTimeout(state.pollTimer);
        state.pollTimer = null;
      }
    });
    on("journal-mine", "change", refreshJournal);
    on("journal-refresh", "click", refreshJournal);
    on("journal-clear", "click", async () => {
      try {
        await api("DELETE", "/_emulator/requests");
        say("journal-status", "Journal cleared.", "ok");
      } catch (error) {
        failure("journal-status", "DELETE /_emulator/requests", error);
      }
      await refreshJournal();
    });
    on("fault-form", "submit", async () => {
      const number = (id) => ($(id).value === "" ? null : Number($(id).value));
      const fault = {
        method: $("fault-method").value || null,
        path: $("fault-path").value.trim() || null,
        count: number("fault-count"),
        status: number("fault-status"),
        retry_after: number("fault-retry"),
        delay_ms: number("fault-delay") || 0,
        drop_connection: $("fault-drop").checked,
      };
      const current = ticket("faults");
      try {
        const queued = await api("POST", "/_emulator/faults", fault);
        if (current()) renderFaults(queued.data);
        say("faults-status", "Fault queued.", "ok");
      } catch (error) {
        failure("faults-status", "POST /_emulator/faults", error);
      }
    });
    on("faults-clear", "click", async () => {
      const current = ticket("faults");
      try {
        const queued = await api("DELETE", "/_emulator/faults");
        if (current()) renderFaults(queued.data);
        say("faults-status", "Faults cleared.", "ok");
      } catch (error) {
        failure("faults-status", "DELETE /_emulator/faults", error);
      }
    });
    const pageSize = async (value) => {
      try {
        const config = await api("PATCH", "/_emulator/config", { page_size: value });
        $("page-size").value = config.page_size;
        say("tenant-status", `Page size ${config.page_size}${value === null ? " (the default)" : ""}.`, "ok");
      } catch (error) {
        failure("tenant-status", "PATCH /_emulator/config", error);
      }
    };
    on("config-form", "submit", () => pageSize(Number($("page-size").value)));
    on("page-size-default", "click", () => pageSize(null));
    on("reset", "click", async () => {
      try {
        const summary = await api("POST", "/_emulator/reset");
        say("tenant-status", `Reset: ${summary.customers} customers, ${summary.billable_metrics} ` +
          `billable metrics, ${summary.events} events.`, "ok");
      } catch (error) {
        failure("tenant-status", "POST /_emulator/reset", error);
        return;
      }
      await Promise.all([loadCatalog(), refreshEvents(true), refreshClock(), refreshConfig()]);
      await Promise.all([drawUsage(), drawSpend()]);
    });
    on("snapshot", "click", async () => {
      try {
        const written = await api("POST", "/_emulator/snapshot");
        say("tenant-status", `Snapshot written to ${written.state_file} (${written.tenants} tenants).`, "ok");
      } catch (error) {
        failure("tenant-status", "POST /_emulator/snapshot", error);
      }
    });
    on("clock-set-form", "submit", () => setClock({ now: $("clock-at").value.trim() }, "Clock frozen."));
    on("clock-advance-form", "submit", () => {
      const seconds = Number($("clock-advance").value) * Number($("clock-unit").value);
      setClock({ advance_seconds: seconds }, `Clock advanced by ${seconds} s.`);
    });
    on("clock-wall", "click", () => setClock({ now: null }, "Clock back on the wall clock."));
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && state.token && state.pollTimer === null && !state.polling) poll();
    });
  }

  wire();
  const fromUrl = new URLSearchParams(location.search).get("token");
  const token = fromUrl || localStorage.getItem(TOKEN_KEY);
  if (token) {
    openTenant(token);
  } else {
    say("status", "Type a bearer token to open its tenant (any token works unless the emulator was started with --token).");
    $("token").focus();
  }
})();
