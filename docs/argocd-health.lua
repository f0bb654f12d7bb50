-- Argo CD health check for troupe.dev/TrainingJob.
-- Install: argocd-cm, key `resource.customizations.health.troupe.dev_TrainingJob`.
-- Maps the job's phase and conditions to Argo CD health: a finished job is Healthy,
-- a failed one Degraded, a suspended one Suspended, anything else Progressing.
local hs = {status = "Progressing", message = "Waiting for the operator"}
if obj.status == nil or obj.status.phase == nil then
  return hs
end
local phase = obj.status.phase
local message = obj.status.message or phase
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  return {status = "Progressing", message = "The operator has not seen the latest spec yet"}
end
if phase == "Succeeded" then
  hs.status = "Healthy"
elseif phase == "Failed" then
  hs.status = "Degraded"
elseif phase == "Suspended" then
  hs.status = "Suspended"
elseif phase == "Running" then
  hs.status = "Healthy"
end
hs.message = message
return hs
