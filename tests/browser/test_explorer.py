"""The explorer page (docs/explore.md) in headless Chromium, against the build's own Keras.

``python -m cnnlesson.export`` writes, beside the data the page loads for each of its two
networks (the tutorial's, ``lesson/``, and the final design, ``design/``), Keras's answers
for three of the shipped images (every layer's output) and the parts of two units of every
layer (``reference.json`` and ``reference.bin``, from ``cnnlesson.export.write_reference``).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import re
import shutil
import struct
import threading
import zlib

import numpy as np
import pytest

PAGE = "explore.html"
TOLERANCE = 1e-4
NETWORKS = ("lesson", "design")
# Receptive field of the unit the page selects when the layer is chosen, and of the corner
# unit (0, 0) where the border clips it; by hand from the layers' windows and strides.
FIELDS = {"conv2d": (3, 2), "conv2d_1": (5, 3), "max_pooling2d": (6, 4)}
# The final design: the unit (3, 3) of conv2d_5's 8×8 maps has a 32-pixel window starting
# 2 pixels above the image, so the image holds 30 rows of it; the corner unit 18.
DESIGN_FIELDS = {"conv2d_1": (5, 3), "conv2d_2": (10, 6), "conv2d_5": (30, 18)}


@pytest.fixture(scope="module")
def data(site_dir):
    folder = site_dir / "explorer-data"
    index = json.loads((folder / "explorer.json").read_text())
    images = np.frombuffer((folder / "images.bin").read_bytes(), np.uint8).reshape(-1, 32, 32, 3)
    networks = {}
    for key in NETWORKS:
        networks[key] = {
            "manifest": {**index, **json.loads((folder / key / "model.json").read_text())},
            "reference": json.loads((folder / key / "reference.json").read_text()),
            "blob": (folder / key / "reference.bin").read_bytes(),
        }
    return index, images, networks


@pytest.fixture
def explorer(open_page):
    """The explorer page at 1280 px, once its network has loaded and drawn the horse."""
    return ready(open_page(PAGE))


@pytest.fixture
def design(explorer):
    """The explorer page showing the final design, chosen with its radio button."""
    explorer.check("input[name=cnx-network][value=design]")
    explorer.wait_for_function(
        "window.cnnlessonExplorer.state.network === 'design'"
        " && document.querySelector('#cnx-status').textContent === ''")
    return explorer


def ready(page):
    page.wait_for_function("window.cnnlessonExplorer !== undefined")
    page.evaluate("window.cnnlessonExplorer.ready")
    return page


def downloaded(page):
    return page.evaluate(
        "() => performance.getEntriesByType('resource').map((r) => r.name)")


def stored(blob, entry, count=None):
    count = int(np.prod(entry["shape"])) if count is None else count
    array = np.frombuffer(blob, "<f4", count, entry["offset"])
    return array.reshape(entry["shape"]) if "shape" in entry else array


def outline(page):
    return page.eval_on_selector("#cnx-outline", "e => ({...e.dataset})")


def unit_text(page):
    return page.text_content("#cnx-unit-text")


def open_layer(page, name):
    page.click(f"#cnx-tab-{name}")
    page.wait_for_function(f"document.querySelector('#cnx-tab-{name}')"
                           ".getAttribute('aria-selected') === 'true'")


def choose_image(page, index):
    page.click(f"label[for=cnx-img-{index}]")
    assert page.is_checked(f"#cnx-img-{index}")


def png(width, height, rgb_at):
    """A PNG file (bytes) whose pixel (x, y) has colour ``rgb_at(x, y)``."""
    rows = b"".join(b"\0" + bytes(c for x in range(width) for c in rgb_at(x, y))
                    for y in range(height))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# ---- the numbers: forward and explain against Keras ---------------------------------------

@pytest.mark.parametrize("network", NETWORKS)
def test_forward_gives_every_layer_as_keras_does(explorer, data, network):
    _, images, networks = data
    manifest, reference, blob = (networks[network][k] for k in ("manifest", "reference", "blob"))
    assert len(reference["images"]) >= 3
    names = [layer["name"] for layer in manifest["layers"]]
    assert names[-1] in ("dense_1", "dense")  # every layer, to the output
    for entry in reference["images"]:
        pixels = images[entry["image"]].ravel().tolist()
        result = explorer.evaluate("([p, n]) => window.cnnlessonExplorer.forward(p, {network: n})",
                                   [pixels, network])
        assert list(result["maps"]) == list(entry["maps"]) == names
        for name, place in entry["maps"].items():
            keras_output = stored(blob, place)
            ours = result["maps"][name]
            assert ours["shape"] == list(keras_output.shape)  # vectors too: [n]
            gap = np.abs(np.asarray(ours["data"]).reshape(ours["shape"]) - keras_output).max()
            assert gap <= TOLERANCE, f"image {entry['image']}, {name}: off by {gap}"
        probabilities = np.asarray(result["probabilities"])
        assert probabilities.shape == (10,)
        gap = np.abs(probabilities - entry["probabilities"]).max()
        assert gap <= TOLERANCE, f"image {entry['image']}: outputs off by {gap}"


def check_explained(ours, theirs, blob):
    """One unit's explanation from the page against Keras's numbers for it."""
    kind = theirs["type"]
    where = f"{theirs['layer']} {theirs['unit']}"
    assert ours["type"] == kind and abs(ours["value"] - theirs["value"]) <= TOLERANCE, where
    if kind in ("Conv2D", "Dense"):
        assert ours["activation"] == theirs["activation"]
        assert abs(ours["bias"] - theirs["bias"]) <= TOLERANCE, where
        terms = [t["value"] for t in ours["terms"]]
        pre = sum(terms) + ours["bias"]
        assert abs(pre - theirs["pre_activation"]) <= TOLERANCE, where
        assert abs(ours["preActivation"] - pre) <= 1e-9
        named = [t for t in ours["terms"] if not t.get("rest")]
        assert [abs(t["value"]) for t in named] == sorted(
            (abs(t["value"]) for t in named), reverse=True), where
        if ours["activation"] in ("relu", "linear"):
            expected = max(pre, 0) if ours["activation"] == "relu" else pre
            assert abs(ours["value"] - expected) <= TOLERANCE, where
    if kind == "Conv2D":
        assert len(ours["terms"]) == len(theirs["terms"])
        for term in ours["terms"]:
            assert abs(term["value"] - theirs["terms"][term["channel"]]) <= TOLERANCE, where
            assert len(term["patch"]) == len(term["kernel"]) == 9
    elif kind == "Dense":
        products = stored(blob, theirs["products"], theirs["products"]["count"])
        named = [t for t in ours["terms"] if not t.get("rest")]
        for term in named:
            assert abs(term["value"] - products[term["index"]]) <= TOLERANCE, where
            assert abs(term["input"] * term["weight"] - term["value"]) <= 1e-9
        # The named terms are the largest: no other product is larger.
        others = np.delete(np.abs(products), [t["index"] for t in named])
        assert min(abs(t["value"]) for t in named) >= others.max() - TOLERANCE, where
        rest = [t for t in ours["terms"] if t.get("rest")]
        assert len(rest) == 1 and rest[0]["count"] == len(products) - len(named)
        if theirs["activation"] in ("sigmoid", "softmax"):
            assert np.abs(np.asarray(ours["logits"]) - theirs["logits"]).max() <= TOLERANCE
            logit = ours["preActivation"]
            if theirs["activation"] == "sigmoid":
                assert abs(ours["value"] - 1 / (1 + np.exp(-logit))) <= TOLERANCE
            else:
                logits = np.asarray(ours["logits"])
                assert abs(ours["value"] - np.exp(logit) / np.exp(logits).sum()) <= TOLERANCE
    elif kind == "MaxPooling2D":
        assert [(c["row"], c["col"]) for c in ours["window"]] == [
            (c["row"], c["col"]) for c in theirs["window"]], where
        for a, b in zip(ours["window"], theirs["window"], strict=True):
            assert abs(a["value"] - b["value"]) <= TOLERANCE, where
        assert ours["winner"]["value"] == max(c["value"] for c in ours["window"])
        assert ours["winner"]["value"] == ours["value"]
    elif kind == "BatchNormalization":
        assert abs(ours["input"] - theirs["input"]) <= TOLERANCE, where
        assert abs(ours["scale"] * ours["input"] + ours["shift"] - ours["value"]) <= 1e-5
    elif kind == "GlobalAveragePooling2D":
        assert abs(ours["mean"] - theirs["mean_of"]) <= TOLERANCE, where
    elif kind == "Flatten":
        assert ours["source"] == theirs["source"], where
    else:  # ReLU and the layers that act only in training
        assert abs(ours["input"] - theirs["input"]) <= TOLERANCE, where


@pytest.mark.parametrize("network", NETWORKS)
def test_explain_gives_the_parts_keras_gives_for_every_layer(explorer, data, network):
    _, images, networks = data
    manifest, reference, blob = (networks[network][k] for k in ("manifest", "reference", "blob"))
    layers = {layer["name"] for layer in manifest["layers"]}
    assert {unit["layer"] for unit in reference["units"]} == layers  # every layer
    kinds = {unit["type"] for unit in reference["units"]}
    assert {"Conv2D", "MaxPooling2D", "Dense"} <= kinds
    if network == "design":
        assert {"BatchNormalization", "ReLU", "GlobalAveragePooling2D"} <= kinds
    for unit in reference["units"]:
        pixels = images[unit["image"]].ravel().tolist()
        ours = explorer.evaluate(
            "([p, o]) => window.cnnlessonExplorer.explain(p, o)",
            [pixels, {"network": network, "layer": unit["layer"], "unit": unit["unit"]}])
        check_explained(ours, unit, blob)


def test_explain_refuses_a_unit_that_is_not_there(explorer):
    call = "o => window.cnnlessonExplorer.explain(new Array(3072).fill(0), o)"
    with pytest.raises(Exception, match=r"a unit of conv2d is \[row, column, channel\]"):
        explorer.evaluate(call, {"layer": "conv2d", "unit": [0, 0, 32]})
    with pytest.raises(Exception, match=r"a unit of dense is \[index\]"):
        explorer.evaluate(call, {"layer": "dense", "unit": [0, 0, 0]})
    with pytest.raises(Exception, match='no layer "conv9".*conv2d, dropout'):
        explorer.evaluate(call, {"layer": "conv9", "unit": [0]})


def test_forward_without_a_network_runs_the_one_shown(explorer, data):
    _, images, networks = data
    horse = images[0].ravel().tolist()
    expected = {key: networks[key]["reference"]["images"][0]["probabilities"] for key in NETWORKS}
    assert networks["lesson"]["reference"]["images"][0]["image"] == 0
    scores = explorer.evaluate("p => window.cnnlessonExplorer.forward(p)", horse)["probabilities"]
    assert np.abs(np.asarray(scores) - expected["lesson"]).max() <= TOLERANCE
    explorer.evaluate("window.cnnlessonExplorer.use('design')")
    scores = explorer.evaluate("p => window.cnnlessonExplorer.forward(p)", horse)["probabilities"]
    assert np.abs(np.asarray(scores) - expected["design"]).max() <= TOLERANCE
    assert explorer.is_checked("input[name=cnx-network][value=design]")


def test_forward_refuses_bad_pixels_and_unknown_networks(explorer):
    with pytest.raises(Exception, match="3072 pixel values"):
        explorer.evaluate("window.cnnlessonExplorer.forward([1, 2, 3])")
    with pytest.raises(Exception, match="integers 0 to 255"):
        explorer.evaluate("window.cnnlessonExplorer.forward(new Array(3072).fill(300))")
    with pytest.raises(Exception, match='no network "resnet".*"lesson" and "design"'):
        explorer.evaluate("window.cnnlessonExplorer.forward(new Array(3072).fill(0), "
                          "{network: 'resnet'})")
    with pytest.raises(Exception, match='no network "resnet"'):
        explorer.evaluate("window.cnnlessonExplorer.use('resnet')")


def test_the_design_downloads_only_when_chosen(explorer):
    assert any(name.endswith("/lesson/weights.bin") for name in downloaded(explorer))
    assert not any("/design/" in name for name in downloaded(explorer))
    explorer.evaluate("window.cnnlessonExplorer.use('design')")
    assert any(name.endswith("/design/weights.bin") for name in downloaded(explorer))


# ---- what the page shows -------------------------------------------------------------------

def test_prediction_shows_scores_top_class_and_truth(explorer, data):
    manifest = data[2]["lesson"]["manifest"]
    horse = data[2]["lesson"]["reference"]["images"][0]
    top = manifest["classes"][int(np.argmax(horse["probabilities"]))]
    assert explorer.locator("#cnx-bars li").count() == 10
    assert explorer.get_attribute("#cnx-bars li.cnx-top", "data-class") == top
    assert explorer.get_attribute("#cnx-bars li.cnx-truth", "data-class") == "horse"
    sentence = explorer.text_content("#cnx-prediction-text")
    assert f"The top class of the tutorial's network for X_train[7] is {top}" in sentence
    assert "The true label is horse" in sentence
    assert ("right" in sentence) == (top == "horse")
    total = sum(horse["probabilities"])
    assert f"add up to {total:.2f}" in explorer.text_content("#cnx-score-sum")


def test_prediction_follows_the_design(design, data):
    manifest = data[2]["design"]["manifest"]
    horse = data[2]["design"]["reference"]["images"][0]
    top = manifest["classes"][int(np.argmax(horse["probabilities"]))]
    assert design.get_attribute("#cnx-bars li.cnx-top", "data-class") == top
    shown = [float(v) for v in design.eval_on_selector_all(
        "#cnx-bars li", "items => items.map(i => i.dataset.value)")]
    assert np.abs(np.asarray(shown) - horse["probabilities"]).max() <= TOLERANCE
    assert abs(sum(shown) - 1) < 1e-4  # softmax
    sentence = design.text_content("#cnx-prediction-text")
    assert f"The top class of the final design for X_train[7] is {top}" in sentence
    assert "final design" in design.get_attribute("#cnx-bars", "aria-label")


@pytest.mark.parametrize("network", NETWORKS)
def test_the_overview_shows_every_layer_in_order_and_opens_each(explorer, data, network):
    manifest = data[2][network]["manifest"]
    explorer.evaluate(f"window.cnnlessonExplorer.use('{network}')")
    tabs = explorer.eval_on_selector_all("#cnx-layers [role=tab]",
                                         "ts => ts.map(t => t.dataset.layer)")
    assert tabs == [layer["name"] for layer in manifest["layers"]]
    for layer in manifest["layers"]:
        name, shape = layer["name"], layer["output_shape"]
        open_layer(explorer, name)
        label = explorer.get_attribute(f"#cnx-tab-{name}", "aria-label")
        about = explorer.text_content("#cnx-layer-about")
        if layer["parameters"]:
            assert f"{layer['parameters']:,} parameters" in label
            assert f"{layer['parameters']:,} parameters" in about
        else:
            assert "no parameters" in label and "No parameters" in about
        if len(shape) == 3:
            assert explorer.is_visible("#cnx-map") and not explorer.is_visible("#cnx-vector")
            assert explorer.locator("#cnx-grid [role=option]").count() == shape[2]
        elif shape[0] <= 16:
            assert explorer.locator("#cnx-cells [role=option]").count() == shape[0]
        else:
            assert explorer.is_visible("#cnx-vector-canvas")
            assert explorer.eval_on_selector(
                "#cnx-vector-canvas", "c => c.width * c.height") >= shape[0]
        assert explorer.get_attribute("#cnx-compute", "data-layer") == name


def test_the_dense_layer_holds_almost_all_parameters(explorer, data):
    manifest = data[2]["lesson"]["manifest"]
    dense = next(layer for layer in manifest["layers"] if layer["name"] == "dense")
    share = dense["parameters"] / manifest["parameters"]
    assert f"{100 * share:.1f}%" == "99.6%"
    open_layer(explorer, "dense")
    assert "99.6% of the network's 4,210,090" in explorer.text_content("#cnx-layer-about")
    width = explorer.eval_on_selector("#cnx-tab-dense .cnx-tile-share > span",
                                      "s => parseFloat(s.style.width)")
    assert width > 99


def check_outline(page, layer, inner, corner, *, moves):
    """The selected unit's outline covers ``inner`` pixels a side, on screen too; after
    ``moves`` steps up and left, the corner unit's covers rows and columns 0 to corner-1."""
    open_layer(page, layer)
    page.focus("#cnx-map")
    field = outline(page)
    assert (field["height"], field["width"], field["layer"]) == (str(inner), str(inner), layer)
    box = page.locator("#cnx-outline").bounding_box()
    pixel = page.locator("#cnx-input").bounding_box()["width"] / 32
    assert abs(box["width"] - inner * pixel) < 1.5 and abs(box["height"] - inner * pixel) < 1.5
    for _ in range(moves):
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowLeft")
    field = outline(page)
    assert (field["rows"], field["columns"]) == (f"0-{corner - 1}", f"0-{corner - 1}")


