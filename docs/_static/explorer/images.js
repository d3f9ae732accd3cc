/* cnnlesson explorer: the images, by their place in images.bin or "photo" for the reader's. */
import { state } from "./state.js";

export const PIXELS = 32 * 32 * 3;

export function pixelsOf(index) {
  if (index === "photo") return state.photo;
  return state.images.subarray(index * PIXELS, (index + 1) * PIXELS);
}

/** The true class of an image, or null for the reader's photo. */
export function labelOf(index) {
  if (index === "photo") return null;
  return state.index.classes[state.index.images[index].label];
}

export function sourceOf(index) {
  return index === "photo" ? "your photo" : state.index.images[index].source;
}

/** "X_train[7], horse": where the image comes from and its class. */
export function nameOf(index) {
  const label = labelOf(index);
  return sourceOf(index) + (label ? ", " + label : "");
}

export function drawImage(canvas, pixels) {
  const picture = new ImageData(32, 32);
  for (let i = 0; i < 1024; i++) {
    picture.data.set(pixels.subarray(i * 3, i * 3 + 3), i * 4);
    picture.data[i * 4 + 3] = 255;
  }
  canvas.getContext("2d").putImageData(picture, 0, 0);
}
