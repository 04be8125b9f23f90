WITH _q0 AS (
  SELECT *, row_number() OVER (PARTITION BY "Computer" ORDER BY "TimeGenerated" DESC NULLS LAST) AS "__kq_rank" FROM "Heartbeat"
),
_q1 AS (
  SELECT * FROM _q0 WHERE ("__kq_rank" = 1)
),
_q2 AS (
  SELECT "Computer" AS "Computer", "TimeGenerated" AS "TimeGenerated", "TenantId" AS "TenantId", "SourceSystem" AS "SourceSystem", "MG" AS "MG", "ManagementGroupName" AS "ManagementGroupName", "SourceComputerId" AS "SourceComputerId", "ComputerIP" AS "ComputerIP", "Category" AS "Category", "OSType" AS "OSType", "OSName" AS "OSName", "OSMajorVersion" AS "OSMajorVersion", "OSMinorVersion" AS "OSMinorVersion", "Version" AS "Version", "SCAgentChannel" AS "SCAgentChannel", "IsGatewayInstalled" AS "IsGatewayInstalled", "RemoteIPLongitude" AS "RemoteIPLongitude", "RemoteIPLatitude" AS "RemoteIPLatitude", "RemoteIPCountry" AS "RemoteIPCountry", "SubscriptionId" AS "SubscriptionId", "ResourceGroup" AS "ResourceGroup", "ResourceProvider" AS "ResourceProvider", "Resource" AS "Resource", "ResourceId" AS "ResourceId", "ResourceType" AS "ResourceType", "ComputerEnvironment" AS "ComputerEnvironment", "Solutions" AS "Solutions", "VMUUID" AS "VMUUID", "ComputerPrivateIPs" AS "ComputerPrivateIPs", "Type" AS "Type", "_ResourceId" AS "_ResourceId", "_SubscriptionId" AS "_SubscriptionId", "_BilledSize" AS "_BilledSize", "_TimeReceived" AS "_TimeReceived" FROM _q1
),
_q3 AS (
  SELECT "Computer" AS "Computer", "TimeGenerated" AS "TimeGenerated", "Version" AS "Version" FROM _q2
)
SELECT "Computer", "TimeGenerated", "Version" FROM _q3;
