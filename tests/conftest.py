"""The tests' shared code lives in tests/support/ (see its __init__); its fixtures load here."""

pytest_plugins = ["support.fixtures", "support.standin", "support.web", "support.replay"]
