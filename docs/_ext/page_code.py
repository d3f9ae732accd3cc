"""Which of a page's code a student's notebook runs, read with Python's own parser (ast).

A lesson page has three kinds of code cell: the code a reader sees, cells whose output
the page shows without their code (``remove-input``), and the build's own cells
(``remove-cell``): the page's checks, and the values its text quotes (myst-nb's ``glue``).
A notebook of the page runs

- every cell the reader sees, as it is;
- every ``remove-input`` cell, its code hidden, so that what it shows is this run's;
- of the build's cells, only the statements that compute a value the text quotes, or a
  name that a cell above needs: never a check (``assert``), nor what only a check uses.

Code that reads what only the build has cannot run beside a notebook: the site's own
sources (a page's ``.md`` file, for its reading time) and the environment variables the
build sets (``os.environ["..."]``, such as the folder of the measurements it keeps
between builds). Such a statement, and everything computed from it, is *fixed*: its
values and outputs are the build's, which no run can contradict.
:func:`plan` decides all of it from the statements' names; nothing is run here.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass, field

#: The site's sources, which a notebook cannot read.
SITE_SOURCE_SUFFIXES = (".md", ".rst")


class PageCodeError(ValueError):
    """A page's code that its notebook cannot run (the message says which and why)."""


@dataclass
class Statement:
    """One top-level statement of a cell, with the names it reads and writes."""

    lines: tuple[int, int]  # first and last line, 1-based, decorators and comments above
    uses: set[str]
    binds: set[str]  # names it (re)binds
    changes: set[str]  # names of objects it may change (``x[k] = v``, ``x.append(v)``)
    glues: list[str]  # glue names it writes (patterns for f-strings)
    reads_build: bool  # what only the build has: the site's sources, its environment
    is_glue_import: bool = False
    is_expression: bool = False  # a bare expression, which a notebook would display
    is_check: bool = False  # an ``assert``: the build's, never a notebook's
    #: Lines of checks inside it: (first, last, "pass" or "") to cut, or to replace with pass.
    inner_checks: list = field(default_factory=list)


@dataclass
class CellPlan:
    """What the notebook does with one code cell of the page."""

    kind: str  # "shown", "hidden" (runs, code hidden), "fixed" (the build's output), "none"
    source: str = ""  # the code the notebook runs (for "shown" and "hidden")


@dataclass
class Plan:
    cells: list[CellPlan]
    #: Glue names whose value the notebook computes; the others are the build's.
    computed: set[str] = field(default_factory=set)

    def is_computed(self, name: str) -> bool:
        return name in self.computed


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _names(node) -> tuple[set[str], set[str]]:
    """The names ``node`` reads and binds in the page's namespace: a function's,
    a class's or a comprehension's own names stay inside it."""
    if isinstance(node, ast.Name):
        return ({node.id}, set()) if isinstance(node.ctx, ast.Load) else (set(), {node.id})
    reads, binds = set(), set()
    if isinstance(node, (ast.For, ast.AsyncFor)):
        # The loop binds its target before the body reads it.
        binds = _names(node.target)[1]
        reads = _names(node.iter)[0]
        for child in [*node.body, *node.orelse]:
            child_reads, child_binds = _names(child)
            reads |= child_reads - binds
            binds |= child_binds
        return reads, binds
    if isinstance(node, _SCOPES):
        inner_reads, inner_binds = set(), set()
        for child in ast.iter_child_nodes(node):
            child_reads, child_binds = _names(child)
            inner_reads |= child_reads
            inner_binds |= child_binds
        arguments = {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
        return inner_reads - inner_binds - arguments, set()
    for child in ast.iter_child_nodes(node):
        child_reads, child_binds = _names(child)
        reads |= child_reads
        binds |= child_binds
    return reads, binds


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _changes(statement) -> set[str]:
    """Names whose object the statement may change: ``x[k] = v``, ``x.a += 1``, and
    ``x.append(v)`` or ``plt.rcParams.update(...)`` called for its effect."""
    changed = set()
    for node in ast.walk(statement):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            targets = [node.value.func]
        changed |= {_root(t) for t in targets if isinstance(t, (ast.Attribute, ast.Subscript))}
    return changed - {None}


class _WithoutChecks(ast.NodeTransformer):
    """The statement as if its checks (``assert``) were not there."""

    def visit_Assert(self, node):
        return ast.Pass()


def _glue_name(call) -> str | None:
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == "glue" and call.args):
        return None
    name = call.args[0]
    if isinstance(name, ast.Constant) and isinstance(name.value, str):
        return name.value
    if isinstance(name, ast.JoinedStr):  # glue(f"verdict_{step}", ...): a pattern
        return "".join(part.value if isinstance(part, ast.Constant) else "*"
                       for part in name.values)
    raise PageCodeError(f"glue names its value with {ast.unparse(name)!r}; use a string")


def _inner_checks(statement) -> list:
    """The ``assert`` statements inside a compound statement, as lines to cut; the first of
    a block that holds nothing else becomes ``pass``, so the block stays a block."""
    cuts = []
    for node in ast.walk(statement):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if not isinstance(block, list):
                continue
            checks = [s for s in block if isinstance(s, ast.Assert)]
            for number, check in enumerate(checks):
                keep_pass = number == 0 and len(checks) == len(block)
                cuts.append((check.lineno, check.end_lineno, "pass" if keep_pass else ""))
    return cuts


