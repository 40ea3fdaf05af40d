"""gunicorn settings for every server started from this folder (`make serve`, CI's audit).

The access log names the path, never the query string or the referrer: feed URLs carry a
partner's feed token (`?token=`), and nothing secret may reach a log.
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
