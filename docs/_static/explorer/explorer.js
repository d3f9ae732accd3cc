/* cnnlesson explorer: the page's entry module. It downloads the data, wires the controls,
 * switches networks and offers the console and test hook, window.cnnlessonExplorer:
 *   forward(pixels) runs the network the page shows and resolves to
 *     {probabilities: [10], maps: {layer: {shape, data}}}, every layer's output, maps with
 *     shape [h, w, c] and vectors with shape [n];
 *   forward(pixels, {network: "design"}) runs the named one (loading it if needed)
 *     without changing what the page shows;
 *   explain(pixels, {network, layer, unit}) resolves to how that unit is computed (see
 *     explain.js); unit is [row, col, channel] on maps and [index] on vectors;
 *   use("design") shows the named network, as its radio button does, and resolves when
 *     the page has redrawn;
 *   ready, a promise kept once the page has drawn its first image, and state (state.js).
 * Needs the markup of docs/explore.md.
 */
import { fetchImages, fetchIndex, fetchNetwork } from "./data.js";
import { $, announce } from "./dom.js";
import { explain } from "./explain.js";
import { pixelsOf } from "./images.js";
import { buildPicker, checkImage, onPhoto } from "./picker.js";
import { networkRadios, renderPrediction, titleOf } from "./predictions.js";
import { state } from "./state.js";
import { build, networkChanged, render } from "./views.js";

let readyResolve, readyReject;
const ready = new Promise((resolve, reject) => { readyResolve = resolve; readyReject = reject; });
ready.catch(() => {});

function showImage(index) {
  state.image = index;
  state.result = state.net.run(pixelsOf(index));
  checkImage(index);
  const sentence = renderPrediction();
  render();
  return sentence;
}

function chooseImage(index) {
  announce(showImage(index));
}

// ---- the networks -------------------------------------------------------------------

/** A promise of {manifest, net} for the network named key, downloaded once, when asked. */
function loadNetwork(key) {
  if (!state.networks[key]) {
    const loading = fetchNetwork(key, state.indexLoaded);
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
  if (state.wanted !== key) return null;  // the reader chose again while it loaded
  Object.assign(state, { network: key, manifest: manifest, net: net });
  for (const radio of networkRadios()) radio.checked = radio.value === key;
  networkChanged();
  return showImage(state.image);
}

function chooseNetwork(key) {
  const status = $("cnx-status");
  status.classList.remove("cnx-error");
  if (!state.networks[key]) status.textContent = "Loading " + titleOf(key) + "…";
  use(key).then((sentence) => {
    if (state.wanted !== key) return;
    status.textContent = "";
    announce(sentence);
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
  buildPicker(chooseImage);
  $("cnx-photo").addEventListener("change", (event) => onPhoto(event, chooseImage));
  for (const radio of networkRadios()) {
    radio.checked = radio.value === state.network;
    radio.addEventListener("change", () => { if (radio.checked) chooseNetwork(radio.value); });
  }
  build();
  for (const control of document.querySelectorAll(".cnx [disabled]")) control.disabled = false;
}

function failed(root, error) {
  root.dataset.state = "failed";
  $("cnx-status").classList.add("cnx-error");
  $("cnx-status").textContent = "The explorer could not load its network: " + error.message +
    "." + (/HTTP 404/.test(error.message)
    ? " This copy of the site was built without the explorer's data: nox -s docs writes " +
      "it (python -m cnnlesson.export), unless run with --no-exec."
    : "");
  readyReject(error);
}

async function start() {
  const root = document.querySelector(".cnx");
  if (!root) return;
  try {
    // The first network's files download alongside the shared ones; the others wait until
    // the reader chooses them.
    const checked = networkRadios().find((radio) => radio.checked);
    state.indexLoaded = fetchIndex();
    const [index, images] = await Promise.all([
      state.indexLoaded, fetchImages(state.indexLoaded),
      checked ? loadNetwork(checked.value) : null]);
    Object.assign(state, { index: index, images: images });
    for (const radio of networkRadios()) checkKey(radio.value);
    const first = checked ? checked.value : index.networks[0].key;
    const { manifest, net } = await loadNetwork(first);
    Object.assign(state, { network: first, wanted: first, manifest: manifest, net: net });
    buildControls();
    networkChanged();
    showImage(0);
    root.dataset.state = "ready";
    $("cnx-status").textContent = "";
    performance.mark("cnnlesson-explorer-first-render");
    readyResolve();
  } catch (error) {
    failed(root, error);
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

// The page's one global: the console and test hook described above.
window.cnnlessonExplorer = {
  ready: ready,
  state: state,
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
      return plain(explain(net, net.run(pixels), options.layer, options.unit));
    });
  },
  use(key) {
    return ready.then(() => use(key)).then(() => undefined);
  },
};

start();
