/* cnnlesson explorer: the panel that spells out how the selected unit is computed.
 *
 * render(container, explanation, context) draws what explain.js worked out, one kind of
 * layer at a time; context gives the image's name, the class names and the explanations of
 * the layers that follow a convolution value by value.
 */
import { sigmoid as sigmoidOf, softmax, sum } from "./arithmetic.js";
import { count, counted, el, fmt, signed, where } from "./dom.js";

// Channels spelled out as 3×3 numbers, and rows of the ranked table, before "show all".
const SHOWN_CHANNELS = 4;
const SHOWN_ROWS = 8;

// A number the tests read back: shown rounded, kept whole in data-value.
const value = (id, v, digits = 4) => el("strong", { id: id, "data-value": String(v),
                                                    text: fmt(v, digits) });
const line = (children) => el("p", { class: "cnx-equation" }, children);

function matrix(caption, values, className, size) {
  const rows = [];
  for (let r = 0; r < size; r++) {
    rows.push(el("tr", {}, values.slice(r * size, r * size + size).map((v) =>
      el("td", { class: v === null ? "cnx-pad" : "", "data-value": String(v === null ? 0 : v),
                 text: fmt(v === null ? 0 : v, 3) }))));
  }
  return el("table", { class: "cnx-matrix " + className },
            [el("caption", { text: caption }), el("tbody", {}, rows)]);
}

/** A signed bar: the share of the largest term, to the right when positive. */
function bar(v, largest) {
  const width = largest > 0 && v !== 0
    ? Math.min(50, Math.max(1, Math.round(50 * Math.abs(v) / largest))) : 0;
  const side = v < 0 ? "right:50%" : "left:50%";
  return el("span", { class: "cnx-term-bar", "aria-hidden": "true" }, [
    el("span", { class: v < 0 ? "cnx-negative" : "cnx-positive",
                 style: side + ";width:" + width + "%" })]);
}

function termsTable(caption, head, rows) {
  return el("table", { class: "cnx-terms" }, [
    el("caption", { text: caption }),
    el("thead", {}, [el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))]),
    el("tbody", {}, rows),
  ]);
}

function activationLines(ex, layerName) {
  const pre = ex.preActivation;
  if (ex.activation === "relu") {
    return [line(["ReLU: max(0, ", fmt(pre), ") = ", value("cnx-out", ex.value)])];
  }
  if (ex.activation === "linear") {
    return [line(["output = ", value("cnx-out", ex.value), " (" + layerName +
                  " has no activation of its own)"])];
  }
  return [];  // sigmoid and softmax: outputPart
}

// ---- one renderer per kind of layer ------------------------------------------------------

function conv(ex, context) {
  const input = ex.input_layer;
  const channels = ex.terms.length;
  const size = Math.round(Math.sqrt(ex.terms[0].patch.length));
  const largest = Math.abs(ex.terms[0].value);
  const block = (t, rank) => el("div", { class: "cnx-channel", "data-channel": String(t.channel) }, [
    el("p", { class: "cnx-channel-name", text: (rank + 1) + ". " + t.label }),
    matrix("input patch", t.patch, "cnx-patch", size),
    el("span", { class: "cnx-op", text: "×", "aria-hidden": "true" }),
    matrix("kernel slice " + t.channel, t.kernel, "cnx-kernel", size),
    el("p", { class: "cnx-channel-sum" }, ["sum of the " + size * size + " products = ",
      value("cnx-sum-" + t.channel, t.value)]),
  ]);
  const blocks = el("div", { class: "cnx-channels" });
  const body = el("tbody");
  const rest = ex.terms.slice(SHOWN_ROWS).reduce((sum, t) => sum + t.value, 0);
  const row = (t) => el("tr", {}, [el("td", { text: t.label }),
    el("td", { class: "cnx-number", text: signed(t.value) }), el("td", {}, [bar(t.value, largest)])]);
  // Collapsed, the largest channels only (the others as one row); open, every channel.
  const show = (open) => {
    blocks.replaceChildren(...ex.terms.slice(0, open ? channels : SHOWN_CHANNELS).map(block));
    body.replaceChildren(...ex.terms.slice(0, open ? channels : SHOWN_ROWS).map(row));
    if (!open && channels > SHOWN_ROWS) {
      body.append(el("tr", { class: "cnx-rest" }, [
        el("td", { text: "the other " + (channels - SHOWN_ROWS) + " channels" }),
        el("td", { class: "cnx-number", text: signed(rest) }), el("td", {}, [bar(rest, largest)])]));
    }
  };
  show(false);
  const parts = [
    el("p", {}, ["A sum over the " + count(channels) + " input channels (" +
      (input === "the image" ? "the image's colours" : "the maps of " + input) + "): for " +
      "each, the " + size + "×" + size + " patch around the unit times the matching slice " +
      "of the filter, the products added up. Largest contributions first; cells outside the " +
      "input are zero padding (dashed)."]),
    blocks,
  ];
  if (channels > SHOWN_CHANNELS) {
    const label = (open) => (open ? "Show the largest channels only"
      : "Show all " + channels + " channels, with their numbers");
    const more = el("button", { type: "button", class: "cnx-more", "aria-expanded": "false",
                                text: label(false) });
    more.addEventListener("click", () => {
      const open = more.getAttribute("aria-expanded") !== "true";
      show(open);
      more.setAttribute("aria-expanded", String(open));
      more.textContent = label(open);
    });
    parts.push(more);
  }
  parts.push(el("table", { class: "cnx-terms" }, [
    el("caption", { text: "The " + channels + " channel sums, largest first" }),
    el("thead", {}, [el("tr", {}, ["input channel", "sum", ""].map((h) =>
      el("th", { scope: "col", text: h })))]),
    body]));
  const total = ex.preActivation - ex.bias;
  parts.push(
    line(["sum over the channels ", value("cnx-channel-total", total), " + bias ",
      value("cnx-bias", ex.bias), ex.bias === 0 && ex.activation === "linear"
        ? " (" + ex.layer + " has no bias: the batch normalisation after it adds one)" : "",
      " = ", value("cnx-pre", ex.preActivation)]),
    ...activationLines(ex, ex.layer));
  // Batch normalisation and a ReLU right after: follow the unit through them.
  const after = context.following || [];
  for (const next of after) {
    const from = next.input;
    parts.push(line(next.type === "BatchNormalization"
      ? ["then " + next.layer + ": " + fmt(next.scale) + " × " + fmt(from) + " " +
         signed(next.shift) + " = ", value("cnx-next-" + next.layer, next.value)]
      : ["then " + next.layer + ": max(0, " + fmt(from) + ") = ",
         value("cnx-next-" + next.layer, next.value)]));
  }
  return parts;
}

