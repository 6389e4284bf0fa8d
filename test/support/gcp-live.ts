/**
 * The real GCP project the live suites use, from DATAPIPE_IT_GCP_PROJECT / _BUCKET / _DATASET /
 * _LOCATION (default US) with Application Default Credentials; `available` is false (and the
 * suite says so once, loudly) when any of the first three is unset.
 */
export interface LiveGcp {
  project: string;
  bucket: string;
  dataset: string;
  location: string;
  available: boolean;
}

export function liveGcp(suite: string, what: string): LiveGcp {
  const live = {
    project: process.env.DATAPIPE_IT_GCP_PROJECT ?? '',
    bucket: process.env.DATAPIPE_IT_GCP_BUCKET ?? '',
    dataset: process.env.DATAPIPE_IT_GCP_DATASET ?? '',
    location: process.env.DATAPIPE_IT_GCP_LOCATION ?? 'US',
  };
  const available = live.project !== '' && live.bucket !== '' && live.dataset !== '';
  if (!available) {
    console.warn(`[${suite}] SKIPPED: set DATAPIPE_IT_GCP_PROJECT, DATAPIPE_IT_GCP_BUCKET and DATAPIPE_IT_GCP_DATASET ` +
      `(and DATAPIPE_IT_GCP_LOCATION, default US), with Application Default Credentials (gcloud auth application-default login), to ${what}`);
  }
  return { ...live, available };
}
