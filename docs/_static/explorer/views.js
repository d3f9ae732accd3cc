/* cnnlesson explorer: the network shown, one layer opened, one unit selected.
 *
 * build() wires the controls once; networkChanged() lays out the overview for the network
 * shown; render() draws it all for the image shown. What the reader chooses (a layer, a
 * map, a unit) is said once in the live region; pointing with the mouse only redraws.
 */
import { $, announce, fmt, where } from "./dom.js";
import { columnsOf, isMaps, output, spec } from "./draw.js";
import { explain } from "./explain.js";
import { drawImage, pixelsOf, sourceOf } from "./images.js";
import {
  field, placeBox, renderGrid, renderHeader, renderLarge, renderVector, unitName,
} from "./layer.js";
import { buildOverview, onTabKey, renderOverview } from "./overview.js";
import { render as renderPanel } from "./panel.js";
import { state } from "./state.js";

function currentUnit() {
  return isMaps(state.layer) ? [state.unit[0], state.unit[1], state.map] : [state.entry];
}

/** What the selected unit (or, while the mouse points at one, that unit) is. */
function unitSentence() {
  if (!isMaps(state.layer)) {
    const { data } = output(state.layer);
    const i = state.entry;
    const name = unitName(i);
    // From the first vector on (after flattening or global pooling), every unit sees it all.
    const first = state.manifest.layers.find((layer) => layer.output_shape.length === 1);
    return "Selected: " + state.layer + ", unit " + i + (name ? " (" + name + ")" : "") +
      ", value " + fmt(data[i]) + ". Like every unit from " + first.name + " on, it " +
      "depends on the whole image.";
  }
  const [row, column] = state.hover || state.unit;
  const [, w, c] = output(state.layer).shape;
  const n = state.hover ? state.hoverMap : state.map;
  const value = output(state.layer).data[(row * w + column) * c + n];
  const { rows, columns } = field(state.layer, [row, column]);
  const size = state.manifest.geometry[state.layer].size;
  return (state.hover ? "Pointing at" : "Selected") + ": " + state.layer + ", map " + n +
    ", row " + row + ", column " + column + ", value " + fmt(value) + ". It depends on input " +
    "rows " + rows[0] + " to " + rows[1] + " and columns " + columns[0] + " to " + columns[1] +
    " (" + (rows[1] - rows[0] + 1) + "×" + (columns[1] - columns[0] + 1) + " pixels; a full " +
    "field is " + size + "×" + size + ").";
}

function renderUnit() {
  if (!isMaps(state.layer)) {
    const { data } = output(state.layer);
    const columns = columnsOf(data.length);
    const i = state.entry;
    if (data.length > 16) {
      placeBox($("cnx-vector-box"), [Math.floor(i / columns), Math.floor(i / columns)],
               [i % columns, i % columns], Math.ceil(data.length / columns), columns);
    }
  } else {
    const unit = state.hover || state.unit;
    const [h, w] = output(state.layer).shape;
    placeBox($("cnx-unit-box"), [unit[0], unit[0]], [unit[1], unit[1]], h, w);
    const { rows, columns } = field(state.layer, unit);
    const outline = $("cnx-outline");
    placeBox(outline, rows, columns, 32, 32);
    Object.assign(outline.dataset, {
      rows: rows.join("-"), columns: columns.join("-"), layer: state.layer,
      height: String(rows[1] - rows[0] + 1), width: String(columns[1] - columns[0] + 1) });
  }
  $("cnx-unit-text").textContent = unitSentence();
}

function following(name) {
  // Batch normalisation and ReLU right after a convolution, followed value by value.
  const layers = state.manifest.layers;
  const at = layers.findIndex((layer) => layer.name === name);
  const out = [];
  for (const layer of layers.slice(at + 1)) {
    if (layer.type !== "BatchNormalization" && layer.type !== "ReLU") break;
    out.push(explain(state.net, state.result, layer.name, currentUnit()));
  }
  return out;
}

function renderComputation() {
  const ex = explain(state.net, state.result, state.layer, currentUnit());
  renderPanel($("cnx-compute"), ex, {
    image: sourceOf(state.image), classes: state.index.classes,
    following: ex.type === "Conv2D" ? following(state.layer) : [],
  });
  return ex;
}

/** The choice made, said once: the selected unit, its value and how it is computed. */
function announceUnit(ex) {
  announce(unitSentence() + " Computed in the panel below: " + ex.layer + ", " +
           where(ex.unit) + " = " + fmt(ex.value) + ".");
}

export function render() {
  const maps = isMaps(state.layer);
  $("cnx-spatial").hidden = !maps;
  $("cnx-vector").hidden = maps;
  renderOverview();
  renderHeader();
  if (maps) {
    drawImage($("cnx-input"), pixelsOf(state.image));
    renderGrid(selectMap);
    renderLarge();
  } else {
    renderVector(selectEntry);
  }
  renderUnit();
  return renderComputation();
}

// ---- interaction --------------------------------------------------------------------

