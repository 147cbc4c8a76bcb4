"""Console search (ticket, text, address) and the CSV export of the filtered list:
staff only, the same filters and scope as the list, spreadsheet formulas made inert."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from reports.console_csv import neutralise
from reports.models import Report
from tenancy.models import Role
from tests.reports.conftest import staff, submit

pytestmark = pytest.mark.django_db

LIST = "/api/{}/reports/console/reports"
CSV = "/api/{}/reports/console/reports.csv"


def tickets(client: Client, city, **params) -> list[str]:
    response = client.get(LIST.format(city.slug), params)
    assert response.status_code == 200, response.content
    return sorted(r["ticket"] for r in response.json()["reports"])


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def three(city):
    a = submit(
        Client(), city, description="Lubang di depan pasar", address="Jl. Merdeka 1"
    )
    b = submit(Client(), city, description="Aspal retak", address="Jl. Sudirman 9")
    c = submit(Client(), city, category="sampah", answers="{}", description="Sampah")
    return [r.json()["ticket"] for r in (a, b, c)]


def test_search_by_ticket_text_or_address(city, operator_client, three):
    a, b, _c = three
    assert tickets(operator_client, city, q=a.lower()) == [a]
    assert tickets(operator_client, city, q="PASAR") == [a]
    assert tickets(operator_client, city, q="sudirman") == [b]
    assert tickets(operator_client, city, q="tidak ada") == []
    # Search narrows the other filters, it does not replace them.
    assert tickets(operator_client, city, q="jl.", category="sampah") == []
    bad = operator_client.get(LIST.format(city.slug), {"q": "x\x00y"})
    assert bad.status_code == 400


def test_csv_export_respects_filters_and_scope(city, operator_client, three):
    a, b, c = three
    indonesian = operator_client.get(CSV.format(city.slug), HTTP_ACCEPT_LANGUAGE="id")
    assert sorted(r["Tiket"] for r in read_csv(indonesian)) == sorted(three)
    english = operator_client.get(CSV.format(city.slug), HTTP_ACCEPT_LANGUAGE="en")
    rows = read_csv(english)
    assert set(rows[0]) >= {"Ticket", "Status", "Address", "Submitted", "Due"}
    assert rows[0]["Submitted"].endswith("+07:00")  # Kota Tangerang, WIB
    only = read_csv(
        operator_client.get(
            CSV.format(city.slug), {"q": "sudirman"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert [r["Ticket"] for r in only] == [b]
    # An agency sees its own queue only, in the list and in the file.
    pu = Client()
    pu.force_login(staff(city, Role.AGENCY_EDITOR, "dinas-pu"))
    own = read_csv(pu.get(CSV.format(city.slug), HTTP_ACCEPT_LANGUAGE="en"))
    assert sorted(r["Ticket"] for r in own) == tickets(pu, city) == sorted([a, b])
    assert c not in {r["Ticket"] for r in own}


def test_csv_export_is_staff_only_and_checks_filters_first(city, operator_client):
    planner = Client()
    planner.force_login(staff(city, Role.PLANNER))
    for client in (Client(), planner):
        assert client.get(CSV.format(city.slug)).status_code == 403
    bad = operator_client.get(CSV.format(city.slug), {"category": "nope"})
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/json")


def test_csv_export_neutralises_spreadsheet_formulas(city, operator_client):
    ticket = submit(
        Client(),
        city,
        description='=HYPERLINK("http://evil.example","klik")',
        address="+62 21 555",
    ).json()["ticket"]
    Report.objects.filter(ticket=ticket).update(address="\t=cmd|' /C calc'!A0")
    rows = read_csv(
        operator_client.get(
            CSV.format(city.slug), {"q": ticket}, HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert rows[0]["Description"] == '\'=HYPERLINK("http://evil.example","klik")'
    assert rows[0]["Address"] == "'\t=cmd|' /C calc'!A0"
    assert float(rows[0]["lat"]) < 0  # numbers stay numbers
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("Jl. Merdeka") == "Jl. Merdeka"
    assert neutralise(-6.17) == -6.17
