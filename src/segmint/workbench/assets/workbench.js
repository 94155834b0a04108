// The workbench page: an editor over the saved segmentation, and each edit's figures.
// Every value is put on the page as text (textContent, input values), never as HTML.
"use strict";

const TOKEN = new URLSearchParams(window.location.search).get("token") || "";
const WAIT_MS = 250;  // after the last keystroke, before the edit is sent
let saved = null;     // the saved model, as /api/model gives it
let model = null;     // the model being edited (a deep copy of `saved`, then edited)
let sent = 0;         // the number of the latest edit sent: older answers are dropped
let timer = null;

function api(path, body) {
  const options = {headers: {"X-Segmint-Token": TOKEN}};
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(path, options);
}

function el(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== null) node.textContent = String(text);
  return node;
}

// ------------------------------------------------------------------ the editor
function field(labelText, input, key) {
  const id = "input-" + key;
  input.id = id;
  input.dataset.key = key;
  input.setAttribute("aria-describedby", "error-" + key);
  const row = el("p", {class: "field"});
  row.append(el("label", {for: id}, labelText), " ", input,
             el("span", {class: "error", id: "error-" + key, "data-error-for": key, role: "alert"}));
  return row;
}

function textInput(value, onChange) {
  const input = el("input", {type: "text", spellcheck: "false"});
  input.value = value;
  input.addEventListener("input", () => { onChange(input.value); edited(); });
  return input;
}

function numberInput(value, onChange) {
  const input = el("input", {type: "number", step: "any"});
  input.value = String(value);
  input.addEventListener("input", () => {
    // an empty or half-typed number is sent as typed: the server names the setting to fix
    onChange(input.value === "" || Number.isNaN(input.valueAsNumber) ? input.value
             : input.valueAsNumber);
    edited();
  });
  return input;
}

function dimensionEditor(name, spec) {
  const key = "segmentation.dimensions." + name;
  const box = el("fieldset", {"data-key": key});
  box.append(el("legend", {}, `${name} (${spec.kind} of ${spec.field || spec.source || ""})`));
  if (spec.kind === "bands") {
    spec.edges.forEach((edge, i) => box.append(field(
      `edge ${i + 1}`, numberInput(edge, value => { spec.edges[i] = value; }),
      `${key}.edges[${i + 1}]`)));
    spec.labels.forEach((label, i) => box.append(field(
      `band ${i + 1} label`, textInput(label, value => { spec.labels[i] = value; }),
      `${key}.labels[${i + 1}]`)));
    const add = button(`Add a band to ${name}`, "add-band", () => {
      // the new top band starts at twice the top edge (a first guess, edited like any other)
      const top = Number(spec.edges[spec.edges.length - 1]);
      spec.edges.push(Number.isFinite(top) && top > 0 ? top * 2 : 1);
      spec.labels.push(`band ${spec.labels.length + 1}`);
      rebuilt(`${key}.edges[${spec.edges.length}]`);
    });
    const remove = button(`Remove ${name}'s top band`, "remove-band", () => {
      spec.edges.pop();
      spec.labels.pop();
      rebuilt(`${key}.edges[${spec.edges.length}]`);
    });
    remove.disabled = spec.edges.length < 2;  // one edge, two bands: the fewest bands make
    box.append(el("p", {}), add, " ", remove);
  } else if (spec.kind === "map") {
    if (spec.builtin) box.append(el("p", {class: "note"}, `builtin: ${spec.builtin}`));
    for (const from of Object.keys(spec.values || {})) {
      box.append(field(`${from} →`, textInput(spec.values[from], value => {
        spec.values[from] = value;
      }), `${key}.values.${from}`));
    }
  } else {
    box.append(el("p", {class: "note"}, "edited in segmint.yaml"));
  }
  box.append(el("div", {class: "error", id: "error-" + key, "data-error-for": key, role: "alert"}));
  return box;
}

function segmentEditor(segment, i) {
  const key = `segmentation.segments[${i + 1}]`;
  const item = el("li", {"data-key": key});
  item.append(field("name", textInput(segment.name, value => { segment.name = value; }),
                    key + ".name"),
              field("when", textInput(segment.when, value => { segment.when = value; }),
                    key + ".when"),
              button(`Remove segment ${segment.name}`, "remove-segment", () => {
                model.segments.splice(i, 1);
                rebuilt(model.segments.length ? `segmentation.segments[${Math.min(i, model.segments.length - 1) + 1}].when`
                                              : null, "#add-segment");
              }));
  return item;
}

