"""The portal as gunicorn serves it in production, plus one bare page for the load benchmark's baseline:
a template rendered with no database and no session lookup, served by the same workers in the same run."""
from flask import render_template_string

from portal import create_app

BARE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><ul>{% for n in range(50) %}<li>第 {{ n }} 行</li>{% endfor %}</ul></main></body>
</html>"""

app = create_app()


@app.get("/bench/bare")
def bare():
    return render_template_string(BARE, title="基准页面")
