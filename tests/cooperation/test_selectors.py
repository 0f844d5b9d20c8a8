"""The read models as the domain serves them: typed queries, domain errors, no HTTP."""

from __future__ import annotations

import pytest

from cooperation.errors import InvalidQuery
from cooperation.partial_dates import PartialDate
from cooperation.selectors.global_search import GlobalSearchQuery, search
from cooperation.selectors.graph import GraphQuery, build_graph


def problems(query_class, **kwargs) -> list[tuple[str, str]]:
    with pytest.raises(InvalidQuery) as raised:
        query_class(**kwargs)
    return [(problem.field, problem.code) for problem in raised.value.problems]


def test_graph_query_rules_name_their_parameter():
    assert problems(GraphQuery, depth=2) == [("depth", "invalid")]
    assert problems(GraphQuery, scope=("organization", 1), types=("mission",)) == [("types", "invalid")]
    late, early = PartialDate.parse("2020"), PartialDate.parse("2019")
    assert problems(GraphQuery, date_from=late, date_to=early) == [("date_to", "invalid")]
    assert problems(GraphQuery, depth=2, date_from=late, date_to=early) == [
        ("depth", "invalid"),
        ("date_to", "invalid"),
    ]


def test_search_query_needs_a_letter_or_digit_and_known_types():
    assert problems(GlobalSearchQuery, text=" -- ") == [("q", "invalid")]
    assert problems(GlobalSearchQuery, text="luna", types=("planet",)) == [("type__in", "invalid_choice")]
    assert GlobalSearchQuery(text="  Luna-Resurs ").normalized == "luna resurs"


@pytest.mark.django_db
def test_selectors_return_records_not_urls(seeded):
    graph = build_graph(GraphQuery())
    assert graph.nodes and all(not hasattr(node, "url") for node in graph.nodes)
    assert {edge.source for edge in graph.edges} <= set(graph.ids)
    page = search(GlobalSearchQuery(text="roscosmos", types=("organization",), limit=5))
    assert page.hits[0].obj.slug == "roscosmos"
    hit = page.hits[0].snippet
    assert hit.text[slice(*hit.spans[0])].lower() == "roscosmos"


def test_every_searchable_model_is_a_global_search_type():
    from django.apps import apps

    from cooperation.search_text import SearchableModel
    from cooperation.selectors.global_search import SEARCH_TYPES

    searchable = {
        model for model in apps.get_app_config("cooperation").get_models() if issubclass(model, SearchableModel)
    }
    assert searchable == {spec.model for spec in SEARCH_TYPES.values()}, "add a SearchType to global_search.py"
