WITH _q0 AS (
  SELECT lower("_ResourceId") AS "ResourceId", max("TimeGenerated") AS "LastSeen" FROM "Heartbeat" GROUP BY 1
),
_q1 AS (
  SELECT * FROM "Resources" WHERE ("type" = 'microsoft.hybridcompute/machines')
),
_q2 AS (
  SELECT lower("id") AS "id", COALESCE(json_extract_string("properties", '$.status'), '') AS "Status" FROM _q1
),
_q3 AS (
  SELECT l."ResourceId" AS "ResourceId", l."LastSeen" AS "LastSeen", r."id" AS "id", r."Status" AS "Status" FROM _q0 AS l INNER JOIN _q2 AS r ON l."ResourceId" = r."id"
),
_q4 AS (
  SELECT "Status" AS "Status", count(*) AS "Machines" FROM _q3 GROUP BY 1
)
SELECT "Status", "Machines" FROM _q4;
