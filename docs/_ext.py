"""otgan's own pieces of the site (docs/site.md).

* Directives that write the reference tables from the registries themselves, so that they cannot
  drift from the code: ``otgan-fields`` (every config field of ``TrainConfig``: default, kind,
  help; ``:group:`` one group or ``:method:`` one method's own fields), ``otgan-presets`` (each
  method's presets and their values), ``otgan-datasets``, ``otgan-metrics``, ``otgan-figures``.
* The gallery's budget: each example's CPU time is measured in the process that runs it
  (``time_example``, sphinx-gallery's reset hook) and one over ``otgan_gallery_budget_s``
  (conf.py) is a warning, an error under ``-W`` (make docs).  CPU seconds, not wall seconds:
  the examples run one torch thread each, two at a time, on machines shared with other jobs,
  where wall time measures the neighbours as much as the example.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

LOG = logging.getLogger(__name__)
#: where each example's times are written (set by conf.py; examples run in worker processes)
TIMES_DIR = "OTGAN_GALLERY_TIMES"
_STARTED: dict[str, tuple[float, float]] = {}


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (a sweep's workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def time_example(gallery_conf, fname, when):
    """sphinx-gallery's reset hook (``reset_modules``, called before and after each example, in
    the process that runs it): the example's CPU seconds (its worker processes' included) and
    wall seconds, written to
    ``$OTGAN_GALLERY_TIMES/NAME.json``."""
    if fname is None:
        return
    if when == "before":
        _STARTED[fname] = (_cpu(), time.perf_counter())
    elif fname in _STARTED and os.environ.get(TIMES_DIR):
        cpu, wall = _STARTED.pop(fname)
        record = {"example": Path(fname).stem, "cpu_s": _cpu() - cpu,
                  "wall_s": time.perf_counter() - wall}
        Path(os.environ[TIMES_DIR], f"{record['example']}.json").write_text(json.dumps(record))


def gallery_times() -> list[dict]:
    """The times of the examples this build ran (those unchanged since the last build are not
    run again, and were checked when they ran)."""
    folder = os.environ.get(TIMES_DIR)
    if not folder or not Path(folder).is_dir():
        return []
    return [json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))]


def _check_budget(app, exc):
    if exc is not None or not app.config.sphinx_gallery_conf["plot_gallery"]:
        return  # -D plot_gallery=0: the examples were not run
    budget = app.config.otgan_gallery_budget_s
    times = gallery_times()
    for t in times:
        LOG.info("gallery example %s: %.1f s of CPU (%.1f s wall)", t["example"], t["cpu_s"],
                 t["wall_s"])
        if t["cpu_s"] > budget:
            LOG.warning("gallery example %s ran %.1f s of CPU, over the gallery's budget of "
                        "%.0f s", t["example"], t["cpu_s"], budget)
    if times and os.environ.get("OTGAN_GALLERY_TIMES_OUT"):  # a copy, for measurements
        Path(os.environ["OTGAN_GALLERY_TIMES_OUT"]).write_text(json.dumps(times, indent=1))
    shutil.rmtree(os.environ.get(TIMES_DIR, ""), ignore_errors=True)


# ----------------------------------------------------------------------------- tables
def _cell(value) -> str:
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if text else " "


def _code(value) -> str:
    return "``" + repr(value) + "``"


def _table(header: list[str], rows: list[list[str]], widths: str | None = None) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append(f"   :widths: {widths}")
    lines.append("")
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            lines.append(("   * - " if i == 0 else "     - ") + _cell(cell))
    lines.append("")
    return lines


class _RstTable(SphinxDirective):
    has_content = False
    option_spec = {"group": str, "own": lambda arg: True}

    def rst(self) -> list[str]:
        raise NotImplementedError

    def run(self):
        node = nodes.container()
        self.state.nested_parse(StringList(self.rst(), source="otgan"), self.content_offset, node)
        return node.children


class FieldsTable(_RstTable):
    """``TrainConfig``'s fields: the general ones of ``:group:``, or (``:own:``) the methods'
    own fields with the methods that read them."""

    def rst(self):
        from otgan.config import FIELDS
        from otgan.methods.specs import METHODS

        readers: dict[str, list[str]] = {}
        for spec in METHODS.values():
            for f in spec.fields:
                readers.setdefault(f.name, []).append(spec.name)
        if "own" in self.options:
            rows = [[f"``{f.name}``", _code(f.default), f.kind,
                     ", ".join(f"``{m}``" for m in readers[f.name]), f.help]
                    for f in FIELDS.values() if f.name in readers]
            return _table(["field", "default", "kind", "methods", "meaning"], rows,
                          "16 12 8 18 46")
        group = self.options.get("group")
        rows = [[f"``{f.name}``", _code(f.default), f.kind, f.help] for f in FIELDS.values()
                if f.name not in readers and (group is None or f.group == group)]
        return _table(["field", "default", "kind", "meaning"], rows, "18 14 8 60")


class PresetsTable(_RstTable):
    """Each method's presets: name and the values it sets."""

    def rst(self):
        from otgan.methods.specs import METHODS

        rows = []
        for spec in METHODS.values():
            for preset, values in spec.presets.items():
                text = ", ".join(f"``{k}={v!r}``" for k, v in values.items()) or "(none)"
                rows.append([f"``{spec.name}``", f"``{preset}``", text])
        return _table(["method", "preset", "values"], rows, "14 12 74")


