/**
 * The Kubernetes objects of a sharded bench run, typed by the Kubernetes API's own OpenAPI
 * definitions (kubernetes-models, and prometheus-operator's for the PodMonitor): an unknown field
 * fails the type check, a wrong value their schema validation. `npm run manifests` writes them as
 * YAML next to this file; a test checks the YAML is what this file gives.
 *
 * The run: SHARDS pods of an Indexed Job, each `mqtt-tool bench --shard $(JOB_COMPLETION_INDEX)/SHARDS`,
 * all starting their measured phase at START_AT, each serving /metrics on 9464 for Prometheus and
 * printing its JSON report (collected with kubectl logs, then `bench merge`).
 */
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';

export const SHARDS = 3;
export const METRICS_PORT = 9464;
const NAME = 'mqtt-bench';
const LABELS = { 'app.kubernetes.io/name': NAME };

export const job: IJob = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: NAME, labels: LABELS },
  spec: {
    completionMode: 'Indexed',
    completions: SHARDS,
    parallelism: SHARDS,
    backoffLimit: 0,
    ttlSecondsAfterFinished: 86_400,
    template: {
      metadata: {
        labels: LABELS,
        // For a Prometheus that discovers pods by annotation (prometheus-scrape.yml); the PodMonitor is the operator's way.
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/path': '/metrics' },
      },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'bench',
            // Built from deploy/Dockerfile and pushed where the cluster pulls from.
            image: 'registry.example.com/mqtt-tool:latest',
            args: [
              'bench',
              '-h', '$(BROKER_HOST)',
              '-p', '$(BROKER_PORT)',
              '--shard', `$(JOB_COMPLETION_INDEX)/${SHARDS}`,
              '--start-at', '$(START_AT)',
              '--qos', '1',
              '--trials', '1',
              '--warmup', '0',
              '--duration', '300',
              '--publishers', '30000',
              '--publish-interval', '1000',
              '--connect-rate', '500',
              '--subscribers', String(SHARDS),
              '--topic-pattern', 'fleet/%i/telemetry',
              '--subscribe-filter', 'fleet/+/telemetry',
              '--metrics-port', String(METRICS_PORT),
              '--metrics-hold', '60',
              '--json',
            ],
            env: [
              { name: 'BROKER_HOST', value: 'mqtt.broker.svc.cluster.local' },
              { name: 'BROKER_PORT', value: '1883' },
              // Every shard starts its measured phase at this moment: set it a few minutes after `kubectl apply`.
              { name: 'START_AT', value: '2026-12-06T12:00:00Z' },
            ],
            ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
            resources: { requests: { cpu: '1', memory: '512Mi' }, limits: { memory: '1Gi' } },
          },
        ],
      },
    },
  },
};

export const podMonitor: IPodMonitor = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PodMonitor',
  metadata: { name: NAME, labels: LABELS },
  spec: {
    selector: { matchLabels: LABELS },
    podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '5s' }],
  },
};
