/* cnnlesson explorer: the page's controls, the predictions, the data and the test hook.
 *
 * Needs network.js, explain.js, panel.js and views.js, and the markup of docs/explore.md.
 * Test hook, window.cnnlessonExplorer:
 *   forward(pixels) runs the network the page shows and resolves to
 *     {probabilities: [10], maps: {layer: {shape, data}}}, every layer's output, maps with
 *     shape [h, w, c] and vectors with shape [n];
 *   forward(pixels, {network: "design"}) runs the named one (loading it if needed)
 *     without changing what the page shows;
 *   explain(pixels, {network, layer, unit}) resolves to how that unit is computed (see
 *     explain.js): for Conv2D and Dense {value, terms: [{label, value}], bias, activation,
 *     preActivation}, for MaxPooling2D {value, window: [{row, col, value}], winner}; unit
 *     is [row, col, channel] on maps and [index] on vectors;
 *   use("design") shows the named network, as its radio button does, and resolves when
 *     the page has redrawn.
 */
(function () {
  "use strict";

  const DATA = new URL("../../explorer-data/", document.currentScript.src);
  const MAX_PHOTO_BYTES = 20 * 1024 * 1024;
  const { el, fmt } = window.CnnlessonPanel;
  const $ = (id) => document.getElementById(id);

  // net and manifest are those of the network shown; networks[key] holds every network
  // loaded so far (a promise of {net, manifest}), index the data shared by all.
  const state = {
    index: null, networks: {}, network: null, net: null, manifest: null, images: null,
    photo: null, image: 0, result: null, layer: null, map: 0, unit: [0, 0], entry: 0,
    hover: null, scale: "shared",
  };
  let readyResolve, readyReject;
  const ready = new Promise((resolve, reject) => { readyResolve = resolve; readyReject = reject; });
  ready.catch(() => {});

  function pixelsOf(index) {
    if (index === "photo") return state.photo;
    return state.images.subarray(index * 3072, (index + 1) * 3072);
  }

  function labelOf(index) {
    if (index === "photo") return null;
    return state.index.classes[state.index.images[index].label];
  }

  function sourceOf(index) {
    return index === "photo" ? "your photo" : state.index.images[index].source;
  }

  function drawImage(canvas, pixels) {
    const picture = new ImageData(32, 32);
    for (let i = 0; i < 1024; i++) {
      picture.data.set(pixels.subarray(i * 3, i * 3 + 3), i * 4);
      picture.data[i * 4 + 3] = 255;
    }
    canvas.getContext("2d").putImageData(picture, 0, 0);
  }

  // ---- the predictions ----------------------------------------------------------------

  function renderPrediction() {
    const scores = state.result.probabilities;
    const classes = state.index.classes;
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
    const total = Array.from(scores).reduce((a, b) => a + b, 0);
    const last = state.manifest.layers[state.manifest.layers.length - 1];
    $("cnx-score-sum").textContent = "The ten scores add up to " + fmt(total, 2) +
      (last.activation === "sigmoid" ? ": each is a sigmoid of its own, so they need not " +
        "add up to 1." : ": a softmax always adds up to 1.");
    const input = pixelsOf(state.image);
    drawImage($("cnx-shown"), input);
    const label = labelOf(state.image);
    $("cnx-shown").setAttribute("aria-label", "The chosen image, " + sourceOf(state.image) +
      (label ? ", a " + label : "") + ", 32 by 32 pixels");
    $("cnx-shown-caption").textContent = sourceOf(state.image) + (label ? ", " + label : "");
  }

  // ---- the image picker ---------------------------------------------------------------

  function thumbnail(value, pixels, text, title) {
    const canvas = el("canvas", { width: 32, height: 32, "aria-hidden": "true" });
    drawImage(canvas, pixels);
    const radio = el("input", { type: "radio", name: "cnx-img", value: String(value),
                                id: "cnx-img-" + value, class: "cnx-visually-hidden" });
    radio.addEventListener("change", () => { if (radio.checked) showImage(value); });
    return el("label", { class: "cnx-thumb", title: title, for: "cnx-img-" + value },
              [radio, canvas, el("span", { class: "cnx-visually-hidden", text: text })]);
  }

  function buildPicker() {
    const index = state.index;
    const thumbs = index.images.map((image, i) => {
      const name = index.classes[image.label];
      return thumbnail(i, pixelsOf(i), image.source + ", " + name, image.source + ", " + name);
    });
    $("cnx-thumbs").replaceChildren(...thumbs);
    checkImage(0);
  }

  function checkImage(value) {
    const radio = $("cnx-img-" + value);
    if (radio) radio.checked = true;
    $("cnx-image-chosen").textContent = "Chosen: " + sourceOf(value) +
      (labelOf(value) ? ", " + labelOf(value) : "");
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
    // Its size, read now: a closed bitmap reports 0×0.
    const width = bitmap.width, height = bitmap.height;
    // Centre square, halved step by step (a smooth reduction), then drawn at 32×32.
    const side = Math.min(width, height);
    let source = bitmap, sx = (width - side) / 2, sy = (height - side) / 2;
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
    const old = $("cnx-img-photo");
    if (old) old.closest("label").remove();
    $("cnx-thumbs").prepend(thumbnail("photo", pixels, "your photo", "your photo"));
    showImage("photo");
    photoMessage("Showing your photo, centre-cropped to a square and scaled to 32×32 pixels (" +
                 width + "×" + height + " before).", false);
  }

  function showImage(index) {
    state.image = index;
    state.result = state.net.run(pixelsOf(index));
    checkImage(index);
    renderPrediction();
    window.CnnlessonViews.render(state);
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
                      window.CnnlessonNetwork.FORMAT + "; build the explorer's data again");
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
        try {
          return { manifest: manifest, net: new window.CnnlessonNetwork(manifest, weights) };
        } catch (error) {
          throw new Error(key + "/model.json: " + error.message);
        }
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
    state.network = key;
    state.manifest = manifest;
    state.net = net;
    for (const radio of networkRadios()) radio.checked = radio.value === key;
    window.CnnlessonViews.networkChanged(state);
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

  function buildControls() {
    buildPicker();
    $("cnx-photo").addEventListener("change", onPhoto);
    for (const radio of networkRadios()) {
      radio.checked = radio.value === state.network;
      radio.addEventListener("change", () => { if (radio.checked) chooseNetwork(radio.value); });
    }
    window.CnnlessonViews.build(state);
    for (const control of document.querySelectorAll(".cnx [disabled]")) control.disabled = false;
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
      buildControls();
      window.CnnlessonViews.networkChanged(state);
      showImage(0);
      root.dataset.state = "ready";
      $("cnx-status").textContent = "";
      performance.mark("cnnlesson-explorer-first-render");
      readyResolve();
    } catch (error) {
      root.dataset.state = "failed";
      $("cnx-status").classList.add("cnx-error");
      $("cnx-status").textContent = "The explorer could not load its network: " +
        error.message + ". " + (location.protocol === "file:"
          ? "Browsers do not let a page opened from a file read other files: serve the " +
            "site, e.g. with python3 -m http.server in its folder, and open it from there."
          : /HTTP 404/.test(error.message)
            ? "This copy of the site was built without the explorer's data: nox -s docs " +
              "writes it (python -m cnnlesson.export), unless run with --no-exec."
            : "");
      readyReject(error);
    }
  }

  /** The network a call of the hook names (the one shown when it names none). */
  function networkFor(options) {
    const key = options && options.network;
    return ready.then(() => {
      if (key === undefined) return { net: state.net };
      checkKey(key);
      return loadNetwork(key);
    });
  }

  // Typed arrays become plain arrays, so that the answer crosses to a test as JSON.
  const plain = (value) => JSON.parse(JSON.stringify(value, (k, v) =>
    (ArrayBuffer.isView(v) ? Array.from(v) : v)));

  window.cnnlessonExplorer = {
    ready: ready,
    forward(pixels, options) {
      return networkFor(options).then(({ net }) => {
        const result = net.run(pixels);
        const maps = {};
        for (const [name, m] of Object.entries(result.maps)) {
          maps[name] = { shape: m.shape.slice(), data: Array.from(m.data) };
        }
        return { probabilities: Array.from(result.probabilities), maps: maps };
      });
    },
    explain(pixels, options) {
      return networkFor(options).then(({ net }) => {
        if (!options || options.layer === undefined || options.unit === undefined) {
          throw new Error("explain(pixels, {layer, unit}) needs the layer's name and the " +
                          "unit: [row, column, channel] on maps, [index] on vectors");
        }
        return plain(net.explain(net.run(pixels), options.layer, options.unit));
      });
    },
    use(key) {
      return ready.then(() => use(key));
    },
    state: state,
  };
  window.CnnlessonExplorer = { state: state, sourceOf: sourceOf, drawImage: drawImage,
                               pixelsOf: pixelsOf };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
