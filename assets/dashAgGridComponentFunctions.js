/* Cell renderers of the app's grids: the SMS dispatch history's text cells (ClampText) and the
 * transactional page's campaign table (layouts/transactional.py).
 *
 * AG Grid community has no master/detail: an open campaign is followed by a full-width
 * row (isFullWidthRow) drawn by TrxDetail; trxKeepDetailsUnderParents
 * (dashAgGridFunctions.js) keeps it under its campaign whatever the sort.
 */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

(function () {
    // Dash-only props that are no DOM attributes.
    var SKIP = {n_clicks: 1, n_clicks_timestamp: 1, disable_n_clicks: 1, loading_state: 1, setProps: 1, children: 1};

    function noop() {}

    // Draws a component tree serialised by Dash ({type, namespace, props}) as React elements:
    // html.* as plain DOM elements, other components (dcc.Graph) from their libraries. The
    // content is static (charts, tables, links), so nothing reports back to the server.
    function toReact(node, key) {
        if (node === null || node === undefined || typeof node === "boolean") {
            return null;
        }
        if (typeof node === "string" || typeof node === "number") {
            return node;
        }
        if (Array.isArray(node)) {
            return node.map(function (child, i) { return toReact(child, i); });
        }
        var props = node.props || {};
        var out = {key: key};
        Object.keys(props).forEach(function (name) {
            if (!SKIP[name] && props[name] !== null && props[name] !== undefined) {
                out[name] = props[name];
            }
        });
        var children = toReact(props.children);
        if (node.namespace === "dash_html_components") {
            return React.createElement(node.type.toLowerCase(), out, children);
        }
        var library = window[node.namespace];
        var Component = library && library[node.type];
        if (!Component) {
            return null;
        }
        out.setProps = noop;
        return React.createElement(Component, out, children);
    }

    dagcomponentfuncs.TrxDetail = function (props) {
        var data = props.data || {};
        return React.createElement(
            "div", {className: "trx-detail", "data-detail-of": data.detail_of}, toReact(data.detail, "panel")
        );
    };

    // The +/- of a campaign row. A click, or Enter/Space on the focused button or cell,
    // asks the server to open or close the row (through the store named in `target`).
    dagcomponentfuncs.TrxToggle = function (props) {
        var data = props.data || {};
        var open = !!data.open;
        var cell = props.eGridCell;
        function toggle() {
            window.dash_clientside.set_props(props.target, {data: {key: data.row_id, at: Date.now()}});
        }
        React.useEffect(function () {
            if (!cell) {
                return undefined;
            }
            function onKey(event) {
                // On the button itself the browser turns Enter/Space into a click.
                if ((event.key === "Enter" || event.key === " ") && event.target === cell) {
                    event.preventDefault();
                    toggle();
                }
            }
            cell.addEventListener("keydown", onKey);
            return function () { cell.removeEventListener("keydown", onKey); };
        });
        if (data.detail_of !== undefined && data.detail_of !== null) {
            return null;
        }
        return React.createElement(
            "button",
            {
                type: "button",
                className: "btn btn-sm " + (open ? "btn-primary" : "btn-outline-primary") + " trx-toggle",
                "aria-expanded": open ? "true" : "false",
                "aria-label": (open ? props.hide : props.show) + ": " + data.campaign,
                title: open ? props.hide : props.show,
                "data-key": data.row_id,
                onClick: toggle,
            },
            React.createElement("span", {className: "trx-glyph", "aria-hidden": "true"}, open ? "\u2212" : "+"),
            " " + props.text
        );
    };

    // A text cell of the dispatch history: at most two lines, cut with "…" (the full text is the
    // cell's tooltip), so a narrow column gives way without hiding the numbers beside it.
    dagcomponentfuncs.ClampText = function (props) {
        var shown = props.valueFormatted !== undefined && props.valueFormatted !== null ? props.valueFormatted : props.value;
        return React.createElement("span", {className: "cell-clamp"}, shown === null || shown === undefined ? "" : String(shown));
    };
})();
