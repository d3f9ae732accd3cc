/* cnnlesson explorer: a network of the export (model.json and weights.bin), checked and run.
 *
 * A manifest is explorer.json's shared part (input shape, classes, colour map) merged with a
 * network's model.json (its layers in order, with their weight arrays' places in weights.bin,
 * and the receptive field geometry of every spatial layer). Before it runs anything, the
 * loader checks every layer against the one before it: its output shape, and the shape, type
 * and place in weights.bin of every weight array it uses. Data that does not fit its layers
 * is refused with a message naming the layer, rather than run into scores of NaN.
 */
import {
  ACTIVATIONS, activate, batchNorm, conv2d, dense, globalAveragePool, maxPool,
} from "./arithmetic.js";

export const FORMAT = 5;
// Layers that only act in training: when predicting, each passes its input on.
export const TRAINING_ONLY = ["RandomFlip", "RandomTranslation", "Dropout"];
const TYPES = [...TRAINING_ONLY, "Flatten", "Conv2D", "BatchNormalization", "ReLU",
               "MaxPooling2D", "GlobalAveragePooling2D", "Dense"];
const BYTES = { float32: 4, int8: 1 };
const product = (shape) => shape.reduce((a, b) => a * b, 1);
const same = (a, b) => Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);
const show = (shape) => "[" + shape.join(", ") + "]";

/** A weight array as float32: an int8 array is scaled, one scale per unit (last axis). */
function readArray(buffer, entry) {
  const count = product(entry.shape);
  if (entry.dtype === "float32") return new Float32Array(buffer, entry.offset, count);
  const units = entry.shape[entry.shape.length - 1];
  const levels = new Int8Array(buffer, entry.offset, count);
  const scales = new Float32Array(buffer, entry.scale_offset, units);
  const out = new Float32Array(count);
  for (let row = 0; row < count; row += units) {
    for (let unit = 0; unit < units; unit++) out[row + unit] = levels[row + unit] * scales[unit];
  }
  return out;
}

// ---- checks ----------------------------------------------------------------------------

function refuse(spec, problem) {
  throw new Error("layer " + spec.name + " (" + spec.type + ") " + problem +
                  "; build the explorer's data again with python -m cnnlesson.export");
}

function windowed(size, window, stride, padding) {
  return padding === "same" ? Math.ceil(size / stride)
    : Math.floor((size - window) / stride) + 1;
}

/** The output shape a layer must have, given its input's, and the weights it reads. */
function expected(spec, input) {
  const [h, w, c] = input;
  const needMaps = () => { if (input.length !== 3) refuse(spec, "gets " + show(input) + ", not maps"); };
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

function checkPlace(spec, name, offset, size, align, buffer) {
  if (!Number.isInteger(offset) || offset < 0 || offset % align ||
      offset + size > buffer.byteLength) {
    refuse(spec, "reads " + name + " (" + size + " bytes) from byte " + offset +
           " of weights.bin, which holds " + buffer.byteLength + " bytes");
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
    checkPlace(spec, name, entry.offset, product(entry.shape) * BYTES[entry.dtype],
               BYTES[entry.dtype], buffer);
    if (entry.dtype === "int8") {
      checkPlace(spec, "the scales of " + name, entry.scale_offset,
                 4 * entry.shape[entry.shape.length - 1], 4, buffer);
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
  if (!Array.isArray(manifest.layers) || !manifest.layers.length) {
    throw new Error("it lists no layers; build the explorer's data again");
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
    if (need.out.length === 3) checkGeometry(spec, (manifest.geometry || {})[spec.name]);
    shape = need.out;
  }
  if (!same(shape, [manifest.classes.length])) {
    throw new Error("the network ends in " + show(shape) + " values, but the page has " +
                    manifest.classes.length + " class names; build the explorer's data again");
  }
}

/** Refuse a weight array whose stored floats (an int8 array's scales) are not all numbers;
 *  8-bit levels always are. */
function checkFinite(spec, i, entry, buffer) {
  const floats = entry.dtype === "int8"
    ? new Float32Array(buffer, entry.scale_offset, entry.shape[entry.shape.length - 1])
    : new Float32Array(buffer, entry.offset, product(entry.shape));
  for (let j = 0; j < floats.length; j++) {
    if (!Number.isFinite(floats[j])) {
      refuse(spec, "has weight array " + i + " with a value that is not a number " +
             "(position " + j + (entry.dtype === "int8" ? " of its scales" : "") + ")");
    }
  }
}

// ---- running it -------------------------------------------------------------------------

/** The network of a manifest and its weight file, checked and ready to run. */
export class Network {
  constructor(manifest, weightBuffer) {
    check(manifest, weightBuffer);
    this.manifest = manifest;
    let shape = manifest.input_shape;
    this.layers = manifest.layers.map((spec) => {
      const layer = {
        spec: spec, input_shape: shape,
        weights: spec.weights.map((entry, i) => {
          checkFinite(spec, i, entry, weightBuffer);
          return readArray(weightBuffer, entry);
        }),
      };
      shape = spec.output_shape;
      return layer;
    });
  }

  /** The layer named ``name``, its place and its input shape. */
  layer(name) {
    const index = this.layers.findIndex((layer) => layer.spec.name === name);
    if (index < 0) {
      throw new Error("there is no layer " + JSON.stringify(name) + " in " +
                      this.manifest.name + "; its layers are " +
                      this.layers.map((layer) => layer.spec.name).join(", "));
    }
    return Object.assign({ index: index }, this.layers[index]);
  }

  /** Run the network on 3,072 pixels 0..255 (height x width x channel): every layer's
   *  output ({shape, data} by layer name) and the last one's, the scores. */
  run(pixels) {
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
      x[i] = p / 255;
    }
    const input = x;
    const maps = {};
    for (const { spec, weights, input_shape: shape } of this.layers) {
      const geometry = this.manifest.geometry[spec.name];
      // Each layer makes a new array: the outputs of the layers before it stay as they were.
      if (spec.type === "Conv2D") {
        x = activate(conv2d(x, shape, spec.output_shape, spec.kernel_size[0], spec.strides[0],
                            geometry.pad, weights[0], weights[1]), spec.activation);
      } else if (spec.type === "BatchNormalization") {
        x = batchNorm(x, shape[shape.length - 1], weights[0], weights[1]);
      } else if (spec.type === "ReLU") {
        x = activate(Float32Array.from(x), "relu");
      } else if (spec.type === "MaxPooling2D") {
        x = maxPool(x, shape, spec.output_shape, spec.pool_size[0], spec.strides[0],
                    geometry.pad);
      } else if (spec.type === "GlobalAveragePooling2D") {
        x = globalAveragePool(x, shape);
      } else if (spec.type === "Dense") {
        x = activate(Float32Array.from(dense(x, weights[0], weights[1])), spec.activation);
      }
      maps[spec.name] = { shape: spec.output_shape.slice(), data: x };
    }
    return { input: input, probabilities: x, maps: maps };
  }
}
