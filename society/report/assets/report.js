// society report: draws a run (or a folder of runs) from the data embedded in this file.
// Every value from the transcript is untrusted (agents' messages, model replies): it only
// ever reaches the page as text nodes or attribute values, never as markup.
"use strict";

const PAGE = document.body.dataset.page;
const cores = {}; // run key -> decoded core data
const provs = {}; // "key/round" -> decoded provenance of that round
let index = null; // experiment: the list of runs
let route = {};

// ---------- data ----------

async function decode(id) {
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot decompress the embedded data (DecompressionStream needs Chrome 80+, Firefox 113+ or Safari 16.4+)");
  }
  const el = document.getElementById(id);
  if (!el) return null;
  const text = atob(el.textContent.trim());
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

async function core(key) {
  if (!(key in cores)) {
    const data = await decode("core-" + key);
    if (!data) throw new Error("no embedded data for run " + key);
    prepare(data);
    cores[key] = data;
  }
  return cores[key];
}

async function provenance(key, round) {
  const id = key + "/" + round;
  if (!(id in provs)) provs[id] = (await decode("prov-" + key + "-" + round)) || {};
  return provs[id];
}

// Turn rows are arrays (compact); give them names once.
function prepare(data) {
  if (data.generic) return; // a game's generic data: drawn by genericView
  data.turns = data.turns.map((t) => ({
    seq: t[0], round: t[1], agent: data.agents[t[2]].id, phase: t[3], source: t[4],
    decision: t[5], attempts: t[6], failure: t[7], calls: t[8], tin: t[9], tout: t[10],
    latency: t[11], reflection: t[12], harvested: t[13],
  }));
  data.turnBySeq = new Map(data.turns.map((t) => [t.seq, t]));
  data.roundByNumber = new Map(data.rounds.map((r) => [r.r, r]));
  data.agentIds = data.agents.map((a) => a.id);
}

// ---------- DOM helpers (text only) ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === "cls") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function num(v, digits = 2) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

function table(headers, rows, numeric = []) {
  return h("table", {},
    h("thead", {}, h("tr", {}, headers.map((x, i) => h("th", { cls: numeric.includes(i) ? "num" : null }, x)))),
    h("tbody", {}, rows));
}

function row(cells, numeric = [], attrs = {}) {
  return h("tr", attrs, cells.map((c, i) => h("td", { cls: numeric.includes(i) ? "num" : null }, c)));
}

function facts(pairs) {
  return h("div", { cls: "facts" }, pairs.filter((p) => p[1] !== undefined).map(([k, v]) => h("div", {}, h("b", {}, k), v)));
}

// ---------- routing: the URL fragment is the shareable state ----------

function link(params, text, attrs = {}) {
  return h("a", { href: hrefFor(params), ...attrs }, text);
}

function hrefFor(params) {
  const p = new URLSearchParams();
  const merged = { run: route.run, ...params };
  if (PAGE === "run") delete merged.run;
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== null && v !== "") p.set(k, v);
  return "#" + p.toString();
}

function go(params) {
  location.hash = hrefFor(params).slice(1);
}

function parseHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const r = Object.fromEntries(p.entries());
  if (PAGE === "run") r.run = "0";
  return r;
}

window.addEventListener("hashchange", () => render().catch(showError));

async function render() {
  route = parseHash();
  const main = document.getElementById("main");
  const tabs = document.getElementById("tabs");
  tabs.replaceChildren();
  if (PAGE === "experiment" && route.run === undefined) {
    main.replaceChildren(await experimentView());
    closeDetail();
    return ready();
  }
  const data = await core(route.run);
  if (data.generic) {
    if (PAGE === "experiment") tabs.append(h("a", { href: "#" }, "← all runs"));
    const chosen = route.view === "round" || route.r ? "round" : "overview";
    for (const [name, label] of [["overview", "Overview"], ["round", "Rounds"]]) {
      tabs.append(link({ view: name }, label, { cls: chosen === name ? "on" : null, "data-tab": name }));
    }
    main.replaceChildren(chosen === "round" ? genericRoundView(data) : genericView(data));
    closeDetail();
    return ready();
  }
  const view = route.view || (route.r ? "round" : route.agent && !route.view ? "agent" : "overview");
  if (PAGE === "experiment") tabs.append(h("a", { href: "#" }, "← all runs"));
  for (const [name, label] of [["overview", "Overview"], ["round", "Rounds"], ["agents", "Agents"], ["search", "Search"], ["gossip", "Gossip"]]) {
    tabs.append(link({ view: name }, label, { cls: view === name || (name === "agents" && view === "agent") ? "on" : null, "data-tab": name }));
  }
  const views = { overview: overviewView, round: roundView, agents: agentsView, agent: agentView, search: searchView, gossip: gossipView };
  main.replaceChildren((views[view] || overviewView)(data));
  if (route.d) await showDecision(data, Number(route.d));
  else closeDetail();
  ready();
}

function ready() {
  document.body.dataset.ready = "1";
}

function showError(error) {
  document.getElementById("main").replaceChildren(h("p", { cls: "bad" }, "Could not draw the report: " + error));
}

// ---------- a game without a view of its own (society.core.presentation) ----------

