"""synclog stands on its own: it imports nothing from the integration app.

The log pages reach integration only through ``synclog.hooks``, which integration fills in
from its ``AppConfig.ready()``. An import the other way would tie the log to the engine and
make the two apps load each other; these checks catch it where a reviewer might not.
"""

import ast
from pathlib import Path

import synclog

SYNCLOG = Path(synclog.__file__).parent
TEMPLATES = SYNCLOG.parent / "templates" / "admin" / "synclog"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_no_synclog_module_imports_integration():
    modules = sorted(SYNCLOG.rglob("*.py"))
    assert len(modules) > 10, "the synclog package was found"
    offending = {}
    for path in modules:
        names = [name for name in imported_modules(path) if name.split(".")[0] == "integration"]
        if names:
            offending[str(path.relative_to(SYNCLOG))] = sorted(names)
    assert offending == {}


def test_synclog_templates_name_no_integration_url_or_tag():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert templates, "the synclog templates were found"
    for path in templates:
        text = path.read_text()
        assert "'integration:" not in text and '"integration:' not in text, path.name
        assert "tandem_records" not in text, path.name
