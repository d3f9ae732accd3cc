/* cnnlesson explorer: the page's controls, drawings and test hook.
 *
 * Needs network.js (window.CnnlessonNetwork) and the markup of docs/explore.md.
 * Test hook, window.cnnlessonExplorer:
 *   forward(pixels) runs the network the page shows and resolves to
 *     {probabilities: [10], maps: {layer: {shape: [h, w, c], data: [...]}}};
 *   forward(pixels, {network: "design"}) runs the named one (loading it if needed)
 *     without changing what the page shows;
 *   use("design") shows the named network, as its radio button does, and resolves when
 *     the page has redrawn.
 */
(function () {
  "use strict";

  const DATA = new URL("../explorer-data/", document.currentScript.src);
  const MAX_PHOTO_BYTES = 20 * 1024 * 1024;
  const CHANNELS = ["red", "green", "blue"];
  const $ = (id) => document.getElementById(id);
  const fmt = (v, digits = 4) => (Object.is(v, -0) ? 0 : v).toFixed(digits);

  // net and manifest are those of the network shown; networks[key] holds every network
  // loaded so far (a promise of {net, manifest}), index the data shared by all.
  const state = {
    index: null, networks: {}, network: null, net: null, manifest: null, images: null,
    photo: null, image: 0, result: null, layer: null, map: 0, unit: [0, 0], hover: null,
    scale: "shared",
  };
  let readyResolve, readyReject;
  const ready = new Promise((resolve, reject) => { readyResolve = resolve; readyReject = reject; });
  ready.catch(() => {});

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function pixelsOf(index) {
    if (index === "photo") return state.photo;
    return state.images.subarray(index * 3072, (index + 1) * 3072);
  }

  function labelOf(index) {
    if (index === "photo") return null;
    return state.manifest.classes[state.manifest.images[index].label];
  }

  function sourceOf(index) {
    return index === "photo" ? "your photo" : state.manifest.images[index].source;
  }

  // ---- drawing ------------------------------------------------------------------------

  function drawImage(canvas, pixels) {
    const picture = new ImageData(32, 32);
    for (let i = 0; i < 1024; i++) {
      picture.data.set(pixels.subarray(i * 3, i * 3 + 3), i * 4);
      picture.data[i * 4 + 3] = 255;
    }
    canvas.getContext("2d").putImageData(picture, 0, 0);
  }

  function mapRange(layer, n) {
    const { shape, data } = state.result.maps[layer];
    const c = shape[2];
    let lo = Infinity, hi = -Infinity;
    for (let i = n === null ? 0 : n; i < data.length; i += n === null ? 1 : c) {
      lo = Math.min(lo, data[i]);
      hi = Math.max(hi, data[i]);
    }
    return [lo, hi];
  }

  function drawMap(canvas, layer, n, [lo, hi]) {
    const { shape, data } = state.result.maps[layer];
    const [h, w, c] = shape;
    canvas.width = w;
    canvas.height = h;
    const rgb = state.manifest.colormap.rgb;
    const picture = new ImageData(w, h);
    const span = hi > lo ? hi - lo : 1;
    for (let i = 0; i < h * w; i++) {
      const level = Math.min(255, Math.max(0, Math.round(((data[i * c + n] - lo) / span) * 255)));
      picture.data[i * 4] = rgb[level * 3];
      picture.data[i * 4 + 1] = rgb[level * 3 + 1];
      picture.data[i * 4 + 2] = rgb[level * 3 + 2];
      picture.data[i * 4 + 3] = 255;
    }
    canvas.getContext("2d").putImageData(picture, 0, 0);
  }

  function scaleFor(n) {
    if (state.scale === "shared") return state.sharedRange;
    return mapRange(state.layer, n);
  }

  // ---- the parts of the page ----------------------------------------------------------

  function renderPrediction() {
    const scores = state.result.probabilities;
    const classes = state.manifest.classes;
    let top = 0;
    scores.forEach((v, i) => { if (v > scores[top]) top = i; });
    const truth = labelOf(state.image);
    const list = $("cnx-bars");
    list.replaceChildren(...classes.map((name, i) => {
      const notes = [];
      if (i === top) notes.push("top class");
      if (name === truth) notes.push("true label");
      const bar = el("span", { class: "cnx-bar", "aria-hidden": "true" },
        [el("span", { style: "width:" + (100 * Math.max(0, Math.min(1, scores[i]))) + "%" })]);
      return el("li", {
        class: "cnx-score" + (i === top ? " cnx-top" : "") + (name === truth ? " cnx-truth" : ""),
        "data-class": name, "data-value": String(scores[i]),
      }, [
        el("span", { class: "cnx-score-name", text: name }), bar,
        el("span", { class: "cnx-score-value", text: fmt(scores[i], 3) }),
        el("span", { class: "cnx-score-note", text: notes.join(", ") }),
      ]);
    }));
    const name = titleOf(state.network);
    list.setAttribute("aria-label", "Scores of the ten classes, " + name);
    let sentence = "The top class of " + name + " for " + sourceOf(state.image) + " is " +
      classes[top] + ", with a score of " + fmt(scores[top], 3) + ". ";
    if (truth === null) sentence += "Your photo has no true label.";
    else if (truth === classes[top]) sentence += "The true label is " + truth + ": it is right.";
    else sentence += "The true label is " + truth + ": it is wrong.";
    $("cnx-prediction-text").textContent = sentence;
  }

  function renderGrid() {
    const { shape } = state.result.maps[state.layer];
    const grid = $("cnx-grid");
    if (grid.childElementCount !== shape[2]) {
      grid.replaceChildren(...Array.from({ length: shape[2] }, (_, n) => {
        const canvas = el("canvas", { width: 32, height: 32, "aria-hidden": "true" });
        canvas.addEventListener("pointermove", (event) => hoverOn(event, canvas, n));
        canvas.addEventListener("pointerleave", () => hoverOff());
        const option = el("div", { id: "cnx-map-" + n, role: "option", class: "cnx-cell",
                                   "data-map": String(n) },
                          [canvas, el("span", { text: String(n) })]);
        option.addEventListener("click", (event) => {
          const unit = unitAt(event, canvas);
          selectMap(n, unit);
        });
        return option;
      }));
    }
    Array.from(grid.children).forEach((option, n) => {
      drawMap(option.firstChild, state.layer, n, scaleFor(n));
      const selected = n === state.map;
      option.setAttribute("aria-selected", String(selected));
      option.setAttribute("aria-label", "map " + n);
    });
    grid.setAttribute("aria-activedescendant", "cnx-map-" + state.map);
    grid.setAttribute("aria-label", "The " + shape[2] + " feature maps of " + state.layer +
                      "; arrow keys choose one");
  }

  function renderLarge() {
    const range = scaleFor(state.map);
    const canvas = $("cnx-map");
    drawMap(canvas, state.layer, state.map, range);
    const [h, w] = state.result.maps[state.layer].shape;
    canvas.setAttribute("aria-label", "Map " + state.map + " of " + state.layer + ", " + h +
                        " by " + w + " units; arrow keys move the selected unit");
    $("cnx-map-caption").textContent = "Map " + state.map + " of " + state.layer + " (" + h +
      "×" + w + "), colours from " + fmt(range[0], 3) + " (dark) to " + fmt(range[1], 3) +
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
    const unit = state.hover || state.unit;
    const [h, w] = state.result.maps[state.layer].shape;
    const [row, column] = unit;
    placeBox($("cnx-unit-box"), [row, row], [column, column], h, w);
    const { rows, columns } = field(state.layer, unit);
    const outline = $("cnx-outline");
    placeBox(outline, rows, columns, 32, 32);
    outline.dataset.rows = rows.join("-");
    outline.dataset.columns = columns.join("-");
    outline.dataset.height = String(rows[1] - rows[0] + 1);
    outline.dataset.width = String(columns[1] - columns[0] + 1);
    outline.dataset.layer = state.layer;
    const { shape, data } = state.result.maps[state.layer];
    const n = state.hover ? state.hoverMap : state.map;
    const value = data[(row * w + column) * shape[2] + n];
    const g = state.manifest.geometry[state.layer];
    $("cnx-unit-text").textContent = (state.hover ? "Pointing at" : "Selected") + ": " +
      state.layer + ", map " + n + ", row " + row + ", column " + column +
      ", value " + fmt(value) + ". It depends on input rows " + rows[0] + " to " + rows[1] +
      " and columns " + columns[0] + " to " + columns[1] + " (" + (rows[1] - rows[0] + 1) + "×" +
      (columns[1] - columns[0] + 1) + " pixels; a full field is " + g.size + "×" + g.size + ").";
  }

  function matrix(caption, values, className, padded) {
    const body = [];
    for (let r = 0; r < 3; r++) {
      body.push(el("tr", {}, values.slice(r * 3, r * 3 + 3).map((v, i) =>
        el("td", { "data-value": String(v), class: padded && padded[r * 3 + i] ? "cnx-pad" : "",
                   text: fmt(v, 3) }))));
    }
    return el("table", { class: "cnx-matrix " + className }, [el("caption", { text: caption }),
                                                                el("tbody", {}, body)]);
  }

  // The layers after a convolution that work on each position alone: the panel follows
  // the unit through them.
  const POINTWISE = ["BatchNormalization", "ReLU"];

  function renderComputation() {
    const panel = $("cnx-compute");
    const layers = state.manifest.layers;
    const index = layers.findIndex((layer) => layer.type === "Conv2D");
    const conv = layers[index];
    if (state.layer !== conv.name) {
      panel.replaceChildren(el("p", { class: "cnx-hint", text: "Choose the layer " + conv.name +
        " above and select a unit: its computation is spelled out here." }));
      return;
    }
    const [kernel, bias] = state.net.layers[index].weights;
    const g = state.manifest.geometry[conv.name];
    const [kh, kw] = conv.kernel_size;
    const [, ow, cout] = conv.output_shape;
    const cin = state.manifest.input_shape[2];
    const n = state.map;
    const [row, column] = state.unit;
    const at = (row * ow + column) * cout + n;
    const pixels = pixelsOf(state.image);
    const blocks = [];
    const sums = [];
    for (let c = 0; c < cin; c++) {
      const patch = [], weights = [], padded = [];
      let sum = 0;
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const iy = row + ky - g.pad[0], ix = column + kx - g.pad[1];
          const inside = iy >= 0 && iy < 32 && ix >= 0 && ix < 32;
          const x = inside ? Math.fround(pixels[(iy * 32 + ix) * cin + c] / 255) : 0;
          const k = kernel[((ky * kw + kx) * cin + c) * cout + n];
          patch.push(x); weights.push(k); padded.push(!inside);
          sum += x * k;
        }
      }
      sums.push(sum);
      blocks.push(el("div", { class: "cnx-channel", "data-channel": String(c) }, [
        el("p", { class: "cnx-channel-name",
                   text: CHANNELS[c][0].toUpperCase() + CHANNELS[c].slice(1) + " channel" }),
        matrix("image patch, " + CHANNELS[c], patch, "cnx-patch", padded),
        el("span", { class: "cnx-op", text: "×", "aria-hidden": "true" }),
        matrix("kernel k[:, :, " + c + ", " + n + "]", weights, "cnx-kernel"),
        el("p", { class: "cnx-channel-sum" }, ["sum of the 9 products = ",
          el("strong", { id: "cnx-sum-" + c, "data-value": String(sum), text: fmt(sum) })]),
      ]));
    }
    const b = bias ? bias[n] : 0;
    const pre = sums.reduce((a, v) => a + v, 0) + b;
    const relu = conv.activation === "relu";
    const out = relu ? Math.max(0, pre) : pre;
    const value = (id, v) => el("strong", { id: id, "data-value": String(v), text: fmt(v) });
    const check = (v, name) => {
      const shown = state.result.maps[name].data[at];
      return Math.abs(v - shown) < 1e-4 ? ", the value the map of " + name + " shows."
        : ", but the map of " + name + " shows " + fmt(shown) + ".";
    };
    const parts = [];
    sums.forEach((s, c) => parts.push(c ? " + " : "", value("cnx-sum-total-" + c, s)));
    const equations = [
      el("p", { class: "cnx-equation" }, [relu ? "sum before ReLU = " : "sum = ", ...parts,
        " + bias ", value("cnx-bias", b), bias ? "" : " (" + conv.name + " has no bias)",
        " = ", value("cnx-pre", pre)]),
      el("p", { class: "cnx-equation" }, relu
        ? ["output = ReLU(", fmt(pre), ") = max(0, ", fmt(pre), ") = ", value("cnx-out", out),
           check(out, conv.name)]
        : ["output = ", value("cnx-out", out), " (" + conv.name + " has no activation)",
           check(out, conv.name)]),
    ];
    // Batch normalisation and ReLU are layers of their own here: follow the unit on.
    const next = [];
    let previous = out;
    for (const [i, layer] of layers.entries()) {
      if (i <= index) continue;
      if (!POINTWISE.includes(layer.type)) break;
      let v;
      if (layer.type === "BatchNormalization") {
        const [scale, shift] = state.net.layers[i].weights;
        v = Math.fround(previous * scale[n] + shift[n]);
        const sign = shift[n] < 0 ? " − " : " + ";
        next.push(el("p", { class: "cnx-equation" }, [layer.name + ": " + fmt(scale[n]) + " × " +
          fmt(previous) + sign + fmt(Math.abs(shift[n])) + " = ",
          value("cnx-next-" + layer.name, v), check(v, layer.name)]));
      } else {
        v = Math.max(0, previous);
        next.push(el("p", { class: "cnx-equation" }, [layer.name + ": max(0, " + fmt(previous) +
          ") = ", value("cnx-next-" + layer.name, v), check(v, layer.name)]));
      }
      previous = v;
    }
    if (next.length) {
      next.unshift(el("p", { class: "cnx-next-title" }, ["Then the layers after " + conv.name +
        ", each on this one value: batch normalisation multiplies map " + n + " by a scale " +
        "and adds a shift (folded from its γ, β, moving mean and variance), and the ReLU " +
        "keeps the result or replaces it by zero."]));
    }
    panel.replaceChildren(
      el("p", { class: "cnx-compute-title", text: conv.name + ", map " + n + ", row " + row +
        ", column " + column + ", image " + sourceOf(state.image) +
        " (pixels divided by 255; cells outside the image are the zero padding)" }),
      el("div", { class: "cnx-channels" }, blocks),
      ...equations,
      ...next,
    );
  }

  function render() {
    state.sharedRange = mapRange(state.layer, null);
    renderGrid();
    renderLarge();
    renderUnit();
    renderComputation();
  }

  // ---- interaction --------------------------------------------------------------------

  function unitAt(event, canvas) {
    const box = canvas.getBoundingClientRect();
    const [h, w] = state.result.maps[state.layer].shape;
    const row = Math.floor(((event.clientY - box.top) / box.height) * h);
    const column = Math.floor(((event.clientX - box.left) / box.width) * w);
    return [Math.min(h - 1, Math.max(0, row)), Math.min(w - 1, Math.max(0, column))];
  }

  function hoverOn(event, canvas, n) {
    if (event.pointerType !== "mouse") return;
    state.hover = unitAt(event, canvas);
    state.hoverMap = n;
    renderUnit();
  }

  function hoverOff() {
    if (state.hover) {
      state.hover = null;
      renderUnit();
    }
  }

  function selectMap(n, unit) {
    state.map = n;
    if (unit) state.unit = unit;
    state.hover = null;
    renderGrid();
    renderLarge();
    renderUnit();
    renderComputation();
  }

  function selectUnit(unit) {
    state.unit = unit;
    state.hover = null;
    renderUnit();
    renderComputation();
  }

  function showImage(index) {
    state.image = index;
    const pixels = pixelsOf(index);
    state.result = state.net.run(pixels);
    drawImage($("cnx-input"), pixels);
    const label = labelOf(index);
    $("cnx-input").setAttribute("aria-label", "The input image, " + sourceOf(index) +
      (label ? ", a " + label : "") + ", 32 by 32 pixels");
    renderPrediction();
    const [h, w] = state.result.maps[state.layer].shape;
    state.unit = [Math.min(state.unit[0], h - 1), Math.min(state.unit[1], w - 1)];
    render();
  }

  function setLayer(name) {
    const [oldH] = state.result ? state.result.maps[state.layer].shape : [32];
    state.layer = name;
    const [h, w] = state.result.maps[name].shape;
    state.unit = [Math.min(h - 1, Math.floor(state.unit[0] * h / oldH)),
                  Math.min(w - 1, Math.floor(state.unit[1] * h / oldH))];
    if (state.map >= state.result.maps[name].shape[2]) state.map = 0;
    render();
  }

  function onMapKey(event) {
    const [h, w] = state.result.maps[state.layer].shape;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    selectUnit([Math.min(h - 1, Math.max(0, state.unit[0] + move[0])),
                Math.min(w - 1, Math.max(0, state.unit[1] + move[1]))]);
  }

  function onGridKey(event) {
    const grid = $("cnx-grid");
    const count = grid.childElementCount;
    const first = grid.firstElementChild;
    const perRow = Math.max(1, Math.round(grid.clientWidth / first.getBoundingClientRect().width));
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -perRow, ArrowDown: perRow,
                   Home: -count, End: count }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    selectMap(Math.min(count - 1, Math.max(0, state.map + step)));
    $("cnx-map-" + state.map).scrollIntoView({ block: "nearest" });
  }

  function photoMessage(text, isError) {
    const message = $("cnx-photo-message");
    message.textContent = text;
    message.classList.toggle("cnx-error", Boolean(isError));
  }

  async function onPhoto(event) {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    if (file.size > MAX_PHOTO_BYTES) {
      photoMessage("That file is " + (file.size / 1048576).toFixed(1) + " MB; choose a photo " +
                   "of at most 20 MB. The explorer still shows the previous image.", true);
      return;
    }
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (error) {
      photoMessage("\u201c" + file.name + "\u201d could not be read as an image. Choose a " +
                   "JPEG, PNG, GIF or WebP photo. The explorer still shows the previous image.",
                   true);
      return;
    }
    // Centre square, halved step by step (a smooth reduction), then drawn at 32×32.
    const side = Math.min(bitmap.width, bitmap.height);
    let source = bitmap, sx = (bitmap.width - side) / 2, sy = (bitmap.height - side) / 2;
    let size = side;
    while (size > 64) {
      const half = Math.ceil(size / 2);
      const step = el("canvas", { width: half, height: half });
      const context = step.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, half, half);
      context.drawImage(source, sx, sy, size, size, 0, 0, half, half);
      source = step; sx = 0; sy = 0; size = half;
    }
    const small = el("canvas", { width: 32, height: 32 });
    const context = small.getContext("2d", { willReadFrequently: true });
    context.fillStyle = "#fff";
    context.fillRect(0, 0, 32, 32);
    context.imageSmoothingQuality = "high";
    context.drawImage(source, sx, sy, size, size, 0, 0, 32, 32);
    if (bitmap.close) bitmap.close();
    const rgba = context.getImageData(0, 0, 32, 32).data;
    const pixels = new Uint8Array(3072);
    for (let i = 0; i < 1024; i++) pixels.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
    state.photo = pixels;
    const select = $("cnx-image");
    if (!select.querySelector("option[value=photo]")) {
      select.prepend(el("option", { value: "photo", text: "Your photo" }));
    }
    select.value = "photo";
    showImage("photo");
    photoMessage("Showing your photo, centre-cropped to a square and scaled to 32×32 pixels (" +
                 bitmap.width + "×" + bitmap.height + " before).", false);
  }

  function fillLayers() {
    const manifest = state.manifest;
    const select = $("cnx-layer");
    select.replaceChildren(...Object.entries(manifest.geometry).map(([name, g]) => {
      const type = manifest.layers.find((layer) => layer.name === name).type;
      const note = window.CnnlessonNetwork.PASS_THROUGH.includes(type)
        ? ", equal to its input when predicting" : "";
      return el("option", { value: name, text: name + " (" + g.shape.join("×") + note + ")" });
    }));
    select.value = state.layer;
  }

  function buildControls() {
    const manifest = state.manifest;
    const select = $("cnx-image");
    const groups = manifest.classes.map((name) => el("optgroup", { label: name }));
    manifest.images.forEach((image, i) => {
      const option = el("option", { value: String(i),
                                    text: image.source + ", " + manifest.classes[image.label] });
      if (i === 0) select.append(option);
      else groups[image.label].append(option);
    });
    select.append(...groups);
    select.value = "0";
    select.addEventListener("change", () => {
      showImage(select.value === "photo" ? "photo" : Number(select.value));
    });
    $("cnx-photo").addEventListener("change", onPhoto);
    for (const radio of networkRadios()) {
      radio.checked = radio.value === state.network;
      radio.addEventListener("change", () => { if (radio.checked) chooseNetwork(radio.value); });
    }
    fillLayers();
    const layerSelect = $("cnx-layer");
    layerSelect.addEventListener("change", () => setLayer(layerSelect.value));
    for (const radio of document.querySelectorAll("input[name=cnx-scale]")) {
      radio.checked = radio.value === state.scale;
      radio.addEventListener("change", () => {
        state.scale = radio.value;
        render();
      });
    }
    const map = $("cnx-map");
    map.addEventListener("keydown", onMapKey);
    map.addEventListener("click", (event) => selectUnit(unitAt(event, map)));
    map.addEventListener("pointermove", (event) => hoverOn(event, map, state.map));
    map.addEventListener("pointerleave", hoverOff);
    $("cnx-grid").addEventListener("keydown", onGridKey);
    for (const control of document.querySelectorAll(".cnx [disabled]")) control.disabled = false;
  }

  // ---- the networks -------------------------------------------------------------------

  function networkRadios() {
    return Array.from(document.querySelectorAll("input[name=cnx-network]"));
  }

  /** The network's name as its radio button gives it, e.g. "the final design". */
  function titleOf(key) {
    const radio = networkRadios().find((r) => r.value === key);
    const label = radio && radio.closest("label");
    return label ? label.textContent.trim().replace(/\s+/g, " ") : "the network " + key;
  }

  function firstConv(manifest) {
    const conv = manifest.layers.find((layer) => layer.type === "Conv2D");
    return conv ? conv.name : Object.keys(manifest.geometry)[0];
  }

  async function fetchOk(name, kind) {
    const response = await fetch(new URL(name, DATA));
    if (!response.ok) throw new Error(name + ": HTTP " + response.status);
    if (kind === "json") return response.json();
    if (kind === "weights") return window.CnnlessonNetwork.weightBytes(response);
    return response.arrayBuffer();
  }

  async function fetchIndex() {
    const index = await fetchOk("explorer.json", "json");
    if (index.format !== window.CnnlessonNetwork.FORMAT) {
      throw new Error("its data is in format " + index.format + ", this script reads " +
                      window.CnnlessonNetwork.FORMAT + "; rebuild the site with --clean");
    }
    return index;
  }

  /** A promise of {manifest, net} for the network named key, downloaded once, when asked. */
  function loadNetwork(key) {
    if (!state.networks[key]) {
      const loading = (async () => {
        const [index, own, weights] = await Promise.all([
          state.indexLoaded, fetchOk(key + "/model.json", "json"),
          fetchOk(key + "/weights.bin", "weights")]);
        // The shared part (input shape, classes, images, colour map) and the network's own.
        const manifest = Object.assign({}, index, own);
        return { manifest: manifest, net: new window.CnnlessonNetwork(manifest, weights) };
      })();
      state.networks[key] = loading;
      loading.catch(() => { delete state.networks[key]; });  // a later choice tries again
    }
    return state.networks[key];
  }

  function checkKey(key) {
    const keys = state.index.networks.map((network) => network.key);
    if (!keys.includes(key)) {
      throw new Error("there is no network " + JSON.stringify(key) + " on this page; it has " +
                      keys.map((k) => JSON.stringify(k)).join(" and "));
    }
  }

  /** Show the network named key: the layers, maps and scores follow it. */
  async function use(key) {
    checkKey(key);
    state.wanted = key;
    const { manifest, net } = await loadNetwork(key);
    if (state.wanted !== key) return;  // the reader chose again while it loaded
    const old = state.result ? state.result.maps[state.layer].shape[0] : null;
    state.network = key;
    state.manifest = manifest;
    state.net = net;
    // The same layer if this network has one of that name, else its first convolution.
    if (!manifest.geometry[state.layer]) state.layer = firstConv(manifest);
    const [h, w, c] = manifest.geometry[state.layer].shape;
    if (old) {
      state.unit = [Math.min(h - 1, Math.floor(state.unit[0] * h / old)),
                    Math.min(w - 1, Math.floor(state.unit[1] * w / old))];
    }
    if (state.map >= c) state.map = 0;
    state.hover = null;
    for (const radio of networkRadios()) radio.checked = radio.value === key;
    fillLayers();
    showImage(state.image);
  }

  function chooseNetwork(key) {
    const status = $("cnx-status");
    status.classList.remove("cnx-error");
    if (!state.networks[key]) status.textContent = "Loading " + titleOf(key) + "…";
    use(key).then(() => {
      if (state.wanted === key) status.textContent = "";
    }, (error) => {
      if (state.wanted !== key) return;
      state.wanted = state.network;
      for (const radio of networkRadios()) radio.checked = radio.value === state.network;
      status.classList.add("cnx-error");
      status.textContent = titleOf(key) + " could not be loaded (" + error.message +
        "). The page still shows " + titleOf(state.network) + ".";
    });
  }

  async function start() {
    const root = document.querySelector(".cnx");
    if (!root) return;
    try {
      // The first network's files download alongside the shared ones; the others wait
      // until the reader chooses them.
      const checked = networkRadios().find((radio) => radio.checked);
      state.indexLoaded = fetchIndex();
      const [index, images] = await Promise.all([state.indexLoaded, fetchOk("images.bin"),
                                                 checked ? loadNetwork(checked.value) : null]);
      state.index = index;
      state.images = new Uint8Array(images);
      for (const radio of networkRadios()) checkKey(radio.value);
      const first = checked ? checked.value : index.networks[0].key;
      const { manifest, net } = await loadNetwork(first);
      state.network = state.wanted = first;
      state.manifest = manifest;
      state.net = net;
      state.layer = firstConv(manifest);
      state.unit = [12, 14];
      buildControls();
      showImage(0);
      root.dataset.state = "ready";
      $("cnx-status").textContent = "";
      performance.mark("cnnlesson-explorer-first-render");
      readyResolve();
    } catch (error) {
      root.dataset.state = "failed";
      $("cnx-status").textContent = "The explorer could not load its network (" + error.message +
        "). " + (location.protocol === "file:"
          ? "Browsers do not let a page opened from a file read other files: serve the " +
            "site, e.g. with python3 -m http.server in its folder, and open it from there."
          : "Build the site with its code executed (not --no-exec) to include it.");
      readyReject(error);
    }
  }

  window.cnnlessonExplorer = {
    ready: ready,
    forward(pixels, options) {
      const key = options && options.network;
      return ready.then(() => {
        if (key === undefined) return { net: state.net };
        checkKey(key);
        return loadNetwork(key);
      }).then(({ net }) => {
        const result = net.run(pixels);
        const maps = {};
        for (const [name, m] of Object.entries(result.maps)) {
          maps[name] = { shape: m.shape.slice(), data: Array.from(m.data) };
        }
        return { probabilities: Array.from(result.probabilities), maps: maps };
      });
    },
    use(key) {
      return ready.then(() => use(key));
    },
    state: state,
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
