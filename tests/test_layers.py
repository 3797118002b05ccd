"""The import rule of docs/architecture.md: layers only point down, and no module circle.

Every ``import`` of an otgan module anywhere in ``src/otgan`` (function-level imports included)
is read from the source; an import of a higher layer, an import between two packages of the same
layer, an import of the ``otgan`` package itself from inside it, or a cycle fails this test.
"""

import ast
from pathlib import Path

import otgan

ROOT = Path(otgan.__file__).parent

#: bottom to top; a module may import its own package and the layers below its own.  "specs"
#: are the ``specs.py`` modules of the packages (methods', metrics', data sets', networks'):
#: what config.py reads, without PyTorch
LAYERS = [
    ("_version", "errors", "fileio", "fields", "_lazy"),
    ("owned",),
    ("rundir", "runtime"),
    ("specs",),
    ("config",),
    ("data", "nets"),
    ("semidiscrete",),
    ("methods", "metrics"),
    ("viz",),
    ("training",),
    ("api", "sweep", "figures"),
    ("benchmark",),
    ("cli",),
    ("__main__",),
]
LEVEL = {name: i for i, names in enumerate(LAYERS) for name in names}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str, root: Path = ROOT) -> bool:
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    return (root / rel).with_suffix(".py").is_file() or (root / rel / "__init__.py").is_file()


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """The otgan modules ``path`` imports (a package import means its ``__init__``)."""
    me = module_name(path, root)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "otgan"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "otgan":
                base = node.module
            else:
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.add(sub if is_module(sub, root) else base)
    return out


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    return {module_name(p, root): imports_of(p, root) for p in root.rglob("*.py")}


def violations(root: Path = ROOT) -> list[str]:
    bad = []
    for mod, deps in graph(root).items():
        src = component(mod)
        if src is None:  # otgan/__init__.py: the public face, above everything
            continue
        for dep in deps:
            dst = component(dep)
            if dst is None:
                bad.append(f"{mod} imports the otgan package itself")
            elif dst != src and LEVEL[dst] >= LEVEL[src]:
                bad.append(f"{mod} (layer {LEVEL[src]}) imports {dep} (layer {LEVEL[dst]})")
    return sorted(bad)


def component(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) > 2 and parts[-1] == "specs":
        return "specs"
    return parts[1] if len(parts) > 1 else None  # None: the otgan package itself


def test_every_component_has_a_layer():
    names = {p.stem if p.is_file() else p.name for p in ROOT.iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
             or (p.is_dir() and any(p.glob("*.py")))}
    assert names <= set(LEVEL), sorted(names - set(LEVEL))


def test_imports_only_point_down():
    bad = violations()
    assert not bad, "\n".join(bad)


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``g`` as a list of nodes (first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for dep in sorted(g.get(node, ())):
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(g):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_rule_catches_an_upward_import(tmp_path):
    """The checker itself: a lower module importing a higher one is reported."""
    fake = tmp_path / "otgan"
    (fake / "data").mkdir(parents=True)
    (fake / "training").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "data" / "__init__.py").write_text("from ..training import fit\n")
    (fake / "training" / "__init__.py").write_text("")
    (fake / "training" / "fit.py").write_text("from ..data import x\n")
    assert imports_of(fake / "data" / "__init__.py", fake) == {"otgan.training.fit"}
    assert violations(fake) == ["otgan.data (layer 5) imports otgan.training.fit (layer 9)"]
    assert find_cycle(graph(fake)) == ["otgan.data", "otgan.training.fit", "otgan.data"]


def test_config_reads_only_the_specs_of_methods_metrics_data_and_networks():
    """config.py sits below the implementations: of methods/, metrics/, data/ and nets/ it may
    import only their ``specs.py`` (names, fields, presets), never a module that loads PyTorch."""
    deps = imports_of(ROOT / "config.py")
    packages = ("methods", "metrics", "data", "nets")
    inside = sorted(d for d in deps if d.split(".")[1:2] and d.split(".")[1] in packages)
    assert inside and all(d.endswith(".specs") for d in inside), inside


def test_specs_import_no_implementation():
    """A spec module imports only the bottom layers (errors, fields), so reading it is cheap."""
    for path in ROOT.rglob("specs.py"):
        for dep in imports_of(path):
            assert LEVEL[component(dep)] < LEVEL["specs"], f"{module_name(path)} imports {dep}"
