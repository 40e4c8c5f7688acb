import pytest
from django.template import Context, Template, TemplateSyntaxError


def render(source: str, **context: object) -> str:
    return Template("{% load shop_tables %}" + source).render(Context(context))


def test_datatable_frames_the_table_and_escapes_what_the_rows_show():
    html = render("{% datatable %}<tr><td>{{ name }}</td></tr>{% enddatatable %}", name="<b>")
    assert html == (
        '<div class="table-wrap"><table class="data"><tr><td>&lt;b&gt;</td></tr></table></div>'
    )


def test_datatable_adds_the_page_s_own_class():
    assert '<table class="data health">' in render('{% datatable "health" %}{% enddatatable %}')


@pytest.mark.parametrize("arguments", ["health", '"a" "b"'])
def test_datatable_refuses_anything_but_one_quoted_class(arguments):
    with pytest.raises(TemplateSyntaxError):
        render("{% datatable " + arguments + " %}{% enddatatable %}")
