"""`manage.py generate_stories N`: a realistic archive of published bilingual stories, fast.

Content comes from `cms.demo.generator` (Zipf-drawn words in both languages, derived fields
as the models fill them). Batches are written and forgotten, so memory stays bounded at any
N; on PostgreSQL rows are streamed with COPY (`cms.demo.bulk`), and `--jobs` processes
generate and write batches side by side (segmenting Chinese text for search dominates the time,
and it is Python: one process keeps one core busy).

Each batch draws from a generator seeded with the seed and the batch's position, so the same
seed gives the same stories whatever the number of jobs.
"""

import multiprocessing
import random
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.utils import timezone
from tqdm import tqdm

from cms.counting import counts
from cms.demo import bulk, generator
from cms.models import Story, StoryTag, StoryTranslation
from cms.search import index

MAX_JOBS = 64
TABLES = ("cms_story", "cms_story_translation", "cms_storytag", "cms_story_search")


def positive(value, name):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise CommandError(f"{name}: {value!r} is not a whole number.") from None
    if number < 1:
        raise CommandError(f"{name}: {number} is not a positive number.")
    return number


class Command(BaseCommand):
    help = (
        "Create N realistic published bilingual stories (for benchmarks), in batches, "
        "with Zipf-distributed words in English and Chinese."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", help="How many stories to create.")
        parser.add_argument(
            "--batch-size", default="2000", help="Stories per transaction (default 2000)."
        )
        parser.add_argument(
            "--seed", default=None, help="Random seed: the same seed gives the same content."
        )
        parser.add_argument(
            "--days", default="365", help="Spread publish times over this many past days."
        )
        parser.add_argument(
            "--jobs",
            default="1",
            help="PostgreSQL: processes that generate and write batches at once (default 1).",
        )
        parser.add_argument(
            "--rebuild-indexes",
            action="store_true",
            help=(
                "PostgreSQL: drop the story tables' secondary indexes and the search trigger "
                "while loading, then fill the search table and build the indexes once at the "
                "end. Much faster for large N, but queries are slow (and searches miss the new "
                "stories) meanwhile."
            ),
        )

    def handle(self, *args, **options):
        count = positive(options["count"], "N")
        batch_size = positive(options["batch_size"], "--batch-size")
        days = positive(options["days"], "--days")
        jobs = positive(options["jobs"], "--jobs")
        if jobs > MAX_JOBS:
            # Each job holds a database connection: hundreds would exhaust the server's.
            raise CommandError(f"--jobs: {jobs} is more than {MAX_JOBS}.")
        shared = {
            "seed": options["seed"],
            "tags": generator.ensure_tags(),
            "sources": generator.ensure_sources(),
            "now": timezone.now(),
            "days": days,
            "run": uuid.uuid4().hex[:6],
        }
        batches = [(start, min(batch_size, count - start)) for start in range(0, count, batch_size)]
        jobs = min(jobs, len(batches))
        quiet = options["verbosity"] == 0
        bulk.without_statement_timeout()
        rebuild = options["rebuild_indexes"]
        indexes = bulk.indexes_rebuilt(*TABLES) if rebuild else nullcontext()
        search_rows = index.filled_in_bulk() if rebuild else nullcontext()
        with indexes, search_rows:
            with tqdm(total=count, unit="story", disable=quiet) as progress:
                if jobs == 1 or not bulk.copying() or connection.in_atomic_block:
                    for start, size in batches:
                        _batch(shared, start, size)
                        progress.update(size)
                else:
                    # Each process opens its own connection: none may inherit this one. A
                    # process that dies (killed, out of memory) breaks the pool with an error
                    # rather than leaving its batch unanswered.
                    connections.close_all()
                    try:
                        with ProcessPoolExecutor(
                            jobs,
                            mp_context=multiprocessing.get_context("fork"),
                            initializer=_start_job,
                            initargs=(shared,),
                        ) as pool:
                            done = [pool.submit(_batch_in_job, *batch) for batch in batches]
                            for finished in as_completed(done):
                                progress.update(finished.result())
                    finally:
                        # This process's new connection builds the indexes and counts.
                        bulk.without_statement_timeout()
            if rebuild and not quiet:
                self.stdout.write("Building the indexes again…")
        # The maintained counts (totalCount, tag storyCount) take in the new stories.
        counts.rebuild()
        if connection.vendor == "postgresql":
            # Fresh statistics and visibility maps, so the planner uses index-only scans.
            # VACUUM cannot run inside a transaction (as in tests); ANALYZE can.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cursor:
                for table in TABLES:
                    cursor.execute(f"{command} {table}")
        self.stdout.write(self.style.SUCCESS(f"Created {count} stories."))


@transaction.atomic
def _batch(shared, start, size):
    """Generate and write stories `start` to `start + size` (0-based) in one transaction."""
    # Seeded per batch, so the stories do not depend on how batches are spread over jobs.
    seed = shared["seed"]
    rng = random.Random(f"{seed}-{start}") if seed is not None else random.Random()
    context = {**shared, "rng": rng, "writers": generator.writers(rng)}
    now, days = context["now"], context["days"]
    ids = bulk.reserve_ids(Story, size) if bulk.copying() else [None] * size
    stories = []
    for offset, story_id in enumerate(ids):
        published = now - timedelta(seconds=rng.randint(60, days * 86400))
        updated = min(published + timedelta(seconds=rng.randint(0, 36000)), now)
        stories.append(
            Story(
                id=story_id,
                slug=f"generated-{context['run']}-{start + offset + 1}",
                status=Story.Status.PUBLISHED,
                published_at=published,
                first_published_at=published,
                updated_at=updated,
                hot=rng.randint(0, 100),
                quality=rng.randint(0, 100),
                impact=rng.randint(0, 100),
                view_count=rng.randint(0, 50000),
                share_count=rng.randint(0, 2000),
                ai_generated=rng.random() < 0.9,
                source=rng.choice(context["sources"]),
                source_url="",
            )
        )
    for story in stories:
        # Skipping save(): the given score is the ranking's estimate here too, and the
        # story went live at its publish time (counted once the batches are in).
        story.estimate_hot(story.hot)
        story.live_since = story.published_at
    bulk.insert(Story, stories)
    translations, links = [], []
    for story in stories:
        company = rng.choice(generator.COMPANIES)
        for writer in context["writers"].values():
            translations.append(
                generator.translation(
                    writer, story.pk, company, story.updated_at, story.ai_generated
                )
            )
        for position, tag in enumerate(rng.sample(context["tags"], rng.randint(1, 3))):
            links.append(StoryTag(story_id=story.pk, tag_id=tag.pk, position=position))
    if not generator.matches_model(translations[0]):
        raise CommandError(
            "Generated derived fields differ from StoryTranslation.save()'s: "
            "update cms/demo/generator.py to match the model."
        )
    bulk.insert(StoryTranslation, translations)
    bulk.insert(StoryTag, links)


_shared = None


def _start_job(shared):
    global _shared
    _shared = shared
    bulk.without_statement_timeout()


def _batch_in_job(start, size):
    _batch(_shared, start, size)
    return size
