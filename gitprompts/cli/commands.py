"""The command index: where each ``gitprompts`` command lives and its one-line summary.

Plain data, so ``gitprompts --help`` lists every command without importing
one (nor pygit2 with it). A summary is the only text of its kind: the
command's short help and the first line of its ``--help`` are made from it
(``_common.command``), and its docstring holds what follows.
"""

from __future__ import annotations

# name -> "module:attribute" of a click command or group; imported on demand.
LAZY_COMMANDS: dict[str, str] = {
    "init": "gitprompts.cli.prompts:init",
    "register": "gitprompts.cli.register:register",
    "show": "gitprompts.cli.prompts:show",
    "list": "gitprompts.cli.prompts:list_prompts",
    "log": "gitprompts.cli.prompts:log",
    "render": "gitprompts.cli.prompts:render",
    "delete-version": "gitprompts.cli.prompts:delete_version",
    "delete": "gitprompts.cli.tags:delete",
    "tag": "gitprompts.cli.tags:tag",
    "model-config": "gitprompts.cli.tags:model_config",
    "diff": "gitprompts.cli.diff:diff",
    "alias": "gitprompts.cli.aliases:alias",
    "models": "gitprompts.cli.models:models",
    "demo": "gitprompts.cli.demo:demo",
    "clone": "gitprompts.cli.sync:clone",
    "remote": "gitprompts.cli.sync:remote",
    "push": "gitprompts.cli.sync:push",
    "pull": "gitprompts.cli.sync:pull",
    "login": "gitprompts.cli.login:login",
    "hooks": "gitprompts.cli.hooks:hooks",
    "serve": "gitprompts.cli.serve:serve",
    "migrate": "gitprompts.cli.migrate:migrate",
    "traces": "gitprompts.cli.traces:traces",
    "artifacts": "gitprompts.cli.artifacts:artifacts",
    "import": "gitprompts.cli.interop:import_",
    "export": "gitprompts.cli.interop:export",
}

# name -> its one-line summary (at most 60 characters: one line in --help).
SUMMARIES: dict[str, str] = {
    "init": "Create a registry (default: the embedded one).",
    "register": "Register a new version of a prompt.",
    "show": "Show a prompt version: template and metadata.",
    "list": "List prompts with their latest version and aliases.",
    "log": "List the versions of a prompt, newest first.",
    "render": "Fill a prompt's template with values.",
    "delete-version": "Delete a version of a prompt.",
    "delete": "Delete a prompt: all its versions; numbers stay used.",
    "tag": "Set, remove and list a prompt's own tags.",
    "model-config": "Change the model config a version loads with.",
    "diff": "Show what changed between two prompt versions.",
    "alias": "Set, remove and list aliases such as production.",
    "models": "Logged models: their pinned prompts and files.",
    "demo": "A guided tour of the core story, in a few seconds.",
    "clone": "Copy a registry from a git remote (path, ssh, http).",
    "remote": "Add, list and remove remotes.",
    "push": "Publish new versions, aliases and model links (atomic).",
    "pull": "Bring in a remote's versions; renumber colliding local ones.",
    "login": "Store a served registry's push token for git.",
    "hooks": "Install the server-side and pre-commit checks.",
    "serve": "Serve the registry: web UI and git over HTTP, one port.",
    "migrate": "Move main into the sharded layout (tags stay).",
    "traces": "List and show traces recorded by gitprompts.autolog().",
    "artifacts": "Where logged models travel: a shared S3 or serve store.",
    "import": "Import prompts from MLflow (every version, tag, alias).",
    "export": "Export prompts to an MLflow tracking server.",
}
