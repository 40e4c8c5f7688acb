"""deploy/ as README "Run it in production" installs it: the systemd units pass
`systemd-analyze verify`, the nginx site passes `nginx -t`, and the stack comes up the way the
units hold it (gunicorn from shop-web.service's ExecStart, with the environment file, behind
the nginx site with a certificate) and answers through nginx.

The units and the site name their real paths (/srv/shop, /etc/shop, /etc/letsencrypt); the
tests render them under a throwaway prefix and on free loopback ports."""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import urllib3

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def tool(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def unit_directives(path: Path) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            directives.setdefault(key.strip(), []).append(value.strip())
    return directives


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Prefix:
    """/srv/shop and /etc/shop under a temporary folder: the code (this checkout), the
    virtualenv (the one running the tests), the var folder and the environment file."""

    root: Path

    @property
    def srv(self) -> Path:
        return self.root / "srv/shop"

    @property
    def etc(self) -> Path:
        return self.root / "etc/shop"

    def render(self, text: str) -> str:
        return text.replace("/srv/shop", str(self.srv)).replace("/etc/shop", str(self.etc))


@pytest.fixture
def prefix(tmp_path: Path) -> Prefix:
    prefix = Prefix(tmp_path / "prefix")
    prefix.srv.mkdir(parents=True)
    prefix.etc.mkdir(parents=True)
    (prefix.srv / "app").symlink_to(ROOT)
    (prefix.srv / "venv").symlink_to(sys.prefix)
    (prefix.srv / "var").mkdir()
    return prefix


def test_units_are_the_web_server_n_workers_and_exactly_one_scheduler():
    assert [unit.name for unit in UNITS] == [
        "shop-scheduler.service",
        "shop-web.service",
        "shop-worker@.service",
    ]
    for unit in UNITS:
        directives = unit_directives(unit)
        assert directives["Restart"] == ["always"], unit.name
        assert directives["StartLimitIntervalSec"] == ["0"], f"{unit.name} gives up restarting"
        assert directives["EnvironmentFile"] == ["/etc/shop/shop.env"], unit.name
        assert directives["User"] == ["shop"], unit.name
        assert directives["WorkingDirectory"] == ["/srv/shop/app"], unit.name
    web = unit_directives(DEPLOY / "systemd/shop-web.service")
    assert "gunicorn --config /srv/shop/app/config/gunicorn.conf.py" in web["ExecStart"][0]
    worker = unit_directives(DEPLOY / "systemd/shop-worker@.service")
    assert "manage.py rqworker default --with-scheduler" in worker["ExecStart"][0]
    # Warm shutdown: the main process alone gets SIGTERM, and SIGKILL only after the longest
    # job the queue allows.
    from django.conf import settings

    assert worker["KillMode"] == ["mixed"]
    assert int(worker["TimeoutStopSec"][0]) > settings.RQ_QUEUES["default"]["DEFAULT_TIMEOUT"]
    scheduler = unit_directives(DEPLOY / "systemd/shop-scheduler.service")
    assert scheduler["ExecStart"][0].endswith("manage.py scheduler")
    assert "RestartSec" in scheduler


@pytest.mark.skipif(not tool("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(prefix: Prefix, tmp_path: Path):
    rendered = tmp_path / "units"
    rendered.mkdir()
    (prefix.etc / "shop.env").write_text("DEBUG=0\n")
    for unit in UNITS:
        (rendered / unit.name).write_text(prefix.render(unit.read_text()))
    # A template is verified as the instance an admin enables.
    shutil.copy(rendered / "shop-worker@.service", rendered / "shop-worker@1.service")
    names = ["shop-web.service", "shop-scheduler.service", "shop-worker@1.service"]
    result = subprocess.run(
        [tool("systemd-analyze"), "verify", "--man=no", *[f"./{name}" for name in names]],
        cwd=rendered,
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "shop-" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr


def test_the_sites_upload_limit_lets_every_invoice_reach_the_form():
    from sales.services import MAX_INVOICE_BYTES

    site = (DEPLOY / "nginx/shop.conf").read_text()
    match = re.search(r"client_max_body_size (\d+)m;", site)
    assert match, "the site sets no upload limit (nginx's default is 1 MB)"
    # Room for the form's other fields and the multipart boundaries around the largest file.
    assert int(match[1]) * 1024 * 1024 >= MAX_INVOICE_BYTES + 64 * 1024


def test_nginx_serves_static_files_from_the_settings_static_root():
    from django.conf import settings

    site = (DEPLOY / "nginx/shop.conf").read_text()
    default_root = Path("/srv/shop/app") / Path(settings.STATIC_ROOT).relative_to(ROOT)
    if "STATIC_ROOT" in os.environ:
        pytest.skip("STATIC_ROOT is set in this environment; the default is checked")
    assert f"alias {default_root}/;" in site


def render_site(
    prefix: Prefix, certs: Path, static_root: Path, *, http: int, https: int, web: int
) -> str:
    site = (DEPLOY / "nginx/shop.conf").read_text()
    replacements = [
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("/etc/letsencrypt/live/shop.example.com/", f"{certs}/"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{web};"),
        ("alias /srv/shop/app/staticfiles/;", f"alias {static_root}/;"),
        ("root /var/www/html;", f"root {certs};"),
    ]
    for old, new in replacements:
        assert old in site, f"deploy/nginx/shop.conf changed shape: no {old!r}"
        site = site.replace(old, new)
    return prefix.render(site)


def nginx_main_conf(work: Path, site: Path) -> Path:
    """What Debian's /etc/nginx/nginx.conf gives a site in sites-enabled, in `work`."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = work / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/error.log;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        "  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
        f"  access_log {work}/access.log;\n"
        + "".join(
            f"  {kind}_temp_path {work}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"  include {site};\n}}\n"
    )
    return conf


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate where certbot puts Let's Encrypt's."""
    if not tool("openssl"):
        pytest.skip("openssl is not installed")
    certs = tmp_path / "letsencrypt"
    certs.mkdir()
    subprocess.run(
        [tool("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=shop.example.com",
         "-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return certs


def nginx_test(nginx: str, conf: Path, work: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nginx, "-t", "-p", str(work), "-e", str(work / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def environment_file(prefix: Prefix, tmp_path: Path, **overrides: str) -> dict[str, str]:
    """deploy/shop.env.example filled in as an admin would, at the unit's EnvironmentFile
    path; returns the variables as systemd reads them."""
    lines = []
    for line in (DEPLOY / "shop.env.example").read_text().splitlines():
        name = line.split("=", 1)[0]
        if not line.startswith("#") and "=" in line and name in overrides:
            line = f"{name}={overrides.pop(name)}"
        lines.append(line)
    lines += [f"{name}={value}" for name, value in overrides.items()]
    env_file = prefix.etc / "shop.env"
    env_file.write_text(prefix.render("\n".join(lines) + "\n"))
    return dict(
        line.split("=", 1)
        for line in env_file.read_text().splitlines()
        if line and not line.startswith("#")
    )


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}: {log.read_text()}")


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in reversed(processes):
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.skipif(not tool("nginx"), reason="nginx is not installed")
def test_the_stack_comes_up_as_the_units_hold_it_and_answers_through_nginx(
    prefix: Prefix,
    certificate: Path,
    tmp_path: Path,
    running: list[subprocess.Popen[bytes]],
):
    nginx = tool("nginx")
    assert nginx
    http, https, web = free_port(), free_port(), free_port()
    static_root = tmp_path / "static"
    env = environment_file(
        prefix,
        tmp_path,
        SECRET_KEY="deploy-test-secret-key-that-is-long-enough-for-check-deploy-0123",
        ALLOWED_HOSTS="shop.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'shop.sqlite3'}",
        STATIC_ROOT=str(static_root),
        PORT=str(web),
        WEB_WORKERS="1",
    )
    env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")

    # The upgrade's collectstatic, with the services' settings.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT, env=env, check=True, timeout=120,
    )  # fmt: skip

    work = tmp_path / "nginx"
    work.mkdir()
    site = work / "shop.conf"
    site.write_text(render_site(prefix, certificate, static_root, http=http, https=https, web=web))
    conf = nginx_main_conf(work, site)
    checked = nginx_test(nginx, conf, work)
    assert checked.returncode == 0, checked.stderr

    # gunicorn exactly as shop-web.service starts it.
    unit = unit_directives(DEPLOY / "systemd/shop-web.service")
    command = shlex.split(prefix.render(unit["ExecStart"][0]))
    assert Path(command[0]).exists(), command
    web_log = tmp_path / "web.log"
    with web_log.open("wb") as output:
        running.append(
            subprocess.Popen(
                command,
                cwd=prefix.render(unit["WorkingDirectory"][0]),
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        )
    nginx_log = work / "error.log"
    running.append(
        subprocess.Popen(
            [nginx, "-p", str(work), "-e", str(nginx_log), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
    )
    wait_for_port(web, running[0], web_log)
    wait_for_port(https, running[1], nginx_log)

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    host = {"Host": "shop.example.com"}
    plain = requests.get(
        f"http://127.0.0.1:{http}/", headers=host, allow_redirects=False, timeout=10
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://shop.example.com/"

    page = requests.get(
        f"https://127.0.0.1:{https}/", headers=host, allow_redirects=False, verify=False, timeout=30
    )
    # Django saw HTTPS through X-Forwarded-Proto (no redirect loop) and asks for a sign-in.
    assert page.status_code == 302, (page.status_code, web_log.read_text())
    assert page.headers["Location"] == "/login/?next=/"
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]

    css = requests.get(
        f"https://127.0.0.1:{https}/static/shop/app.css",
        headers={**host, "Accept-Encoding": "gzip"},
        verify=False,
        timeout=10,
    )
    assert css.status_code == 200
    assert css.headers["Content-Type"] == "text/css"
    assert css.headers["Content-Encoding"] == "gzip"  # WhiteNoise's copy, sent as it is
    assert css.text == (ROOT / "shop/static/shop/app.css").read_text()
