"""The runtime guard: the policy-violation detector and its embedders, personal-data redaction,
and monitoring of logged conversations. Used by the server (screening, logging) and by the audit
(detector figures, attack judging); it imports neither."""
