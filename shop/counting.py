"""Counts that cost the same whatever the size of the table: each stops at the list's cap."""

from collections.abc import Mapping
from typing import Any

from django.db import connections
from django.db.models import QuerySet, Value

from shop import listing


def capped_counts(
    counted: Mapping[str, QuerySet[Any]], *, cap: int | None = None
) -> dict[str, int]:
    """How many rows each of `counted` has, up to `cap` + 1 (default listing.COUNT_CAP; more
    than the cap: cap + 1), in one query: a `SELECT COUNT(*) FROM (… LIMIT cap + 1)` each.

    A sub-count stops after cap + 1 rows, so counts per status cost the same at 100,000 or
    10,000,000 orders when an index serves each condition, where a grouped count reads every
    row. A condition no index serves reads the rows it is tested on: the caller's indexes
    decide what this costs."""
    if not counted:
        return {}
    cap = listing.COUNT_CAP if cap is None else cap
    using = next(iter(counted.values())).db
    parts: list[str] = []
    params: list[Any] = []
    for index, rows in enumerate(counted.values()):
        limited = rows.order_by().annotate(counted=Value(1)).values("counted")[: cap + 1]
        # Not elided when it can match nothing (a search of no letter): "WHERE 0 = 1", 0.
        sql, sub_params = limited.query.get_compiler(using=using, elide_empty=False).as_sql()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{index})")
        params.extend(sub_params)
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return dict(zip(counted, row, strict=True))
