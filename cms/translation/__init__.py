"""Translation outside the admin: stories out to translation agencies and CAT tools as
XLIFF 2.0, and their work back in as translators' proposals."""
