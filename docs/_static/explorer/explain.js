/* cnnlesson explorer: how one unit of any layer is computed, from the real numbers.
 *
 * explain(net, result, layerName, unit), where result is what net.run() returned for an
 * image and unit is [row, column, channel] on maps or [index] on vectors. Every explanation
 * has the layer's name and type, the unit, and its value (the layer's output there); and by
 * kind of layer:
 *   Conv2D: terms, one per input channel ({label, value, channel, patch, kernel}: the 3×3
 *     patch of that channel times its kernel slice, added up), ranked by size, then bias,
 *     preActivation (the terms plus the bias) and activation (its name);
 *   Dense: terms, the largest products of input and weight ({label, value, index, input,
 *     weight}), then one term for all the others ({label, value, rest: true, count}), bias,
 *     preActivation, activation, inputs and zeros (how many inputs there are, and how many
 *     are 0); at a sigmoid or softmax output also logits, those of every unit;
 *   MaxPooling2D: window, the input values it covers ({row, col, value}), and the winner;
 *   BatchNormalization: input, scale and shift (value = scale × input + shift);
 *   ReLU: input (value = max(0, input)); GlobalAveragePooling2D: the map it averages;
 *   Flatten: source, the [row, column, channel] it copies; training-only layers: input.
 */
import { dense as denseLayer, patch, products, sum } from "./arithmetic.js";
import { TRAINING_ONLY } from "./network.js";

// A dense unit shows this many products one by one, the rest as one term.
const DENSE_TERMS = 8;
const COLOURS = ["red", "green", "blue"];

/** The output of the layer before ``index``, named after the last layer before it that acts
 *  when predicting (the training-only ones pass their input on): "the image" when there is
 *  none. */
function inputOf(net, result, index) {
  let at = index - 1;
  while (at >= 0 && TRAINING_ONLY.includes(net.layers[at].spec.type)) at--;
  const name = at < 0 ? "the image" : net.layers[at].spec.name;
  if (index === 0) return { name: name, data: result.input, shape: net.manifest.input_shape };
  const spec = net.layers[index - 1].spec;
  return { name: name, data: result.maps[spec.name].data, shape: spec.output_shape };
}

function checkUnit(spec, unit) {
  const shape = spec.output_shape;
  const fits = Array.isArray(unit) && unit.length === shape.length &&
    unit.every((v, i) => Number.isInteger(v) && v >= 0 && v < shape[i]);
  if (!fits) {
    throw new Error("a unit of " + spec.name + " is " + (shape.length === 3
      ? "[row, column, channel]" : "[index]") + " within its shape [" + shape.join(", ") +
      "], got " + JSON.stringify(unit));
  }
}

const at = (shape, [row, col, channel]) => (row * shape[1] + col) * shape[2] + channel;
const byContribution = (a, b) => Math.abs(b.value) - Math.abs(a.value);

function channelLabel(input, c) {
  return input.name === "the image" && input.shape[2] === 3
    ? COLOURS[c] + " channel of the image" : "map " + c + " of " + input.name;
}

function conv(net, layer, input, [row, col, channel]) {
  const spec = layer.spec;
  const [size] = spec.kernel_size;
  const cin = input.shape[2], cout = spec.output_shape[2];
  const pad = net.manifest.geometry[spec.name].pad;
  const [kernel, bias] = layer.weights;
  const terms = [];
  for (let c = 0; c < cin; c++) {
    const cells = patch(input.data, input.shape, [row, col], c, size, spec.strides[0], pad);
    const weights = cells.map((_, k) => kernel[(k * cin + c) * cout + channel]);
    const total = sum(cells.map((cell, k) => (cell ? cell.value * weights[k] : 0)));
    terms.push({ label: channelLabel(input, c), value: total, channel: c,
                 patch: cells.map((cell) => (cell ? cell.value : null)), kernel: weights });
  }
  const b = bias ? bias[channel] : 0;
  const pre = sum(terms.map((t) => t.value)) + b;
  terms.sort(byContribution);
  return { terms: terms, bias: b, preActivation: pre, activation: spec.activation };
}

