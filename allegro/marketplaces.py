"""Allegro's marketplaces the shop knows (Allegro's `GET /marketplaces`)."""

from django.db import models


class Marketplace(models.TextChoices):
    ALLEGRO_PL = "allegro-pl", "allegro.pl"
    ALLEGRO_CZ = "allegro-cz", "allegro.cz"
    ALLEGRO_SK = "allegro-sk", "allegro.sk"
    ALLEGRO_HU = "allegro-hu", "allegro.hu"
    ALLEGRO_BUSINESS_CZ = "allegro-business-cz", "allegro business .cz"