function dense(ex, context) {
  const named = ex.terms.filter((t) => !t.rest);
  const rest = ex.terms.find((t) => t.rest);
  const largest = Math.max(...ex.terms.map((t) => Math.abs(t.value)));
  const rows = named.map((t) => el("tr", { "data-index": String(t.index) }, [
    el("td", { text: t.label }), el("td", { class: "cnx-number", text: fmt(t.input) }),
    el("td", { class: "cnx-number", text: fmt(t.weight) }),
    el("td", { class: "cnx-number", text: signed(t.value) }),
    el("td", {}, [bar(t.value, largest)])]));
  if (rest) {
    rows.push(el("tr", { class: "cnx-rest" }, [el("td", { text: rest.label }),
      el("td", {}), el("td", {}), el("td", { class: "cnx-number", id: "cnx-rest",
        "data-value": String(rest.value), text: signed(rest.value) }),
      el("td", {}, [bar(rest.value, largest)])]));
  }
  const parts = [
    el("p", {}, ["Each unit of " + ex.layer + " weighs all " + count(ex.inputs) +
      " values of " + ex.input_layer + ": " + count(ex.inputs) + " products of input and " +
      "weight, added up, plus the unit's bias. " + zeros(ex) + "."]),
    termsTable("The largest products, then all the others as one term",
               ["input", "value", "× weight", "= product", ""], rows),
    line(["sum of the products + bias ", value("cnx-bias", ex.bias), " = ",
          value("cnx-pre", ex.preActivation)]),
    ...activationLines(ex, ex.layer),
  ];
  if (ex.logits) parts.push(...output(ex, context));
  return parts;
}

/** A link to the page of the lesson that teaches an idea, e.g. link("design.html", ...). */
const link = (href, text) => el("a", { href: href, text: text });

/** How many of a dense unit's inputs are 0 here, and so add nothing. */
function zeros(ex) {
  if (ex.zeros === 0) return "None of its inputs is 0 here";
  return counted(ex.zeros, "input") + " of " + count(ex.inputs) + (ex.zeros === 1 ? " is" : " are") +
    " 0 here and add" + (ex.zeros === 1 ? "s" : "") + " nothing";
}

