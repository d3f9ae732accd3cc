/* cnnlesson explorer: a layer's outputs drawn on canvases in the exported colour map.
 *
 * Maps use the colour map (viridis); vectors are drawn as a grid of cells, row by row.
 */
import { state } from "./state.js";

export const output = (name) => state.result.maps[name];
export const spec = (name) => state.manifest.layers.find((layer) => layer.name === name);
export const isMaps = (name) => spec(name).output_shape.length === 3;

export function paint(canvas, width, height, levelAt) {
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

/** A value's place in the colour map, 0 to 255, on the scale [lo, hi]. */
export const level = (v, [lo, hi]) => Math.min(255, Math.max(0,
  Math.round(((v - lo) / (hi > lo ? hi - lo : 1)) * 255)));

/** [smallest, largest] of a channel of maps, or of all the values when channel is null. */
export function range(data, channel, channels) {
  let lo = Infinity, hi = -Infinity;
  const step = channel === null ? 1 : channels;
  for (let i = channel === null ? 0 : channel; i < data.length; i += step) {
    lo = Math.min(lo, data[i]);
    hi = Math.max(hi, data[i]);
  }
  return [lo, hi];
}

export function drawMap(canvas, name, n, scale) {
  const { shape: [h, w, c], data } = output(name);
  paint(canvas, w, h, (i) => level(data[i * c + n], scale));
}

/** Columns of a vector's grid: one row up to 16 values, else about twice as wide as tall. */
export function columnsOf(n) {
  return n <= 16 ? n : Math.pow(2, Math.ceil(Math.log2(Math.sqrt(2 * n))));
}

export function drawVector(canvas, name) {
  const { data } = output(name);
  const columns = columnsOf(data.length);
  const scale = range(data, null);
  paint(canvas, columns, Math.ceil(data.length / columns),
        (i) => (i < data.length ? level(data[i], scale) : null));
  return scale;
}

/** The map of a layer with the largest mean size: the overview shows that one. */
export function liveliest(name) {
  const { shape: [h, w, c], data } = output(name);
  const totals = new Float64Array(c);
  for (let i = 0; i < h * w * c; i++) totals[i % c] += Math.abs(data[i]);
  return totals.indexOf(Math.max(...totals));
}
