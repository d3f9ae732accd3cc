/* cnnlesson explorer: making elements, writing numbers, and the page's one live region. */

export const $ = (id) => document.getElementById(id);

export function el(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children || []) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export const fmt = (v, digits = 4) => (Object.is(v, -0) ? 0 : v).toFixed(digits);
export const signed = (v, digits = 4) => (v < 0 ? "− " : "+ ") + fmt(Math.abs(v), digits);
export const count = (n) => n.toLocaleString("en");

/** "1 input", "2 inputs": a count with its noun. */
export const counted = (n, noun, plural = noun + "s") => count(n) + " " + (n === 1 ? noun : plural);

/** A unit as words: "map 3, row 4, column 5" on maps, "unit 17" on vectors. */
export function where(unit) {
  return unit.length === 3 ? "map " + unit[2] + ", row " + unit[0] + ", column " + unit[1]
    : "unit " + unit[0];
}

/** Say ``text`` to a screen reader, once: the explorer's one live region for what the
 *  reader chooses (an image, a network, a layer, a unit). Pointing with the mouse only
 *  redraws; it says nothing. */
export function announce(text) {
  const live = $("cnx-live");
  if (live && live.textContent !== text) live.textContent = text;
}
