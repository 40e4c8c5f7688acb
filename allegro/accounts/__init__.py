"""Seller accounts: connecting one (OAuth device flow), its tokens at rest, its client."""
