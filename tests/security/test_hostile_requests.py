"""Query strings typed or forged by hand get a page, never a server error.

Tandem's pages read a few values from the query string (a mapping to start from, a page
number, a chart window, where to go back to). Whatever is put there, the page answers as if
it were absent or names the problem; nothing reaches the database unchecked.
"""

import pytest
from django.test import Client

from .pages import project_pages

pytestmark = pytest.mark.django_db

# The query-string values Tandem's own views read.
PARAMETERS = ["table_mapping", "mapping", "page", "chart", "next", "before", "after"]
HOSTILE = ["x' or 1 eq 1", "<b>bold</b>", "-1", "%00", "1e999", "9" * 18, "a" * 3000]
TANDEM_APPS = ("admin/tandem/", "admin/synclog/", "admin/integration/")


def tandem_pages(samples):
    return [p for p in project_pages(samples) if p.route.startswith(TANDEM_APPS)]


def test_hostile_query_strings_get_a_page_not_a_server_error(superuser, samples):
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    problems = []
    for page in tandem_pages(samples):
        for value in HOSTILE:  # in every parameter at once: each page reads its own
            response = client.get(page.url, dict.fromkeys(PARAMETERS, value))
            if response.status_code >= 500:
                problems.append(f"{page} ={value[:20]}: {response.status_code}")
            elif b"<b>bold</b>" in response.content:
                problems.append(f"{page} ={value[:20]}: shown as HTML")
    assert not problems, "\n".join(problems)


def test_a_link_that_names_a_mapping_by_its_id_still_opens_its_fields(superuser, samples):
    from integration.models import IntegrationTableMapping

    client = Client()
    client.force_login(superuser)
    customer = IntegrationTableMapping.objects.get(name="CUSTOMER")
    page = "/admin/integration/integrationfieldmapping/add/"

    named = client.get(page, {"table_mapping": str(customer.pk)}).content.decode()
    forged = client.get(page, {"table_mapping": f"{customer.pk}' or 1 eq 1"}).content.decode()

    assert "credit_limit_lcy" in named, "the customer's fields to choose from"
    assert "credit_limit_lcy" not in forged
