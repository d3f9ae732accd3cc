"""The explorer page (docs/explore.md) in headless Chromium, against the build's own Keras.

The build writes, next to the data the page loads for each of its two networks (the
tutorial's, ``lesson/``, and the final design, ``design/``), Keras's answers for three of the
shipped images (every spatial layer's maps and the ten outputs) and the first convolution
split into its parts by ``cnnlesson.analysis.decompose_feature_map`` at a few units
(``reference.json`` and ``reference.bin``, from ``cnnlesson.export.write_reference``).
"""

from __future__ import annotations

import json
import re
import struct
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
    folder = site_dir / "_static" / "explorer-data"
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


def reference_map(blob, entry):
    count = int(np.prod(entry["shape"]))
    return np.frombuffer(blob, "<f4", count, entry["offset"]).reshape(entry["shape"])


def outline(page):
    return page.eval_on_selector("#cnx-outline", "e => ({...e.dataset})")


def unit_text(page):
    return page.text_content("#cnx-unit-text")


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


@pytest.mark.parametrize("network", NETWORKS)
def test_forward_equals_keras(explorer, data, network):
    _, images, networks = data
    manifest, reference, blob = (networks[network][k] for k in ("manifest", "reference", "blob"))
    assert len(reference["images"]) >= 3
    spatial = [name for name, g in manifest["geometry"].items() if len(g["shape"]) == 3]
    assert {"conv2d", "conv2d_1", "max_pooling2d"} <= set(spatial)
    if network == "design":
        assert {"batch_normalization", "re_lu", "conv2d_5", "max_pooling2d_2"} <= set(spatial)
    for entry in reference["images"]:
        pixels = images[entry["image"]].ravel().tolist()
        result = explorer.evaluate("([p, n]) => window.cnnlessonExplorer.forward(p, {network: n})",
                                   [pixels, network])
        assert sorted(result["maps"]) == sorted(entry["maps"]) == sorted(spatial)
        for name, stored in entry["maps"].items():
            keras_maps = reference_map(blob, stored)
            ours = result["maps"][name]
            assert ours["shape"] == list(keras_maps.shape)
            gap = np.abs(np.asarray(ours["data"]).reshape(ours["shape"]) - keras_maps).max()
            assert gap <= TOLERANCE, f"image {entry['image']}, {name}: off by {gap}"
        probabilities = np.asarray(result["probabilities"])
        assert probabilities.shape == (10,)
        gap = np.abs(probabilities - entry["probabilities"]).max()
        assert gap <= TOLERANCE, f"image {entry['image']}: outputs off by {gap}"


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


def test_prediction_shows_scores_top_class_and_truth(explorer, data):
    manifest = data[2]["lesson"]["manifest"]
    reference = data[2]["lesson"]["reference"]
    horse = next(e for e in reference["images"] if e["image"] == 0)
    top = manifest["classes"][int(np.argmax(horse["probabilities"]))]
    bars = explorer.locator("#cnx-bars li")
    assert bars.count() == 10
    assert explorer.get_attribute("#cnx-bars li.cnx-top", "data-class") == top
    assert explorer.get_attribute("#cnx-bars li.cnx-truth", "data-class") == "horse"
    sentence = explorer.text_content("#cnx-prediction-text")
    assert f"The top class of the tutorial's network for X_train[7] is {top}" in sentence
    assert "The true label is horse" in sentence
    assert ("right" in sentence) == (top == "horse")


def test_prediction_follows_the_design(design, data):
    manifest = data[2]["design"]["manifest"]
    horse = data[2]["design"]["reference"]["images"][0]
    assert horse["image"] == 0
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
def test_every_spatial_layer_and_all_its_maps(explorer, data, network):
    manifest = data[2][network]["manifest"]
    explorer.evaluate(f"window.cnnlessonExplorer.use('{network}')")
    options = explorer.eval_on_selector_all("#cnx-layer option", "os => os.map(o => o.value)")
    assert options == list(manifest["geometry"])
    for name in options:
        explorer.select_option("#cnx-layer", name)
        assert explorer.locator("#cnx-grid [role=option]").count() == \
            manifest["geometry"][name]["shape"][2]


