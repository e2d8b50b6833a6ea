"""gunicorn settings for a production install (issue 27 item 9):

    gunicorn -c deploy/gunicorn.conf.py 'portal:create_app()'

The access log is a file of its own, one line per request with the visitor's address as the proxy forwarded it,
and is kept at least 180 days (网络安全法 第二十一条: logs of the network's operation kept no less than six
months) by deploy/logrotate.conf: rotated daily, 200 days kept, compressed; gunicorn reopens its files on
SIGUSR1, which logrotate sends after each rotation. (Python's TimedRotatingFileHandler is not used: every
gunicorn worker would rotate the shared file on its own, and the later ones delete what the first rotated.)
The audit log (操作日志) is in the database and never pruned. Run the workers with TZ=Asia/Shanghai so that
the log's times are China Standard Time, as the portal's pages are.

Each setting can be changed by the environment: PORTAL_LOG_DIR (default /var/log/portal), PORTAL_BIND
(127.0.0.1:8000, behind nginx), PORTAL_WORKERS (4: about 2 x cores), PORTAL_PIDFILE (/run/portal/gunicorn.pid,
where logrotate finds the master).
"""
import os

log_dir = os.environ.get("PORTAL_LOG_DIR", "/var/log/portal")

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", "4"))
timeout = 30
pidfile = os.environ.get("PORTAL_PIDFILE", "/run/portal/gunicorn.pid")

accesslog = os.path.join(log_dir, "access.log")
errorlog = os.path.join(log_dir, "error.log")
loglevel = "info"
# Forwarded-for (the visitor, set PORTAL_PROXY_FIX_HOPS to match), the peer (the proxy), time, request line,
# status, bytes, referrer, browser, milliseconds.
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
logger_class = "portal.accesslog.AccessLogger"   # calendar feed tokens are not logged
