"""The role x transition table (docs/architecture.md, "Who may move a report"), walked
through the console API for every status pair. An agency's own editor used to be able
to do nothing with a verified report routed to it but press a Reject button that
answered 403; it now accepts, starts and resolves its own reports."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from reports.models import Report, ReportEvent, Status
from tenancy.models import Agency, Role
from tests.reports.conftest import staff, submit

pytestmark = pytest.mark.django_db

S = Status
# What the control room (operators, city administrators) may do with `transition`.
CONTROL_ROOM = {
    (S.SUBMITTED, S.VERIFIED),
    (S.SUBMITTED, S.REJECTED),
    (S.VERIFIED, S.REJECTED),
    (S.ASSIGNED, S.IN_PROGRESS),
    (S.ASSIGNED, S.RESOLVED),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.IN_PROGRESS),
    (S.CLOSED, S.IN_PROGRESS),
    (S.REJECTED, S.SUBMITTED),
}
# What the agency a report is routed to (editors, field officers) may do.
AGENCY = {
    (S.VERIFIED, S.ASSIGNED),  # accept
    (S.ASSIGNED, S.IN_PROGRESS),  # start
    (S.ASSIGNED, S.RESOLVED),
    (S.IN_PROGRESS, S.RESOLVED),
}
ROLES = {
    "operator": (Role.OPERATOR, None, CONTROL_ROOM),
    "city_admin": (Role.CITY_ADMIN, None, CONTROL_ROOM),
    "agency_editor": (Role.AGENCY_EDITOR, "dinas-pu", AGENCY),
    "field_officer": (Role.FIELD_OFFICER, "dinas-pu", AGENCY),
}


def act(client: Client, city, ticket: str, **data):
    return client.post(
        f"/api/{city.slug}/reports/console/reports/{ticket}/action",
        json.dumps(data),
        content_type="application/json",
    )


@pytest.mark.parametrize("who", list(ROLES))
def test_role_transition_table(city, who):
    role, agency, allowed = ROLES[who]
    client = Client()
    client.force_login(staff(city, role, agency))
    pu = Agency.objects.get(city=city, slug="dinas-pu")
    ticket = submit(Client(), city).json()["ticket"]  # routed to dinas-pu
    report = Report.objects.get(ticket=ticket)
    walked = 0
    for start in S.values:
        for to in S.values:
            Report.objects.filter(pk=report.pk).update(status=start, agency=pu)
            response = act(client, city, ticket, action="transition", status=to)
            if (start, to) in allowed:
                expected = 200
            elif (start, to) in CONTROL_ROOM:
                expected = 403  # the control room's decision, not the agency's
            else:
                expected = 400  # nobody: assign, merge, or not a move at all
            assert response.status_code == expected, (who, start, to, response.content)
            if expected == 200:
                assert Report.objects.get(pk=report.pk).status == to
                walked += 1
            else:
                assert Report.objects.get(pk=report.pk).status == start
    assert walked == len(allowed)


def test_agency_accepts_starts_and_resolves_its_own_report(city, operator_client):
    ticket = submit(Client(), city).json()["ticket"]
    act(operator_client, city, ticket, action="transition", status="verified")
    editor = Client()
    editor.force_login(staff(city, Role.AGENCY_EDITOR, "dinas-pu"))
    page = editor.get(f"/{city.slug}/reports/console/").content.decode()
    config = page.split('id="console-config" type="application/json">')[1]
    transitions = json.loads(config.split("</script>")[0])["transitions"]
    assert transitions["verified"] == ["assigned"]  # shown as "Accept"
    assert transitions["submitted"] == []
    for to in ("assigned", "in_progress", "resolved"):
        r = act(editor, city, ticket, action="transition", status=to, note=to)
        assert r.status_code == 200, r.content
    accepted = ReportEvent.objects.get(report__ticket=ticket, note="assigned")
    assert accepted.kind == ReportEvent.Kind.ASSIGNED
    assert accepted.agency.slug == "dinas-pu"
    # Another agency's editor cannot touch it.
    dlh = Client()
    dlh.force_login(staff(city, Role.AGENCY_EDITOR, "dlh"))
    r = act(dlh, city, ticket, action="transition", status="in_progress")
    assert r.status_code == 404
