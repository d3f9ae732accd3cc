/* cnnlesson explorer: the image picker (a thumbnail per image) and the reader's own photo,
 * which stays on this computer: cropped to its middle square and scaled to 32×32 here. */
import { $, el } from "./dom.js";
import { drawImage, nameOf, pixelsOf } from "./images.js";
import { state } from "./state.js";

const MAX_PHOTO_BYTES = 20 * 1024 * 1024;

function thumbnail(value, pixels, text, show) {
  const canvas = el("canvas", { width: 32, height: 32, "aria-hidden": "true" });
  drawImage(canvas, pixels);
  const radio = el("input", { type: "radio", name: "cnx-img", value: String(value),
                              id: "cnx-img-" + value, class: "cnx-visually-hidden" });
  radio.addEventListener("change", () => { if (radio.checked) show(value); });
  return el("label", { class: "cnx-thumb", title: text, for: "cnx-img-" + value },
            [radio, canvas, el("span", { class: "cnx-visually-hidden", text: text })]);
}

/** One thumbnail per image; ``show(index)`` shows the image chosen. */
export function buildPicker(show) {
  $("cnx-thumbs").replaceChildren(...state.index.images.map(
    (_, i) => thumbnail(i, pixelsOf(i), nameOf(i), show)));
  checkImage(0);
}

export function checkImage(value) {
  const radio = $("cnx-img-" + value);
  if (radio) radio.checked = true;
  $("cnx-image-chosen").textContent = "Chosen: " + nameOf(value);
}

function photoMessage(text, isError) {
  const message = $("cnx-photo-message");
  message.textContent = text;
  message.classList.toggle("cnx-error", Boolean(isError));
}

/** The middle square of a bitmap, halved step by step (a smooth reduction), then drawn at
 *  32×32 on white: its 3,072 pixel values. */
function shrink(bitmap, width, height) {
  const side = Math.min(width, height);
  let source = bitmap, sx = (width - side) / 2, sy = (height - side) / 2;
  let size = side;
  while (size > 64) {
    const half = Math.ceil(size / 2);
    const step = el("canvas", { width: half, height: half });
    const context = step.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, half, half);
    context.drawImage(source, sx, sy, size, size, 0, 0, half, half);
    source = step; sx = 0; sy = 0; size = half;
  }
  const small = el("canvas", { width: 32, height: 32 });
  const context = small.getContext("2d", { willReadFrequently: true });
  context.fillStyle = "#fff";
  context.fillRect(0, 0, 32, 32);
  context.imageSmoothingQuality = "high";
  context.drawImage(source, sx, sy, size, size, 0, 0, 32, 32);
  const rgba = context.getImageData(0, 0, 32, 32).data;
  const pixels = new Uint8Array(3072);
  for (let i = 0; i < 1024; i++) pixels.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
  return pixels;
}

/** The reader chose a file: refused with a message, or shown as the image "photo". */
export async function onPhoto(event, show) {
  const file = event.target.files && event.target.files[0];
  if (!file) return;
  if (file.size > MAX_PHOTO_BYTES) {
    photoMessage("That file is " + (file.size / 1048576).toFixed(1) + " MB; choose a photo " +
                 "of at most 20 MB. The explorer still shows the previous image.", true);
    return;
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (error) {
    photoMessage("\u201c" + file.name + "\u201d could not be read as an image. Choose a " +
                 "JPEG, PNG, GIF or WebP photo. The explorer still shows the previous image.",
                 true);
    return;
  }
  // Its size, read now: a closed bitmap reports 0×0.
  const width = bitmap.width, height = bitmap.height;
  state.photo = shrink(bitmap, width, height);
  if (bitmap.close) bitmap.close();
  const old = $("cnx-img-photo");
  if (old) old.closest("label").remove();
  $("cnx-thumbs").prepend(thumbnail("photo", state.photo, "your photo", show));
  show("photo");
  photoMessage("Showing your photo, centre-cropped to a square and scaled to 32×32 pixels (" +
               width + "×" + height + " before).", false);
}