// Its sections: [{title, series?, y_label?, headers, rows, numeric?}] — a chart and/or a table.
function genericSections(sections) {
  return (sections || []).map((sec) => h("section", { "data-section": sec.title },
    h("h3", {}, sec.title),
    sec.series ? chart(sec.series, { yLabel: sec.y_label || "" }) : null,
    sec.rows ? table(sec.headers, sec.rows.map((r) => row(r.map((c) => num(c)), sec.numeric || [])), sec.numeric || []) : null));
}

function scalarPairs(obj, prefix = "") {
  const out = [];
  for (const [k, v] of Object.entries(obj || {})) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) out.push(...scalarPairs(v, prefix + k + "."));
    else if (!Array.isArray(v)) out.push([prefix + k, num(v, 3)]);
  }
  return out;
}

function genericView(data) {
  const run = data.run;
  return h("div", { "data-view": "overview" },
    h("h2", {}, `${run.scenario} · game ${run.game} · seed ${run.seed}`),
    facts([["run", run.id], ["agents", String(data.agents.length)], ["rounds", String(data.rounds.length)]]),
    genericSections(data.sections),
    data.metrics ? h("section", {}, h("h3", {}, "Metrics"),
      table(["metric", "value"], scalarPairs(data.metrics).map((p) => row(p, [1])), [1])) : h("p", {}, "No metrics: the run has not finished."));
}

function genericRoundView(data) {
  const numbers = data.rounds.map((r) => r.round);
  const chosen = Number(route.r || numbers[0]);
  const found = data.rounds.find((r) => r.round === chosen) || data.rounds[0];
  const nav = h("p", { cls: "rounds-nav" }, numbers.map((n) => [link({ view: "round", r: n }, String(n), { cls: n === found.round ? "on" : null }), " "]));
  return h("div", { "data-view": "round" },
    h("h2", {}, `Round ${found.round}`), nav,
    genericSections(found.sections),
    table(["#", "kind", "event"], found.events.map((e) => row([e.seq, e.kind, e.text], [0])), [0]));
}

// ---------- charts ----------

// A line/bar chart over rounds. series: {label, color, points: [[x, y]], dashed, bars}
function chart(series, { width = 900, height = 260, yLabel = "" } = {}) {
  const pad = { l: 48, r: 24, t: 22, b: 28 };
  const xs = series.flatMap((se) => se.points.map((p) => p[0]));
  const ys = series.flatMap((se) => se.points.map((p) => p[1])).filter((y) => y !== null);
  const x0 = Math.min(...xs, 1), x1 = Math.max(...xs, 1);
  const y1 = Math.max(...ys, 1) * 1.05;
  const X = (x) => pad.l + ((x - x0 + 0.5) / (x1 - x0 + 1)) * (width - pad.l - pad.r);
  const Y = (y) => height - pad.b - (y / y1) * (height - pad.t - pad.b);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img" });
  for (let i = 0; i <= 4; i++) {
    const v = (y1 * i) / 4;
    svg.append(s("line", { x1: pad.l, x2: width - pad.r, y1: Y(v), y2: Y(v), class: "grid" }));
    svg.append(s("text", { x: pad.l - 4, y: Y(v) + 4, "text-anchor": "end" }, num(v, 0)));
  }
  const step = Math.max(1, Math.ceil((x1 - x0) / 15));
  for (let x = x0; x <= x1; x += step) svg.append(s("text", { x: X(x), y: height - 10, "text-anchor": "middle" }, x));
  svg.append(s("text", { x: pad.l, y: 12 }, yLabel));
  const bw = Math.max(2, ((width - pad.l - pad.r) / Math.max(1, x1 - x0 + 1)) * 0.6);
  for (const se of series) {
    if (se.bars) {
      for (const [x, y] of se.points) {
        if (y === null) continue;
        svg.append(s("rect", { x: X(x) - bw / 2, y: Y(y), width: bw, height: Math.max(0, Y(0) - Y(y)), fill: se.color, opacity: 0.45 },
          s("title", {}, `${se.label}, round ${x}: ${num(y)}`)));
      }
    } else {
      const pts = se.points.filter((p) => p[1] !== null).map(([x, y]) => `${X(x)},${Y(y)}`).join(" ");
      svg.append(s("polyline", { points: pts, fill: "none", stroke: se.color, "stroke-width": 2, "stroke-dasharray": se.dashed ? "6 4" : null }));
      for (const [x, y] of se.points) if (y !== null && se.points.length <= 60) svg.append(s("circle", { cx: X(x), cy: Y(y), r: 2.5, fill: se.color }, s("title", {}, `${se.label}, round ${x}: ${num(y)}`)));
    }
  }
  const legend = h("div", { cls: "legend" }, series.map((se) => h("span", {}, h("i", { style: `background:${se.color}` }), se.label)));
  return h("div", {}, svg, legend);
}

// ---------- overview ----------

// Same words as the CLI's metrics table (society/cli/metrics_table.py).
const EFFICIENCY_NOTE = "Efficiency: the group's harvest against the sustainable maximum " +
  "(logistic: Σh / (T·MSY) over T rounds, MSY = r·K/4; GovSim: 1 − max(0, T·f(0) − Σh) / (T·f(0)), at most 1). " +
  "Above 1: the group took more than the commons regrows at best, drawing the stock down.";

