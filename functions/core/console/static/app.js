// The console's one script: plain DOM, no framework, no build step. Everything it shows is text (textContent,
// never HTML from data). Its session is an HttpOnly cookie it cannot read; changes carry the CSRF token the
// session answer gives it.

const $ = (id) => document.getElementById(id);
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const LIST_POLL_MS = 3000;
const DETAIL_POLL_MS = 1500;
const WAITING_POLL_MS = 10_000;
/** How many more polls a finished call's page makes for its event and push. */
const AFTER_END_POLLS = 20;

const state = {
  csrf: "",
  /** Server time minus this browser's, so countdowns count to the server's instants. */
  skewMs: 0,
  rows: new Map(),
  cursor: null,
  machines: new Map(),
  timer: 0,
  view: "",
  detailId: "",
  afterEnd: 0,
};

// ---------- talking to the server ----------

async function api(path, options = {}) {
  const headers = { accept: "application/json", ...(options.headers || {}) };
  if (options.method && options.method !== "GET") headers["x-csrf-token"] = state.csrf;
  const response = await fetch(`api/${path}`, { credentials: "same-origin", ...options, headers });
  if (response.status === 401) {
    showSignIn();
    throw new Error("signed out");
  }
  return response;
}

async function readJson(response) {
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// ---------- formatting ----------

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : "";
}

