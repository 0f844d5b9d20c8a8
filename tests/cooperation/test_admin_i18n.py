"""The admin in Russian and Chinese: every string of the project's own is translated.

Two checks, both over what the admin registry holds (nothing listed by hand):

* every string the project gives the admin (model and field names, help texts, choices, inline
  titles, columns, actions, fieldsets, filters, the site header) is a lazy translation that reads
  in the language's own script under ``ru`` and ``zh-hans``;
* the pages themselves, rendered for a curator who asked for the language: titles, form labels,
  inline titles, messages and validation errors come out translated.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_headers
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django_countries.fields import CountryField

from api.models import ApiToken
from cooperation.models import Agreement, Organization, Person
from tests.support.admin_forms import add_inline_row, form_data, inline_prefix

LANGUAGES = ["ru", "zh-hans"]
SCRIPTS = {"ru": re.compile(r"[\u0400-\u04FF]"), "zh-hans": re.compile(r"[\u3400-\u9FFF]")}
PROJECT_LABELS = {
    app.label
    for app in apps.get_app_configs()
    if Path(app.path).is_relative_to(Path(settings.BASE_DIR)) and "site-packages" not in Path(app.path).parts
}
REGISTERED = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_LABELS
    ),
    key=lambda pair: pair[0]._meta.label,
)


def _field_strings(model) -> list[tuple[str, object]]:
    strings = []
    for field in model._meta.get_fields():
        if field.auto_created or not (field.concrete or field.many_to_many):
            continue  # ids and reverse relations have no text of ours
        strings.append((f"{field.name}.verbose_name", field.verbose_name))
        if field.help_text:
            strings.append((f"{field.name}.help_text", field.help_text))
        if field.choices and not isinstance(field, CountryField):  # country names are django-countries'
            strings += [(f"{field.name}.choices[{value}]", label) for value, label in field.flatchoices if value]
    return strings


def _admin_strings(model_admin) -> list[tuple[str, object]]:
    strings = []
    opts = model_admin.model._meta
    strings += [(f"{opts.label}.verbose_name", opts.verbose_name), (f"{opts.label}.plural", opts.verbose_name_plural)]
    strings += _field_strings(model_admin.model)
    for name in (*model_admin.list_display, *model_admin.readonly_fields):
        attr = getattr(model_admin, name, None)
        if callable(attr) and hasattr(attr, "short_description"):
            strings.append((f"column {name}", attr.short_description))
    for action in model_admin.actions or ():
        func = getattr(model_admin, action, None) if isinstance(action, str) else action
        strings.append((f"action {getattr(func, '__name__', action)}", func.short_description))
    for title, _options in model_admin.fieldsets or ():
        if title is not None:
            strings.append((f"fieldset {title}", title))
    for list_filter in model_admin.list_filter:
        if isinstance(list_filter, type) and issubclass(list_filter, admin.SimpleListFilter):
            strings.append((f"filter {list_filter.__name__}", list_filter.title))
    for inline in model_admin.inlines:
        for attr in ("verbose_name", "verbose_name_plural"):
            value = vars(inline).get(attr)  # set on the inline itself; otherwise the model's, checked above
            if value is not None:
                strings.append((f"{inline.__name__}.{attr}", value))
        strings += _field_strings(inline.model)
    return strings


def _site_strings() -> list[tuple[str, object]]:
    strings = [(f"site.{name}", getattr(admin.site, name)) for name in ("site_header", "site_title", "index_title")]
    strings += [(f"app {app.label}", app.verbose_name) for app in apps.get_app_configs() if app.label in PROJECT_LABELS]
    return strings


def test_the_project_registers_models_in_the_admin():
    assert {model._meta.app_label for model, _ in REGISTERED} >= {"cooperation", "api"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_project_string_in_the_admin_is_a_lazy_translation_in_that_language(language):
    strings = _site_strings() + [item for _, model_admin in REGISTERED for item in _admin_strings(model_admin)]
    not_lazy = sorted({where for where, value in strings if not isinstance(value, Promise)})
    assert not_lazy == [], "plain str: it cannot follow the curator's language"
    with translation.override(language):
        untranslated = sorted(
            {f"{where}: {value}" for where, value in strings if not SCRIPTS[language].search(str(value))}
        )
    assert untranslated == []


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _visible_labels(form, names) -> list[str]:
    fields = [form.fields[name] for name in names if name in form.fields]
    return [str(field.label) for field in fields if field.label and not field.widget.is_hidden]


def _form_labels(response) -> list[str]:
    """The labels of the add/change form as rendered: the main form's and each inline's fields."""
    main = response.context["adminform"].form
    labels = _visible_labels(main, main.fields)
    for inline in response.context.get("inline_admin_formsets", []):
        labels.append(str(inline.opts.verbose_name_plural))
        form = inline.formset.empty_form
        labels += _visible_labels(form, inline.opts.fields or form.fields)
    return labels


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", [model for model, _ in REGISTERED], ids=lambda m: m._meta.label)
def test_changelist_and_change_page_read_in_the_language(model, language, admin_client, admin_user, seeded):
    ApiToken.issue(admin_user)  # tokens are issued on the command line, never added in the admin
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    changelist = admin_client.get(_url(model, "changelist"), **headers)
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert f'<html lang="{language}"' in html
    with translation.override(language):
        plural, header = str(capfirst(model._meta.verbose_name_plural)), str(admin.site.site_header)
        headers_ = result_headers(changelist.context["cl"])
        columns = [str(h["text"]) for h in headers_ if h.get("text") and "<" not in str(h["text"])]
    assert plural in html and header in html
    assert [c for c in columns if not SCRIPTS[language].search(c)] in ([], ["ID"])

    obj = model._default_manager.order_by("pk").first()
    response = admin_client.get(_url(model, "change", obj.pk), **headers)
    assert response.status_code == 200
    labels = _form_labels(response)
    assert labels
    assert [label for label in labels if not SCRIPTS[language].search(label)] == []
    body = response.content.decode()
    assert [label for label in labels if capfirst(label) not in body and label not in body] == []


@pytest.mark.django_db
def test_the_header_switcher_remembers_the_curators_language(admin_client):
    page = admin_client.get(reverse("admin:index"))
    assert 'id="language-switcher"' in page.content.decode()
    response = admin_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hans"
    assert int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE >= 30 * 24 * 3600
    html = admin_client.get("/admin/").content.decode()  # no Accept-Language: the cookie decides
    assert '<html lang="zh-hans"' in html
    assert "航天合作登记库" in html and "协议" in html
    assert re.search(r'<option value="zh-hans" lang="zh-hans"\s+selected>简体中文</option>', html)
    admin_client.post(reverse("set_language"), {"language": "ru", "next": "/admin/"})
    assert "Реестр космического сотрудничества" in admin_client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_an_unknown_language_leaves_the_admin_in_english(admin_client):
    response = admin_client.post(reverse("set_language"), {"language": "xx", "next": "/admin/"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="en"' in admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="xx").content.decode()


@pytest.mark.django_db
def test_action_messages_use_the_languages_plural_forms(admin_client, seeded):
    signed = list(Agreement.objects.filter(status=Agreement.Status.SIGNED).order_by("pk").values_list("pk", flat=True))
    assert len(signed) >= 6
    url = _url(Agreement, "changelist")
    cases = [
        ("ru", signed[:1], "1 соглашение отмечено как истёкшее."),
        ("ru", signed[1:3], "2 соглашения отмечены как истёкшие."),
        ("ru", signed[:3], "0 соглашений отмечены как истёкшие."),  # already expired: none changed
        ("zh-hans", signed[3:6], "已将 3 项协议标记为已到期。"),
    ]
    for language, pks, expected in cases:
        data = {"action": "mark_expired", "_selected_action": pks}
        response = admin_client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE=language)
        assert expected in response.content.decode()


@pytest.mark.django_db
def test_validation_errors_are_translated(admin_client, seeded):
    agreement = Agreement.objects.get(slug="russia-china-ilrs-mou-2021")
    url = _url(Agreement, "change", agreement.pk)
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    data = form_data(page)
    data["signed_on"] = "2021-13"
    add_inline_row(
        data,
        inline_prefix(page, "signatory"),
        {"person": Person.objects.get(slug="elon-musk").pk, "on_behalf_of": Organization.objects.get(slug="spacex").pk},
    )
    response = admin_client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    html = response.content.decode()
    assert "“2021-13”不是日期。请按以下格式输入：年-月-日、年-月或年" in html
    assert "不是本协议的缔约方，也不隶属于任何缔约方" in html
    assert Agreement.objects.get(pk=agreement.pk).signed_on_precision == "day"


def test_lazy_strings_do_not_leak_the_language_between_tests():
    assert translation.get_language() == settings.LANGUAGE_CODE
    assert str(Organization._meta.verbose_name) == "organization"
    assert isinstance(Organization._meta.get_field("name").verbose_name, Promise)