function overviewView(data) {
  const run = data.run, m = data.metrics;
  const out = h("div", { "data-view": "overview" });
  out.append(h("h1", {}, `Run ${run.id}`));
  out.append(facts([
    ["scenario", run.scenario], ["seed", run.seed], ["agents", data.agents.length],
    ["rounds", `${run.rounds_completed ?? data.rounds.length} of ${run.rounds_limit}`],
    ["ended", run.end_reason ?? "unfinished"], ["final stock", num(run.final_stock)],
    ["institutions", Object.entries(run.institutions).filter(([, on]) => on).map(([k]) => k).join(", ") || "none"],
  ]));
  if (m) {
    out.append(facts([
      ["gain (total)", num(m.gain_total)], ["efficiency", num(m.efficiency, 3)], ["equality", num(m.equality, 3)],
      ["over-usage", num(m.over_usage, 3)], ["survival time", m.survival_time],
      ["model calls", m.llm ? m.llm.calls : undefined], ["tokens in/out", m.llm ? `${m.llm.input_tokens} / ${m.llm.output_tokens}` : undefined],
      ["cooperation", m.governance ? num(m.governance.cooperation_rate, 3) : undefined],
    ]));
    out.append(h("p", { cls: "muted" }, EFFICIENCY_NOTE));
  } else {
    out.append(h("p", { cls: "warn" }, "No metrics.json in the run folder (unfinished run?): run `society metrics RUN_DIR` to compute it."));
  }
  out.append(h("h2", {}, "Stock and harvest over rounds"));
  out.append(chart([
    { label: "stock at round start", color: "#2f6bd8", points: data.rounds.map((r) => [r.r, r.stock]) },
    { label: "group harvest", color: "#e67e22", bars: true, points: data.rounds.map((r) => [r.r, r.harvest]) },
    { label: run.sustainable_label.long, color: "#1e8449", dashed: true, points: data.rounds.map((r) => [r.r, r.sustainable]) },
  ], { yLabel: run.unit }));
  out.append(h("h2", {}, "Rounds"));
  out.append(roundsTable(data));
  out.append(h("details", {}, h("summary", {}, "Scenario (as resolved for this run)"), h("pre", {}, JSON.stringify(data.scenario, null, 2))));
  return out;
}

