"""X-Forwarded-Proto is trusted only when the deployment says a proxy sets it."""

import os
import subprocess
import sys

from django.conf import settings


def _proxy_header_setting(**env: str) -> str:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
        "'gis_platform.settings'; django.setup(); from django.conf import settings;"
        " print(settings.SECURE_PROXY_SSL_HEADER)"
    )
    environ = dict(os.environ)
    environ.pop("DJANGO_TRUST_X_FORWARDED_PROTO", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**environ, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_forwarded_proto_is_not_trusted_by_default(client, tangerang):
    response = client.get("/ogc/kota-tangerang/?f=json", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    hrefs = [link["href"] for link in response.json()["links"]]
    assert hrefs
    assert all(href.startswith("http://testserver/") for href in hrefs)


def test_forwarded_proto_setting_is_off_unless_enabled():
    assert _proxy_header_setting() == "None"
    assert _proxy_header_setting(DJANGO_TRUST_X_FORWARDED_PROTO="false") == "None"
    assert _proxy_header_setting(DJANGO_TRUST_X_FORWARDED_PROTO="true") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )
