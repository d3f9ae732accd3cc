"""The answer key: every exercise of the route with its solution, on a page of its own.

``{answer-key}`` collects, page by page in the route's order (``lesson_times.route``),
each exercise's question and its solution as the page wrote them, with the outputs its
code printed when the page ran, open rather than folded.  An instructor reads or prints
the key apart from the learners' pages; the PDF edition prints it as its appendix.
"""

from __future__ import annotations

from docutils import nodes
from lesson_parts import exercises, note_math, page_section
from lesson_times import route
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)
#: The page that holds the answer key; the PDF edition prints it as its appendix.
PAGE = "answers"


class answer_key_placeholder(nodes.General, nodes.Element):
    """Where the answer key goes, once every page has been read."""


class AnswerKeyDirective(SphinxDirective):
    def run(self):
        # Read again at every build: the key follows every page's exercises.
        self.env.note_reread()
        return [answer_key_placeholder()]


def _box(classes, title, body):
    box = nodes.container(classes=classes)
    box += nodes.rubric("", "", *title)
    box.extend(body)
    return box


def answer_key(env, builder, docname) -> list[nodes.Node]:
    sections = []
    for number, (page, _) in enumerate(route(env), start=1):
        found = exercises(env, page)
        if not found:
            continue
        section, uri = page_section(env, builder, docname, page, number, "answers")
        for exercise in found:
            link = nodes.reference("", "", *exercise.heading(),
                                   refuri=f"{uri}#{exercise.label}", internal=True)
            section += _box(["cnnlesson-answer-question"], [link], exercise.asks)
            if not exercise.solution:
                logger.warning(f"{page}: exercise {exercise.label} has no solution for the "
                               "answer key; add one with solution-start/solution-end",
                               location=page)
                continue
            section += _box(["cnnlesson-answer"], [nodes.Text("Solution")], exercise.solution)
            note_math(env, docname, exercise.asks + exercise.solution)
        sections.append(section)
    return sections


class FillAnswerKey(SphinxPostTransform):
    # Before myst-nb picks each output's format (4) and the references are resolved (10):
    # the copied solutions' outputs and links are treated as this page's own.
    default_priority = 3

    def run(self, **kwargs):
        for placeholder in list(self.document.findall(answer_key_placeholder)):
            placeholder.replace_self(answer_key(self.env, self.app.builder, self.env.docname))


def setup(app):
    app.add_node(answer_key_placeholder)
    app.add_directive("answer-key", AnswerKeyDirective)
    app.add_post_transform(FillAnswerKey)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
