// Names for the theme's sidebar toggles, which screen readers otherwise announce blank.
// The theme draws a section with sub-pages as its link followed by a <details> whose
// <summary> holds only a chevron; each such toggle is named after its section.
"use strict";
document.querySelectorAll("nav.bd-docs-nav li.has-children").forEach((item) => {
  const link = item.querySelector(":scope > a.reference");
  const summary = item.querySelector(":scope > details > summary");
  if (link && summary && !summary.hasAttribute("aria-label")) {
    summary.setAttribute("aria-label",
      `Show or hide the pages under ${link.textContent.trim()}`);
  }
});
