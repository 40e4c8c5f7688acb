"""gunicorn's configuration: production (deploy/systemd/shop-web.service) and `scripts/run`
start the web server with exactly this file: `gunicorn --config config/gunicorn.conf.py`.

Settings read here are documented with the others in deploy/shop.env.example.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
# nginx sits in front on the same machine; nothing else should reach gunicorn.
bind = [os.environ.get("WEB_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")]
# Processes run Python on every core. On a quiet 2-core machine single-threaded workers served
# the Allegro list faster (27.8 req/s) than 4 workers x 4 threads (24.2); on a machine busy with
# other work threads did better (bench/RESULTS.md, "The web server"): raise WEB_THREADS there.
workers = int(os.environ.get("WEB_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("WEB_THREADS", "1"))
# A request slower than this is killed (and logged) instead of holding a worker forever.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
# On SIGTERM (stop, restart) and SIGHUP (reload), requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, not all at once): a slow leak
# anywhere in the stack cannot grow for weeks.
max_requests = 2000
max_requests_jitter = 200
# Logs go to stdout/stderr: journald in production, var/log/web.log under scripts/run.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
# X-Forwarded-* is trusted from nginx on this machine only.
forwarded_allow_ips = "127.0.0.1,::1"
proc_name = "shop-web"
