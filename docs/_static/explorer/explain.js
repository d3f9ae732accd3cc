/* cnnlesson explorer: how one unit of any layer is computed, from the real numbers.
 *
 * Needs network.js. Adds Network.prototype.explain(result, layerName, unit), where result
 * is what run() returned for an image and unit is [row, column, channel] on maps or
 * [index] on vectors. Every explanation has the layer's name and type, the unit, and its
 * value (the layer's output there); and by kind of layer:
 *   Conv2D: terms, one per input channel ({label, value, channel, patch, kernel}: the 3×3
 *     patch of that channel times its kernel slice, added up), ranked by size, then bias,
 *     preActivation (the terms plus the bias) and activation (its name);
 *   Dense: terms, the largest products of input and weight ({label, value, index, input,
 *     weight}), then one term for all the others ({label, value, rest: true, count}), bias,
 *     preActivation and activation; at a sigmoid or softmax output also logits, those of
 *     every unit;
 *   MaxPooling2D: window, the input values it covers ({row, col, value}), and the winner;
 *   BatchNormalization: input, scale and shift (value = scale × input + shift);
 *   ReLU: input (value = max(0, input)); GlobalAveragePooling2D: the map it averages;
 *   Flatten: source, the [row, column, channel] it copies; training-only layers: input.
 */
