"""The lesson's time, from one source: each page's own front matter.

A lesson page declares its minutes as The Carpentries' lessons do, in its front matter::

    teaching: 25
    exercises: 20

(:func:`cnnlesson.page_time.page_minutes` reads them).  The role ``{lesson-time}`teaching```
(or ``exercises``, or ``total``) writes the page's own minutes into its box at the top;
the directive ``{lesson-schedule}`` writes the whole route's schedule as a table, in the
order of the home page's table of contents, with the total.  The home page's route and
total read the same front matter, so the pages, the home page and the instructor's guide
agree by construction.  The course pack's notebooks write the role as words
(``notebook_markdown.py``).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from cnnlesson.page_time import TIME_KEYS, page_minutes
from cnnlesson.wording import count

PARTS = (*TIME_KEYS, "total")
logger = logging.getLogger(__name__)


def minutes_text(minutes: int) -> str:
    """Minutes in words, as the home page also counts them: '1 minute', '45 minutes'."""
    return count(minutes, "minute")


def hours_text(minutes: int) -> str:
    """A long time as hours and minutes: '4 h 55 min'."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min"


def declared_minutes(source: Path) -> dict | None:
    """The minutes a page declares (``page_minutes``), with the total; None if none."""
    try:
        found = page_minutes(source.read_text("utf-8"))
    except ValueError as error:
        raise ExtensionError(f"{source.name}: {error}") from None
    return None if found is None else {**found, "total": sum(found.values())}


def route(env) -> list[tuple[str, dict]]:
    """The lesson's route: every page that declares its minutes, in the order of the home
    page's tables of contents, as ``(docname, minutes)``."""
    ordered = list(dict.fromkeys(_toctree_order(env, env.config.root_doc)))
    found = []
    for docname in ordered:
        minutes = declared_minutes(Path(env.doc2path(docname)))
        if minutes is not None:
            found.append((docname, minutes))
    return found


def _toctree_order(env, docname, seen=None):
    seen = set() if seen is None else seen
    for child in env.toctree_includes.get(docname, []):
        if child not in seen:
            seen.add(child)
            yield child
            yield from _toctree_order(env, child, seen)


def _role(name, rawtext, text, lineno, inliner, options=None, content=None):
    env = inliner.document.settings.env
    part = text.strip()
    if part not in PARTS:
        message = inliner.reporter.error(
            f"{{lesson-time}}`{part}`: write one of {', '.join(PARTS)}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    minutes = declared_minutes(Path(env.doc2path(env.docname)))
    if minutes is None:
        message = inliner.reporter.error(
            "{lesson-time} on a page whose front matter declares no minutes: add "
            "'teaching: 25' and 'exercises: 15' (minutes) to it", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    return [nodes.Text(minutes_text(minutes[part]))], []


class schedule_placeholder(nodes.General, nodes.Element):
    """Where the schedule goes, once every page has been read."""


class ScheduleDirective(SphinxDirective):
    """``{lesson-schedule}``: the route's pages with their minutes, and the total."""

    def run(self):
        # Read again at every build: the schedule follows every page's front matter.
        self.env.note_reread()
        return [schedule_placeholder()]


def _cell(*children):
    entry = nodes.entry()
    entry += nodes.paragraph("", "", *children)
    return entry


def schedule_table(env, builder, docname) -> list[nodes.Node]:
    """The schedule as a table: each page's teaching, exercise and total minutes, when it
    starts counted from the start of the lesson (h:mm), and the route's total; then the
    total in a sentence."""
    header = ("Page", "Starts after", "Teaching", "Exercises", "Total")
    table = nodes.table(classes=["cnnlesson-schedule"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for width in (40, 15, 15, 15, 15):
        group += nodes.colspec(colwidth=width)
    head, body = nodes.thead(), nodes.tbody()
    group += head
    group += body
    row = nodes.row()
    row.extend(_cell(nodes.Text(title)) for title in header)
    head += row
    elapsed = 0
    totals = dict.fromkeys(PARTS, 0)
    for number, (page, minutes) in enumerate(route(env), start=1):
        link = nodes.reference("", "", refuri=builder.get_relative_uri(docname, page),
                               internal=True)
        link += nodes.Text(env.titles[page].astext())
        row = nodes.row()
        row += _cell(nodes.Text(f"{number}. "), link)
        row += _cell(nodes.Text(f"{elapsed // 60}:{elapsed % 60:02d}"))
        row.extend(_cell(nodes.Text(f"{minutes[part]} min")) for part in PARTS)
        body += row
        elapsed += minutes["total"]
        for part in PARTS:
            totals[part] += minutes[part]
    row = nodes.row(classes=["cnnlesson-schedule-total"])
    row += _cell(nodes.strong("", "All pages"))
    row += _cell(nodes.Text(""))
    row.extend(_cell(nodes.strong("", f"{totals[part]} min")) for part in PARTS)
    body += row
    summary = nodes.paragraph(classes=["cnnlesson-schedule-total"])
    summary += nodes.Text(f"In all, {minutes_text(totals['total'])} "
                          f"({hours_text(totals['total'])}): "
                          f"{minutes_text(totals['teaching'])} of teaching and "
                          f"{minutes_text(totals['exercises'])} of exercises.")
    return [table, summary]


class FillSchedule(SphinxPostTransform):
    # Before the references are resolved (10): what is added here is resolved with the rest.
    default_priority = 3

    def run(self, **kwargs):
        for placeholder in list(self.document.findall(schedule_placeholder)):
            placeholder.replace_self(schedule_table(self.env, self.app.builder,
                                                    self.env.docname))


def setup(app):
    app.add_role("lesson-time", _role)
    app.add_node(schedule_placeholder)
    app.add_directive("lesson-schedule", ScheduleDirective)
    app.add_post_transform(FillSchedule)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