def check_outline(page, layer, inner, corner, *, moves):
    """The selected unit's outline covers ``inner`` pixels a side, on screen too; after
    ``moves`` steps up and left, the corner unit's covers rows and columns 0 to corner-1."""
    page.select_option("#cnx-layer", layer)
    page.focus("#cnx-map")
    field = outline(page)
    assert (field["height"], field["width"], field["layer"]) == (str(inner), str(inner), layer)
    # The outline on screen covers that many input pixels.
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
    design.select_option("#cnx-layer", layer)
    design.focus("#cnx-map")
    assert f"a full field is {full}×{full}" in unit_text(design)
    check_outline(design, layer, *DESIGN_FIELDS[layer], moves=20)


def test_hovering_a_unit_outlines_its_field(explorer):
    explorer.select_option("#cnx-layer", "conv2d_1")
    explorer.locator("#cnx-map").scroll_into_view_if_needed()
    box = explorer.locator("#cnx-map").bounding_box()
    unit = box["width"] / 32
    explorer.mouse.move(box["x"] + 20.5 * unit, box["y"] + 3.5 * unit)
    assert (outline(explorer)["rows"], outline(explorer)["columns"]) == ("1-5", "18-22")
    assert unit_text(explorer).startswith("Pointing at")
    explorer.mouse.move(0, 0)
    assert unit_text(explorer).startswith("Selected")


@pytest.mark.parametrize("network", NETWORKS)
def test_computation_panel_equals_decomposition(explorer, data, network):
    reference = data[2][network]["reference"]
    explorer.evaluate(f"window.cnnlessonExplorer.use('{network}')")
    assert reference["units"]
    for unit in reference["units"]:
        explorer.select_option("#cnx-image", str(unit["image"]))
        explorer.select_option("#cnx-layer", unit["layer"])
        explorer.click(f"#cnx-map-{unit['map']}")
        explorer.locator("#cnx-map").scroll_into_view_if_needed()
        box = explorer.locator("#cnx-map").bounding_box()
        size = box["width"] / 32
        explorer.mouse.click(box["x"] + (unit["column"] + 0.5) * size,
                             box["y"] + (unit["row"] + 0.5) * size)
        title = explorer.text_content(".cnx-compute-title")
        assert f"map {unit['map']}, row {unit['row']}, column {unit['column']}" in title

        def shown(selector):
            return float(explorer.get_attribute(selector, "data-value"))

        for c, expected in enumerate(unit["channel_sums"]):
            assert abs(shown(f"#cnx-sum-{c}") - expected) <= TOLERANCE
        assert abs(shown("#cnx-bias") - unit["bias"]) <= TOLERANCE
        assert abs(shown("#cnx-pre") - unit["pre_activation"]) <= TOLERANCE
        assert abs(shown("#cnx-out") - unit["output"]) <= TOLERANCE
        # In the design, the unit followed on through batch normalisation and ReLU.
        assert list(unit["next"]) == (["batch_normalization", "re_lu"]
                                      if network == "design" else [])
        for layer, expected in unit["next"].items():
            assert abs(shown(f"#cnx-next-{layer}") - expected) <= TOLERANCE
        assert "but the map" not in explorer.text_content("#cnx-compute")
        # Nine patch values and nine weights per channel, zeros where the padding is.
        for c in range(3):
            cells = explorer.locator(f".cnx-channel[data-channel='{c}'] .cnx-patch td")
            assert cells.count() == 9
        rows_out = (unit["row"] == 0) + (unit["row"] == 31)
        columns_out = (unit["column"] == 0) + (unit["column"] == 31)
        padded = 3 * (9 - (3 - rows_out) * (3 - columns_out))
        assert explorer.locator(".cnx-patch td.cnx-pad").count() == padded