@pytest.mark.parametrize("layer", sorted(FIELDS))
def test_receptive_field_outline(explorer, layer):
    check_outline(explorer, layer, *FIELDS[layer], moves=40)
    assert "row 0, column 0" in unit_text(explorer)


@pytest.mark.parametrize("layer", sorted(DESIGN_FIELDS))
def test_receptive_field_outline_in_the_design(design, data, layer):
    full = data[2]["design"]["manifest"]["geometry"][layer]["size"]
    open_layer(design, layer)
    assert f"a full field is {full}×{full}" in unit_text(design)
    check_outline(design, layer, *DESIGN_FIELDS[layer], moves=20)


def test_hovering_a_unit_outlines_its_field(explorer):
    open_layer(explorer, "conv2d_1")
    explorer.locator("#cnx-map").scroll_into_view_if_needed()
    box = explorer.locator("#cnx-map").bounding_box()
    unit = box["width"] / 32
    explorer.mouse.move(box["x"] + 20.5 * unit, box["y"] + 3.5 * unit)
    assert (outline(explorer)["rows"], outline(explorer)["columns"]) == ("1-5", "18-22")
    assert unit_text(explorer).startswith("Pointing at")
    explorer.mouse.move(0, 0)
    assert unit_text(explorer).startswith("Selected")


