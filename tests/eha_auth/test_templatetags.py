from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load eha_auth %}" + source).render(Context(context))


def test_display_username_strips_the_realm_prefix():
    assert render("{{ name|display_username }}", name="north__alice") == "alice"
    assert render("{{ name|display_username }}", name="alice") == "alice"


def test_display_username_strips_only_the_given_realm():
    assert render("{{ name|display_username:'north' }}", name="north__alice") == "alice"
    assert render("{{ name|display_username:'south' }}", name="north__alice") == "north__alice"
