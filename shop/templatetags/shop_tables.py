"""`{% datatable %}`: every list's table in the same frame."""

from django import template
from django.template.base import NodeList, Parser, Token
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


class DataTableNode(template.Node):
    def __init__(self, nodelist: NodeList, extra_class: str) -> None:
        self.nodelist = nodelist
        self.extra_class = extra_class

    def render(self, context: Context) -> str:
        table = format_html(
            '<div class="table-wrap"><table class="{}">{}</table></div>',
            " ".join(filter(None, ["data", self.extra_class])),
            mark_safe(self.nodelist.render(context)),  # rendered (and escaped) by the template
        )
        # A sort key, page size or page link the list refused (shop.listing): said over the
        # table, which then lists nothing.
        refusal = getattr(context.get("page"), "refusal", "")
        if refusal:
            return format_html('<div class="notice error" role="alert">{}</div>{}', refusal, table)
        return table


@register.tag
def datatable(parser: Parser, token: Token) -> DataTableNode:
    """{% datatable %}<thead>…</thead><tbody>…</tbody>{% enddatatable %}: a data table inside
    the frame that scrolls it sideways on a narrow screen. `{% datatable "health" %}` adds a
    class of the page's own to the table."""
    bits = token.split_contents()
    if len(bits) > 2 or (len(bits) == 2 and bits[1][0] not in "\"'"):
        raise template.TemplateSyntaxError('{% datatable %} takes at most a quoted "class"')
    nodelist = parser.parse(("enddatatable",))
    parser.delete_first_token()
    return DataTableNode(nodelist, bits[1][1:-1] if len(bits) == 2 else "")


ARROWS = {"ascending": "▲", "descending": "▼", "": "↕"}


@register.simple_tag(takes_context=True)
def sort_heading(context: Context, key: str, label: str, css_class: str = "") -> SafeString:
    """{% sort_heading "total" _("Total") "num" %}: a column heading that sorts the list by
    one of its keys (shop.listing.Sorting), and the other way on a second click, keeping the
    filters and the page size. A key the list does not offer gives a plain heading."""
    class_attr = format_html(' class="{}"', css_class) if css_class else ""
    state = getattr(context.get("page"), "state", None)
    if state is None or state.sorting is None or key not in state.sorting.keys:
        return format_html("<th{}>{}</th>", class_attr, label)
    href, direction = state.sort_link(key)
    sorted_attr = format_html(' aria-sort="{}"', direction) if direction else ""
    title = _("Sort by this column") if not direction else _("Sort the other way")
    return format_html(
        '<th{}{}><a class="sort{}" href="{}" title="{}" data-sort="{}">{}'
        ' <span class="arrow" aria-hidden="true">{}</span></a></th>',
        class_attr,
        sorted_attr,
        " active" if direction else "",
        href,
        title,
        key,
        label,
        ARROWS[direction],
    )
