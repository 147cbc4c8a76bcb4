"""The SensorThings API's edges through HTTP requests (Django's test client):
the service document, visibility and tenancy, paths, $select/$ref/$value, paging,
hostile query options (always a JSON 400, never a 500), and POST of Observations."""

from __future__ import annotations

import json

import pytest
from rest_framework.authtoken.models import Token

from observations.models import Observation
from tenancy.models import Role
from tests.factories import CityFactory, MembershipFactory
from tests.observations.sta_world import World, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:
    return build()


BARE = "/sta/kota-kosong/v1.1/"


@pytest.fixture
def bare(db) -> None:
    """A city with nothing in it: options are refused before any SQL runs."""
    CityFactory(slug="kota-kosong")


def base(world: World) -> str:
    return f"/sta/{world.city.slug}/v1.1/"


def get(client, url: str, **params: str):
    return client.get(url, params)


def test_service_root_lists_entity_sets_and_conformance(client, world):
    answer = client.get(base(world))
    assert answer.status_code == 200
    document = answer.json()
    names = [e["name"] for e in document["value"]]
    assert names == [
        "Things",
        "Locations",
        "HistoricalLocations",
        "Datastreams",
        "Sensors",
        "ObservedProperties",
        "Observations",
        "FeaturesOfInterest",
    ]
    assert document["value"][0]["url"].endswith("/sta/kota-sta/v1.1/Things")
    assert (
        "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data"
        in document["serverSettings"]["conformance"]
    )
    assert answer["Cache-Control"] == "private, no-cache"
    assert answer["Access-Control-Allow-Origin"] == "*"


def test_every_entity_set_answers_with_links(client, world):
    for name in [
        "Things",
        "Locations",
        "HistoricalLocations",
        "Datastreams",
        "Sensors",
        "ObservedProperties",
        "Observations",
        "FeaturesOfInterest",
    ]:
        answer = get(client, base(world) + name, **{"$top": "2"})
        assert answer.status_code == 200, name
        for entity in answer.json()["value"]:
            assert entity["@iot.selfLink"].endswith(f"{name}({entity['@iot.id']})")
            assert any(k.endswith("@iot.navigationLink") for k in entity)
    stream = client.get(base(world) + f"Datastreams({world.pm25.pk})").json()
    assert stream["unitOfMeasurement"] == {
        "name": "microgram per cubic metre",
        "symbol": "µg/m³",
        "definition": "http://unitsofmeasure.org/ucum.html#ug/m3",
    }
    assert stream["phenomenonTime"] == (
        "2026-09-01T00:00:00+00:00/2026-10-31T23:00:00+00:00"
    )
    assert client.get(base(world) + "HistoricalLocations").json() == {"value": []}


def test_hidden_and_foreign_entities_are_404(client, world):
    b = base(world)
    for path in [
        f"Things({world.hidden.pk})",
        f"Things({world.foreign.pk})",
        f"Locations({world.hidden.pk})",
        f"Datastreams({world.hidden_stream.pk})",
        f"Datastreams({world.hidden_stream.pk})/Observations",
        f"Datastreams({world.foreign_stream.pk})/Observations",
        f"Things({world.foreign.pk})/Datastreams",
        "Things(999999)/Datastreams",
        "Things(1)x",
        "Nothing",
        "Things/Datastreams",
    ]:
        answer = client.get(b + path)
        assert answer.status_code == 404, path
        assert answer.json()["detail"]
    assert client.get("/sta/no-such-city/v1.1/Things").status_code == 404
    # Observations of the hidden station are not counted either.
    hidden = Observation.objects.filter(datastream=world.hidden_stream).count()
    total = get(client, b + "Observations", **{"$count": "true", "$top": "1"}).json()
    assert total["@iot.count"] == 24 * 61 + 61
    assert hidden == 48
    # A sensor's datastreams are checked again (the hidden station shares it).
    sensor = world.pm25.sensor_id
    streams = client.get(b + f"Sensors({sensor})/Datastreams").json()["value"]
    assert [s["@iot.id"] for s in streams] == [world.pm25.pk]


