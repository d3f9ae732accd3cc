/* cnnlesson explorer: the export's files, downloaded and checked before anything runs.
 *
 * Every file that is missing, cut short or not what it claims is refused with a message
 * that names it (explorer-data/lesson/weights.bin, ...) and says what is wrong, rather than
 * failing later with an error from deep inside the page.
 */
import { PIXELS } from "./images.js";
import { FORMAT, Network } from "./network.js";

const DATA = new URL("../../explorer-data/", import.meta.url);
const AGAIN = "; build the explorer's data again with python -m cnnlesson.export";

/** An error that names the file: "explorer-data/NAME: PROBLEM". */
function fault(name, problem) {
  return new Error("explorer-data/" + name + " " + problem);
}

async function download(name) {
  let response;
  try {
    response = await fetch(new URL(name, DATA));
  } catch (error) {
    throw fault(name, "could not be downloaded (" + error.message + ")");
  }
  if (!response.ok) throw fault(name, "could not be downloaded: HTTP " + response.status);
  return response;
}

async function json(name) {
  const text = await (await download(name)).text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fault(name, "is not valid JSON (" + error.message + ")" + AGAIN);
  }
}

/** A network's weights.bin must be as long as its model.json says. */
function checkLength(name, bytes, expected) {
  if (bytes.byteLength !== expected) {
    throw fault(name, "holds " + bytes.byteLength.toLocaleString("en") + " bytes, but " +
                "model.json expects " + Number(expected).toLocaleString("en") + ": " +
                (bytes.byteLength < expected ? "the file was cut short"
                  : "it is not the file the export wrote") + AGAIN);
  }
}

const isWhole = (v, below) => Number.isInteger(v) && v >= 0 && v < below;

/** explorer.json, checked: its format, input shape, classes, images and networks. */
export async function fetchIndex() {
  const name = "explorer.json";
  const index = await json(name);
  const wrong = (problem) => fault(name, problem + AGAIN);
  if (!index || index.format !== FORMAT) {
    throw wrong("is in format " + (index && index.format) + ", but this page reads format " +
                FORMAT);
  }
  const shape = index.input_shape;
  if (!Array.isArray(shape) || shape.join("x") !== "32x32x3") {
    throw wrong("gives the input shape " + JSON.stringify(shape) + ", not [32, 32, 3]");
  }
  const classes = index.classes;
  if (!Array.isArray(classes) || !classes.length ||
      !classes.every((c) => typeof c === "string" && c)) {
    throw wrong("names no classes");
  }
  if (!Array.isArray(index.images) || !index.images.length) throw wrong("lists no image");
  index.images.forEach((image, i) => {
    if (!image || !isWhole(image.label, classes.length)) {
      throw wrong("gives image " + i + (image && image.source ? " (" + image.source + ")" : "") +
                  " the label " + JSON.stringify(image && image.label) + ", but a label is " +
                  "a class index from 0 to " + (classes.length - 1));
    }
  });
  if (!Array.isArray(index.networks) || !index.networks.length) throw wrong("lists no network");
  if (!index.colormap || !Array.isArray(index.colormap.rgb) ||
      index.colormap.rgb.length !== 256 * 3) {
    throw wrong("has no colour map of 256 colours");
  }
  return index;
}

/** images.bin: as many 32×32×3 images as explorer.json lists, no byte more or less. It
 *  downloads at once; ``indexLoaded`` is the promise of explorer.json. */
export async function fetchImages(indexLoaded) {
  const name = "images.bin";
  const [index, bytes] = await Promise.all([
    indexLoaded, download(name).then((response) => response.arrayBuffer())]);
  const expected = index.images.length * PIXELS;
  if (bytes.byteLength !== expected) {
    throw fault(name, "holds " + bytes.byteLength.toLocaleString("en") + " bytes, but " +
                "explorer.json lists " + index.images.length + " images of 32×32×3 bytes, " +
                expected.toLocaleString("en") + " bytes" + (bytes.byteLength < expected
                  ? ": the file was cut short" : "") + AGAIN);
  }
  return new Uint8Array(bytes);
}

/** The network ``key``: {manifest, net}, its files downloaded (at once, beside
 *  explorer.json, whose promise ``indexLoaded`` is) and checked. */
export async function fetchNetwork(key, indexLoaded) {
  const name = key + "/weights.bin";
  const [index, own, weights] = await Promise.all([
    indexLoaded, json(key + "/model.json"),
    download(name).then((response) => response.arrayBuffer())]);
  checkLength(name, weights, own.weights_bytes);
  // The shared part (input shape, classes, images, colour map) and the network's own.
  const manifest = Object.assign({}, index, own);
  try {
    return { manifest: manifest, net: new Network(manifest, weights) };
  } catch (error) {
    throw fault(key + "/model.json", "does not fit its own layers: " + error.message);
  }
}
