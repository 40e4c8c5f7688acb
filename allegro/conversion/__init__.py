"""An Allegro order becomes a sales order, by hand, in bulk or automatically, exactly once."""
