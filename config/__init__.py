"""The project package: settings, root URLs, WSGI, the periodic jobs and the worker class."""

# The product's version, in one place: settings.PRODUCT_VERSION and the User-Agent sent to
# Allegro read it from here.
__version__ = "1.0.0"