function button(label, kind, onClick) {
  const node = el("button", {type: "button", class: kind}, label);
  node.addEventListener("click", onClick);
  return node;
}

function rebuilt(focusKey, fallback = null) {
  // the editor drawn again after a band or segment is added or removed; the focus stays
  // where the keyboard user expects it (the new or next field)
  buildEditor();
  const target = (focusKey && document.querySelector(`[data-key="${CSS.escape(focusKey)}"]`))
    || (fallback && document.querySelector(fallback));
  if (target) target.focus();
  edited();
}

function buildEditor() {
  const dimensions = document.getElementById("dimensions");
  dimensions.replaceChildren(...Object.entries(model.dimensions || {}).map(
    ([name, spec]) => dimensionEditor(name, spec)));
  document.getElementById("segments").replaceChildren(...(model.segments || []).map(segmentEditor));
  document.getElementById("add-segment").onclick = () => {
    // a new rule matching nothing yet: its accounts come as its rule is written
    model.segments = [...(model.segments || []), {name: "New segment", when: "false"}];
    rebuilt(`segmentation.segments[${model.segments.length}].when`);
  };
  const template = document.getElementById("default-template");
  template.value = model.default || "";
  template.oninput = () => { model.default = template.value === "" ? null : template.value; edited(); };
}

