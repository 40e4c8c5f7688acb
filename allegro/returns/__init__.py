"""Allegro\x27s customer returns and payment refunds (Allegro ▸ Zwroty, the order panels)."""
