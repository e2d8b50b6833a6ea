"""The portal as gunicorn serves it in production, plus the load benchmark's two baselines served by the same
workers in the same run (bench/reference.py): a bare template page (`/bench/bare`: no database, no session
lookup) and a plain 50-row ORM list (`/bench/reference`).

    DATABASE_URL=sqlite:///bench/out/province-1.sqlite SECRET_KEY=… \
        .venv/bin/gunicorn --workers 2 --bind 127.0.0.1:8000 bench.wsgi:app

(bench/wrk_load.py starts it this way itself.)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import reference  # noqa: E402
from portal import create_app  # noqa: E402

app = create_app()
reference.init_app(app)
