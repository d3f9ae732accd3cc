/* cnnlesson explorer: the arithmetic of every layer, in one place.
 *
 * The forward pass (network.js), the explanation of one unit (explain.js) and the panel
 * (panel.js) all compute with these functions, so a window, an activation or a dense
 * product is worked out one way only. Arrays are in height x width x channel order, as
 * Keras keeps them; a kernel is [height, width, in, out], a dense kernel [in, out].
 */

/** The window offsets k (0 <= k < size) of output position ``o`` that fall inside an input
 *  of ``extent`` values: [first, past the last]. The others fall on the zero padding. */
export function span(o, stride, pad, size, extent) {
  const origin = o * stride - pad;
  return [Math.max(0, -origin), Math.min(size, extent - origin)];
}

/** The ``size`` x ``size`` window of channel ``channel`` at output (row, col), row by row:
 *  the input's values, null where the window lies on the padding. */
export function patch(x, [h, w, c], [row, col], channel, size, stride, [padTop, padLeft]) {
  const cells = [];
  for (let ky = 0; ky < size; ky++) {
    const iy = row * stride + ky - padTop;
    for (let kx = 0; kx < size; kx++) {
      const ix = col * stride + kx - padLeft;
      const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
      cells.push(inside ? { row: iy, col: ix, value: x[(iy * w + ix) * c + channel] } : null);
    }
  }
  return cells;
}

export function sigmoid(z) {
  return 1 / (1 + Math.exp(-z));
}

/** The softmax of ``logits``: each e^z divided by their sum (the largest taken out first,
 *  which changes nothing but keeps e^z finite). */
export function softmax(logits) {
  let top = -Infinity, total = 0;
  for (const z of logits) top = Math.max(top, z);
  const out = Array.from(logits, (z) => Math.exp(z - top));
  for (const e of out) total += e;
  return out.map((e) => e / total);
}

export const ACTIVATIONS = ["linear", "relu", "sigmoid", "softmax"];

/** Apply the activation ``name`` to ``values`` in place; returns them. */
export function activate(values, name) {
  if (name === "relu") {
    for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
  } else if (name === "sigmoid") {
    for (let i = 0; i < values.length; i++) values[i] = sigmoid(values[i]);
  } else if (name === "softmax") {
    values.set(softmax(values));
  } else if (name !== "linear") {
    throw new Error("unknown activation " + name);
  }
  return values;
}

/** A convolution of ``x`` before its activation. For each output position the input values
 *  that are not zero (after a ReLU, about half) are gathered once with the place of their
 *  kernel row; eight output channels are then summed at a time in local variables. */
export function conv2d(x, [h, w, cin], [oh, ow, cout], size, stride, [padTop, padLeft], kernel,
                       bias) {
  const out = new Float32Array(oh * ow * cout);
  const values = new Float64Array(size * size * cin);
  const rows = new Int32Array(size * size * cin);
  const blocked = cout - (cout % 8);
  for (let oy = 0; oy < oh; oy++) {
    const [y0, y1] = span(oy, stride, padTop, size, h);
    for (let ox = 0; ox < ow; ox++) {
      const [x0, x1] = span(ox, stride, padLeft, size, w);
      let n = 0;
      for (let ky = y0; ky < y1; ky++) {
        for (let kx = x0; kx < x1; kx++) {
          const from = ((oy * stride + ky - padTop) * w + ox * stride + kx - padLeft) * cin;
          const tap = (ky * size + kx) * cin * cout;
          for (let ci = 0; ci < cin; ci++) {
            const v = x[from + ci];
            if (v !== 0) { values[n] = v; rows[n] = tap + ci * cout; n++; }
          }
        }
      }
      const at = (oy * ow + ox) * cout;
      for (let c0 = 0; c0 < blocked; c0 += 8) {
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (let t = 0; t < n; t++) {
          const v = values[t], k = rows[t] + c0;
          a0 += v * kernel[k]; a1 += v * kernel[k + 1]; a2 += v * kernel[k + 2];
          a3 += v * kernel[k + 3]; a4 += v * kernel[k + 4]; a5 += v * kernel[k + 5];
          a6 += v * kernel[k + 6]; a7 += v * kernel[k + 7];
        }
        out[at + c0] = a0; out[at + c0 + 1] = a1; out[at + c0 + 2] = a2;
        out[at + c0 + 3] = a3; out[at + c0 + 4] = a4; out[at + c0 + 5] = a5;
        out[at + c0 + 6] = a6; out[at + c0 + 7] = a7;
      }
      for (let co = blocked; co < cout; co++) {
        let a = 0;
        for (let t = 0; t < n; t++) a += values[t] * kernel[rows[t] + co];
        out[at + co] = a;
      }
      if (bias) for (let co = 0; co < cout; co++) out[at + co] += bias[co];
    }
  }
  return out;
}

export function maxPool(x, [h, w, c], [oh, ow], size, stride, [padTop, padLeft]) {
  const out = new Float32Array(oh * ow * c);
  for (let oy = 0; oy < oh; oy++) {
    const [y0, y1] = span(oy, stride, padTop, size, h);
    for (let ox = 0; ox < ow; ox++) {
      const [x0, x1] = span(ox, stride, padLeft, size, w);
      for (let ch = 0; ch < c; ch++) {
        let best = -Infinity;
        for (let ky = y0; ky < y1; ky++) {
          const iy = oy * stride + ky - padTop;
          for (let kx = x0; kx < x1; kx++) {
            best = Math.max(best, x[(iy * w + ox * stride + kx - padLeft) * c + ch]);
          }
        }
        out[(oy * ow + ox) * c + ch] = best;
      }
    }
  }
  return out;
}

/** Batch normalisation as the page downloads it: one scale and one shift per channel. */
export function batchNorm(x, channels, scale, shift) {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * scale[i % channels] + shift[i % channels];
  return out;
}

export function globalAveragePool(x, [h, w, c]) {
  const total = new Float64Array(c);
  for (let i = 0; i < h * w; i++) for (let ch = 0; ch < c; ch++) total[ch] += x[i * c + ch];
  return Float32Array.from(total, (v) => v / (h * w));
}

/** Every unit of a dense layer before its activation: the bias plus the products of each
 *  input and its weight (inputs of 0 skipped: they add nothing). */
export function dense(x, kernel, bias) {
  const units = bias.length;
  const acc = new Float64Array(bias);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v === 0) continue;
    const row = i * units;
    for (let o = 0; o < units; o++) acc[o] += v * kernel[row + o];
  }
  return acc;
}

/** The products of each input and its weight for one unit of a dense layer. */
export function products(x, kernel, units, unit) {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * kernel[i * units + unit];
  return out;
}

export function sum(values) {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
