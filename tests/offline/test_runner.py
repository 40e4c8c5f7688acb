"""The test-server runners and the shared CLI, against the toy server and the real two."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import requests

from offline.app import OfflineApp
from offline.cli import ServerCli
from offline.testing import free_port, running_process, running_server, wait_until_answers
from tests.offline.conftest import TOKEN, ToyApp

ROOT = Path(__file__).resolve().parents[2]


class ToyCli(ServerCli):
    module = "toy"
    port = 1  # nothing listens there
    control_prefix = "/_toy"
    faults_doc = "the toy"


def test_running_server_serves_on_a_free_port_and_stops(tmp_path: Path) -> None:
    with running_server(ToyApp(tmp_path / "toy.sqlite3")) as url:
        answer = requests.get(f"{url}/api/hello", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.json()["hello"] == "world"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/api/hello", timeout=2)


def test_wait_until_answers_gives_up() -> None:
    with pytest.raises(TimeoutError):
        wait_until_answers(f"http://127.0.0.1:{free_port()}/", timeout=0.3)


@pytest.mark.parametrize(
    ("module", "probe"), [("emulator", "/_emulator/state"), ("erp_simulator", "/_sim/state")]
)
def test_serve_command_runs_until_stopped(tmp_path: Path, module: str, probe: str) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [
        sys.executable,
        "-m",
        module,
        "serve",
        "--port",
        str(port),
        "--db",
        str(tmp_path / "db"),
    ]
    with running_process(argv, url + probe, cwd=ROOT, timeout=30) as process:
        assert requests.get(url + probe, timeout=5).status_code == 200
    assert process.returncode is not None
    with pytest.raises(requests.ConnectionError):
        requests.get(url + probe, timeout=2)


def test_running_process_says_why_a_server_died(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "erp_simulator", "serve", "--port", "not-a-port"]
    with (
        pytest.raises(RuntimeError, match="invalid int value"),
        running_process(argv, f"http://127.0.0.1:{free_port()}/", cwd=ROOT, timeout=5),
    ):
        pass


def test_cli_faults_state_and_reset_call_the_control_endpoints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app: OfflineApp = ToyApp(tmp_path / "toy.sqlite3")
    with running_server(app) as url:
        cli = ToyCli()
        assert cli.main(["faults", '{"type": "down"}', "--url", url]) == 0
        assert json.loads(capsys.readouterr().out)["faults"][0]["type"] == "down"
        assert cli.main(["faults", "--url", url]) == 0
        assert len(json.loads(capsys.readouterr().out)["faults"]) == 1
        assert cli.main(["faults", '{"type": "nope"}', "--url", url]) == 1
        assert "type must be one of" in capsys.readouterr().out
        assert cli.main(["faults", "--clear", "--url", url]) == 0
        assert json.loads(capsys.readouterr().out) == {"faults": []}
        assert cli.main(["state", "--url", url]) == 1  # the toy has no /state: 404, HTML
        assert "Not Found" in capsys.readouterr().out


def test_cli_says_how_to_start_a_server_nobody_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert ToyCli().main(["reset"]) == 2
    assert "python -m toy serve" in capsys.readouterr().err


def test_cli_serve_options_default_to_the_servers() -> None:
    from emulator.cli import EmulatorCli
    from erp_simulator.cli import ErpCli

    for cli, port, db in (
        (EmulatorCli(), 8765, "var/emulator.sqlite3"),
        (ErpCli(), 8766, "var/erp.sqlite3"),
    ):
        args = cli.parser().parse_args(["serve"])
        assert (args.host, args.port, args.db) == ("127.0.0.1", port, db)
        assert cli.parser().parse_args(["state"]).url == f"http://127.0.0.1:{port}"
