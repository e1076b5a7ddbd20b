"""The README is the first page a new user reads: it must keep what they need on day one."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert found, f"the README has no section '{title}'"
    return found.group(1)


def test_the_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands == ["make run", "make test"]
    assert README.index("```sh") < README.index("\n## ")


def test_the_readme_explains_connecting_a_real_dataverse_environment():
    text = section("Connecting a real Dataverse environment")
    for essential in [
        "App registration",
        "client secret",
        "Application user",
        "security role",
        "Environment URL",
        "https://yourorg.crm.dynamics.com",
        "https://login.microsoftonline.com",
        "Test Connection",
        "No client secret is stored",
        "application user for the client id",
    ]:
        assert essential in text, essential
    assert "(docs/connect-dataverse.md)" in text
    assert (ROOT / "docs" / "connect-dataverse.md").exists()
