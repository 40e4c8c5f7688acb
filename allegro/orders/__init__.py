"""Allegro's orders (checkout forms): the import, the lists, the detail, import problems."""