(function () {
  "use strict";

  const Network = window.CnnlessonNetwork;
  // A dense unit shows this many products one by one, the rest as one term.
  const DENSE_TERMS = 8;
  const COLOURS = ["red", "green", "blue"];

  /** The output of the layer before ``index``, named after the last layer before it that
   *  acts when predicting (the training-only ones pass their input on): "the image" when
   *  there is none. */
  function inputOf(net, result, index) {
    let at = index - 1;
    while (at >= 0 && Network.TRAINING_ONLY.includes(net.layers[at].spec.type)) at--;
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

  function byContribution(a, b) {
    return Math.abs(b.value) - Math.abs(a.value);
  }

  function channelLabel(input, c) {
    return input.name === "the image" && input.shape[2] === 3
      ? COLOURS[c] + " channel of the image" : "map " + c + " of " + input.name;
  }

  function conv(layer, input, [row, col, channel]) {
    const spec = layer.spec;
    const [h, w, cin] = input.shape;
    const [kh, kw] = spec.kernel_size;
    const [sy, sx] = spec.strides;
    const cout = spec.output_shape[2];
    const [padTop, padLeft] = this.manifest.geometry[spec.name].pad;
    const [kernel, bias] = layer.weights;
    const terms = [];
    for (let c = 0; c < cin; c++) {
      const patch = [], weights = [];
      let total = 0;
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const iy = row * sy + ky - padTop, ix = col * sx + kx - padLeft;
          const k = kernel[((ky * kw + kx) * cin + c) * cout + channel];
          const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
          const v = inside ? input.data[(iy * w + ix) * cin + c] : null;
          patch.push(v);
          weights.push(k);
          if (inside) total += v * k;
        }
      }
      terms.push({ label: channelLabel(input, c), value: total, channel: c, patch: patch,
                   kernel: weights });
    }
    const b = bias ? bias[channel] : 0;
    const pre = terms.reduce((sum, t) => sum + t.value, b);
    terms.sort(byContribution);
    return { terms: terms, bias: b, preActivation: pre, activation: spec.activation };
  }

  function dense(layer, input, [unit]) {
    const spec = layer.spec;
    const [kernel, bias] = layer.weights;
    const units = bias.length;
    const products = [];
    let zeros = 0;
    for (let i = 0; i < input.data.length; i++) {
      const x = input.data[i];
      if (x === 0) zeros++;
      products.push({ index: i, input: x, weight: kernel[i * units + unit], value: x * kernel[i * units + unit] });
    }
    const ranked = products.slice().sort(byContribution);
    const terms = ranked.slice(0, DENSE_TERMS).map((t) => Object.assign(
      { label: "input " + t.index + sourceOf(input, t.index) }, t));
    const others = ranked.slice(DENSE_TERMS);
    if (others.length) {
      terms.push({ label: "the other " + others.length.toLocaleString("en") + " inputs",
                   value: others.reduce((sum, t) => sum + t.value, 0), rest: true,
                   count: others.length });
    }
    const pre = products.reduce((sum, t) => sum + t.value, bias[unit]);
    const out = { terms: terms, bias: bias[unit], preActivation: pre, activation: spec.activation,
                  inputs: input.data.length, zeros: zeros };
    if (spec.activation === "sigmoid" || spec.activation === "softmax") {
      const logits = new Float64Array(bias);
      for (let i = 0; i < input.data.length; i++) {
        for (let o = 0; o < units; o++) logits[o] += input.data[i] * kernel[i * units + o];
      }
      out.logits = Array.from(logits);
    }
    return out;
  }

  /** Where input ``i`` of a dense layer comes from, when a flatten made the vector. */
  function sourceOf(input, i) {
    return input.source ? " (" + input.source(i) + ")" : "";
  }

  function pool(layer, input, [row, col, channel]) {
    const spec = layer.spec;
    const [h, w, c] = input.shape;
    const [p] = spec.pool_size;
    const [s] = spec.strides;
    const [padTop, padLeft] = this.manifest.geometry[spec.name].pad;
    const window = [];
    for (let dy = 0; dy < p; dy++) {
      for (let dx = 0; dx < p; dx++) {
        const r = row * s + dy - padTop, q = col * s + dx - padLeft;
        if (r >= 0 && r < h && q >= 0 && q < w) {
          window.push({ row: r, col: q, value: input.data[(r * w + q) * c + channel] });
        }
      }
    }
    const winner = window.reduce((best, cell) => (cell.value > best.value ? cell : best));
    return { window: window, winner: winner, channel: channel };
  }

  Network.prototype.explain = function (result, name, unit) {
    const layer = this.layer(name);
    const spec = layer.spec;
    checkUnit(spec, unit);
    const input = inputOf(this, result, layer.index);
    const output = result.maps[name];
    const value = output.shape.length === 3 ? output.data[at(output.shape, unit)]
      : output.data[unit[0]];
    const base = { layer: name, type: spec.type, unit: unit.slice(), value: value,
                   input_layer: input.name };
    const flat = input.shape.length === 3 ? at(input.shape, unit) : unit[0];
    let parts;
    if (spec.type === "Conv2D") {
      parts = conv.call(this, layer, input, unit);
    } else if (spec.type === "Dense") {
      const before = layer.index > 0 ? this.layers[layer.index - 1].spec : null;
      const maps = before && before.type === "Flatten" ? this.layer(before.name) : null;
      if (maps) {
        const shape = maps.input_shape;
        const from = inputOf(this, result, maps.index).name;
        input.source = (i) => from + " row " + Math.floor(i / (shape[1] * shape[2])) +
          ", column " + Math.floor(i / shape[2]) % shape[1] + ", map " + i % shape[2];
      }
      parts = dense(layer, input, unit);
    } else if (spec.type === "MaxPooling2D") {
      parts = pool.call(this, layer, input, unit);
    } else if (spec.type === "BatchNormalization") {
      const c = unit[unit.length - 1];
      parts = { input: input.data[flat], scale: layer.weights[0][c], shift: layer.weights[1][c] };
    } else if (spec.type === "GlobalAveragePooling2D") {
      const [h, w, c] = input.shape;
      const values = [];
      for (let i = 0; i < h * w; i++) values.push(input.data[i * c + unit[0]]);
      parts = { map: { shape: [h, w], values: values, channel: unit[0] },
                mean: values.reduce((a, b) => a + b, 0) / values.length };
    } else if (spec.type === "Flatten") {
      const [, w, c] = input.shape;
      const i = unit[0];
      parts = { source: [Math.floor(i / (w * c)), Math.floor(i / c) % w, i % c],
                input: input.data[i] };
    } else {
      parts = { input: input.data[flat] };
    }
    return Object.assign(base, parts);
  };
})();
