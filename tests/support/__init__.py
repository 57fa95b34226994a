"""What the tests share, loaded once through ``pytest_plugins`` in tests/conftest.py:

fixtures.py   the project, the CLI runner, the project-search ceiling
builders.py   agentv projects and runs in tmp_path, made from files the real CLI wrote
standin.py    the one fake agentv (a real executable doing scripted steps) and the launcher
web.py        the web test client over create_app, and reading HTML
waiting.py    the one "wait until" helper
replay.py     replays a job the real agentv did (tests/fixtures/outcomes), for job outcomes
testclient.py a WSGI client for bottle apps (no server, no sockets)

Import helpers by module (``from support.builders import row``); fixtures are
never imported: pytest finds them through the plugins.
"""