class MethodsTable(_RstTable):
    """Each method: summary, what its critic estimates, its own fields."""

    def rst(self):
        from otgan.methods.specs import METHODS

        rows = [[f"``{s.name}``", s.summary,
                 s.estimates if isinstance(s.estimates, str) else "depends on the config",
                 ", ".join(f"``{f.name}``" for f in s.fields) or "(none)"]
                for s in METHODS.values()]
        return _table(["method", "summary", "critic estimates", "own fields"], rows,
                      "12 50 12 26")


class DatasetsTable(_RstTable):
    def rst(self):
        from otgan.data.specs import DATASETS

        rows = [[f"``{s.name}``", s.kind, s.summary] for s in DATASETS.values()]
        return _table(["name", "kind", "what"], rows, "16 10 74")


class MetricsTable(_RstTable):
    def rst(self):
        from otgan.metrics.specs import METRICS

        rows = [[f"``{name}``", spec.summary,
                 ", ".join(f"``{row.key}``" for row in spec.rows)]
                for name, spec in METRICS.items()]
        return _table(["metric", "what", "values it records"], rows, "14 56 30")


class FiguresTable(_RstTable):
    def rst(self):
        from otgan.figures import FIGURES

        rows = [[f"``{f.name}``", f.summary, ", ".join(f"``{o}``" for o in f.outputs)]
                for f in FIGURES.values()]
        return _table(["figure", "what it shows", "files"], rows, "18 56 26")


def _config_parameters(app, what, name, obj, options, lines):
    """``TrainConfig``'s Parameters section from its fields (one per config field: default,
    kind, help), before numpydoc reads and validates the docstring."""
    if name != "otgan.TrainConfig":
        return
    from otgan.config import FIELDS

    lines[:] = ["The configuration of a run: one field per setting, each a keyword of",
                "``otgan.train``, an option of ``otgan train`` and a key of a config file",
                "(:doc:`/docs/configuration` groups them and lists the presets);",
                "``to_dict()`` gives them as a dict.", "",
                "Parameters", "----------"]
    for f in FIELDS.values():
        lines += [f"{f.name} : {f.kind}", f"    {f.help} [default: ``{f.default!r}``]"]
    lines.append("")


def setup(app):
    app.connect("autodoc-process-docstring", _config_parameters, priority=400)
    app.add_config_value("otgan_gallery_budget_s", 90.0, "env")
    for name, cls in (("otgan-fields", FieldsTable), ("otgan-presets", PresetsTable),
                      ("otgan-methods", MethodsTable), ("otgan-datasets", DatasetsTable),
                      ("otgan-metrics", MetricsTable), ("otgan-figures", FiguresTable)):
        app.add_directive(name, cls)
    app.connect("build-finished", _check_budget)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
