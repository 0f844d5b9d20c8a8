"""``api.core.query_forms.QueryForm``: each form has its own fields (shallow copies), cleaned as Django cleans them."""

from __future__ import annotations

from django.http import QueryDict

from api.views.graph import GraphQueryForm


def test_each_form_has_its_own_fields():
    first, second = GraphQueryForm(QueryDict("")), GraphQueryForm(QueryDict(""))
    assert list(first.fields) == list(GraphQueryForm.base_fields)
    for name, field in first.fields.items():
        assert field is not second.fields[name] and field is not GraphQueryForm.base_fields[name]
        assert type(field) is type(GraphQueryForm.base_fields[name])
    first.fields["max_nodes"].high = 1  # what one form sets stays its own
    assert second.fields["max_nodes"].high == GraphQueryForm.base_fields["max_nodes"].high != 1


def test_fields_clean_what_their_widgets_read():
    form = GraphQueryForm(QueryDict("organization=hub&depth=2&types=person,organization&date_from=1990-05"))
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["scope"] == data["organization"] == ("organization", "hub")
    assert (data["depth"], data["types"], data["max_nodes"]) == (2, ("organization", "person"), None)
    assert data["date_from"] is not None and data["date_to"] is None and data["agreement"] is None


def test_errors_name_their_fields_in_order():
    form = GraphQueryForm(QueryDict("depth=9&max_nodes=x&types=nope"))
    assert not form.is_valid()
    assert list(form.errors) == ["depth", "types", "max_nodes"]
    assert [problem["field"] for problem in form.error().errors] == ["depth", "types", "max_nodes"]
