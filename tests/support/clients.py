"""Test clients signed in with a role, as shop staff use the back office."""

from django.test import Client

from shop.roles import ADMINISTRATOR, OPERATOR
from tests.support.factories import make_user

# The usernames pages and histories show for the two fixtures' users.
OPERATOR_USERNAME = "operator"
ADMINISTRATOR_USERNAME = "szef"


def signed_in(
    client: Client | None = None, *, role: str | None, username: str | None = None
) -> Client:
    """`client` (or a new one) signed in as a new user in `role` (None: a user with no role)."""
    client = client or Client()
    client.force_login(make_user(role=role, username=username))
    return client


def operator(client: Client | None = None) -> Client:
    return signed_in(client, role=OPERATOR, username=OPERATOR_USERNAME)


def administrator(client: Client | None = None) -> Client:
    return signed_in(client, role=ADMINISTRATOR, username=ADMINISTRATOR_USERNAME)
