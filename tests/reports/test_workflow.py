"""Working reports: transitions, assignment, merge, roles and agency queues."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from reports.models import Report, Status
from tenancy.models import Role
from tests.factories import AgencyFactory
from tests.reports.conftest import staff, submit

pytestmark = pytest.mark.django_db


def act(client: Client, city, ticket: str, **data):
    return client.post(
        f"/api/{city.slug}/reports/console/reports/{ticket}/action",
        json.dumps(data),
        content_type="application/json",
    )


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_operator_walks_a_report_to_closed_with_a_timeline(city, operator_client):
    ticket = submit(Client(), city).json()["ticket"]
    c = operator_client
    assert (
        act(c, city, ticket, action="transition", status="verified").status_code == 200
    )
    r = act(c, city, ticket, action="assign", agency="dinas-pu", note="PU", public=True)
    assert r.json()["status"] == "assigned"
    bad = act(c, city, ticket, action="transition", status="closed")
    assert bad.status_code == 400
    for status in ("in_progress", "resolved", "closed"):
        r = act(c, city, ticket, action="transition", status=status, note=f"n-{status}")
        assert r.status_code == 200, r.content
    r = act(c, city, ticket, action="transition", status="in_progress", note="reopen")
    assert r.json()["status"] == "in_progress"
    timeline = r.json()["timeline"]
    assert [e["to"] for e in timeline] == [
        "submitted",
        "verified",
        "assigned",
        "in_progress",
        "resolved",
        "closed",
        "in_progress",
    ]
    assert all(e["actor"] for e in timeline[1:])


def test_merge_keeps_supporter_count(city, operator_client):
    a = submit(Client(), city).json()["ticket"]
    b = submit(Client(), city).json()["ticket"]
    Report.objects.filter(ticket=b).update(supporter_count=2)
    r = act(operator_client, city, b, action="merge", into=a)
    assert r.json()["status"] == "duplicate"
    assert Report.objects.get(ticket=a).supporter_count == 3
    assert Report.objects.get(ticket=b).duplicate_of.ticket == a


def test_overdue_filter_and_flag(city, operator_client):
    late = submit(Client(), city).json()["ticket"]
    submit(Client(), city)
    Report.objects.filter(ticket=late).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    rows = operator_client.get(
        f"/api/{city.slug}/reports/console/reports", {"overdue": "1"}
    ).json()["reports"]
    assert [(r["ticket"], r["overdue"]) for r in rows] == [(late, True)]


def test_agency_sees_and_works_only_its_queue(city, pu_editor, dlh_editor):
    road = submit(Client(), city).json()["ticket"]  # routed to dinas-pu
    trash = submit(Client(), city, category="sampah", answers="{}").json()["ticket"]
    pu, dlh = login(pu_editor), login(dlh_editor)
    listed = pu.get(f"/api/{city.slug}/reports/console/reports").json()["reports"]
    assert [r["ticket"] for r in listed] == [road]
    assert (
        pu.get(f"/api/{city.slug}/reports/console/reports/{trash}").status_code == 404
    )
    assert act(pu, city, trash, action="note", note="x").status_code == 404
    # Agency staff may not verify, assign or reject: that is the control room's.
    assert (
        act(pu, city, road, action="transition", status="verified").status_code == 403
    )
    assert act(pu, city, road, action="assign", agency="dlh").status_code == 403
    Report.objects.filter(ticket=road).update(status=Status.ASSIGNED)
    r = act(pu, city, road, action="transition", status="in_progress")
    assert r.status_code == 200
    assert (
        dlh.get(f"/api/{city.slug}/reports/console/reports/{road}").status_code == 404
    )


def test_public_and_planners_get_no_console(city):
    ticket = submit(Client(), city).json()["ticket"]
    planner = login(staff(city, Role.PLANNER))
    for c in (Client(), planner):
        assert c.get(f"/api/{city.slug}/reports/console/reports").status_code in (
            401,
            403,
        )
        r = act(c, city, ticket, action="transition", status="verified")
        assert r.status_code in (401, 403)
    assert Report.objects.get(ticket=ticket).status == "submitted"


def test_another_citys_ids_are_refused(city, gorontalo, operator_client):
    ticket = submit(Client(), city).json()["ticket"]
    foreign = AgencyFactory(city=gorontalo, slug="dinas-pu-gtlo")
    r = act(operator_client, city, ticket, action="assign", agency=foreign.slug)
    assert r.status_code == 400
    listed = operator_client.get(
        f"/api/{city.slug}/reports/console/reports", {"agency": foreign.slug}
    )
    assert listed.status_code == 400
    # A Gorontalo operator cannot touch a Tangerang report through either city.
    gtlo_op = login(staff(gorontalo, Role.OPERATOR))
    assert act(gtlo_op, city, ticket, action="note", note="x").status_code == 403
    assert act(gtlo_op, gorontalo, ticket, action="note", note="x").status_code == 404


def test_bulk_action_is_all_or_nothing(city, operator_client):
    a = submit(Client(), city).json()["ticket"]
    b = submit(Client(), city).json()["ticket"]
    Report.objects.filter(ticket=b).update(status=Status.CLOSED)
    url = f"/api/{city.slug}/reports/console/bulk"
    bad = operator_client.post(
        url,
        json.dumps({"tickets": [a, b], "action": "transition", "status": "verified"}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert b in bad.json()["detail"]
    assert Report.objects.get(ticket=a).status == "submitted"
    c = submit(Client(), city).json()["ticket"]
    ok = operator_client.post(
        url,
        json.dumps({"tickets": [a, c], "action": "assign", "agency": "dlh"}),
        content_type="application/json",
    )
    assert ok.json()["changed"] == sorted([a, c])
    assert set(
        Report.objects.filter(agency__slug="dlh").values_list("ticket", flat=True)
    ) == {a, c}


def test_list_endpoints_use_a_fixed_number_of_queries(
    city, operator_client, django_assert_max_num_queries
):
    for _ in range(6):
        submit(Client(), city)
    with django_assert_max_num_queries(8):
        rows = operator_client.get(f"/api/{city.slug}/reports/console/reports")
    assert rows.json()["count"] == 6
    with django_assert_max_num_queries(6):
        listed = Client().get(
            "/open311/v2/requests.json", {"jurisdiction_id": city.slug}
        )
    assert len(listed.json()) == 6