// ------------------------------------------------------------------ errors, at their field
function clearProblems() {
  for (const node of document.querySelectorAll("[data-error-for]")) node.replaceChildren();
  for (const node of document.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function errorSlot(key) {
  // the setting's own slot, else its nearest enclosing one (a band's edges → the dimension)
  for (let at = key; at; at = at.replace(/(\.[^.[\]]+|\[\d+\])$/, "")) {
    const slot = document.querySelector(`[data-error-for="${CSS.escape(at)}"]`);
    if (slot) return slot;
    if (!/(\.[^.[\]]+|\[\d+\])$/.test(at)) break;
  }
  return document.querySelector('[data-error-for="segmentation"]');
}

function showProblems(problems) {
  clearProblems();
  for (const problem of problems) {
    const key = problem.key || "segmentation";
    const slot = errorSlot(key);
    slot.append(el("span", {}, problem.message));
    const input = document.querySelector(`input[data-key="${CSS.escape(key)}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      if (problem.position !== null && problem.position !== undefined) {
        // the rule with a caret under the place the error points at
        slot.append(el("pre", {class: "caret"},
                       input.value + "\n" + " ".repeat(problem.position) + "^"));
        if (document.activeElement === input) {
          input.setSelectionRange(problem.position, problem.position);
        }
      }
    }
  }
}

// ------------------------------------------------------------------ figures
const COUNT = new Intl.NumberFormat("en", {maximumFractionDigits: 0});
const SHARE = new Intl.NumberFormat("en", {style: "percent", minimumFractionDigits: 1,
                                           maximumFractionDigits: 1});

function cell(value, format, name) {
  const td = el("td", {"data-value": value === null ? "" : String(value)},
                value === null ? "–" : format.format(value));
  if (name) td.dataset.name = name;
  return td;
}

function showFigures(figures) {
  const rows = figures.segments.map(row => {
    const tr = el("tr", {"data-segment": row.segment});
    tr.append(el("td", {}, row.segment), cell(row.accounts, COUNT, "accounts"),
              cell(row.customers, COUNT, "customers"), cell(row.arr, COUNT, "arr"),
              cell(row.potential, COUNT, "potential"), cell(row.win_rate, SHARE, "win_rate"),
              cell(row.nrr, SHARE, "nrr"), cell(row.acv, COUNT, "acv"));
    return tr;
  });
  document.querySelector("#segment-figures tbody").replaceChildren(...rows);
  const facts = figures.disruption.flatMap(row => [
    el("dt", {}, row.label), el("dd", {"data-measure": row.measure,
                                       "data-value": row.value === null ? "" : String(row.value)},
                                row.text)]);
  document.getElementById("disruption").replaceChildren(...facts);
  const moves = figures.transitions.map(row => {
    const tr = el("tr", row.moved ? {class: "moved"} : {});
    tr.append(el("td", {}, row.from_segment), el("td", {}, row.to_segment),
              cell(row.accounts, COUNT, "accounts"), cell(row.arr, COUNT, "arr"),
              el("td", {}, row.moved ? "moves" : "stays"));
    return tr;
  });
  document.querySelector("#transitions tbody").replaceChildren(...moves);
  drawChart(figures.segments);
}

let charted = 0;  // the latest chart asked for: older answers are dropped

async function drawChart(segments) {
  // the report's chart of the segments just shown, drawn by the server (matplotlib, as in
  // report.html) and shown as an image: an SVG in an <img> runs nothing
  const number = ++charted;
  const sizes = segments.map(row => ({segment: row.segment, accounts: row.accounts,
                                      customers: row.customers, arr: row.arr}));
  let body;
  try {
    const answer = await api("api/chart/segments", {segments: sizes});
    if (!answer.ok) return;
    body = await answer.json();
  } catch (error) {
    return;  // the figures are shown; the chart waits for the next edit
  }
  if (number !== charted) return;
  const image = document.getElementById("segment-chart-image");
  image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(body.svg);
  image.alt = "Accounts, customers and ARR per segment: " + sizes.map(
    row => `${row.segment} ${COUNT.format(row.accounts)} accounts`).join(", ");
  image.dataset.segments = String(sizes.length);
}

function setStatus(text, stale = false) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("stale", stale);
}

async function send() {
  const number = ++sent;
  setStatus("Re-assigning…");
  let answer;
  try {
    answer = await api("api/figures", {segmentation: model});
  } catch (error) {
    setStatus("The workbench server does not answer: is segmint serve still running?", true);
    return;
  }
  const body = await answer.json().catch(() => ({problems: [{key: "segmentation",
    message: `The server answered ${answer.status}.`}]}));
  if (number !== sent) return;  // a later edit is on its way
  if (!answer.ok) {
    showProblems(body.problems || []);
    setStatus("Fix the setting marked to see this model's figures; those shown are the last valid model's.", true);
    return;
  }
  clearProblems();
  showFigures(body);
  setStatus(`Figures for the edited model (edit ${number}).`);
}

function edited() {
  forgetDiff();
  clearTimeout(timer);
  timer = setTimeout(send, WAIT_MS);
}

// ------------------------------------------------------------------ save: the diff first
let shownDiff = null;  // the diff the user saw, sent back with the save

function forgetDiff() {
  shownDiff = null;
  document.getElementById("diff").textContent = "";
  document.getElementById("write").disabled = true;
}

function saveRequest(extra = {}) {
  const scenario = document.getElementById("save-scenario").value.trim();
  return {segmentation: model, scenario: scenario || null, ...extra};
}

async function showDiff() {
  const status = document.getElementById("save-status");
  const answer = await api("api/save/preview", saveRequest());
  const body = await answer.json();
  if (!answer.ok) {
    forgetDiff();
    status.textContent = (body.problems || []).map(p => p.message).join(" ");
    return;
  }
  shownDiff = body.diff;
  document.getElementById("diff").textContent = body.diff || "";
  document.getElementById("write").disabled = !body.diff;
  status.textContent = body.diff ? `The change to ${body.key} in ${body.file}: check it, then write it.`
                                 : `${body.file} already holds this model.`;
}

async function writeModel() {
  const status = document.getElementById("save-status");
  const answer = await api("api/save", saveRequest({diff: shownDiff}));
  const body = await answer.json();
  forgetDiff();
  if (!answer.ok) {
    status.textContent = (body.problems || []).map(p => p.message).join(" ");
    return;
  }
  status.textContent = `Saved ${body.key} to ${body.file}.`;
  if (body.key === "segmentation") {
    saved = structuredClone(model);
    send();  // the figures now compare with the model just saved
  }
}

async function start() {
  const answer = await api("api/model");
  if (!answer.ok) {
    setStatus(await answer.text(), true);
    return;
  }
  const body = await answer.json();
  document.getElementById("project-name").textContent = body.project;
  document.title = `${body.project}: segmint workbench`;
  saved = body.segmentation;
  model = structuredClone(saved);
  buildEditor();
  showFigures(body.figures);
  setStatus("Figures for the saved model.");
  document.getElementById("show-diff").addEventListener("click", showDiff);
  document.getElementById("write").addEventListener("click", writeModel);
  document.getElementById("save-scenario").addEventListener("input", forgetDiff);
  document.getElementById("reset").addEventListener("click", () => {
    model = structuredClone(saved);
    buildEditor();
    clearProblems();
    send();
  });
}

document.addEventListener("DOMContentLoaded", start);
