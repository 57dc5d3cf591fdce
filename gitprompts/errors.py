"""Every error gitprompts raises on purpose.

One base class, so callers (and the CLI) can catch everything we mean to
raise with a single ``except GitPromptsError``; anything else is a bug and
should show its traceback.

    GitPromptsError
    ├── InvalidInputError (also ValueError)
    │   ├── InvalidPromptNameError      .name
    │   ├── InvalidURIError             .uri
    │   ├── InvalidAliasError           .alias
    │   ├── InvalidTemplateError        .template
    │   ├── TemplateRenderError         .template .reason .uri
    │   ├── PromptTooLargeError         .size .limit
    │   ├── InvalidVersionError         .version
    │   ├── InvalidFilterError          .filter_string
    │   ├── MissingVariablesError       .missing .uri
    │   ├── InvalidIdentityError        .source .value
    │   ├── InvalidModelError           .model .reason
    │   ├── AmbiguousModelIdError       .prefix .candidates
    │   ├── UnsupportedArgumentError    .argument .instead
    │   ├── SchemaEnforcementError      .reason
    │   ├── RunAlreadyActiveError       .run_id
    │   └── InvalidTraceIdError         .trace_id
    ├── NotFoundError (also LookupError)
    │   ├── PromptNotFoundError         .name .near
    │   ├── PromptVersionNotFoundError  .name .version
    │   ├── AliasNotFoundError          .name .alias
    │   ├── ModelNotFoundError          .uri
    │   ├── RunNotFoundError            .run_id .reason
    │   └── TraceNotFoundError          .trace_id .ambiguous
    ├── RegistryError
    │   ├── NotARegistryError           .path
    │   ├── RegistryWriteError          .path .reason
    │   ├── CorruptTagError             .ref .reason
    │   ├── ConcurrentUpdateError       .ref .expected .got
    │   └── CorruptPromptFileError      .path .reason
    │       ├── CorruptStateFileError   .path .reason
    │       └── CorruptArtifactsSettingError  .path .reason
    ├── ModelError
    │   ├── IntegrityError              .path .expected .got
    │   │   └── RunRecordChangedError   .uri .ledger
    │   ├── ManifestError               .path .reason
    │   ├── ModelScriptError            .path
    │   └── UnpinnedPromptError         .uri .model
    └── SyncError
        ├── GitCommandError             .command .returncode .stderr
        ├── RemoteNotFoundError         .remote .known
        ├── PushRejectedError           .remote .rejected
        ├── AuthenticationError         .url .reason
        ├── HookInstallError            .path .reason
        ├── MLflowServerError           .uri .reason
        └── ArtifactStoreError          .url .reason
            ├── ArtifactStoreUnreachableError  .url .reason
            ├── ArtifactStoreAuthError         .url .reason
            ├── ArtifactStoreNotFoundError     .url .reason
            └── ArtifactTransferError          .url .reason
    TraceStoreError                     .path .reason  (also a GitPromptsError)
    MissingExtraError (also ImportError)  .extra .module: an optional library a feature needs
    is not installed; the message names the extra (``pip install 'gitprompts[openai]'``).

    UnsupportedArtifactStoreError (an InvalidInputError)  .url: GITPROMPTS_ARTIFACTS or
    `gitprompts artifacts set` named a URL scheme no artifact store handles.

    ArtifactUploadWarning (also a UserWarning)  .url .model_id: log_model kept a model
    locally but could not upload it to the shared store (push uploads it later).
    UnpinnedPromptWarning (also a UserWarning, issued with warnings.warn): a loaded model's code
    asked for a prompt its manifest does not pin, and got the registry's.
    RemoteUnreachableWarning (also a UserWarning): a URL registry could not reach its remote
    and answered from its local mirror.
    IdentityWarning (also a UserWarning)  .name .email: git has no user.name/user.email, so
    writes are recorded as the OS user; issued once per process.
    UnreadablePromptWarning (also a UserWarning)  .name .path .reason: a listing left out a
    prompt whose file on main (or its version's file) could not be read.
    UnsupportedArgumentWarning (also a UserWarning)  .argument .instead: an MLflow argument that
    needs MLflow's server was given; issued once per argument per process.
    RequirementsMismatchWarning (also a UserWarning)  .model_uri .mismatches: load_model found
    the running environment differs from the requirements the model was logged with.
    TraceExportWarning (also a UserWarning)  .endpoint .reason: spans could not be sent to the
    OTLP endpoint and were dropped; issued once per process (the call is never slowed).

Messages name the offending input and say what would have been valid, and
the input is kept in a field for code that handles the error:

    >>> raise InvalidPromptNameError("../x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gitprompts.errors.InvalidPromptNameError: invalid prompt name '../x': use 1-248 bytes of ...
    >>> InvalidPromptNameError("../x").name
    '../x'
"""

