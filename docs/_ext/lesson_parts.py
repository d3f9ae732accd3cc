"""Parts of a lesson page that the instructor's pages show again: the objectives of its
box, its key points, its exercises and their solutions; and the numbered, linked section
both instructor's pages (the guide and the answer key) give each lesson page.

Each part is read from the page's doctree as Sphinx stored it (``env.get_doctree``), and
copied with :func:`borrow`, so the instructor's guide and the answer key show the pages'
own text, never a second copy of it in the sources.  Copies are added to a page by a
post-transform that runs before the references are resolved, so their links, figures,
formulas and notebook outputs are resolved as that page's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docutils import nodes

#: The class of the box at the top of every lesson page ("Before you start").
FACTS_CLASS = "cnnlesson-page-facts"
KEY_POINTS_TITLE = "Key points"


def borrow(node: nodes.Node) -> nodes.Node:
    """A deep copy of ``node`` without the ids and names of its targets: the page that
    shows it again must not claim the anchors of the page it comes from."""
    copy = node.deepcopy()
    for element in copy.findall(nodes.Element):
        element["ids"] = []
        element["names"] = []
    return copy


def contents(node: nodes.Element) -> list[nodes.Node]:
    """Copies of what an admonition-like node holds, without its title: untitled sections
    (an exercise's or a solution's body) are opened."""
    found = []
    for child in node.children:
        if isinstance(child, nodes.title) or child.tagname.endswith("_title"):
            continue
        if isinstance(child, nodes.section) and not child.next_node(nodes.title):
            found.extend(borrow(grandchild) for grandchild in child.children)
        else:
            found.append(borrow(child))
    return found


def _admonition(doctree, match) -> nodes.Element | None:
    for node in doctree.findall(nodes.admonition):
        if match(node):
            return node
    return None


def objectives(doctree) -> list[nodes.list_item]:
    """The items of the first list in the page's box: what the reader can do after it."""
    box = _admonition(doctree, lambda node: FACTS_CLASS in node["classes"])
    if box is None:
        return []
    first = box.next_node(nodes.bullet_list)
    return [] if first is None else [item for item in first.children
                                     if isinstance(item, nodes.list_item)]


def key_points(doctree) -> nodes.Element | None:
    """The page's key points: the list of its admonition titled "Key points"."""
    box = _admonition(doctree, lambda node: node.children and isinstance(
        node.children[0], nodes.title) and node.children[0].astext() == KEY_POINTS_TITLE)
    return None if box is None else box.next_node(nodes.bullet_list)


@dataclass
class Exercise:
    """One exercise of a page: its label, number and title, what it asks, its solution."""

    label: str
    number: str
    title: list = field(default_factory=list)  # inline nodes
    asks: list = field(default_factory=list)
    solution: list = field(default_factory=list)

    def heading(self) -> list:
        """``Exercise 2 (Output size with stride 2, by hand)`` as inline nodes."""
        text = [nodes.Text(f"Exercise {self.number}")]
        if self.title:
            text += [nodes.Text(" ("), *[borrow(node) for node in self.title], nodes.Text(")")]
        return text


def exercises(env, docname) -> list[Exercise]:
    """The exercises of page ``docname``, in order, each with its solution (if any)."""
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_subtitle, solution_node

    doctree = env.get_doctree(docname)
    numbers = env.toc_fignumbers.get(docname, {}).get("exercise", {})
    found = {}
    for node in doctree.findall(exercise_enumerable_node):
        subtitle = node.next_node(exercise_subtitle)
        label = node["label"]
        number = ".".join(str(part) for part in numbers.get(label, ())) or str(len(found) + 1)
        found[label] = Exercise(label, number, list(subtitle.children) if subtitle else [],
                                contents(node))
    for node in doctree.findall(solution_node):
        if node.get("target_label") in found:
            found[node["target_label"]].solution = contents(node)
    return list(found.values())


def has_math(parts) -> bool:
    return any(isinstance(node, (nodes.math, nodes.math_block))
               for part in parts for node in part.findall())


def note_math(env, docname, parts) -> None:
    """Have MathJax load on ``docname`` when the parts copied into it hold formulas (Sphinx
    decides that from what the page held when it was read)."""
    if has_math(parts):
        env.get_domain("math").data["has_equations"][docname] = True


def page_section(env, builder, docname, page, number, id_prefix) -> tuple[nodes.section, str]:
    """A section of ``docname`` about the lesson page ``page``: titled with its number on
    the route and its title, linked to it; returns the section and the page's address."""
    uri = builder.get_relative_uri(docname, page)
    section = nodes.section(ids=[f"{id_prefix}-{page.replace('_', '-')}"])
    title = nodes.title()
    title += nodes.Text(f"{number}. ")
    title += nodes.reference("", env.titles[page].astext(), refuri=uri, internal=True)
    section += title
    return section, uri
