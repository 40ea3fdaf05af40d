"""Share links: the story's canonical address, tagged for analytics, on each network."""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext_lazy as _


def home_url(language):
    """The reader site's front page in `language`."""
    return settings.CMS_SITE_URL.format(language=quote(language))


def canonical_url(slug, language):
    """The story's address on the reader site."""
    return settings.CMS_STORY_URL.format(language=quote(language), slug=quote(slug))


def tracked_url(slug, language, network):
    """The canonical address with the UTM parameters of one network."""
    medium = {"email": "email", "copy": "link"}.get(network, "social")
    query = urlencode(
        {
            "utm_source": network,
            "utm_medium": medium,
            "utm_campaign": settings.CMS_SHARE_CAMPAIGN,
        }
    )
    return f"{canonical_url(slug, language)}?{query}"


def _query(**params):
    return urlencode(params, quote_via=quote)


# Each builder takes the tracked address and the title, and returns the share address.
NETWORKS = {
    "x": (_("X"), lambda url, title: "https://x.com/intent/post?" + _query(url=url, text=title)),
    "facebook": (
        _("Facebook"),
        lambda url, title: "https://www.facebook.com/sharer/sharer.php?" + _query(u=url),
    ),
    "linkedin": (
        _("LinkedIn"),
        lambda url, title: "https://www.linkedin.com/sharing/share-offsite/?" + _query(url=url),
    ),
    "reddit": (
        _("Reddit"),
        lambda url, title: "https://www.reddit.com/submit?" + _query(url=url, title=title),
    ),
    "telegram": (
        _("Telegram"),
        lambda url, title: "https://t.me/share/url?" + _query(url=url, text=title),
    ),
    "whatsapp": (
        _("WhatsApp"),
        lambda url, title: "https://wa.me/?" + _query(text=f"{title} {url}"),
    ),
    "weibo": (
        _("Weibo"),
        lambda url, title: (
            "https://service.weibo.com/share/share.php?" + _query(url=url, title=title)
        ),
    ),
    "email": (_("Email"), lambda url, title: "mailto:?" + _query(subject=title, body=url)),
    "copy": (_("Copy link"), lambda url, title: url),
}


def share_links(slug, language, title):
    """(network, label, url) for every network, labels in the active language."""
    return [
        (network, str(label), build(tracked_url(slug, language, network), title))
        for network, (label, build) in NETWORKS.items()
    ]