from __future__ import annotations

import re
from typing import Any

from gitprompts.core.urls import without_password

__all__ = [
    "AliasNotFoundError",
    "AmbiguousModelIdError",
    "ArtifactStoreAuthError",
    "ArtifactStoreError",
    "ArtifactStoreNotFoundError",
    "ArtifactStoreUnreachableError",
    "ArtifactTransferError",
    "ArtifactUploadWarning",
    "AuthenticationError",
    "ConcurrentUpdateError",
    "CorruptArtifactsSettingError",
    "CorruptPromptFileError",
    "CorruptStateFileError",
    "CorruptTagError",
    "GitCommandError",
    "GitPromptsError",
    "HookInstallError",
    "IdentityWarning",
    "IntegrityError",
    "InvalidAliasError",
    "InvalidFilterError",
    "InvalidIdentityError",
    "InvalidInputError",
    "InvalidModelError",
    "InvalidPromptNameError",
    "InvalidTemplateError",
    "InvalidTraceIdError",
    "InvalidURIError",
    "InvalidVersionError",
    "MLflowServerError",
    "ManifestError",
    "MissingExtraError",
    "MissingVariablesError",
    "ModelError",
    "ModelNotFoundError",
    "ModelScriptError",
    "NotARegistryError",
    "NotFoundError",
    "PromptNotFoundError",
    "PromptTooLargeError",
    "PromptVersionNotFoundError",
    "PushRejectedError",
    "RegistryError",
    "RegistryWriteError",
    "RemoteNotFoundError",
    "RemoteUnreachableWarning",
    "RequirementsMismatchWarning",
    "RunAlreadyActiveError",
    "RunNotFoundError",
    "RunRecordChangedError",
    "SchemaEnforcementError",
    "SyncError",
    "TemplateRenderError",
    "TraceExportWarning",
    "TraceNotFoundError",
    "TraceStoreError",
    "UnpinnedPromptError",
    "UnpinnedPromptWarning",
    "UnreadablePromptWarning",
    "UnsupportedArgumentError",
    "UnsupportedArgumentWarning",
    "UnsupportedArtifactStoreError",
]


class GitPromptsError(Exception):
    """Base class of every error gitprompts raises on purpose."""


# -- bad input ---------------------------------------------------------------


class InvalidInputError(GitPromptsError, ValueError):
    """An argument was malformed; nothing was read or written."""


class InvalidIdentityError(InvalidInputError):
    """Who is writing (git's name or email) cannot go into a commit header."""

    def __init__(self, source: str, value: str, reason: str) -> None:
        self.source = source
        self.value = value
        super().__init__(
            f"the author identity from {source} ({value!r}) cannot be used: {reason}; "
            "a git name or email may not contain '<', '>', newlines or NUL"
        )


class InvalidPromptNameError(InvalidInputError):
    def __init__(self, name: object, reason: str = "") -> None:
        self.name = name
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"invalid prompt name {name!r}{detail}: use 1-248 bytes of letters, digits, "
            "'-', '_' and '.', not starting with '.', without '..' and not ending in '.lock'"
        )


class InvalidURIError(InvalidInputError):
    def __init__(self, uri: object, expected: str | None = None) -> None:
        self.uri = uri
        self.expected = expected or (
            "'prompts:/<name>/<version>', 'prompts:/<name>@<alias>' or 'prompts:/<name>@latest'"
        )
        super().__init__(f"invalid URI {uri!r}: expected {self.expected}")


class InvalidAliasError(InvalidInputError):
    def __init__(self, alias: object) -> None:
        self.alias = alias
        super().__init__(
            f"invalid alias {alias!r}: use 1-255 letters, digits, '-' or '_' "
            "(and not 'latest', which is computed)"
        )


