import { describe, expect, it } from 'vitest';
import type { DagSpec } from '../../../services/cli/dag/dag-spec.js';
import { setupNotes } from '../../../services/cli/dag/setup-notes.js';
import { fixtureSpecs } from './dag-fixtures.js';

/** The aws fixture's DAG (MWAA on EKS, every default placement) with `pod` changes. */
async function aws(pod: Partial<DagSpec['pod']> = {}, drop: (keyof DagSpec['pod'])[] = []): Promise<DagSpec> {
  const [spec] = await fixtureSpecs('aws');
  const placement = { ...spec!.pod, ...pod };
  for (const key of drop) delete placement[key];
  return { ...spec!, pod: placement };
}

describe('setup notes above a DAG\'s pod settings', () => {
  it('MWAA on EKS with aws: the kubeconfig command for the configured file and context, then IRSA for the service account', async () => {
    const notes = setupNotes(await aws());
    expect(notes).toContain('  aws eks update-kubeconfig --region <region> --name <cluster> --kubeconfig dags/kube_config.yaml --alias aws');
    expect(notes).toContain('/usr/local/airflow/dags/kube_config.yaml (context "aws"), uploaded with the DAGs. Make it with');
    expect(notes).toContain('  kubectl annotate serviceaccount -n datapipe datapipe eks.amazonaws.com/role-arn=arn:aws:iam::<account>:role/<role>');
    expect(notes[0]).toMatch(/^Cluster access: /);
    expect(notes.findIndex((l) => l.startsWith('AWS credentials: the pods run as service account "datapipe" in namespace "datapipe".'))).toBe(6);
  });

  it('names the overridden namespace, service account, kubeconfig and context', async () => {
    const notes = setupNotes(await aws({ namespace: 'etl', serviceAccount: 'loader-sa', configFile: '/opt/kube/config', clusterContext: 'prod' }));
    expect(notes).toContain('  aws eks update-kubeconfig --region <region> --name <cluster> --kubeconfig /opt/kube/config --alias prod');
    expect(notes).toContain('  kubectl annotate serviceaccount -n etl loader-sa eks.amazonaws.com/role-arn=arn:aws:iam::<account>:role/<role>');
    expect(notes.some((l) => l.includes('in namespace "etl"'))).toBe(true);
  });

  it('aws pods without a service account (Airflow inside the cluster) are told to set one', async () => {
    const notes = setupNotes(await aws({ platform: 'kubernetes', inCluster: true }, ['serviceAccount', 'configFile', 'clusterContext']));
    expect(notes).toEqual([
      'AWS credentials: the pods run as the default service account of namespace "datapipe". Set',
      'airflow.service_account to a service account bound to an IAM role (IRSA or EKS Pod Identity), so',
      'the AWS SDK in the pods finds temporary credentials without any key.',
    ]);
  });

  it('azure pods are told how to federate their service account with a managed identity (Workload ID)', async () => {
    const [spec] = await fixtureSpecs('azure');
    const notes = setupNotes(spec!);
    expect(notes[0]).toBe(`Azure credentials: the pods run as service account "${spec!.pod.serviceAccount}" in namespace "${spec!.pod.namespace}",`);
    expect(notes).toContain(`  kubectl annotate serviceaccount -n ${spec!.pod.namespace} ${spec!.pod.serviceAccount} azure.workload.identity/client-id=<the identity's client id>`);
    expect(notes.join('\n')).not.toMatch(/AccountKey|token:/);
  });

  it('the other clouds need none, so their DAGs are unchanged', async () => {
    for (const fixture of ['gcp', 'local'] as const) {
      for (const spec of await fixtureSpecs(fixture)) expect(setupNotes(spec), spec.fileName).toEqual([]);
    }
  });
});
