"""A service's pid file names one process: when the system has given that pid to another process, the
service reads as stopped and `stop` leaves the stranger alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_project.stack.process import BackgroundProcess, ProcessSpec

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def test_stop_ends_the_service_it_started(tmp_path: Path) -> None:
    service = BackgroundProcess(ProcessSpec("sleeper", SLEEPER, {}, tmp_path), tmp_path)
    assert service.start() and service.pid() is not None
    pid = service.pid()
    assert service.stop(timeout=10) and service.pid() is None
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]


def test_a_pid_file_naming_another_process_is_stale_and_stop_does_not_signal_it(tmp_path: Path) -> None:
    stranger = subprocess.Popen(SLEEPER, start_new_session=True)  # the same program, started by someone else
    try:
        service = BackgroundProcess(ProcessSpec("sleeper", SLEEPER, {}, tmp_path), tmp_path)
        other = BackgroundProcess(ProcessSpec("webserver", ["/opt/x/dagster-webserver"], {}, tmp_path), tmp_path)
        service.pid_file.parent.mkdir(parents=True)
        # a reused pid (its start time differs); an old-format pid file of a service running another program
        for owner, recorded in ((service, f"{stranger.pid} 1\n"), (other, f"{stranger.pid}\n")):
            owner.pid_file.write_text(recorded)
            assert owner.pid() is None
            assert owner.stop(timeout=5) is False and not owner.pid_file.exists()
            assert stranger.poll() is None, "the stranger was signalled"
    finally:
        stranger.kill()
        stranger.wait()


def test_an_old_format_pid_file_of_the_running_program_still_stops_it(tmp_path: Path) -> None:
    service = BackgroundProcess(ProcessSpec("sleeper", SLEEPER, {}, tmp_path), tmp_path)
    assert service.start()
    service.pid_file.write_text(f"{service.pid()}\n")
    assert service.pid() is not None and service.stop(timeout=10) and service.pid() is None

