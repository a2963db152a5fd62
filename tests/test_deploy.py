"""The deployment files (Dockerfile, compose.yaml, deploy/nginx/) say what the Makefile and
scripts/cluster.sh say: the same gunicorn settings, worker and migration commands, asset
build and nginx server. Docker itself cannot run here; these checks can."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, skip_or_fail

WEB_FLAGS = ("--worker-class", "--workers", "--threads", "--graceful-timeout")


def recipe_lines(text: str) -> list[str]:
    """Lines with their backslash continuations joined."""
    return re.sub(r"\\\n\s*", " ", text).splitlines()


def makefile_command(word: str) -> list[str]:
    """The first Makefile recipe line running `word`, as argv (from `word` on)."""
    for line in recipe_lines((ROOT / "Makefile").read_text()):
        if line.lstrip().startswith("#"):
            continue  # a comment, not a command (and may hold an apostrophe)
        argv = shlex.split(line.strip())
        for i, token in enumerate(argv):
            if token.endswith(f"/{word}"):
                return [word, *argv[i + 1:]]
    raise AssertionError(f"no {word} command in the Makefile")


def flags(argv: list[str]) -> dict[str, str]:
    return {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i] in WEB_FLAGS}


def dockerfile_cmd() -> list[str]:
    text = "\n".join(recipe_lines((ROOT / "Dockerfile").read_text()))
    match = re.search(r"^CMD (\[.*\])$", text, re.M)
    assert match, "the Dockerfile has no exec-form CMD"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_image_serves_as_make_run_does() -> None:
    made = makefile_command("gunicorn")
    image = dockerfile_cmd()
    assert image[0] == "gunicorn"
    assert flags(image) == flags(made)
    assert image[-1] == made[-1] == "app:create_app()"
    cluster = shlex.split(" ".join(recipe_lines((ROOT / "scripts/cluster.sh").read_text())))
    at = cluster.index("--worker-class")
    assert flags(cluster[at:]) | {"--threads": made[made.index("--threads") + 1]} == flags(made)


def test_the_image_builds_assets_and_installs_as_the_makefile_does() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    make = (ROOT / "Makefile").read_text()
    npm = re.search(r"npm ci[^\n]*", make)
    assert npm and f"RUN {npm.group(0)}" in docker
    assert "COPY package.json package-lock.json" in docker
    assert "RUN bash scripts/vendor-assets.sh" in docker and "bash scripts/vendor-assets.sh" in make
    assert "pip install -e ." in docker and "pip install $(PIP_FLAGS) -e ." in make
    assert re.search(r"^USER (?!root)\w+", docker, re.M), "the app must not run as root"
    stages = re.findall(r"^FROM \S+ AS (\w+)", docker, re.M)
    assert stages[-1] == "app" and {"assets", "build", "nginx"} <= set(stages)


def test_compose_runs_the_cluster_topology(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"nginx", "web1", "web2", "worker", "db", "redis", "migrate"}
    # `make run` migrates first (its first flask line), `make worker` runs the dispatcher.
    assert services["migrate"]["command"] == makefile_command("flask") == [
        "flask", "--app", "app", "db", "upgrade"]
    make_worker = re.search(r"^worker:.*\n\t\$\(BIN\)/(flask .*)$", (ROOT / "Makefile").read_text(),
                            re.M)
    assert make_worker and services["worker"]["command"] == make_worker.group(1).split()
    for name in ("db", "redis", "web1", "web2", "nginx"):
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    for name in ("web1", "web2", "worker", "migrate"):
        service = services[name]
        assert "instance:/app/instance" in service["volumes"], name
        assert service["environment"]["TRUSTED_PROXIES"] == "1"
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert service["build"]["target"] == "app"
    for name in ("web1", "web2", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}
    assert services["nginx"]["build"]["target"] == "nginx"
    assert services["nginx"]["ports"] == ["${ORDERTALK_PORT:-8080}:80"]
    assert set(compose["volumes"]) == {"pgdata", "instance"}


def test_nginx_upstreams_name_every_web_service(compose: dict[str, Any]) -> None:
    web = {name for name in compose["services"] if re.fullmatch(r"web\d+", name)}
    conf = (ROOT / "deploy/nginx/compose.conf").read_text()
    for upstream in ("ordertalk_http", "ordertalk_socketio"):
        block = re.search(rf"upstream {upstream} \{{(.*?)\}}", conf, re.S)
        assert block, upstream
        assert set(re.findall(r"server (web\d+):8000", block.group(1))) == web


def test_the_compose_nginx_config_is_valid(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        skip_or_fail("nginx is not installed (.ci/run installs it): apt-get install -y nginx")
    server = (ROOT / "deploy/nginx/compose.conf").read_text()
    server = re.sub(r"\bweb(\d+):8000", r"127.0.0.1:80\1", server)  # no Docker DNS here
    server = server.replace("/etc/nginx/ordertalk/ordertalk.conf",
                            str(ROOT / "deploy/nginx/ordertalk.conf"))
    server = server.replace("listen 80;", "listen 127.0.0.1:1;")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\ninclude /etc/nginx/mime.types;\n{server}\n}}\n")
    checked = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
         "-e", str(tmp_path / "error.log")], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
