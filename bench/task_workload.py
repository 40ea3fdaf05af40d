"""The task-queue benchmark's task: a webhook-like delivery to the harness's receiver.

The receiver (bench/task_queues.py) records the delivery's id when the POST arrives, holds
it ~200 ms (a partner's endpoint), and the task then reports that it finished. The same
function runs on every candidate: through Django's tasks API (`deliver`), or through
procrastinate's own API (bench/task_procrastinate.py).
"""

from django_tasks import task

from bench.task_delivery import deliver_to


@task()
def deliver(url, delivery_id, enqueued_at):
    deliver_to(url, delivery_id, enqueued_at)