def test_agency_member_sees_the_agency_layer_station(client, world):
    agency = world.station.agency
    member = MembershipFactory(city=world.city, role=Role.AGENCY_EDITOR, agency=agency)
    client.force_login(member.user)
    answer = client.get(base(world) + f"Things({world.hidden.pk})")
    assert answer.status_code == 200
    assert answer.json()["name"] == "Stasiun Internal"


def test_paths_select_ref_and_value(client, world):
    b = base(world)
    station = world.station.pk
    assert client.get(b + f"Things({station})/name").json() == {
        "name": "Stasiun Cikokol"
    }
    value = client.get(b + f"Things({station})/name/$value")
    assert value.content.decode() == "Stasiun Cikokol"
    refs = client.get(b + f"Things({station})/Datastreams/$ref").json()["value"]
    assert refs == [
        {"@iot.selfLink": f"http://testserver{b}Datastreams({world.pm25.pk})"}
    ]
    first = Observation.objects.filter(datastream=world.pm25).order_by(
        "phenomenon_time"
    )[0]
    thing = client.get(b + f"Observations({first.pk})/Datastream/Thing").json()
    assert thing["@iot.id"] == station
    foi = client.get(b + f"Observations({first.pk})/FeatureOfInterest").json()
    assert foi["feature"] == {"type": "Point", "coordinates": [106.63, -6.18]}
    selected = get(client, b + "Things", **{"$select": "id,name", "$orderby": "name"})
    assert selected.json()["value"] == [
        {"@iot.id": world.market.pk, "name": "Pasar Anyar"},
        {"@iot.id": station, "name": "Stasiun Cikokol"},
    ]


def test_skip_top_and_next_link_cover_every_observation_once(client, world):
    url = base(world) + f"Datastreams({world.rice.pk})/Observations"
    seen: list[int] = []
    params = {"$top": "25", "$orderby": "result desc", "$count": "true"}
    answer = get(client, url, **params).json()
    assert answer["@iot.count"] == 61
    while True:
        seen += [o["@iot.id"] for o in answer["value"]]
        link = answer.get("@iot.nextLink")
        if not link:
            break
        answer = client.get(link.replace("http://testserver", "")).json()
    stored = Observation.objects.filter(datastream=world.rice).values_list(
        "pk", flat=True
    )
    assert sorted(seen) == sorted(stored)
    assert len(seen) == 61


