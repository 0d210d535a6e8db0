from pathlib import Path

import pytest
import yaml
from django.db import transaction

from depok_cases.celery import app
from depok_cases.tasks import depok_task, enqueue_on_commit

ROOT = Path(__file__).resolve().parents[2]

calls: list[int] = []


@depok_task(retry_for=(ConnectionError,))
def record_call(thing_id: int) -> None:
    calls.append(thing_id)


def test_our_task_decorator_acks_late_and_rejects_on_worker_loss():
    assert record_call.acks_late is True
    assert record_call.reject_on_worker_lost is True
    assert record_call.autoretry_for == (ConnectionError,)
    assert record_call.max_retries == 5


def test_every_registered_task_of_ours_uses_the_decorator():
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    for name in ours:
        assert app.tasks[name].acks_late, f"{name} does not use depok_task"


@pytest.mark.django_db(transaction=True)
def test_tasks_are_sent_after_commit_and_not_after_rollback():
    calls.clear()
    with transaction.atomic():
        enqueue_on_commit(record_call, 7)
        assert calls == []
    assert calls == [7]
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(record_call, 8)
        raise RuntimeError("rolled back")
    assert calls == [7]


@pytest.mark.parametrize("argument", ["Siti Aminah", {"id": 1}, 1.5, True])
def test_tasks_take_ids_only(argument):
    with pytest.raises(TypeError):
        enqueue_on_commit(record_call, argument)


def test_every_compose_service_runs_something_that_exists_in_the_project():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("web", "worker", "beat"):
        service = services[name]
        command = service["command"]
        command = command if isinstance(command, str) else " ".join(command)
        assert "healthcheck" in service or name != "web"
        if command.startswith("gunicorn"):
            assert "depok_cases.wsgi:application" in command
            assert (ROOT / "depok_cases" / "wsgi.py").exists()
        else:
            assert command.startswith("celery -A depok_cases"), command
            assert (ROOT / "depok_cases" / "celery.py").exists()
        assert service["build"]["dockerfile"] == "Dockerfile"
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name]
    assert "postgres-data" in compose["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements/base.txt" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and "var" in ignored and ".env" in ignored
