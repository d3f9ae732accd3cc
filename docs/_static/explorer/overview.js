/* cnnlesson explorer: the whole network in one row of tiles, one per layer (the tabs). */
import { $, count, el } from "./dom.js";
import { drawMap, drawVector, isMaps, liveliest, output, range } from "./draw.js";
import { drawImage, pixelsOf } from "./images.js";
import { state } from "./state.js";

export const KINDS = {
  Conv2D: "conv", Dropout: "dropout", MaxPooling2D: "pool", Flatten: "flatten",
  Dense: "dense", BatchNormalization: "batch norm", ReLU: "ReLU",
  GlobalAveragePooling2D: "average", RandomFlip: "flip", RandomTranslation: "shift",
};

const compact = (n) => (n < 1e4 ? count(n) : n < 1e6 ? Math.round(n / 1e3) + "k"
  : (n / 1e6).toFixed(2) + "M");

export function layerWords(layer) {
  const shape = layer.output_shape;
  return shape.length === 3 ? shape[2] + " maps of " + shape[0] + "×" + shape[1]
    : "a vector of " + count(shape[0]) + " values";
}

export function shareOf(layer) {
  return layer.parameters / state.manifest.parameters;
}

/** A share as a percentage: one decimal, or the first digit that is not 0 below 1%. */
export function percent(share) {
  const value = 100 * share;
  return (value >= 1 ? value.toFixed(1) : value.toPrecision(1)) + "%";
}

/** One tab per layer of the network shown; ``choose(name)`` opens a layer. */
export function buildOverview(choose) {
  const tabs = state.manifest.layers.map((layer) => {
    const share = shareOf(layer);
    const tab = el("button", {
      type: "button", role: "tab", id: "cnx-tab-" + layer.name, class: "cnx-tile",
      "aria-controls": "cnx-layer-view", "data-layer": layer.name, tabindex: "-1",
      "aria-label": layer.name + ", " + layer.type + ": " + layerWords(layer) + "; " +
        (layer.parameters ? count(layer.parameters) + " parameters, " + percent(share) +
          " of the network's" : "no parameters"),
    }, [
      el("canvas", { width: 8, height: 8, "aria-hidden": "true" }),
      el("span", { class: "cnx-tile-kind", text: KINDS[layer.type] || layer.type }),
      el("span", { class: "cnx-tile-shape", text: layer.output_shape.join("×") }),
      el("span", { class: "cnx-tile-params", text: layer.parameters
        ? compact(layer.parameters) : "–" }),
      el("span", { class: "cnx-tile-share", "aria-hidden": "true" }, [
        el("span", { style: "width:" + (share > 0 ? Math.max(4, 100 * share) : 0) + "%" })]),
    ]);
    tab.addEventListener("click", () => choose(layer.name));
    return tab;
  });
  $("cnx-layers").replaceChildren(...tabs);
}

export function renderOverview() {
  drawImage($("cnx-overview-input"), pixelsOf(state.image));
  for (const tab of $("cnx-layers").children) {
    const name = tab.dataset.layer;
    const selected = name === state.layer;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    const canvas = tab.querySelector("canvas");
    if (isMaps(name)) {
      const n = selected ? state.map : liveliest(name);
      drawMap(canvas, name, n, range(output(name).data, n, output(name).shape[2]));
    } else {
      drawVector(canvas, name);
    }
  }
}

/** Arrow keys, Home and End move along the tabs; ``choose(name)`` opens the layer. */
export function onTabKey(event, choose) {
  const tabs = Array.from($("cnx-layers").children);
  const at = tabs.findIndex((tab) => tab.dataset.layer === state.layer);
  const next = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: tabs.length - 1 }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  const tab = tabs[Math.max(0, Math.min(tabs.length - 1, next))];
  choose(tab.dataset.layer);
  tab.focus();
}
