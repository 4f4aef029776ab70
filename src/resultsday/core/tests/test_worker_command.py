import signal

import pytest
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)  # the worker closes its connections, as a real one does
def test_a_batch_worker_leaves_the_signal_handlers_as_it_found_them(settings) -> None:
    """db_worker takes over SIGINT, SIGTERM and SIGQUIT and leaves its handlers behind when a
    batch ends; in a process that goes on (tests, a command calling it) a later SIGTERM would
    reach a finished worker's shutdown (it hung a forked pool's terminate in the suite)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    numbers = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    before = [signal.getsignal(number) for number in numbers]
    call_command("worker", "--batch")
    assert [signal.getsignal(number) for number in numbers] == before
