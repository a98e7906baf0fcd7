"""The log-in page: a plain HTML form (no scripts), styled by the vendored Bootstrap."""

from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import escape

from i18n import LANGS, t

BOOTSTRAP_CSS = "/vendor/bootstrap/css/bootstrap.min.css"


def login_page(lang: str, *, csrf_token: str, next_path: str = "/", name: str = "", error: str | None = None) -> str:
    """Returns the log-in page in `lang`; `error` is shown above the form."""

    def e(value: object) -> str:
        return str(escape(value))

    switch = " ".join(
        f'<a class="btn btn-sm {"btn-light" if code == lang else "btn-outline-light"}" '
        f'href="/login?{e(urlencode({"lang": code, "next": next_path}))}">{code.upper()}</a>'
        for code in LANGS
    )
    alert = f'<div class="alert alert-danger" role="alert" id="login-error">{e(error)}</div>' if error else ""
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(t(lang, "login.title"))} · {e(t(lang, "app.title"))}</title>
<link rel="stylesheet" href="{BOOTSTRAP_CSS}">
</head>
<body class="bg-light">
<nav class="navbar navbar-dark bg-primary mb-4"><div class="container">
<span class="navbar-brand">{e(t(lang, "app.title"))}</span><span>{switch}</span></div></nav>
<main class="container" style="max-width: 26rem">
<h1 class="h4 mb-3">{e(t(lang, "login.title"))}</h1>
{alert}
<form method="post" action="/login" id="login-form" class="card card-body">
<input type="hidden" name="csrf_token" value="{e(csrf_token)}">
<input type="hidden" name="next" value="{e(next_path)}">
<input type="hidden" name="lang" value="{e(lang)}">
<label class="form-label" for="login-name">{e(t(lang, "login.name"))}</label>
<input class="form-control mb-3" id="login-name" name="name" value="{e(name)}" autocomplete="username" required autofocus>
<label class="form-label" for="login-password">{e(t(lang, "login.password"))}</label>
<input class="form-control mb-3" id="login-password" name="password" type="password" autocomplete="current-password" required>
<button class="btn btn-primary" type="submit" id="login-submit">{e(t(lang, "login.submit"))}</button>
</form>
<p class="text-muted small mt-3">{e(t(lang, "login.hint"))}</p>
</main>
</body>
</html>
"""
