/* Explore: an example client of the public JSON API (search, timeline, graph). No framework.
   The page is in the language the server rendered it in (<html data-lang>); its sentences and the
   labels of the codes it shows come from the page (#explore-i18n), and every API call asks for the
   same language (lang=), so displays, names, titles and errors come back in it. */
"use strict";

const API = "/api/v1";
const SVG_NS = "http://www.w3.org/2000/svg";
const LANG = document.documentElement.dataset.lang || "en";
const I18N = JSON.parse(document.getElementById("explore-i18n").textContent);

/* A sentence of the page, its {placeholders} filled in. */
function t(key, values = {}) {
  return I18N.messages[key].replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

/* The label of a code (kinds, statuses, roles, types), or the code itself. */
function label(group, code) {
  return (I18N[group] && I18N[group][code]) || code;
}

/* An API URL in the page's language. */
function apiURL(path) {
  return `${path}${path.includes("?") ? "&" : "?"}lang=${encodeURIComponent(LANG)}`;
}

async function getJSON(path) {
  const response = await fetch(apiURL(path), { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`${body.detail} (${response.status})`);
  }
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

/* A snippet is HTML-escaped text with <mark> around the match: keep the text and the marks only. */
function snippetNodes(html) {
  const doc = new DOMParser().parseFromString(`<p>${html || ""}</p>`, "text/html");
  const out = [];
  for (const node of doc.body.firstChild.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) out.push(document.createTextNode(node.textContent));
    else if (node.nodeName === "MARK") out.push(el("mark", {}, node.textContent));
    else out.push(document.createTextNode(node.textContent));
  }
  return out;
}

function showError(container, error) {
  container.replaceChildren(el("p", { class: "error" }, String(error.message || error)));
}

/* --- search ------------------------------------------------------------------------------ */

async function search(query) {
  const list = document.getElementById("search-results");
  try {
    const body = await getJSON(`${API}/search/?q=${encodeURIComponent(query)}&limit=20`);
    list.replaceChildren(
      ...body.results.map((result) =>
        el(
          "li",
          { class: `result ${result.type}`, "data-slug": result.slug || "" },
          el("span", { class: "type" }, label("types", result.type)),
          el("button", { class: "link", type: "button", onclick: () => openRecord(result) }, result.display),
          el("div", { class: "snippet" }, ...snippetNodes(result.snippet)),
        ),
      ),
    );
    if (!body.results.length) list.replaceChildren(el("li", {}, t("nothing_found")));
  } catch (error) {
    showError(list, error);
  }
}

async function openRecord(result) {
  if (result.type === "agreement") return openAgreement(result.slug);
  const detail = document.getElementById("detail");
  detail.replaceChildren(el("h3", {}, result.display));
  if (result.type === "person") {
    const signed = await getJSON(`${API}/agreements/?signatory=${encodeURIComponent(result.slug)}`);
    detail.append(
      el("p", {}, t("agreements_signed")),
      el(
        "ul",
        {},
        ...signed.results.map((agreement) =>
          el("li", {}, el("button", { class: "link agreement-link", type: "button", onclick: () => openAgreement(agreement.slug) }, agreement.display)),
        ),
      ),
    );
    return;
  }
  if (result.type === "organization") {
    document.getElementById("graph-organization").value = result.slug;
    loadGraph(`organization=${encodeURIComponent(result.slug)}&depth=2`, result.display);
    loadTimeline(`organization=${encodeURIComponent(result.slug)}`, result.display);
  } else if (result.type === "mission") {
    loadGraph(`mission=${encodeURIComponent(result.slug)}&depth=2`, result.display);
    loadTimeline(`mission=${encodeURIComponent(result.slug)}&include_superseded=true`, result.display);
  }
  detail.append(el("p", {}, el("a", { href: apiURL(result.url) }, t("json_record"))));
}

async function openAgreement(slug) {
  const detail = document.getElementById("detail");
  try {
    const agreement = await getJSON(`${API}/agreements/${encodeURIComponent(slug)}/`);
    const signed = agreement.signed_on ? agreement.signed_on.value : t("date_unknown");
    const name = agreement.localized_name;
    const title = el("h3", { id: "agreement-title", lang: name.language }, name.text);
    if (name.is_fallback) title.append(" ", el("span", { class: "fallback", title: t("fallback") }, "EN"));
    const short = LANG === "en" || name.is_fallback ? agreement.short_title || agreement.title : name.text;
    const separator = t("list_separator");
    const parties = agreement.parties.map((p) => t("party", { organization: p.organization.display, role: label("roles", p.role) }));
    const signatories = agreement.signatories.map((s) => t("signatory", { person: s.person.display, organization: s.on_behalf_of.display }));
    detail.replaceChildren(
      title,
      el("p", {}, t("agreement_summary", { kind: label("kinds", agreement.kind), status: label("statuses", agreement.status), date: signed })),
      el("p", {}, t("parties"), " ", parties.join(separator)),
      el("p", { id: "agreement-signatories" }, t("signatories"), " ", signatories.join(separator) || t("none_recorded")),
      el("p", {}, el("a", { href: apiURL(agreement.url) }, t("json_record"))),
    );
    loadTimeline(`agreement=${encodeURIComponent(slug)}`, short);
    loadGraph(`agreement=${encodeURIComponent(slug)}&depth=2`, short);
  } catch (error) {
    showError(detail, error);
  }
}

/* --- timeline ------------------------------------------------------------------------------ */

async function loadTimeline(filter, scope) {
  const container = document.getElementById("timeline");
  document.getElementById("timeline-scope").textContent = `— ${scope || t("scope_everything")}`;
  try {
    const body = await getJSON(`${API}/timeline/?limit=500${filter ? `&${filter}` : ""}`);
    container.replaceChildren(
      ...body.results.map((event) =>
        el(
          "div",
          { class: `timeline-event ${event.kind} ${event.status || ""}`, "data-id": event.id, title: event.kind },
          el("span", { class: "when" }, event.date.value),
          el(
            "span",
            { class: "what" },
            event.status && event.status !== "achieved"
              ? t("with_status", { title: event.title, status: label("claim_statuses", event.status) })
              : event.title,
          ),
        ),
      ),
    );
    if (!body.results.length) container.replaceChildren(el("p", {}, t("no_events")));
  } catch (error) {
    showError(container, error);
  }
}

/* --- graph ------------------------------------------------------------------------------------ */

let simulation = null;

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

async function loadGraph(scope, name) {
  const canvas = document.getElementById("graph");
  document.getElementById("graph-scope").textContent = name ? `— ${t("around", { name })}` : "";
  let body;
  try {
    body = await getJSON(`${API}/graph/?${scope}`);
  } catch (error) {
    canvas.replaceChildren();
    document.getElementById("graph-scope").textContent = `— ${error.message}`;
    return;
  }
  const nodes = body.nodes.map((node) => ({ ...node }));
  const links = body.edges.map((edge) => ({ ...edge }));
  if (simulation) simulation.stop();
  const lines = links.map((link) => svg("line", { class: `edge ${link.type}` }));
  const groups = nodes.map((node) => {
    const group = svg("g", { class: `node-group ${node.type}`, "data-id": node.id });
    const circle = svg("circle", { r: node.type === "agreement" ? 7 : 6, class: `node ${node.type}` });
    const title = svg("title");
    title.textContent = `${label("types", node.type)}: ${node.label}`;
    circle.append(title);
    const text = svg("text", { x: 9, y: 3 });
    text.textContent = node.label.length > 28 ? `${node.label.slice(0, 27)}…` : node.label;
    group.append(circle, text);
    return group;
  });
  canvas.replaceChildren(...lines, ...groups);
  simulation = d3
    .forceSimulation(nodes)
    .force("link", d3.forceLink(links).id((node) => node.id).distance(110))
    .force("charge", d3.forceManyBody().strength(-420))
    .force("center", d3.forceCenter(0, 0))
    .force("collide", d3.forceCollide(14))
    .on("tick", () => {
      links.forEach((link, i) => {
        lines[i].setAttribute("x1", link.source.x);
        lines[i].setAttribute("y1", link.source.y);
        lines[i].setAttribute("x2", link.target.x);
        lines[i].setAttribute("y2", link.target.y);
      });
      nodes.forEach((node, i) => groups[i].setAttribute("transform", `translate(${node.x},${node.y})`));
    });
}

async function loadOrganizations() {
  const select = document.getElementById("graph-organization");
  const body = await getJSON(`${API}/organizations/?limit=1000&fields=slug,display`);
  select.replaceChildren(...body.results.map((org) => el("option", { value: org.slug }, org.display)));
  select.value = body.results.some((org) => org.slug === "roscosmos") ? "roscosmos" : body.results[0]?.slug;
  select.addEventListener("change", () => loadGraph(`organization=${encodeURIComponent(select.value)}&depth=2`, select.selectedOptions[0].textContent));
  if (select.value) loadGraph(`organization=${encodeURIComponent(select.value)}&depth=2`, select.selectedOptions[0].textContent);
}

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search(document.getElementById("search-input").value.trim());
});
loadOrganizations();
loadTimeline("", "");
