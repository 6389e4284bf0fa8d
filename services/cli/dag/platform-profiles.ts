/**
 * Where generated DAGs start their pods, per platform (docs/architecture.md,
 * "Managed platforms"). Each entry is the KubernetesPodOperator settings that platform needs;
 * `airflow:` keys in config.yaml override any of them. Adding a platform is one entry here.
 */
import type { Cloud, Platform } from '../../../shared/config/config-schema.js';

/** The pod-placement settings of one platform. */
export interface PlatformProfile {
  /** Shown in the DAG's comment. */
  title: string;
  namespace: string;
  /** Airflow connection to the cluster; the operator's own default when absent. */
  kubernetesConnId?: string;
  inCluster: boolean;
  /** kubeconfig on the Airflow workers. */
  configFile?: string;
  clusterContext?: string;
  /** Kubernetes service account bound to the cloud identity; the namespace's default when absent. */
  serviceAccount?: string;
  /** Pod labels the platform's identity webhook looks for. */
  labels: Readonly<Record<string, string>>;
}

export const PLATFORM_PROFILES = {
  // Cloud Composer 2 and 3: pods go to composer-user-workloads through the environment's own
  // kubeconfig (Google's KubernetesPodOperator samples); Composer 3 ignores the namespace and
  // gives the pods the environment's service account.
  composer: {
    title: 'Cloud Composer (pods in composer-user-workloads)',
    namespace: 'composer-user-workloads',
    kubernetesConnId: 'kubernetes_default',
    inCluster: false,
    configFile: '/home/airflow/composer_kube_config',
    labels: {},
  },
  // MWAA workers are not Kubernetes pods: they reach an EKS cluster through a kubeconfig kept in
  // the DAGs folder (`aws eks update-kubeconfig --kubeconfig dags/kube_config.yaml --alias aws`,
  // then config_file /usr/local/airflow/dags/kube_config.yaml, in_cluster False, cluster_context
  // aws: https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-eks-example.html); the service
  // account carries the IAM role (IRSA / EKS Pod Identity; the DAG's setup comment, setup-notes.ts).
  'mwaa-eks': {
    title: 'Amazon MWAA launching pods on EKS',
    namespace: 'datapipe',
    inCluster: false,
    configFile: '/usr/local/airflow/dags/kube_config.yaml',
    clusterContext: 'aws',
    serviceAccount: 'datapipe',
    labels: {},
  },
  // Airflow inside AKS; Microsoft Entra Workload ID injects credentials only into pods labelled
  // azure.workload.identity/use=true whose service account names the managed identity.
  aks: {
    title: 'Azure Kubernetes Service (Workload ID)',
    namespace: 'datapipe',
    inCluster: true,
    serviceAccount: 'datapipe',
    labels: { 'azure.workload.identity/use': 'true' },
  },
  // Airflow running in the same cluster (e.g. the official Helm chart).
  kubernetes: {
    title: 'Kubernetes, Airflow in the same cluster',
    namespace: 'datapipe',
    inCluster: true,
    labels: {},
  },
} as const satisfies Record<Platform, PlatformProfile>;

/** The platform a cloud's DAGs target unless `airflow.platform` says otherwise. */
export const DEFAULT_PLATFORM = {
  gcp: 'composer',
  aws: 'mwaa-eks',
  azure: 'aks',
  local: 'kubernetes',
} as const satisfies Record<Cloud, Platform>;

/** Requests and limits of one pod, as Kubernetes spells them. */
export interface PodResources {
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
}

/**
 * Defaults per role. The extractor holds a fetch batch and an AVRO block in memory (docs/style.md:
 * memory stays flat); the loader mostly waits on the warehouse. No CPU limit: throttling a
 * streaming read only makes it slower.
 */
export const DEFAULT_RESOURCES: Readonly<Record<'extractor' | 'loader', PodResources>> = {
  extractor: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } },
  loader: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
};