LIVE_REGIONS = "[aria-live], [role=status], [role=alert], [role=log]"


def watch_live_regions(page):
    """Count, from now on, the changes of every live region's text, region by region."""
    page.evaluate("""selector => {
        for (const observer of window.liveObservers || []) observer.disconnect();
        window.liveChanges = [];
        window.liveObservers = Array.from(document.querySelectorAll(selector), (region) => {
            const observer = new MutationObserver(() => window.liveChanges.push(region.id));
            observer.observe(region, {childList: true, characterData: true, subtree: true});
            return observer;
        });
    }""", LIVE_REGIONS)


def live_changes(page):
    page.evaluate("new Promise(requestAnimationFrame)")
    return page.evaluate("window.liveChanges")


def test_moving_a_unit_is_said_once_and_pointing_says_nothing(explorer):
    open_layer(explorer, "conv2d_1")
    explorer.focus("#cnx-map")
    watch_live_regions(explorer)
    explorer.keyboard.press("ArrowRight")
    assert live_changes(explorer) == ["cnx-live"]
    said = explorer.text_content("#cnx-live")
    assert said.startswith("Selected: conv2d_1, map 0, row ") and "value" in said
    # The mouse over the map moves the outline and the visible text, and no live region.
    watch_live_regions(explorer)
    box = explorer.locator("#cnx-map").bounding_box()
    for step in range(6):
        explorer.mouse.move(box["x"] + (3.5 + 4 * step) * box["width"] / 32,
                            box["y"] + 5.5 * box["height"] / 32)
    assert unit_text(explorer).startswith("Pointing at")
    assert live_changes(explorer) == []
    # Choosing another image or layer is said once too.
    watch_live_regions(explorer)
    choose_image(explorer, 12)
    assert live_changes(explorer) == ["cnx-live"]
    assert "The top class of the tutorial's network for X_test[" in explorer.text_content(
        "#cnx-live")
    watch_live_regions(explorer)
    open_layer(explorer, "max_pooling2d")
    assert live_changes(explorer) == ["cnx-live"]


