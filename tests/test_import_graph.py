"""Dependencies between apps point one way (issue 12; README "Layout").

A static check with ``ast``: nothing is imported, no database, milliseconds.

* **Domain modules** (everything in an app but its interface) depend on the domain modules of
  the apps below them only, in the order of ``LAYERS``. Every import counts — module level,
  inside a function, under ``if TYPE_CHECKING:`` — since an import inside a function is a
  dependency all the same; it only hides the cycle from Python.
* **Interface modules** (``api/``, ``admin.py`` and ``admin_*.py``, ``management/``,
  ``bot.py``) compose the
  domains: they may import any app. No domain module imports an interface module (event
  payloads are built without API serializers; services never import views).
* **The kernel** ``flowercrm/`` depends on no app: no module-level import of an app (type-only
  imports aside), and in-function imports only at the composition points listed below.

A new app must be placed in ``LAYERS``; a new dependency that points up fails here with the
file and line.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL = "flowercrm"
# Lowest first: an app's domain may import the domains of the apps before it.
LAYERS = [
    "accounts",
    "shops",
    "warehouse",
    "catalog",
    "supplies",
    "customers",
    "production",
    "orders",
    "reports",
    "exchange",
]
INTERFACE_PARTS = {"api", "management", "tests", "migrations", "web"}
INTERFACE_FILES = {"admin.py", "bot.py", "conftest.py"}
# Kernel modules that look up memberships inside a function (the request's and the admin's).
KERNEL_FUNCTION_IMPORTS_ALLOWED = {"flowercrm/admin.py", "flowercrm/auth.py"}

Import = tuple[str, int, str, str]  # (file, line, imported dotted name, kind: top | func | typing)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports_of(path: Path) -> list[Import]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    rel = str(path.relative_to(ROOT))
    found: list[Import] = []

    def walk(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            child_kind = "func" if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else kind
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for stmt in child.body:
                    walk(ast.Module(body=[stmt], type_ignores=[]), "typing")
                for stmt in child.orelse:
                    walk(ast.Module(body=[stmt], type_ignores=[]), kind)
                continue
            if isinstance(child, ast.Import):
                found.extend((rel, child.lineno, alias.name, child_kind) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    up = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join(up + ([child.module] if child.module else []))
                found.extend((rel, child.lineno, f"{base}.{alias.name}", child_kind) for alias in child.names)
            walk(child, child_kind)

    walk(ast.parse(path.read_text(encoding="utf-8")), "top")
    return found


def _app_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if parts[0] == "apps" and len(parts) > 1 else None


def _is_interface(rel_or_dotted: str) -> bool:
    parts = rel_or_dotted.replace("/", ".").removesuffix(".py").split(".")
    name = parts[-1]
    return bool(INTERFACE_PARTS & set(parts[2:])) or f"{name}.py" in INTERFACE_FILES or name.startswith("admin_")


def _domain_files() -> list[Path]:
    return [p for p in sorted((ROOT / "apps").rglob("*.py")) if not _is_interface(str(p.relative_to(ROOT)))]


def test_every_app_has_a_layer() -> None:
    apps = {p.name for p in (ROOT / "apps").iterdir() if (p / "apps.py").exists()}
    assert apps == set(LAYERS), f"place every app in LAYERS: missing {apps - set(LAYERS)}, gone {set(LAYERS) - apps}"


def test_domain_dependencies_point_down_the_layers() -> None:
    rank = {app: i for i, app in enumerate(LAYERS)}
    upward: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _domain_files():
        for rel, line, target, kind in _imports_of(path):
            source_app, target_app = _app_of(_module_name(path)), _app_of(target)
            if source_app and target_app and source_app != target_app and rank[target_app] > rank[source_app]:
                upward[(source_app, target_app)].append(f"{rel}:{line} ({kind}) {target}")
    report = [f"{a} -> {b}:\n    " + "\n    ".join(lines) for (a, b), lines in sorted(upward.items())]
    assert not report, (
        "a domain module imports an app above it (order: " + " < ".join(LAYERS) + "); move the piece "
        "to the lower app, or compose the two in an interface module:\n" + "\n".join(report)
    )


def test_domain_modules_never_import_interface_modules() -> None:
    bad = [
        f"{rel}:{line} ({kind}) {target}"
        for path in _domain_files()
        for rel, line, target, kind in _imports_of(path)
        if _app_of(target) and _is_interface(target)
    ]
    assert not bad, "a domain module imports an API/admin/command module:\n" + "\n".join(bad)


def test_the_kernel_depends_on_no_app() -> None:
    bad = [
        f"{rel}:{line} ({kind}) {target}"
        for path in sorted((ROOT / KERNEL).rglob("*.py"))
        if "tests" not in path.relative_to(ROOT).parts
        for rel, line, target, kind in _imports_of(path)
        if _app_of(target) and (kind == "top" or (kind == "func" and rel not in KERNEL_FUNCTION_IMPORTS_ALLOWED))
    ]
    assert not bad, "flowercrm/ is the kernel and must not depend on apps:\n" + "\n".join(bad)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The parser finds imports at every level (a check that cannot fail is worse than none)."""
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from apps.orders.models import Order\n"
        "if TYPE_CHECKING:\n    from apps.shops.models import Shop\n"
        "def f():\n    from apps.customers import services\n",
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        kinds = {(target, kind) for _, _, target, kind in _imports_of(source)}
    finally:
        ROOT = saved
    assert ("apps.orders.models.Order", "top") in kinds
    assert ("apps.shops.models.Shop", "typing") in kinds
    assert ("apps.customers.services", "func") in kinds
    assert _is_interface("apps/orders/api/views.py") and _is_interface("apps.shops.admin")
    assert _is_interface("apps/orders/admin_desk.py") and not _is_interface("apps/orders/selectors.py")
    assert not _is_interface("apps/orders/services/intake.py")
