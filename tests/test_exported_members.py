import gitprompts


def test_all_is_sorted_and_complete() -> None:
    exported = gitprompts.__all__
    assert exported == sorted(exported)
    public = {
        name for name in dir(gitprompts) if not name.startswith("_") and name not in {"annotations"}
    }
    internal = {
        "api",
        "cas",
        "config",
        "gitbackend",
        "manifest",
        "models",
        "modelstore",
        "pins",
        "prompt",
        "promptfile",
        "registry",
        "runs",
        "scripts",
        "search",
        "state",
        "template",
        "uri",
    }
    assert public - internal == set(exported) - {"__version__"}