def test_the_page_says_how_many_inputs_are_zero_in_words_that_agree(explorer):
    open_layer(explorer, "dense")
    text = explorer.text_content("#cnx-compute")
    count = re.search(r"(None of its inputs is 0|([\d,]+) inputs? of 8,192 (is|are) 0) here",
                      text)
    assert count, text
    if count.group(2):
        assert (count.group(2) == "1") == (count.group(3) == "is")


def test_a_vector_after_global_pooling_names_the_layer_it_starts_from(design):
    open_layer(design, "dense")
    text = unit_text(design)
    assert "Like every unit from global_average_pooling2d on" in text, text
    assert "flatten" not in text


def click_unit(page, row, column, size):
    page.locator("#cnx-map").scroll_into_view_if_needed()
    box = page.locator("#cnx-map").bounding_box()
    cell = box["width"] / size
    page.mouse.click(box["x"] + (column + 0.5) * cell, box["y"] + (row + 0.5) * cell)


def shown(page, selector):
    return float(page.get_attribute(selector, "data-value"))


@pytest.mark.parametrize("network", NETWORKS)
def test_convolution_panel_shows_the_parts_keras_gives(explorer, data, network):
    reference = data[2][network]["reference"]
    explorer.evaluate(f"window.cnnlessonExplorer.use('{network}')")
    units = [u for u in reference["units"] if u["type"] == "Conv2D"]
    assert len(units) >= 4  # two of each convolution
    for unit in units[:4]:
        row, column, channel = unit["unit"]
        choose_image(explorer, unit["image"])
        open_layer(explorer, unit["layer"])
        explorer.click(f"#cnx-map-{channel}")
        size = explorer.eval_on_selector("#cnx-map", "c => c.width")
        click_unit(explorer, row, column, size)
        title = explorer.text_content(".cnx-compute-title")
        assert f"map {channel}, row {row}, column {column}" in title
        for c, expected in enumerate(unit["terms"]):
            if explorer.locator(f"#cnx-sum-{c}").count():
                assert abs(shown(explorer, f"#cnx-sum-{c}") - expected) <= TOLERANCE
        assert abs(shown(explorer, "#cnx-bias") - unit["bias"]) <= TOLERANCE
        assert abs(shown(explorer, "#cnx-pre") - unit["pre_activation"]) <= TOLERANCE
        assert abs(shown(explorer, "#cnx-out") - unit["value"]) <= TOLERANCE
        # The ranked table: the largest 8 channels, the others as one row; the largest 4
        # spelled out as numbers.
        channels = len(unit["terms"])
        rows = explorer.locator(".cnx-terms tbody tr")
        assert rows.count() == min(8, channels) + (channels > 8)
        if channels > 8:
            others = float(rows.nth(8).text_content().split("channels")[1].replace("− ", "-")
                           .replace("+ ", ""))
            named = sorted(unit["terms"], key=abs, reverse=True)[:8]
            assert abs(others - (sum(unit["terms"]) - sum(named))) <= 1e-3
        assert explorer.locator(".cnx-channel").count() == min(4, channels)
        if unit["layer"] == "conv2d":  # cells of the zero padding at the image's border
            padded = explorer.locator(".cnx-patch td.cnx-pad").count()
            assert (padded > 0) == (row == 0 or column == 0)
        if channels > 4:
            explorer.click(".cnx-more")
            assert explorer.get_attribute(".cnx-more", "aria-expanded") == "true"
            assert explorer.locator(".cnx-channel").count() == channels
            assert rows.count() == channels
        # In the design, the unit followed on through batch normalisation and ReLU.
        if network == "design":
            assert explorer.locator("[id^=cnx-next-]").count() == 2
    assert "has no bias" in explorer.text_content("#cnx-compute") or network == "lesson"


