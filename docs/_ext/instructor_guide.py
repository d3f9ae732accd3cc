"""Instructor notes, written in the pages they are about, shown in the instructor's guide.

A lesson page holds its notes for instructors where they apply::

    :::{instructor-note} Show live
    Build the model in a notebook in front of the class ...
    :::

The learners' page drops them (they are neither shown nor indexed for search), and the
course pack's notebooks leave them out; ``{lesson-guide}`` on the instructor's guide
shows them page by page, each with a link to the section it belongs to, beside what the
instructor plans with: the page's minutes (``lesson_times``), each objective of its box
with the exercises that test it, and its key points.

Which exercises test which objective a page says in its front matter, one list per
objective of its box, in the box's order::

    objective-exercises:
      - [ex-network-max-norm]
      - [ex-network-stride, ex-network-no-pool]

The build warns (and so fails, with ``-W``) when the lists and the box disagree, or an
exercise tests no objective.

Why in the pages and not in an instructor build: one build serves learners and
instructors alike, a note sits next to the text it is about (so it changes with it), and
no second site with the answers and notes has to be built, published or kept apart.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from lesson_parts import borrow, exercises, key_points, note_math, objectives, page_section
from lesson_times import minutes_text, route
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)
MAPPING_KEY = "objective-exercises"


class instructor_note(nodes.Admonition, nodes.Element):
    """A note for instructors: kept in the page's doctree, shown only by the guide."""


class InstructorNoteDirective(SphinxDirective):
    """``{instructor-note} Title``: a note for instructors, with a short title."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"class": directives.class_option}

    def run(self):
        node = instructor_note("\n".join(self.content), title=self.arguments[0])
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def _drop_notes(app, doctree, docname):
    """The learner's page: without the notes (before it is written and indexed)."""
    for note in list(doctree.findall(instructor_note)):
        note.parent.remove(note)


def _skip(self, node):
    raise nodes.SkipNode


def front_matter(env, docname) -> dict:
    source = Path(env.doc2path(docname)).read_text("utf-8")
    if not source.startswith("---"):
        return {}
    return yaml.safe_load(source.split("---", 2)[1]) or {}


class guide_placeholder(nodes.General, nodes.Element):
    """Where the page-by-page guide goes, once every page has been read."""


class GuideDirective(SphinxDirective):
    """``{lesson-guide}``: for each page of the route, its minutes, its objectives with
    the exercises that test them, its key points and its instructor notes."""

    def run(self):
        # Read again at every build: the guide follows every page of the route.
        self.env.note_reread()
        return [guide_placeholder()]


def _section_of(note) -> tuple[str, str] | None:
    """The id and title of the section a note sits in, for a link to it."""
    parent = note.parent
    while parent is not None and not isinstance(parent, nodes.section):
        parent = parent.parent
    if parent is None or not parent["ids"]:
        return None
    title = parent.next_node(nodes.title)
    return parent["ids"][0], title.astext() if title else parent["ids"][0]


def _objectives_list(env, builder, docname, page, found, doctree):
    mapping = front_matter(env, page).get(MAPPING_KEY)
    items = objectives(doctree)
    labels = {exercise.label: exercise for exercise in found}
    if mapping is None or len(mapping) != len(items):
        logger.warning(f"{page}: its front matter's {MAPPING_KEY} has "
                       f"{len(mapping or [])} lists, its box {len(items)} objectives; give "
                       "one list of exercise labels per objective, in the box's order "
                       "([] for none)", location=page)
        mapping = (mapping or []) + [[]] * max(0, len(items) - len(mapping or []))
    untested = set(labels) - {label for tested in mapping for label in tested}
    for label in sorted(untested):
        logger.warning(f"{page}: exercise {label} tests no objective; name it under "
                       f"{MAPPING_KEY} in the page's front matter", location=page)
    uri = builder.get_relative_uri(docname, page)
    listing = nodes.bullet_list()
    for item, tested in zip(items, mapping, strict=False):  # warned above if unequal
        entry = nodes.list_item()
        entry.extend(borrow(child) for child in item.children)
        line = nodes.paragraph(classes=["cnnlesson-tested-by"])
        if tested:
            line += nodes.Text("Tested by ")
            for number, label in enumerate(tested):
                if label not in labels:
                    logger.warning(f"{page}: {MAPPING_KEY} names {label}, which is no "
                                   "exercise of the page", location=page)
                    continue
                if number:
                    line += nodes.Text(", ")
                line += nodes.reference("", "", *labels[label].heading(),
                                        refuri=f"{uri}#{label}", internal=True)
            line += nodes.Text(".")
        else:
            line += nodes.Text("No exercise tests it: ask it in the discussion.")
        entry += line
        listing += entry
    return listing


def _subsection(page, name, title, *children):
    section = nodes.section(ids=[f"guide-{page.replace('_', '-')}-{name}"])
    section += nodes.title("", title)
    section.extend(children)
    return section


def page_guide(env, builder, docname, number, page, minutes) -> nodes.section:
    doctree = env.get_doctree(page)
    section, uri = page_section(env, builder, docname, page, number, "guide")
    section += nodes.paragraph("", f"{minutes_text(minutes['teaching'])} of teaching, "
                                   f"{minutes_text(minutes['exercises'])} of exercises.")
    found = exercises(env, page)
    section += _subsection(page, "objectives", "Objectives and the exercises that test them",
                           _objectives_list(env, builder, docname, page, found, doctree))
    points = key_points(doctree)
    if points is not None:
        section += _subsection(page, "key-points", "Key points", borrow(points))
    notes = []
    for note in doctree.findall(instructor_note):
        box = nodes.admonition(classes=["cnnlesson-instructor-note"])
        box += nodes.title("", note["title"])
        box.extend(borrow(child) for child in note.children)
        where = _section_of(note)
        if where:
            place = nodes.paragraph(classes=["cnnlesson-note-place"])
            place += nodes.Text("Its place on the page: ")
            place += nodes.reference("", where[1], refuri=f"{uri}#{where[0]}", internal=True)
            place += nodes.Text(".")
            box += place
        notes.append(box)
    if notes:
        section += _subsection(page, "notes", "Instructor notes", *notes)
        note_math(env, docname, notes)
    else:
        logger.warning(f"{page}: no instructor notes; add one with :::{{instructor-note}}",
                       location=page)
    return section


class FillGuide(SphinxPostTransform):
    # Before myst-nb picks output formats (4) and the references are resolved (10).
    default_priority = 3

    def run(self, **kwargs):
        for placeholder in list(self.document.findall(guide_placeholder)):
            placeholder.replace_self([
                page_guide(self.env, self.app.builder, self.env.docname, number, page, minutes)
                for number, (page, minutes) in enumerate(route(self.env), start=1)])


def setup(app):
    app.add_node(instructor_note, html=(_skip, None), latex=(_skip, None),
                 text=(_skip, None), man=(_skip, None), texinfo=(_skip, None))
    app.add_directive("instructor-note", InstructorNoteDirective)
    app.connect("doctree-resolved", _drop_notes)
    app.add_node(guide_placeholder)
    app.add_directive("lesson-guide", GuideDirective)
    app.add_post_transform(FillGuide)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
