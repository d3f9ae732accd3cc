/* cnnlesson explorer: a trained network of the lesson, run in plain JavaScript.
 *
 * Reads what cnnlesson.export wrote at build time (a network's model.json and weights.bin)
 * and runs the layers it names: Conv2D (with or without bias), BatchNormalization (as the
 * per-channel scale and shift it was folded into), ReLU, MaxPooling2D,
 * GlobalAveragePooling2D, Flatten and Dense, with relu, sigmoid, softmax or linear
 * activations; RandomFlip, RandomTranslation and Dropout act only in training and pass
 * their input on. Arrays are in height x width x channel order, as Keras keeps them.
 */
(function () {
  "use strict";

  // float16 -> float32, for browsers without Float16Array.
  function halfToFloat(bits) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) return sign * Math.pow(2, -14) * (fraction / 1024);
    if (exponent === 31) return fraction ? NaN : sign * Infinity;
    return sign * Math.pow(2, exponent - 15) * (1 + fraction / 1024);
  }

  function readArray(buffer, entry) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.dtype === "float32") return new Float32Array(buffer, entry.offset, count);
    if (entry.dtype !== "float16") throw new Error("unknown weight type " + entry.dtype);
    let bits;
    if (entry.layout === "byte-planes") {
      // All low bytes, then all high bytes (they compress better apart).
      const low = new Uint8Array(buffer, entry.offset, count);
      const high = new Uint8Array(buffer, entry.offset + count, count);
      bits = new Uint16Array(count);
      for (let i = 0; i < count; i++) bits[i] = low[i] | (high[i] << 8);
    } else {
      bits = new Uint16Array(buffer, entry.offset, count);
    }
    if (typeof Float16Array === "function") {
      return Float32Array.from(new Float16Array(bits.buffer, bits.byteOffset, count));
    }
    const table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) table[i] = halfToFloat(i);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = table[bits[i]];
    return out;
  }

  /** The bytes of a weight file: gunzipped here unless the server already did it. */
  async function weightBytes(response) {
    const bytes = await response.arrayBuffer();
    const head = new Uint8Array(bytes, 0, 2);
    if (head[0] !== 0x1f || head[1] !== 0x8b) return bytes;
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }

  function activate(values, name) {
    if (name === "linear") return values;
    if (name === "relu") {
      for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
    } else if (name === "sigmoid") {
      for (let i = 0; i < values.length; i++) values[i] = 1 / (1 + Math.exp(-values[i]));
    } else if (name === "softmax") {
      let top = -Infinity, total = 0;
      for (const v of values) top = Math.max(top, v);
      for (let i = 0; i < values.length; i++) total += (values[i] = Math.exp(values[i] - top));
      for (let i = 0; i < values.length; i++) values[i] /= total;
    } else {
      throw new Error("unknown activation " + name);
    }
    return values;
  }

  function conv2d(x, [h, w, cin], layer, [kernel, bias], geometry) {
    // A convolution followed by batch normalisation has no bias: it starts from zero.
    const [oh, ow, cout] = layer.output_shape;
    const [kh, kw] = layer.kernel_size;
    const [sy, sx] = layer.strides;
    const [padTop, padLeft] = geometry.pad;
    const out = new Float32Array(oh * ow * cout);
    const acc = new Float64Array(cout);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let co = 0; co < cout; co++) acc[co] = bias ? bias[co] : 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sy + ky - padTop;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sx + kx - padLeft;
            if (ix < 0 || ix >= w) continue;
            const xBase = (iy * w + ix) * cin;
            const kBase = (ky * kw + kx) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const v = x[xBase + ci];
              if (v === 0) continue;
              const k = kBase + ci * cout;
              for (let co = 0; co < cout; co++) acc[co] += v * kernel[k + co];
            }
          }
        }
        out.set(acc, (oy * ow + ox) * cout);
      }
    }
    return activate(out, layer.activation);
  }

  function maxPool(x, [h, w, c], layer, geometry) {
    const [oh, ow] = layer.output_shape;
    const [ph, pw] = layer.pool_size;
    const [sy, sx] = layer.strides;
    const [padTop, padLeft] = geometry.pad;
    const out = new Float32Array(oh * ow * c);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          for (let py = 0; py < ph; py++) {
            const iy = oy * sy + py - padTop;
            if (iy < 0 || iy >= h) continue;
            for (let px = 0; px < pw; px++) {
              const ix = ox * sx + px - padLeft;
              if (ix < 0 || ix >= w) continue;
              best = Math.max(best, x[(iy * w + ix) * c + ch]);
            }
          }
          out[(oy * ow + ox) * c + ch] = best;
        }
      }
    }
    return out;
  }

  function batchNorm(x, [h, w, c], [scale, shift]) {
    const out = new Float32Array(x.length);
    for (let i = 0; i < h * w; i++) {
      for (let ch = 0; ch < c; ch++) out[i * c + ch] = x[i * c + ch] * scale[ch] + shift[ch];
    }
    return out;
  }

  function globalAveragePool(x, [h, w, c]) {
    const total = new Float64Array(c);
    for (let i = 0; i < h * w; i++) for (let ch = 0; ch < c; ch++) total[ch] += x[i * c + ch];
    return Float32Array.from(total, (v) => v / (h * w));
  }

  function dense(x, layer, [kernel, bias]) {
    const units = bias.length;
    const acc = new Float64Array(bias);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (v === 0) continue;
      const row = i * units;
      for (let o = 0; o < units; o++) acc[o] += v * kernel[row + o];
    }
    return activate(Float32Array.from(acc), layer.activation);
  }

  /** The network of a manifest and its weight file, ready to run. */
  function Network(manifest, weightBuffer) {
    this.manifest = manifest;
    this.layers = manifest.layers.map((layer) => ({
      spec: layer,
      weights: layer.weights.map((entry) => readArray(weightBuffer, entry)),
    }));
  }

  /** Run the network on 3,072 pixels 0..255 (height x width x channel). */
  Network.prototype.run = function (pixels) {
    const size = this.manifest.input_shape.reduce((a, b) => a * b, 1);
    if (!pixels || pixels.length !== size) {
      throw new Error("expected " + size + " pixel values (height x width x channel), got " +
                      (pixels ? pixels.length : pixels));
    }
    let x = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const p = pixels[i];
      if (!Number.isInteger(p) || p < 0 || p > 255) {
        throw new Error("pixel " + i + " is " + p + "; pixels are integers 0 to 255");
      }
      x[i] = Math.fround(p / 255);
    }
    let shape = this.manifest.input_shape.slice();
    const maps = {};
    for (const { spec, weights } of this.layers) {
      const geometry = this.manifest.geometry[spec.name];
      // Each layer makes a new array: the maps of the layers before it stay as they were.
      if (spec.type === "Conv2D") x = conv2d(x, shape, spec, weights, geometry);
      else if (spec.type === "BatchNormalization") x = batchNorm(x, shape, weights);
      else if (spec.type === "ReLU") x = activate(Float32Array.from(x), "relu");
      else if (spec.type === "MaxPooling2D") x = maxPool(x, shape, spec, geometry);
      else if (spec.type === "GlobalAveragePooling2D") x = globalAveragePool(x, shape);
      else if (spec.type === "Dense") x = dense(x, spec, weights);
      else if (!Network.PASS_THROUGH.includes(spec.type)) {
        throw new Error("unknown layer type " + spec.type);
      }
      shape = spec.output_shape.slice();
      if (shape.length === 3) maps[spec.name] = { shape: shape, data: x };
    }
    return { probabilities: x, maps: maps };
  };

  Network.FORMAT = 3;
  // Layers that only act in training, and Flatten, which keeps the values in their order.
  Network.PASS_THROUGH = ["RandomFlip", "RandomTranslation", "Dropout", "Flatten"];
  Network.weightBytes = weightBytes;
  window.CnnlessonNetwork = Network;
})();
