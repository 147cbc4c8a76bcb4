"""In Chromium: a station's colour on the air-quality map is its ISPU category's,
a stale station is drawn grey, and a market's page shows its price table and a
chart drawn from the aggregates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from observations.models import Thing, ThingKind, ThingStatus
from observations.selectors import day_start, local_today
from observations.services import ingest_rows
from tests.browser import wait_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_station_colour_on_the_map_and_a_market_price_table(
    page, live_server, city, station, pm25, market, rice, console_errors
):
    # Not rounded to the hour: a value an hour old must not turn stale mid-test.
    now = timezone.now()
    old = Thing.objects.create(
        city=city,
        code="aqm-old",
        name="Stasiun Lama",
        kind=ThingKind.STATION,
        geom=Point(106.62, -6.19, srid=4326),
    )
    rows = [
        # 100 µg/m³ PM2.5 over 24 h: ISPU 147, Tidak Sehat (yellow).
        {
            "thing": "aqm-1",
            "property": "pm25",
            "time": (now - timedelta(hours=h)).isoformat(),
            "value": 100 + h % 3 - 1,
            "unit": "µg/m³",
        }
        for h in range(24)
    ] + [
        {
            "thing": "aqm-old",
            "property": "pm25",
            "time": (now - timedelta(days=2)).isoformat(),
            "value": 10,
            "unit": "µg/m³",
        }
    ]
    today = day_start(city, local_today(city))
    rows += [
        {
            "thing": "pasar-uji",
            "property": "beras-medium",
            "time": (today - timedelta(days=d, hours=-8)).isoformat(),
            "value": 13000 + 250 * (d == 0),
            "unit": "Rp/kg",
        }
        for d in range(8)
    ]
    assert ingest_rows(city, rows).written
    colour = ThingStatus.objects.get(thing=station).colour
    assert colour == "#ffcc00"

    page.goto(f"{live_server.url}/{city.slug}/environment/")
    wait_js(page, "document.body.dataset.mapReady === '2'")
    fill = page.evaluate(
        "document.querySelector('path.thing-aqm-1').getAttribute('fill')"
    )
    assert fill == colour
    stale = page.evaluate(
        "document.querySelector('path.thing-aqm-old').getAttribute('class')"
    )
    assert "is-stale" in stale
    assert (
        page.evaluate(
            "document.querySelector('path.thing-aqm-old').getAttribute('fill')"
        )
        == "#9ca3af"
    )
    assert old.pk

    page.goto(f"{live_server.url}/{city.slug}/markets/pasar-uji/")
    row = page.locator("#market-prices tr[data-property='beras-medium']")
    # The page's language decides the separators (13,250 or 13.250).
    digits = row.locator("td.today").inner_text().replace(",", "").replace(".", "")
    assert "13250" in digits
    # vs yesterday: +1.9 % (13,000 -> 13,250)
    assert row.locator("td").nth(1).inner_text().replace(",", ".") == "1.9%"
    wait_js(page, "Number(document.body.dataset.seriesPoints || 0) > 0")
    page.click("button[data-range='30d']")
    wait_js(page, "document.querySelector('#series-chart canvas') !== null")
    assert console_errors == []
