"""The house rules, read from the source: every write of the database goes through a domain's
`actions.py` (or the bulk loader), so that each has its transaction, its history and its side
effects after the commit."""

import ast
from pathlib import Path

import pytest

from essaim.atlas.schema import FACTS
from essaim.atlas.vocabulary import FACETS

PACKAGE = Path(__file__).resolve().parent.parent / "essaim"
# The exceptions, in plain SQL: organisations loaded by the million (atlas/bulk.py); and two
# readers that never write: the change feed's horizon, which only PostgreSQL's own functions
# tell (core/feed.py), and the terms and identifiers of the records of every API page
# (atlas/schema.py: the ORM took longer to build those queries than to run them).
PLAIN_SQL = ("atlas/bulk.py", "core/feed.py", "atlas/schema.py")
ALWAYS_WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update",
                 "raw", "cursor"}  # fmt: skip
# A model's or a query's save() and delete() take no positional argument (a file's, an
# image's or a storage's do); a query's update() takes keywords only (a dict's takes one).
WRITES_WITHOUT_ARGUMENTS = {"save", "delete"}


def may_write(relative: str) -> bool:
    parts = relative.split("/")
    return "migrations" in parts or parts[-1] == "actions.py" or "actions" in parts[:-1] or (
        relative in PLAIN_SQL)  # fmt: skip


def is_query(node: ast.expr, assigned: dict[str, list[ast.expr]]) -> bool:
    """Whether an expression reads as a query set: `X.objects…`, `….filter(…)`, or a name
    given one in the same function."""
    if isinstance(node, ast.Name):
        return any(is_query(value, {}) for value in assigned.get(node.id, []))
    if not isinstance(node, ast.Call | ast.Attribute):  # a chain of calls, not a dict
        return False
    text = ast.unparse(node)
    return ".objects" in text or any(f".{name}(" in text for name in ("filter", "exclude", "all"))


def own_nodes(scope: ast.AST):
    """The nodes of a module or function, without those of the functions inside it."""
    for child in ast.iter_child_nodes(scope):
        yield child
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from own_nodes(child)


def writes_in(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    functions = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scopes = [tree, *(node for node in ast.walk(tree) if isinstance(node, functions))]
    for scope in scopes:
        nodes = list(own_nodes(scope))
        assigned: dict[str, list[ast.expr]] = {}
        for node in nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
        for node in nodes:
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            if (
                name in ALWAYS_WRITES
                or (name in WRITES_WITHOUT_ARGUMENTS and not node.args)
                or (
                    name == "update"
                    and not node.args
                    and node.keywords
                    and is_query(node.func.value, assigned)
                )  # fmt: skip
            ):
                found.append((node.lineno, ast.unparse(node)[:80]))
    return sorted(set(found))


def test_every_write_goes_through_an_action():
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if may_write(relative):
            continue
        offences += [f"essaim/{relative}:{line}: {call}"
                     for line, call in writes_in(ast.parse(path.read_text()))]  # fmt: skip
    assert offences == [], "Writes outside actions.py:\n" + "\n".join(offences)


@pytest.mark.parametrize("source, found", [
    ("Organisation.objects.filter(pk=1).update(name='x')", True),
    ("def f():\n    rows = Source.objects.all()\n    rows.update(position=0)", True),
    ("item.save()", True),
    ("Tool.objects.get_or_create(slug='x')", True),
    ("with connection.cursor() as cursor: pass", True),
    ("org.delete()", True),
    ("context.update(page=1)", False),
    ("fields.update(other)", False),
    ("image.save(buffer, format='WEBP')", False),
    ("default_storage.delete(name)", False),
])  # fmt: skip
def test_the_rule_sees_writes_and_only_writes(source, found):
    assert bool(writes_in(ast.parse(source))) is found


def test_the_admin_writes_through_actions_or_not_at_all(rf):
    """Every admin of Essaim's models either cannot change what it shows, or hands each kind
    of write (save, delete one, delete a selection, and its inlines) to the actions."""
    from django.contrib import admin
    from django.contrib.admin import ModelAdmin

    from essaim.accounts.models import User

    request = rf.get("/admin/")
    request.user = User(username="root", is_superuser=True, is_active=True, is_staff=True)
    offences = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("essaim."):
            continue
        kind = type(model_admin)

        def overrides(*names, kind=kind):
            return all(getattr(kind, name) is not getattr(ModelAdmin, name) for name in names)

        saves = model_admin.has_add_permission(request) or model_admin.has_change_permission(
            request)  # fmt: skip
        if saves and not overrides("save_model"):
            offences.append(f"{model.__name__}: save")
        if model_admin.has_delete_permission(request) and not overrides(
                "delete_model", "delete_queryset"):  # fmt: skip
            offences.append(f"{model.__name__}: delete")
        for inline in model_admin.get_inline_instances(request):
            writes = (inline.has_add_permission(request, None)
                      or inline.has_change_permission(request)
                      or inline.has_delete_permission(request))  # fmt: skip
            if writes and not overrides("save_related"):
                offences.append(f"{model.__name__}: {type(inline).__name__}")
    assert offences == [], "Admin writes outside the actions: " + ", ".join(offences)


def module_imports() -> dict[str, set[str]]:
    """Module name -> the Essaim modules it imports when it is loaded (its top level)."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        imported = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                imported.add(base)
                imported |= {f"{base}.{alias.name}" for alias in node.names}
        graph[name] = {module for module in imported if module.startswith("essaim")}
    return {name: {module for module in imported if module in graph and module != name}
            for name, imported in graph.items()}  # fmt: skip


def test_no_import_circle_and_no_import_hidden_in_a_function():
    graph = module_imports()
    # Tarjan would name every circle; a depth-first walk finding one is enough to fail.
    state: dict[str, int] = {}
    circles = []

    def walk(name: str, trail: list[str]) -> None:
        state[name] = 1
        for module in sorted(graph[name]):
            if state.get(module) == 1:
                circles.append(" → ".join([*trail[trail.index(module) :], module]))
            elif module not in state:
                walk(module, [*trail, module])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert circles == []
    hidden = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            # AppConfig.ready() is where Django wants registrations made.
            registering = path.name == "apps.py" and getattr(node, "name", "") == "ready"
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not registering:
                hidden += [f"{path.relative_to(PACKAGE)}:{inner.lineno}" for inner in ast.walk(node)
                           if isinstance(inner, ast.ImportFrom) and (inner.level or (
                               inner.module or "").startswith("essaim"))]  # fmt: skip
    assert hidden == []


def test_domains_never_import_page_views_of_others():
    offences = []
    for name, imported in module_imports().items():
        domain = name.split(".")[1] if name.count(".") else ""
        if domain in ("www", "urls"):  # the pages above the domains, and the URL map
            continue
        for module in imported:
            parts = module.split(".")
            page = parts[1] == "www" or (len(parts) > 2 and parts[2] == "views")
            if page and parts[1] != domain:
                offences.append(f"{name} imports {module}")
    assert offences == []


def test_the_search_engine_imports_no_domain():
    # The domains pass it plain documents and clauses (ESSAIM_SEARCH_DOCUMENTS names their
    # layout): a second engine is one new module, and the engine never learns what an
    # organisation is.
    below = ("essaim.search", "essaim.core")
    offences = [
        f"{name} imports {module}"
        for name, imported in module_imports().items()
        if name.startswith("essaim.search")
        for module in imported
        if not module.startswith(below)
    ]
    assert offences == []


def test_permissions_are_checked_in_one_style():
    """`check_*` raise core.permissions.NotAllowed, `access_*` fetch and check, `allows` asks:
    no `can_*` predicate beside them, no PermissionError or bare PermissionDenied raised."""
    offences = []
    for path in PACKAGE.rglob("*.py"):
        where = path.relative_to(PACKAGE)
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("can_"):
                offences.append(f"{where}:{node.lineno} def {node.name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = getattr(raised, "id", getattr(raised, "attr", ""))
                if name in ("PermissionError", "PermissionDenied"):
                    offences.append(f"{where}:{node.lineno} raise {name}")
    assert offences == []


def test_every_public_filter_is_the_facet_of_a_declared_fact():
    """The pages' and the API's filters, the index's facets and the facts are one list: a
    new fact with a facet is a new filter, and no filter outlives its fact."""
    declared = [fact.facet for fact in FACTS.values() if fact.facet]
    assert sorted(declared) == sorted(FACETS)
