{{- define "syncd.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "syncd.selectorLabels" -}}
app.kubernetes.io/name: syncd
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "syncd.labels" -}}
{{ include "syncd.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "syncd.sqlite" -}}
{{- if not .Values.store.existingSecret -}}true{{- end -}}
{{- end -}}
