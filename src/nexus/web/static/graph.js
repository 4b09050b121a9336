// The graph explorer: Cytoscape.js over the API's neighbourhood, path and export routes (same origin, session cookie).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("graph");
  if (!box || typeof cytoscape === "undefined") return;
  const status = document.getElementById("graph-status");
  const perType = document.getElementById("per-type");
  const expanded = new Set();
  const caps = new Map(); // entity id -> ties per type asked for
  const types = new Set();
  const hidden = new Set();
  const sources = new Set();
  const hiddenSources = new Set();
  let dates = [];

  const cy = cytoscape({
    container: box,
    wheelSensitivity: 0.3,
    maxZoom: 1.6,
    minZoom: 0.05,
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 10, "text-valign": "bottom", "text-wrap": "ellipsis",
                                   "text-max-width": 120, "background-color": "#7b8794", width: 22, height: 22 } },
      { selector: "node.terror", style: { "background-color": "#b42318" } },
      { selector: "node.crime", style: { "background-color": "#b54708" } },
      { selector: "node.root", style: { "border-width": 3, "border-color": "#111827" } },
      { selector: "node.more", style: { shape: "round-rectangle", "background-color": "#e5e7eb", width: 46, height: 18,
                                        "font-size": 9, "text-valign": "center", color: "#374151" } },
      { selector: "edge", style: { width: "mapData(weight, 0, 1, 1, 5)", "line-color": "#9ca3af", "curve-style": "bezier",
                                   label: "data(type)", "font-size": 8, color: "#6b7280", "text-rotation": "autorotate" } },
      { selector: "node.path", style: { "background-color": "#7c3aed", "border-width": 3, "border-color": "#4c1d95" } },
      { selector: "edge.path", style: { "line-color": "#7c3aed", width: 5, "z-index": 10 } },
      { selector: ".filtered", style: { display: "none" } },
      { selector: ":selected", style: { "border-width": 3, "border-color": "#2563eb" } },
    ],
  });

  const say = (text) => { status.textContent = text; };
  const classes = (node) => {
    const topics = (node && node.topics) || [];
    if (topics.some((t) => t === "crime.terror" || t.startsWith("crime.terror") || t === "sanction.terror")) return "terror";
    if (topics.some((t) => t.startsWith("crime"))) return "crime";
    return "";
  };

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || response.statusText);
    return body;
  }

  function addNode(id, node, extra = "", near = null) {
    if (cy.getElementById(id).nonempty()) return;
    // A new entity starts beside the one it was found from, so a layout run keeps the rest where it was.
    const at = near && cy.getElementById(near).nonempty() ? cy.getElementById(near).position() : null;
    cy.add({ group: "nodes", data: { id, label: (node && node.name) || id, schema: node && node.schema },
             classes: `${classes(node)} ${extra}`.trim(),
             ...(at ? { position: { x: at.x + (Math.random() - 0.5) * 80, y: at.y + (Math.random() - 0.5) * 80 } } : {}) });
  }

  function addEdge(a, b, tie) {
    const id = `${[a, b].sort().join("|")}|${tie.link_type || tie.type}|${tie.via || tie.currency || ""}`;
    if (cy.getElementById(id).nonempty()) return;
    const type = tie.link_type || tie.type;
    types.add(type);
    for (const source of tie.sources || []) sources.add(source);
    for (const d of [tie.first_date, tie.last_date]) if (d) dates.push(d);
    cy.add({ group: "edges", data: { id, source: a, target: b, type, weight: tie.weight || 0.5, via: tie.via || tie.currency || "",
                                     first: tie.first_date || "", last: tie.last_date || "",
                                     sources: (tie.sources || []).join(", "), sourceList: tie.sources || [] } });
  }

  async function expand(id) {
    const cap = caps.get(id) || Number(perType.value) || 15;
    say(`loading ties of ${id} …`);
    const found = await getJSON(`/api/v1/graph/neighbourhood/${encodeURIComponent(id)}?per_type=${cap}`);
    const root = found.entity;
    addNode(root, found.node, "root");
    cy.getElementById(root).addClass("root");
    expanded.add(root);
    cy.remove(cy.nodes(`.more[owner = "${root}"]`));
    const more = new Map();
    for (const tie of found.ties) {
      addNode(tie.neighbour, tie.node, "", root);
      addEdge(root, tie.neighbour, tie);
      if (tie.more_of_type) more.set(tie.link_type, tie.more_of_type);
    }
    for (const [type, n] of more) {  // "+N more" on hubs: click to raise the cap for this entity
      const moreId = `more|${root}|${type}`;
      cy.add({ group: "nodes", data: { id: moreId, label: `+${n} ${type}`, owner: root, type }, classes: "more" });
      cy.add({ group: "edges", data: { id: `${moreId}|e`, source: root, target: moreId, type: "", weight: 0.1 } });
    }
    say(`${cy.nodes().not(".more").length} entities, ${cy.edges().length} ties`);
    refreshFilters();
    layout();
  }

  let laidOut = false;

  function layout() {
    // Spread at random once; afterwards each layout starts from where things are, so the picture stays familiar.
    cy.layout({ name: "cose", animate: false, randomize: !laidOut, nodeRepulsion: () => 400000,
                idealEdgeLength: () => 110, nodeOverlap: 40, componentSpacing: 80, padding: 30, numIter: 2500 }).run();
    laidOut = true;
  }

  function checkboxes(boxId, values, off) {
    document.getElementById(boxId).replaceChildren(...[...values].sort().map((value) => {
      const label = document.createElement("label");
      label.className = "inline";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.checked = !off.has(value);
      input.addEventListener("change", () => { input.checked ? off.delete(value) : off.add(value); applyFilters(); });
      label.append(input, ` ${value}`);
      return label;
    }));
  }

  function refreshFilters() {
    checkboxes("type-filters", types, hidden);
    checkboxes("source-filters", sources, hiddenSources);
    dates = [...new Set(dates)].sort();
    for (const [el, value] of [["time-from", 0], ["time-to", Math.max(dates.length - 1, 0)]]) {
      const slider = document.getElementById(el);
      const keep = slider.max === slider.value && el === "time-to";
      slider.max = Math.max(dates.length - 1, 0);
      if (keep || Number(slider.value) > Number(slider.max) || el === "time-from" && slider.dataset.touched !== "1") slider.value = value;
    }
    applyFilters();
  }

  function applyFilters() {
    const from = dates[Number(document.getElementById("time-from").value)] || "";
    const to = dates[Number(document.getElementById("time-to").value)] || "";
    document.getElementById("time-from-label").textContent = from;
    document.getElementById("time-to-label").textContent = to;
    cy.edges().forEach((edge) => {
      const d = edge.data();
      const outside = (from && d.last && d.last < from) || (to && d.first && d.first > to);
      const unsourced = d.sourceList && d.sourceList.length > 0 && d.sourceList.every((s) => hiddenSources.has(s));
      edge.toggleClass("filtered", hidden.has(d.type) || Boolean(outside) || unsourced);
    });
    cy.nodes().forEach((node) => {
      const shown = node.hasClass("root") || node.connectedEdges().not(".filtered").nonempty();
      node.toggleClass("filtered", !shown);
    });
  }

  async function highlightAlert(alertId) {
    const alert = await getJSON(`/api/v1/alerts/${alertId}`);
    const path = alert.explanation && alert.explanation.path;
    if (!path) return;
    for (const id of path.entities) addNode(id, (path.nodes || {})[id]);
    for (const edge of path.edges) addEdge(edge.source, edge.target, edge);
    cy.elements().removeClass("path");
    for (const id of path.entities) cy.getElementById(id).addClass("path");
    for (const edge of path.edges) {
      cy.edges().filter((e) => (e.data("source") === edge.source && e.data("target") === edge.target)
                              || (e.data("source") === edge.target && e.data("target") === edge.source)).addClass("path");
    }
    refreshFilters();
    layout();
    say(`nexus path of alert ${alertId}: ${alert.explanation.words || ""}`);
  }

  function exportLink() {
    const ids = [...expanded].map((id) => `entity=${encodeURIComponent(id)}`).join("&");
    document.getElementById("export-graphml").href = `/api/v1/graph/export?format=graphml${ids ? "&" + ids : ""}`;
  }

  cy.on("tap", "node", async (event) => {
    const node = event.target;
    const side = document.getElementById("selected");
    if (node.hasClass("more")) {
      const owner = node.data("owner");
      caps.set(owner, (caps.get(owner) || Number(perType.value) || 15) * 2);
      await expand(owner).catch((e) => say(e.message));
      return;
    }
    const link = document.createElement("a");
    link.href = `/entities/${encodeURIComponent(node.id())}`;
    link.textContent = node.data("label");
    side.replaceChildren(link, document.createTextNode(` (${node.data("schema") || ""})`));
    if (!expanded.has(node.id())) await expand(node.id()).catch((e) => say(e.message));
    exportLink();
  });
  cy.on("dbltap", "node", (event) => {
    if (!event.target.hasClass("more")) window.location.href = `/entities/${encodeURIComponent(event.target.id())}`;
  });
  cy.on("tap", "edge", (event) => {
    const d = event.target.data();
    document.getElementById("selected").textContent =
      `${d.type}${d.via ? " via " + d.via : ""}; ${d.first || "?"} – ${d.last || "?"}; sources: ${d.sources}`;
  });

  for (const id of ["time-from", "time-to"]) {
    document.getElementById(id).addEventListener("input", (event) => { event.target.dataset.touched = "1"; applyFilters(); });
  }
  document.getElementById("graph-controls").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = document.getElementById("entity-input").value.trim();
    if (id) expand(id).then(exportLink).catch((e) => say(e.message));
  });
  document.getElementById("expand-all").addEventListener("click", async () => {
    const leaves = cy.nodes().not(".more").filter((n) => !expanded.has(n.id())).map((n) => n.id()).slice(0, 25);
    for (const id of leaves) await expand(id).catch((e) => say(e.message));
    exportLink();
  });
  document.getElementById("fit").addEventListener("click", () => cy.fit());
  document.getElementById("export-png").addEventListener("click", () => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 2 }));
    link.download = "nexus-graph.png";
    link.click();
  });

  const start = box.dataset.entity;
  const alertId = box.dataset.alert;
  (async () => {
    try {
      if (start) await expand(start);
      if (alertId) await highlightAlert(alertId);
      exportLink();
    } catch (error) { say(error.message); }
  })();
});
