/* cnnlesson explorer: one layer opened: its maps (a grid and the chosen one large, beside
 * the input with the selected unit's receptive field outlined) or its vector. */
import { $, count, el, fmt } from "./dom.js";
import {
  columnsOf, drawMap, drawVector, level, output, range, spec,
} from "./draw.js";
import { layerWords, percent, shareOf } from "./overview.js";
import { state } from "./state.js";

const ABOUT = {
  Conv2D: (l) => "A convolution: " + l.output_shape[2] + " filters of " +
    l.kernel_size.join("×") + " over all input channels" + (l.use_bias ? ", each with a bias"
      : ", without bias") + "; activation " + (l.activation === "linear" ? "none" : l.activation) + ".",
  Dropout: () => "Dropout: in training it sets a random share of its inputs to 0; when " +
    "predicting it passes them on unchanged.",
  RandomFlip: () => "Augmentation: in training it flips images at random; when predicting " +
    "it passes them on unchanged.",
  RandomTranslation: () => "Augmentation: in training it shifts images at random; when " +
    "predicting it passes them on unchanged.",
  MaxPooling2D: (l) => "Max pooling: the largest value of each " + l.pool_size.join("×") +
    " window of each map.",
  Flatten: (l) => "Flatten: the maps before it as one vector of " + count(l.output_shape[0]) +
    " values, row by row.",
  Dense: (l) => "A dense layer: each of its " + count(l.output_shape[0]) + " units weighs " +
    "every value of the layer before it and adds a bias; activation " + l.activation + ".",
  BatchNormalization: () => "Batch normalisation: when predicting, each map times one " +
    "number plus another.",
  ReLU: () => "ReLU: negative values become 0.",
  GlobalAveragePooling2D: () => "Global average pooling: the mean of each map, one number per map.",
};

export function renderHeader() {
  const layer = spec(state.layer);
  $("cnx-layer-title").textContent = "Layer " + state.layer + ": " + layerWords(layer);
  $("cnx-layer-about").textContent = ABOUT[layer.type](layer) + " " + (layer.parameters
    ? count(layer.parameters) + " parameters, " + percent(shareOf(layer)) +
      " of the network's " + count(state.manifest.parameters) + "."
    : "No parameters.");
}

/** The grid of every map of the layer shown; ``select(n)`` chooses map n. */
export function renderGrid(select) {
  const { shape, data } = output(state.layer);
  const grid = $("cnx-grid");
  if (grid.childElementCount !== shape[2] || grid.dataset.layer !== state.layer) {
    grid.dataset.layer = state.layer;
    grid.replaceChildren(...Array.from({ length: shape[2] }, (_, n) => {
      const canvas = el("canvas", { width: 32, height: 32, "aria-hidden": "true" });
      const option = el("div", { id: "cnx-map-" + n, role: "option", class: "cnx-cell",
                                 "data-map": String(n), "aria-label": "map " + n },
                        [canvas, el("span", { text: String(n) })]);
      option.addEventListener("click", () => select(n));
      return option;
    }));
  }
  const all = range(data, null);
  Array.from(grid.children).forEach((option, n) => {
    drawMap(option.firstChild, state.layer, n,
            state.scale === "shared" ? all : range(data, n, shape[2]));
    option.setAttribute("aria-selected", String(n === state.map));
  });
  grid.setAttribute("aria-activedescendant", "cnx-map-" + state.map);
  grid.setAttribute("aria-label", "The " + shape[2] + " feature maps of " + state.layer +
                    "; arrow keys choose one");
}

export function renderLarge() {
  const { shape, data } = output(state.layer);
  const scale = state.scale === "shared" ? range(data, null) : range(data, state.map, shape[2]);
  const canvas = $("cnx-map");
  drawMap(canvas, state.layer, state.map, scale);
  const [h, w] = shape;
  canvas.setAttribute("aria-label", "Map " + state.map + " of " + state.layer + ", " + h +
                      " by " + w + " units; arrow keys move the selected unit");
  $("cnx-map-caption").textContent = "Map " + state.map + " of " + state.layer + " (" + h +
    "×" + w + "), colours from " + fmt(scale[0], 3) + " (dark) to " + fmt(scale[1], 3) +
    " (yellow), " + (state.scale === "shared" ? "one scale for all maps" : "this map's own scale");
}

/** The input rows and columns unit [row, column] of a layer depends on: its window, cut off
 *  at the image's top and left and at the last input row (column) any unit of the layer
 *  depends on (the image's last, unless a stride left some out). */
export function field(layer, [row, column]) {
  const g = state.manifest.geometry[layer];
  const clip = (start) => [Math.max(0, start), Math.min(g.end, start + g.size - 1)];
  return { rows: clip(g.start + row * g.jump), columns: clip(g.start + column * g.jump) };
}

export function placeBox(box, [r0, r1], [c0, c1], h, w) {
  box.style.top = (100 * r0 / h) + "%";
  box.style.left = (100 * c0 / w) + "%";
  box.style.height = (100 * (r1 - r0 + 1) / h) + "%";
  box.style.width = (100 * (c1 - c0 + 1) / w) + "%";
  box.hidden = false;
}

/** The name of value i of the layer shown: its class at the output, else nothing. */
export function unitName(i) {
  const last = state.manifest.layers[state.manifest.layers.length - 1];
  return state.layer === last.name ? state.index.classes[i] : "";
}

/** A vector: up to 16 values as a list of named cells, more as a grid on a canvas;
 *  ``select(i)`` chooses value i. */
export function renderVector(select) {
  const { data } = output(state.layer);
  const few = data.length <= 16;
  $("cnx-vector-canvas").hidden = few;
  $("cnx-cells").hidden = !few;
  $("cnx-vector-box").hidden = few;
  const scale = range(data, null);
  if (few) {
    const rgb = state.manifest.colormap.rgb;
    $("cnx-cells").replaceChildren(...Array.from(data, (v, i) => {
      const l = level(v, scale);
      const cell = el("div", {
        role: "option", id: "cnx-cell-" + i, class: "cnx-value-cell",
        "aria-selected": String(i === state.entry), "data-index": String(i),
      }, [el("span", { class: "cnx-swatch", "aria-hidden": "true",
                       style: "background:rgb(" + rgb.slice(l * 3, l * 3 + 3).join(",") + ")" }),
          el("span", { class: "cnx-value-name", text: unitName(i) || String(i) }),
          el("span", { class: "cnx-number", text: fmt(v, 3) })]);
      cell.addEventListener("click", () => select(i));
      return cell;
    }));
    $("cnx-cells").setAttribute("aria-activedescendant", "cnx-cell-" + state.entry);
    $("cnx-vector-caption").textContent = "The " + data.length + " values of " + state.layer +
      ", from " + fmt(scale[0], 3) + " (dark) to " + fmt(scale[1], 3) + " (yellow).";
    return;
  }
  const canvas = $("cnx-vector-canvas");
  drawVector(canvas, state.layer);
  const columns = columnsOf(data.length);
  canvas.setAttribute("aria-label", "The " + count(data.length) + " values of " +
    state.layer + ", " + columns + " to a row; arrow keys move the selected unit");
  $("cnx-vector-caption").textContent = "The " + count(data.length) + " values of " +
    state.layer + ", " + columns + " to a row, from " + fmt(scale[0], 3) + " (dark) to " +
    fmt(scale[1], 3) + " (yellow).";
}