class InvalidTemplateError(InvalidInputError):
    def __init__(self, template: object, reason: str) -> None:
        self.template = template
        self.reason = reason
        shown = repr(template)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"invalid template {shown}: {reason}")


class TemplateRenderError(InvalidInputError):
    """A Jinja2 template failed while rendering, or went past a limit of the sandbox."""

    def __init__(self, template: object, reason: str, uri: str = "") -> None:
        self.template = template
        self.reason = reason
        self.uri = uri
        shown = uri or _short_repr(template)
        super().__init__(f"cannot render {shown}: {reason}")


class PromptTooLargeError(InvalidInputError):
    """A new version's ``.prompt`` file would be larger than readers accept."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"this version's prompt file would be {size:,} bytes, over the limit of {limit:,} "
            "bytes: shorten the template or its metadata, or raise the limit with "
            "GITPROMPTS_MAX_PROMPT_BYTES=<bytes> (set it for every reader and the server too)"
        )


class InvalidVersionError(InvalidInputError):
    def __init__(self, version: object, reason: str = "") -> None:
        self.version = version
        extra = f" ({reason})" if reason else ""
        super().__init__(
            f"invalid version {_short_repr(version)}{extra}: "
            "expected a positive integer such as 1 or '3'"
        )


class InvalidFilterError(InvalidInputError):
    def __init__(self, filter_string: str, reason: str) -> None:
        self.filter_string = filter_string
        super().__init__(
            f"invalid filter {filter_string!r}: {reason}; expected clauses such as "
            "\"name LIKE 'summar%'\" or \"tags.team = 'nlp'\" joined by AND"
        )


class MissingVariablesError(InvalidInputError):
    def __init__(self, missing: list[str], uri: str = "") -> None:
        self.missing = list(missing)
        self.uri = uri
        where = f" of {uri}" if uri else ""
        names = ", ".join(repr(m) for m in self.missing)
        super().__init__(
            f"missing value for template variable(s) {names}{where}: pass them to format(), "
            "or use allow_partial=True to leave them in place"
        )


class InvalidModelError(InvalidInputError):
    def __init__(self, model: object, reason: str) -> None:
        self.model = model
        self.reason = reason
        shown = repr(model)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"cannot log model {shown}: {reason}")


class AmbiguousModelIdError(InvalidInputError):
    """``models:/<prefix>`` matches more than one logged model."""

    def __init__(self, prefix: str, candidates: list[str]) -> None:
        self.prefix = prefix
        self.candidates = candidates
        shown = ", ".join(f"models:/{c[:12]}" for c in candidates[:5])
        more = f" and {len(candidates) - 5} more" if len(candidates) > 5 else ""
        super().__init__(
            f"model id prefix {prefix!r} is ambiguous: it matches {shown}{more}; "
            "give more hex digits"
        )


def _short_repr(value: object) -> str:
    """``repr(value)`` cut to 80 characters; repr() of an int of 4,301+ digits raises."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"<an integer of {value.bit_length()} bits>"
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:37] + "..." + shown[-37:]


# -- lookups -----------------------------------------------------------------


class NotFoundError(GitPromptsError, LookupError):
    """Something that was asked for by name does not exist."""

    def __str__(self) -> str:
        # LookupError subclasses (KeyError) would quote the message; keep it plain.
        return str(self.args[0]) if self.args else ""


class PromptNotFoundError(NotFoundError):
    """No prompt ``name``; ``near`` holds the closest existing names (for "did you mean").

    >>> print(PromptNotFoundError("gret", near=["greet"]))  # doctest: +ELLIPSIS
    prompt 'gret' not found (did you mean 'greet'?): register it first with register_prompt(...
    """

    def __init__(self, name: str, near: list[str] | None = None) -> None:
        self.name = name
        self.near = list(near or [])
        super().__init__(
            f"prompt {name!r} not found{self.did_you_mean}: "
            f"register it first with register_prompt({name!r}, ...)"
        )

    @property
    def did_you_mean(self) -> str:
        """`` (did you mean 'a' or 'b'?)``, or "" when no name is close."""
        if not self.near:
            return ""
        return f" (did you mean {' or '.join(repr(n) for n in self.near)}?)"


