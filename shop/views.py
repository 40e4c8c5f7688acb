"""Ustawienia sklepu: the shop variant, currencies and products. Views stay thin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop import health as health_checks
from shop.currencies import currency_source
from shop.forms import (
    AuditFilterForm,
    CurrencyAvailabilityForm,
    ProductForm,
    ProductSearchForm,
    UserCreateForm,
    UserUpdateForm,
    VariantForm,
)
from shop.listing import filtered_page
from shop.models import Product, ShopSettings
from shop.roles import OPERATOR
from shop.selectors import (
    audit_actions,
    audit_entries,
    currency_list,
    login_lockouts,
    product_list,
    staff_list,
    user_role,
)
from shop.services import (
    UserRefused,
    currency_set_available,
    lockout_lift,
    product_create,
    product_update,
    shop_variant_set,
    user_create,
    user_update,
)

PRODUCTS_PER_PAGE = 50


def _settings_page(request: HttpRequest, variant_form: VariantForm) -> HttpResponse:
    search_form = ProductSearchForm(request.GET)
    search = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    page = Paginator(product_list(search=search), PRODUCTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "title": _("Shop settings"),
        "variant_form": variant_form,
        "currencies": currency_list(),
        "currency_source": currency_source(),
        "search_form": search_form,
        "page": page,
        "search": search,
    }
    return render(request, "shop/settings_detail.html", context)


@permission_required("shop.manage_shop_settings", raise_exception=True)
def settings_detail(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = VariantForm(initial={"variant": ShopSettings.load().variant})
        return _settings_page(request, form)
    form = VariantForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, form)
    shop_settings = shop_variant_set(variant=form.cleaned_data["variant"], user=request.user)
    messages.success(
        request,
        _("Shop variant set to %(variant)s.") % {"variant": shop_settings.get_variant_display()},
    )
    return redirect("shop:settings")


@require_POST
@permission_required("shop.manage_shop_settings", raise_exception=True)
def currency_update(request: HttpRequest) -> HttpResponse:
    form = CurrencyAvailabilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The currency change was not understood."))
        return redirect("shop:settings")
    code, available = form.cleaned_data["code"], form.cleaned_data["available"]
    try:
        currency_set_available(code=code, available=available, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if available:
            messages.success(request, _("%(code)s is now available.") % {"code": code})
        else:
            messages.success(request, _("%(code)s is no longer available.") % {"code": code})
    return redirect("shop:settings")


@permission_required("shop.add_product", raise_exception=True)
def product_create_view(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = product_create(
                **{k: form.cleaned_data[k] for k in ("sku", "ean", "name", "vat_rate", "price")},
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Product %(product)s added.") % {"product": product})
            return redirect("shop:settings")
    return render(request, "shop/product_form.html", {"title": _("Add product"), "form": form})


@permission_required("shop.change_product", raise_exception=True)
def product_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        try:
            product_update(product=product, **form.cleaned_data, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Product %(product)s saved.") % {"product": product})
            return redirect("shop:settings")
    context = {"title": f"{_('Edit product')} {product.sku}", "form": form, "product": product}
    return render(request, "shop/product_form.html", context)


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when the database and Redis answer, else 503."""
    found = [health_checks.database_check(), health_checks.redis_check()]
    body = {check.key: "ok" if check.ok else check.detail for check in found}
    return JsonResponse(body, status=200 if all(check.ok for check in found) else 503)


@require_GET
@permission_required("shop.manage_shop_settings", raise_exception=True)
def health_detail(request: HttpRequest) -> HttpResponse:
    context = {"title": _("System health"), "checks": health_checks.checks()}
    return render(request, "shop/health_detail.html", context)


# Users, their roles and sign-in lockouts (Administrators).


@permission_required("shop.manage_users", raise_exception=True)
def user_list(request: HttpRequest) -> HttpResponse:
    context = {
        "title": _("Users"),
        "users": [(member, user_role(user=member)) for member in staff_list()],
        "lockouts": login_lockouts(),
        "form": UserCreateForm(),
    }
    return render(request, "shop/user_list.html", context)


@permission_required("shop.manage_users", raise_exception=True)
def user_create_view(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = user_create(**form.cleaned_data, user=request.user)
        except ValidationError as error:
            form.add_error("password", error)
        except UserRefused as refusal:
            form.add_error("username", str(refusal))
        else:
            messages.success(request, _("User %(username)s added.") % {"username": member})
            return redirect("shop:users")
    return render(request, "shop/user_form.html", {"title": _("Add user"), "form": form})


@permission_required("shop.manage_users", raise_exception=True)
def user_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    initial = {"role": user_role(user=member) or OPERATOR, "is_active": member.is_active}
    form = UserUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(target_id=member.pk, **form.cleaned_data, user=request.user)
        except ValidationError as error:
            form.add_error("password", error)
        except UserRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("User %(username)s saved.") % {"username": member})
            return redirect("shop:users")
    context = {"title": f"{_('User')} {member.get_username()}", "form": form, "member": member}
    return render(request, "shop/user_form.html", context)


@require_POST
@permission_required("shop.manage_users", raise_exception=True)
def lockout_lift_view(request: HttpRequest, pk: int) -> HttpResponse:
    if lockout_lift(attempt_id=pk, user=request.user):
        messages.success(request, _("The lockout is lifted: they may sign in again."))
    return redirect("shop:users")


@permission_required("shop.view_audit_trail", raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET, actions=audit_actions())
    page = filtered_page(request, form, audit_entries)
    return render(
        request, "shop/audit_list.html", {"title": _("Audit trail"), "form": form, "page": page}
    )
