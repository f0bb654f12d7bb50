{{/* Release-scoped name, at most 63 characters. */}}
{{- define "troupe.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "troupe.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "troupe.labels" -}}
{{ include "troupe.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "troupe.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "troupe.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "troupe.webhookService" -}}
{{- printf "%s-webhook" (include "troupe.fullname" .) -}}
{{- end -}}

{{- define "troupe.webhookSecret" -}}
{{- printf "%s-webhook-tls" (include "troupe.fullname" .) -}}
{{- end -}}

{{/*
The rules the operator needs in every namespace it watches, and nothing more:
- trainingjobs: read and watch (kopf), delete (ttlSecondsAfterFinished); no create/update/
  patch of the object itself: the operator writes only its status.
- pods, services, configmaps: the children it creates and deletes (configmaps for
  frameworks that ship config files); pods create also covers the webhook's dry-run;
  patch of pods (elastic join generation) and configmaps (elastic membership).
- deployments: the per-job rendezvous store of elastic pytorch jobs.
- secrets: create, get and delete the ones frameworks create (e.g. MPI SSH keys); no
  list or watch, so it cannot read Secrets it does not know by name.
- events: one per child create/delete and per phase change.
*/}}
{{- define "troupe.namespacedRules" -}}
- apiGroups: ["troupe.dev"]
  resources: ["trainingjobs"]
  verbs: ["get", "list", "watch", "delete"]
- apiGroups: ["troupe.dev"]
  resources: ["trainingjobs/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: [""]
  resources: ["pods", "configmaps"]
  verbs: ["get", "list", "watch", "create", "delete", "patch"]
- apiGroups: [""]
  resources: ["pods/log"]  # archived beside a job's results (spec.artifacts.output.logs)
  verbs: ["get"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "create", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["scheduling.volcano.sh", "scheduling.x-k8s.io"]
  resources: ["podgroups"]
  verbs: ["create", "patch"]
- apiGroups: ["kueue.x-k8s.io"]
  resources: ["workloads"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: ["kueue.x-k8s.io"]
  resources: ["workloads/status"]
  verbs: ["get", "patch"]
{{- end -}}

{{- define "troupe.studio.fullname" -}}
{{- printf "%s-studio" (include "troupe.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "troupe.studio.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}-studio
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "troupe.studio.serviceAccountName" -}}
{{- default (include "troupe.studio.fullname" .) .Values.studio.serviceAccount.name -}}
{{- end -}}

{{- define "troupe.studio.postgresql" -}}
{{- printf "%s-postgresql" (include "troupe.studio.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "troupe.studio.labels" -}}
{{ include "troupe.studio.selectorLabels" . }}
app.kubernetes.io/component: studio
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}