function roundsTable(data) {
  const rows = data.rounds.map((r) => {
    const viol = r.inspections.filter((i) => i[3]).length;
    return row([
      link({ view: "round", r: r.r }, r.r), num(r.stock), num(r.norm_limit), num(r.harvest), num(r.sustainable), r.alive,
      `${r.inspections.length} (${viol})`, r.messages.length, r.sanctions.length,
      r.adopted ? num(r.adopted.limit) : "", r.failures || "", r.died.join(", "), r.end_reason || "",
    ], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { cls: "click", on: { click: (e) => { if (e.target.tagName !== "A") go({ view: "round", r: r.r }); } } });
  });
  return table(["round", "stock", "norm", "harvest", data.run.sustainable_label.short, "alive", "inspected (viol.)", "messages", "sanctions", "new norm", "failures", "died", "end"], rows, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
}

// ---------- one round ----------

function decisionLink(t, text) {
  return link({ view: route.view, r: route.r, agent: route.agent, d: t.seq, ...searchParams() }, text || `${t.phase}`, { cls: "decision", "data-seq": t.seq });
}

function searchParams() {
  if (route.view !== "search") return {};
  return { fa: route.fa, fk: route.fk, fq: route.fq, fr: route.fr };
}

function decisionSummary(d) {
  if (!d) return "";
  return Object.entries(d).filter(([k]) => k !== "rationale" && k !== "messages")
    .map(([k, v]) => `${k}=${typeof v === "number" ? num(v, 3) : Array.isArray(v) ? "[" + v.join(", ") + "]" : v}`)
    .concat(d.messages && d.messages.length ? [`messages=${d.messages.length}`] : []).join(", ");
}

function roundView(data) {
  const numbers = data.rounds.map((r) => r.r);
  const n = Number(route.r || numbers[0]);
  const r = data.roundByNumber.get(n);
  const out = h("div", { "data-view": "round" });
  const nav = h("p", {},
    numbers.includes(n - 1) ? link({ view: "round", r: n - 1 }, "← previous") : "", " ",
    h("select", { "aria-label": "round", on: { change: (e) => go({ view: "round", r: e.target.value }) } },
      numbers.map((x) => h("option", { value: x, selected: x === n }, `round ${x}`))), " ",
    numbers.includes(n + 1) ? link({ view: "round", r: n + 1 }, "next →") : "");
  out.append(nav);
  if (!r) return append(out, [h("p", { cls: "bad" }, `No round ${n} in this run.`)]);
  out.append(h("h1", {}, `Round ${n}`));
  out.append(facts([["stock", num(r.stock)], ["stock at end", num(r.stock_end)], ["group harvest", num(r.harvest)],
    [data.run.sustainable_label.long, num(r.sustainable)], ["alive", r.alive], ["rationed", r.rationed ? "yes" : "no"], ["end", r.end_reason || undefined]]));
  out.append(h("h2", {}, "Norm in force"), h("p", {}, "«", r.norm_text || "", "» ", h("span", { cls: "muted" }, `limit ${num(r.norm_limit)}`)));
  for (const [agent, group] of r.joined) out.append(h("p", {}, `${agent} (${group}) joins the commons`));

  const turns = data.turns.filter((t) => t.round === n);
  const byAgent = new Map();
  for (const t of turns) (byAgent.get(t.agent) || byAgent.set(t.agent, []).get(t.agent)).push(t);
  out.append(h("h2", {}, "Harvests and decisions"));
  const agents = Array.from(new Set([...Object.keys(r.requested), ...byAgent.keys()])).sort();
  out.append(table(["agent", "asked", "took", "payoff", "decisions"], agents.map((a) => row([
    link({ agent: a, view: "agent" }, a), num(r.requested[a]), num(r.harvested[a]), num(r.payoffs[a]),
    (byAgent.get(a) || []).map((t) => [decisionLink(t, t.failure ? `${t.phase} (failed)` : t.phase), " "]),
  ], [1, 2, 3])), [1, 2, 3]));
  if (r.skipped.length) out.append(h("p", { cls: "warn" }, "Skipped (no usable decision): " + r.skipped.join(", ")));
  if (r.excluded.length) out.append(h("p", {}, "Excluded this round: " + r.excluded.join(", ")));

  if (r.inspections.length) {
    out.append(h("h2", {}, "Monitoring"));
    out.append(h("ul", { cls: "plain" }, r.inspections.map(([mon, target, took, viol]) =>
      h("li", {}, `${mon} inspected ${target}: took ${num(took)}, `, h("span", { cls: viol ? "bad" : "good" }, viol ? "broke the norm" : "kept the norm")))));
  }
  if (r.messages.length) {
    out.append(h("h2", {}, "Messages"));
    out.append(h("ul", { cls: "plain" }, r.messages.map(([from, to, text, claims]) =>
      h("li", { cls: "message" }, h("b", {}, `${from} → ${to}: `), "«", text, "»",
        claims.map(([about, rr, hv]) => h("span", { cls: "chip" }, `claims ${about} took ${num(hv)} in round ${rr}`))))));
  }
  if (r.sanctions.length) {
    out.append(h("h2", {}, "Sanctions"));
    out.append(h("ul", { cls: "plain" }, r.sanctions.map(([p, target, kind, step, fine, excl, took]) =>
      h("li", {}, `${p} → ${target} (took ${num(took)}): ladder step ${step}, `,
        kind === "fine" ? `fine ${num(fine)}` : kind === "exclusion" ? `excluded ${excl} round(s)` : "warning"))));
  }
  if (r.town_hall) {
    out.append(h("h2", {}, `Town hall (opened by ${r.town_hall.first})`));
    if (r.town_hall.catches) out.append(h("p", { cls: "muted" }, "catches: " + Object.entries(r.town_hall.catches).map(([a, c]) => `${a} ${num(c)}`).join(", ")));
    out.append(h("ul", { cls: "plain" }, r.utterances.map(([who, text, lim]) => h("li", {}, h("b", {}, who + ": "), "«", text, "»", lim !== null ? h("span", { cls: "chip" }, `proposes ${num(lim)}`) : ""))));
    if (r.agreements.length) out.append(h("ul", { cls: "plain" }, r.agreements.map(([a, summary, lim]) => h("li", {}, h("b", {}, a + " noted: "), summary, lim !== null ? ` (limit ${num(lim)})` : ""))));
  }
  if (r.ballot) {
    out.append(h("h2", {}, "Proposals and votes"));
    const counts = r.vote ? r.vote.counts : {};
    out.append(table(["proposal", "by", "text", "limit", "votes", ""], Object.entries(r.ballot).map(([pid, p]) => row([
      pid, (p.proposers || [p.author]).join(", "), p.text, num(p.limit), counts[pid] || 0,
      r.adopted && r.adopted.proposal === pid ? h("b", { cls: "good" }, "adopted") : "",
    ], [3, 4]))));
    if (r.vote) {
      out.append(h("p", { cls: "muted" }, "votes: " + Object.entries(r.vote.votes).map(([v, c]) => `${v}→${c}`).join(", ")));
      if (r.vote.tied.length > 1) out.append(h("p", {}, `tie among ${r.vote.tied.join(", ")} broken by a seeded draw`));
    }
  }
  if (r.adopted) out.append(h("p", {}, h("b", {}, "Adopted for next round: "), "«", r.adopted.text, "» ", `(limit ${num(r.adopted.limit)}, proposed by ${r.adopted.proposer})`));
  if (r.learning.length) {
    out.append(h("h2", {}, "Learning"));
    const copied = r.learning.filter((l) => l[2]);
    out.append(h("p", {}, copied.length ? copied.map((l) => `${l[0]} copied ${l[1]}`).join("; ") : "Nobody copied a peer.",
      ` ${r.learning.length - copied.length} agent(s) adjusted their own strategy.`));
  }
  if (r.others && r.others.length) {
    out.append(h("h2", {}, "Institutions and other events"));
    out.append(h("ul", { cls: "plain" }, r.others.map(([seq, line]) => h("li", {}, h("span", { cls: "muted" }, `#${seq} `), line))));
  }
  if (r.died.length) out.append(h("p", { cls: "bad" }, "Died: " + r.died.join(", ")));
  return out;
}

// ---------- agents ----------

function agentsView(data) {
  const gains = (data.metrics && data.metrics.gain_per_agent) || {};
  const last = data.rounds[data.rounds.length - 1];
  const counts = new Map();
  for (const t of data.turns) {
    const c = counts.get(t.agent) || counts.set(t.agent, [0, 0]).get(t.agent);
    c[0]++; if (t.failure) c[1]++;
  }
  const rows = data.agents.map((a) => row([
    link({ view: "agent", agent: a.id }, a.id), a.group, a.persona, a.model,
    num(last ? last.payoffs[a.id] : null), num(gains[a.id]), (counts.get(a.id) || [0])[0], (counts.get(a.id) || [0, 0])[1] || "",
  ], [4, 5, 6, 7], { cls: "click", on: { click: (e) => { if (e.target.tagName !== "A") go({ view: "agent", agent: a.id }); } } }));
  return h("div", { "data-view": "agents" }, h("h1", {}, "Agents"), table(["agent", "group", "persona", "model", "final payoff", "gain", "decisions", "failed"], rows, [4, 5, 6, 7]));
}

function agentView(data) {
  const id = route.agent;
  const a = data.agents.find((x) => x.id === id);
  const out = h("div", { "data-view": "agent" });
  if (!a) return append(out, [h("p", { cls: "bad" }, `No agent ${id} in this run.`)]);
  const gains = (data.metrics && data.metrics.gain_per_agent) || {};
  out.append(h("h1", {}, `Agent ${a.id}`));
  out.append(facts([["group", a.group], ["persona", a.persona], ["model", a.model], ["gain", num(gains[a.id])]]));
  // Two charts: holdings grow far beyond one round's harvest, which would flatten it.
  out.append(h("h2", {}, "Harvest over rounds"));
  out.append(chart([
    { label: "harvest", color: "#e67e22", bars: true, points: data.rounds.map((r) => [r.r, r.harvested[a.id] ?? null]) },
    { label: "norm limit in force", color: "#1e8449", dashed: true, points: data.rounds.map((r) => [r.r, r.norm_limit]) },
  ], { height: 180, yLabel: data.run.unit }));
  out.append(h("h2", {}, "Payoff over rounds"));
  out.append(chart([
    { label: "payoff (holdings)", color: "#2f6bd8", points: data.rounds.map((r) => [r.r, r.payoffs[a.id] ?? null]) },
  ], { height: 160, yLabel: data.run.unit }));
  out.append(h("h2", {}, "Strategy and norm over time"));
  const rows = [];
  for (const r of data.rounds) {
    const learned = r.learning.find((l) => l[0] === a.id);
    const proposed = r.ballot ? Object.entries(r.ballot).filter(([, p]) => (p.proposers || [p.author]).includes(a.id)).map(([pid, p]) => `${pid}: ${num(p.limit)}`).join(", ") : "";
    const voted = r.vote ? r.vote.votes[a.id] || "" : "";
    rows.push(row([
      link({ view: "round", r: r.r }, r.r), num(r.norm_limit), proposed, voted,
      learned ? (learned[2] ? `copied ${learned[1]}` : "own") : "",
      learned ? Object.entries(learned[3]).map(([k, v]) => `${k}=${typeof v === "number" ? num(v, 3) : v}`).join(", ") : "",
    ], [0, 1]));
  }
  out.append(table(["round", "norm in force", "proposed", "voted", "learning", "strategy after the round"], rows, [0, 1]));
  const reflections = data.reflections.filter((x) => data.agents[x[2]].id === a.id);
  if (reflections.length) {
    out.append(h("h2", {}, "Reflections"));
    out.append(h("ul", { cls: "plain" }, reflections.map((x) => h("li", {}, h("b", {}, `round ${x[1]}: `), x[3], h("span", { cls: "muted" }, ` (importance ${num(x[4])}, ${x[5]})`)))));
  }
  out.append(h("h2", {}, "Decisions"));
  out.append(turnsTable(data.turns.filter((t) => t.agent === a.id)));
  return out;
}

function turnsTable(turns) {
  return table(["round", "agent", "phase", "source", "decision", "rationale / failure", "calls"], turns.map((t) => row([
    t.round, t.agent, decisionLink(t), t.source || "–",
    t.failure ? h("span", { cls: "bad" }, "FAILED") : decisionSummary(t.decision),
    t.failure ? `${t.failure.error} (policy: ${t.failure.policy})` : (t.decision && t.decision.rationale) || "", t.calls || "",
  ], [0, 6], { cls: "click", "data-agent": t.agent, on: { click: (e) => { if (e.target.tagName !== "A") go({ ...route, d: t.seq }); } } })), [0, 6]);
}

// ---------- decision provenance ----------

function closeDetail() {
  const aside = document.getElementById("detail");
  aside.hidden = true;
  aside.replaceChildren();
  document.body.classList.remove("with-detail");
}

async function showDecision(data, seq) {
  const aside = document.getElementById("detail");
  const t = data.turnBySeq.get(seq);
  aside.hidden = false;
  document.body.classList.add("with-detail");
  const close = h("button", { cls: "close", on: { click: () => { const r = { ...route }; delete r.d; delete r.run; go(r); } } }, "close ✕");
  if (!t) return aside.replaceChildren(close, h("p", { cls: "bad" }, `No decision #${seq} in this run.`));
  const detail = (await provenance(route.run, t.round))[String(seq)] || { calls: [], recall: null };
  const out = h("div", { "data-decision": seq });
  out.append(close, h("h1", {}, `${t.agent} · ${t.phase} · round ${t.round}`));
  out.append(h("p", {}, link({ view: "round", r: t.round, d: seq }, "round " + t.round), " · ", link({ view: "agent", agent: t.agent, d: seq }, "agent " + t.agent),
    " · ", h("a", { href: hrefFor({ d: seq }), cls: "permalink" }, "link to this decision")));
  out.append(facts([["source", t.source || "–"], ["attempts", t.attempts], ["model calls", t.calls],
    ["tokens in / out", t.calls ? `${t.tin} / ${t.tout}` : "–"], ["latency", t.latency !== null ? `${num(t.latency, 3)} s` : "–"],
    ["harvested", t.harvested !== null ? num(t.harvested) : undefined]]));
  out.append(h("h2", {}, "Parsed decision"));
  if (t.decision) out.append(h("pre", { cls: "parsed" }, JSON.stringify(t.decision, null, 2)));
  if (t.failure) out.append(h("div", { cls: "call failed" }, h("b", { cls: "bad" }, `No usable decision (${t.failure.reason}); policy: ${t.failure.policy}`), h("pre", {}, t.failure.error),
    t.failure.last_reply !== null ? [h("div", { cls: "msg-role" }, "last reply"), h("pre", {}, t.failure.last_reply)] : ""));

  out.append(h("h2", {}, "Reflection in force"));
  const refl = t.reflection >= 0 ? data.reflections[t.reflection] : null;
  out.append(refl ? h("p", { cls: "reflection" }, "«", refl[3], "» ", h("span", { cls: "muted" }, `(round ${refl[1]}, importance ${num(refl[4])}, ${refl[5]})`)) : h("p", { cls: "muted" }, "none yet"));

  out.append(h("h2", {}, "Memories recalled"));
  const rc = detail.recall;
  if (!rc) out.append(h("p", { cls: "muted" }, "No recall recorded for this decision."));
  else {
    out.append(h("p", { cls: "muted" }, "query: ", rc.query));
    const kept = rc.items.length - rc.dropped;
    out.append(h("table", { cls: "memories" }, h("thead", {}, h("tr", {}, ["round", "kind", "memory", "score", "recency", "importance", "relevance"].map((x) => h("th", {}, x)))),
      h("tbody", {}, rc.items.map((m, i) => row([m[0], m[1] + (m[7] ? " (pinned)" : "") + (i >= kept ? " (dropped)" : ""), m[2], num(m[3], 3), num(m[4], 3), num(m[5], 3), num(m[6], 3)], [0, 3, 4, 5, 6], { cls: "memory" })))));
    if (rc.dropped) out.append(h("p", { cls: "warn" }, `${rc.dropped} memory(ies) dropped to fit the prompt's token budget.`));
  }

  out.append(h("h2", {}, "Model calls"));
  if (!detail.calls.length) out.append(h("p", { cls: "muted" }, t.source === "rules" ? "Rule-based decision: no model call, no prompt." : "No model call recorded."));
  for (const c of detail.calls) {
    const box = h("div", { cls: "call" + (c.error ? " failed" : "") });
    box.append(h("h3", {}, `attempt ${c.attempt} · ${c.prompt_id} · ${c.model}`));
    box.append(facts([["tokens in / out", `${c.tokens[0]} / ${c.tokens[1]} (${c.tokens[2]})`], ["latency", c.latency !== null ? `${num(c.latency, 3)} s` : "–"],
      ["output mode", c.mode], ["token budget", c.budget ?? "–"], ["memories dropped", c.dropped], ["cost", c.cost !== null ? num(c.cost, 5) : undefined],
      ["template sha256", c.sha.slice(0, 12)]]));
    box.append(h("div", { cls: "prompt" }, c.messages.map(([role, content]) => [h("div", { cls: "msg-role" }, role), h("pre", { cls: "prompt-message" }, content)])));
    box.append(h("div", { cls: "msg-role" }, "raw reply"), h("pre", { cls: "reply" }, c.reply === null ? "(no reply)" : c.reply));
    if (c.error) box.append(h("div", { cls: "msg-role bad" }, "error"), h("pre", {}, c.error));
    else if (c.parsed) box.append(h("div", { cls: "msg-role" }, "parsed"), h("pre", {}, JSON.stringify(c.parsed, null, 2)));
    out.append(box);
  }
  aside.replaceChildren(out);
  aside.scrollTop = 0;
}

// ---------- search and filter ----------

// Every decision and governance event as one searchable line.
function timeline(data) {
  if (data.timeline) return data.timeline;
  const items = [];
  for (const t of data.turns) {
    items.push({ kind: t.failure ? "failure" : "decision", round: t.round, agents: [t.agent], seq: t.seq,
      text: `${t.phase}: ` + (t.failure ? t.failure.error : decisionSummary(t.decision) + (t.decision && t.decision.rationale ? " — " + t.decision.rationale : "")) });
  }
  for (const r of data.rounds) {
    for (const [from, to, text, claims] of r.messages) items.push({ kind: "message", round: r.r, agents: [from, to, ...claims.map((c) => c[0])], text: `${from} → ${to}: ${text}` });
    for (const [mon, target, took, viol] of r.inspections) items.push({ kind: "inspection", round: r.r, agents: [mon, target], text: `${mon} inspected ${target}: took ${num(took)}${viol ? ", broke the norm" : ""}` });
    for (const [p, target, kind] of r.sanctions) items.push({ kind: "sanction", round: r.r, agents: [p, target], text: `${p} → ${target}: ${kind}` });
    if (r.ballot) for (const [pid, p] of Object.entries(r.ballot)) items.push({ kind: "proposal", round: r.r, agents: p.proposers || [p.author], text: `${pid}: ${p.text} (limit ${num(p.limit)})` });
    if (r.vote) for (const [v, c] of Object.entries(r.vote.votes)) items.push({ kind: "vote", round: r.r, agents: [v], text: `${v} voted ${c}` });
    if (r.adopted) items.push({ kind: "norm", round: r.r, agents: [r.adopted.proposer], text: `adopted: ${r.adopted.text} (limit ${num(r.adopted.limit)})` });
    for (const [who, text] of r.utterances) items.push({ kind: "utterance", round: r.r, agents: [who], text: `${who}: ${text}` });
    for (const [a, summary] of r.agreements) items.push({ kind: "agreement", round: r.r, agents: [a], text: `${a}: ${summary}` });
    for (const l of r.learning) if (l[2]) items.push({ kind: "learning", round: r.r, agents: [l[0], l[1]], text: `${l[0]} copied ${l[1]}` });
    for (const a of r.died) items.push({ kind: "death", round: r.r, agents: [a], text: `${a} died` });
  }
  for (const x of data.reflections) items.push({ kind: "reflection", round: x[1], agents: [data.agents[x[2]].id], text: `${data.agents[x[2]].id}: ${x[3]}` });
  items.sort((a, b) => a.round - b.round);
  for (const it of items) it.lower = it.text.toLowerCase();
  data.timeline = items;
  return items;
}

const PAGE_SIZE = 200;

// The round filter (`fr`): "3" or "2-5"; anything else is said, and filters nothing.
function roundRange(out) {
  if (!route.fr) return [-Infinity, Infinity];
  const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(route.fr);
  if (m) return [Number(m[1]), m[2] ? Number(m[2]) : Number(m[1])];
  out.append(h("p", { cls: "bad" }, `round filter "${route.fr}" is not a number or a range like 2-5`));
  return [-Infinity, Infinity];
}

function searchView(data) {
  const items = timeline(data);
  const kinds = Array.from(new Set(items.map((i) => i.kind))).sort();
  const out = h("div", { "data-view": "search" }, h("h1", {}, "Search and filter"));
  const update = (patch) => {
    const r = { ...route, view: "search", ...patch };
    delete r.run; delete r.d; delete r.fn;
    go(r);
  };
  let typing = null;
  out.append(h("div", { cls: "filters" },
    h("label", {}, "agent", h("select", { id: "filter-agent", on: { change: (e) => update({ fa: e.target.value }) } },
      h("option", { value: "" }, "any"), data.agentIds.map((a) => h("option", { value: a, selected: route.fa === a }, a)))),
    h("label", {}, "round", h("input", { id: "filter-round", size: 8, placeholder: "e.g. 3 or 2-5", value: route.fr || "", on: { change: (e) => update({ fr: e.target.value }) } })),
    h("label", {}, "kind", h("select", { id: "filter-kind", on: { change: (e) => update({ fk: e.target.value }) } },
      h("option", { value: "" }, "any"), kinds.map((k) => h("option", { value: k, selected: route.fk === k }, k)))),
    h("label", {}, "text", h("input", { id: "filter-text", size: 28, value: route.fq || "", on: { input: (e) => { clearTimeout(typing); typing = setTimeout(() => update({ fq: e.target.value }), 300); } } }))));
  const [lo, hi] = roundRange(out);
  const q = (route.fq || "").toLowerCase();
  const hits = items.filter((i) => (!route.fa || i.agents.includes(route.fa)) && (!route.fk || i.kind === route.fk) && i.round >= lo && i.round <= hi && (!q || i.lower.includes(q)));
  const shown = Math.min(hits.length, Number(route.fn || PAGE_SIZE));
  out.append(h("p", { cls: "muted", id: "hit-count" }, `${hits.length} of ${items.length} entries`));
  out.append(table(["round", "kind", "agents", "what"], hits.slice(0, shown).map((i) => row([
    link({ view: "round", r: i.round }, i.round), i.kind, Array.from(new Set(i.agents.filter((a) => a && a !== "all"))).join(", "),
    i.seq !== undefined ? link({ ...searchParams(), view: "search", d: i.seq }, i.text, { cls: "decision", "data-seq": i.seq }) : i.text,
  ], [0], { cls: "hit", "data-kind": i.kind, "data-agents": i.agents.join(" ") }))));
  if (shown < hits.length) out.append(h("p", { cls: "pager" }, link({ ...searchParams(), view: "search", fn: shown + PAGE_SIZE }, `show ${Math.min(PAGE_SIZE, hits.length - shown)} more`)));
  return out;
}

// ---------- gossip graph ----------

function gossipView(data) {
  const out = h("div", { "data-view": "gossip" }, h("h1", {}, "Gossip: who told whom about whom"));
  out.append(h("div", { cls: "filters" }, h("label", {}, "rounds", h("input", { id: "gossip-rounds", size: 8, placeholder: "e.g. 3 or 2-5", value: route.fr || "",
    on: { change: (e) => go({ view: "gossip", fr: e.target.value }) } }))));
  const [lo, hi] = roundRange(out);
  const told = new Map(); // "teller|about" -> {n, to:Set}
  const direct = new Map(); // "from|to" -> n, messages to one member
  for (const r of data.rounds) {
    if (r.r < lo || r.r > hi) continue;
    for (const [from, to, , claims] of r.messages) {
      if (to !== "all") direct.set(from + "|" + to, (direct.get(from + "|" + to) || 0) + 1);
      for (const [about] of claims) {
        const k = from + "|" + about;
        const e = told.get(k) || told.set(k, { n: 0, to: new Set() }).get(k);
        e.n++; e.to.add(to);
      }
    }
  }
  if (!told.size && !direct.size) return append(out, [h("p", { cls: "muted" }, "No messages in this run (gossip off, or nobody spoke).")]);
  const ids = data.agentIds, n = ids.length, size = Math.min(900, 360 + n * 6), c = size / 2, rad = c - 70;
  const pos = new Map(ids.map((id, i) => [id, [c + rad * Math.cos((2 * Math.PI * i) / n - Math.PI / 2), c + rad * Math.sin((2 * Math.PI * i) / n - Math.PI / 2)]]));
  const svg = s("svg", { viewBox: `0 0 ${size} ${size}`, width: Math.min(size, 900), role: "img" });
  svg.append(s("defs", {}, s("marker", { id: "arrow-red", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" }, s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#c0392b" })),
    s("marker", { id: "arrow-blue", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" }, s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#2f6bd8" }))));
  const edge = (a, b, w, color, marker, title) => {
    const [x1, y1] = pos.get(a) || [c, c], [x2, y2] = pos.get(b) || [c, c];
    const dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy) || 1, sh = 8 / len;
    // Bend each edge to its left, so that A→B and B→A stay apart.
    const mx = (x1 + x2) / 2 - dy * 0.12, my = (y1 + y2) / 2 + dx * 0.12;
    const d = `M${x1 + dx * sh},${y1 + dy * sh} Q${mx},${my} ${x2 - dx * sh},${y2 - dy * sh}`;
    svg.append(s("path", { d, fill: "none", class: "edge", stroke: color, "stroke-width": Math.min(6, 1 + Math.log2(w)), opacity: 0.6, "marker-end": `url(#${marker})` }, s("title", {}, title)));
  };
  for (const [k, e] of told) { const [a, b] = k.split("|"); edge(a, b, e.n, "#c0392b", "arrow-red", `${a} reported on ${b} ${e.n} time(s), to ${[...e.to].join(", ")}`); }
  for (const [k, w] of direct) { const [a, b] = k.split("|"); edge(a, b, w, "#2f6bd8", "arrow-blue", `${a} wrote to ${b} ${w} time(s)`); }
  for (const id of ids) {
    const [x, y] = pos.get(id);
    const g = s("a", { href: hrefFor({ view: "agent", agent: id }) }, s("circle", { cx: x, cy: y, r: 6, fill: "#555" }, s("title", {}, id)));
    svg.append(g);
    if (n <= 40) svg.append(s("text", { x: x + (x >= c ? 9 : -9), y: y + 4, "text-anchor": x >= c ? "start" : "end" }, id));
  }
  out.append(svg, h("div", { cls: "legend" }, h("span", {}, h("i", { style: "background:#c0392b" }), "reported a harvest of (teller → subject)"), h("span", {}, h("i", { style: "background:#2f6bd8" }), "wrote to one member directly")));
  const rows = [...told].sort((x, y) => y[1].n - x[1].n).map(([k, e]) => { const [a, b] = k.split("|"); return row([a, b, [...e.to].join(", "), e.n], [3]); });
  out.append(h("h2", {}, "Reports about others"), table(["teller", "about", "told", "times"], rows, [3]));
  return out;
}

