"""SMS Reports: the Dash app factory (`create_app`), `server` for WSGI servers, and `python app.py` for the CLI."""

from __future__ import annotations

import sys

import dash

from config import ROOT, Config

BOOTSTRAP_CSS = ["/vendor/bootstrap/css/bootstrap.min.css", "/vendor/bootstrap/css/font/bootstrap-icons.min.css"]


def create_app(config: Config | None = None) -> dash.Dash:
    """Returns a new Dash app over the lake of `config` (the environment's settings by default)."""
    from callbacks import admin as admin_callbacks
    from callbacks import live as live_callbacks
    from callbacks import schedules as schedules_callbacks
    from callbacks import shell as shell_callbacks
    from callbacks import sms as sms_callbacks
    from callbacks import transactional as transactional_callbacks
    from callbacks import view_state as view_callbacks
    from data.lake import private_data_dir
    from i18n import t
    from layouts.shell import app_layout
    from web import hooks, routes, security, timing
    from web.context import AppContext

    config = config or Config.from_env()
    private_data_dir(config.data_dir)  # before anything is written there: owner only
    ctx = AppContext.create(config)
    app = dash.Dash(
        __name__,
        title=t(config.default_lang, "app.title"),
        external_stylesheets=BOOTSTRAP_CSS,
        assets_folder=str(ROOT / "assets"),
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
        csrf_token_name=security.CSRF_COOKIE,  # the renderer sends this cookie's token back in the header
        csrf_header_name=security.CSRF_HEADER,
    )
    if config.cpu_timing:
        timing.install(app.server)  # first: its hooks run around every other one
    app.layout = lambda: app_layout(security.request_lang())  # each page load in the language its cookie keeps
    routes.register(app.server, ctx)
    hooks.register(app.server, ctx)  # provider callbacks: outside log-in and CSRF (web/security.py HOOKS)
    shell_callbacks.register(app, ctx)
    sms_callbacks.register(app, ctx)
    transactional_callbacks.register(app, ctx)
    admin_callbacks.register(app, ctx)
    schedules_callbacks.register(app, ctx)
    live_callbacks.register(app, ctx)
    view_callbacks.register(app, ctx)
    security.install(app, config)  # last: the central check reads every route and callback registered above
    _set_up(app)
    if config.run_scheduler and config.scheduler:
        _start_scheduler(app, ctx)
    return app


def _start_scheduler(app: dash.Dash, ctx) -> None:
    """Starts this process's scheduler of e-mailed reports (every server process runs one; the store's lease
    lets one of them send at a time)."""
    from reports.scheduler import SchedulerThread, sender_for

    thread = SchedulerThread(lambda: sender_for(ctx.config, ctx.db, ctx.campaign_frames))
    app.server.extensions["smsreports_scheduler"] = thread
    thread.start()


def _set_up(app: dash.Dash) -> None:
    """Lets Dash finish setting the app up now, in one thread. Dash does it on a process's first request and
    registers the page's script paths then; with several threads, the requests arriving beside that first one
    found the paths not yet registered and got 500 (issue 23). A request to /health (public, touches nothing)
    runs that set-up."""
    app.server.test_client().get("/health")


def __getattr__(name: str):
    # `app:server` for WSGI servers, built on first use so importing app.py stays cheap.
    if name == "server":
        return create_app().server
    raise AttributeError(name)


if __name__ == "__main__":
    from cli import cli

    sys.exit(cli())