def test_pooling_panel_marks_the_winner(explorer, data):
    unit = next(u for u in data[2]["lesson"]["reference"]["units"]
                if u["type"] == "MaxPooling2D" and u["image"] == 0 and u["unit"][:2] != [0, 0])
    row, column, channel = unit["unit"]
    open_layer(explorer, "max_pooling2d")
    explorer.click(f"#cnx-map-{channel}")
    click_unit(explorer, row, column, 16)
    winner = explorer.locator(".cnx-window td.cnx-winner")
    assert winner.count() == 1 and "largest" in winner.text_content()
    assert abs(float(winner.get_attribute("data-value")) - unit["value"]) <= TOLERANCE
    assert explorer.locator(".cnx-window td").count() == 4


def test_dense_and_output_panels(explorer, data):
    reference = data[2]["lesson"]["reference"]
    open_layer(explorer, "dense")
    explorer.focus("#cnx-vector-canvas")
    explorer.keyboard.press("Home")
    explorer.keyboard.press("ArrowRight")
    assert explorer.get_attribute("#cnx-compute", "data-unit") == "1"
    assert "dense (Dense), unit 1" in explorer.text_content(".cnx-compute-title")
    rows = explorer.locator(".cnx-terms tbody tr")
    assert rows.count() == 9 and "the other 8,184 inputs" in rows.nth(8).text_content()
    assert "(max_pooling2d row " in rows.nth(0).text_content()  # where flatten took it
    # The output layer: sigmoid, its sum beside a softmax's.
    open_layer(explorer, "dense_1")
    horse = reference["images"][0]["probabilities"]
    top = int(np.argmax(horse))
    assert explorer.get_attribute("#cnx-compute", "data-unit") == str(top)
    assert explorer.locator("#cnx-cells [role=option]").count() == 10
    assert abs(shown(explorer, "#cnx-output-sum") - sum(horse)) <= TOLERANCE
    erratum = explorer.text_content(".cnx-erratum")
    assert f"add up to {sum(horse):.2f}, not 1" in erratum and "softmax" in erratum
    explorer.click("#cnx-cell-3")
    assert explorer.get_attribute("#cnx-compute", "data-unit") == "3"


def test_output_panel_of_the_design_adds_up_to_one(design):
    open_layer(design, "dense")
    assert abs(shown(design, "#cnx-output-sum") - 1) <= 1e-5
    assert "always add up to 1" in design.text_content(".cnx-erratum")
    open_layer(design, "global_average_pooling2d")
    assert "The mean of map" in design.text_content("#cnx-compute")
    assert design.locator(".cnx-gap td").count() == 16


# ---- controls, keyboard, phone -------------------------------------------------------------

def test_thumbnails_pick_every_image_by_keyboard(explorer, data):
    index = data[0]
    radios = explorer.locator("#cnx-image input[type=radio]")
    assert radios.count() == len(index["images"])
    for i in (0, 12):
        label = explorer.locator(f"label[for=cnx-img-{i}]").text_content()
        image = index["images"][i]
        assert label == f"{image['source']}, {index['classes'][image['label']]}"
    assert explorer.locator("#cnx-image canvas").count() == len(index["images"])
    explorer.focus("#cnx-img-0")
    explorer.keyboard.press("ArrowRight")
    assert explorer.is_checked("#cnx-img-1")
    assert index["images"][1]["source"] in explorer.text_content("#cnx-prediction-text")
    assert index["images"][1]["source"] in explorer.text_content("#cnx-image legend")


def tab_order(page, stop, presses=80):
    """What Tab focuses, press by press (an id, else a name), until ``stop``."""
    order = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        order.append(page.evaluate(
            "() => document.activeElement.id || document.activeElement.name || ''"))
        if order[-1] == stop:
            break
    return order


def test_keyboard_reaches_every_control_and_moves_the_unit(explorer):
    explorer.focus("#cnx-img-0")
    order = ["cnx-img-0"] + tab_order(explorer, "cnx-grid")
    # Image, network, layer: the order of the choices on the page.
    assert order.index("cnx-img-0") < order.index("cnx-network") < order.index(
        "cnx-tab-conv2d") < order.index("cnx-photo"), order
    assert {"cnx-scale", "cnx-map", "cnx-grid"} <= set(order), order
    # Arrow keys: the overview's tabs choose a layer, the map moves the unit, the grid a map.
    explorer.focus("#cnx-tab-conv2d")
    explorer.keyboard.press("ArrowRight")
    explorer.keyboard.press("ArrowRight")
    assert explorer.evaluate("document.activeElement.id") == "cnx-tab-conv2d_1"
    assert explorer.get_attribute("#cnx-tab-conv2d_1", "aria-selected") == "true"
    explorer.focus("#cnx-map")
    before = re.search(r"row (\d+), column (\d+)", unit_text(explorer)).groups()
    explorer.keyboard.press("ArrowRight")
    explorer.keyboard.press("ArrowDown")
    explorer.keyboard.press("ArrowDown")
    after = re.search(r"row (\d+), column (\d+)", unit_text(explorer)).groups()
    assert (int(after[0]), int(after[1])) == (int(before[0]) + 2, int(before[1]) + 1)
    explorer.focus("#cnx-grid")
    explorer.keyboard.press("ArrowRight")
    assert explorer.get_attribute("#cnx-grid", "aria-activedescendant") == "cnx-map-1"
    assert explorer.get_attribute("#cnx-map-1", "aria-selected") == "true"
    explorer.focus("input[name=cnx-scale][value=shared]")
    explorer.keyboard.press("ArrowDown")
    assert "this map's own scale" in explorer.text_content("#cnx-map-caption")