function dense(layer, input, [unit], sourceOf) {
  const spec = layer.spec;
  const [kernel, bias] = layer.weights;
  const units = bias.length;
  const each = products(input.data, kernel, units, unit);
  const ranked = Array.from(each, (value, index) => ({ index: index, value: value }))
    .sort(byContribution);
  const terms = ranked.slice(0, DENSE_TERMS).map(({ index, value }) => ({
    label: "input " + index + (sourceOf ? " (" + sourceOf(index) + ")" : ""), value: value,
    index: index, input: input.data[index], weight: kernel[index * units + unit] }));
  const others = ranked.slice(DENSE_TERMS);
  if (others.length) {
    terms.push({ label: "the other " + others.length.toLocaleString("en") + " inputs",
                 value: sum(others.map((t) => t.value)), rest: true, count: others.length });
  }
  const out = { terms: terms, bias: bias[unit], preActivation: sum(each) + bias[unit],
                activation: spec.activation, inputs: input.data.length,
                zeros: input.data.filter((x) => x === 0).length };
  if (spec.activation === "sigmoid" || spec.activation === "softmax") {
    out.logits = Array.from(denseLayer(input.data, kernel, bias));
  }
  return out;
}

function pool(net, layer, input, [row, col, channel]) {
  const spec = layer.spec;
  const cells = patch(input.data, input.shape, [row, col], channel, spec.pool_size[0],
                      spec.strides[0], net.manifest.geometry[spec.name].pad);
  const window = cells.filter((cell) => cell !== null);
  const winner = window.reduce((best, cell) => (cell.value > best.value ? cell : best));
  return { window: window, winner: winner, channel: channel };
}

/** Where input ``i`` of a dense layer comes from, when a flatten right before it made the
 *  vector from maps; null otherwise. */
function flattenedFrom(net, result, index) {
  const before = index > 0 ? net.layers[index - 1] : null;
  if (!before || before.spec.type !== "Flatten") return null;
  const [, w, c] = before.input_shape;
  const from = inputOf(net, result, index - 1).name;
  return (i) => from + " row " + Math.floor(i / (w * c)) + ", column " +
    Math.floor(i / c) % w + ", map " + i % c;
}

export function explain(net, result, name, unit) {
  const layer = net.layer(name);
  const spec = layer.spec;
  checkUnit(spec, unit);
  const input = inputOf(net, result, layer.index);
  const output = result.maps[name];
  const value = output.shape.length === 3 ? output.data[at(output.shape, unit)]
    : output.data[unit[0]];
  const base = { layer: name, type: spec.type, unit: unit.slice(), value: value,
                 input_layer: input.name };
  const flat = input.shape.length === 3 ? at(input.shape, unit) : unit[0];
  let parts;
  if (spec.type === "Conv2D") {
    parts = conv(net, layer, input, unit);
  } else if (spec.type === "Dense") {
    parts = dense(layer, input, unit, flattenedFrom(net, result, layer.index));
  } else if (spec.type === "MaxPooling2D") {
    parts = pool(net, layer, input, unit);
  } else if (spec.type === "BatchNormalization") {
    const c = unit[unit.length - 1];
    parts = { input: input.data[flat], scale: layer.weights[0][c], shift: layer.weights[1][c] };
  } else if (spec.type === "GlobalAveragePooling2D") {
    const [h, w, c] = input.shape;
    const values = [];
    for (let i = 0; i < h * w; i++) values.push(input.data[i * c + unit[0]]);
    parts = { map: { shape: [h, w], values: values, channel: unit[0] },
              mean: sum(values) / values.length };
  } else if (spec.type === "Flatten") {
    const [, w, c] = input.shape;
    const i = unit[0];
    parts = { source: [Math.floor(i / (w * c)), Math.floor(i / c) % w, i % c],
              input: input.data[i] };
  } else {
    parts = { input: input.data[flat] };
  }
  return Object.assign(base, parts);
}