class PromptVersionNotFoundError(NotFoundError):
    def __init__(
        self, name: str, version: int, reason: str = "", latest: int | None = None
    ) -> None:
        self.name = name
        self.version = version
        self.latest = latest
        valid = f"; existing versions go up to {latest}" if latest else ""
        why = f" ({reason})" if reason else ""
        super().__init__(f"version {version} of prompt {name!r} not found{why}{valid}")


class AliasNotFoundError(NotFoundError):
    def __init__(self, name: str, alias: str, known: list[str] | None = None) -> None:
        self.name = name
        self.alias = alias
        self.known = sorted(known or [])
        valid = ", ".join(self.known) if self.known else "none set"
        super().__init__(
            f"alias {alias!r} of prompt {name!r} not found (aliases: {valid}; "
            "'latest' is always available)"
        )


class ModelNotFoundError(NotFoundError):
    def __init__(self, uri: str, reason: str = "") -> None:
        self.uri = uri
        why = f": {reason}" if reason else ""
        super().__init__(
            f"model {uri!r} not found{why} (expected 'models:/<model_id>', "
            "'runs:/<run_id>/<name>' or a directory written by save_model)"
        )


# -- the repository ----------------------------------------------------------


class RegistryError(GitPromptsError):
    """The registry repository is missing, busy or damaged."""


class CorruptTagError(RegistryError):
    """A version tag that no gitprompts writer would make (it names no commit)."""

    def __init__(self, ref: str, reason: str) -> None:
        self.ref = ref
        self.reason = reason
        super().__init__(
            f"version tag {ref} is unusable: {reason}; a version tag is an annotated tag on "
            "the commit that wrote that version (`git tag -a prompts/<name>/<N> COMMIT`)"
        )


class RegistryWriteError(RegistryError):
    """The registry could not be written (a full disk, a read-only file system); nothing moved."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"cannot write to the registry at {path}: {reason} (is the disk full or read-only?); "
            "no ref was moved, so the registry is unchanged"
        )


class NotARegistryError(RegistryError):
    def __init__(self, path: object, reason: str = "", *, missing: bool = False) -> None:
        self.path = path
        if missing:
            # A mistyped --registry / GITPROMPTS_REGISTRY / set_registry lands here.
            super().__init__(
                f"no gitprompts registry at {path}: it does not exist; check the path, or "
                f"create it with `gitprompts init {path}` "
                "(in Python: gitprompts.get_registry(path, create=True))"
            )
            return
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"{path} is not a gitprompts registry{why}: expected a bare git repository "
            "(create one with `gitprompts init PATH`) or a path that does not exist yet"
        )


class ConcurrentUpdateError(RegistryError):
    def __init__(self, ref: str, expected: Any, got: Any) -> None:
        self.ref = ref
        self.expected = expected
        self.got = got
        super().__init__(
            f"{ref} moved while writing (expected {expected}, found {got}): "
            "another writer changed the registry; retry the operation"
        )


class CorruptPromptFileError(RegistryError):
    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"cannot parse {path}: {reason} (a prompt file is '---', YAML front matter, "
            "'---', then the template)"
        )


class CorruptStateFileError(CorruptPromptFileError):
    """A ``state/<name>.json`` that no gitprompts writer would write (hand-edited, or damaged)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        # Not the parent's message: that one describes a .prompt file.
        RegistryError.__init__(
            self,
            # 1000000 is gitprompts.core.state.MAX_VERSION (errors import nothing of ours).
            f'cannot parse {path}: {reason} (a state file is JSON: "latest" 0-1000000, '
            '"aliases" {"name": N}, "deleted" [N, ...], "version_tags" {"N": {"key": "value"}}, '
            "each N a version 1-1000000; fix it, or restore it from its git history)",
        )


class UnreadablePromptWarning(GitPromptsError, UserWarning):
    """A listing left out a prompt because one of its files could not be read."""

    def __init__(self, name: str, path: str, reason: str) -> None:
        self.name = name
        self.path = path
        self.reason = reason
        super().__init__(
            f"left prompt {name!r} out of the listing: cannot read {path}: {reason} "
            "(fix or restore that file on main; the other prompts are listed)"
        )


# -- logged models -----------------------------------------------------------


class ModelError(GitPromptsError):
    """A logged model cannot be stored, verified or loaded."""