def test_a_map_after_a_vector_gets_a_unit_inside_it(design):
    # The unit (12, 14) of conv2d's 32×32 maps, through the 128 averages, to 4×4 maps: it
    # keeps its place on the map, scaled, as from one map layer to the next.
    open_layer(design, "global_average_pooling2d")
    design.focus("#cnx-tab-global_average_pooling2d")
    design.keyboard.press("ArrowLeft")
    assert design.get_attribute("#cnx-tab-max_pooling2d_2", "aria-selected") == "true"
    text = unit_text(design)
    assert text.startswith("Selected: max_pooling2d_2, map 0, row 1, column 1, value "), text
    assert "undefined" not in text and "NaN" not in text
    assert outline(design)["layer"] == "max_pooling2d_2"
    assert design.text_content("#cnx-live").startswith("Selected: max_pooling2d_2, map 0")


def test_home_and_end_reach_both_ends_of_a_short_vector(explorer):
    open_layer(explorer, "dense_1")
    explorer.focus("#cnx-cells")
    explorer.keyboard.press("End")
    assert explorer.get_attribute("#cnx-cells", "aria-activedescendant") == "cnx-cell-9"
    explorer.keyboard.press("Home")
    assert explorer.get_attribute("#cnx-cells", "aria-activedescendant") == "cnx-cell-0"
    explorer.keyboard.press("ArrowDown")
    assert explorer.get_attribute("#cnx-cells", "aria-activedescendant") == "cnx-cell-1"
    explorer.keyboard.press("ArrowUp")
    assert explorer.get_attribute("#cnx-compute", "data-unit") == "0"


@pytest.mark.parametrize("width", [1280, 760])
def test_up_and_down_in_the_map_grid_move_by_one_row(open_page, width):
    page = ready(open_page(PAGE, width=width))
    open_layer(page, "conv2d")
    columns = page.eval_on_selector("#cnx-grid", """grid => {
      const cells = Array.from(grid.children);
      return cells.filter((c) => c.offsetTop === cells[0].offsetTop).length;
    }""")
    assert 1 < columns < 32
    page.focus("#cnx-grid")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#cnx-grid", "aria-activedescendant") == f"cnx-map-{columns}"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    assert page.get_attribute("#cnx-grid", "aria-activedescendant") == "cnx-map-1"


def test_the_network_switch_works_by_keyboard(explorer, data):
    networks = data[2]

    def tabs():
        return explorer.eval_on_selector_all("#cnx-layers [role=tab]",
                                             "ts => ts.map(t => t.dataset.layer)")

    explorer.focus("input[name=cnx-network]:checked")
    explorer.keyboard.press("ArrowDown")
    explorer.wait_for_function("window.cnnlessonExplorer.state.network === 'design'")
    assert explorer.is_checked("input[name=cnx-network][value=design]")
    assert tabs() == [layer["name"] for layer in networks["design"]["manifest"]["layers"]]
    assert explorer.get_attribute("#cnx-tab-conv2d", "aria-selected") == "true"
    assert "the final design" in explorer.text_content("#cnx-prediction-text")
    assert "has no bias" in explorer.text_content("#cnx-compute")
    explorer.keyboard.press("ArrowUp")
    explorer.wait_for_function("window.cnnlessonExplorer.state.network === 'lesson'")
    assert tabs() == [layer["name"] for layer in networks["lesson"]["manifest"]["layers"]]
    assert "the tutorial's network" in explorer.text_content("#cnx-prediction-text")
    # A layer only the design has gives way to the first convolution.
    explorer.evaluate("window.cnnlessonExplorer.use('design')")
    open_layer(explorer, "conv2d_5")
    explorer.evaluate("window.cnnlessonExplorer.use('lesson')")
    assert explorer.get_attribute("#cnx-tab-conv2d", "aria-selected") == "true"


def top_and_bottom(page, selector):
    """Where an element starts and ends on the page, in CSS pixels from its top."""
    return page.eval_on_selector(selector, """e => { const box = e.getBoundingClientRect();
        return [box.top + window.scrollY, box.bottom + window.scrollY]; }""")


