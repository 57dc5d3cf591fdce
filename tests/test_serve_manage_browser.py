"""A person managing prompts in headless Chromium (Playwright driving Debian's ``chromium``),
with JavaScript turned off: every form works without it.

They sign in, register a version (preview first), move an alias through its confirmation
and read its history, edit a tag, use the playground, and two people saving at once
get the conflict screen; requests without a session or without the CSRF token are
refused. The git repository is read after each action (tag, commit, author).
Skipped without ``chromium`` or Playwright. ``GITPROMPTS_SCREENSHOTS=docs`` also saves
a screenshot of each page (the ones in the README).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitprompts.core import layout
from gitprompts.registry import Registry

from .serve_seed import CHROMIUM, CHROMIUM_FLAGS, running

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api")

TOKEN = "browser-token"
HOSTILE = '<script>alert(1)</script>"{{ text }}"</textarea><img src=x onerror=alert(2)>'


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    reg = Registry(tmp_path / "registry.git")
    reg.register(
        "summarization-prompt",
        "Summarize in {{ num_sentences }} sentences: {{ sentences }}",
        commit_message="First draft",
        tags={"team": "search"},
    )
    reg.register(
        "summarization-prompt",
        "You are a careful editor.\nSummarize the text below in {{ num_sentences }} "
        "plain sentences, no jargon.\n\nText:\n{{ sentences }}",
        commit_message="Plainer wording, keep jargon out",
        tags={"team": "search"},
        model_config={"temperature": 0.2, "max_tokens": 200},
    )
    reg.set_alias("summarization-prompt", "production", 2)
    reg.register(
        "support-chat",
        [
            {"role": "system", "content": "You help customers of {{ company }}. Be brief."},
            {"role": "user", "content": "{{ question }}"},
        ],
        commit_message="Chat prompt for support",
        tags={"team": "support"},
    )
    return reg


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def shoot(page: Any, name: str) -> None:
    out = os.environ.get("GITPROMPTS_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(out) / f"serve-manage-{name}.png"), full_page=True)


def person(browser: Any, url: str, name: str, email: str) -> Any:
    """A browser context (its own cookies) signed in as ``name``, with JavaScript off."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.on("dialog", lambda d: pytest.fail(f"a script ran: {d.message}"))
    page.goto(url + "/")
    page.click("text=Sign in")
    shoot(page, "signin")
    page.fill("#token", TOKEN)
    page.fill("#name", name)
    page.fill("#email", email)
    page.click("button:has-text('Sign in')")
    assert page.locator("nav.me").inner_text().startswith(name)
    return page


