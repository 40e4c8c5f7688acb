"""`{% datatable %}`: every list's table in the same frame."""

from django import template
from django.template.base import NodeList, Parser, Token
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


class DataTableNode(template.Node):
    def __init__(self, nodelist: NodeList, extra_class: str) -> None:
        self.nodelist = nodelist
        self.extra_class = extra_class

    def render(self, context: Context) -> str:
        return format_html(
            '<div class="table-wrap"><table class="{}">{}</table></div>',
            " ".join(filter(None, ["data", self.extra_class])),
            mark_safe(self.nodelist.render(context)),  # rendered (and escaped) by the template
        )


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
