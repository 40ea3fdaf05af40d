"""Property-based fuzzing: generated documents, variables and raw bodies never cause a 5xx
and never reveal unpublished content."""

import base64
import datetime as dt
import io
import json
from urllib.parse import urlencode

import graphql
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from api.schema import schema
from cms.models import Story
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db
SDL = schema.as_str()
MARKER = "unpublishedmarker"


def fuzz(examples):
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture
def newsroom():
    """Live stories, and drafts, scheduled and unpublished ones carrying a marker everywhere."""
    tag = make_tag("security", en="Security", zh_hans="安全")
    make_story("live", tags=[tag])
    make_story("live-en", languages=("en",), tags=[tag])
    hidden = {
        f"{field}_{suffix}": f"{MARKER} {field}"
        for field in ("title", "summary", "analysis")
        for suffix in ("en", "zh_hans")
    }
    make_story(f"{MARKER}-draft", status=Story.Status.DRAFT, hours_ago=None, tags=[tag], **hidden)
    make_story(f"{MARKER}-future", hours_ago=-24, tags=[tag], **hidden)
    make_story(f"{MARKER}-unpublished", status=Story.Status.DRAFT, hours_ago=30, **hidden)
    hidden_tag = make_tag(f"{MARKER}-tag", en=MARKER, zh_hans=MARKER)
    Story.objects.get(slug=f"{MARKER}-draft").tags.add(hidden_tag)


# Values of the JSON scalar (`importNinjs`'s document): any JSON, with ninjs's own keys
# among the names so that some documents get past the first checks.
JSON_KEYS = st.sampled_from(
    ["uri", "type", "language", "headlines", "bodies", "body_html", "versioncreated",
     "pubstatus", "subjects", "digitalsourcetype", "value", "role"]
) | st.from_regex(r"[a-z_:]{1,12}", fullmatch=True)  # fmt: skip
JSON_VALUES = st.recursive(
    st.one_of(
        st.text(max_size=20).map(nodes.String),
        st.integers(-1000, 1000).map(nodes.Int),
        st.booleans().map(nodes.Boolean),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(nodes.List),
        st.dictionaries(JSON_KEYS, children, max_size=5).map(
            lambda fields: nodes.Object(
                [
                    graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=value)
                    for key, value in fields.items()
                ]
            )
        ),
    ),
    max_leaves=20,
)


def check(response):
    assert response.status_code < 500, response.content
    assert MARKER not in response.content.decode("utf-8", "replace")


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(500)
@given(document=queries(SDL))
def test_generated_queries(newsroom, document):
    client = Client()
    for language in ("en", "zh-Hans"):
        check(
            client.post(
                "/graphql",
                json.dumps({"query": document}),
                content_type="application/json",
                headers={"accept-language": language},
            )
        )


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(300)
@given(document=mutations(SDL, custom_scalars={"JSON": JSON_VALUES}))
def test_generated_mutations(newsroom, document):
    check(
        Client().post("/graphql", json.dumps({"query": document}), content_type="application/json")
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
CONTRACT_LIKE = """query($slug: String!, $language: String, $first: Int, $after: String,
  $tag: String, $search: String, $filter: StoryFilter, $orderBy: StoryOrder) {
  story(slug: $slug, language: $language) { title tags { name } }
  stories(language: $language, first: $first, after: $after, tag: $tag, search: $search,
          filter: $filter, orderBy: $orderBy) { totalCount edges { cursor node { slug title } } }
}"""


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(700)
@given(
    variables=st.fixed_dictionaries(
        {},
        optional={
            "slug": st.text() | st.sampled_from([f"{MARKER}-draft", f"{MARKER}-future", "live"]),
            "language": st.text(max_size=8) | st.sampled_from(["en", "zh-hans", "ZH-HANS"]),
            "first": json_values | st.integers(-5, 150),
            "after": json_values,
            "tag": st.text() | st.just(f"{MARKER}-tag"),
            "search": st.text() | st.just(MARKER),
            "filter": json_values,
            "orderBy": json_values | st.sampled_from(["HOT_DESC", "UPDATED_DESC"]),
        },
    )
)
def test_generated_variables(newsroom, variables):
    check(
        Client().post(
            "/graphql",
            json.dumps({"query": CONTRACT_LIKE, "variables": variables}),
            content_type="application/json",
        )
    )


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(1000)
@given(
    body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/graphql-response+json",
            "text/plain",
            "",
            "multipart/form-data",
        ]
    ),
    accept=st.sampled_from(
        ["", "*/*", "application/json", "text/html", "application/graphql-response+json;q=0.5"]
    ),
)
def test_raw_bodies(newsroom, body, content_type, accept):
    check(
        Client().generic(
            "POST", "/graphql", body, content_type=content_type, headers={"accept": accept}
        )
    )