def test_a_phone_gets_the_choices_first_the_map_next_and_the_predictions_after(
        open_page, screenshot_dir):
    page = ready(open_page(PAGE, width=390, height=844))
    screen = 844
    # Measured on the site as readers get it: below the banner that a quick build adds.
    banner = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.bd-header-announcement, .cnnlesson-profile-banner')).reduce((total, e) => {
            const style = getComputedStyle(e);
            return total + e.getBoundingClientRect().height + parseFloat(style.marginTop)
                + parseFloat(style.marginBottom);
        }, 0)""")
    page.evaluate("window.scrollTo(0, 0)")
    place = {name: [y - banner for y in top_and_bottom(page, selector)] for name, selector in {
        "objectives": ".cnnlesson-page-facts", "image": "#cnx-image",
        "network": "#cnx-network", "layers": "#cnx-layers", "map": "#cnx-map",
        "predictions": "#cnx-bars"}.items()}
    # The page's objectives are open, as on every page; the image, network and layer
    # choices are on the first screen below them, whole.
    assert page.locator(".cnnlesson-page-facts li").first.is_visible()
    for name in ("image", "network", "layers"):
        assert place[name][1] <= screen, (name, place)
    assert place["layers"][1] - place["image"][0] <= screen / 2, place
    # The map within the second screen; the predictions after it, unlike on a wide screen.
    assert place["map"][1] <= 2 * screen, place
    assert place["predictions"][0] > place["map"][1], place
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Tab from the top of the page reaches the images, then the network, then the layers.
    order = tab_order(page, "cnx-tab-conv2d", presses=40)
    assert order[-1] == "cnx-tab-conv2d", order
    assert order.index("cnx-img-0") < order.index("cnx-network"), order
    page.screenshot(path=str(screenshot_dir / "explore-390-top.png"))
    page.evaluate(f"window.scrollTo(0, {screen})")
    page.screenshot(path=str(screenshot_dir / "explore-390-second-screen.png"))


def test_output_labels_are_shown_whole_on_a_phone(open_page):
    page = ready(open_page(PAGE, width=390, height=844))
    open_layer(page, "dense_1")
    names = page.locator("#cnx-cells .cnx-value-name")
    assert names.count() == 10
    for i in range(10):
        # No class name is cut: the text fits in the box the browser gave it.
        assert names.nth(i).evaluate("e => e.scrollWidth <= e.clientWidth"), \
            names.nth(i).text_content()
    assert "automobile" in [names.nth(i).text_content() for i in range(10)]


def test_the_on_this_page_arrow_is_drawn_in_a_font_the_page_has(open_page):
    # Beside a full-width block the theme folds "On this page" and draws an arrow after
    # it from an icon font: a font the page does not load shows an empty box instead.
    page = ready(open_page(PAGE))
    page.evaluate("document.querySelector('.bd-sidebar-secondary').classList.add('hide')")
    page.mouse.move(0, 0)
    after = page.eval_on_selector(".bd-sidebar-secondary .onthispage", """e => {
        const style = getComputedStyle(e, '::after');
        return {content: style.content, family: style.fontFamily};
    }""")
    assert after["content"] not in ("none", "normal", '""'), after
    families = page.evaluate(
        "() => Array.from(document.fonts).map((f) => f.family.replace(/\"/g, ''))")
    assert after["family"].replace('"', "") in families, (after, sorted(set(families)))


def test_the_page_opened_as_a_file_says_to_serve_it(browser, site_dir):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((site_dir / PAGE).as_uri(), wait_until="load")
        page.wait_for_selector(".cnx[data-state=failed]", timeout=20_000)
        text = page.text_content("#cnx-status")
        assert "opened as a file" in text and "python3 -m http.server" in text, text
    finally:
        context.close()


def test_the_page_shows_lesson_code_only(open_page):
    page = open_page(PAGE)
    code = page.eval_on_selector_all(".cell", "cells => cells.map(c => c.textContent)")
    assert code, "the page shows no code"
    assert page.locator(".solution .cell").count() >= 3  # the solutions' code is shown too
    for text in code:  # solutions included: their checks run out of view
        for word in ("assert", "glue", "os.environ", "CNNLESSON_", "_build", "export_explorer",
                     "cnnlesson.export", "layer_geometry"):
            assert word not in text, (word, text[:200])


def test_predictions_stay_in_view_while_the_maps_are_explored(open_page, screenshot_dir):
    page = ready(open_page(PAGE, width=1280, height=800))
    open_layer(page, "conv2d_1")
    page.eval_on_selector("#cnx-map", "m => m.scrollIntoView({block: 'center'})")
    page.focus("#cnx-map")
    page.keyboard.press("ArrowDown")
    for selector in ("#cnx-bars", "#cnx-map"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 800, (selector, box)
    page.locator("#cnx-compute").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 400)")
    box = page.locator("#cnx-bars").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 800, box
    page.screenshot(path=str(screenshot_dir / "explore-1280-unit.png"))


# Layers whose panels differ: every kind, the convolutions with all their channels shown.
PANELS = {"lesson": ("conv2d", "conv2d_1", "dropout", "max_pooling2d", "flatten", "dense",
                     "dense_1"),
          "design": ("random_flip", "conv2d_5", "batch_normalization_5", "re_lu_5",
                     "max_pooling2d_2", "global_average_pooling2d", "dense")}


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_no_serious_problem_with_any_panel_open(open_page, color_scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = ready(open_page(PAGE, color_scheme=color_scheme))
    problems = []
    for network, layers in PANELS.items():
        page.evaluate(f"window.cnnlessonExplorer.use('{network}')")
        for layer in layers:
            open_layer(page, layer)
            if page.locator(".cnx-more").count():
                page.click(".cnx-more")
            # preload off: axe would fetch the style sheets again and ask for files that
            # do not exist (see test_accessibility.py).
            result = axe.run(page, options={"resultTypes": ["violations"], "preload": False})
            problems += [f"{network} {layer}: {v['id']} ({v['impact']}): {v['help']} at "
                         + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
                         for v in result.response["violations"]
                         if v["impact"] in ("serious", "critical")]
    assert not problems, "\n".join(problems)


# ---- a photo, and data that does not fit ---------------------------------------------------

def test_own_photo_is_cropped_scaled_and_run(explorer, tmp_path):
    # 96 x 32: red, green and blue thirds; the centre square is the green third.
    thirds = [(230, 20, 20), (20, 200, 40), (20, 20, 230)]
    path = tmp_path / "photo.png"
    path.write_bytes(png(96, 32, lambda x, y: thirds[x // 32]))
    explorer.set_input_files("#cnx-photo", str(path))
    explorer.wait_for_function("window.cnnlessonExplorer.state.image === 'photo'")
    drawn = explorer.evaluate("""() => Array.from(document.querySelector('#cnx-shown')
        .getContext('2d').getImageData(0, 0, 32, 32).data)""")
    rgb = np.asarray(drawn).reshape(32, 32, 4)[..., :3]
    assert np.abs(rgb - np.array(thirds[1])).max() <= 2
    assert "your photo" in explorer.text_content("#cnx-prediction-text")
    message = explorer.text_content("#cnx-photo-message")
    assert "Showing your photo" in message and "(96×32 before)" in message
    assert "Nothing is uploaded" in explorer.text_content("#cnx-photo-note")
    assert explorer.is_checked("#cnx-img-photo")
    assert explorer.locator("label[for=cnx-img-photo] canvas").count() == 1
    state = explorer.evaluate("""async () => {
        const s = window.cnnlessonExplorer.state;
        const again = await window.cnnlessonExplorer.forward(Array.from(s.photo));
        return [Array.from(s.result.probabilities), again.probabilities];
    }""")
    assert np.allclose(state[0], state[1])


@pytest.mark.parametrize("kind", ["not an image", "too large"])
def test_bad_photo_gets_a_message_and_the_explorer_keeps_working(explorer, kind):
    if kind == "not an image":
        payload = {"name": "notes.png", "mimeType": "image/png", "buffer": b"plain text" * 50}
        expected = "could not be read as an image"
    else:
        payload = {"name": "huge.jpg", "mimeType": "image/jpeg",
                   "buffer": b"\xff" * (21 * 1024 * 1024)}
        expected = "at most 20 MB"
    explorer.set_input_files("#cnx-photo", files=[payload])
    explorer.wait_for_function("document.querySelector('#cnx-photo-message').textContent")
    message = explorer.locator("#cnx-photo-message")
    assert expected in message.text_content()
    assert "cnx-error" in message.get_attribute("class")
    assert explorer.is_checked("#cnx-img-0")
    choose_image(explorer, 12)
    assert "X_test[" in explorer.text_content("#cnx-prediction-text")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def edited_site(site_dir, tmp_path):
    """A copy of the site (its data copied, the rest linked) served on 127.0.0.1; yields
    ``(folder of the copied data, url of the copy)``."""
    for entry in site_dir.iterdir():
        if entry.name != "explorer-data":
            (tmp_path / entry.name).symlink_to(entry)
    shutil.copytree(site_dir / "explorer-data", tmp_path / "explorer-data")
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path / "explorer-data", f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def edit(layers, change):
    if change == "kernel shape":
        conv = next(layer for layer in layers if layer["name"] == "conv2d")
        conv["weights"][0]["shape"] = [3, 3, 3, 16]
        return r"layer conv2d \(Conv2D\) has weight array 0 of shape \[3, 3, 3, 16\], but a " \
               r"3×3 convolution of 3 channels into 32 needs \[3, 3, 3, 32\]"
    if change == "output shape":
        pool = next(layer for layer in layers if layer["name"] == "max_pooling2d")
        pool["output_shape"] = [8, 8, 32]
        return r"layer max_pooling2d \(MaxPooling2D\) says its output is \[8, 8, 32\], " \
               r"but its input \[32, 32, 32\] gives \[16, 16, 32\]"
    dense = next(layer for layer in layers if layer["name"] == "dense")
    dense["weights"][1]["offset"] = 10**9
    return r"layer dense \(Dense\) reads weight array 1 \(2048 bytes\) from byte 1000000000"


def open_failing(browser, url):
    """The page at ``url`` once it has given up loading; its status line."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(url + PAGE, wait_until="load")
        page.wait_for_selector(".cnx[data-state=failed]", timeout=20_000)
        status = page.locator("#cnx-status")
        assert status.is_visible() and "cnx-error" in status.get_attribute("class")
        return status.text_content()
    finally:
        context.close()