function unitAt(event, canvas) {
  const box = canvas.getBoundingClientRect();
  const rows = canvas.height, columns = canvas.width;
  const row = Math.floor(((event.clientY - box.top) / box.height) * rows);
  const column = Math.floor(((event.clientX - box.left) / box.width) * columns);
  return [Math.min(rows - 1, Math.max(0, row)), Math.min(columns - 1, Math.max(0, column))];
}

function selectMap(n) {
  state.map = n;
  state.hover = null;
  announceUnit(render());
}

function selectUnit(unit) {
  state.unit = unit;
  state.hover = null;
  renderUnit();
  announceUnit(renderComputation());
}

function selectEntry(i) {
  state.entry = Math.max(0, Math.min(output(state.layer).data.length - 1, i));
  if (output(state.layer).data.length <= 16) renderVector(selectEntry);
  renderUnit();
  announceUnit(renderComputation());
}

function largest(name) {
  const { data } = output(name);
  let best = 0;
  for (let i = 1; i < data.length; i++) if (data[i] > data[best]) best = i;
  return best;
}

/** Moves the selected unit onto maps of ``shape``: scaled from the maps it was chosen on,
 *  as far as those are known, and always inside the new ones. */
function fitUnit([h, w, c]) {
  let [row, column] = state.unit;
  if (state.unitOn) {
    row = Math.floor(row * h / state.unitOn[0]);
    column = Math.floor(column * w / state.unitOn[1]);
  }
  state.unit = [Math.max(0, Math.min(h - 1, row)), Math.max(0, Math.min(w - 1, column))];
  state.unitOn = [h, w];
  if (state.map >= c) state.map = 0;
}

function setLayer(name) {
  state.layer = name;
  state.hover = null;
  if (isMaps(name)) fitUnit(output(name).shape);
  else state.entry = largest(name);
  announceUnit(render());
}

function onMapKey(event) {
  const [h, w] = output(state.layer).shape;
  const move = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[event.key];
  if (!move) return;
  event.preventDefault();
  selectUnit([Math.min(h - 1, Math.max(0, state.unit[0] + move[0])),
              Math.min(w - 1, Math.max(0, state.unit[1] + move[1]))]);
}

function onVectorKey(event) {
  const n = output(state.layer).data.length;
  // Up to 16 values are one list, read top to bottom: up and down step by one.
  const row = n <= 16 ? 1 : columnsOf(n);
  const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -row, ArrowDown: row,
                 Home: -n, End: n }[event.key];
  if (step === undefined) return;
  event.preventDefault();
  selectEntry(state.entry + step);
}

function onGridKey(event) {
  const grid = $("cnx-grid");
  const count = grid.childElementCount;
  // The columns the browser laid out: one width per column, in pixels.
  const perRow = Math.max(1, getComputedStyle(grid).gridTemplateColumns.split(" ").length);
  const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -perRow, ArrowDown: perRow,
                 Home: -count, End: count }[event.key];
  if (step === undefined) return;
  event.preventDefault();
  selectMap(Math.min(count - 1, Math.max(0, state.map + step)));
  $("cnx-map-" + state.map).scrollIntoView({ block: "nearest" });
}

function hoverOn(event) {
  if (event.pointerType !== "mouse") return;
  state.hover = unitAt(event, $("cnx-map"));
  state.hoverMap = state.map;
  renderUnit();
}

function hoverOff() {
  if (state.hover) {
    state.hover = null;
    renderUnit();
  }
}

export function build() {
  $("cnx-layers").addEventListener("keydown", (event) => onTabKey(event, setLayer));
  const map = $("cnx-map");
  map.addEventListener("keydown", onMapKey);
  map.addEventListener("click", (event) => selectUnit(unitAt(event, map)));
  map.addEventListener("pointermove", hoverOn);
  map.addEventListener("pointerleave", hoverOff);
  $("cnx-grid").addEventListener("keydown", onGridKey);
  const vector = $("cnx-vector-canvas");
  vector.addEventListener("keydown", onVectorKey);
  vector.addEventListener("click", (event) => {
    const [row, column] = unitAt(event, vector);
    selectEntry(row * vector.width + column);
  });
  $("cnx-cells").addEventListener("keydown", onVectorKey);
  for (const radio of document.querySelectorAll("input[name=cnx-scale]")) {
    radio.checked = radio.value === state.scale;
    radio.addEventListener("change", () => {
      state.scale = radio.value;
      render();
    });
  }
}

export function networkChanged() {
  state.hover = null;
  buildOverview(setLayer);
  // The same layer if this network has one of that name, else its first convolution.
  if (!state.layer || !spec(state.layer)) {
    const conv = state.manifest.layers.find((layer) => layer.type === "Conv2D");
    state.layer = (conv || state.manifest.layers[0]).name;
    state.unit = [12, 14];
    state.unitOn = null;
  }
  const shape = spec(state.layer).output_shape;
  if (shape.length === 3) {
    // The same layer's maps may differ in size from one network to the other: clamp.
    state.unitOn = null;
    fitUnit(shape);
  } else {
    state.entry = Math.min(state.entry, shape[0] - 1);
  }
}