function duration(ms) {
  if (ms === undefined || ms === null) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "3d 04:05:06" until an instant, by the server's clock. */
function countdown(iso) {
  const left = Date.parse(iso) - (Date.now() + state.skewMs);
  if (!(left > 0)) return "now";
  const total = Math.floor(left / 1000);
  const days = Math.floor(total / 86400);
  const pad = (n) => String(n).padStart(2, "0");
  const clock = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function badge(status) {
  return el("span", { className: `badge ${status}`, text: status.replace("_", " ") });
}

function countdownNode(label, iso) {
  const node = el("span", { className: "countdown", "data-until": iso, title: when(iso) });
  node.textContent = countdown(iso);
  return el("p", {}, el("span", { text: `${label} ` }), node);
}

function waitingLines(waiting) {
  const lines = [];
  if (waiting.releaseAt) {
    lines.push(el("p", { text: `Date opens ${when(waiting.releaseAt)}` }));
    lines.push(countdownNode("Books in", waiting.releaseAt));
  }
  if (waiting.checks !== undefined) {
    lines.push(el("p", { text: `${waiting.checks} check${waiting.checks === 1 ? "" : "s"} so far` }));
    if (waiting.nextCheckAt) lines.push(countdownNode("Next check in", waiting.nextCheckAt));
    if (waiting.until) lines.push(el("p", { text: `Watching until ${when(waiting.until)}` }));
  }
  return lines;
}

// ---------- views ----------

function show(view) {
  state.view = view;
  for (const id of ["sign-in", "list", "detail"]) $(id).hidden = id !== view;
  $("sign-out").hidden = view === "sign-in";
}

function showSignIn() {
  clearTimeout(state.timer);
  show("sign-in");
  $("api-key").focus();
}

async function signIn(event) {
  event.preventDefault();
  const key = $("api-key").value;
  $("sign-in-error").textContent = "";
  const response = await fetch("api/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "x-api-key": key, accept: "application/json" },
  });
  $("api-key").value = "";
  if (response.status !== 204) {
    const body = await readJson(response).catch(() => null);
    $("sign-in-error").textContent = body?.error?.message || body?.message || "That key was refused.";
    return;
  }
  await start();
}

async function signOut() {
  await api("session", { method: "DELETE" }).catch(() => undefined);
  state.csrf = "";
  state.rows.clear();
  showSignIn();
}

async function start() {
  const response = await fetch("api/session", {
    credentials: "same-origin",
    headers: { accept: "application/json" },
  });
  if (response.status !== 200) return showSignIn();
  state.csrf = (await readJson(response)).csrf;
  route();
}

function route() {
  clearTimeout(state.timer);
  const match = /^#\/r\/([0-9a-f-]{36})$/.exec(location.hash);
  if (match) openDetail(match[1]);
  else openList();
}

// ---------- the list ----------

function filters() {
  const query = new URLSearchParams();
  if ($("filter-status").value) query.set("status", $("filter-status").value);
  if ($("filter-tool").value) query.set("tool", $("filter-tool").value);
  return query;
}

async function openList() {
  const first = state.view !== "list";
  show("list");
  // A new view moves focus to its heading, as a page load would.
  if (first) $("list-title").focus();
  await refreshList();
}

/**
 * Redraws what `draw` draws and gives keyboard focus back to the link it was on (by its row's id): a list redrawn
 * every few seconds must not throw a keyboard user back to the top.
 */
function keepingFocus(draw) {
  const focused = document.activeElement;
  const id = focused?.closest?.("[data-id]")?.dataset.id;
  const container = focused?.closest?.("#waiting-items, #requests");
  draw();
  if (!id || !container || document.activeElement === focused) return;
  container.querySelector(`[data-id="${id}"] a`)?.focus();
}

async function refreshList() {
  clearTimeout(state.timer);
  try {
    const body = await readJson(await api(`requests?${filters()}`));
    state.skewMs = Date.parse(body.now) - Date.now();
    fillTools(body.tools);
    keepingFocus(() => {
      renderWaiting(body.waiting);
      renderRows(body.requests, false);
    });
    state.cursor = body.nextCursor;
    $("more").hidden = !state.cursor;
    $("live").dataset.updated = body.now;
  } catch (error) {
    if (error.message === "signed out") return;
    $("live").textContent = "The server did not answer; trying again.";
  }
  // A hidden tab stops asking; showing it again refreshes at once (the visibilitychange handler).
  if (state.view === "list" && !document.hidden) state.timer = setTimeout(refreshList, LIST_POLL_MS);
}

async function more() {
  if (!state.cursor) return;
  const query = filters();
  query.set("cursor", state.cursor);
  const body = await readJson(await api(`requests?${query}`));
  renderRows(body.requests, true);
  state.cursor = body.nextCursor;
  $("more").hidden = !state.cursor;
}

function fillTools(tools) {
  const select = $("filter-tool");
  if (select.options.length > 1) return;
  for (const tool of tools) select.append(el("option", { value: tool.name, text: tool.title }));
}

function renderWaiting(rows) {
  $("waiting").hidden = rows.length === 0;
  const list = $("waiting-items");
  list.replaceChildren(
    ...rows.map((row) =>
      el(
        "li",
        { "data-id": row.id },
        el("p", {}, el("a", { href: `#/r/${row.id}`, text: row.title }), " ", badge(row.status)),
        el("p", { text: row.summary }),
        ...waitingLines(row.waiting),
      ),
    ),
  );
}

function renderRows(rows, append) {
  const body = $("requests").tBodies[0];
  const changed = [];
  const nodes = rows.map((row) => {
    const before = state.rows.get(row.id);
    if (before && before.status !== row.status) changed.push(`${row.title}: ${row.status.replace("_", " ")}`);
    state.rows.set(row.id, row);
    return el(
      "tr",
      { "data-id": row.id, "data-status": row.status },
      el("td", {}, el("a", { href: `#/r/${row.id}`, text: row.title })),
      el("td", {}, badge(row.status)),
      el("td", {}, el("time", { datetime: row.createdAt, text: when(row.createdAt) })),
      el("td", { text: row.durationMs === undefined ? "" : duration(row.durationMs) }),
      el("td", { className: "summary", text: row.summary }),
    );
  });
  if (append) body.append(...nodes);
  else body.replaceChildren(...nodes);
  $("empty").hidden = body.rows.length > 0;
  // Only what changed is announced: a list read aloud every few seconds would drown everything else.
  if (changed.length > 0) $("live").textContent = changed.join("; ");
}

// ---------- a request ----------

async function openDetail(id) {
  const first = state.view !== "detail" || state.detailId !== id;
  state.detailId = id;
  show("detail");
  if (first) {
    $("detail-title").textContent = "Loading…";
    $("cancel-note").textContent = "";
    $("graph").replaceChildren();
  }
  await refreshDetail(id, first);
}

async function refreshDetail(id, first) {
  clearTimeout(state.timer);
  let body;
  try {
    const response = await api(`requests/${id}`);
    if (response.status === 404) {
      $("detail-title").textContent = "No such request";
      $("detail-summary").textContent = "It is not one of yours, or it has expired.";
      return;
    }
    body = await readJson(response);
  } catch (error) {
    if (error.message !== "signed out")
      $("cancel-note").textContent = "The server did not answer; trying again.";
    if (state.view === "detail") state.timer = setTimeout(() => refreshDetail(id, false), DETAIL_POLL_MS * 2);
    return;
  }
  if (state.detailId !== id || state.view !== "detail") return;
  await renderDetail(body, first);
  if (first) $("detail-title").focus?.();
  // A finished call still has its event to publish and its push to note: followed a little longer for them.
  const settling = (body.event && !body.event.published) || (body.notifies && !body.push);
  state.afterEnd = first ? 0 : state.afterEnd + (TERMINAL.has(body.row.status) ? 1 : 0);
  // A hidden tab stops asking; showing it again refreshes at once (the visibilitychange handler).
  if (document.hidden) return;
  if (!TERMINAL.has(body.row.status) || (settling && state.afterEnd < AFTER_END_POLLS)) {
    // A call waiting for its release or next check changes rarely; its countdown ticks here.
    const every = body.row.waiting ? WAITING_POLL_MS : DETAIL_POLL_MS;
    state.timer = setTimeout(() => refreshDetail(id, false), every);
  }
}

async function machine(name) {
  if (!state.machines.has(name)) state.machines.set(name, readJson(await api(`machines/${name}`)));
  return state.machines.get(name);
}

async function renderDetail(body, first) {
  const { row, status } = body;
  $("detail-title").textContent = `${row.title} `;
  $("detail-title").append(badge(row.status));
  $("detail-title").tabIndex = -1;
  $("detail-summary").textContent = status.status === "failed" ? row.summary : status.statusMessage;
  const waiting = row.waiting ? waitingLines(row.waiting) : [];
  $("detail-countdown").hidden = waiting.length === 0;
  $("detail-countdown").replaceChildren(...waiting);

  const cancel = $("cancel");
  cancel.hidden = !row.cancel;
  cancel.textContent = row.cancel === "requests" ? "Request cancel (it has started)" : "Cancel";
  cancel.className = "danger";
  cancel.dataset.id = row.id;

  const facts = [
    ["Request", row.id],
    ["Tool", row.tool],
    ["Started", when(row.createdAt)],
    ["Ended", row.endedAt ? when(row.endedAt) : "not yet"],
    ["Duration", row.durationMs === undefined ? "" : duration(row.durationMs)],
    ["Execution", status.execution.arn],
  ];
  if (body.cancelRequestedAt)
    facts.push(["Cancel requested", `${when(body.cancelRequestedAt)}: it may still complete`]);
  const dl = $("detail-facts");
  dl.replaceChildren();
  for (const [term, value] of facts) dl.append(el("dt", { text: term }), el("dd", { text: value }));
  if (status.execution.consoleUrl) {
    dl.append(
      el("dt", { text: "AWS" }),
      el(
        "dd",
        {},
        el("a", {
          href: status.execution.consoleUrl,
          target: "_blank",
          rel: "noopener noreferrer",
          text: "Open the execution in the Step Functions console",
        }),
      ),
    );
  }

  $("arguments").textContent = JSON.stringify(body.arguments, null, 2);
  if (status.error) {
    $("outcome-title").textContent = "Error";
    $("outcome").textContent = `${status.error.type}: ${status.error.message}`;
  } else if (status.result) {
    $("outcome-title").textContent = "Result";
    $("outcome").textContent = status.result.content
      .map((part) => (part.type === "text" ? part.text : JSON.stringify(part)))
      .join("\n");
  } else {
    $("outcome-title").textContent = "Result";
    $("outcome").textContent = TERMINAL.has(status.status) ? "(none)" : "Not yet.";
  }
  renderEvent(body);

  const path = pathOf(body.history);
  renderTimeline(body.history, path);
  if (body.machine) {
    const definition = await machine(body.machine);
    $("graph").replaceChildren(drawMachine(definition, path));
    if (first) scrollToPath();
    $("graph-note").textContent = graphNote(body, path);
  } else {
    $("graph").replaceChildren();
    $("graph-note").textContent = "This tool is answered by the server itself: it runs no state machine.";
  }
}

/** Brings the failed state, or the latest one taken, into view (a wide machine scrolls sideways). */
function scrollToPath() {
  const wrap = $("graph");
  const focus = wrap.querySelector(".state.failed") || [...wrap.querySelectorAll(".state.visited")].pop();
  if (!focus) return;
  wrap.scrollLeft = Math.max(0, Number(focus.dataset.x) - wrap.clientWidth / 2 + NODE_W / 2);
}

function graphNote(body, path) {
  const history = body.history;
  if (history.unavailable !== undefined)
    return `The execution's steps are not recorded here. ${history.unavailable}`;
  const failed = [...path.failed.keys()];
  const steps =
    path.order.length > 40 ? [...path.order.slice(0, 20), "…", ...path.order.slice(-19)] : path.order;
  const parts = [`${body.machine}.asl.json, ${path.order.length} steps: ${steps.join(" → ")}.`];
  if (failed.length > 0) parts.push(`Failed at: ${failed.join(", ")}.`);
  if (history.truncated) parts.push("A long history: its middle is left out.");
  if (history.detailsOmitted) {
    parts.push(
      `The inputs and outputs of ${history.detailsOmitted} earlier events are left out (too long to show).`,
    );
  }
  return parts.join(" ");
}

function renderEvent(body) {
  const box = $("event");
  box.replaceChildren();
  if (!body.event) {
    box.append(el("p", { text: "No event yet: one is published when the call ends." }));
    return;
  }
  const state = body.event.published
    ? "Published on the event bus"
    : "Stored in the outbox, not yet published";
  box.append(el("p", { text: `${body.event.detailType}: ${state}. Event id ${body.event.detail.eventId}.` }));
  box.append(el("pre", { text: JSON.stringify(body.event.detail, null, 2) }));
  const push = body.push;
  if (push) {
    const how = {
      sent: `sent to the golfer's phone ${when(push.at)}`,
      unconfirmed: `ntfy did not confirm it (${when(push.at)}); it may have arrived, and is not sent again`,
      "no-topic": "not sent: the golfer has no ntfy topic",
    }[push.outcome];
    box.append(el("p", { id: "push", text: `Push "${push.title}": ${how}.` }));
  } else if (body.notifies) {
    box.append(
      el("p", { id: "push", text: "Push: none noted yet (the booking notifier sends one per outcome)." }),
    );
  }
}

async function cancelRequest() {
  const id = $("cancel").dataset.id;
  $("cancel").disabled = true;
  const response = await api(`requests/${id}/cancel`, { method: "POST" });
  const body = await readJson(response).catch(() => null);
  $("cancel").disabled = false;
  if (response.status === 200) $("cancel-note").textContent = "Cancelled: nothing was done.";
  else if (response.status === 202)
    $("cancel-note").textContent =
      "Cancel requested. It had already started, so it may still complete; its real outcome will show here.";
  else if (response.status === 409)
    $("cancel-note").textContent = body?.error?.message || "It had already finished.";
  else $("cancel-note").textContent = body?.error?.message || `The cancel was refused (${response.status}).`;
  await refreshDetail(id, false);
}

// ---------- the path, from the execution history ----------

/** The states entered in order, the ones whose last attempt failed (with why), and the ones running now. */
function pathOf(history) {
  const order = [];
  const failed = new Map();
  const running = new Set();
  let lastTask = "";
  let ended = false;
  for (const event of history.events || []) {
    const name = event.details?.name;
    const type = event.type;
    if (type.endsWith("StateEntered") && name) {
      order.push(name);
      running.add(name);
      if (type === "TaskStateEntered") lastTask = name;
      if (type === "FailStateEntered") failed.set(name, { error: "", cause: "" });
    } else if (type.endsWith("StateExited") && name) {
      running.delete(name);
    } else if (/^(Task|LambdaFunction)(Failed|TimedOut|StartFailed|SubmitFailed)$/.test(type)) {
      failed.set(name || lastTask, { error: event.details?.error || "", cause: event.details?.cause || "" });
    } else if (/^(Task|LambdaFunction)Succeeded$/.test(type)) {
      failed.delete(name || lastTask);
    } else if (/^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(type)) {
      ended = true;
    }
  }
  return { order, failed, running: ended ? new Set() : running };
}

function renderTimeline(history, path) {
  const list = $("timeline");
  list.replaceChildren();
  if (!history.events) {
    list.append(el("li", { text: history.unavailable || "No history." }));
    return;
  }
  const events = history.events.filter((e) => !/^(Task(Scheduled|Started)|\w+StateExited)$/.test(e.type));
  const shown = events.slice(-300);
  if (shown.length < events.length)
    list.append(el("li", { text: `(${events.length - shown.length} earlier events not shown)` }));
  const start = Date.parse(history.events[0]?.timestamp || "");
  for (const event of shown) {
    const failedType = /Failed|TimedOut|Aborted/.test(event.type);
    const label = event.details?.name ? `${event.type}: ${event.details.name}` : event.type;
    const item = el("li", { className: failedType ? "failed" : "" });
    const offset = Date.parse(event.timestamp) - start;
    item.append(
      el("time", {
        datetime: event.timestamp,
        title: when(event.timestamp),
        text: `+${duration(offset) || "0 ms"}`,
      }),
      label,
    );
    const detail = event.details || {};
    if (detail.error || detail.cause)
      item.append(el("div", { text: [detail.error, detail.cause].filter(Boolean).join(": ") }));
    for (const key of ["input", "output"]) {
      if (detail[key])
        item.append(el("details", {}, el("summary", { text: key }), el("pre", { text: detail[key] })));
    }
    list.append(item);
  }
  if (path.failed.size > 0) $("timeline").dataset.failed = [...path.failed.keys()].join(",");
}

// ---------- the state machine, drawn from its ASL ----------

const NODE_W = 176;
const NODE_H = 34;
const GAP_X = 22;
const GAP_Y = 40;
const SVG_NS = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** Where a state goes next: Next, a Choice's branches and default, a Catch's handlers. */
function successors(definition) {
  const next = new Map();
  for (const [name, s] of Object.entries(definition.States)) {
    const targets = [
      s.Next,
      s.Default,
      ...(s.Choices || []).map((c) => c.Next),
      ...(s.Catch || []).map((c) => c.Next),
    ];
    next.set(name, [...new Set(targets.filter((t) => typeof t === "string" && t in definition.States))]);
  }
  return next;
}

/** Layers: each state below everything that leads to it (loops' back edges left out), in first-seen order. */
function layout(definition) {
  const next = successors(definition);
  const seen = new Set();
  const onStack = new Set();
  const post = [];
  const back = new Set();
  const visit = (name) => {
    seen.add(name);
    onStack.add(name);
    for (const to of next.get(name) || []) {
      if (onStack.has(to)) back.add(`${name}\u0000${to}`);
      else if (!seen.has(to)) visit(to);
    }
    onStack.delete(name);
    post.push(name);
  };
  visit(definition.StartAt);
  for (const name of Object.keys(definition.States)) if (!seen.has(name)) visit(name);
  const rank = new Map();
  for (const name of post.reverse()) {
    if (!rank.has(name)) rank.set(name, 0);
    for (const to of next.get(name) || []) {
      if (back.has(`${name}\u0000${to}`)) continue;
      rank.set(to, Math.max(rank.get(to) ?? 0, rank.get(name) + 1));
    }
  }
  const rows = [];
  for (const name of post) {
    const r = rank.get(name);
    if (!rows[r]) rows[r] = [];
    rows[r].push(name);
  }
  const width = Math.max(...rows.map((row) => row.length)) * (NODE_W + GAP_X) + GAP_X;
  const xOf = new Map();
  const place = (row) => {
    const offset = (width - row.length * (NODE_W + GAP_X) + GAP_X) / 2;
    for (const [i, name] of row.entries()) xOf.set(name, offset + i * (NODE_W + GAP_X));
  };
  for (const row of rows) place(row);
  // A few sweeps of the barycentre heuristic: each state under (then over) the states it links to, so fewer
  // edges cross.
  const links = new Map([...next.keys()].map((name) => [name, []]));
  for (const [from, targets] of next) {
    for (const to of targets) {
      if (back.has(`${from}\u0000${to}`)) continue;
      links.get(from).push(to);
      links.get(to).push(from);
    }
  }
  const mean = (name) => {
    const xs = links.get(name).map((other) => xOf.get(other));
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : xOf.get(name);
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    const order = sweep % 2 === 0 ? rows : [...rows].reverse();
    for (const row of order) {
      const keys = new Map(row.map((name) => [name, mean(name)]));
      row.sort((a, b) => keys.get(a) - keys.get(b));
      place(row);
    }
  }
  const position = new Map();
  for (const [r, row] of rows.entries()) {
    for (const name of row) position.set(name, { x: xOf.get(name), y: GAP_Y / 2 + r * (NODE_H + GAP_Y) });
  }
  return { next, back, position, width, height: rows.length * (NODE_H + GAP_Y) };
}

function drawMachine(definition, path) {
  const { next, back, position, width, height } = layout(definition);
  const taken = new Set();
  for (let i = 1; i < path.order.length; i++) taken.add(`${path.order[i - 1]}\u0000${path.order[i]}`);
  const visited = new Set(path.order);
  const root = svg("svg", { width: width + 60, height, viewBox: `0 0 ${width + 60} ${height}`, role: "img" });
  root.setAttribute(
    "aria-label",
    `State machine with ${position.size} states; the path taken is highlighted.`,
  );
  const defs = svg("defs");
  const marker = svg("marker", {
    id: "arrow",
    markerUnits: "userSpaceOnUse",
    viewBox: "0 0 10 10",
    refX: 10,
    refY: 5,
    markerWidth: 8,
    markerHeight: 8,
    orient: "auto-start-reverse",
  });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z" }));
  defs.append(marker);
  root.append(defs);
  const edges = svg("g");
  for (const [from, targets] of next) {
    for (const to of targets) {
      const a = position.get(from);
      const b = position.get(to);
      let d;
      if (back.has(`${from}\u0000${to}`) || b.y <= a.y) {
        const x = Math.max(a.x, b.x) + NODE_W + GAP_X / 2 + 8;
        d = `M${a.x + NODE_W},${a.y + NODE_H / 2} C${x},${a.y + NODE_H / 2} ${x},${b.y + NODE_H / 2} ${b.x + NODE_W},${b.y + NODE_H / 2}`;
      } else {
        const x1 = a.x + NODE_W / 2;
        const y1 = a.y + NODE_H;
        const x2 = b.x + NODE_W / 2;
        const y2 = b.y;
        const mid = (y1 + y2) / 2;
        d = `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`;
      }
      const isTaken = taken.has(`${from}\u0000${to}`);
      edges.append(svg("path", { d, class: isTaken ? "edge taken" : "edge", "marker-end": "url(#arrow)" }));
    }
  }
  root.append(edges);
  for (const [name, at] of position) {
    const classes = ["state"];
    if (visited.has(name)) classes.push("visited");
    if (path.failed.has(name)) classes.push("failed");
    if (path.running.has(name)) classes.push("current");
    const group = svg("g", {
      class: classes.join(" "),
      "data-state": name,
      "data-x": at.x,
      transform: `translate(${at.x},${at.y})`,
    });
    const title = svg("title");
    const failure = path.failed.get(name);
    const how = failure
      ? `failed${failure.error ? `: ${failure.error}` : ""}`
      : visited.has(name)
        ? "taken"
        : "not taken";
    title.textContent = `${name} (${definition.States[name].Type}): ${how}`;
    group.append(title, svg("rect", { width: NODE_W, height: NODE_H, rx: 6 }));
    const label = svg("text", { x: NODE_W / 2, y: NODE_H / 2 + 4, "text-anchor": "middle" });
    label.textContent = name.length > 24 ? `${name.slice(0, 23)}…` : name;
    group.append(label);
    root.append(group);
  }
  return root;
}

// ---------- live countdowns, wiring ----------

setInterval(() => {
  for (const node of document.querySelectorAll("[data-until]"))
    node.textContent = countdown(node.dataset.until);
}, 1000);

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && state.csrf) route();
});

window.addEventListener("hashchange", () => state.csrf && route());

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("more").addEventListener("click", more);
  $("cancel").addEventListener("click", cancelRequest);
  for (const id of ["filter-status", "filter-tool"]) {
    $(id).addEventListener("change", () => {
      state.rows.clear();
      refreshList();
    });
  }
  start();
});