def test_filters_compile_to_the_expected_rows(client, world):
    url = base(world) + f"Datastreams({world.pm25.pk})/Observations"
    before_3h = "phenomenonTime lt 2026-09-01T03:00:00Z"
    cases = {
        # 2026-09-01 00:00..05:00 UTC, results 10..15
        "phenomenonTime lt 2026-09-01T13:00:00+07:00": 6,
        "result add 5 ge 63 and phenomenonTime lt 2026-09-03T02:00:00Z": 2,
        "not (result ne 10) and year(phenomenonTime) eq 2026 "
        "and month(phenomenonTime) eq 9": 15,
        # 14 and 21 on 1 September, 35 on 1 October
        "result mod 7 eq 0 and day(phenomenonTime) eq 1 "
        "and hour(phenomenonTime) lt 12": 3,
        f"resultTime eq null and result div 0 eq null and {before_3h}": 3,
        f"Datastream/Thing/name eq 'Stasiun Cikokol' and {before_3h}": 3,
        "startswith(Datastream/name, 'PM') and "
        f"substringof('Ciko', Datastream/Thing/name) and {before_3h}": 3,
    }
    for text, expected in cases.items():
        answer = get(client, url, **{"$filter": text, "$count": "true", "$top": "1"})
        assert answer.status_code == 200, (text, answer.content)
        assert answer.json()["@iot.count"] == expected, text
    things = get(
        client, base(world) + "Things", **{"$filter": "properties/kind eq 'market'"}
    )
    assert [t["name"] for t in things.json()["value"]] == ["Pasar Anyar"]
    props = get(
        client,
        base(world) + "ObservedProperties",
        **{"$filter": "tolower(name) eq 'beras medium' or endswith(name, '.5')"},
    )
    assert len(props.json()["value"]) == 2


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"$filter": "name eq 'a\x00b'"}, "control characters"),
        ({"$filter": "id eq 99999999999999999999999999"}, "too large"),
        ({"$filter": "result gt 1e999"}, "too large"),
        ({"$filter": "((name eq 'a')"}, "expected ')'"),
        ({"$filter": "name eq 'a')"}, "unexpected ')'"),
        ({"$filter": "nosuch eq 1"}, "no property 'nosuch'"),
        ({"$filter": "name eq 1"}, "cannot compare text with a number"),
        ({"$filter": "frobnicate(name)"}, "unknown function"),
        ({"$filter": "name"}, "must be a condition"),
        ({"$filter": "name eq 'x"}, "unterminated string"),
        ({"$filter": "st_within(location, geography'POINT(1e308 0)')"}, "no property"),
        ({"$filter": "id eq 2026-02-30T00:00:00Z"}, "not a valid date/time"),
        ({"$filter": "not " * 60 + "true"}, "nested too deeply"),
        ({"$filter": " mul ".join(["id"] * 30) + " eq 1"}, "more than"),
        ({"$filter": ""}, "empty"),
        ({"$top": "-1"}, "whole number"),
        ({"$top": "5000"}, "at most 1000"),
        ({"$top": "\u0661\u0660"}, "whole number"),  # Arabic-Indic digits
        ({"$skip": "1e3"}, "whole number"),
        ({"$count": "yes"}, "true or false"),
        ({"$orderby": "nosuch desc"}, "no property"),
        ({"$orderby": "null desc"}, "constant"),
        ({"$orderby": "Datastreams/name"}, "a collection"),
        ({"$select": "nosuch"}, "no property"),
        ({"$expand": "Nosuch"}, "no navigation"),
        ({"$expand": "Datastreams($top=x)"}, "whole number"),
        ({"$expand": "Datastreams(top=1)"}, "not an option"),
        ({"$filter": "Datastreams eq 1"}, "an entity, not a value"),
        ({"$filter": "Datastreams/name eq Datastreams/name"}, "two collections"),
        ({"$filter": "startswith(Datastreams/name, 'a')"}, "expected text"),
        ({"$expand": "Datastreams($filter=name eq 'a'"}, "unbalanced"),
        ({"$expand": "A($expand=B($expand=C($expand=D($expand=E))))"}, "deeper"),
        ({"$frobnicate": "1"}, "not a query option"),
    ],
)
def test_hostile_options_answer_400_with_a_message(client, bare, params, fragment):
    answer = client.get(BARE + "Things", params)
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert fragment in body["detail"], body
    assert body["errors"]


@pytest.mark.parametrize(
    "wkt",
    [
        "POINT(1e308 0)",
        "POINT(200 0)",
        "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))",  # self-intersecting
        "POLYGON((0 0, 1 1",
        "POINT EMPTY",
        "NONSENSE(1 2)",
    ],
)
def test_bad_geography_literals_answer_400(client, bare, wkt):
    answer = get(
        client,
        BARE + "Locations",
        **{"$filter": f"st_within(location, geography'{wkt}')"},
    )
    assert answer.status_code == 400, answer.content
    assert "$filter" in answer.json()["errors"]


def test_a_page_with_expand_is_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    # The city, then one round trip: statement timeout, page and count (the
    # visible layers are a subquery of the page's statement). The test's own
    # transaction adds a savepoint and its release around that round trip.
    with django_assert_max_num_queries(4):
        answer = get(
            client,
            base(world) + "Things",
            **{
                "$expand": "Locations,Datastreams($expand=Sensor,ObservedProperty,"
                "Observations($top=3))",
                "$count": "true",
            },
        )
    assert answer.status_code == 200
    assert len(answer.json()["value"][0]["Datastreams"][0]["Observations"]) == 3


