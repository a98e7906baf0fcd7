"""Every SQL query of the app, one module per page. Parameters are always bound, never formatted in.

Callers import the module they need: `sms` (the SMS reports page), `history` (its
dispatch-history grid and exports), `transactional` (the transactional page),
`dispatches` (look-ups by dispatch number or id), `status` (the readiness check);
`counts` holds what the pages' queries share. Each function takes the process's `Db`
and keyword arguments and returns plain records or a DataFrame (or a small value / an
Arrow batch stream for downloads).
"""
