"""The two baselines of the load benchmark (issue 26), served by the portal's own gunicorn workers beside it.

Not run by itself: `bench/wsgi.py` mounts it (`init_app(app)`) and `bench/wrk_load.py` drives it (every run
measures both), e.g. the baselines and one page:

    .venv/bin/python bench/wrk_load.py --pages healthz --seconds 5 --out /tmp/wrk --results /tmp/wrk/RESULTS.md

* `/bench/bare` — a bare Flask template page: a 50-line template rendered with no database and no session
  lookup. The template is compiled once, as Flask's loader caches a template file (rendering it with
  `render_template_string` would compile it on every request, about 5 ms, and measure Jinja's compiler).
* `/bench/reference?page=N` — "a plain 50-row SQLAlchemy ORM list with `selectinload` and `url_for` per row":
  50 workstations of the portal's database in id order with their venue and trading center loaded by
  `selectinload` (three statements), each row linked with `url_for`, rendered by a compiled Jinja template.
  Anonymous, and not in the portal's layout: it is the cost of an ORM list itself, which a real page of 50 rows
  should match.

Both go through the portal's request hooks (security headers, the session-limit check, which returns at once for
an anonymous request), as every page does.
"""
from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.workstations.models import Workstation

BARE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><ul>{% for n in range(50) %}<li>第 {{ n }} 行</li>{% endfor %}</ul></main></body>
</html>"""

REFERENCE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>工位列表 · 基准</title></head>
<body><main><h1>工位列表（第 {{ page }} 页）</h1>
<table>
<thead><tr><th>交易中心</th><th>评标场所</th><th>工位编号</th><th>跨省</th><th>状态</th><th></th></tr></thead>
<tbody>
{% for ws in rows %}
<tr><td>{{ ws.center.name }}</td><td>{{ ws.venue.name }}</td><td><code>{{ ws.code }}</code></td>
<td>{{ '是' if ws.cross_province else '否' }}</td><td>{{ ws.status.label }}</td>
<td><a href="{{ url_for('workstations.edit', workstation_id=ws.id) }}">修改</a></td></tr>
{% endfor %}
</tbody></table></main></body>
</html>"""

PER_PAGE = 50

bp = Blueprint("bench", __name__, url_prefix="/bench")
_templates = {}


@bp.get("/bare")
def bare():
    return render_template(_templates["bare"], title="基准页面")


@bp.get("/reference")
def reference():
    page = max(1, request.args.get("page", 1, type=int))
    rows = db.session.scalars(
        select(Workstation)
        .options(selectinload(Workstation.venue), selectinload(Workstation.center))
        .order_by(Workstation.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template(_templates["reference"], rows=rows, page=page)


def init_app(app):
    """Mount the two baselines on the portal `app`, their templates compiled once."""
    _templates["bare"] = app.jinja_env.from_string(BARE)
    _templates["reference"] = app.jinja_env.from_string(REFERENCE)
    app.register_blueprint(bp)
