-- Held until the batch commits: one batch at a time admits new machines, across instances.
-- (Two int keys: a key space apart from the leader election's single bigint keys.)
SELECT pg_advisory_xact_lock(1313166927, 1835100261)
