from django.http import HttpRequest, HttpResponse


def order_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Allegro ▸ Zamówienia")
