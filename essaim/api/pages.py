"""Numbered pages of a list, the same way in every router."""

from urllib.parse import urlencode

from django.core.paginator import EmptyPage, Paginator
from django.utils.translation import gettext as _

from essaim.atlas.queries import InvalidQuery
from essaim.exchange.records import public_url

from .schemas import Schema


class Page(Schema):
    count: int
    page: int
    pages: int
    next: str | None


def page_of(request, items, page: int, page_size: int, record) -> dict:
    """Page `page` of `items`, each made a record; an empty list is an empty first page, a
    page past the end a 400 naming `page`."""
    paginator = Paginator(items, page_size)
    try:
        current = paginator.page(page)
    except EmptyPage as error:
        if page == 1:  # nothing to list is an empty first page, not an error
            current = paginator.page(1) if paginator.count else None
        else:
            raise InvalidQuery("page", _("There is no such page.")) from error
    following = None
    if current is not None and current.has_next():
        params = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values]
        following = public_url(request.path + "?" + urlencode([*params, ("page", page + 1)]))
    return {
        "count": paginator.count,
        "page": page,
        "pages": paginator.num_pages if paginator.count else 0,
        "next": following,
        "results": [record(item) for item in current.object_list] if current else [],
    }
