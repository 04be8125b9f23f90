WITH _q0 AS (
  SELECT * FROM "Heartbeat" WHERE (contains(lower("Computer"), 'web') AND regexp_matches("Computer", '(?i)(?:^|[^0-9A-Za-z])web(?:$|[^0-9A-Za-z])'))
),
_q1 AS (
  SELECT date_trunc('hour', "TimeGenerated") AS "TimeGenerated", count(*) AS "Heartbeats" FROM _q0 GROUP BY 1
)
SELECT "TimeGenerated", "Heartbeats" FROM _q1;
