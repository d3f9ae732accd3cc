/* cnnlesson explorer: the whole network in one row, one layer opened, one unit selected.
 *
 * window.CnnlessonViews: build(state) wires the controls once; networkChanged(state) lays
 * out the overview for the network shown; render(state) draws it all for the image shown.
 * Maps use the exported colour map (viridis); vectors are drawn as a grid of cells, row by
 * row. The selected unit's computation goes to panel.js.
 */
(function () {
  "use strict";

  const { el, fmt, where } = window.CnnlessonPanel;
  const $ = (id) => document.getElementById(id);
  const KINDS = {
    Conv2D: "conv", Dropout: "dropout", MaxPooling2D: "pool", Flatten: "flatten",
    Dense: "dense", BatchNormalization: "batch norm", ReLU: "ReLU",
    GlobalAveragePooling2D: "average", RandomFlip: "flip", RandomTranslation: "shift",
  };
  let state = null;
  // The [height, width] of the maps state.unit was chosen on (it stays while vectors show).
  let unitOn = null;

  const spec = (name) => state.manifest.layers.find((layer) => layer.name === name);
  const output = (name) => state.result.maps[name];
  const isMaps = (name) => spec(name).output_shape.length === 3;
  const count = (n) => n.toLocaleString("en");
  const compact = (n) => (n < 1e4 ? count(n) : n < 1e6 ? Math.round(n / 1e3) + "k"
    : (n / 1e6).toFixed(2) + "M");

  // ---- drawing ------------------------------------------------------------------------

  function paint(canvas, width, height, levelAt) {
    canvas.width = width;
    canvas.height = height;
    const rgb = state.manifest.colormap.rgb;
    const picture = new ImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const level = levelAt(i);
      if (level === null) continue;  // transparent: past the end of a vector
      picture.data.set([rgb[level * 3], rgb[level * 3 + 1], rgb[level * 3 + 2], 255], i * 4);
    }
    canvas.getContext("2d").putImageData(picture, 0, 0);
  }

  const level = (v, [lo, hi]) => Math.min(255, Math.max(0,
    Math.round(((v - lo) / (hi > lo ? hi - lo : 1)) * 255)));

  function range(data, channel, channels) {
    let lo = Infinity, hi = -Infinity;
    const step = channel === null ? 1 : channels;
    for (let i = channel === null ? 0 : channel; i < data.length; i += step) {
      lo = Math.min(lo, data[i]);
      hi = Math.max(hi, data[i]);
    }
    return [lo, hi];
  }

  function drawMap(canvas, name, n, scale) {
    const { shape: [h, w, c], data } = output(name);
    paint(canvas, w, h, (i) => level(data[i * c + n], scale));
  }

  /** Columns of a vector's grid: one row up to 16 values, else about twice as wide as tall. */
  function columnsOf(n) {
    return n <= 16 ? n : Math.pow(2, Math.ceil(Math.log2(Math.sqrt(2 * n))));
  }

  function drawVector(canvas, name) {
    const { data } = output(name);
    const columns = columnsOf(data.length);
    const scale = range(data, null);
    paint(canvas, columns, Math.ceil(data.length / columns),
          (i) => (i < data.length ? level(data[i], scale) : null));
    return scale;
  }

  /** The map of a layer with the largest mean size: the overview shows that one. */
  function liveliest(name) {
    const { shape: [h, w, c], data } = output(name);
    const totals = new Float64Array(c);
    for (let i = 0; i < h * w * c; i++) totals[i % c] += Math.abs(data[i]);
    return totals.indexOf(Math.max(...totals));
  }

  // ---- the overview -------------------------------------------------------------------

  function layerWords(layer) {
    const shape = layer.output_shape;
    return shape.length === 3 ? shape[2] + " maps of " + shape[0] + "×" + shape[1]
      : "a vector of " + count(shape[0]) + " values";
  }

  function shareOf(layer) {
    return layer.parameters / state.manifest.parameters;
  }

  /** A share as a percentage: one decimal, or the first digit that is not 0 below 1%. */
  function percent(share) {
    const value = 100 * share;
    return (value >= 1 ? value.toFixed(1) : value.toPrecision(1)) + "%";
  }

  function buildOverview() {
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
      tab.addEventListener("click", () => setLayer(layer.name));
      return tab;
    });
    $("cnx-layers").replaceChildren(...tabs);
  }

  function renderOverview() {
    drawInput($("cnx-overview-input"));
    for (const tab of $("cnx-layers").children) {
      const name = tab.dataset.layer;
      const selected = name === state.layer;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      const canvas = tab.querySelector("canvas");
      if (isMaps(name)) {
        const n = selected ? state.map : liveliest(name);
        const c = output(name).shape[2];
        drawMap(canvas, name, n, range(output(name).data, n, c));
      } else {
        drawVector(canvas, name);
      }
    }
  }

  function drawInput(canvas) {
    window.CnnlessonExplorer.drawImage(canvas, window.CnnlessonExplorer.pixelsOf(state.image));
  }

  function onTabKey(event) {
    const tabs = Array.from($("cnx-layers").children);
    const at = tabs.findIndex((tab) => tab.dataset.layer === state.layer);
    const next = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = tabs[Math.max(0, Math.min(tabs.length - 1, next))];
    setLayer(tab.dataset.layer);
    tab.focus();
  }

  // ---- one layer ----------------------------------------------------------------------

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

  function renderHeader() {
    const layer = spec(state.layer);
    const total = state.manifest.parameters;
    $("cnx-layer-title").textContent = "Layer " + state.layer + ": " + layerWords(layer);
    $("cnx-layer-about").textContent = ABOUT[layer.type](layer) + " " + (layer.parameters
      ? count(layer.parameters) + " parameters, " + percent(shareOf(layer)) +
        " of the network's " + count(total) + "."
      : "No parameters.");
  }

  function sharedRange() {
    const { shape, data } = output(state.layer);
    return state.scale === "shared" ? range(data, null) : range(data, state.map, shape[2]);
  }

  function renderGrid() {
    const { shape } = output(state.layer);
    const grid = $("cnx-grid");
    if (grid.childElementCount !== shape[2] || grid.dataset.layer !== state.layer) {
      grid.dataset.layer = state.layer;
      grid.replaceChildren(...Array.from({ length: shape[2] }, (_, n) => {
        const canvas = el("canvas", { width: 32, height: 32, "aria-hidden": "true" });
        const option = el("div", { id: "cnx-map-" + n, role: "option", class: "cnx-cell",
                                   "data-map": String(n), "aria-label": "map " + n },
                          [canvas, el("span", { text: String(n) })]);
        option.addEventListener("click", () => selectMap(n));
        return option;
      }));
    }
    const all = range(output(state.layer).data, null);
    Array.from(grid.children).forEach((option, n) => {
      drawMap(option.firstChild, state.layer, n, state.scale === "shared" ? all
        : range(output(state.layer).data, n, shape[2]));
      option.setAttribute("aria-selected", String(n === state.map));
    });
    grid.setAttribute("aria-activedescendant", "cnx-map-" + state.map);
    grid.setAttribute("aria-label", "The " + shape[2] + " feature maps of " + state.layer +
                      "; arrow keys choose one");
  }

  function renderLarge() {
    const scale = sharedRange();
    const canvas = $("cnx-map");
    drawMap(canvas, state.layer, state.map, scale);
    const [h, w] = output(state.layer).shape;
    canvas.setAttribute("aria-label", "Map " + state.map + " of " + state.layer + ", " + h +
                        " by " + w + " units; arrow keys move the selected unit");
    $("cnx-map-caption").textContent = "Map " + state.map + " of " + state.layer + " (" + h +
      "×" + w + "), colours from " + fmt(scale[0], 3) + " (dark) to " + fmt(scale[1], 3) +
      " (yellow), " + (state.scale === "shared" ? "one scale for all maps" : "this map's own scale");
  }

  function field(layer, [row, column]) {
    // The window, cut off at the image's top and left and at the last input row (column)
    // any unit of the layer depends on: the image's last, unless a stride left some out.
    const g = state.manifest.geometry[layer];
    const clip = (start) => [Math.max(0, start), Math.min(g.end, start + g.size - 1)];
    return { rows: clip(g.start + row * g.jump), columns: clip(g.start + column * g.jump) };
  }

  function placeBox(box, [r0, r1], [c0, c1], h, w) {
    box.style.top = (100 * r0 / h) + "%";
    box.style.left = (100 * c0 / w) + "%";
    box.style.height = (100 * (r1 - r0 + 1) / h) + "%";
    box.style.width = (100 * (c1 - c0 + 1) / w) + "%";
    box.hidden = false;
  }

  function renderUnit() {
    const text = $("cnx-unit-text");
    if (!isMaps(state.layer)) {
      const { data } = output(state.layer);
      const columns = columnsOf(data.length);
      const i = state.entry;
      if (data.length > 16) {
        placeBox($("cnx-vector-box"), [Math.floor(i / columns), Math.floor(i / columns)],
                 [i % columns, i % columns], Math.ceil(data.length / columns), columns);
      }
      text.textContent = "Selected: " + state.layer + ", unit " + i + unitName(i) + ", value " +
        fmt(data[i]) + ". Like every unit from flatten on, it depends on the whole image.";
      return;
    }
    const unit = state.hover || state.unit;
    const [h, w, c] = output(state.layer).shape;
    const [row, column] = unit;
    placeBox($("cnx-unit-box"), [row, row], [column, column], h, w);
    const { rows, columns } = field(state.layer, unit);
    const outline = $("cnx-outline");
    placeBox(outline, rows, columns, 32, 32);
    Object.assign(outline.dataset, {
      rows: rows.join("-"), columns: columns.join("-"), layer: state.layer,
      height: String(rows[1] - rows[0] + 1), width: String(columns[1] - columns[0] + 1) });
    const n = state.hover ? state.hoverMap : state.map;
    const value = output(state.layer).data[(row * w + column) * c + n];
    const g = state.manifest.geometry[state.layer];
    text.textContent = (state.hover ? "Pointing at" : "Selected") + ": " + state.layer +
      ", map " + n + ", row " + row + ", column " + column + ", value " + fmt(value) +
      ". It depends on input rows " + rows[0] + " to " + rows[1] + " and columns " +
      columns[0] + " to " + columns[1] + " (" + (rows[1] - rows[0] + 1) + "×" +
      (columns[1] - columns[0] + 1) + " pixels; a full field is " + g.size + "×" + g.size + ").";
  }

  function unitName(i) {
    const last = state.manifest.layers[state.manifest.layers.length - 1];
    return state.layer === last.name ? " (" + state.index.classes[i] + ")" : "";
  }

  function renderVector() {
    const { data } = output(state.layer);
    const few = data.length <= 16;
    $("cnx-vector-canvas").hidden = few;
    $("cnx-cells").hidden = !few;
    $("cnx-vector-box").hidden = few;
    if (few) {
      const scale = range(data, null);
      const rgb = state.manifest.colormap.rgb;
      $("cnx-cells").replaceChildren(...Array.from(data, (v, i) => {
        const l = level(v, scale);
        const cell = el("div", {
          role: "option", id: "cnx-cell-" + i, class: "cnx-value-cell",
          "aria-selected": String(i === state.entry), "data-index": String(i),
        }, [el("span", { class: "cnx-swatch", "aria-hidden": "true",
                         style: "background:rgb(" + rgb.slice(l * 3, l * 3 + 3).join(",") + ")" }),
            el("span", { text: unitName(i).slice(2, -1) || String(i) }),
            el("span", { class: "cnx-number", text: fmt(v, 3) })]);
        cell.addEventListener("click", () => selectEntry(i));
        return cell;
      }));
      $("cnx-cells").setAttribute("aria-activedescendant", "cnx-cell-" + state.entry);
      $("cnx-vector-caption").textContent = "The " + data.length + " values of " + state.layer +
        ", from " + fmt(scale[0], 3) + " (dark) to " + fmt(scale[1], 3) + " (yellow).";
      return;
    }
    const canvas = $("cnx-vector-canvas");
    const scale = drawVector(canvas, state.layer);
    const columns = columnsOf(data.length);
    canvas.setAttribute("aria-label", "The " + count(data.length) + " values of " +
      state.layer + ", " + columns + " to a row; arrow keys move the selected unit");
    $("cnx-vector-caption").textContent = "The " + count(data.length) + " values of " +
      state.layer + ", " + columns + " to a row, from " + fmt(scale[0], 3) + " (dark) to " +
      fmt(scale[1], 3) + " (yellow).";
  }

  function following(name) {
    // Batch normalisation and ReLU right after a convolution, followed value by value.
    const layers = state.manifest.layers;
    const at = layers.findIndex((layer) => layer.name === name);
    const out = [];
    for (const layer of layers.slice(at + 1)) {
      if (layer.type !== "BatchNormalization" && layer.type !== "ReLU") break;
      out.push(state.net.explain(state.result, layer.name, currentUnit()));
    }
    return out;
  }

  function currentUnit() {
    return isMaps(state.layer) ? [state.unit[0], state.unit[1], state.map] : [state.entry];
  }

  function renderComputation() {
    const ex = state.net.explain(state.result, state.layer, currentUnit());
    window.CnnlessonPanel.render($("cnx-compute"), ex, {
      image: window.CnnlessonExplorer.sourceOf(state.image), classes: state.index.classes,
      following: ex.type === "Conv2D" ? following(state.layer) : [],
    });
    $("cnx-compute-summary").textContent = ex.layer + ", " + where(ex) + ": " + fmt(ex.value);
  }

  function render() {
    const maps = isMaps(state.layer);
    $("cnx-spatial").hidden = !maps;
    $("cnx-vector").hidden = maps;
    renderOverview();
    renderHeader();
    if (maps) {
      drawInput($("cnx-input"));
      renderGrid();
      renderLarge();
    } else {
      renderVector();
    }
    renderUnit();
    renderComputation();
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
    render();
  }

  function selectUnit(unit) {
    state.unit = unit;
    state.hover = null;
    renderUnit();
    renderComputation();
  }

  function selectEntry(i) {
    state.entry = Math.max(0, Math.min(output(state.layer).data.length - 1, i));
    if (output(state.layer).data.length <= 16) renderVector();
    renderUnit();
    renderComputation();
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
    if (unitOn) {
      row = Math.floor(row * h / unitOn[0]);
      column = Math.floor(column * w / unitOn[1]);
    }
    state.unit = [Math.max(0, Math.min(h - 1, row)), Math.max(0, Math.min(w - 1, column))];
    unitOn = [h, w];
    if (state.map >= c) state.map = 0;
  }

  function setLayer(name) {
    state.layer = name;
    state.hover = null;
    if (isMaps(name)) {
      fitUnit(output(name).shape);
    } else {
      state.entry = largest(name);
    }
    render();
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

  function build(shared) {
    state = shared;
    $("cnx-layers").addEventListener("keydown", onTabKey);
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

  function networkChanged(shared) {
    state = shared;
    state.hover = null;
    buildOverview();
    // The same layer if this network has one of that name, else its first convolution.
    if (!state.layer || !spec(state.layer)) {
      const conv = state.manifest.layers.find((layer) => layer.type === "Conv2D");
      state.layer = (conv || state.manifest.layers[0]).name;
      state.unit = [12, 14];
      unitOn = null;
    }
    const shape = spec(state.layer).output_shape;
    if (shape.length === 3) {
      // The same layer's maps may differ in size from one network to the other: clamp.
      unitOn = null;
      fitUnit(shape);
    } else {
      state.entry = Math.min(state.entry, shape[0] - 1);
    }
  }

  window.CnnlessonViews = {
    build: build, networkChanged: networkChanged, render: () => render(),
  };
})();
