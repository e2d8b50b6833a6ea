"""The README's signed curl call (Partner API) runs as printed, in bash with openssl and curl, against a live
server of the test app on 127.0.0.1: it is answered 200 with the host's counts."""
import json
import re
import shutil
import subprocess  # nosec B404 (the test runs the README's own shell lines)
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.api_helpers import register_system
from tests.web.test_inbound import hosted  # noqa: F401 (the fixture)

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_call() -> str:
    section = README.read_text(encoding="utf-8").split("## Partner API", 1)[1]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return next(b for b in blocks if "openssl dgst" in b)


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("curl")), reason="needs openssl and curl")
def test_the_readme_curl_example_is_answered(app, hosted):  # noqa: F811
    assert hosted["jilin"].id == 4      # the README's center code, as the demo data numbers it
    _, key_id, secret = register_system("湖北黄冈交易平台", [hosted["huanggang"]])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        script = readme_call().replace("127.0.0.1:5000", f"127.0.0.1:{server.server_port}")
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30,  # nosec B603
                              env={"PATH": "/usr/bin:/bin", "KEY_ID": key_id, "SECRET": secret})
    finally:
        server.shutdown()
    answer = json.loads(done.stdout)
    assert answer["centerCode"] == "4" and answer["freeCrossProvinceWorkstations"] == 4, done.stdout + done.stderr
