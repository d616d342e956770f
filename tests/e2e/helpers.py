"""Helpers for browser tests: log in through the real form, measure layout, read the page.

Import them in test modules (``from tests.e2e.helpers import log_in``); the ``login`` fixture is
the same ``log_in``. Every page made by the fixtures has the live server as its ``base_url``, so
paths like ``page.goto("/inbox")`` work.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode
from urllib.parse import urlsplit

from playwright.sync_api import Page

#: Small processes and forms made for the browser tests (tests/e2e/fixtures/{processes,forms}).
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The password of every demo account (``BRANCHFLOW_DEMO_PASSWORD``'s default; see README.md).
DEMO_PASSWORD = "demo123456"
LOGIN_PATH = "/auth/login"


def path_of(page: Page) -> str:
    """The path of the page's current URL (``/inbox``), without host or query."""
    return urlsplit(page.url).path


def log_in(page: Page, login: str, password: str = DEMO_PASSWORD, *, next_path: str = "") -> Page:
    """Sign in with the real login form (typing, clicking, CSRF token and all).

    Lands where the app sends a signed-in user (the home page, or ``next_path``); raises an
    AssertionError with the page's error messages if the app refused the login.
    """
    page.goto(f"{LOGIN_PATH}?{urlencode({'next': next_path})}" if next_path else LOGIN_PATH)
    form = page.locator("main form").filter(has=page.locator("#password"))
    form.locator("#login").fill(login)
    form.locator("#password").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    if path_of(page) == LOGIN_PATH:
        errors = page.locator(".flash-error, .errors").all_inner_texts()
        raise AssertionError(f"login as {login!r} was refused: {errors or page.title()}")
    return page


def log_out(page: Page) -> None:
    """Press the sign-out button of the top bar (a POST with the CSRF token, as a user would)."""
    with page.expect_navigation():
        page.locator("header form[action$='/auth/logout'] button").click()


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the viewport (0: no sideways scrolling)."""
    return page.evaluate(
        "() => Math.max(0, document.scrollingElement.scrollWidth - window.innerWidth)"
    )


def wider_than_viewport(page: Page, selector: str = "body *") -> list[str]:
    """Short descriptions of visible elements whose right edge lies beyond the viewport."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter((el) => {
                const box = el.getBoundingClientRect();
                return box.width > 0 && box.height > 0 && box.right > window.innerWidth + 0.5;
            })
            .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
                `${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}` +
                ` right=${Math.round(el.getBoundingClientRect().right)}`)
            .slice(0, 20)""",
        selector,
    )


def unlabelled_controls(page: Page) -> list[str]:
    """Form controls (not hidden, not buttons) without a label, aria-label or aria-labelledby."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter((el) => el.type !== 'hidden' && !['submit', 'button', 'reset', 'image'].includes(el.type))
            .filter((el) => !(el.labels && el.labels.length) &&
                !(el.getAttribute('aria-label') || '').trim() && !el.getAttribute('aria-labelledby'))
            .map((el) => el.outerHTML.slice(0, 200))"""
    )


def focused(page: Page) -> str:
    """``tag#id`` (or ``tag[name=…]``) of the element that has the keyboard focus."""
    return page.evaluate(
        """() => { const el = document.activeElement;
            if (!el || el === document.body) return 'body';
            return el.tagName.toLowerCase() + (el.id ? '#' + el.id : el.name ? `[name=${el.name}]` : ''); }"""
    )


def tab_to(page: Page, target: str, *, limit: int = 25) -> int:
    """Press Tab until the element ``target`` (as ``focused`` spells it) has the focus.

    Returns the number of presses; fails if the focus never gets there within ``limit`` presses.
    """
    seen = []
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        seen.append(focused(page))
        if seen[-1] == target:
            return presses
    raise AssertionError(f"Tab never reached {target} in {limit} presses; focus went: {seen}")
