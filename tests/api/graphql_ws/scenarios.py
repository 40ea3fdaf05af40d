"""What the subscription tests share: running an async scenario, and publishing an entry
from one (the admin's composer does it in a request; here, in the database's thread)."""

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from cms.stories import live


def run(scenario):
    async_to_sync(scenario)()


publish = database_sync_to_async(
    lambda story, user, text, language="en": live.publish(
        story.pk, user, language=language, text=text
    )
)