class IntegrityError(ModelError):
    def __init__(self, path: str, expected: str, got: str) -> None:
        self.path = path
        self.expected = expected
        self.got = got
        super().__init__(
            f"{path} does not match its manifest: expected sha256 {expected}, got {got}; "
            "the file was changed or damaged, so nothing was loaded"
        )


class RunRecordChangedError(IntegrityError):
    """A run record this machine wrote was rewritten since (``runs:/`` could name another model)."""

    def __init__(self, path: str, expected: str, got: str, uri: str, ledger: str) -> None:
        self.path = path
        self.expected = expected
        self.got = got
        self.uri = uri
        self.ledger = ledger
        ModelError.__init__(
            self,
            f"run record {path} was changed after it was written here: its sha256 is {got}, "
            f"but {ledger} recorded {expected}; refusing to resolve {uri}. Load the model you "
            "mean by its models:/<id>, or delete that file to trust the record as it is now",
        )


class ManifestError(ModelError):
    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"bad model manifest {path}: {reason}")


class UnpinnedPromptError(ModelError):
    def __init__(self, uri: str, model: str = "") -> None:
        self.uri = uri
        self.model = model
        of = f" {model}" if model else ""
        super().__init__(
            f"{uri} is not pinned in the manifest of model{of} (strict=True): "
            "log the model with this prompt in prompts=[...] or load it with strict=False"
        )


class ModelScriptError(ModelError):
    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"model script {path} failed: {reason} (a models-from-code script must run on its "
            "own and call gitprompts.set_model(model) once)"
        )


class UnpinnedPromptWarning(GitPromptsError, UserWarning):
    """A loaded model loaded a prompt its manifest does not pin (it came from the registry)."""


# -- sync (push, pull, clone, hooks) ---------------------------------------------


class SyncError(GitPromptsError):
    """Talking to another copy of the registry failed; the local registry is unchanged."""


class GitCommandError(SyncError):
    """A git command failed; the message names the command and the remote URL it was given.

    git's own message often does not name the URL (``ssh://`` and ``file://``
    say "Could not read from remote repository"), so it is named here, with
    any password in it hidden:

    >>> print(GitCommandError(["-c", "protocol.version=2", "fetch", "--quiet",
    ...     "https://me:s3cret@example.com/p.git", "main"], 128, "fatal: no"))
    git fetch --quiet https://me:***@example.com/p.git failed (exit 128): fatal: no
    """

    def __init__(self, command: list[str], returncode: int, stderr: str) -> None:
        self.command = command
        self.returncode = returncode
        self.stderr = stderr
        last = [line.strip() for line in stderr.splitlines() if line.strip()]
        detail = "; ".join(last[-3:]) or "no output"
        words = _git_words(command)
        super().__init__(f"git {' '.join(words)} failed (exit {returncode}): {detail}")


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|[^/:@\s]+@[^/:\s]+:")


def _git_words(command: list[str]) -> list[str]:
    """The subcommand and its first argument (git's own ``-c``/``--git-dir`` dropped), the URL."""
    args = list(command)
    while args and args[0].startswith("-"):
        del args[: 1 if "=" in args[0] else 2]
    words = args[:2]  # e.g. "clone --mirror", "push (to origin)"
    url = next((a for a in args[1:] if _URL.match(a)), None)
    if url is not None and url not in words:
        words.append(url)
    return [without_password(word) for word in words]


class RemoteNotFoundError(SyncError):
    def __init__(self, remote: str, known: list[str] | None = None) -> None:
        self.remote = remote
        self.known = sorted(known or [])
        valid = ", ".join(self.known) if self.known else "none configured"
        super().__init__(
            f"no remote named {remote!r} (remotes: {valid}); add one with "
            f"`gitprompts remote add {remote} URL`"
        )


class PushRejectedError(SyncError):
    def __init__(self, remote: str, rejected: dict[str, str], pull_first: bool) -> None:
        self.remote = remote
        self.rejected = dict(rejected)
        self.pull_first = pull_first
        refs = ", ".join(f"{ref} ({why})" for ref, why in sorted(self.rejected.items()))
        hint = (
            f"the remote has changes you do not have; run `gitprompts pull {remote}` first, "
            "then push again"
            if pull_first
            else "the remote refused it; fix what its hook reports and push again"
        )
        super().__init__(f"push to {remote!r} rejected, nothing was pushed: {refs}: {hint}")


