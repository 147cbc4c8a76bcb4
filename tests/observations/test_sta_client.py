"""The SensorThings API read by Fraunhofer's own client, frost_sta_client, over
real HTTP against a live server (pytest-django's live_server)."""

from __future__ import annotations

from datetime import datetime

import frost_sta_client as fsc
import pytest
import requests
from dateutil.parser import isoparse

from tests.observations.sta_world import World, build

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # frost_sta_client calls furl's deprecated pathstr.
    pytest.mark.filterwarnings("ignore:furl.pathstr is deprecated:DeprecationWarning"),
]


@pytest.fixture
def world(transactional_db) -> World:
    return build()


@pytest.fixture
def service(live_server, world) -> fsc.SensorThingsService:
    return fsc.SensorThingsService(f"{live_server.url}/sta/{world.city.slug}/v1.1")


def test_frost_client_lists_things_follows_a_datastream_and_pages(service, world):
    things = service.things().query().list()
    # The station on an agency-only layer and the other city's station are absent.
    assert sorted(t.name for t in things) == ["Pasar Anyar", "Stasiun Cikokol"]

    stream = service.datastreams().find(world.pm25.pk)
    assert stream.unit_of_measurement.symbol == "µg/m³"
    assert stream.unit_of_measurement.name == "microgram per cubic metre"

    window = (
        "phenomenonTime ge 2026-10-01T07:00:00+07:00 "
        "and phenomenonTime lt 2026-10-06T00:00:00Z"
    )
    observations = (
        stream.get_observations()
        .query()
        .filter(window)
        .orderby("phenomenonTime", "asc")
        .top(50)
        .count()
        .list()
    )
    assert observations.count == 5 * 24
    assert observations.next_link  # 120 readings, 50 a page
    seen = list(observations)  # the client follows @iot.nextLink
    times = [isoparse(o.phenomenon_time) for o in seen]
    assert len(times) == 120
    assert times == sorted(times)
    assert times[0] == datetime.fromisoformat("2026-10-01T00:00:00+00:00")
    assert times[-1] == datetime.fromisoformat("2026-10-05T23:00:00+00:00")
    assert all(o.result is not None for o in seen)


def test_frost_client_reads_expanded_entities(service, world):
    things = (
        service.things()
        .query()
        .filter(f"id eq {world.station.pk}")
        .expand(
            "Locations,Datastreams($expand=ObservedProperty,"
            "Observations($top=2;$orderby=phenomenonTime desc))"
        )
        .list()
    )
    thing = things.get(0)
    assert thing.name == "Stasiun Cikokol"
    location = thing.locations.get(0)
    assert location.location["coordinates"] == [106.63, -6.18]
    stream = thing.datastreams.get(0)
    assert stream.observed_property.name == "PM2.5"
    # The first page only (iterating would follow the expanded nextLink).
    latest = [isoparse(o.phenomenon_time) for o in stream.observations.entities]
    assert latest == [
        datetime.fromisoformat("2026-10-31T23:00:00+00:00"),
        datetime.fromisoformat("2026-10-31T22:00:00+00:00"),
    ]
    # An expanded collection pages through its own nextLink in the client too.
    streams = (
        service.datastreams()
        .query()
        .filter(f"id eq {world.rice.pk}")
        .expand("Observations($top=25;$orderby=phenomenonTime)")
        .list()
    )
    rice = streams.get(0)
    assert rice.observations.next_link
    assert len(list(rice.observations)) == 61
    # The flagged reading carries its quality flag.
    flagged = (
        stream.get_observations()
        .query()
        .filter("phenomenonTime eq 2026-09-01T04:00:00Z")
        .list()
        .get(0)
    )
    assert flagged.result_quality == ["out_of_range"]


def test_geo_filters_over_http(live_server, world):
    base = f"{live_server.url}/sta/{world.city.slug}/v1.1"
    box = (
        "POLYGON((106.62 -6.19, 106.635 -6.19, 106.635 -6.17, 106.62 -6.17, "
        "106.62 -6.19))"
    )
    answer = requests.get(
        f"{base}/Things",
        params={"$filter": f"st_within(Locations/location, geography'{box}')"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert [t["name"] for t in answer.json()["value"]] == ["Stasiun Cikokol"]

    near = requests.get(
        f"{base}/Locations",
        params={
            "$filter": "geo.distance(location, geography'POINT(106.64 -6.17)') lt 500",
            "$select": "name,location",
        },
        timeout=10,
    )
    assert near.status_code == 200
    assert near.json()["value"] == [
        {
            "name": "Pasar Anyar",
            "location": {"type": "Point", "coordinates": [106.64, -6.17]},
        }
    ]

    both = requests.get(
        f"{base}/FeaturesOfInterest",
        params={
            "$filter": "geo.intersects(feature, geography'POLYGON((106.6 -6.2, "
            "106.65 -6.2, 106.65 -6.1, 106.6 -6.1, 106.6 -6.2))') and "
            "geo.distance(feature, geography'POINT(106.63 -6.18)') ge 0",
            "$orderby": "name desc",
        },
        timeout=10,
    )
    assert [f["name"] for f in both.json()["value"]] == [
        "Stasiun Cikokol",
        "Pasar Anyar",
    ]
    assert both.json()["value"][0]["encodingType"] == "application/geo+json"
