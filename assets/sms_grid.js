/* Clientside callbacks of the SMS page's dispatch grid (callbacks/sms.py). */
(function () {
    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        smsGrid: {
            // What the grid shows changed on the server: it asks for the blocks it holds again (AG Grid's
            // infinite row model), keeping its sort, page and ticked rows. Returns when it was told.
            refresh: function () {
                window.dash_ag_grid.getApiAsync("sms-grid").then(function (api) {
                    api.refreshInfiniteCache();
                });
                return Date.now();
            },
        },
    });
})();
