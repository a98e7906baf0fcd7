/* Grid functions of the app's tables (see dashAgGridComponentFunctions.js for cell renderers). */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

// postSortRows: after any sort (or none), put the rows that belong to another row (their
// `childKey` field holds its row_id) right under it, in the sorted order among themselves.
dagfuncs.keepChildrenUnderParents = function (params, childKey) {
    var nodes = params.nodes;
    var children = {};
    var rest = [];
    nodes.forEach(function (node) {
        var parent = node.data ? node.data[childKey] : null;
        if (parent !== undefined && parent !== null) {
            (children[parent] = children[parent] || []).push(node);
        } else {
            rest.push(node);
        }
    });
    nodes.length = 0;
    rest.forEach(function (node) {
        nodes.push(node);
        var own = node.data && children[node.data.row_id];
        if (own) {
            own.forEach(function (child) { nodes.push(child); });
            delete children[node.data.row_id];
        }
    });
    Object.keys(children).forEach(function (key) {  // orphans (a parent filtered away) last
        children[key].forEach(function (child) { nodes.push(child); });
    });
};

// The transactional table: each campaign row's expanded detail row.
dagfuncs.trxKeepDetailsUnderParents = function (params) {
    dagfuncs.keepChildrenUnderParents(params, "detail_of");
};

// The grids' numbers (valueFormatter): the language's digits, decimal sign and group separator,
// grouped from four digits on ("1 725" beside "13 180"), the rule the server's formatting (Babel:
// KPI cards, details, DOCX) follows. The browser's own toLocaleString leaves four-digit Polish
// numbers ungrouped (CLDR minimumGroupingDigits 2), so the integer part is grouped here.
// `percent`: a share 0..1 shown with one decimal ("94,9%"); no value: "—".
dagfuncs.formatNumber = (function () {
    var formats = {};
    var groups = {};

    function format(locale, percent) {
        var key = locale + (percent ? "%" : "");
        if (!formats[key]) {
            formats[key] = new Intl.NumberFormat(
                locale,
                percent
                    // halves to even, as Babel rounds the KPI cards and the DOCX (6.25 % -> 6.2 %)
                    ? {style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false,
                       roundingMode: "halfEven"}
                    : {maximumFractionDigits: 0, useGrouping: false, roundingMode: "halfEven"}
            );
        }
        return formats[key];
    }

    function groupSign(locale) {
        if (groups[locale] === undefined) {
            var part = new Intl.NumberFormat(locale, {useGrouping: true}).formatToParts(1234567).filter(function (p) {
                return p.type === "group";
            })[0];
            groups[locale] = part ? part.value : "";
        }
        return groups[locale];
    }

    return function (value, locale, percent) {
        if (value === null || value === undefined || value === "" || isNaN(Number(value))) {
            return "\u2014";
        }
        var sign = groupSign(locale);
        return format(locale, percent)
            .formatToParts(Number(value))
            .map(function (part) {
                return part.type === "integer" ? part.value.replace(/\B(?=(\d{3})+(?!\d))/g, sign) : part.value;
            })
            .join("");
    };
})();
