"""Parcel tracking: the carrier's history of each tracking number sent to Allegro."""
