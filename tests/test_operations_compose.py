"""The stack to run: compose.yaml validates with Docker Compose, and runs what the README promises; the image
copies files that exist and serves the API under gunicorn's config.

Compose validates the file itself (`config -q`: schema, anchors, interpolation); without any compose CLI on the
machine the structure checks below still run, and a warning says validation did not (never a silent pass).
`docker compose up` is not run here: it needs a Docker daemon and images from a registry.
"""

import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "api", "worker-1", "worker-2")


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_docker_compose_validates_the_file():
    command = _compose_command()
    if command is None:
        warnings.warn("no `docker compose` / `docker-compose` on this machine: compose.yaml was NOT validated by "
                      "Compose, only by the structure checks of this module", stacklevel=1)
        assert (ROOT / "compose.yaml").is_file()
        return
    result = subprocess.run([*command, "-f", "compose.yaml", "config", "-q"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_stack_has_its_services_with_health_checks(compose):
    services = compose["services"]
    assert {"postgres", "redis", *APP_SERVICES} <= set(services)
    for name in ("postgres", "redis", "api", "worker-1", "worker-2"):
        assert services[name]["healthcheck"]["test"], name
    assert "readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert services["worker-1"]["healthcheck"]["test"][-1] == "worker-health"
    assert services["migrate"]["command"] == ["socialscalr", "db", "upgrade"]
    for name in ("api", "worker-1", "worker-2"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy", name
    assert services["api"]["command"][:3] == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert all(services[name]["command"][:2] == ["socialscalr", "worker"] for name in ("worker-1", "worker-2"))


def test_one_image_for_every_process(compose):
    images = {compose["services"][name]["image"] for name in APP_SERVICES}
    assert images == {"socialscalr:latest"}
    assert all(compose["services"][name]["build"] == "." for name in APP_SERVICES)


def test_the_stop_grace_periods_outlast_the_drains(compose):
    """Docker sends SIGKILL after the grace period: it must be longer than gunicorn's graceful_timeout and than
    the longest job a worker finishes on SIGTERM."""
    seconds = {name: int(compose["services"][name]["stop_grace_period"].rstrip("s"))
               for name in ("api", "worker-1", "worker-2")}
    graceful = int(re.search(r'GUNICORN_GRACEFUL_TIMEOUT"\) or (\d+)', (ROOT / "gunicorn.conf.py").read_text())[1])
    assert seconds["api"] > graceful
    assert min(seconds["worker-1"], seconds["worker-2"]) >= 60


def test_the_dockerfile_copies_what_exists_and_serves_with_gunicorn():
    text = (ROOT / "Dockerfile").read_text()
    for line in text.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]' in text
