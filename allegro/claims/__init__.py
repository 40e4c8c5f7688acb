"""Commission refund claims ("zwrot prowizji"): filed, followed and cancelled on Allegro."""
