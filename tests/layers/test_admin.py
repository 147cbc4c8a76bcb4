"""The admin's map widgets work offline."""

import pytest
from django.contrib.auth import get_user_model

from tenancy.models import AdminArea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_area_map_widget_loads_offline(
    page, live_server, tangerang, external_requests, console_errors
):
    get_user_model().objects.create_superuser("admin", "a@example.org", "pw-Secret-123")
    area = AdminArea.objects.get(city=tangerang, code="36.71.01")
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-Secret-123")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/tenancy/adminarea/{area.pk}/change/")
    page.wait_for_selector(".leaflet-container path.leaflet-interactive")
    assert page.locator("#id_name").input_value() == "Tangerang"
    assert failed == []
    assert external_requests == []
    assert console_errors == []
