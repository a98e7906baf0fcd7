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

// The SMS dispatch history: each campaign's dispatches under it.
dagfuncs.keepMembersUnderCampaigns = function (params) {
    dagfuncs.keepChildrenUnderParents(params, "parent_id");
};