def damage(folder, kind):
    """Damage one file of the explorer's data; the file's name and the words of the fix."""
    if kind == "images cut short":
        data = (folder / "images.bin").read_bytes()
        (folder / "images.bin").write_bytes(data[:len(data) // 2])
        return "explorer-data/images.bin", r"holds [\d,]+ bytes, but explorer.json lists " \
            r"\d+ images .*: the file was cut short"
    if kind == "label 12":
        index = json.loads((folder / "explorer.json").read_text())
        index["images"][3]["label"] = 12
        (folder / "explorer.json").write_text(json.dumps(index))
        return "explorer-data/explorer.json", r"gives image 3 \(X_test\[\d+\]\) the label " \
            r"12, but a label is a class index from 0 to 9"
    if kind == "weights compressed":  # e.g. gzipped by hand: not the bytes model.json lists
        (folder / "lesson" / "weights.bin").write_bytes(
            gzip.compress((folder / "lesson" / "weights.bin").read_bytes()))
        return "explorer-data/lesson/weights.bin", r"holds [\d,]+ bytes, but model.json " \
            r"expects [\d,]+: the file was cut short"
    (folder / "lesson" / "model.json").write_text('{"name": "lesson", "layers": [')
    return "explorer-data/lesson/model.json", "is not valid JSON"


@pytest.mark.parametrize("kind", ["images cut short", "label 12", "weights compressed",
                                  "model.json not JSON"])
def test_damaged_data_is_refused_naming_the_file(browser, edited_site, kind):
    folder, url = edited_site
    name, problem = damage(folder, kind)
    text = open_failing(browser, url)
    assert "could not load its network" in text and name in text, text
    assert re.search(problem, text), text
    assert "python -m cnnlesson.export" in text, text


def test_damaged_weights_of_the_other_network_are_named_when_it_is_chosen(
        browser, edited_site):
    folder, url = edited_site
    data = (folder / "design" / "weights.bin").read_bytes()
    (folder / "design" / "weights.bin").write_bytes(data[:len(data) // 3])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(url + PAGE, wait_until="load")
        ready(page)
        # A click, not check(): the page puts the radio button back once the load fails.
        page.click("input[name=cnx-network][value=design]")
        page.wait_for_function(
            "document.querySelector('#cnx-status').classList.contains('cnx-error')")
        text = page.text_content("#cnx-status")
        assert "explorer-data/design/weights.bin" in text and "cut short" in text, text
        assert "still shows the tutorial's network" in text
        assert page.is_checked("input[name=cnx-network][value=lesson]")
    finally:
        context.close()


@pytest.mark.parametrize("change", ["kernel shape", "output shape", "offset"])
def test_a_model_json_that_does_not_fit_its_layers_is_refused_on_the_page(
        browser, edited_site, change):
    folder, url = edited_site
    manifest = json.loads((folder / "lesson" / "model.json").read_text())
    expected = edit(manifest["layers"], change)
    (folder / "lesson" / "model.json").write_text(json.dumps(manifest))
    text = open_failing(browser, url)
    assert "could not load its network" in text
    assert "explorer-data/lesson/model.json does not fit its own layers" in text
    assert re.search(expected, text), text
    assert "python -m cnnlesson.export" in text
