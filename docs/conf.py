"""Sphinx configuration of otgan's site (docs/site.md): `make docs`.

The source folder is the repository's root (``sphinx-build -c docs . docs/_build/html``) so that
the Markdown pages' relative links (to ``../../notebooks/*.ipynb``, to README.md) are the ones
GitHub follows; ``include_patterns`` keeps it to README.md, docs/ and notebooks/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS))  # _ext: the generated reference pages

import otgan  # noqa: E402

project = "otgan"
author = "otgan's authors"
copyright = "otgan's authors, MIT licence"
version = release = otgan.__version__

root_doc = "docs/index"
include_patterns = ["README.md", "docs/**", "notebooks/*.ipynb"]
exclude_patterns = ["docs/_build/**", "docs/gallery/*.ipynb", "docs/gallery/*.py",
                    "docs/gallery/*.zip", "docs/gallery/*.md5", "docs/gallery/*.json",
                    "docs/examples/**", "**/.ipynb_checkpoints"]

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "_ext",
]

# ----------------------------------------------------------------------------- Markdown, notebooks
myst_enable_extensions = ["colon_fence"]  # no dollarmath: a "$" in a page stays a "$"
myst_heading_anchors = 4  # `page.md#a-heading` links, GitHub's slugs
myst_url_schemes = ["http", "https", "mailto"]
nb_execution_mode = "off"  # rendered as stored; tests/test_notebooks.py runs them (FAST)
suppress_warnings = ["myst.header"]  # pages whose first heading is not level 1 (none now)

# ----------------------------------------------------------------------------- API reference
autodoc_typehints = "none"  # numpydoc's sections say the types
autodoc_member_order = "bysource"
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# every public function's parameters and returns documented: a missing or unknown parameter, a
# missing Returns section or docstring is a warning, an error under -W (make docs)
numpydoc_validation_checks = {"PR01", "PR02", "RT01", "GL08"}
# numpydoc validates what autodoc documents (the pages docs/api.md names: the public API);
# the dataclass fields and the private helpers numpydoc would also see are left out
numpydoc_validation_exclude = {r"\._[a-z]", r"\.__[a-z]+__$"}

# ----------------------------------------------------------------------------- gallery
sphinx_gallery_conf = {
    "examples_dirs": [str(DOCS / "examples")],
    "gallery_dirs": [str(DOCS / "gallery")],
    "filename_pattern": r"/plot_",   # every example runs at build
    "ignore_pattern": r"__init__\.py",
    "abort_on_example_error": False,  # every failure listed, then the build fails (-W)
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "show_memory": False,
    "min_reported_time": 0,
    "line_numbers": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib", "_ext.time_example"),
    "reset_modules_order": "both",  # _ext.time_example: before and after each example
    "parallel": 2,  # two examples at a time, one torch thread each: the 2-core machines
    "within_subsection_order": "FileNameSortKey",
    "write_computation_times": False,  # each page says its time; no file at the root
}
# each example's budget in CPU seconds (docs/site.md): _ext warns (an error under -W) of one
# over it; the times go to a fresh folder per build, read back at its end
otgan_gallery_budget_s = float(os.environ.get("OTGAN_GALLERY_BUDGET_S", "60"))
os.environ["OTGAN_GALLERY_TIMES"] = tempfile.mkdtemp(prefix="otgan-gallery-times-")

# ----------------------------------------------------------------------------- HTML
html_theme = "furo"
html_title = f"otgan {release}"
html_static_path = []
html_favicon = "_static/favicon.png"  # declared by every page: no request for /favicon.ico
html_extra_path = [str(DOCS / "_redirect")]  # index.html at the folder's top: to docs/index.html
html_show_sourcelink = False
html_copy_source = False
nitpicky = False
