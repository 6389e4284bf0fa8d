/**
 * The comment a generated DAG carries above its pod settings where the platform or the cloud needs
 * a one-time setup outside Airflow that the DAG cannot do itself: reaching the cluster (MWAA's
 * kubeconfig) and giving the pods cloud credentials without keys (IRSA on EKS, Workload ID on
 * AKS). Text only, built
 * from the resolved spec, so the same config writes the same bytes.
 */
import type { DagSpec } from './dag-spec.js';

/** Where MWAA serves the environment's DAGs folder on its workers. */
const MWAA_DAGS_FOLDER = '/usr/local/airflow/dags/';

/** The comment lines (without `# `) for `spec`; none when nothing needs setting up. */
export function setupNotes(spec: DagSpec): string[] {
  return [...clusterAccess(spec), ...awsCredentials(spec), ...azureCredentials(spec)];
}

/**
 * MWAA's workers run outside the cluster and reach it through a kubeconfig in the DAGs folder,
 * made by `aws eks update-kubeconfig … --alias <context>`; the execution role must be a Kubernetes
 * user allowed to manage the pods (https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-eks-example.html).
 */
function clusterAccess(spec: DagSpec): string[] {
  const { pod } = spec;
  if (pod.platform !== 'mwaa-eks' || pod.configFile === undefined) return [];
  const local = pod.configFile.startsWith(MWAA_DAGS_FOLDER) ? `dags/${pod.configFile.slice(MWAA_DAGS_FOLDER.length)}` : pod.configFile;
  const alias = pod.clusterContext ?? '<context>';
  return [
    'Cluster access: MWAA\'s workers reach EKS through the kubeconfig',
    `${pod.configFile} (context "${alias}"), uploaded with the DAGs. Make it with`,
    `  aws eks update-kubeconfig --region <region> --name <cluster> --kubeconfig ${local} --alias ${alias}`,
    'and delete any `env: AWS_PROFILE` entry it writes. Map the MWAA execution role to a Kubernetes',
    `user that may create, watch and delete pods and read their logs and events in namespace "${pod.namespace}"`,
    '(an EKS access entry, or aws-auth): https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-eks-example.html',
  ];
}

/**
 * On aws the pods call S3 and the Redshift Data API with the AWS SDK's default credential chain,
 * which takes a web identity (IRSA: the service account annotated `eks.amazonaws.com/role-arn`,
 * https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html) or an EKS
 * Pod Identity association by itself — never a key.
 */
function awsCredentials(spec: DagSpec): string[] {
  if (spec.cloud !== 'aws') return [];
  const { namespace, serviceAccount } = spec.pod;
  if (serviceAccount === undefined) {
    return [
      `AWS credentials: the pods run as the default service account of namespace "${namespace}". Set`,
      'airflow.service_account to a service account bound to an IAM role (IRSA or EKS Pod Identity), so',
      'the AWS SDK in the pods finds temporary credentials without any key.',
    ];
  }
  return [
    `AWS credentials: the pods run as service account "${serviceAccount}" in namespace "${namespace}".`,
    'Bind it to an IAM role and the AWS SDK in the pods takes the role\'s temporary credentials by',
    'itself: no key is in the image, this file or the Secret. IRSA: create a role that trusts the',
    'cluster\'s OIDC provider, then',
    `  kubectl annotate serviceaccount -n ${namespace} ${serviceAccount} eks.amazonaws.com/role-arn=arn:aws:iam::<account>:role/<role>`,
    '(or `eksctl create iamserviceaccount`; or an EKS Pod Identity association instead). The role',
    'reads and writes the staging bucket and calls the Redshift Data API (and reads the secret_arn',
    'secret, when one is set): https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html',
  ];
}

/**
 * On azure the pods reach Blob storage with DefaultAzureCredential, which takes the token that
 * Microsoft Entra Workload ID injects into pods labelled `azure.workload.identity/use: "true"` whose
 * service account names a managed identity federated with the cluster's OIDC issuer
 * (https://learn.microsoft.com/azure/aks/workload-identity-overview) — never a key.
 */
function azureCredentials(spec: DagSpec): string[] {
  if (spec.cloud !== 'azure') return [];
  const { namespace, serviceAccount } = spec.pod;
  if (serviceAccount === undefined) {
    return [
      `Azure credentials: the pods run as the default service account of namespace "${namespace}". Set`,
      'airflow.service_account to one federated with a managed identity (Workload ID), so the pods',
      'reach the staging container without any key.',
    ];
  }
  return [
    `Azure credentials: the pods run as service account "${serviceAccount}" in namespace "${namespace}",`,
    'labelled for Microsoft Entra Workload ID. Federate it with a managed identity that has Storage',
    'Blob Data Contributor on the staging container, then',
    `  az identity federated-credential create --name datapipe --identity-name <identity> --resource-group <group> --issuer <the cluster's OIDC issuer URL> --subject system:serviceaccount:${namespace}:${serviceAccount}`,
    `  kubectl annotate serviceaccount -n ${namespace} ${serviceAccount} azure.workload.identity/client-id=<the identity's client id>`,
    'No key is in the image, this file or the Secret; the Databricks token stays in the Secret (or use',
    'auth: entra-id): https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster',
  ];
}
