/* Clientside callbacks of the transactional page (callbacks/transactional.py). */
var MAX_OPEN = 20;  // callbacks/transactional.py, MAX_OPEN_ROWS
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    trx: {
        // A +/- click ({key, at} from the grid's TrxToggle) opens or closes that campaign. Done
        // here, at once and in click order, so quick clicks on several rows are never lost. At most
        // MAX_OPEN rows stay open (callbacks/transactional.py, MAX_OPEN_ROWS, refuses more): the one
        // opened first closes when one more opens.
        toggle: function (request, keys) {
            if (!request || !request.key) {
                return window.dash_clientside.no_update;
            }
            keys = keys || [];
            if (keys.indexOf(request.key) >= 0) {
                return keys.filter(function (key) { return key !== request.key; });
            }
            return keys.concat([request.key]).slice(-MAX_OPEN);
        },
    },
});