def test_keyboard_reaches_every_control_and_moves_the_unit(explorer):
    wanted = {"cnx-network", "cnx-image", "cnx-photo", "cnx-layer", "cnx-map", "cnx-grid"}
    seen = set()
    # From the first control, the network switch, forward through the page's order.
    explorer.focus("input[name=cnx-network]:checked")
    for _ in range(60):
        active = explorer.evaluate(
            "() => document.activeElement.id || document.activeElement.name || ''")
        seen.add(active)
        if wanted | {"cnx-scale"} <= seen:
            break
        explorer.keyboard.press("Tab")
    assert wanted | {"cnx-scale"} <= seen, seen
    # Arrow keys on the large map move the selected unit.
    explorer.focus("#cnx-map")
    before = re.search(r"row (\d+), column (\d+)", unit_text(explorer)).groups()
    explorer.keyboard.press("ArrowRight")
    explorer.keyboard.press("ArrowDown")
    explorer.keyboard.press("ArrowDown")
    after = re.search(r"row (\d+), column (\d+)", unit_text(explorer)).groups()
    assert (int(after[0]), int(after[1])) == (int(before[0]) + 2, int(before[1]) + 1)
    # Arrow keys in the grid choose another map.
    explorer.focus("#cnx-grid")
    explorer.keyboard.press("ArrowRight")
    assert explorer.get_attribute("#cnx-grid", "aria-activedescendant") == "cnx-map-1"
    assert explorer.get_attribute("#cnx-map-1", "aria-selected") == "true"
    # The colour-scale switch works from the keyboard too.
    explorer.focus("input[name=cnx-scale][value=shared]")
    explorer.keyboard.press("ArrowDown")
    assert "this map's own scale" in explorer.text_content("#cnx-map-caption")


def test_the_network_switch_works_by_keyboard(explorer, data):
    networks = data[2]

    def layers():
        return explorer.eval_on_selector_all("#cnx-layer option", "os => os.map(o => o.value)")

    explorer.focus("#cnx-image")
    explorer.keyboard.press("Shift+Tab")  # back to the radio group, on the checked one
    assert explorer.evaluate("document.activeElement.value") == "lesson"
    explorer.keyboard.press("ArrowDown")
    explorer.wait_for_function("window.cnnlessonExplorer.state.network === 'design'")
    assert explorer.is_checked("input[name=cnx-network][value=design]")
    assert layers() == list(networks["design"]["manifest"]["geometry"])
    assert explorer.input_value("#cnx-layer") == "conv2d"  # both networks have one
    assert "the final design" in explorer.text_content("#cnx-prediction-text")
    assert "conv2d has no bias" in explorer.text_content("#cnx-compute")
    explorer.keyboard.press("ArrowUp")
    explorer.wait_for_function("window.cnnlessonExplorer.state.network === 'lesson'")
    assert layers() == list(networks["lesson"]["manifest"]["geometry"])
    assert "the tutorial's network" in explorer.text_content("#cnx-prediction-text")
    # A layer only the design has gives way to the first convolution.
    explorer.evaluate("window.cnnlessonExplorer.use('design')")
    explorer.select_option("#cnx-layer", "conv2d_5")
    explorer.evaluate("window.cnnlessonExplorer.use('lesson')")
    assert explorer.input_value("#cnx-layer") == "conv2d"


def test_own_photo_is_cropped_scaled_and_run(explorer, tmp_path):
    # 96 x 32: red, green and blue thirds; the centre square is the green third.
    thirds = [(230, 20, 20), (20, 200, 40), (20, 20, 230)]
    path = tmp_path / "photo.png"
    path.write_bytes(png(96, 32, lambda x, y: thirds[x // 32]))
    explorer.set_input_files("#cnx-photo", str(path))
    explorer.wait_for_function("document.querySelector('#cnx-image').value === 'photo'")
    drawn = explorer.evaluate("""() => Array.from(document.querySelector('#cnx-input')
        .getContext('2d').getImageData(0, 0, 32, 32).data)""")
    rgb = np.asarray(drawn).reshape(32, 32, 4)[..., :3]
    assert np.abs(rgb - np.array(thirds[1])).max() <= 2
    assert "your photo" in explorer.text_content("#cnx-prediction-text")
    assert "Showing your photo" in explorer.text_content("#cnx-photo-message")
    assert "Nothing is uploaded" in explorer.text_content("#cnx-photo-note")
    # The page's maps are those of the photo's pixels.
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
    assert explorer.input_value("#cnx-image") == "0"
    explorer.select_option("#cnx-image", "12")
    assert "X_test[" in explorer.text_content("#cnx-prediction-text")
