"""Printed pages of the order book, as PDF (fpdf2, with the DejaVu fonts kept beside the app so
every name of Poland, Czechia, Slovakia and Hungary prints): a packing list and an order sheet
per order, and a pick list that sums the products of many orders.

Pure rendering: the orders come loaded (sales.selectors.sales_orders_for_print,
sales_pick_list); nothing here queries or writes. Labels follow the active language.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sales.models import Address, SalesOrder
from sales.selectors import PickLine
from shop.templatetags.shop_format import money as _money

# fontTools logs every glyph of every subset at INFO level.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "static" / "sales" / "fonts"
FAMILY = "DejaVu"
# Code 39 (fpdf2's own) has every character of our numbers ("ZS/2026/000017"): digits,
# capitals and "/". A wide bar of 0.75 mm gives 0.25 mm narrow ones, which any scanner reads.
BARCODE_WIDE_BAR = 0.75
BARCODE_HEIGHT = 12.0
CHECKBOX = "☐"


def money(value: Any) -> str:
    # django-stubs types djmoney's MoneyField as its base DecimalField; it holds Money.
    return _money(value)


def _when(moment: datetime) -> str:
    # As the pages write it in the UI language: 03.12.2026 09:14 in Polish.
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


class _Page(FPDF):
    """A4 in millimetres with our fonts, and the few blocks every printout is made of."""

    def __init__(self, *, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(auto=True, margin=14)
        self.set_title(title)
        self.set_creator("Kontuar")
        self.alias_nb_pages()

    @property
    def inner_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def text_line(self, text: str, *, size: float = 9, bold: bool = False, height: float = 4.6):
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.text_line(text, size=10.5, bold=True, height=6)

    def barcode(self, number: str, *, right: float) -> None:
        """The order number as a Code 39 barcode ending at `right`, the number under it."""
        code = f"*{number.upper()}*"
        width = len(code) * (16 / 3) * BARCODE_WIDE_BAR
        left, top = right - width, self.get_y()
        self.set_fill_color(0, 0, 0)
        self.code39(code, x=left, y=top, w=BARCODE_WIDE_BAR, h=BARCODE_HEIGHT)
        self.set_xy(left, top + BARCODE_HEIGHT + 0.5)
        self.set_font(FAMILY, "", 8)
        self.cell(width, 4, number, align="C")

    def columns(self, blocks: Sequence[tuple[str, list[str]]]) -> None:
        """Blocks side by side (title, lines), the page going on under the longest."""
        width = self.inner_width / len(blocks)
        top, bottom = self.get_y(), self.get_y()
        for index, (title, lines) in enumerate(blocks):
            self.set_xy(self.l_margin + index * width, top)
            self.set_font(FAMILY, "B", 9.5)
            self.cell(width, 5.5, title, new_x=XPos.LEFT, new_y=YPos.NEXT)
            for number, line in enumerate(lines or ["—"]):
                self.set_font(FAMILY, "B" if number == 0 else "", 9)
                self.multi_cell(width - 3, 4.4, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
            bottom = max(bottom, self.get_y())
        self.set_xy(self.l_margin, bottom + 1)

    def boxed(self, title: str, text: str, *, strong: bool = False) -> None:
        """A framed block that must not be missed (pickup point, buyer's message, notes)."""
        self.ln(1.5)
        self.set_line_width(0.6 if strong else 0.25)
        self.set_font(FAMILY, "B", 9.5)
        self.multi_cell(
            0, 5.5, title, border="LTR", padding=(1, 2, 0, 2), new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )  # fmt: skip
        self.set_font(FAMILY, "B" if strong else "", 9.5 if strong else 9)
        self.multi_cell(
            0, 4.8, text, border="LBR", padding=(0, 2, 1, 2), new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )  # fmt: skip
        self.set_line_width(0.2)

    def table_rows(
        self,
        rows: Iterable[Sequence[str]],
        *,
        widths: Sequence[float],
        align: Sequence[str],
        size: float = 8.5,
    ) -> None:
        """A table whose first row is its heading (repeated on each page)."""
        self.set_font(FAMILY, "", size)
        with self.table(
            col_widths=tuple(widths),
            text_align=tuple(align),
            line_height=5,
            padding=(0.8, 1.2),
            repeat_headings=1,
        ) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(120, 120, 120)
        self.cell(0, 4, self.title_line, align="L")
        self.cell(0, 4, f"{self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    title_line = ""


def _address_lines(address: Address | None) -> list[str]:
    if address is None:
        return []
    town = f"{address.zip_code} {address.city}".strip()
    lines = [address.name, address.company_name, address.street, town, address.country_code]
    if address.phone_number:
        lines.append(_("phone %(phone)s") % {"phone": address.phone_number})
    return [line for line in lines if line]


def _buyer_lines(order: SalesOrder) -> list[str]:
    lines = [order.customer_name or order.customer_company]
    if order.customer_name and order.customer_company:
        lines.append(order.customer_company)
    lines += [
        f"{tax.get('label') or tax.get('type')}: {tax.get('value')}"
        for tax in order.customer_tax_ids or []
    ]
    if order.customer_phone:
        lines.append(_("phone %(phone)s") % {"phone": order.customer_phone})
    lines += [order.customer_email, order.customer_login and f"login: {order.customer_login}"]
    return [line for line in lines if line]


def _delivery_lines(order: SalesOrder) -> list[str]:
    lines = [order.delivery_method or _("no delivery method given")]
    if not order.pickup_point_id:
        lines += _address_lines(order.delivery_address)
    return lines


def _pickup_point(page: _Page, order: SalesOrder) -> None:
    if not (order.pickup_point_id or order.pickup_point_name):
        return
    text = "\n".join(
        line
        for line in (
            _("Code: %(code)s") % {"code": order.pickup_point_id or "—"},
            order.pickup_point_name,
            order.pickup_point_address,
        )
        if line
    )
    page.boxed(_("Pickup point"), text, strong=True)


def _head(page: _Page, order: SalesOrder, title: str) -> None:
    page.add_page()
    top = page.get_y()
    page.barcode(order.number, right=page.w - page.r_margin)
    page.set_xy(page.l_margin, top)
    page.text_line(title, size=11, height=6)
    page.text_line(order.number, size=17, bold=True, height=8)
    page.text_line(
        _("Created %(when)s · %(channel)s%(reference)s")
        % {
            "when": _when(order.created_at),
            "channel": order.channel + (f" · {order.marketplace}" if order.marketplace else ""),
            "reference": f" · {order.channel_reference}" if order.channel_reference else "",
        },
        size=8,
    )
    page.set_y(max(page.get_y(), top + BARCODE_HEIGHT + 5) + 2)


def _messages(page: _Page, order: SalesOrder) -> None:
    if order.buyer_message:
        page.boxed(_("Message from the buyer"), order.buyer_message)
    notes = list(order.notes.all())
    if notes:
        page.boxed(
            _("Internal notes"),
            "\n".join(
                f"{_when(note.created_at)} · {note.author.get_username() if note.author else '—'}:"
                f" {note.text}"
                for note in notes
            ),
        )


def _packing_list(page: _Page, order: SalesOrder) -> None:
    _head(page, order, _("Packing list"))
    page.columns([(_("Buyer"), _buyer_lines(order)), (_("Delivery"), _delivery_lines(order))])
    _pickup_point(page, order)
    page.heading(_("What goes in the parcel"))
    rows = [("#", _("SKU"), _("EAN"), _("Name"), _("Quantity"), _("Packed"))]
    rows += [
        (str(index), line.code, line.product.ean or "—", line.name, str(line.quantity), CHECKBOX)
        for index, line in enumerate(order.lines.all(), start=1)
    ]
    page.table_rows(
        rows,
        widths=(7, 30, 30, 81, 16, 22),
        align=("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "CENTER"),
    )
    total = sum(line.quantity for line in order.lines.all())
    page.text_line(_("Pieces in total: %(count)d") % {"count": total}, bold=True)
    _messages(page, order)


def _order_sheet(page: _Page, order: SalesOrder) -> None:
    _head(page, order, _("Order sheet"))
    page.text_line(
        _("Status: %(status)s · invoice %(invoice)s")
        % {
            "status": order.get_status_display(),
            "invoice": _("requested") if order.invoice_requested else _("not requested"),
        },
        bold=True,
    )
    page.ln(1)
    page.columns(
        [
            (_("Buyer"), _buyer_lines(order)),
            (_("Delivery"), _delivery_lines(order)),
            (_("Billing address"), _address_lines(order.billing_address)),
        ]
    )
    _pickup_point(page, order)
    page.heading(_("Lines"))
    rows = [("#", _("SKU"), _("EAN"), _("Name"), _("Qty"), _("Unit price"), _("Line total"))]
    rows += [
        (
            str(index),
            line.code,
            line.product.ean or "—",
            line.name,
            str(line.quantity),
            money(line.unit_price),
            money(line.total),
        )
        for index, line in enumerate(order.lines.all(), start=1)
    ]
    page.table_rows(
        rows,
        widths=(7, 24, 30, 60, 12, 26, 27),
        align=("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
    )
    for label, amount in (
        (_("Lines"), order.lines_total),
        (_("Delivery"), order.delivery_cost),
        (_("Total"), order.total),
    ):
        page.set_font(FAMILY, "B" if label == _("Total") else "", 9.5)
        page.cell(page.inner_width - 30, 5, label, align="R")
        page.cell(30, 5, money(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _messages(page, order)


def _document(title: str, orders: Sequence[SalesOrder], draw) -> bytes:
    page = _Page(title=title)
    for order in orders:
        page.title_line = f"{title} · {order.number}"
        draw(page, order)
    return bytes(page.output())


def packing_lists_pdf(orders: Sequence[SalesOrder]) -> bytes:
    """One packing list per order, each on its own page (or pages)."""
    return _document(_("Packing list"), orders, _packing_list)


def order_sheets_pdf(orders: Sequence[SalesOrder]) -> bytes:
    """One order sheet per order: everything about it, prices included."""
    return _document(_("Order sheet"), orders, _order_sheet)


def pick_list_pdf(picks: Sequence[PickLine], *, orders: Sequence[str]) -> bytes:
    """The products to take from the shelves for these orders, each once with its total."""
    title = _("Pick list")
    page = _Page(title=title)
    page.title_line = title
    page.add_page()
    page.text_line(title, size=17, bold=True, height=8)
    page.text_line(
        _("Orders: %(orders)d · products: %(products)d · pieces: %(pieces)d · printed %(when)s")
        % {
            "orders": len(orders),
            "products": len(picks),
            "pieces": sum(pick.quantity for pick in picks),
            "when": _when(timezone.now()),
        },
        size=8.5,
    )
    page.ln(2)
    rows = [(_("SKU"), _("EAN"), _("Name"), _("Quantity"), _("Orders"), _("Taken"))]
    rows += [
        (
            pick.code,
            pick.ean or "—",
            pick.name,
            str(pick.quantity),
            ", ".join(pick.orders),
            CHECKBOX,
        )
        for pick in picks
    ]
    page.table_rows(
        rows,
        widths=(26, 30, 50, 15, 45, 20),
        align=("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "CENTER"),
    )
    page.text_line(_("Orders: %(numbers)s") % {"numbers": ", ".join(orders)}, size=7.5)
    return bytes(page.output())