# Generated values for each class of bad input a client controls. Each answer must be a
# clear refusal or an answer: never a 5xx, never INTERNAL_SERVER_ERROR.


def no_server_error(response):
    check(response)
    if response["Content-Type"].startswith("application/"):
        body = json.loads(response.content) if response.content else {}
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        assert "INTERNAL_SERVER_ERROR" not in codes, body


def post_graphql(document, variables):
    return Client().post(
        "/graphql",
        json.dumps({"query": document, "variables": variables}),
        content_type="application/json",
    )


def nested(depth, leaf):
    """`leaf` inside `depth` levels of alternating lists and objects."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"f": value}
    return value


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(40)
@example(depth=500, method="POST")
@given(depth=st.integers(1, 800), method=st.sampled_from(["GET", "POST"]))
def test_generated_nested_variables(newsroom, depth, method):
    variables = {"filter": nested(depth, "x"), "slug": "live"}
    if method == "POST":
        response = post_graphql(CONTRACT_LIKE, variables)
    else:
        response = Client().get(
            "/graphql", {"query": CONTRACT_LIKE, "variables": json.dumps(variables)}
        )
    no_server_error(response)


def encoded(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


iso_times = st.builds(
    lambda moment, minutes: moment.replace(
        tzinfo=dt.timezone(dt.timedelta(minutes=minutes))
    ).isoformat(),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59)),
    st.integers(-(24 * 60 - 1), 24 * 60 - 1),
) | st.sampled_from(["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00"])
huge_ints = st.integers() | st.sampled_from([2**63, -(2**63) - 1, 10**30, 2**64])
cursor_values = st.lists(
    st.sampled_from(["published", "hot", "updated", "quality"]) | iso_times | huge_ints
    | st.booleans() | json_values,
    max_size=6,
)  # fmt: skip
cursors = (
    st.text(max_size=60)
    | cursor_values.map(lambda values: encoded(json.dumps(values).encode()))
    | st.integers(1, 3000).map(lambda depth: encoded(b"[" * depth + b"]" * depth))
    | st.binary(max_size=80).map(encoded)
)
LIST_WITH = """query($after: String, $orderBy: StoryOrder, $filter: StoryFilter, $search: String) {
  stories(after: $after, orderBy: $orderBy, filter: $filter, search: $search) {
    edges { cursor node { slug } } } }"""


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(150)
@given(
    after=cursors,
    order=st.sampled_from(["PUBLISHED_DESC", "UPDATED_DESC", "HOT_DESC", "QUALITY_DESC"]),
)
def test_generated_cursors(newsroom, after, order):
    no_server_error(post_graphql(LIST_WITH, {"after": after, "orderBy": order}))


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(150)
@given(
    bounds=st.fixed_dictionaries(
        {},
        optional={"publishedAfter": iso_times | st.text(max_size=30), "publishedBefore": iso_times},
    )
)
def test_generated_time_bounds(newsroom, bounds):
    no_server_error(post_graphql(LIST_WITH, {"filter": bounds}))
    literal = ", ".join(f"{name}: {json.dumps(value)}" for name, value in bounds.items())
    no_server_error(post_graphql("{ stories(filter: {" + literal + "}) { totalCount } }", {}))


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(100)
@given(pk=huge_ints.map(str) | st.text(max_size=30), type_name=st.sampled_from(["Story", "Tag"]))
def test_generated_global_ids(newsroom, pk, type_name):
    global_id = base64.b64encode(f"{type_name}:{pk}".encode()).decode()
    no_server_error(post_graphql("query($id: ID!) { node(id: $id) { id } }", {"id": global_id}))


graphql_parameter_values = {
    "query": st.sampled_from(["{ __typename }", CONTRACT_LIKE, "{", ""]) | st.text(max_size=40),
    "variables": json_values.map(json.dumps) | st.text(max_size=20),
    "operationName": st.text(max_size=10),
    "extensions": json_values.map(json.dumps)
    | st.just('{"persistedQuery":{"version":1,"sha256Hash":"abc"}}'),
}


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(150)
@given(
    parameters=st.lists(
        st.sampled_from(sorted(graphql_parameter_values)).flatmap(
            lambda name: st.tuples(st.just(name), graphql_parameter_values[name])
        ),
        min_size=1,
        max_size=6,
    )
)
def test_generated_repeated_parameters(newsroom, parameters):
    query_string = urlencode(parameters)
    no_server_error(Client().get(f"/graphql?{query_string}"))


words = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12)
search_texts = (
    st.text(max_size=250)
    | st.lists(words, max_size=120).map(" ".join)
    | (st.tuples(words, st.integers(1, 100)).map(lambda pair: " ".join([pair[0]] * pair[1])))
)


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(100)
@given(search=search_texts, aliases=st.integers(1, 15))
def test_generated_search_texts(newsroom, search, aliases):
    document = (
        "query($search: String) { "
        + " ".join(
            f"a{n}: stories(search: $search) {{ edges {{ node {{ slug }} }} }}"
            for n in range(aliases)
        )
        + " }"
    )
    response = post_graphql(document, {"search": search})
    no_server_error(response)
    assert MARKER not in response.content.decode()


score_values = (
    huge_ints
    | st.floats()
    | st.text(max_size=5)
    | st.booleans()
    | st.none()
    | json_values
    | st.sampled_from(["1e309", "-1e309", "NaN", "Infinity", "1e2", "99999999999999999999999"])
)
raw_score = st.sampled_from(["1e309", "-1e309", "NaN", "Infinity", "1" * 400, "[" * 50])
import_lines = st.one_of(
    st.fixed_dictionaries(
        {"external_id": st.text(max_size=20)},
        optional={
            "hot": score_values,
            "quality": score_values,
            "impact": score_values,
            "published_at": iso_times | st.text(max_size=30) | huge_ints,
            "ai_generated": score_values,
            "publish": score_values,
            "slug": score_values,
            "translations": json_values
            | st.fixed_dictionaries({"en": st.fixed_dictionaries({"title": st.text(max_size=20)})}),
        },
    ).map(json.dumps),
    raw_score.map(
        lambda raw: '{"external_id": "raw", "hot": ' + raw + ', "translations": {"en": {}}}'
    ),
    st.text(max_size=80),
    st.integers(1, 100000).map(lambda depth: "[" * depth + "]" * depth),
)


@fuzz(60)
@given(lines=st.lists(import_lines, min_size=1, max_size=4))
def test_generated_import_lines_never_stop_the_import(tmp_path_factory, lines):
    good = json.dumps({"external_id": "the-good-line", "translations": {"en": {"title": "Good"}}})
    path = tmp_path_factory.mktemp("import") / "stories.jsonl"
    path.write_text("\n".join([*lines, good]), encoding="utf-8")
    try:
        call_command("import_stories", str(path), verbosity=0, stderr=io.StringIO())
    except CommandError as error:
        assert "were not imported" in str(error)
    assert Story.objects.filter(external_id="the-good-line").exists()
    Story.objects.filter(external_id__isnull=False).delete()
