"""procrastinate's app for the task-queue benchmark, through its own API: it has no backend
for Django's tasks API. `procrastinate --app=bench.task_procrastinate.app worker` runs it.

A stalled job (its worker stopped sending heartbeats) is not retried by procrastinate
itself: its documentation has a periodic task do it, which this app has, every 5 s.
"""

import os

from procrastinate import App, PsycopgConnector

from bench.task_delivery import deliver_to

# The heartbeat and stall bound mirror our lease (3 s renewals, 15 s lapse).
STALLED_AFTER = float(os.environ.get("BENCH_TASK_REDELIVER_SECONDS", "15"))

app = App(
    connector=PsycopgConnector(conninfo=os.environ.get("BENCH_PROCRASTINATE_URL", "")),
    worker_defaults={
        "concurrency": 1,
        "update_heartbeat_interval": STALLED_AFTER / 5,
        "stalled_worker_timeout": STALLED_AFTER,
    },
)


@app.task(name="deliver")
def deliver(url, delivery_id, enqueued_at):
    deliver_to(url, delivery_id, enqueued_at)


@app.periodic(cron="* * * * * */5")
@app.task(name="retry_stalled_jobs", queueing_lock="retry_stalled_jobs")
async def retry_stalled_jobs(timestamp):
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER):
        await app.job_manager.retry_job(job)