class AuthenticationError(SyncError):
    """An http(s) remote asked for a token that was missing, or refused the one given."""

    def __init__(self, url: str, reason: str, hint: bool = True) -> None:
        self.url = url
        self.reason = reason
        fix = (
            ": set GITPROMPTS_TOKEN to the token the server was started with, "
            f"or store it once with `gitprompts login {url}`"
        )
        super().__init__(f"{url} {reason}{fix if hint else ''}")


class HookInstallError(SyncError):
    def __init__(self, path: object, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"cannot install hooks in {path}: {reason} (expected a git repository, bare or not)"
        )


class MLflowServerError(SyncError):
    """An MLflow server or store (``import``/``export mlflow``) failed or answered nonsense."""

    def __init__(self, uri: str, reason: str) -> None:
        self.uri = without_password(uri)
        self.reason = reason
        super().__init__(f"MLflow at {self.uri}: {reason}")


class IdentityWarning(GitPromptsError, UserWarning):
    """git has no identity configured: versions and alias moves are recorded as the OS user."""

    def __init__(self, name: str, email: str) -> None:
        self.name = name
        self.email = email
        super().__init__(
            f"git has no user.name/user.email, so this is recorded as {name} <{email}>; "
            'set yours with `git config --global user.name "Your Name"` and '
            "`git config --global user.email you@example.com`"
        )


class RemoteUnreachableWarning(GitPromptsError, UserWarning):
    """A URL registry could not reach its remote and answered from its local mirror."""


# -- MLflow arguments (issue 20: every mirrored function accepts MLflow's arguments) --


class UnsupportedArgumentError(InvalidInputError):
    """An MLflow argument gitprompts accepts but cannot honour in the form given."""

    def __init__(self, argument: str, value: object, instead: str) -> None:
        self.argument = argument
        self.instead = instead
        super().__init__(f"{argument}={_short_repr(value)} is not supported here: {instead}")


class SchemaEnforcementError(InvalidInputError):
    """``predict`` input does not match the model's signature (MLflow's wording)."""

    def __init__(self, data: object, schema: str, reason: str) -> None:
        self.reason = reason
        super().__init__(
            f"Failed to enforce schema of data {_short_repr(data)} with schema [{schema}]. "
            f"Error: {reason}"
        )


class RunAlreadyActiveError(InvalidInputError):
    """``start_run`` while a run is active, without ``nested=True`` (as MLflow refuses)."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(
            f"Run with UUID {run_id} is already active. To start a new run, first end the "
            "current run with gitprompts.end_run() (or leave its with block). To start a nested "
            "run, call start_run with nested=True"
        )


class RunNotFoundError(NotFoundError):
    """``start_run(run_id=...)``/``get_run`` of a run this artifact store does not hold."""

    def __init__(self, run_id: object, reason: str) -> None:
        self.run_id = run_id
        self.reason = reason
        super().__init__(
            f"run {_short_repr(run_id)} not found: {reason}; a run id is the 32 hex digits "
            "of run.info.run_id, from start_run in this artifact store"
        )


class UnsupportedArgumentWarning(GitPromptsError, UserWarning):
    """An MLflow argument that needs MLflow's server; said once per argument per process."""

    def __init__(self, argument: str, instead: str) -> None:
        self.argument = argument
        self.instead = instead
        super().__init__(f"{argument}= is ignored by gitprompts: {instead}")


class RequirementsMismatchWarning(GitPromptsError, UserWarning):
    """The model's recorded requirements differ from the running environment (as MLflow warns)."""

    def __init__(self, model_uri: str, mismatches: list[str]) -> None:
        self.model_uri = model_uri
        self.mismatches = list(mismatches)
        lines = "".join(f"\n - {m}" for m in self.mismatches)
        super().__init__(
            f"Detected one or more mismatches between the model's dependencies and the current "
            f"Python environment ({model_uri}):{lines}\nTo fix them, install the model's "
            "requirements (get_model_info(uri).requirements); load_model(..., "
            "suppress_warnings=True) hides this warning"
        )


# -- shared artifact stores (issue 13) ----------------------------------------