def test_expand_with_nested_options_and_count_only(client, world):
    answer = get(
        client,
        base(world) + f"Things({world.station.pk})",
        **{
            "$select": "name",
            "$expand": "Datastreams($select=name;$count=true;$expand="
            "Observations($filter=result ge 58;$select=result;$orderby=phenomenonTime;"
            "$top=2;$skip=1;$count=true))",
        },
    ).json()
    stream = answer["Datastreams"][0]
    assert answer["name"] == "Stasiun Cikokol"
    assert answer["Datastreams@iot.count"] == 1
    assert stream["Observations@iot.count"] == 2 * 29  # 58, 59 every 50 hours
    assert stream["Observations"] == [{"result": 59}, {"result": 58}]
    assert set(stream) == {
        "name",
        "Observations",
        "Observations@iot.count",
        "Observations@iot.nextLink",
    }
    # The expanded page's nextLink carries its own options, one page further.
    more = client.get(
        stream["Observations@iot.nextLink"].replace("http://testserver", "")
    )
    assert more.json()["value"] == [{"result": 59}, {"result": 58}]
    assert more.json()["@iot.count"] == 58
    assert "Datastreams@iot.nextLink" not in answer
    only = get(
        client, base(world) + "Observations", **{"$top": "0", "$count": "true"}
    ).json()
    assert only == {"@iot.count": 24 * 61 + 61, "value": []}


# --- POST Observations ------------------------------------------------------------


def _token(world: World, role: str = Role.AGENCY_EDITOR) -> str:
    member = MembershipFactory(city=world.city, role=role, agency=world.station.agency)
    return Token.objects.create(user=member.user).key


def post(client, url: str, body: object, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return client.post(
        url, json.dumps(body), content_type="application/json", **headers
    )


def test_post_observation_goes_through_ingest_and_is_idempotent(client, world):
    token = _token(world)
    url = base(world) + "Observations"
    body = {
        "phenomenonTime": "2026-11-01T08:00:00+07:00",
        "result": 35.5,
        "Datastream": {"@iot.id": world.pm25.pk},
    }
    created = post(client, url, body, token)
    assert created.status_code == 201, created.content
    location = created["Location"]
    stored = Observation.objects.get(datastream=world.pm25, result=35.5)
    assert location.endswith(f"Observations({stored.pk})")
    assert created.json()["phenomenonTime"] == "2026-11-01T01:00:00+00:00"
    again = post(client, url, body, token)
    assert again.status_code == 200
    assert again["Location"] == location
    assert Observation.objects.filter(datastream=world.pm25, result=35.5).count() == 1
    # Through the datastream's path; a negative reading is kept but flagged.
    negative = post(
        client,
        base(world) + f"Datastreams({world.pm25.pk})/Observations",
        {"phenomenonTime": "2026-11-01T09:00:00+07:00", "result": -3},
        token,
    )
    assert negative.status_code == 201, negative.content
    assert "negative" in negative.json()["resultQuality"]
    read = client.get(location.replace("http://testserver", "")).json()
    assert read["result"] == 35.5


def test_post_observation_refusals(client, world):
    url = base(world) + "Observations"
    good = {
        "phenomenonTime": "2026-11-01T08:00:00+07:00",
        "result": 1,
        "Datastream": {"@iot.id": world.pm25.pk},
    }
    assert post(client, url, good).status_code == 401
    assert post(client, url, good, "not-a-token").status_code == 401
    planner = _token(world, Role.PLANNER)
    assert post(client, url, good, planner).status_code == 403
    token = _token(world)
    no_zone = {**good, "phenomenonTime": "2026-11-01T08:00:00"}
    answer = post(client, url, no_zone, token)
    assert answer.status_code == 400
    assert "phenomenonTime" in answer.json()["errors"]
    text = post(client, url, {**good, "result": "high"}, token)
    assert text.status_code == 400
    assert "result" in text.json()["errors"]
    foreign = {**good, "Datastream": {"@iot.id": world.foreign_stream.pk}}
    assert post(client, url, foreign, token).status_code == 404
    assert post(client, url, [1, 2], token).status_code == 400
    assert post(client, url, {**good, "Datastream": None}, token).status_code == 400
    assert post(client, base(world) + "Things", good, token).status_code == 405
    assert Observation.objects.filter(result=1, datastream=world.pm25).count() == 0
