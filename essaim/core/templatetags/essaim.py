"""Template helpers: language switching that keeps the search, URL building, Markdown."""

import json
from urllib.parse import urlencode

import nh3
from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import translate_url
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_info
from markdown_it import MarkdownIt

register = template.Library()


@register.simple_tag(takes_context=True)
def url_in_language(context, language: str) -> str:
    """The current page in another language, with its query string."""
    request = context["request"]
    url = translate_url(request.path, language)
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


@register.simple_tag
def toggle_filter(params: dict, name: str, code: str) -> str:
    """The query string with `code` added to or removed from filter `name`, back to page 1."""
    values = list(params.get(name, []))
    if code in values:
        values.remove(code)
    else:
        values.append(code)
    merged = {key: value for key, value in params.items() if key not in (name, "page")}
    if values:
        merged[name] = values
    return urlencode([(key, item) for key, items in merged.items() for item in items])


@register.simple_tag
def with_page(query_string: str, number: int) -> str:
    return f"{query_string}&page={number}" if query_string else f"page={number}"


# What members write is Markdown, never HTML: raw HTML is shown as text, images (which would be
# fetched from other sites) and headings (which would break the page's outline) are not
# rendered, and the result goes through a sanitiser all the same.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(
    ["image", "heading", "lheading"]
)
MARKDOWN_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre"}


@register.filter
def markdown(text: str) -> str:
    html = _markdown.render(text or "")
    return mark_safe(  # noqa: S308 (sanitised just above)
        nh3.clean(
            html,
            tags=MARKDOWN_TAGS,
            attributes={"a": {"href"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="nofollow noopener",
        )
    )


@register.filter
def language_name(code: str) -> str:
    """A language's name in the page's language ("it" is "italien" on a French page)."""
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def as_jsonld(node: dict) -> str:
    """A JSON-LD node, safe inside <script type="application/ld+json">."""
    text = json.dumps(node, ensure_ascii=False, cls=DjangoJSONEncoder)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 (escaped just above)


@register.inclusion_tag("commons/_text.html")
def translated_text(text, markdown_text: bool = False, tag: str = "p", css: str = "") -> dict:
    """A text in the page's language, or in another with its `lang` and a notice."""
    return {"text": text, "markdown_text": markdown_text, "tag": tag, "css": css}


@register.filter
def model_code(item) -> str:
    """ "resource", "event" or "opportunity": a model's name in addresses."""
    return item._meta.model_name


@register.filter
def model_label(item) -> str:
    return item._meta.verbose_name


@register.simple_tag
def replace_param(params, name: str, value: str) -> str:
    """The query string of `params` (a QueryDict) with `name` set to `value` alone, and no
    page number: a link to the same search with one thing changed."""
    changed = params.copy()
    changed.setlist(name, [value])
    changed.pop("page", None)
    return changed.urlencode()


@register.simple_tag
def query_from(params: dict) -> str:
    """The query string of a {name: [values]} dictionary."""
    return urlencode([(name, value) for name, values in params.items() for value in values])