def test_a_person_manages_prompts_in_the_browser(registry: Registry, browser: Any) -> None:
    repo = registry.path
    with running(repo, TOKEN) as server:
        url = server.url
        page = person(browser, url, "Ada Lovelace", "ada@example.com")

        # New version, with a preview of variables and the diff first
        page.click("a[href='/prompts/summarization-prompt']")
        page.click("text=New version")
        assert "careful editor" in page.input_value("#template")
        page.fill(
            "#template",
            "Summarize in {{ num_sentences }} sentences for {{ audience }}:\n{{ sentences }}",
        )
        page.fill("#commit_message", "Name the audience")
        page.click("button[value=preview]")
        assert "audience" in page.locator("#preview + .grid").inner_text()
        assert "+Summarize in {{ num_sentences }} sentences for {{ audience }}:" in page.inner_text(
            "#server-preview table.diff"
        )
        shoot(page, "new-version")
        page.click("button[value=save]")
        assert page.url.endswith("/prompts/summarization-prompt?v=3")
        assert git(
            repo, "log", "-1", "--format=%an <%ae>|%s", "prompts/summarization-prompt/3"
        ) == ("Ada Lovelace <ada@example.com>|Name the audience\n")

        # Move production to v3: the confirmation warns of the new variable
        page.fill("input[name=alias]", "production")
        page.select_option("select[name=to]", "3")
        page.click("text=Move alias…")
        assert "callers must now also pass audience" in page.inner_text(".warn.breaking")
        shoot(page, "move-alias")
        page.click("text=Move production to v3")
        assert "/history?alias=production" in page.url
        rows = page.inner_text("table.history")
        assert "alias production moved from v2 to v3" in rows and "Ada Lovelace" in rows
        assert "alias production set to v2" in rows and "Test Author" in rows
        tip = git(repo, "rev-parse", "main").strip()
        assert tip[:12] in rows
        assert git(repo, "log", "-1", "--format=%an|%s", "main") == (
            "Ada Lovelace|Set alias production of summarization-prompt to version 3\n"
        )
        page.click("text=every change")
        assert "registered v3" in page.inner_text("table.history")
        shoot(page, "history")

        # A version tag
        page.goto(url + "/prompts/summarization-prompt?v=3")
        page.click("text=Tags and config")
        page.fill("input[aria-label='version tag key']", "reviewed")
        page.fill("input[aria-label='version tag value']", "by <Ada>")
        page.click("text=Set version tag")
        assert "by <Ada>" in page.inner_text("table >> nth=0")
        shoot(page, "tags")
        state = git(repo, "show", f"main:{layout.state_path('summarization-prompt')}")
        assert '"reviewed": "by <Ada>"' in state
        assert git(repo, "log", "-1", "--format=%an", "main") == "Ada Lovelace\n"

        # Playground: what format gives
        page.goto(url + "/prompts/summarization-prompt?v=3")
        page.click("text=Playground")
        page.fill("textarea[name='var.num_sentences']", "2")
        page.fill("textarea[name='var.audience']", "<kids>")
        page.fill("textarea[name='var.sentences']", "Git stores snapshots.")
        page.click("button:has-text('Render')")
        assert page.inner_text("#rendered") == (
            "Summarize in 2 sentences for <kids>:\nGit stores snapshots."
        )
        assert 'load_prompt("prompts:/summarization-prompt@production")' in page.inner_text("body")
        shoot(page, "playground")

        # Refused: without a session, and with a session but no CSRF token
        tip = git(repo, "rev-parse", "main").strip()
        anonymous = browser.new_context().request
        answer = anonymous.post(
            url + "/prompts/summarization-prompt/tags",
            form={"v": "3", "op": "set-prompt-tag", "key": "k", "value": "v"},
        )
        assert answer.status == 403 and "sign in first" in answer.text()
        answer = page.context.request.post(
            url + "/prompts/summarization-prompt/tags",
            form={"v": "3", "op": "set-prompt-tag", "key": "k", "value": "v"},
        )
        assert answer.status == 403 and "CSRF" in answer.text()
        assert git(repo, "rev-parse", "main").strip() == tip

        # Two people edit the same prompt: the second gets the conflict screen
        grace = person(browser, url, "Grace Hopper", "grace@example.com")
        page.goto(url + "/prompts/support-chat/new")
        grace.goto(url + "/prompts/support-chat/new")
        grace.fill(
            "textarea[aria-label='content 1']", "You help customers of {{ company }}. Be kind."
        )
        grace.click("button[value=save]")
        assert grace.url.endswith("?v=2")
        page.fill("textarea[aria-label='content 2']", "{{ question }} (answer in {{ language }})")
        page.click("button[value=save]")
        assert "Someone else saved first" in page.inner_text("h1")
        assert "Grace Hopper" in page.inner_text("#conflict")
        assert "+You help customers of {{ company }}. Be kind." in page.inner_text("body")
        shoot(page, "conflict")
        assert git(repo, "tag", "-l", "prompts/support-chat/*").split() == [
            "prompts/support-chat/1",
            "prompts/support-chat/2",
        ]
        assert git(repo, "log", "-1", "--format=%an", "prompts/support-chat/2") == "Grace Hopper\n"

        # Hostile text in every field of a new prompt: stored as typed, shown as text
        page.goto(url + "/")
        page.click("text=New prompt")
        page.fill("#name", "hostile")
        page.fill("#template", HOSTILE)
        page.fill("#commit_message", "<b>bold</b></textarea>")
        page.fill("#tags", "x<i>=<script>alert(3)</script>")
        page.click("button[value=save]")
        assert page.url.endswith("/prompts/hostile?v=1")
        assert HOSTILE in page.inner_text("pre.template")
        assert page.locator("script").count() == 0 and page.locator("main img").count() == 0
        stored = git(repo, "show", f"prompts/hostile/1:{layout.prompt_path('hostile')}")
        assert stored.endswith(HOSTILE) and "<b>bold</b></textarea>" in stored
        page.goto(url + "/prompts/hostile/new")
        assert page.input_value("#template") == HOSTILE
        page.goto(url + "/prompts/hostile/history")
        assert page.locator("main img").count() == 0
        page.goto(url + "/prompts/summarization-prompt")
        shoot(page, "prompt")
        page.goto(url + "/?text=audience")
        assert page.locator("tbody tr").count() == 1
        shoot(page, "search")


def test_javascript_only_adds_a_live_preview(registry: Registry, browser: Any) -> None:
    with running(registry.path, TOKEN) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        problems: list[str] = []
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and "favicon" not in m.location.get("url", "")
                else None
            ),
        )
        page.on("dialog", lambda d: pytest.fail(f"a script ran: {d.message}"))
        page.goto(server.url + "/signin")
        page.fill("#token", TOKEN)
        page.fill("#name", "Ada")
        page.fill("#email", "ada@example.com")
        page.click("button:has-text('Sign in')")
        page.goto(server.url + "/prompts/summarization-prompt/new")
        assert page.locator("#live").is_visible()
        page.fill("#template", "Hi {{ who }} <img src=x onerror=alert(1)>\n{{ sentences }}")
        assert page.inner_text("#live .live-vars") == "who, sentences"
        rows = page.locator("#live tbody tr")
        assert "+Hi {{ who }} <img src=x onerror=alert(1)>" in rows.all_inner_texts()
        assert "-You are a careful editor." in rows.all_inner_texts()
        assert page.locator("#live img").count() == 0
        # the prompt page itself still runs no script at all
        response = page.goto(server.url + "/prompts/summarization-prompt")
        assert response is not None
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert "script-src" not in response.headers["content-security-policy"]
        assert problems == []