// ---------- experiment ----------

async function experimentView() {
  if (!index) index = await decode("index");
  const out = h("div", { "data-view": "experiment" }, h("h1", {}, `Runs in ${index.root}`));
  const groups = new Map();
  for (const r of index.runs) (groups.get(r.folder) || groups.set(r.folder, []).get(r.folder)).push(r);
  const cols = ["run", "scenario", "seed", "agents", "rounds", "end", "survival", "final stock", "gain", "efficiency", "equality", "over-usage", "cooperation", "model calls"];
  for (const [folder, runs] of groups) {
    out.append(h("h2", {}, folder || "(top level)"));
    out.append(table(cols, runs.map((r) => {
      if (r.error) return row([r.name, h("span", { cls: "bad" }, "unreadable: " + r.error)]);
      const m = r.summary;
      return row([link({ run: r.key }, r.name), r.run.scenario, r.run.seed, m.agents, m.rounds_completed ?? "unfinished", m.end_reason ?? "",
        m.survival_time ?? "", num(m.final_stock), num(m.gain_total), num(m.efficiency, 3), num(m.equality, 3), num(m.over_usage, 3), num(m.cooperation_rate, 3), m.llm_calls ?? ""],
      [2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13], { cls: "click", on: { click: (e) => { if (e.target.tagName !== "A") go({ run: r.key }); } } });
    }), [2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13]));
  }
  return out;
}

render().catch(showError);