function output(ex, context) {
  const classes = context.classes;
  const sigmoid = ex.activation === "sigmoid";
  const logits = ex.logits;
  const soft = softmax(logits);
  const sig = logits.map(sigmoidOf);
  const shown = sigmoid ? sig : soft;
  const cls = ex.unit[0];
  const parts = [sigmoid
    ? line(["sigmoid: 1 / (1 + e", el("sup", { text: "−" + fmt(ex.preActivation, 3) }), ") = ",
            value("cnx-out", ex.value)])
    : line(["softmax: e", el("sup", { text: fmt(ex.preActivation, 3) }), " divided by the " +
            "sum of e", el("sup", { text: "z" }), " over all " + logits.length + " classes = ",
            value("cnx-out", ex.value)])];
  const head = ["class", "logit z", sigmoid ? "sigmoid (shown)" : "softmax (shown)",
                sigmoid ? "softmax (for comparison)" : null].filter(Boolean);
  const rows = logits.map((z, i) => el("tr", { class: i === cls ? "cnx-chosen" : "" }, [
    el("td", { text: classes[i] }), el("td", { class: "cnx-number", text: fmt(z, 3) }),
    el("td", { class: "cnx-number", text: fmt(shown[i], 3) }),
    sigmoid ? el("td", { class: "cnx-number", text: fmt(soft[i], 3) }) : null]));
  rows.push(el("tr", { class: "cnx-rest" }, [el("td", { text: "sum" }), el("td", {}),
    el("td", { class: "cnx-number", id: "cnx-output-sum", "data-value": String(sum(shown)),
               text: fmt(sum(shown), 3) }),
    sigmoid ? el("td", { class: "cnx-number", text: fmt(sum(soft), 3) }) : null]));
  parts.push(termsTable("The " + logits.length + " output units, one per class", head, rows));
  // What sigmoid and softmax outputs mean is taught on the network's page; here, the sums.
  parts.push(el("p", { class: "cnx-erratum" }, sigmoid
    ? ["These " + logits.length + " sigmoid scores add up to " + fmt(sum(sig), 2) +
       ", not 1; a softmax of the same logits, in the last column, adds up to 1 (why it " +
       "matters: ", link("network.html#network-output", "the output layer"), ")."]
    : ["These " + logits.length + " softmax scores always add up to 1 (",
       link("network.html#network-output", "The output layer"), " says why the tutorial's sigmoid " +
       "does not)."]));
  return parts;
}

function pool(ex) {
  const rows = [...new Set(ex.window.map((c) => c.row))];
  const cols = [...new Set(ex.window.map((c) => c.col))];
  const body = rows.map((r) => el("tr", {}, cols.map((c) => {
    const cell = ex.window.find((w) => w.row === r && w.col === c);
    const winner = cell === ex.winner;
    return el("td", { class: winner ? "cnx-winner" : "", "data-value": String(cell.value),
                      text: fmt(cell.value, 3) + (winner ? " ◀ largest" : "") });
  })));
  return [
    el("p", {}, ["The largest of the " + ex.window.length + " values of map " + ex.channel +
      " of " + ex.input_layer + " in its window (rows " + rows[0] + "–" +
      rows[rows.length - 1] + ", columns " + cols[0] + "–" + cols[cols.length - 1] +
      "); the others are dropped. No parameters: pooling only picks."]),
    el("table", { class: "cnx-matrix cnx-window" },
       [el("caption", { text: "the window, winner marked" }), el("tbody", {}, body)]),
    line(["output = max(", ex.window.map((c) => fmt(c.value, 3)).join(", "), ") = ",
          value("cnx-out", ex.value)]),
  ];
}

function simple(ex) {
  const v = ex.input;
  switch (ex.type) {
    case "BatchNormalization":
      return [el("p", {}, ["Batch normalisation, when predicting: one scale and one shift " +
        "for each map (", link("design.html#design-batch-norm", "Batch normalisation"), " explains " +
        "where they come from)."]),
        line(["output = scale × input + shift = " + fmt(ex.scale) + " × " + fmt(v) + " " +
              signed(ex.shift) + " = ", value("cnx-out", ex.value)])];
    case "ReLU":
      return [line(["ReLU: max(0, " + fmt(v) + ") = ", value("cnx-out", ex.value)])];
    case "GlobalAveragePooling2D": {
      const [h, w] = ex.map.shape;
      const parts = [el("p", {}, ["The mean of map " + ex.map.channel + " of " +
        ex.input_layer + ": its " + h + "×" + w + " = " + h * w + " values added up and " +
        "divided by " + h * w + ". One number per map is all the classifier sees."])];
      if (h * w <= 64) parts.push(matrix("map " + ex.map.channel, ex.map.values, "cnx-gap", h));
      parts.push(line(["output = mean = ", value("cnx-out", ex.value)]));
      return parts;
    }
    case "Flatten": {
      const [r, c, ch] = ex.source;
      return [el("p", {}, ["Flatten copies the maps of " + ex.input_layer + " into one " +
        "vector, row by row and, at each position, map by map. Value " + ex.unit[0] +
        " is row " + r + ", column " + c + " of map " + ch + "."]),
        line(["output = ", value("cnx-out", ex.value)])];
    }
    default:
      return [el("p", {}, [ex.type + " acts only in training; when predicting its output " +
        "is its input, unchanged."]), line(["output = input = ", value("cnx-out", ex.value)])];
  }
}

export function render(container, ex, context) {
  const body = ex.type === "Conv2D" ? conv(ex, context)
    : ex.type === "Dense" ? dense(ex, context)
      : ex.type === "MaxPooling2D" ? pool(ex) : simple(ex);
  container.dataset.layer = ex.layer;
  container.dataset.unit = ex.unit.join(",");
  container.replaceChildren(
    el("p", { class: "cnx-compute-title", text: ex.layer + " (" + ex.type + "), " + where(ex.unit) +
      ", for " + context.image }),
    ...body);
}
