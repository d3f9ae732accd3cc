/* cnnlesson explorer: what the page shows, in one store that every module reads.
 *
 * index is explorer.json (classes, images, colour map), images every image's pixels;
 * networks[key] is the promise of a network ({manifest, net}) once asked for; network,
 * manifest and net are those shown, result the forward pass of the image shown. Then what
 * the reader chose: image (an index, or "photo"), layer, map, unit ([row, column] on
 * maps), entry (the unit on a vector), hover (the unit under the mouse, or null) and
 * scale ("shared" or "per-map").
 */
export const state = {
  index: null, images: null, photo: null, networks: {}, wanted: null,
  network: null, manifest: null, net: null, result: null,
  image: 0, layer: null, map: 0, unit: [0, 0], unitOn: null, entry: 0,
  hover: null, hoverMap: 0, scale: "shared",
};
