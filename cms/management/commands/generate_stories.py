import random
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from cms.demo import generator
from cms.models import Story, StoryTag, StoryTranslation


def positive(value):
    try:
        number = int(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a whole number.") from None
    if number < 1:
        raise CommandError(f"{number} is not a positive number.")
    return number


class Command(BaseCommand):
    help = "Create N realistic published bilingual stories (for benchmarks), in batches."

    def add_arguments(self, parser):
        parser.add_argument("count", help="How many stories to create.")
        parser.add_argument("--batch-size", default="1000", help="Stories per transaction.")
        parser.add_argument("--seed", default=None, help="Random seed, for repeatable content.")
        parser.add_argument(
            "--days", default="365", help="Spread publish times over this many past days."
        )

    def handle(self, *args, **options):
        count = positive(options["count"])
        batch_size = positive(options["batch_size"])
        days = positive(options["days"])
        rng = random.Random(options["seed"])
        tags = generator.ensure_tags()
        sources = generator.ensure_sources()
        paragraphs = generator.rendered_paragraphs()
        now = timezone.now()
        run = uuid.uuid4().hex[:6]
        with tqdm(total=count, unit="story", disable=options["verbosity"] == 0) as progress:
            for start in range(0, count, batch_size):
                size = min(batch_size, count - start)
                self._batch(rng, run, start, size, now, days, tags, sources, paragraphs)
                progress.update(size)
        if connection.vendor == "postgresql":
            # Fresh statistics and visibility maps, so the planner uses index-only scans.
            # VACUUM cannot run inside a transaction (as in tests); ANALYZE can.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cursor:
                for table in (
                    "cms_story",
                    "cms_story_translation",
                    "cms_storytag",
                    "cms_story_search",  # The search index's table (migration 0012).
                ):
                    cursor.execute(f"{command} {table}")
        self.stdout.write(self.style.SUCCESS(f"Created {count} stories."))

    @transaction.atomic
    def _batch(self, rng, run, start, size, now, days, tags, sources, paragraphs):
        stories = []
        for offset in range(size):
            published = now - timedelta(seconds=rng.randint(60, days * 86400))
            updated = published + timedelta(seconds=rng.randint(0, 36000))
            stories.append(
                Story(
                    slug=f"generated-{run}-{start + offset + 1}",
                    status=Story.Status.PUBLISHED,
                    published_at=published,
                    first_published_at=published,
                    updated_at=min(updated, now),
                    hot=rng.randint(0, 100),
                    quality=rng.randint(0, 100),
                    impact=rng.randint(0, 100),
                    view_count=rng.randint(0, 50000),
                    share_count=rng.randint(0, 2000),
                    ai_generated=rng.random() < 0.9,
                    source=rng.choice(sources),
                    source_url="",
                )
            )
        for story in stories:
            # bulk_create skips save(): the given score is the ranking's estimate here too.
            story.estimate_hot(story.hot)
        Story.objects.bulk_create(stories)
        translations, links = [], []
        for story in stories:
            topic = generator.topic(rng)
            for code in generator.PARAGRAPHS:
                translations.append(
                    generator.translation(rng, story, code, topic, paragraphs[code])
                )
            for position, tag in enumerate(rng.sample(tags, rng.randint(1, 3))):
                links.append(StoryTag(story_id=story.pk, tag_id=tag.pk, position=position))
        StoryTranslation.objects.bulk_create(translations)
        StoryTag.objects.bulk_create(links)
