"""A server process answers every script the page lists from its very first requests (issue 23): with gunicorn's
threads, several first requests arrive at once, and Dash registered its script paths only while the first of
them was still setting the app up, so the others were refused (500)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from app import create_app
from web.serving import wsgi_server


def _script_paths(config) -> list[str]:
    """Returns the component-suite paths the index page lists (read from another app's index)."""
    html = create_app(config).server.test_client().get("/").get_data(as_text=True)
    return sorted(set(re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)))


def _fetch(start: Barrier, client, path: str) -> tuple[str, int]:
    start.wait()  # all at once, as a browser's first page load does
    return path, client.get(path).status_code


def test_every_script_of_the_index_answers_200_on_concurrent_first_requests(config):
    paths = _script_paths(config)
    assert len(paths) >= 5, paths
    for _round in range(3):
        server = wsgi_server(create_app, config)  # what each gunicorn worker does when it starts
        clients = [server.test_client() for _ in paths]
        start = Barrier(len(paths))

        with ThreadPoolExecutor(len(paths)) as pool:
            answers = dict(
                pool.map(lambda i, start=start, clients=clients: _fetch(start, clients[i], paths[i]), range(len(paths)))
            )
        assert set(answers.values()) == {200}, {p: s for p, s in answers.items() if s != 200}


def test_a_refused_script_path_is_404_not_500(config):
    client = create_app(config).server.test_client()
    for path in [
        "/_dash-component-suites/dash/../../config.py",
        "/_dash-component-suites/dash/deps/not-a-file.v1_0_0m1.js",
        "/_dash-component-suites/no_such_package/x.js",
    ]:
        assert client.get(path).status_code == 404, path
