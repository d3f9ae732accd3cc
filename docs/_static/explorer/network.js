/* cnnlesson explorer: a trained network of the lesson, run in plain JavaScript.
 *
 * Reads what cnnlesson.export wrote at build time (a network's model.json and weights.bin)
 * and runs the layers it names: Conv2D (with or without bias), BatchNormalization (as the
 * per-channel scale and shift it was folded into), ReLU, MaxPooling2D,
 * GlobalAveragePooling2D, Flatten and Dense, with relu, sigmoid, softmax or linear
 * activations; RandomFlip, RandomTranslation and Dropout act only in training and pass
 * their input on. Arrays are in height x width x channel order, as Keras keeps them.
 *
 * Before it runs anything, the loader checks every layer against the one before it: its
 * output shape, and the shape, type and place in weights.bin of every weight array it
 * uses. Data that does not fit its layers is refused with a message naming the layer,
 * rather than run into scores of NaN.
 */
(function () {
  "use strict";

  const TYPES = ["RandomFlip", "RandomTranslation", "Dropout", "Flatten", "Conv2D",
                 "BatchNormalization", "ReLU", "MaxPooling2D", "GlobalAveragePooling2D",
                 "Dense"];
  const ACTIVATIONS = ["linear", "relu", "sigmoid", "softmax"];
  const BYTES = { float32: 4, float16: 2 };
  const product = (shape) => shape.reduce((a, b) => a * b, 1);
  const same = (a, b) => Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);
  const show = (shape) => "[" + shape.join(", ") + "]";

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
    const count = product(entry.shape);
    if (entry.dtype === "float32") return new Float32Array(buffer, entry.offset, count);
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
    const head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength));
    if (head[0] !== 0x1f || head[1] !== 0x8b) return bytes;
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }

  // ---- checks ----------------------------------------------------------------------------

  function refuse(spec, problem) {
    throw new Error("layer " + spec.name + " (" + spec.type + ") " + problem +
                    "; model.json does not fit its own layers: build the explorer's data " +
                    "again with python -m cnnlesson.export");
  }

  function windowed(size, window, stride, padding) {
    return padding === "same" ? Math.ceil(size / stride)
      : Math.floor((size - window) / stride) + 1;
  }

  /** The output shape a layer must have, given its input's, and the weights it reads. */
  function expected(spec, input) {
    const spatial = input.length === 3;
    const [h, w, c] = input;
    const needMaps = () => { if (!spatial) refuse(spec, "gets " + show(input) + ", not maps"); };
    switch (spec.type) {
      case "Conv2D": {
        needMaps();
        const [k] = spec.kernel_size, [s] = spec.strides, filters = spec.output_shape[2];
        const out = [windowed(h, k, s, spec.padding), windowed(w, k, s, spec.padding), filters];
        const shapes = [[k, spec.kernel_size[1], c, filters]];
        if (spec.use_bias) shapes.push([filters]);
        return { out, shapes, about: "a " + k + "×" + k + " convolution of " + c +
                 " channels into " + filters };
      }
      case "MaxPooling2D": {
        needMaps();
        const [p] = spec.pool_size, [s] = spec.strides;
        return { out: [windowed(h, p, s, spec.padding), windowed(w, p, s, spec.padding), c],
                 shapes: [] };
      }
      case "BatchNormalization":
        return { out: input, shapes: [[input[input.length - 1]], [input[input.length - 1]]],
                 about: "a scale and a shift per channel" };
      case "GlobalAveragePooling2D":
        needMaps();
        return { out: [c], shapes: [] };
      case "Flatten":
        return { out: [product(input)], shapes: [] };
      case "Dense": {
        if (input.length !== 1) refuse(spec, "gets " + show(input) + ", not a vector");
        const units = spec.output_shape[0];
        return { out: [units], shapes: [[input[0], units], [units]],
                 about: "a dense layer of " + input[0] + " inputs to " + units + " units" };
      }
      default:
        return { out: input, shapes: [] };
    }
  }

  function checkWeights(spec, need, buffer) {
    const entries = spec.weights || [];
    if (entries.length !== need.shapes.length) {
      refuse(spec, "lists " + entries.length + " weight arrays; " + (need.about || "it") +
             " uses " + need.shapes.length);
    }
    entries.forEach((entry, i) => {
      const name = "weight array " + i;
      if (!(entry.dtype in BYTES)) refuse(spec, "has " + name + " of type " + entry.dtype);
      if (!same(entry.shape, need.shapes[i])) {
        refuse(spec, "has " + name + " of shape " + show(entry.shape || []) + ", but " +
               need.about + " needs " + show(need.shapes[i]));
      }
      const size = product(entry.shape) * BYTES[entry.dtype];
      const offset = entry.offset;
      if (!Number.isInteger(offset) || offset < 0 || offset % BYTES[entry.dtype] ||
          offset + size > buffer.byteLength) {
        refuse(spec, "reads " + name + " (" + size + " bytes) from byte " + offset +
               " of weights.bin, which holds " + buffer.byteLength + " bytes");
      }
    });
  }

  function checkGeometry(spec, geometry) {
    if (!geometry || !same(geometry.shape, spec.output_shape) || !Array.isArray(geometry.pad) ||
        geometry.pad.length !== 2 || !geometry.pad.every(Number.isInteger)) {
      refuse(spec, "has no receptive field geometry that matches its output " +
             show(spec.output_shape));
    }
  }

  /** Refuse a manifest whose layers, shapes or weights do not fit together. */
  function check(manifest, buffer) {
    const input = manifest.input_shape;
    if (!Array.isArray(input) || input.length !== 3 || !input.every((d) => d > 0)) {
      throw new Error("the input shape " + JSON.stringify(input) + " is not [height, width, " +
                      "channels]; build the explorer's data again");
    }
    let shape = input;
    for (const spec of manifest.layers) {
      if (!TYPES.includes(spec.type)) refuse(spec, "is of a type this page does not run");
      if (spec.activation !== undefined && !ACTIVATIONS.includes(spec.activation)) {
        refuse(spec, "has activation " + spec.activation);
      }
      const need = expected(spec, shape);
      if (!same(spec.output_shape, need.out)) {
        refuse(spec, "says its output is " + show(spec.output_shape || []) + ", but its " +
               "input " + show(shape) + " gives " + show(need.out));
      }
      checkWeights(spec, need, buffer);
      if (need.out.length === 3) checkGeometry(spec, manifest.geometry[spec.name]);
      shape = need.out;
    }
    const classes = manifest.classes || [];
    if (!same(shape, [classes.length])) {
      throw new Error("the network ends in " + show(shape) + " values, but the page has " +
                      classes.length + " class names; build the explorer's data again");
    }
  }

  function finite(spec, array, i) {
    for (let j = 0; j < array.length; j++) {
      if (!Number.isFinite(array[j])) {
        refuse(spec, "has weight array " + i + " with a value that is not a number " +
               "(position " + j + ")");
      }
    }
    return array;
  }

  // ---- the layers -------------------------------------------------------------------------

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

  function batchNorm(x, shape, [scale, shift]) {
    const c = shape[shape.length - 1];
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i] * scale[i % c] + shift[i % c];
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

  /** The network of a manifest and its weight file, checked and ready to run. */
  function Network(manifest, weightBuffer) {
    check(manifest, weightBuffer);
    this.manifest = manifest;
    let shape = manifest.input_shape;
    this.layers = manifest.layers.map((spec) => {
      const layer = {
        spec: spec, input_shape: shape,
        weights: spec.weights.map((entry, i) => finite(spec, readArray(weightBuffer, entry), i)),
      };
      shape = spec.output_shape;
      return layer;
    });
  }

  /** The layer named ``name``, its place and its input shape. */
  Network.prototype.layer = function (name) {
    const index = this.layers.findIndex((layer) => layer.spec.name === name);
    if (index < 0) {
      throw new Error("there is no layer " + JSON.stringify(name) + " in " +
                      this.manifest.name + "; its layers are " +
                      this.layers.map((layer) => layer.spec.name).join(", "));
    }
    return Object.assign({ index: index }, this.layers[index]);
  };

  /** Run the network on 3,072 pixels 0..255 (height x width x channel). */
  Network.prototype.run = function (pixels) {
    const size = product(this.manifest.input_shape);
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
    const input = x;
    const maps = {};
    for (const { spec, weights, input_shape: shape } of this.layers) {
      const geometry = this.manifest.geometry[spec.name];
      // Each layer makes a new array: the outputs of the layers before it stay as they were.
      if (spec.type === "Conv2D") x = conv2d(x, shape, spec, weights, geometry);
      else if (spec.type === "BatchNormalization") x = batchNorm(x, shape, weights);
      else if (spec.type === "ReLU") x = activate(Float32Array.from(x), "relu");
      else if (spec.type === "MaxPooling2D") x = maxPool(x, shape, spec, geometry);
      else if (spec.type === "GlobalAveragePooling2D") x = globalAveragePool(x, shape);
      else if (spec.type === "Dense") x = dense(x, spec, weights);
      maps[spec.name] = { shape: spec.output_shape.slice(), data: x };
    }
    return { input: input, probabilities: x, maps: maps };
  };

  Network.FORMAT = 4;
  // Layers that only act in training: when predicting, each passes its input on.
  Network.TRAINING_ONLY = ["RandomFlip", "RandomTranslation", "Dropout"];
  Network.weightBytes = weightBytes;
  Network.activate = activate;
  window.CnnlessonNetwork = Network;
})();
