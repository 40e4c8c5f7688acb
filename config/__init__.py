"""The project package: settings, root URLs, WSGI, the periodic jobs and the worker class."""
