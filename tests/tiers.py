"""Which test modules are pure (their imports reach neither aws-cdk-lib nor moto) and which hold CLI
or emulator tests, found without importing them.

``make test-fast`` runs the pure ones alone, so that a change to a rule is answered in seconds. The
answer comes from the source: every ``import`` in the test module (its functions included) and,
through the project's own modules, what they import when loaded, in turn. A name
``constructs_lib`` loads on first use (its ``_LAZY`` table) counts as an import of its module. What
this misses (a library function that imports aws-cdk-lib when called, a fixture) is caught at run
time: ``make test-fast`` refuses to import jsii or to start Node.js.

``make test``'s CLI and emulator tier imports only the modules that mark a test ``cli`` or
``emulator`` or ask for a fixture that makes it one (``holds_cli_tests``): importing the other
modules only to deselect their tests cost the tier seconds. A run that collects every module checks
the rule (``tests/conftest.py``): a CLI or emulator test in a module it misses stops the run.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from constructs_lib import _LAZY
from tooling.cdk import ROOT

NODE_PACKAGES = frozenset({"aws_cdk", "jsii", "cdk_nag", "constructs"})
"""Packages that run on jsii: importing any of them starts Node.js."""
SERVICE_PACKAGES = frozenset({"moto"})
"""AWS's APIs simulated (in process or as the emulator): real, but seconds a test."""
NODE_FIXTURES = frozenset(
    {
        "stack",
        "app_templates",
        "app_assembly_dir",
        "emulator",
        "bootstrapped_emulator",
        "cli_app_assembly",
        "changed_app_assembly",
    }
)
"""The shared fixtures (``tests/conftest.py``) that synthesize or deploy."""
CLI_MARKS = frozenset({"cli", "emulator"})
CLI_FIXTURES = frozenset({"emulator", "bootstrapped_emulator", "cli_app_assembly"})
"""The fixtures that make a test a CLI or emulator test (``tests/conftest.py`` marks it)."""


def _source(module: str) -> Path | None:
    """The project's file for ``module``, or None for a module from elsewhere."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _executed_nodes(tree: ast.AST, *, with_functions: bool) -> list[ast.AST]:
    """The nodes of ``tree`` that run: never those under ``if TYPE_CHECKING:``, and those in a
    function's body only if ``with_functions`` (a test's own code runs; a library's runs if called)."""
    nodes: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
        elif with_functions or not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            pending.extend(ast.iter_child_nodes(node))
    return nodes


def _imports(path: Path, package: str) -> set[str]:
    """Every module ``path`` imports, by absolute name (``package`` resolves relative imports)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(), str(path))
    for node in _executed_nodes(tree, with_functions=package.split(".")[0] == "tests"):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, node.module] if node.module else parts)
            else:
                base = node.module or ""
            found.add(base)
            for alias in node.names:
                found.add(f"{base}.{alias.name}")
                if base == "constructs_lib" and alias.name in _LAZY:
                    found.add(_LAZY[alias.name])
    return found


@cache
def _edges(module: str) -> frozenset[str]:
    """The modules ``module`` imports, and its parent packages (imported first), if it is the project's."""
    path = _source(module)
    if path is None:
        return frozenset()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    return frozenset(_imports(path, package) | parents)


def import_path(module: str, packages: frozenset[str]) -> list[str] | None:
    """A chain of imports from ``module`` to one of ``packages``, or None if none is reached."""
    came_from: dict[str, str | None] = {module: None}
    pending = [module]
    while pending:
        current = pending.pop()
        if current.split(".")[0] in packages:
            chain: list[str] = []
            step: str | None = current
            while step is not None:
                chain.append(step)
                step = came_from[step]
            return chain[::-1]
        for name in sorted(_edges(current)):
            if name not in came_from:
                came_from[name] = current
                pending.append(name)
    return None


def _module(test_file: Path) -> str:
    return ".".join(test_file.resolve().relative_to(ROOT).with_suffix("").parts)


def starts_node(test_file: Path) -> bool:
    """Whether importing ``test_file`` (a module under ROOT) loads aws-cdk-lib, directly or not."""
    return import_path(_module(test_file), NODE_PACKAGES) is not None


def is_pure(test_file: Path) -> bool:
    """Whether importing ``test_file`` loads neither aws-cdk-lib nor moto."""
    return import_path(_module(test_file), NODE_PACKAGES | SERVICE_PACKAGES) is None


@cache
def holds_cli_tests(test_file: Path) -> bool:
    """Whether ``test_file`` marks anything ``cli`` or ``emulator`` (``pytest.mark.cli``, its module's
    ``pytestmark``) or names a fixture of ``CLI_FIXTURES`` as a parameter (a test's or a fixture's)."""
    for node in ast.walk(ast.parse(test_file.read_text(), str(test_file))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in CLI_MARKS
            and ast.unparse(node.value).endswith("mark")
        ):
            return True
        if isinstance(node, ast.arg) and node.arg in CLI_FIXTURES:
            return True
    return False