class ArtifactStoreError(SyncError):
    """A shared artifact store (s3://, gs://, az://, a ``gitprompts serve``) failed a request."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = without_password(url)
        self.reason = reason
        super().__init__(f"artifact store {self.url}: {reason}")


class ArtifactStoreUnreachableError(ArtifactStoreError):
    """The store did not answer (connection refused, DNS, timeout)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            url,
            f"unreachable ({reason}); check the URL and the network (models already in "
            "the local cache still load offline)",
        )
        self.reason = reason


class ArtifactStoreAuthError(ArtifactStoreError):
    """The store refused the credentials or token (401/403)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            url,
            f"{reason}; for s3:// set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), "
            "for a gitprompts serve set GITPROMPTS_TOKEN to its push token",
        )
        self.reason = reason


class ArtifactStoreNotFoundError(ArtifactStoreError):
    """The bucket, container or endpoint does not exist."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            url, f"{reason}; create it, or point GITPROMPTS_ARTIFACTS at one that exists"
        )
        self.reason = reason


class ArtifactTransferError(ArtifactStoreError):
    """A transfer broke off (the store went away mid-upload, a short or oversized download)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, f"{reason}; nothing was kept, run the command again")
        self.reason = reason


class UnsupportedArtifactStoreError(InvalidInputError):
    def __init__(self, url: str, supported: list[str]) -> None:
        self.url = without_password(url)
        self.supported = sorted(supported)
        super().__init__(
            f"artifact store {self.url!r}: its scheme is not supported; use a local path "
            f"or a URL starting with {', '.join(s + '://' for s in self.supported)}"
        )


class ArtifactUploadWarning(GitPromptsError, UserWarning):
    """``log_model`` kept a model locally but could not upload it; ``push`` uploads it later."""

    def __init__(self, url: str, model_id: str, reason: str) -> None:
        self.url = without_password(url)
        self.model_id = model_id
        super().__init__(
            f"models:/{model_id} is logged here but not uploaded to {self.url} ({reason}); "
            "`gitprompts push` uploads it before it links it"
        )


class CorruptArtifactsSettingError(CorruptPromptFileError):
    """The registry's ``artifacts.json`` on main is not a setting gitprompts would write."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        RegistryError.__init__(
            self,
            f"cannot parse {path}: {reason} (the artifacts setting is JSON: "
            '{"schema_version": 1, "url": "s3://bucket/prefix"}; '
            "fix it with `gitprompts artifacts set URL`)",
        )


class MissingExtraError(GitPromptsError, ImportError):
    """A feature needs an optional library that is not installed (one line naming the extra)."""

    def __init__(self, extra: str, module: str, feature: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(
            f"{feature} needs {module!r}, which is not installed: pip install 'gitprompts[{extra}]'"
        )


# -- tracing ---------------------------------------------------------------------


class InvalidTraceIdError(InvalidInputError):
    def __init__(self, trace_id: str) -> None:
        self.trace_id = trace_id
        super().__init__(
            f"invalid trace id {_short_repr(trace_id)}: use the 32 hex digits "
            "`gitprompts traces list` shows, or a unique prefix of at least 7"
        )


class TraceNotFoundError(NotFoundError):
    def __init__(self, trace_id: str, ambiguous: bool = False) -> None:
        self.trace_id = trace_id
        self.ambiguous = ambiguous
        if ambiguous:
            super().__init__(
                f"trace id prefix {trace_id!r} is ambiguous: give more hex digits "
                "(`gitprompts traces list` shows them)"
            )
        else:
            super().__init__(
                f"trace {trace_id!r} not found in the local trace store "
                "(`gitprompts traces list` shows the stored ones; the oldest are dropped "
                "when the store is full)"
            )


class TraceStoreError(GitPromptsError):
    """The local trace store cannot be opened, read or written, or its bound is malformed."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"trace store {path}: {reason}")


class TraceExportWarning(GitPromptsError, UserWarning):
    """Spans could not be exported over OTLP and were dropped (issued once per process)."""

    def __init__(self, endpoint: str, reason: str) -> None:
        self.endpoint = endpoint
        self.reason = reason
        super().__init__(
            f"cannot export spans to {endpoint} ({reason}); they are dropped, and the local "
            "trace store still keeps them. Check OTEL_EXPORTER_OTLP_ENDPOINT / "
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        )
