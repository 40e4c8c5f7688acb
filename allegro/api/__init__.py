"""The only code that speaks HTTP to Allegro: the client, its typed errors, the typed view of
a checkout form, the request budget and the back-off. It imports no models and no ORM, so it
can be used and tested without a database (an import-linter contract keeps it that way)."""
