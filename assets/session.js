// When the session has ended (idle timeout, log-out in another tab, role or password changed), the
// server answers the page's next callback with 401: go to the log-in page, then come back here.
(function () {
    var originalFetch = window.fetch;
    window.fetch = function (input) {
        return originalFetch.apply(this, arguments).then(function (response) {
            var url = typeof input === "string" ? input : (input && input.url) || "";
            if (response.status === 401 && url.indexOf("_dash-update-component") !== -1) {
                window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
            }
            return response;
        });
    };
})();
