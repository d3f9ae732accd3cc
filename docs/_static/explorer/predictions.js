/* cnnlesson explorer: what the network shown predicts for the image shown. */
import { sum } from "./arithmetic.js";
import { $, el, fmt } from "./dom.js";
import { drawImage, labelOf, nameOf, pixelsOf, sourceOf } from "./images.js";
import { state } from "./state.js";

/** The page's radio buttons that choose the network. */
export function networkRadios() {
  return Array.from(document.querySelectorAll("input[name=cnx-network]"));
}

/** The network's name as its radio button gives it, e.g. "the final design". */
export function titleOf(key) {
  const radio = networkRadios().find((r) => r.value === key);
  const label = radio && radio.closest("label");
  return label ? label.textContent.trim().replace(/\s+/g, " ") : "the network " + key;
}

/** The scores as bars, and the sentence that says the top class; returns the sentence. */
export function renderPrediction() {
  const scores = state.result.probabilities;
  const classes = state.index.classes;
  let top = 0;
  scores.forEach((v, i) => { if (v > scores[top]) top = i; });
  const truth = labelOf(state.image);
  const list = $("cnx-bars");
  list.replaceChildren(...classes.map((name, i) => {
    const notes = [];
    if (i === top) notes.push("top class");
    if (name === truth) notes.push("true label");
    const bar = el("span", { class: "cnx-bar", "aria-hidden": "true" },
      [el("span", { style: "width:" + (100 * Math.max(0, Math.min(1, scores[i]))) + "%" })]);
    return el("li", {
      class: "cnx-score" + (i === top ? " cnx-top" : "") + (name === truth ? " cnx-truth" : ""),
      "data-class": name, "data-value": String(scores[i]),
    }, [
      el("span", { class: "cnx-score-name", text: name }), bar,
      el("span", { class: "cnx-score-value", text: fmt(scores[i], 3) }),
      el("span", { class: "cnx-score-note", text: notes.join(", ") }),
    ]);
  }));
  const network = titleOf(state.network);
  list.setAttribute("aria-label", "Scores of the ten classes, " + network);
  let sentence = "The top class of " + network + " for " + sourceOf(state.image) + " is " +
    classes[top] + ", with a score of " + fmt(scores[top], 3) + ". ";
  if (truth === null) sentence += "Your photo has no true label.";
  else if (truth === classes[top]) sentence += "The true label is " + truth + ": it is right.";
  else sentence += "The true label is " + truth + ": it is wrong.";
  $("cnx-prediction-text").textContent = sentence;
  const last = state.manifest.layers[state.manifest.layers.length - 1];
  $("cnx-score-sum").textContent = "The ten scores add up to " + fmt(sum(scores), 2) +
    (last.activation === "softmax" ? " (a softmax output)."
      : " (a " + last.activation + " output; a softmax's would add up to 1).");
  drawImage($("cnx-shown"), pixelsOf(state.image));
  const label = labelOf(state.image);
  $("cnx-shown").setAttribute("aria-label", "The chosen image, " + sourceOf(state.image) +
    (label ? ", a " + label : "") + ", 32 by 32 pixels");
  $("cnx-shown-caption").textContent = nameOf(state.image);
  return sentence;
}
