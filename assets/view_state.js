/* Clientside callbacks of a report page's view (callbacks/view_state.py). */
(function () {
    // The address the browser went to by back, forward or an in-app link, until the page drawn for it writes
    // (its store says which address it was drawn for): a write of the page that was there before, still on
    // its way, must not push the old view over the new one.
    var moved = null;
    var MOVED_MS = 5000;  // after this, whatever writes is the page on screen
    function mark() {
        moved = {address: window.location.pathname + window.location.search, at: Date.now()};
    }
    window.addEventListener("popstate", mark);
    window.addEventListener("_dashprivate_pushstate", mark);

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        view: {
            // The query string a page wrote ({search, initial, drawn}) goes into the address bar: the page's
            // first state replaces the entry it was opened with, each change after adds one, so the browser's
            // back and forward step through views. The shell's URL is told (search and href, so it never
            // finds its href stale), and View.LAST, so the shell knows this address needs no new drawing.
            write: function (queries) {
                var none = window.dash_clientside.no_update;
                var query = (queries || []).filter(function (q) { return q && typeof q.search === "string"; })[0];
                if (!query) {
                    return [none, none, none];
                }
                if (moved !== null && Date.now() - moved.at < MOVED_MS) {
                    if (query.drawn !== moved.address) {
                        return [none, none, none];  // the page that was there before
                    }
                    moved = null;
                }
                if (query.search === window.location.search) {
                    return [none, none, query.search];
                }
                var target = window.location.pathname + query.search + window.location.hash;
                if (query.initial) {
                    window.history.replaceState(window.history.state, "", target);
                } else {
                    window.history.pushState({}, "", target);
                }
                return [query.search, window.location.href, query.search];
            },
            // "Copy link": the address as the bar shows it now.
            href: function () {
                return window.location.href;
            },
        },
    });
})();