def _reads_build(statement) -> bool:
    texts = [n.value for n in ast.walk(statement)
             if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    # os.environ["NAME"] fails where the build did not set NAME; os.environ.get does not.
    environment = any(isinstance(n, ast.Subscript) and ast.unparse(n.value) == "os.environ"
                      for n in ast.walk(statement))
    return environment or any(text.endswith(SITE_SOURCE_SUFFIXES) for text in texts)


def _is_glue_import(statement) -> bool:
    return isinstance(statement, ast.ImportFrom) and (statement.module or "").startswith(
        "myst_nb")


def statements(source: str) -> list[Statement]:
    """The top-level statements of a cell's code, each with what it reads and writes."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise PageCodeError(f"a code cell is not Python: {error}") from None
    lines = source.splitlines()
    found = []
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        while first > 1 and lines[first - 2].lstrip().startswith("#"):
            first -= 1  # the comment that introduces the statement goes with it
        effect = _WithoutChecks().visit(ast.parse(ast.unparse(node)).body[0])
        uses, binds = _names(effect)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            binds |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.add(node.name)
        glues = [name for call in ast.walk(node) if (name := _glue_name(call))]
        found.append(Statement((first, node.end_lineno), uses, binds, _changes(effect), glues,
                               _reads_build(node), _is_glue_import(node),
                               isinstance(node, ast.Expr), isinstance(node, ast.Assert),
                               [] if isinstance(node, ast.Assert) else _inner_checks(node)))
    return found


def _source(source: str, found: list[Statement], kept: list[Statement], quiet: bool) -> str:
    """``source`` without the statements not ``kept`` (nor the comments just above them);
    with ``quiet``, a value the last statement leaves is not displayed (``;``)."""
    if not kept:
        return ""
    lines = source.splitlines()
    kept_ids = {id(statement) for statement in kept}
    for statement in found:
        if id(statement) not in kept_ids:
            first, last = statement.lines
            lines[first - 1:last] = [None] * (last - first + 1)
            continue
        for first, last, replacement in statement.inner_checks:
            indent = lines[first - 1][:len(lines[first - 1]) - len(lines[first - 1].lstrip())]
            lines[first - 1:last] = [indent + replacement if replacement else None] + [
                None] * (last - first)
    if quiet and kept[-1].is_expression and not kept[-1].glues:
        last = kept[-1].lines[1] - 1
        lines[last] = lines[last].rstrip() + ";"
    text, blank = [], False
    for line in lines:
        if line is None:
            continue
        if not line.strip():
            if blank or not text:
                continue
            blank = True
        else:
            blank = False
        text.append(line)
    return "\n".join(text).strip()


def _matches(glue: str, names: set[str]) -> set[str]:
    return {name for name in names if fnmatch.fnmatchcase(name, glue)}


def plan(cells: list[tuple[str, list[str]]], quoted: set[str]) -> Plan:
    """Decide, for each code cell ``(source, tags)`` of a page, what its notebook runs.

    ``quoted`` names the glued values the page's text quotes.  Raises
    :class:`PageCodeError` when code the reader sees needs a value the notebook cannot
    compute.
    """
    parsed = [(statements(source), tags) for source, tags in cells]
    # Forward: which statements cannot run in a notebook (fixed), and which glued values
    # are therefore the build's.
    fixed_names: set[str] = set()
    fixed: set[tuple[int, int]] = set()
    fixed_output: set[int] = set()  # remove-input cells whose output is the build's
    glued_fixed: set[str] = set()
    for number, (found, tags) in enumerate(parsed):
        if "narrow-only" in tags:
            continue
        if "remove-input" in tags and any(s.reads_build or s.uses & fixed_names
                                           for s in found):
            fixed_output.add(number)
        for index, statement in enumerate(found):
            if statement.reads_build or statement.uses & fixed_names:
                if not {"remove-cell", "remove-input"} & set(tags):
                    raise PageCodeError(
                        f"code the reader sees needs {sorted(statement.uses & fixed_names)}, "
                        "which only the build can compute (from the site's sources or its "
                        "environment)")
                fixed.add((number, index))
                fixed_names |= statement.binds | statement.changes
                for glue in statement.glues:
                    glued_fixed |= _matches(glue, quoted) if "*" in glue else {glue}
            else:
                fixed_names -= statement.binds
                for glue in statement.glues:
                    glued_fixed -= _matches(glue, quoted) if "*" in glue else {glue}
    computed = quoted - glued_fixed
    # Backward: the build's statements that a computed value or a later cell needs.
    needed: set[str] = set()
    kept: dict[int, list[Statement]] = {}
    for number in range(len(parsed) - 1, -1, -1):
        found, tags = parsed[number]
        keep = []
        for index in range(len(found) - 1, -1, -1):
            statement = found[index]
            if ((number, index) in fixed or statement.is_glue_import or statement.is_check
                    or "narrow-only" in tags):
                continue
            wanted = (not ({"remove-cell"} & set(tags) or number in fixed_output)
                      or any(_matches(glue, computed) for glue in statement.glues)
                      or (statement.binds | statement.changes) & needed)
            if wanted:
                keep.append(statement)
                needed = (needed - statement.binds) | statement.uses
        kept[number] = keep[::-1]
    plans = []
    for number, (source, tags) in enumerate(cells):
        if "narrow-only" in tags:
            plans.append(CellPlan("none"))
        elif number in fixed_output:  # the build's output, and what later cells need of it
            plans.append(CellPlan("fixed", _source(source, parsed[number][0], kept[number],
                                                   True)))
        elif "remove-cell" in tags or "remove-input" in tags:
            code = _source(source, parsed[number][0], kept[number], "remove-cell" in tags)
            plans.append(CellPlan("hidden", code) if code else CellPlan("none"))
        else:
            plans.append(CellPlan("shown", source))
    return Plan(plans, computed)
