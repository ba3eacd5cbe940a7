-- Orleans cluster membership on PostgreSQL, owned by Pulso (schema version 1).
--
-- Microsoft.Orleans.Clustering.AdoNet ships no SQL: at start-up it runs
-- `SELECT QueryKey, QueryText FROM OrleansQuery` and afterwards executes only the
-- texts stored under its keys, binding parameters by name (@DeploymentId = the
-- ClusterId, @Address/@Port/@Generation = the silo address, @Version = the table
-- version the caller read) and reading result columns by name. Everything below
-- the OrleansQuery table is ours to shape as long as that contract holds.
--
-- Optimistic concurrency: one version row per cluster. A membership write
-- (insert or update of a silo row) succeeds only when @Version still equals the
-- stored version, and it increments the version in the same statement; readers
-- get the version with every row set and use it as the etag of their next write.
-- Heartbeats (IAmAliveTime) and clean-up of dead rows leave the version alone.
--
-- Applied by PostgresMembershipSchema.EnsureAsync in one transaction when
-- pulso_schema_version holds no version or an older one. By hand (e.g. with a
-- migration account, so that silos can run with DML rights only):
--   psql -v ON_ERROR_STOP=1 --single-transaction -f PostgresMembership.sql
-- Every statement is idempotent; the advisory lock serialises silos that start
-- together (CREATE TABLE IF NOT EXISTS alone races on the catalog).
--
-- Changing anything here means raising the version (1 below and
-- PostgresMembershipSchema.Version) and writing the step from the old version:
-- a database already at the version is not touched again.

-- Same key as PostgresMembershipSchema.LockKey; taking it twice in one
-- transaction is harmless.
SELECT pg_advisory_xact_lock(4827104719205861513);

CREATE TABLE IF NOT EXISTS pulso_schema_version
(
    component  text        PRIMARY KEY,
    version    integer     NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- The provider's query is unquoted, so PostgreSQL folds it to these lower-case
-- names. Other Orleans ADO.NET providers may keep their keys here as well.
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) PRIMARY KEY,
    querytext text        NOT NULL
);

CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id text        PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   text        NOT NULL
        REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL,
    -- "silo,time|silo,time" as the provider formats it; NULL or '' when nobody suspects.
    suspect_times   text,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Result sets of the two reads: one row per silo, each carrying the table
-- version; a cluster without silos yields one row whose silo columns are NULL
-- (the provider takes the version from the first row and sees no member when
-- StartTime is NULL). Column aliases are quoted to keep the provider's casing.
INSERT INTO orleansquery (querykey, querytext) VALUES
('MembershipReadAllKey', $q$
SELECT v.version         AS "Version",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId
$q$),

('MembershipReadRowKey', $q$
SELECT v.version         AS "Version",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m
       ON m.deployment_id = v.deployment_id
      AND m.address = @Address
      AND m.port = @Port
      AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId
$q$),

-- Returns true when this call created the version row.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id)
    VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created)
$q$),

-- One statement, so it is atomic without an explicit transaction: the version
-- row is bumped only when it still holds @Version and the silo is not there
-- yet, and the silo row is inserted only when the bump happened. A concurrent
-- writer with the same @Version waits on the version row's lock, then finds the
-- version changed and writes nothing.
('InsertMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version
    SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId
      AND version = @Version
      AND NOT EXISTS (
          SELECT 1 FROM orleans_membership
          WHERE deployment_id = @DeploymentId
            AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment_id
), inserted AS (
    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name, status,
         proxy_port, suspect_times, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
           @ProxyPort, NULL, @StartTime, @IAmAliveTime
    FROM bumped
    ON CONFLICT (deployment_id, address, port, generation) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM inserted)
$q$),

-- Same shape as the insert: bump only when @Version matches and the silo row
-- exists, update the silo row only when the bump happened.
('UpdateMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version
    SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId
      AND version = @Version
      AND EXISTS (
          SELECT 1 FROM orleans_membership
          WHERE deployment_id = @DeploymentId
            AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment_id
), updated AS (
    UPDATE orleans_membership m
    SET status = @Status,
        suspect_times = @SuspectTimes,
        i_am_alive_time = @IAmAliveTime
    FROM bumped
    WHERE m.deployment_id = bumped.deployment_id
      AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM updated)
$q$),

-- The heartbeat: a liveness observation, not a membership change.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership
SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId
  AND address = @Address AND port = @Port AND generation = @Generation
$q$),

-- Gateways for clients: the provider passes @Status = Active.
('GatewaysQueryKey', $q$
SELECT address    AS "Address",
       proxy_port AS "ProxyPort",
       generation AS "Generation"
FROM orleans_membership
WHERE deployment_id = @DeploymentId
  AND status = @Status
  AND proxy_port > 0
$q$),

-- The silo rows go with the version row (ON DELETE CASCADE).
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version
WHERE deployment_id = @DeploymentId
$q$),

-- Used when CleanupDefunctSiloEntryKey is absent: dead (6) silos whose start,
-- last heartbeat and every suspicion are older than @IAmAliveTime.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId
  AND status = 6
  AND start_time < @IAmAliveTime
  AND i_am_alive_time < @IAmAliveTime
  AND COALESCE(suspect_times, '') = ''
$q$),

-- Preferred by the 10.x provider: it reads the table, picks the dead rows to
-- drop and deletes each one only if it is still exactly as read (nobody
-- revived, re-suspected or re-declared it in between).
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId
  AND status = 6
  AND address = @Address AND port = @Port AND generation = @Generation
  AND start_time = @StartTime
  AND i_am_alive_time = @IAmAliveTime
  AND COALESCE(suspect_times, '') = COALESCE(@SuspectTimes, '')
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;

INSERT INTO pulso_schema_version (component, version)
VALUES ('orleans-membership', 1)
ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, applied_at = now();
