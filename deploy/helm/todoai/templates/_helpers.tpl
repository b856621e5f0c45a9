{{/* The release's name prefix of every object: "<release>-todoai", or the release name when it holds "todoai". */}}
{{- define "todoai.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "todoai.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include "todoai.selector" (list $ "todo") */}}
{{- define "todoai.selector" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* The Namespace the Dapr resources (and everything else) go to. */}}
{{- define "todoai.namespace" -}}
{{- .Values.namespaceOverride | default .Release.Namespace -}}
{{- end -}}

{{- define "todoai.image" -}}
{{- $img := .Values.image -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository ($img.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding DATABASE_URL, JWT_SECRET, APP_API_TOKEN (and the Kafka SASL password). */}}
{{- define "todoai.secretName" -}}
{{- .Values.secrets.name | default (printf "%s-secrets" (include "todoai.fullname" .)) -}}
{{- end -}}

{{/* Kafka bootstrap servers: the values' list, or the chart's Redpanda. */}}
{{- define "todoai.kafkaBrokers" -}}
{{- if .Values.kafka.brokers -}}
{{- .Values.kafka.brokers -}}
{{- else if .Values.redpanda.enabled -}}
{{- printf "%s-redpanda.%s.svc.cluster.local:9092" (include "todoai.fullname" .) (include "todoai.namespace" .) -}}
{{- else -}}
{{- fail "kafka.brokers is empty and redpanda.enabled is false: name the brokers (host:port,...)" -}}
{{- end -}}
{{- end -}}

{{/* Every app id of the five services, in catalogue order (scopes). */}}
{{- define "todoai.appIds" -}}
{{- range $name, $svc := .Values.services }}{{ $svc.appId }} {{ end -}}
{{- end -}}

{{/* scopes: for a Dapr resource: include "todoai.scopes" (list $ (list "todo" "audit")) — the named services' app ids. */}}
{{- define "todoai.scopes" -}}
{{- $root := index . 0 -}}
scopes:
{{- range $name := index . 1 }}
{{- $svc := index $root.Values.services $name | required (printf "no service %q in values.services" $name) }}
  - {{ $svc.appId }}
{{- end }}
{{- end -}}

{{/* Direct mode: todoai's own Kafka client settings (seed 000's pubsub.kafka fields as TODOAI_KAFKA_*). */}}
{{- define "todoai.kafkaEnv" -}}
- name: TODOAI_KAFKA_BROKERS
  value: {{ include "todoai.kafkaBrokers" . | quote }}
- name: TODOAI_KAFKA_AUTH_TYPE
  value: {{ .Values.kafka.authType | quote }}
- name: TODOAI_KAFKA_DISABLE_TLS
  value: {{ .Values.kafka.disableTls | quote }}
- name: TODOAI_KAFKA_INITIAL_OFFSET
  value: {{ .Values.kafka.initialOffset | quote }}
{{- with .Values.kafka.consumerGroupPrefix }}
- name: TODOAI_KAFKA_CONSUMER_GROUP
  value: {{ . | quote }}
{{- end }}
{{- if eq .Values.kafka.authType "password" }}
- name: TODOAI_KAFKA_SASL_MECHANISM
  value: {{ .Values.kafka.saslMechanism | quote }}
- name: TODOAI_KAFKA_SASL_USERNAME
  value: {{ .Values.kafka.saslUsername | required "kafka.saslUsername is needed with kafka.authType password" | quote }}
- name: TODOAI_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ include "todoai.secretName" . }}, key: {{ .Values.secrets.keys.kafkaSaslPassword }}}
{{- end }}
{{- end -}}
